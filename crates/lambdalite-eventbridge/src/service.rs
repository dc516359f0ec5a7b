//! The buses and rules of one account, EventBridge's operations on them,
//! and routing: a put event (or a scheduled rule's fire) is matched
//! against the bus's rules, and what each target receives is committed
//! as parcels of the events room's outbox before the answer.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use lambdalite_events::outbox::{DeadLetter, Outbox, Parcel};
use lambdalite_events::schedule::{self, Clock, Dialect, Expression, Schedule, Timers};
use lambdalite_events::{Deliverer, Endpoint, Pattern};
use lambdalite_protocol::json::ServiceError;
use lambdalite_store::docs::{Doc, DocOp, DocStore};
use serde_json::{json, Value};

use crate::model::{rule_key, Bus, Rule};
use crate::transform;

const BUS: &str = "bus";
const RULE: &str = "rule";
const PARCEL: &str = "parcel";

pub const DEFAULT_BUS: &str = "default";
/// Most targets a rule may have.
pub const MAX_TARGETS: usize = 5;
/// A scheduled fire missed for longer than this (the default maximum
/// event age) is dropped.
const MISSED_FIRE_WINDOW: Duration = Duration::from_secs(86_400);

pub fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError::client("ValidationException", message)
}

pub fn not_found(message: impl Into<String>) -> ServiceError {
    ServiceError::client("ResourceNotFoundException", message)
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    tracing::error!(error = %e, "EventBridge store");
    ServiceError::internal()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// EventBridge's event time: seconds, UTC.
pub fn event_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// EventBridge for one account and region.
pub struct EventBridge {
    this: std::sync::Weak<EventBridge>,
    pub account: String,
    pub region: String,
    store: DocStore,
    state: RwLock<State>,
    outbox: Arc<Outbox>,
    timers: Timers,
}

#[derive(Default)]
struct State {
    buses: BTreeMap<String, Bus>,
    /// By bus, then name.
    rules: BTreeMap<String, Rule>,
}

/// A target's delivery settings, as put.
fn retry_of(target: &Value) -> (u32, u64) {
    let p = target.get("RetryPolicy");
    let retries = p
        .and_then(|p| p.get("MaximumRetryAttempts"))
        .and_then(Value::as_u64)
        .unwrap_or(185) as u32;
    let age = p
        .and_then(|p| p.get("MaximumEventAgeInSeconds"))
        .and_then(Value::as_u64)
        .unwrap_or(86_400);
    (retries, age)
}

/// Where a target's ARN is delivered.
pub fn endpoint_of(arn: &str) -> Option<Endpoint> {
    match arn.split(':').nth(2)? {
        "lambda" => Some(Endpoint::Function(arn.to_string())),
        "sqs" => Some(Endpoint::Queue(arn.to_string())),
        "sns" => Some(Endpoint::Topic(arn.to_string())),
        _ => None,
    }
}

impl EventBridge {
    /// The service over `store`, with what it held; deliveries that were
    /// pending resume and scheduled rules start (inside the runtime).
    pub fn new(
        account: &str,
        region: &str,
        store: DocStore,
        docs: Vec<Doc>,
        deliverer: Arc<Deliverer>,
        clock: Arc<dyn Clock>,
    ) -> Arc<EventBridge> {
        let mut state = State::default();
        let mut parcels = Vec::new();
        for d in docs {
            match d.kind.as_str() {
                BUS => {
                    if let Some(b) = d.decode::<Bus>() {
                        state.buses.insert(b.name.clone(), b);
                    }
                }
                RULE => {
                    if let Some(r) = d.decode::<Rule>() {
                        state.rules.insert(r.key(), r.compile());
                    }
                }
                PARCEL => parcels.extend(d.decode::<Parcel>()),
                _ => {}
            }
        }
        let outbox = Outbox::new(store.clone(), PARCEL, deliverer);
        let eb = Arc::new_cyclic(|this| EventBridge {
            this: this.clone(),
            account: account.to_string(),
            region: region.to_string(),
            store,
            state: RwLock::new(state),
            outbox,
            timers: Timers::new(clock),
        });
        if !eb.read().buses.contains_key(DEFAULT_BUS) {
            let now = now_ms();
            let bus = Bus {
                name: DEFAULT_BUS.into(),
                arn: eb.bus_arn(DEFAULT_BUS),
                description: None,
                created: now,
                modified: now,
                tags: Vec::new(),
            };
            let _ = eb
                .store
                .apply_later(DocOp::put_json(BUS, DEFAULT_BUS, &bus));
            eb.write().buses.insert(DEFAULT_BUS.into(), bus);
        }
        eb.outbox.resume(parcels);
        let scheduled: Vec<Rule> = eb
            .read()
            .rules
            .values()
            .filter(|r| r.schedule.is_some() && r.enabled())
            .cloned()
            .collect();
        for r in scheduled {
            eb.start_timer(&r);
        }
        eb
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn bus_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:event-bus/{name}",
            self.region, self.account
        )
    }

    pub fn rule_arn(&self, bus: &str, name: &str) -> String {
        if bus == DEFAULT_BUS {
            format!(
                "arn:aws:events:{}:{}:rule/{name}",
                self.region, self.account
            )
        } else {
            format!(
                "arn:aws:events:{}:{}:rule/{bus}/{name}",
                self.region, self.account
            )
        }
    }

    async fn commit(&self, op: DocOp) -> Result<(), ServiceError> {
        lambdalite_events::outbox::commit(&self.store, op)
            .await
            .map_err(internal)
    }

    /// A bus named by name or ARN (absent: the default bus).
    fn bus_name(&self, given: Option<&str>) -> String {
        match given {
            None | Some("") => DEFAULT_BUS.to_string(),
            Some(g) => match g.split_once(":event-bus/") {
                Some((_, name)) if g.starts_with("arn:") => name.to_string(),
                _ => g.to_string(),
            },
        }
    }

    fn existing_bus(&self, given: Option<&str>) -> Result<String, ServiceError> {
        let name = self.bus_name(given);
        if self.read().buses.contains_key(&name) {
            Ok(name)
        } else {
            Err(not_found(format!("Event bus {name} does not exist.")))
        }
    }

    fn rule(&self, bus: &str, name: &str) -> Result<Rule, ServiceError> {
        self.read()
            .rules
            .get(&rule_key(bus, name))
            .cloned()
            .ok_or_else(|| not_found(format!("Rule {name} does not exist on EventBus {bus}.")))
    }

    // ------------------------------------------------------------ buses

    pub async fn create_event_bus(&self, input: &Value) -> Result<Value, ServiceError> {
        let name = str_of(input, "Name").unwrap_or_default();
        check_name(name, "name", r"[/\.\-_A-Za-z0-9]+", 256, true)?;
        if name == DEFAULT_BUS {
            return Err(ServiceError::client(
                "ResourceAlreadyExistsException",
                format!("Event bus {name} already exists."),
            ));
        }
        if name.contains('/') && str_of(input, "EventSourceName").is_none() {
            return Err(validation("Event bus name must not contain '/'."));
        }
        let now = now_ms();
        let bus = Bus {
            name: name.to_string(),
            arn: self.bus_arn(name),
            description: str_of(input, "Description").map(str::to_string),
            created: now,
            modified: now,
            tags: tags_of(input.get("Tags")),
        };
        if self.read().buses.contains_key(name) {
            return Err(ServiceError::client(
                "ResourceAlreadyExistsException",
                format!("Event bus {name} already exists."),
            ));
        }
        self.commit(DocOp::put_json(BUS, name, &bus)).await?;
        let mut out = json!({"EventBusArn": bus.arn});
        if let Some(d) = &bus.description {
            out["Description"] = json!(d);
        }
        self.write().buses.insert(name.to_string(), bus);
        Ok(out)
    }

    pub async fn delete_event_bus(&self, input: &Value) -> Result<Value, ServiceError> {
        let name = self.bus_name(str_of(input, "Name"));
        if name == DEFAULT_BUS {
            return Err(validation("Cannot delete event bus default."));
        }
        let rules: Vec<String> = self
            .read()
            .rules
            .values()
            .filter(|r| r.bus == name)
            .map(Rule::key)
            .collect();
        if !self.read().buses.contains_key(&name) {
            return Ok(json!({}));
        }
        let mut ops = vec![DocOp::delete(BUS, &name)];
        ops.extend(rules.iter().map(|k| DocOp::delete(RULE, k)));
        self.commit(DocOp::Batch(ops)).await?;
        let mut s = self.write();
        s.buses.remove(&name);
        for k in &rules {
            s.rules.remove(k);
        }
        drop(s);
        for k in &rules {
            self.stop_timer(k);
        }
        Ok(json!({}))
    }

    fn bus_json(&self, b: &Bus) -> Value {
        let mut v = json!({
            "Name": b.name,
            "Arn": b.arn,
            "CreationTime": b.created as f64 / 1000.0,
            "LastModifiedTime": b.modified as f64 / 1000.0,
        });
        if let Some(d) = &b.description {
            v["Description"] = json!(d);
        }
        v
    }

    pub fn describe_event_bus(&self, input: &Value) -> Result<Value, ServiceError> {
        let name = self.bus_name(str_of(input, "Name"));
        let s = self.read();
        let b = s
            .buses
            .get(&name)
            .ok_or_else(|| not_found(format!("Event bus {name} does not exist.")))?;
        Ok(self.bus_json(b))
    }

    pub fn list_event_buses(&self, input: &Value) -> Result<Value, ServiceError> {
        let prefix = str_of(input, "NamePrefix").unwrap_or("");
        let s = self.read();
        let all: Vec<Value> = s
            .buses
            .values()
            .filter(|b| b.name.starts_with(prefix))
            .map(|b| self.bus_json(b))
            .collect();
        page(all, input, "EventBuses")
    }

    // ------------------------------------------------------------ rules

    pub async fn put_rule(&self, input: &Value) -> Result<Value, ServiceError> {
        let name = str_of(input, "Name").unwrap_or_default();
        check_name(name, "name", r"[\.\-_A-Za-z0-9]+", 64, false)?;
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let pattern = str_of(input, "EventPattern").filter(|p| !p.is_empty());
        let schedule = str_of(input, "ScheduleExpression").filter(|p| !p.is_empty());
        if pattern.is_none() && schedule.is_none() {
            return Err(validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            ));
        }
        if let Some(p) = pattern {
            check_pattern(p)?;
        }
        if let Some(expr) = schedule {
            if bus != DEFAULT_BUS {
                return Err(validation(
                    "ScheduleExpression is supported only on the default event bus.",
                ));
            }
            Expression::parse(expr, Dialect::Rules)
                .map_err(|_| validation("Parameter ScheduleExpression is not valid."))?;
        }
        let state = match str_of(input, "State") {
            None => "ENABLED",
            Some(s @ ("ENABLED" | "DISABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")) => s,
            Some(s) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{s}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, DISABLED, ENABLED]"
                )))
            }
        };
        let key = rule_key(&bus, name);
        let old = self.read().rules.get(&key).cloned();
        let rule = Rule {
            name: name.to_string(),
            bus: bus.clone(),
            arn: self.rule_arn(&bus, name),
            event_pattern: pattern.map(str::to_string),
            schedule: schedule.map(str::to_string),
            state: state.to_string(),
            description: str_of(input, "Description").map(str::to_string),
            role_arn: str_of(input, "RoleArn").map(str::to_string),
            created_ms: old.as_ref().map_or_else(now_ms, |o| o.created_ms),
            last_fire_ms: old.as_ref().and_then(|o| o.last_fire_ms),
            targets: old.as_ref().map(|o| o.targets.clone()).unwrap_or_default(),
            tags: match (&old, input.get("Tags")) {
                (_, Some(t)) => tags_of(Some(t)),
                (Some(o), None) => o.tags.clone(),
                (None, None) => Vec::new(),
            },
            compiled: None,
        }
        .compile();
        self.commit(DocOp::put_json(RULE, &key, &rule)).await?;
        let arn = rule.arn.clone();
        self.write().rules.insert(key.clone(), rule.clone());
        self.restart_timer(&rule);
        Ok(json!({ "RuleArn": arn }))
    }

    fn rule_json(&self, r: &Rule) -> Value {
        let mut v = json!({
            "Name": r.name,
            "Arn": r.arn,
            "State": r.state,
            "EventBusName": r.bus,
        });
        if let Some(p) = &r.event_pattern {
            v["EventPattern"] = json!(p);
        }
        if let Some(s) = &r.schedule {
            v["ScheduleExpression"] = json!(s);
        }
        if let Some(d) = &r.description {
            v["Description"] = json!(d);
        }
        if let Some(role) = &r.role_arn {
            v["RoleArn"] = json!(role);
        }
        v
    }

    pub fn describe_rule(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let name = str_of(input, "Name").unwrap_or_default();
        let r = self.rule(&bus, name)?;
        let mut v = self.rule_json(&r);
        v["CreatedBy"] = json!(self.account);
        Ok(v)
    }

    pub fn list_rules(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let prefix = str_of(input, "NamePrefix").unwrap_or("");
        let all: Vec<Value> = self
            .read()
            .rules
            .values()
            .filter(|r| r.bus == bus && r.name.starts_with(prefix))
            .map(|r| self.rule_json(r))
            .collect();
        page(all, input, "Rules")
    }

    pub async fn delete_rule(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let name = str_of(input, "Name").unwrap_or_default();
        let key = rule_key(&bus, name);
        let Some(rule) = self.read().rules.get(&key).cloned() else {
            return Ok(json!({}));
        };
        if !rule.targets.is_empty() {
            return Err(validation("Rule can't be deleted since it has targets."));
        }
        self.commit(DocOp::delete(RULE, &key)).await?;
        self.write().rules.remove(&key);
        self.stop_timer(&key);
        Ok(json!({}))
    }

    pub async fn set_state(&self, input: &Value, state: &str) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let name = str_of(input, "Name").unwrap_or_default();
        let mut rule = self.rule(&bus, name)?;
        rule.state = state.to_string();
        self.commit(DocOp::put_json(RULE, &rule.key(), &rule))
            .await?;
        self.write().rules.insert(rule.key(), rule.clone());
        self.restart_timer(&rule);
        Ok(json!({}))
    }

    pub fn list_rule_names_by_target(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let target = str_of(input, "TargetArn").unwrap_or_default();
        let all: Vec<Value> = self
            .read()
            .rules
            .values()
            .filter(|r| r.bus == bus && r.targets.iter().any(|t| str_of(t, "Arn") == Some(target)))
            .map(|r| json!(r.name))
            .collect();
        page(all, input, "RuleNames")
    }

    // ---------------------------------------------------------- targets

    pub async fn put_targets(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let name = str_of(input, "Rule").unwrap_or_default();
        let mut rule = self.rule(&bus, name)?;
        let given = input
            .get("Targets")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, t) in given.iter().enumerate() {
            check_target(t, i + 1)?;
        }
        for t in given {
            let id = str_of(&t, "Id").unwrap_or_default().to_string();
            match rule
                .targets
                .iter_mut()
                .find(|o| str_of(o, "Id") == Some(&id))
            {
                Some(o) => *o = t,
                None => rule.targets.push(t),
            }
        }
        if rule.targets.len() > MAX_TARGETS {
            return Err(ServiceError::client(
                "LimitExceededException",
                "The requested resource exceeds the maximum number allowed.",
            ));
        }
        self.commit(DocOp::put_json(RULE, &rule.key(), &rule))
            .await?;
        self.write().rules.insert(rule.key(), rule);
        Ok(json!({"FailedEntryCount": 0, "FailedEntries": []}))
    }

    pub async fn remove_targets(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let name = str_of(input, "Rule").unwrap_or_default();
        let mut rule = self.rule(&bus, name)?;
        let ids: Vec<&str> = input
            .get("Ids")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        rule.targets
            .retain(|t| !ids.contains(&str_of(t, "Id").unwrap_or_default()));
        self.commit(DocOp::put_json(RULE, &rule.key(), &rule))
            .await?;
        self.write().rules.insert(rule.key(), rule);
        Ok(json!({"FailedEntryCount": 0, "FailedEntries": []}))
    }

    pub fn list_targets_by_rule(&self, input: &Value) -> Result<Value, ServiceError> {
        let bus = self.existing_bus(str_of(input, "EventBusName"))?;
        let name = str_of(input, "Rule").unwrap_or_default();
        let rule = self.rule(&bus, name)?;
        page(rule.targets, input, "Targets")
    }

    // ------------------------------------------------------------- tags

    fn with_tags<T>(
        &self,
        arn: &str,
        f: impl FnOnce(&mut Vec<(String, String)>) -> T,
    ) -> Result<(T, DocOp), ServiceError> {
        let mut s = self.write();
        if let Some(b) = s.buses.values_mut().find(|b| b.arn == arn) {
            let out = f(&mut b.tags);
            return Ok((out, DocOp::put_json(BUS, &b.name.clone(), b)));
        }
        if let Some(r) = s.rules.values_mut().find(|r| r.arn == arn) {
            let out = f(&mut r.tags);
            return Ok((out, DocOp::put_json(RULE, &r.key(), r)));
        }
        let what = arn.rsplit_once('/').map_or(arn, |(_, n)| n);
        if arn.contains(":rule/") {
            let bus = arn
                .split(":rule/")
                .nth(1)
                .and_then(|r| r.split_once('/'))
                .map_or(DEFAULT_BUS, |(b, _)| b);
            return Err(not_found(format!(
                "Rule {what} does not exist on EventBus {bus}."
            )));
        }
        Err(not_found(format!("Event bus {what} does not exist.")))
    }

    pub async fn tag_resource(&self, input: &Value) -> Result<Value, ServiceError> {
        let arn = str_of(input, "ResourceARN").unwrap_or_default();
        let new = tags_of(input.get("Tags"));
        let ((), op) = self.with_tags(arn, |tags| {
            for (k, v) in new {
                match tags.iter_mut().find(|(ok, _)| *ok == k) {
                    Some(t) => t.1 = v,
                    None => tags.push((k, v)),
                }
            }
        })?;
        self.commit(op).await?;
        Ok(json!({}))
    }

    pub async fn untag_resource(&self, input: &Value) -> Result<Value, ServiceError> {
        let arn = str_of(input, "ResourceARN").unwrap_or_default();
        let keys: Vec<String> = input
            .get("TagKeys")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let ((), op) = self.with_tags(arn, |tags| tags.retain(|(k, _)| !keys.contains(k)))?;
        self.commit(op).await?;
        Ok(json!({}))
    }

    pub fn list_tags(&self, input: &Value) -> Result<Value, ServiceError> {
        let arn = str_of(input, "ResourceARN").unwrap_or_default();
        let (tags, _) = self.with_tags(arn, |tags| tags.clone())?;
        let list: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        Ok(json!({ "Tags": list }))
    }

    // ----------------------------------------------------------- events

    /// PutEvents: each entry checked, matched and its deliveries made
    /// durable before the answer.
    pub async fn put_events(&self, input: &Value) -> Result<Value, ServiceError> {
        let entries = input
            .get("Entries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if entries.is_empty() || entries.len() > 10 {
            let described: Vec<String> = entries.iter().map(describe_entry).collect();
            return Err(validation(format!(
                "1 validation error detected: Value '[{}]' at 'entries' failed to satisfy constraint: Member must have length {}",
                described.join(", "),
                if entries.is_empty() { "greater than or equal to 1" } else { "less than or equal to 10" }
            )));
        }
        if entries.iter().map(entry_size).sum::<usize>() > 262_144 {
            return Err(validation(
                "Total size of the entries in the request is over the limit.",
            ));
        }
        let now = self.timers.clock().now();
        let mut results = Vec::new();
        let mut parcels = Vec::new();
        let mut failed = 0;
        for entry in &entries {
            match self.event_of(entry, now) {
                Ok((bus, event)) => {
                    let id = event["id"].as_str().unwrap_or_default().to_string();
                    if self.read().buses.contains_key(&bus) {
                        parcels.extend(self.route(&bus, &event, now));
                    }
                    results.push(json!({ "EventId": id }));
                }
                Err((code, message)) => {
                    failed += 1;
                    results.push(json!({"ErrorCode": code, "ErrorMessage": message}));
                }
            }
        }
        self.outbox
            .post(parcels, Vec::new())
            .await
            .map_err(internal)?;
        Ok(json!({"FailedEntryCount": failed, "Entries": results}))
    }

    /// The event an entry makes, on its bus; or the entry's error.
    fn event_of(
        &self,
        entry: &Value,
        now: DateTime<Utc>,
    ) -> Result<(String, Value), (&'static str, String)> {
        let required = |key: &str| -> Result<String, (&'static str, String)> {
            match str_of(entry, key) {
                Some(s) if !s.is_empty() => Ok(s.to_string()),
                _ => Err((
                    "InvalidArgument",
                    format!("Parameter {key} is not valid. Reason: {key} is a required argument."),
                )),
            }
        };
        let source = required("Source")?;
        let detail_type = required("DetailType")?;
        let detail_text = required("Detail")?;
        let detail: Value = match serde_json::from_str(&detail_text) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Err(("MalformedDetail", "Detail is malformed.".into())),
        };
        // A bus that does not exist takes the event and drops it, as AWS.
        let bus = self.bus_name(str_of(entry, "EventBusName"));
        let time = match entry.get("Time").and_then(Value::as_f64) {
            Some(secs) => Utc
                .timestamp_millis_opt((secs * 1000.0) as i64)
                .single()
                .unwrap_or(now),
            None => now,
        };
        let resources = entry
            .get("Resources")
            .cloned()
            .filter(Value::is_array)
            .unwrap_or_else(|| json!([]));
        let event = json!({
            "version": "0",
            "id": uuid::Uuid::new_v4().to_string(),
            "detail-type": detail_type,
            "source": source,
            "account": self.account,
            "time": event_time(time),
            "region": self.region,
            "resources": resources,
            "detail": detail,
        });
        Ok((bus, event))
    }

    /// The parcels for `event` on `bus`: one per target of each enabled
    /// pattern rule it matches.
    fn route(&self, bus: &str, event: &Value, now: DateTime<Utc>) -> Vec<Parcel> {
        let s = self.read();
        let mut out = Vec::new();
        for r in s.rules.values().filter(|r| r.bus == bus && r.enabled()) {
            let Some(pattern) = &r.compiled else {
                continue;
            };
            if pattern.matches(event) {
                out.extend(self.parcels_for(r, event, now));
            }
        }
        out
    }

    fn parcels_for(&self, rule: &Rule, event: &Value, now: DateTime<Utc>) -> Vec<Parcel> {
        let ingestion = event_time(now);
        let ctx = transform::Context {
            rule_arn: &rule.arn,
            rule_name: &rule.name,
            ingestion_time: &ingestion,
        };
        rule.targets
            .iter()
            .filter_map(|t| {
                let arn = str_of(t, "Arn")?;
                let Some(endpoint) = endpoint_of(arn) else {
                    tracing::warn!(
                        target = arn,
                        "EventBridge cannot deliver to this kind of target"
                    );
                    return None;
                };
                let body = target_input(t, event, &ctx)?;
                let (retries, max_age_secs) = retry_of(t);
                let group = t
                    .get("SqsParameters")
                    .and_then(|p| str_of(p, "MessageGroupId"))
                    .map(|g| {
                        (
                            g.to_string(),
                            event["id"].as_str().unwrap_or_default().to_string(),
                        )
                    });
                let dead_letter = t
                    .get("DeadLetterConfig")
                    .and_then(|d| str_of(d, "Arn"))
                    .map(|q| DeadLetter {
                        queue_arn: q.to_string(),
                        attributes: vec![
                            ("RULE_ARN".into(), rule.arn.clone()),
                            ("TARGET_ARN".into(), arn.to_string()),
                        ],
                        error_code_attribute: Some("ERROR_CODE".into()),
                        error_message_attribute: Some("ERROR_MESSAGE".into()),
                    });
                Some(Parcel {
                    id: uuid::Uuid::new_v4().to_string(),
                    endpoint,
                    body,
                    attributes: Vec::new(),
                    group,
                    subject: None,
                    principal: "events.amazonaws.com".into(),
                    source_arn: rule.arn.clone(),
                    retries,
                    max_age_secs,
                    created_ms: now.timestamp_millis(),
                    dead_letter,
                })
            })
            .collect()
    }

    pub fn test_event_pattern(&self, input: &Value) -> Result<Value, ServiceError> {
        let pattern = str_of(input, "EventPattern").unwrap_or_default();
        let pattern = check_pattern(pattern)?;
        let event: Value = str_of(input, "Event")
            .and_then(|e| serde_json::from_str(e).ok())
            .filter(Value::is_object)
            .ok_or_else(|| validation("Parameter Event is not valid."))?;
        for key in ["id", "account", "source", "time", "region", "detail-type"] {
            if event.get(key).is_none() {
                return Err(validation("Parameter Event is not valid."));
            }
        }
        Ok(json!({ "Result": pattern.matches(&event) }))
    }

    // -------------------------------------------------------- schedules

    fn restart_timer(&self, rule: &Rule) {
        self.stop_timer(&rule.key());
        if rule.schedule.is_some() && rule.enabled() {
            self.start_timer(rule);
        }
    }

    fn stop_timer(&self, key: &str) {
        self.timers.stop(key);
    }

    fn start_timer(&self, rule: &Rule) {
        let Some(expr) = rule.schedule.as_deref() else {
            return;
        };
        let Ok(expression) = Expression::parse(expr, Dialect::Rules) else {
            return;
        };
        let Some(me) = self.this.upgrade() else {
            return;
        };
        let anchor = Utc
            .timestamp_millis_opt(rule.created_ms)
            .single()
            .unwrap_or_else(Utc::now);
        let last = rule
            .last_fire_ms
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .unwrap_or(anchor);
        let key = rule.key();
        let fire_key = key.clone();
        let fire: schedule::Fire = Arc::new(move |due| {
            let (me, key) = (me.clone(), fire_key.clone());
            Box::pin(async move { me.fire(&key, due).await })
        });
        self.timers.start(
            &key,
            Schedule::utc(expression, anchor),
            last,
            MISSED_FIRE_WINDOW,
            fire,
        );
    }

    /// A scheduled rule's fire at `due`: its event to every target,
    /// recorded with the fire itself.
    async fn fire(&self, key: &str, due: DateTime<Utc>) -> bool {
        let Some(mut rule) = self.read().rules.get(key).cloned() else {
            return false;
        };
        if !rule.enabled() {
            return false;
        }
        let event = json!({
            "version": "0",
            "id": uuid::Uuid::new_v4().to_string(),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.account,
            "time": event_time(due),
            "region": self.region,
            "resources": [rule.arn],
            "detail": {},
        });
        let parcels = self.parcels_for(&rule, &event, due);
        rule.last_fire_ms = Some(due.timestamp_millis());
        let op = DocOp::put_json(RULE, key, &rule);
        if let Err(e) = self.outbox.post(parcels, vec![op]).await {
            tracing::error!(rule = %rule.arn, error = %e, "a scheduled fire was not recorded");
            return false;
        }
        if let Some(r) = self.write().rules.get_mut(key) {
            r.last_fire_ms = rule.last_fire_ms;
        }
        true
    }
}

/// What a target receives for `event`. `None`: nothing (an InputPath
/// that selects nothing).
fn target_input(t: &Value, event: &Value, ctx: &transform::Context<'_>) -> Option<String> {
    if let Some(input) = str_of(t, "Input") {
        return Some(input.to_string());
    }
    if let Some(path) = str_of(t, "InputPath") {
        return transform::select(event, path).map(Value::to_string);
    }
    if let Some(tr) = t.get("InputTransformer") {
        let template = str_of(tr, "InputTemplate").unwrap_or_default();
        let paths: BTreeMap<String, String> = tr
            .get("InputPathsMap")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        return transform::fill(template, &paths, event, ctx);
    }
    Some(event.to_string())
}

/// An entry as AWS's validation errors print it.
fn describe_entry(e: &Value) -> String {
    let field = |k: &str| match e.get(k) {
        None | Some(Value::Null) => "null".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => format!(
            "[{}]",
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(other) => other.to_string(),
    };
    format!(
        "PutEventsRequestEntry(time={}, source={}, resources={}, detailType={}, detail={}, eventBusName={}, traceHeader={}, kmsKeyIdentifier=null, internalMetadata=null)",
        field("Time"),
        field("Source"),
        field("Resources"),
        field("DetailType"),
        field("Detail"),
        field("EventBusName"),
        field("TraceHeader"),
    )
}

/// An entry's size as AWS counts it against the 256 KB limit.
fn entry_size(e: &Value) -> usize {
    let len = |k: &str| str_of(e, k).map_or(0, str::len);
    let resources: usize = e.get("Resources").and_then(Value::as_array).map_or(0, |a| {
        a.iter().filter_map(Value::as_str).map(str::len).sum()
    });
    let time = if e.get("Time").is_some() { 14 } else { 0 };
    len("Source") + len("DetailType") + len("Detail") + resources + time
}

fn tags_of(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        str_of(t, "Key")?.to_string(),
                        str_of(t, "Value")?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A name against AWS's constraints, worded as AWS's validation errors.
fn check_name(
    name: &str,
    field: &str,
    pattern: &str,
    max: usize,
    slash: bool,
) -> Result<(), ServiceError> {
    let ok_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') || (slash && c == '/');
    if name.len() > max {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        )));
    }
    if name.is_empty() || !name.chars().all(ok_char) {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
        )));
    }
    Ok(())
}

/// A pattern as a rule or TestEventPattern takes it.
pub fn check_pattern(text: &str) -> Result<Pattern, ServiceError> {
    Pattern::parse(text).map_err(|e| {
        ServiceError::client(
            "InvalidEventPatternException",
            format!("Event pattern is not valid. Reason: {}", e.0),
        )
    })
}

/// A target against AWS's checks.
fn check_target(t: &Value, n: usize) -> Result<(), ServiceError> {
    let id = str_of(t, "Id").unwrap_or_default();
    check_name(
        id,
        &format!("targets.{n}.member.id"),
        r"[\.\-_A-Za-z0-9]+",
        64,
        false,
    )?;
    let arn = str_of(t, "Arn").unwrap_or_default();
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[2].is_empty() {
        return Err(validation(format!(
            "Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
        )));
    }
    let given = ["Input", "InputPath", "InputTransformer"]
        .iter()
        .filter(|k| t.get(**k).is_some())
        .count();
    if given > 1 {
        return Err(validation(format!(
            "Only one of Input, InputPath, or InputTransformer must be provided for target {id}."
        )));
    }
    if let Some(input) = str_of(t, "Input") {
        if serde_json::from_str::<Value>(input).is_err() {
            return Err(validation(format!(
                "Target {id}'s Input is not valid JSON text."
            )));
        }
    }
    if let Some(path) = str_of(t, "InputPath") {
        if transform::parse_path(path).is_none() {
            return Err(validation(format!(
                "Target {id}'s InputPath is not a valid JSON path."
            )));
        }
    }
    if let Some(tr) = t.get("InputTransformer") {
        let empty = serde_json::Map::new();
        let m = tr
            .get("InputPathsMap")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (k, v) in m {
            if v.as_str().and_then(transform::parse_path).is_none() {
                return Err(validation(format!(
                    "Target {id}'s InputPathsMap has an invalid JSON path for {k}."
                )));
            }
        }
        let template = str_of(tr, "InputTemplate").unwrap_or_default();
        for name in transform::placeholders(template) {
            if !m.contains_key(name) && !transform::is_predefined(name) {
                return Err(validation(format!(
                    "InputTemplate for target {id} contains invalid placeholder {name}."
                )));
            }
        }
    }
    Ok(())
}

/// One page of `all` by `Limit` and `NextToken` (an offset).
fn page(all: Vec<Value>, input: &Value, key: &str) -> Result<Value, ServiceError> {
    let start = match str_of(input, "NextToken") {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| validation("The NextToken provided is invalid."))?,
        None => 0,
    };
    let limit = input
        .get("Limit")
        .and_then(Value::as_u64)
        .map_or(100, |l| l.clamp(1, 100) as usize);
    let end = (start + limit).min(all.len());
    let items: Vec<Value> = all
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut out = json!({ key: items });
    if end < all.len() {
        out["NextToken"] = json!(end.to_string());
    }
    Ok(out)
}

//! Schedules and schedule groups of one account, Scheduler's operations
//! on them, and their fires: each fire's delivery is committed with the
//! fire itself (the events room's outbox), so none is lost or repeated.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use http::StatusCode;
use lambdalite_events::outbox::{DeadLetter, Outbox, Parcel};
use lambdalite_events::schedule::{self, Clock, Dialect, Expression, Schedule as Timing, Timers};
use lambdalite_events::{Deliverer, Endpoint};
use lambdalite_protocol::json::ServiceError;
use lambdalite_store::docs::{Doc, DocOp, DocStore};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const GROUP: &str = "group";
const SCHEDULE: &str = "schedule";
const PARCEL: &str = "parcel";
pub const DEFAULT_GROUP: &str = "default";

pub fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError::client("ValidationException", message)
}

pub fn not_found(message: impl Into<String>) -> ServiceError {
    ServiceError::client("ResourceNotFoundException", message).with_status(StatusCode::NOT_FOUND)
}

pub fn conflict(message: impl Into<String>) -> ServiceError {
    ServiceError::client("ConflictException", message).with_status(StatusCode::CONFLICT)
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    tracing::error!(error = %e, "Scheduler store");
    ServiceError::internal()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn secs(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub arn: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    pub group: String,
    pub arn: String,
    pub expression: String,
    pub timezone: String,
    #[serde(default)]
    pub start_ms: Option<i64>,
    #[serde(default)]
    pub end_ms: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    #[serde(default)]
    pub kms_key_arn: Option<String>,
    pub target: Value,
    pub flexible: Value,
    pub action_after_completion: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// The last fire recorded: its due time (ms).
    #[serde(default)]
    pub last_fire_ms: Option<i64>,
}

impl Schedule {
    fn key(&self) -> String {
        key(&self.group, &self.name)
    }

    fn timing(&self) -> Option<Timing> {
        let expression = Expression::parse(&self.expression, Dialect::Scheduler).ok()?;
        let zone: Tz = self.timezone.parse().ok()?;
        let at = |ms: i64| Utc.timestamp_millis_opt(ms).single();
        let anchor = self
            .start_ms
            .and_then(at)
            .or_else(|| at(self.created_ms))
            .unwrap_or_else(Utc::now);
        Some(Timing {
            expression,
            zone,
            anchor,
            start: self.start_ms.and_then(at),
            end: self.end_ms.and_then(at),
        })
    }

    /// The longest a missed fire may be late: the target's maximum event
    /// age.
    fn window(&self) -> Duration {
        let age = self
            .target
            .get("RetryPolicy")
            .and_then(|p| p.get("MaximumEventAgeInSeconds"))
            .and_then(Value::as_u64)
            .unwrap_or(86_400);
        Duration::from_secs(age)
    }

    /// A random delay within the flexible time window.
    fn flex_delay(&self) -> Duration {
        if str_of(&self.flexible, "Mode") != Some("FLEXIBLE") {
            return Duration::ZERO;
        }
        let minutes = self
            .flexible
            .get("MaximumWindowInMinutes")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if minutes == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::thread_rng().gen_range(0..minutes * 60_000))
    }
}

fn key(group: &str, name: &str) -> String {
    format!("{group}/{name}")
}

/// Scheduler for one account and region.
pub struct Scheduler {
    this: std::sync::Weak<Scheduler>,
    pub account: String,
    pub region: String,
    store: DocStore,
    state: RwLock<State>,
    outbox: Arc<Outbox>,
    timers: Timers,
}

#[derive(Default)]
struct State {
    groups: BTreeMap<String, Group>,
    schedules: BTreeMap<String, Schedule>,
}

impl Scheduler {
    /// The service over `store` with what it held: pending deliveries
    /// resume, schedules start (inside the runtime).
    pub fn new(
        account: &str,
        region: &str,
        store: DocStore,
        docs: Vec<Doc>,
        deliverer: Arc<Deliverer>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Scheduler> {
        let mut state = State::default();
        let mut parcels = Vec::new();
        for d in docs {
            match d.kind.as_str() {
                GROUP => {
                    if let Some(g) = d.decode::<Group>() {
                        state.groups.insert(g.name.clone(), g);
                    }
                }
                SCHEDULE => {
                    if let Some(s) = d.decode::<Schedule>() {
                        state.schedules.insert(s.key(), s);
                    }
                }
                PARCEL => parcels.extend(d.decode::<Parcel>()),
                _ => {}
            }
        }
        let outbox = Outbox::new(store.clone(), PARCEL, deliverer);
        let s = Arc::new_cyclic(|this| Scheduler {
            this: this.clone(),
            account: account.to_string(),
            region: region.to_string(),
            store,
            state: RwLock::new(state),
            outbox,
            timers: Timers::new(clock),
        });
        if !s.read().groups.contains_key(DEFAULT_GROUP) {
            let now = now_ms();
            let g = Group {
                name: DEFAULT_GROUP.into(),
                arn: s.group_arn(DEFAULT_GROUP),
                created_ms: now,
                modified_ms: now,
                tags: Vec::new(),
            };
            let _ = s
                .store
                .apply_later(DocOp::put_json(GROUP, DEFAULT_GROUP, &g));
            s.write().groups.insert(DEFAULT_GROUP.into(), g);
        }
        s.outbox.resume(parcels);
        let all: Vec<Schedule> = s.read().schedules.values().cloned().collect();
        for sched in all {
            s.restart_timer(&sched);
        }
        s
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn group_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:scheduler:{}:{}:schedule-group/{name}",
            self.region, self.account
        )
    }

    pub fn schedule_arn(&self, group: &str, name: &str) -> String {
        format!(
            "arn:aws:scheduler:{}:{}:schedule/{group}/{name}",
            self.region, self.account
        )
    }

    async fn commit(&self, op: DocOp) -> Result<(), ServiceError> {
        lambdalite_events::outbox::commit(&self.store, op)
            .await
            .map_err(internal)
    }

    fn existing_group(&self, name: Option<&str>) -> Result<String, ServiceError> {
        let name = name.filter(|n| !n.is_empty()).unwrap_or(DEFAULT_GROUP);
        if self.read().groups.contains_key(name) {
            Ok(name.to_string())
        } else {
            Err(not_found(format!("Schedule group {name} does not exist.")))
        }
    }

    // ----------------------------------------------------------- groups

    pub async fn create_group(&self, name: &str, input: &Value) -> Result<Value, ServiceError> {
        check_name(name, "name")?;
        if self.read().groups.contains_key(name) {
            return Err(conflict(format!("Schedule group {name} already exists.")));
        }
        let now = now_ms();
        let g = Group {
            name: name.to_string(),
            arn: self.group_arn(name),
            created_ms: now,
            modified_ms: now,
            tags: tags_of(input.get("Tags")),
        };
        self.commit(DocOp::put_json(GROUP, name, &g)).await?;
        let arn = g.arn.clone();
        self.write().groups.insert(name.to_string(), g);
        Ok(json!({ "ScheduleGroupArn": arn }))
    }

    fn group_json(g: &Group) -> Value {
        json!({
            "Arn": g.arn,
            "Name": g.name,
            "State": "ACTIVE",
            "CreationDate": secs(g.created_ms),
            "LastModificationDate": secs(g.modified_ms),
        })
    }

    pub fn get_group(&self, name: &str) -> Result<Value, ServiceError> {
        let s = self.read();
        let g = s
            .groups
            .get(name)
            .ok_or_else(|| not_found(format!("Schedule group {name} does not exist.")))?;
        Ok(Self::group_json(g))
    }

    pub async fn delete_group(&self, name: &str) -> Result<Value, ServiceError> {
        if name == DEFAULT_GROUP {
            return Err(validation("Group default cannot be deleted."));
        }
        if !self.read().groups.contains_key(name) {
            return Err(not_found(format!("Schedule group {name} does not exist.")));
        }
        let keys: Vec<String> = self
            .read()
            .schedules
            .values()
            .filter(|s| s.group == name)
            .map(Schedule::key)
            .collect();
        let mut ops = vec![DocOp::delete(GROUP, name)];
        ops.extend(keys.iter().map(|k| DocOp::delete(SCHEDULE, k)));
        self.commit(DocOp::Batch(ops)).await?;
        let mut s = self.write();
        s.groups.remove(name);
        for k in &keys {
            s.schedules.remove(k);
        }
        drop(s);
        for k in &keys {
            self.stop_timer(k);
        }
        Ok(json!({}))
    }

    pub fn list_groups(&self, query: &Query) -> Result<Value, ServiceError> {
        let prefix = query.get("NamePrefix").unwrap_or("");
        let all: Vec<Value> = self
            .read()
            .groups
            .values()
            .filter(|g| g.name.starts_with(prefix))
            .map(Self::group_json)
            .collect();
        page(all, query, "ScheduleGroups")
    }

    // -------------------------------------------------------- schedules

    fn parse_schedule(
        &self,
        name: &str,
        input: &Value,
        old: Option<&Schedule>,
    ) -> Result<Schedule, ServiceError> {
        check_name(name, "name")?;
        let group = self.existing_group(str_of(input, "GroupName"))?;
        let expression = str_of(input, "ScheduleExpression").unwrap_or_default();
        if Expression::parse(expression, Dialect::Scheduler).is_err() {
            return Err(validation(format!(
                "Invalid Schedule Expression {expression}."
            )));
        }
        let timezone = str_of(input, "ScheduleExpressionTimezone").unwrap_or("UTC");
        if timezone.parse::<Tz>().is_err() {
            return Err(validation(format!(
                "Invalid Schedule Expression Timezone {timezone}."
            )));
        }
        let date = |key: &str| -> Option<i64> {
            input
                .get(key)
                .and_then(Value::as_f64)
                .map(|s| (s * 1000.0) as i64)
        };
        let (start_ms, end_ms) = (date("StartDate"), date("EndDate"));
        if let (Some(s), Some(e)) = (start_ms, end_ms) {
            if e <= s {
                return Err(validation("The EndDate must be after the StartDate."));
            }
        }
        if let Some(e) = end_ms {
            if e <= now_ms() {
                return Err(validation("The EndDate must be in the future."));
            }
        }
        let flexible = input
            .get("FlexibleTimeWindow")
            .cloned()
            .unwrap_or(Value::Null);
        match (str_of(&flexible, "Mode"), flexible.get("MaximumWindowInMinutes")) {
            (Some("OFF"), None) => {}
            (Some("OFF"), Some(_)) => {
                return Err(validation(
                    "MaximumWindowInMinutes must not be provided when Mode is OFF.",
                ))
            }
            (Some("FLEXIBLE"), Some(m)) if m.as_u64().is_some_and(|m| (1..=1440).contains(&m)) => {}
            (Some("FLEXIBLE"), _) => {
                return Err(validation(
                    "MaximumWindowInMinutes must be provided and between 1 and 1440 when Mode is FLEXIBLE.",
                ))
            }
            _ => {
                return Err(validation(
                    "1 validation error detected: Value at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]",
                ))
            }
        }
        let mut target = input.get("Target").cloned().unwrap_or(Value::Null);
        check_target(&target)?;
        // AWS fills in the default retry policy.
        let policy = target
            .get("RetryPolicy")
            .cloned()
            .unwrap_or_else(|| json!({}));
        target["RetryPolicy"] = json!({
            "MaximumEventAgeInSeconds": policy.get("MaximumEventAgeInSeconds").cloned().unwrap_or(json!(86_400)),
            "MaximumRetryAttempts": policy.get("MaximumRetryAttempts").cloned().unwrap_or(json!(185)),
        });
        if str_of(input, "Description").is_some_and(|d| d.chars().count() > 512) {
            return Err(validation(
                "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512",
            ));
        }
        let state = str_of(input, "State").unwrap_or("ENABLED");
        if !matches!(state, "ENABLED" | "DISABLED") {
            return Err(validation(format!(
                "1 validation error detected: Value '{state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
            )));
        }
        let after = str_of(input, "ActionAfterCompletion").unwrap_or("NONE");
        if !matches!(after, "NONE" | "DELETE") {
            return Err(validation(format!(
                "1 validation error detected: Value '{after}' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]"
            )));
        }
        let now = now_ms();
        Ok(Schedule {
            name: name.to_string(),
            arn: self.schedule_arn(&group, name),
            group,
            expression: expression.to_string(),
            timezone: timezone.to_string(),
            start_ms,
            end_ms,
            description: str_of(input, "Description").map(str::to_string),
            state: state.to_string(),
            kms_key_arn: str_of(input, "KmsKeyArn").map(str::to_string),
            target,
            flexible,
            action_after_completion: after.to_string(),
            created_ms: old.map_or(now, |o| o.created_ms),
            modified_ms: now,
            last_fire_ms: None,
        })
    }

    pub async fn create_schedule(&self, name: &str, input: &Value) -> Result<Value, ServiceError> {
        let s = self.parse_schedule(name, input, None)?;
        if self.read().schedules.contains_key(&s.key()) {
            return Err(conflict(format!("Schedule {name} already exists.")));
        }
        self.commit(DocOp::put_json(SCHEDULE, &s.key(), &s)).await?;
        let arn = s.arn.clone();
        self.write().schedules.insert(s.key(), s.clone());
        self.restart_timer(&s);
        Ok(json!({ "ScheduleArn": arn }))
    }

    pub async fn update_schedule(&self, name: &str, input: &Value) -> Result<Value, ServiceError> {
        let group = self.existing_group(str_of(input, "GroupName"))?;
        let old = self
            .read()
            .schedules
            .get(&key(&group, name))
            .cloned()
            .ok_or_else(|| not_found(format!("Schedule {name} does not exist.")))?;
        let mut s = self.parse_schedule(name, input, Some(&old))?;
        if s.expression == old.expression && s.timezone == old.timezone {
            s.last_fire_ms = old.last_fire_ms;
        }
        self.commit(DocOp::put_json(SCHEDULE, &s.key(), &s)).await?;
        let arn = s.arn.clone();
        self.write().schedules.insert(s.key(), s.clone());
        self.restart_timer(&s);
        Ok(json!({ "ScheduleArn": arn }))
    }

    pub fn get_schedule(&self, name: &str, query: &Query) -> Result<Value, ServiceError> {
        let group = self.existing_group(query.get("groupName"))?;
        let s = self
            .read()
            .schedules
            .get(&key(&group, name))
            .cloned()
            .ok_or_else(|| not_found(format!("Schedule {name} does not exist.")))?;
        let mut v = json!({
            "Arn": s.arn,
            "Name": s.name,
            "GroupName": s.group,
            "ScheduleExpression": s.expression,
            "ScheduleExpressionTimezone": s.timezone,
            "State": s.state,
            "Target": s.target,
            "FlexibleTimeWindow": s.flexible,
            "ActionAfterCompletion": s.action_after_completion,
            "CreationDate": secs(s.created_ms),
            "LastModificationDate": secs(s.modified_ms),
        });
        if let Some(d) = &s.description {
            v["Description"] = json!(d);
        }
        if let Some(ms) = s.start_ms {
            v["StartDate"] = secs(ms);
        }
        if let Some(ms) = s.end_ms {
            v["EndDate"] = secs(ms);
        }
        if let Some(k) = &s.kms_key_arn {
            v["KmsKeyArn"] = json!(k);
        }
        Ok(v)
    }

    pub async fn delete_schedule(&self, name: &str, query: &Query) -> Result<Value, ServiceError> {
        let group = self.existing_group(query.get("groupName"))?;
        let k = key(&group, name);
        if !self.read().schedules.contains_key(&k) {
            return Err(not_found(format!("Schedule {name} does not exist.")));
        }
        self.commit(DocOp::delete(SCHEDULE, &k)).await?;
        self.write().schedules.remove(&k);
        self.stop_timer(&k);
        Ok(json!({}))
    }

    pub fn list_schedules(&self, query: &Query) -> Result<Value, ServiceError> {
        let group = query.get("ScheduleGroup");
        let prefix = query.get("NamePrefix").unwrap_or("");
        let state = query.get("State");
        if let Some(st) = state.filter(|s| !matches!(*s, "ENABLED" | "DISABLED")) {
            return Err(validation(format!(
                "1 validation error detected: Value '{st}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
            )));
        }
        let all: Vec<Value> = self
            .read()
            .schedules
            .values()
            .filter(|s| group.is_none_or(|g| s.group == g))
            .filter(|s| s.name.starts_with(prefix))
            .filter(|s| state.is_none_or(|st| s.state == st))
            .map(|s| {
                json!({
                    "Arn": s.arn,
                    "Name": s.name,
                    "GroupName": s.group,
                    "State": s.state,
                    "CreationDate": secs(s.created_ms),
                    "LastModificationDate": secs(s.modified_ms),
                    "Target": {"Arn": s.target.get("Arn").cloned().unwrap_or(Value::Null)},
                })
            })
            .collect();
        page(all, query, "Schedules")
    }

    // ------------------------------------------------------------- tags

    fn group_by_arn(&self, arn: &str) -> Result<String, ServiceError> {
        let s = self.read();
        s.groups
            .values()
            .find(|g| g.arn == arn)
            .map(|g| g.name.clone())
            .ok_or_else(|| {
                let name = arn.rsplit('/').next().unwrap_or(arn);
                not_found(format!("Schedule group {name} does not exist."))
            })
    }

    pub async fn tag(&self, arn: &str, input: &Value) -> Result<Value, ServiceError> {
        let name = self.group_by_arn(arn)?;
        let new = tags_of(input.get("Tags"));
        let op = {
            let mut s = self.write();
            let Some(g) = s.groups.get_mut(&name) else {
                return Err(not_found(format!("Schedule group {name} does not exist.")));
            };
            for (k, v) in new {
                match g.tags.iter_mut().find(|(ok, _)| *ok == k) {
                    Some(t) => t.1 = v,
                    None => g.tags.push((k, v)),
                }
            }
            DocOp::put_json(GROUP, &name, g)
        };
        self.commit(op).await?;
        Ok(json!({}))
    }

    pub async fn untag(&self, arn: &str, query: &Query) -> Result<Value, ServiceError> {
        let name = self.group_by_arn(arn)?;
        let keys = query.all("TagKeys");
        let op = {
            let mut s = self.write();
            let Some(g) = s.groups.get_mut(&name) else {
                return Err(not_found(format!("Schedule group {name} does not exist.")));
            };
            g.tags.retain(|(k, _)| !keys.iter().any(|x| x == k));
            DocOp::put_json(GROUP, &name, g)
        };
        self.commit(op).await?;
        Ok(json!({}))
    }

    pub fn list_tags(&self, arn: &str) -> Result<Value, ServiceError> {
        let name = self.group_by_arn(arn)?;
        let s = self.read();
        let tags: Vec<Value> = s
            .groups
            .get(&name)
            .map(|g| {
                g.tags
                    .iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect()
            })
            .unwrap_or_default();
        Ok(json!({ "Tags": tags }))
    }

    // ------------------------------------------------------------ fires

    fn stop_timer(&self, key: &str) {
        self.timers.stop(key);
    }

    fn restart_timer(&self, s: &Schedule) {
        self.stop_timer(&s.key());
        if s.state != "ENABLED" {
            return;
        }
        let (Some(timing), Some(me)) = (s.timing(), self.this.upgrade()) else {
            return;
        };
        let at = |ms: i64| Utc.timestamp_millis_opt(ms).single();
        // Before the first fire: from the schedule's making (a one-time
        // schedule's time may be earlier than now only if it was missed).
        let last = s
            .last_fire_ms
            .and_then(at)
            .or_else(|| match &timing.expression {
                Expression::At(_) => at(s.created_ms).map(|t| t - chrono::Duration::days(3650)),
                _ => at(s.created_ms),
            })
            .unwrap_or_else(Utc::now);
        let k = s.key();
        let fire_key = k.clone();
        let fire: schedule::Fire = Arc::new(move |due| {
            let (me, k) = (me.clone(), fire_key.clone());
            Box::pin(async move { me.fire(&k, due).await })
        });
        self.timers.start(&k, timing, last, s.window(), fire);
    }

    /// One fire of a schedule, due at `due`: the target's input made
    /// durable with the fire; after the last fire, the schedule is
    /// deleted if it asked to be.
    async fn fire(&self, k: &str, due: DateTime<Utc>) -> bool {
        let Some(s) = self.read().schedules.get(k).cloned() else {
            return false;
        };
        let delay = s.flex_delay();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        // Changed or deleted meanwhile.
        let Some(mut s) = self.read().schedules.get(k).cloned() else {
            return false;
        };
        if s.state != "ENABLED" {
            return false;
        }
        let parcels: Vec<Parcel> = self.parcel_for(&s, due).into_iter().collect();
        let last_fire = s.timing().and_then(|t| t.next_after(due)).is_none();
        let op = if last_fire && s.action_after_completion == "DELETE" {
            DocOp::delete(SCHEDULE, k)
        } else {
            s.last_fire_ms = Some(due.timestamp_millis());
            DocOp::put_json(SCHEDULE, k, &s)
        };
        if let Err(e) = self.outbox.post(parcels, vec![op]).await {
            tracing::error!(schedule = %s.arn, error = %e, "a schedule's fire was not recorded");
            return false;
        }
        let mut state = self.write();
        if last_fire && s.action_after_completion == "DELETE" {
            state.schedules.remove(k);
            drop(state);
            self.timers.stop(k);
            return false;
        }
        if let Some(cur) = state.schedules.get_mut(k) {
            cur.last_fire_ms = s.last_fire_ms;
        }
        true
    }

    fn parcel_for(&self, s: &Schedule, due: DateTime<Utc>) -> Option<Parcel> {
        let t = &s.target;
        let arn = str_of(t, "Arn")?;
        let endpoint = match arn.split(':').nth(2)? {
            "lambda" => Endpoint::Function(arn.to_string()),
            "sqs" => Endpoint::Queue(arn.to_string()),
            "sns" => Endpoint::Topic(arn.to_string()),
            _ => {
                tracing::warn!(
                    target = arn,
                    "Scheduler cannot deliver to this kind of target"
                );
                return None;
            }
        };
        let body = str_of(t, "Input").unwrap_or("{}").to_string();
        let policy = t.get("RetryPolicy");
        let retries = policy
            .and_then(|p| p.get("MaximumRetryAttempts"))
            .and_then(Value::as_u64)
            .unwrap_or(185) as u32;
        let max_age_secs = s.window().as_secs();
        let group = t
            .get("SqsParameters")
            .and_then(|p| str_of(p, "MessageGroupId"))
            .map(|g| (g.to_string(), uuid::Uuid::new_v4().to_string()));
        let dead_letter = t
            .get("DeadLetterConfig")
            .and_then(|d| str_of(d, "Arn"))
            .map(|q| DeadLetter {
                queue_arn: q.to_string(),
                attributes: vec![
                    ("X-Amz-Scheduler-Schedule-Arn".into(), s.arn.clone()),
                    ("X-Amz-Scheduler-Group".into(), s.group.clone()),
                    ("X-Amz-Scheduler-Target-Arn".into(), arn.to_string()),
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
            principal: String::new(),
            source_arn: s.arn.clone(),
            retries,
            max_age_secs,
            created_ms: due.timestamp_millis(),
            dead_letter,
        })
    }
}

/// A request's query string.
#[derive(Debug, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(q: Option<&str>) -> Query {
        Query(
            q.unwrap_or_default()
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (
                        lambdalite_protocol::dispatch::percent_decode(k),
                        lambdalite_protocol::dispatch::percent_decode(v),
                    )
                })
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
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

fn check_name(name: &str, field: &str) -> Result<(), ServiceError> {
    if name.len() > 64 {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: Member must have length less than or equal to 64"
        )));
    }
    check_pattern(name, field, &NAME)
}

/// A member's pattern as the API model spells it, compiled once.
type MemberPattern = std::sync::LazyLock<(&'static str, regex::Regex)>;

fn anchored(pattern: &'static str) -> (&'static str, regex::Regex) {
    let whole = format!("^(?:{pattern})$");
    (
        pattern,
        regex::Regex::new(&whole).expect("the model's patterns compile"),
    )
}

static NAME: MemberPattern = MemberPattern::new(|| anchored("[0-9a-zA-Z-_.]+"));
static ROLE_ARN: MemberPattern =
    MemberPattern::new(|| anchored(r"arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+"));
static DLQ_ARN: MemberPattern =
    MemberPattern::new(|| anchored(r"arn:aws[a-z-]*:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+"));

/// A member against its pattern, worded as AWS's validation error.
fn check_pattern(value: &str, field: &str, pattern: &MemberPattern) -> Result<(), ServiceError> {
    let (text, regex) = &**pattern;
    if regex.is_match(value) {
        return Ok(());
    }
    Err(validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {text}"
    )))
}

fn check_target(t: &Value) -> Result<(), ServiceError> {
    let arn = str_of(t, "Arn").unwrap_or_default();
    let role = str_of(t, "RoleArn").unwrap_or_default();
    for (value, field) in [(arn, "target.arn"), (role, "target.roleArn")] {
        if value.is_empty() {
            return Err(validation(format!(
                "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
            )));
        }
    }
    check_pattern(role, "target.roleArn", &ROLE_ARN)?;
    if let Some(input) = t.get("Input") {
        if input.as_str().is_none_or(str::is_empty) {
            return Err(validation(
                "1 validation error detected: Value '' at 'target.input' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
    }
    if let Some(dlq) = t.get("DeadLetterConfig").and_then(|d| d.get("Arn")) {
        check_pattern(
            dlq.as_str().unwrap_or_default(),
            "target.deadLetterConfig.arn",
            &DLQ_ARN,
        )?;
    }
    if let Some(p) = t.get("RetryPolicy") {
        if let Some(n) = p.get("MaximumRetryAttempts").and_then(Value::as_i64) {
            if !(0..=185).contains(&n) {
                return Err(validation(format!(
                    "1 validation error detected: Value '{n}' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value {}",
                    if n < 0 { "greater than or equal to 0" } else { "less than or equal to 185" }
                )));
            }
        }
        if let Some(n) = p.get("MaximumEventAgeInSeconds").and_then(Value::as_i64) {
            if !(60..=86_400).contains(&n) {
                return Err(validation(format!(
                    "1 validation error detected: Value '{n}' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value {}",
                    if n < 60 { "greater than or equal to 60" } else { "less than or equal to 86400" }
                )));
            }
        }
    }
    Ok(())
}

fn page(all: Vec<Value>, query: &Query, key: &str) -> Result<Value, ServiceError> {
    let start = match query.get("NextToken") {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| validation("Invalid NextToken."))?,
        None => 0,
    };
    let limit = match query.get("MaxResults") {
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{m}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"
                )))
            }
        },
        None => 100,
    };
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

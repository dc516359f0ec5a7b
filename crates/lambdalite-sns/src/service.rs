//! The topics and subscriptions of one account, SNS's operations on them,
//! and publishing: a message is made durable for each subscription it is
//! for, answered, then delivered.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use lambdalite_events::{Deliverer, Delivery, Endpoint, RetryPolicy};
use lambdalite_store::docs::{DocOp, DocStore};
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::filter;
use crate::model::{Attribute, Pending, Subscription, Topic};
use crate::sign::{canonical, Signer};
use crate::SnsError;

const TOPIC: &str = "topic";
const SUBSCRIPTION: &str = "subscription";
const DELIVERY: &str = "delivery";

/// Largest message, attributes included (256 KiB).
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// Signatures kept for the subscriptions of recent messages.
const SIGNATURES_KEPT: usize = 4096;
/// FIFO topics' deduplication window.
const DEDUP_WINDOW: Duration = Duration::from_secs(300);

/// A FIFO message seen: when, its message id and sequence number, by
/// (topic, deduplication id).
type Seen = (Instant, String, String);

/// SNS for one account and region.
pub struct Sns {
    this: std::sync::Weak<Sns>,
    pub account: String,
    pub region: String,
    store: DocStore,
    state: RwLock<State>,
    deliverer: Arc<Deliverer>,
    data_dir: PathBuf,
    signer: tokio::sync::OnceCell<Arc<Signer>>,
    /// Where this server is reached, for messages published by services
    /// rather than requests.
    default_base: String,
    sequence: AtomicU64,
    dedup: Mutex<HashMap<(String, String), Seen>>,
    /// Signatures made, by a hash of what they sign.
    signatures: Mutex<HashMap<[u8; 32], String>>,
    /// FIFO deliveries in order, by subscription and message group.
    lanes: Mutex<HashMap<String, tokio::sync::mpsc::UnboundedSender<Pending>>>,
    /// HTTP endpoints' retry policy (AWS: 3 retries 20 s apart).
    pub http_retry: RetryPolicy,
}

#[derive(Default)]
struct State {
    topics: BTreeMap<String, Topic>,
    subscriptions: BTreeMap<String, Subscription>,
}

/// What Publish takes.
#[derive(Debug, Clone, Default)]
pub struct PublishInput {
    pub message: Option<String>,
    pub subject: Option<String>,
    pub structure: Option<String>,
    pub attributes: BTreeMap<String, Attribute>,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
}

/// What Publish answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub message_id: String,
    pub sequence_number: Option<String>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn timestamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// SNS's retries for endpoints AWS manages (functions, queues): three at
/// once, two a second apart, then backing off to 20 s, for 23 days.
pub const MANAGED_RETRY: RetryPolicy = RetryPolicy {
    retries: 100_015,
    immediate: 3,
    min_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(20),
    max_age: Duration::from_secs(23 * 24 * 3600),
};

/// SNS's default for HTTP endpoints.
pub const HTTP_RETRY: RetryPolicy = RetryPolicy {
    retries: 3,
    immediate: 0,
    min_delay: Duration::from_secs(20),
    max_delay: Duration::from_secs(20),
    max_age: Duration::from_secs(3600),
};

fn valid_topic_name(name: &str, fifo: bool) -> bool {
    let base = if fifo {
        match name.strip_suffix(".fifo") {
            Some(b) => b,
            None => return false,
        }
    } else {
        name
    };
    !base.is_empty()
        && name.len() <= 256
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Sns {
    /// The service over `store`, with what it held; deliveries that were
    /// pending are resumed (call from inside the runtime).
    pub fn new(
        account: &str,
        region: &str,
        store: DocStore,
        docs: Vec<lambdalite_store::docs::Doc>,
        deliverer: Arc<Deliverer>,
        data_dir: PathBuf,
        default_base: String,
    ) -> Arc<Sns> {
        let mut state = State::default();
        let mut pending = Vec::new();
        for d in docs {
            match d.kind.as_str() {
                TOPIC => {
                    if let Some(t) = d.decode::<Topic>() {
                        state.topics.insert(t.arn.clone(), t);
                    }
                }
                SUBSCRIPTION => {
                    if let Some(s) = d.decode::<Subscription>() {
                        state.subscriptions.insert(s.arn.clone(), s);
                    }
                }
                DELIVERY => {
                    if let Some(p) = d.decode::<Pending>() {
                        pending.push(p);
                    }
                }
                _ => {}
            }
        }
        let sns = Arc::new_cyclic(|this| Sns {
            this: this.clone(),
            account: account.to_string(),
            region: region.to_string(),
            store,
            state: RwLock::new(state),
            deliverer,
            data_dir,
            signer: tokio::sync::OnceCell::new(),
            default_base,
            sequence: AtomicU64::new((now_ms() as u64) * 1_000_000),
            dedup: Mutex::new(HashMap::new()),
            lanes: Mutex::new(HashMap::new()),
            signatures: Mutex::new(HashMap::new()),
            http_retry: HTTP_RETRY,
        });
        if !pending.is_empty() {
            tracing::info!(deliveries = pending.len(), "resuming SNS deliveries");
        }
        // FIFO messages resume in their order.
        pending.sort_by(|a, b| a.sequence.cmp(&b.sequence));
        for p in pending {
            sns.spawn_delivery(p);
        }
        sns
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// This service, shared (for work that outlives a borrowed call).
    pub fn me(&self) -> Option<Arc<Sns>> {
        self.this.upgrade()
    }

    /// Checks an ARN given as `what` (`TopicArn`, ...) the way SNS does.
    pub fn check_arn(&self, arn: &str, what: &str) -> Result<(), SnsError> {
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 6 {
            return Err(SnsError::reason(
                what,
                &format!("An ARN must have at least 6 elements, not {}", parts.len()),
            ));
        }
        if parts[0] != "arn" || parts[2] != "sns" || parts[3] != self.region {
            return Err(SnsError::param(what));
        }
        Ok(())
    }

    pub fn default_base(&self) -> &str {
        &self.default_base
    }

    /// The signing key, made on first use.
    pub async fn signer(&self) -> Result<Arc<Signer>, SnsError> {
        self.signer
            .get_or_try_init(|| async {
                let dir = self.data_dir.clone();
                tokio::task::spawn_blocking(move || Signer::load_or_create(&dir))
                    .await
                    .map_err(SnsError::internal)?
                    .map(Arc::new)
                    .map_err(SnsError::internal)
            })
            .await
            .cloned()
    }

    async fn commit(&self, op: DocOp) -> Result<(), SnsError> {
        lambdalite_events::outbox::commit(&self.store, op)
            .await
            .map_err(SnsError::internal)
    }

    pub fn topic_arn(&self, name: &str) -> String {
        format!("arn:aws:sns:{}:{}:{name}", self.region, self.account)
    }

    pub fn topic(&self, arn: &str) -> Result<Topic, SnsError> {
        self.check_arn(arn, "TopicArn")?;
        self.read()
            .topics
            .get(arn)
            .cloned()
            .ok_or_else(SnsError::topic_not_found)
    }

    // Topics.

    pub async fn create_topic(
        &self,
        name: &str,
        attributes: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> Result<String, SnsError> {
        let fifo = attributes
            .get("FifoTopic")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !valid_topic_name(name, fifo) {
            return Err(SnsError::param("Topic Name"));
        }
        let mut attributes = attributes;
        if !fifo {
            // `FifoTopic=false` is the default, not kept.
            attributes.remove("FifoTopic");
        }
        for (k, v) in &attributes {
            crate::attributes::check_topic_attribute(k, v, fifo)?;
        }
        let arn = self.topic_arn(name);
        if let Some(existing) = self.read().topics.get(&arn) {
            let differs = attributes
                .iter()
                .any(|(k, v)| existing.attributes.get(k) != Some(v));
            if differs {
                return Err(SnsError::reason(
                    "Attributes",
                    "Topic already exists with different attributes",
                ));
            }
            let tags_differ =
                !tags.is_empty() && tags.iter().any(|(k, v)| existing.tags.get(k) != Some(v));
            if tags_differ {
                return Err(SnsError::reason(
                    "Tags",
                    "Topic already exists with different tags",
                ));
            }
            return Ok(arn);
        }
        if fifo {
            attributes.insert("FifoTopic".into(), "true".into());
        }
        let topic = Topic {
            name: name.to_string(),
            arn: arn.clone(),
            attributes,
            tags,
        };
        self.commit(DocOp::put_json(TOPIC, &arn, &topic)).await?;
        self.write().topics.insert(arn.clone(), topic);
        Ok(arn)
    }

    /// Deletes a topic and its subscriptions (a missing topic is fine).
    pub async fn delete_topic(&self, arn: &str) -> Result<(), SnsError> {
        let subs: Vec<String> = self
            .read()
            .subscriptions
            .values()
            .filter(|s| s.topic_arn == arn)
            .map(|s| s.arn.clone())
            .collect();
        if !self.read().topics.contains_key(arn) {
            return Ok(());
        }
        let mut ops = vec![DocOp::delete(TOPIC, arn)];
        ops.extend(subs.iter().map(|s| DocOp::delete(SUBSCRIPTION, s)));
        self.commit(DocOp::Batch(ops)).await?;
        let mut st = self.write();
        st.topics.remove(arn);
        for s in subs {
            st.subscriptions.remove(&s);
        }
        Ok(())
    }

    pub fn list_topics(&self) -> Vec<String> {
        self.read().topics.keys().cloned().collect()
    }

    /// Every attribute of a topic, defaults included.
    pub fn topic_attributes(&self, arn: &str) -> Result<BTreeMap<String, String>, SnsError> {
        self.check_arn(arn, "TopicArn")?;
        let st = self.read();
        let t = st.topics.get(arn).ok_or_else(SnsError::topic_not_found)?;
        let (mut confirmed, mut pending) = (0, 0);
        for s in st.subscriptions.values().filter(|s| s.topic_arn == arn) {
            if s.confirmed {
                confirmed += 1;
            } else {
                pending += 1;
            }
        }
        Ok(crate::attributes::topic_attributes(
            t,
            &self.account,
            confirmed,
            pending,
        ))
    }

    pub async fn set_topic_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> Result<(), SnsError> {
        let mut t = self.topic(arn)?;
        crate::attributes::check_settable_topic_attribute(name, value, t.is_fifo())?;
        t.attributes.insert(name.to_string(), value.to_string());
        self.commit(DocOp::put_json(TOPIC, arn, &t)).await?;
        self.write().topics.insert(arn.to_string(), t);
        Ok(())
    }

    // Tags.

    pub fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, SnsError> {
        self.read()
            .topics
            .get(arn)
            .map(|t| t.tags.clone())
            .ok_or_else(SnsError::resource_not_found)
    }

    pub async fn tag(
        &self,
        arn: &str,
        add: BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), SnsError> {
        let mut t = self
            .read()
            .topics
            .get(arn)
            .cloned()
            .ok_or_else(SnsError::resource_not_found)?;
        t.tags.extend(add);
        for k in remove {
            t.tags.remove(k);
        }
        if t.tags.len() > 50 {
            return Err(SnsError::batch(
                "TagLimitExceeded",
                "Could not complete request: tag quota of per resource exceeded",
            ));
        }
        self.commit(DocOp::put_json(TOPIC, arn, &t)).await?;
        self.write().topics.insert(arn.to_string(), t);
        Ok(())
    }

    // Subscriptions.

    /// Subscribes `endpoint`; the subscription's ARN, or `None` while an
    /// HTTP endpoint has not confirmed.
    pub async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: BTreeMap<String, String>,
        base: &str,
    ) -> Result<(String, bool), SnsError> {
        let topic = self.topic(topic_arn)?;
        crate::attributes::check_endpoint(protocol, endpoint, &topic)?;
        let mut attributes = attributes;
        for (k, v) in &attributes {
            crate::attributes::check_subscription_attribute(
                k,
                v,
                protocol,
                topic.is_fifo() && endpoint.ends_with(".fifo"),
                &attributes,
            )
            .map_err(|why| SnsError::reason("Attributes", &why))?;
        }
        normalize(&mut attributes);
        if protocol == "sqs" {
            if !self.deliverer.queue_exists(endpoint) {
                // AWS subscribes a missing queue; deliveries fail later.
                tracing::debug!(queue = endpoint, "subscribing a queue that does not exist");
            }
            // A FIFO topic may feed a standard queue, not the reverse.
            if !topic.is_fifo() && endpoint.ends_with(".fifo") {
                return Err(SnsError::reason(
                    "Invalid parameter: Endpoint",
                    "FIFO SQS Queues can not be subscribed to standard SNS topics",
                ));
            }
        }
        // The same endpoint subscribed again is the same subscription.
        let existing = self
            .read()
            .subscriptions
            .values()
            .find(|s| s.topic_arn == topic_arn && s.protocol == protocol && s.endpoint == endpoint)
            .cloned();
        if let Some(s) = existing {
            let shown = crate::attributes::subscription_attributes(&s);
            let differs = attributes.iter().any(|(k, v)| match shown.get(k) {
                Some(e) => e != v,
                // The default scope, not shown without a policy.
                None => !(k == "FilterPolicyScope" && v == "MessageAttributes"),
            });
            if differs {
                return Err(SnsError::reason(
                    "Attributes",
                    "Subscription already exists with different attributes",
                ));
            }
            return Ok((s.arn, s.confirmed));
        }
        let http = protocol == "http" || protocol == "https";
        let arn = format!("{topic_arn}:{}", uuid::Uuid::new_v4());
        let sub = Subscription {
            arn: arn.clone(),
            topic_arn: topic_arn.to_string(),
            protocol: protocol.to_string(),
            endpoint: endpoint.to_string(),
            owner: self.account.clone(),
            attributes,
            confirmed: !http,
            token: http.then(new_token),
        };
        let mut ops = vec![DocOp::put_json(SUBSCRIPTION, &arn, &sub)];
        let confirmation = http.then(|| self.confirmation(&sub, base));
        if let Some(p) = &confirmation {
            ops.push(DocOp::put_json(DELIVERY, &p.id, p));
        }
        self.commit(DocOp::Batch(ops)).await?;
        self.write().subscriptions.insert(arn.clone(), sub);
        if let Some(p) = confirmation {
            self.spawn_delivery(p);
        }
        Ok((arn, !http))
    }

    fn confirmation(&self, sub: &Subscription, base: &str) -> Pending {
        let token = sub.token.clone().unwrap_or_default();
        Pending {
            id: uuid::Uuid::new_v4().to_string(),
            subscription_arn: sub.arn.clone(),
            kind: "SubscriptionConfirmation".into(),
            message_id: uuid::Uuid::new_v4().to_string(),
            topic_arn: sub.topic_arn.clone(),
            subject: None,
            message: format!(
                "You have chosen to subscribe to the topic {}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
                sub.topic_arn
            ),
            attributes: BTreeMap::new(),
            timestamp: timestamp(),
            base: base.to_string(),
            group: None,
            dedup: None,
            sequence: None,
            token: Some(token),
            since_ms: now_ms(),
            gone: None,
        }
    }

    pub async fn confirm(&self, topic_arn: &str, token: &str) -> Result<String, SnsError> {
        let region = topic_arn.split(':').nth(3);
        if self.check_arn(topic_arn, "Topic").is_err() || region != Some(self.region.as_str()) {
            return Err(SnsError::param("Topic"));
        }
        let found = self
            .read()
            .subscriptions
            .values()
            .find(|s| s.token.as_deref() == Some(token))
            .cloned();
        let Some(mut sub) = found else {
            let well_formed = !token.is_empty() && token.bytes().all(|b| b.is_ascii_hexdigit());
            let topic_known = self.read().topics.contains_key(topic_arn);
            return Err(if topic_known && !well_formed {
                SnsError::invalid("Invalid token")
            } else {
                SnsError::param("Token")
            });
        };
        if !sub.confirmed {
            sub.confirmed = true;
            self.commit(DocOp::put_json(SUBSCRIPTION, &sub.arn, &sub))
                .await?;
            let arn = sub.arn.clone();
            self.write().subscriptions.insert(arn, sub.clone());
        }
        Ok(sub.arn)
    }

    /// Unsubscribes (an unknown subscription is fine, as on AWS).
    pub async fn unsubscribe(&self, arn: &str) -> Result<(), SnsError> {
        self.check_arn(arn, "SubscriptionArn")?;
        if arn.split(':').count() < 7 {
            return Err(SnsError::param("SubscriptionId"));
        }
        let Some(sub) = self.read().subscriptions.get(arn).cloned() else {
            return Ok(());
        };
        let mut ops = vec![DocOp::delete(SUBSCRIPTION, arn)];
        // A confirmed HTTP endpoint hears that it was unsubscribed.
        let notice = (sub.confirmed && matches!(sub.protocol.as_str(), "http" | "https")).then(|| {
            let mut p = self.confirmation(&sub, &self.default_base);
            p.kind = "UnsubscribeConfirmation".into();
            p.token = Some(new_token());
            p.message = format!(
                "You have chosen to deactivate subscription {arn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
            );
            p.gone = Some(sub.clone());
            p
        });
        if let Some(p) = &notice {
            ops.push(DocOp::put_json(DELIVERY, &p.id, p));
        }
        self.commit(DocOp::Batch(ops)).await?;
        self.write().subscriptions.remove(arn);
        if let Some(p) = notice {
            self.spawn_delivery(p);
        }
        Ok(())
    }

    /// Subscriptions (of one topic), in ARN order.
    pub fn subscriptions(&self, topic_arn: Option<&str>) -> Vec<Subscription> {
        self.read()
            .subscriptions
            .values()
            .filter(|s| topic_arn.is_none_or(|t| s.topic_arn == t))
            .cloned()
            .collect()
    }

    pub fn subscription(&self, arn: &str) -> Result<Subscription, SnsError> {
        self.read()
            .subscriptions
            .get(arn)
            .cloned()
            .ok_or_else(SnsError::subscription_not_found)
    }

    pub fn subscription_attributes(&self, arn: &str) -> Result<BTreeMap<String, String>, SnsError> {
        let s = self.subscription(arn)?;
        Ok(crate::attributes::subscription_attributes(&s))
    }

    pub async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> Result<(), SnsError> {
        let mut s = self.subscription(arn)?;
        let fifo = self
            .read()
            .topics
            .get(&s.topic_arn)
            .is_some_and(Topic::is_fifo)
            && s.endpoint.ends_with(".fifo");
        crate::attributes::check_subscription_attribute(
            name,
            value,
            &s.protocol,
            fifo,
            &s.attributes,
        )
        .map_err(|why| SnsError::param(&why))?;
        if value.is_empty() && matches!(name, "FilterPolicy" | "RedrivePolicy" | "DeliveryPolicy") {
            s.attributes.remove(name);
        } else {
            s.attributes.insert(name.to_string(), value.to_string());
        }
        normalize(&mut s.attributes);
        self.commit(DocOp::put_json(SUBSCRIPTION, arn, &s)).await?;
        self.write().subscriptions.insert(arn.to_string(), s);
        Ok(())
    }

    // Publishing.

    /// Checks a message as Publish and PublishBatch do.
    pub fn check_message(&self, topic: &Topic, m: &PublishInput) -> Result<(), SnsError> {
        let message = match m.message.as_deref() {
            None => return Err(SnsError::validation(
                "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
            )),
            Some("") => return Err(SnsError::param("Empty message")),
            Some(s) => s,
        };
        if let Some(subject) = &m.subject {
            if subject.is_empty() || subject.chars().count() > 100 {
                return Err(SnsError::param("Subject"));
            }
            if subject.chars().any(|c| c.is_control()) {
                return Err(SnsError::param("Subject"));
            }
        }
        let size = message.len()
            + m.attributes
                .iter()
                .map(|(k, a)| k.len() + a.data_type.len() + a.value.len())
                .sum::<usize>();
        if size > MAX_MESSAGE_BYTES {
            return Err(SnsError::param("Message too long"));
        }
        if m.structure.as_deref() == Some("json") {
            let v: Value = serde_json::from_str(message).map_err(|_| {
                SnsError::param("Message Structure - JSON message body failed to parse")
            })?;
            match v.get("default") {
                Some(Value::String(_)) => {}
                _ => {
                    return Err(SnsError::param(
                        "Message Structure - No default entry in JSON message body",
                    ))
                }
            }
        } else if let Some(s) = &m.structure {
            return Err(SnsError::param(&format!("MessageStructure: {s}")));
        }
        for (name, a) in &m.attributes {
            crate::attributes::check_message_attribute(name, a)?;
        }
        if topic.is_fifo() {
            if m.group_id.is_none() {
                return Err(SnsError::param(
                    "The MessageGroupId parameter is required for FIFO topics",
                ));
            }
            if m.dedup_id.is_none() && !topic.content_dedup() {
                return Err(SnsError::param(
                    "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                ));
            }
        } else if m.dedup_id.is_some() {
            return Err(SnsError::param(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
            ));
        }
        Ok(())
    }

    /// Publishes checked messages to a topic: each is durable for every
    /// subscription it is for before this returns.
    pub async fn publish_many(
        &self,
        topic_arn: &str,
        messages: Vec<PublishInput>,
        base: &str,
    ) -> Result<Vec<Published>, SnsError> {
        let topic = self.topic(topic_arn)?;
        let subs: Vec<Subscription> = self
            .read()
            .subscriptions
            .values()
            .filter(|s| s.topic_arn == topic_arn && s.confirmed)
            .cloned()
            .collect();
        let mut out = Vec::with_capacity(messages.len());
        let mut pending = Vec::new();
        for m in messages {
            let message = m.message.clone().unwrap_or_default();
            let (message_id, sequence) = match self.dedup(&topic, &m, &message) {
                Some(seen) => {
                    out.push(seen);
                    continue;
                }
                None => (
                    uuid::Uuid::new_v4().to_string(),
                    topic
                        .is_fifo()
                        .then(|| format!("{:020}", self.sequence.fetch_add(1, Ordering::SeqCst))),
                ),
            };
            let structured: Option<Value> = (m.structure.as_deref() == Some("json"))
                .then(|| serde_json::from_str(&message).ok())
                .flatten();
            let ts = timestamp();
            let dedup = topic.is_fifo().then(|| {
                m.dedup_id
                    .clone()
                    .unwrap_or_else(|| hex_sha256(message.as_bytes()))
            });
            for s in &subs {
                if !filter::accepts(s, &message, &m.attributes) {
                    continue;
                }
                let text = match &structured {
                    // A protocol's entry that is not a string is ignored.
                    Some(v) => v
                        .get(&s.protocol)
                        .and_then(Value::as_str)
                        .or_else(|| v.get("default").and_then(Value::as_str))
                        .unwrap_or_default()
                        .to_string(),
                    None => message.clone(),
                };
                pending.push(Pending {
                    id: uuid::Uuid::new_v4().to_string(),
                    subscription_arn: s.arn.clone(),
                    kind: "Notification".into(),
                    message_id: message_id.clone(),
                    topic_arn: topic_arn.to_string(),
                    subject: m.subject.clone(),
                    message: text,
                    attributes: m.attributes.clone(),
                    timestamp: ts.clone(),
                    base: base.to_string(),
                    group: m.group_id.clone(),
                    dedup: dedup.clone(),
                    sequence: sequence.clone(),
                    token: None,
                    since_ms: now_ms(),
                    gone: None,
                });
            }
            if let (Some(d), true) = (&dedup, topic.is_fifo()) {
                self.remember(topic_arn, d, &message_id, sequence.as_deref());
            }
            out.push(Published {
                message_id,
                sequence_number: sequence,
            });
        }
        if !pending.is_empty() {
            let ops = pending
                .iter()
                .map(|p| DocOp::put_json(DELIVERY, &p.id, p))
                .collect();
            self.sign_ahead(&pending);
            self.commit(DocOp::Batch(ops)).await?;
            for p in pending {
                self.spawn_delivery(p);
            }
        }
        Ok(out)
    }

    fn dedup(&self, topic: &Topic, m: &PublishInput, message: &str) -> Option<Published> {
        if !topic.is_fifo() {
            return None;
        }
        let id = m
            .dedup_id
            .clone()
            .unwrap_or_else(|| hex_sha256(message.as_bytes()));
        let mut seen = self.dedup.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, (at, _, _)| at.elapsed() < DEDUP_WINDOW);
        seen.get(&(topic.arn.clone(), id))
            .map(|(_, message_id, seq)| Published {
                message_id: message_id.clone(),
                sequence_number: Some(seq.clone()),
            })
    }

    fn remember(&self, topic_arn: &str, dedup: &str, message_id: &str, seq: Option<&str>) {
        self.dedup.lock().unwrap_or_else(|e| e.into_inner()).insert(
            (topic_arn.to_string(), dedup.to_string()),
            (
                Instant::now(),
                message_id.to_string(),
                seq.unwrap_or_default().to_string(),
            ),
        );
    }

    // Delivery.

    fn spawn_delivery(&self, p: Pending) {
        let Some(sns) = self.me() else {
            return;
        };
        let Some(group) = p.group.clone().filter(|_| p.kind == "Notification") else {
            tokio::spawn(async move { sns.deliver(p).await });
            return;
        };
        // A FIFO topic's messages reach each subscription in order within
        // their group: one lane per (subscription, group), delivered one
        // after the other.
        let key = format!("{}\n{group}", p.subscription_arn);
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = lanes.get(&key) {
            if let Err(back) = tx.send(p) {
                lanes.remove(&key);
                drop(lanes);
                return self.spawn_delivery(back.0);
            }
            return;
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _ = tx.send(p);
        lanes.insert(key.clone(), tx);
        drop(lanes);
        tokio::spawn(async move {
            loop {
                match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
                    Ok(Some(p)) => sns.clone().deliver(p).await,
                    Ok(None) => return,
                    Err(_) => {
                        // Idle: the lane closes, unless a message came in
                        // meanwhile (senders hold the same lock).
                        let mut lanes = sns.lanes.lock().unwrap_or_else(|e| e.into_inner());
                        match rx.try_recv() {
                            Ok(p) => {
                                drop(lanes);
                                sns.clone().deliver(p).await;
                            }
                            Err(_) => {
                                lanes.remove(&key);
                                return;
                            }
                        }
                    }
                }
            }
        });
    }

    async fn deliver(self: Arc<Self>, p: Pending) {
        let sub = self
            .read()
            .subscriptions
            .get(&p.subscription_arn)
            .cloned()
            .or_else(|| p.gone.clone());
        let Some(sub) = sub else {
            // Unsubscribed since: nothing to deliver to.
            let _ = self.store.apply_later(DocOp::delete(DELIVERY, &p.id));
            return;
        };
        let topic = self.read().topics.get(&p.topic_arn).cloned();
        let version = topic
            .as_ref()
            .map_or("1", |t| t.signature_version())
            .to_string();
        let delivery = match self.delivery_for(&sub, &p, &version).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "an SNS delivery could not be prepared");
                return;
            }
        };
        let policy = match sub.protocol.as_str() {
            "http" | "https" => crate::attributes::http_retry_policy(&sub, topic.as_ref())
                .unwrap_or(self.http_retry),
            _ => MANAGED_RETRY,
        };
        let age = Duration::from_millis((now_ms() - p.since_ms).max(0) as u64);
        let since = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        let result = self
            .deliverer
            .deliver_with_retries(&delivery, policy, since)
            .await;
        if let Err(e) = result {
            tracing::info!(subscription = %sub.arn, reason = %e.reason, "SNS delivery failed");
            if p.kind == "Notification" {
                if let Some(dlq) = sub.dead_letter_queue() {
                    let envelope = self.envelope(&sub, &p, &version).await;
                    let body = if sub.raw() {
                        p.message.clone()
                    } else {
                        envelope
                    };
                    let dead = Delivery {
                        endpoint: Some(Endpoint::Queue(dlq.clone())),
                        body,
                        attributes: if sub.raw() {
                            queue_attributes(&p.attributes)
                        } else {
                            Vec::new()
                        },
                        group: fifo_group(&dlq, &p),
                        ..Delivery::default()
                    };
                    if let Err(e) = self.deliverer.deliver(&dead).await {
                        tracing::warn!(queue = %dlq, reason = %e.reason, "an SNS dead letter was not kept");
                    }
                }
            }
        }
        let _ = self.store.apply_later(DocOp::delete(DELIVERY, &p.id));
    }

    fn unsubscribe_url(&self, p: &Pending) -> String {
        format!(
            "{}/?Action=Unsubscribe&SubscriptionArn={}",
            p.base, p.subscription_arn
        )
    }

    fn cert_url(&self, p: &Pending, signer: &Signer) -> String {
        format!("{}/_lambdalite/sns/{}", p.base, signer.cert_name)
    }

    /// The signature of a message, over AWS's canonical string: made once
    /// per message (an RSA signature costs about a millisecond), whatever
    /// the number of subscriptions it goes to.
    fn signature(&self, signer: &Signer, p: &Pending, version: &str) -> String {
        let text = Self::string_to_sign(p);
        let key: [u8; 32] = sha2::Sha256::new()
            .chain_update(version)
            .chain_update([0])
            .chain_update(&text)
            .finalize()
            .into();
        if let Some(s) = self.lock_signatures().get(&key) {
            return s.clone();
        }
        let signature = signer.sign(version, &text);
        let mut cache = self.lock_signatures();
        if cache.len() >= SIGNATURES_KEPT {
            cache.clear();
        }
        cache.insert(key, signature.clone());
        signature
    }

    fn lock_signatures(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], String>> {
        self.signatures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Signs the messages of a publish ahead of their deliveries, on a
    /// blocking thread, while their commit is under way.
    fn sign_ahead(&self, pending: &[Pending]) {
        let (Some(me), Some(signer)) = (self.me(), self.signer.get().cloned()) else {
            return;
        };
        let mut seen = std::collections::HashSet::new();
        let firsts: Vec<(Pending, String)> = pending
            .iter()
            .filter(|p| seen.insert((p.message_id.clone(), p.message.clone())))
            .filter_map(|p| {
                let topic = self.read().topics.get(&p.topic_arn).cloned()?;
                Some((p.clone(), topic.signature_version().to_string()))
            })
            .collect();
        tokio::task::spawn_blocking(move || {
            for (p, version) in firsts {
                me.signature(&signer, &p, &version);
            }
        });
    }

    fn string_to_sign(p: &Pending) -> String {
        if p.kind == "Notification" {
            canonical(&[
                ("Message", Some(&p.message)),
                ("MessageId", Some(&p.message_id)),
                ("Subject", p.subject.as_deref()),
                ("Timestamp", Some(&p.timestamp)),
                ("TopicArn", Some(&p.topic_arn)),
                ("Type", Some(&p.kind)),
            ])
        } else {
            let url = subscribe_url(p);
            canonical(&[
                ("Message", Some(&p.message)),
                ("MessageId", Some(&p.message_id)),
                ("SubscribeURL", Some(&url)),
                ("Timestamp", Some(&p.timestamp)),
                ("Token", p.token.as_deref()),
                ("TopicArn", Some(&p.topic_arn)),
                ("Type", Some(&p.kind)),
            ])
        }
    }

    /// The JSON envelope SQS queues and HTTP endpoints receive.
    async fn envelope(&self, _sub: &Subscription, p: &Pending, version: &str) -> String {
        let signer = match self.signer().await {
            Ok(s) => s,
            Err(_) => return String::new(),
        };
        let signature = self.signature(&signer, p, version);
        let mut m = serde_json::Map::new();
        m.insert("Type".into(), json!(p.kind));
        m.insert("MessageId".into(), json!(p.message_id));
        if p.kind != "Notification" {
            m.insert("Token".into(), json!(p.token));
            m.insert("TopicArn".into(), json!(p.topic_arn));
            m.insert("Message".into(), json!(p.message));
            m.insert("SubscribeURL".into(), json!(subscribe_url(p)));
            m.insert("Timestamp".into(), json!(p.timestamp));
            m.insert("SignatureVersion".into(), json!(version));
            m.insert("Signature".into(), json!(signature));
            m.insert("SigningCertURL".into(), json!(self.cert_url(p, &signer)));
            return Value::Object(m).to_string();
        }
        if let Some(seq) = &p.sequence {
            m.insert("SequenceNumber".into(), json!(seq));
        }
        m.insert("TopicArn".into(), json!(p.topic_arn));
        if let Some(s) = &p.subject {
            m.insert("Subject".into(), json!(s));
        }
        m.insert("Message".into(), json!(p.message));
        m.insert("Timestamp".into(), json!(p.timestamp));
        if p.sequence.is_none() {
            m.insert("SignatureVersion".into(), json!(version));
            m.insert("Signature".into(), json!(signature));
            m.insert("SigningCertURL".into(), json!(self.cert_url(p, &signer)));
        }
        m.insert("UnsubscribeURL".into(), json!(self.unsubscribe_url(p)));
        if !p.attributes.is_empty() {
            m.insert("MessageAttributes".into(), attributes_json(&p.attributes));
        }
        Value::Object(m).to_string()
    }

    async fn delivery_for(
        &self,
        sub: &Subscription,
        p: &Pending,
        version: &str,
    ) -> Result<Delivery, SnsError> {
        let mut d = Delivery {
            principal: "sns.amazonaws.com".into(),
            source_arn: p.topic_arn.clone(),
            ..Delivery::default()
        };
        match sub.protocol.as_str() {
            "lambda" => {
                let signer = self.signer().await?;
                let record = json!({
                    "Records": [{
                        "EventSource": "aws:sns",
                        "EventVersion": "1.0",
                        "EventSubscriptionArn": sub.arn,
                        "Sns": {
                            "Type": p.kind,
                            "MessageId": p.message_id,
                            "TopicArn": p.topic_arn,
                            "Subject": p.subject,
                            "Message": p.message,
                            "Timestamp": p.timestamp,
                            // Lambda's record says "1" whatever the topic signs with.
                            "SignatureVersion": "1",
                            "Signature": self.signature(&signer, p, version),
                            "SigningCertUrl": self.cert_url(p, &signer),
                            "UnsubscribeUrl": self.unsubscribe_url(p),
                            "MessageAttributes": attributes_json(&p.attributes),
                        }
                    }]
                });
                d.endpoint = Some(Endpoint::Function(sub.endpoint.clone()));
                d.body = record.to_string();
            }
            "sqs" => {
                d.endpoint = Some(Endpoint::Queue(sub.endpoint.clone()));
                if sub.raw() {
                    d.body = p.message.clone();
                    d.attributes = queue_attributes(&p.attributes);
                } else {
                    d.body = self.envelope(sub, p, version).await;
                }
                d.group = fifo_group(&sub.endpoint, p);
            }
            "http" | "https" => {
                d.endpoint = Some(Endpoint::Http(sub.endpoint.clone()));
                d.headers = vec![
                    ("x-amz-sns-message-type".into(), p.kind.clone()),
                    ("x-amz-sns-message-id".into(), p.message_id.clone()),
                    ("x-amz-sns-topic-arn".into(), p.topic_arn.clone()),
                    ("content-type".into(), "text/plain; charset=UTF-8".into()),
                    (
                        "user-agent".into(),
                        "Amazon Simple Notification Service Agent".into(),
                    ),
                ];
                if p.kind == "Notification" {
                    d.headers
                        .push(("x-amz-sns-subscription-arn".into(), sub.arn.clone()));
                }
                if sub.raw() && p.kind == "Notification" {
                    d.headers
                        .push(("x-amz-sns-rawdelivery".into(), "true".into()));
                    d.body = p.message.clone();
                } else {
                    d.body = self.envelope(sub, p, version).await;
                }
            }
            other => {
                return Err(SnsError::internal(format!(
                    "no delivery for protocol {other}"
                )))
            }
        }
        Ok(d)
    }
}

/// The URL an HTTP endpoint visits to confirm.
fn subscribe_url(p: &Pending) -> String {
    format!(
        "{}/?Action=ConfirmSubscription&TopicArn={}&Token={}",
        p.base,
        p.topic_arn,
        p.token.as_deref().unwrap_or_default()
    )
}

fn fifo_group(queue_arn: &str, p: &Pending) -> Option<(String, String)> {
    if !queue_arn.ends_with(".fifo") {
        return None;
    }
    Some((
        p.group.clone().unwrap_or_else(|| "default".into()),
        p.dedup.clone().unwrap_or_else(|| p.message_id.clone()),
    ))
}

/// Message attributes as the SNS envelope and Lambda record show them.
fn attributes_json(attributes: &BTreeMap<String, Attribute>) -> Value {
    Value::Object(
        attributes
            .iter()
            .map(|(k, a)| (k.clone(), json!({"Type": a.data_type, "Value": a.value})))
            .collect(),
    )
}

/// Message attributes carried to a queue by raw delivery; a
/// `String.Array` arrives as a `String`.
fn queue_attributes(attributes: &BTreeMap<String, Attribute>) -> Vec<(String, String, String)> {
    attributes
        .iter()
        .map(|(k, a)| {
            let t = if a.data_type == "String.Array" {
                "String".to_string()
            } else {
                a.data_type.clone()
            };
            (k.clone(), t, a.value.clone())
        })
        .collect()
}

fn new_token() -> String {
    let bytes: [u8; 64] = std::array::from_fn(|_| rand::random::<u8>());
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_sha256(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Attribute values as SNS keeps them (`RawMessageDelivery` lower-cased).
fn normalize(attributes: &mut BTreeMap<String, String>) {
    if let Some(v) = attributes.get_mut("RawMessageDelivery") {
        *v = v.to_ascii_lowercase();
    }
    // An empty policy is no policy.
    if attributes.get("FilterPolicy").is_some_and(String::is_empty) {
        attributes.remove("FilterPolicy");
    }
}

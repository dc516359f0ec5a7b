//! The queues of one account, and SQS's operations on them.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine as _;
use lambdalite_store::sqs::{MessageRow, QueueRow, SqsOp, SqsState, SqsStore};
use tokio::sync::Notify;

use crate::attributes;
use crate::message::{md5_of_attributes, md5_of_body, AttributeValue, Attributes};
use crate::queue::{all_attributes, Held, QueueState, DEDUP_WINDOW_MS};
use crate::SqsError;

/// Longest long poll (AWS: 20 s).
pub const MAX_WAIT_SECONDS: i64 = 20;

/// One queue: its state under a lock, and a wake-up for long polls.
pub struct Queue {
    pub name: String,
    pub arn: String,
    pub(crate) state: Mutex<QueueState>,
    pub(crate) notify: Notify,
}

impl Queue {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// SQS for one account and region.
pub struct Sqs {
    pub account: String,
    pub region: String,
    store: SqsStore,
    queues: RwLock<HashMap<String, Arc<Queue>>>,
    /// Message sequence: increasing across restarts (seeded from the clock).
    seq: AtomicI64,
}

/// What SendMessage takes.
#[derive(Debug, Clone, Default)]
pub struct SendInput {
    pub body: String,
    pub delay_seconds: Option<i64>,
    pub attributes: Attributes,
    pub system_attributes: Attributes,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
}

/// What SendMessage answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message_id: String,
    pub md5_of_body: String,
    pub md5_of_attributes: Option<String>,
    pub md5_of_system_attributes: Option<String>,
    pub sequence_number: Option<String>,
}

/// What ReceiveMessage takes.
#[derive(Debug, Clone, Default)]
pub struct ReceiveInput {
    pub max: Option<i64>,
    pub visibility_timeout: Option<i64>,
    pub wait_seconds: Option<i64>,
    /// System attributes asked for (`All`, or names).
    pub system_attribute_names: Vec<String>,
    /// Message attributes asked for (`All`, `.*`, `prefix.*`, or names).
    pub attribute_names: Vec<String>,
}

/// A received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub md5_of_body: String,
    pub body: String,
    pub system_attributes: BTreeMap<String, String>,
    pub attributes: Attributes,
    pub md5_of_attributes: Option<String>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A queue's name from its URL (`http://host/ACCOUNT/NAME`), or the name.
pub fn queue_name_of(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

fn valid_queue_name(name: &str) -> bool {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    !base.is_empty()
        && name.len() <= 80
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Sqs {
    /// The service over `store`, with what it held.
    pub fn new(account: &str, region: &str, store: SqsStore, state: SqsState) -> Sqs {
        let sqs = Sqs {
            account: account.to_string(),
            region: region.to_string(),
            store,
            queues: RwLock::new(HashMap::new()),
            seq: AtomicI64::new(now_ms() * 1000),
        };
        let mut by_queue: HashMap<String, Vec<MessageRow>> = HashMap::new();
        let mut max_seq = 0;
        for m in state.messages {
            max_seq = max_seq.max(m.seq);
            by_queue.entry(m.queue.clone()).or_default().push(m);
        }
        sqs.seq.fetch_max(max_seq + 1, Ordering::SeqCst);
        for row in state.queues {
            let name = row.name.clone();
            let mut q = QueueState::new(row);
            for m in by_queue.remove(&name).unwrap_or_default() {
                let attributes = serde_json::from_str(&m.attributes).unwrap_or_default();
                q.insert(Held {
                    row: m,
                    attributes,
                    receipt_nonce: 0,
                });
            }
            let queue = sqs.make_queue(name.clone(), q);
            sqs.write_queues().insert(name, queue);
        }
        sqs
    }

    fn make_queue(&self, name: String, state: QueueState) -> Arc<Queue> {
        Arc::new(Queue {
            arn: self.arn(&name),
            name,
            state: Mutex::new(state),
            notify: Notify::new(),
        })
    }

    fn write_queues(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<Queue>>> {
        self.queues.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_queues(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<Queue>>> {
        self.queues.read().unwrap_or_else(|e| e.into_inner())
    }

    /// (FIFO, content-based deduplication) of a queue.
    pub fn queue_kind(&self, url: &str) -> Result<(bool, bool), SqsError> {
        let queue = self.queue(url)?;
        let q = queue.lock();
        Ok((q.fifo, q.content_based_dedup()))
    }

    pub fn arn(&self, name: &str) -> String {
        format!("arn:aws:sqs:{}:{}:{name}", self.region, self.account)
    }

    /// The queue a URL, name or ARN names.
    pub fn queue(&self, url_or_name: &str) -> Result<Arc<Queue>, SqsError> {
        let name = match url_or_name.strip_prefix("arn:") {
            Some(_) => url_or_name.rsplit(':').next().unwrap_or(""),
            None => queue_name_of(url_or_name),
        };
        self.read_queues()
            .get(name)
            .cloned()
            .ok_or(SqsError::QueueDoesNotExist)
    }

    async fn commit(&self, op: SqsOp) -> Result<(), SqsError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.store
            .apply_then(
                op,
                Box::new(move |r| {
                    let _ = tx.send(r);
                }),
            )
            .map_err(|e| SqsError::Internal(e.to_string()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SqsError::Internal(e)),
            Err(_) => Err(SqsError::Internal("the store writer went away".into())),
        }
    }

    // ------------------------------------------------------------ queues

    /// CreateQueue: creates the queue, or finds the same one.
    pub async fn create_queue(
        &self,
        name: &str,
        given: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> Result<Arc<Queue>, SqsError> {
        if !valid_queue_name(name) {
            return Err(SqsError::InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
                    .into(),
            ));
        }
        let mut given = given;
        attributes::normalize(&mut given);
        let fifo_name = name.ends_with(".fifo");
        let fifo_attr = given.get("FifoQueue").is_some_and(|v| v == "true");
        if fifo_attr && !fifo_name {
            return Err(SqsError::InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                    .into(),
            ));
        }
        if fifo_name && !fifo_attr {
            return Err(SqsError::InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
                    .into(),
            ));
        }
        attributes::check(&given, fifo_name && fifo_attr, true)?;
        if let Some(existing) = self.read_queues().get(name).cloned() {
            let q = existing.lock();
            let differs: Vec<&String> = given
                .iter()
                .filter(|(k, v)| q.attribute(k).as_deref() != Some(v.as_str()))
                .map(|(k, _)| k)
                .collect();
            if let Some(first) = differs.first() {
                return Err(SqsError::QueueNameExists(format!(
                    "A queue already exists with the same name and a different value for attribute {first}"
                )));
            }
            drop(q);
            return Ok(existing);
        }
        let now_s = now_ms() / 1000;
        let mut stored = given.clone();
        if fifo_name {
            stored.insert("FifoQueue".into(), "true".into());
        }
        let row = QueueRow {
            name: name.to_string(),
            attributes: stored,
            tags,
            created_s: now_s,
            modified_s: now_s,
        };
        self.commit(SqsOp::PutQueue(row.clone())).await?;
        let queue = self.make_queue(name.to_string(), QueueState::new(row));
        let mut queues = self.write_queues();
        // A concurrent create of the same name: the first one stays.
        Ok(queues.entry(name.to_string()).or_insert(queue).clone())
    }

    pub async fn delete_queue(&self, url: &str) -> Result<(), SqsError> {
        let queue = self.queue(url)?;
        self.commit(SqsOp::DeleteQueue(queue.name.clone())).await?;
        self.write_queues().remove(&queue.name);
        queue.notify.notify_waiters();
        Ok(())
    }

    /// Queue names, sorted, starting with `prefix`.
    pub fn list_queues(&self, prefix: Option<&str>) -> Vec<String> {
        let mut names: Vec<String> = self
            .read_queues()
            .keys()
            .filter(|n| prefix.is_none_or(|p| n.starts_with(p)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    pub async fn purge(&self, url: &str) -> Result<(), SqsError> {
        let queue = self.queue(url)?;
        let now = now_ms();
        {
            let q = queue.lock();
            if q.last_purge_ms.is_some_and(|t| now - t < 60_000) {
                return Err(SqsError::PurgeQueueInProgress(format!(
                    "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                    queue.name
                )));
            }
        }
        self.commit(SqsOp::Purge(queue.name.clone())).await?;
        let mut q = queue.lock();
        q.messages.clear();
        q.order.clear();
        q.dedup.clear();
        q.last_purge_ms = Some(now);
        Ok(())
    }

    /// GetQueueAttributes for the names asked (`All` for every one).
    pub fn get_attributes(
        &self,
        url: &str,
        names: &[String],
    ) -> Result<BTreeMap<String, String>, SqsError> {
        let queue = self.queue(url)?;
        for n in names {
            if !attributes::is_known(n) {
                return Err(SqsError::InvalidAttributeName(format!(
                    "Unknown Attribute {n}."
                )));
            }
        }
        let mut q = queue.lock();
        let now = now_ms();
        q.expire(now);
        let all = all_attributes(&q, &queue.arn, now);
        if names.iter().any(|n| n == "All") {
            return Ok(all);
        }
        Ok(all.into_iter().filter(|(k, _)| names.contains(k)).collect())
    }

    pub async fn set_attributes(
        &self,
        url: &str,
        given: BTreeMap<String, String>,
    ) -> Result<(), SqsError> {
        let queue = self.queue(url)?;
        let mut given = given;
        attributes::normalize(&mut given);
        let row = {
            let q = queue.lock();
            attributes::check(&given, q.fifo, false)?;
            let mut row = q.row.clone();
            for (k, v) in given {
                if v.is_empty()
                    && matches!(
                        k.as_str(),
                        "RedrivePolicy" | "Policy" | "RedriveAllowPolicy"
                    )
                {
                    row.attributes.remove(&k);
                } else if v.is_empty() && k == "KmsMasterKeyId" {
                    // Back to SQS-managed keys' defaults (still off).
                    row.attributes.remove("KmsMasterKeyId");
                    row.attributes.remove("KmsDataKeyReusePeriodSeconds");
                } else {
                    row.attributes.insert(k, v);
                }
            }
            row.modified_s = now_ms() / 1000;
            row
        };
        self.commit(SqsOp::PutQueue(row.clone())).await?;
        queue.lock().row = row;
        queue.notify.notify_waiters();
        Ok(())
    }

    pub async fn tag(
        &self,
        url: &str,
        add: BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), SqsError> {
        let queue = self.queue(url)?;
        let row = {
            let q = queue.lock();
            let mut row = q.row.clone();
            row.tags.extend(add);
            for k in remove {
                row.tags.remove(k);
            }
            row
        };
        self.commit(SqsOp::PutQueue(row.clone())).await?;
        queue.lock().row = row;
        Ok(())
    }

    pub fn tags(&self, url: &str) -> Result<BTreeMap<String, String>, SqsError> {
        Ok(self.queue(url)?.lock().row.tags.clone())
    }

    /// Queues whose RedrivePolicy names this one.
    pub fn dead_letter_sources(&self, url: &str) -> Result<Vec<String>, SqsError> {
        let target = self.queue(url)?;
        let mut names: Vec<String> = self
            .read_queues()
            .values()
            .filter(|q| {
                q.lock()
                    .redrive()
                    .is_some_and(|r| r.dead_letter_target_arn == target.arn)
            })
            .map(|q| q.name.clone())
            .collect();
        names.sort();
        Ok(names)
    }

    // ------------------------------------------------------------ messages

    /// Checks one message for sending; returns its row (not yet durable)
    /// and what SendMessage answers.
    fn prepare_send(
        &self,
        queue: &Queue,
        input: SendInput,
        now: i64,
    ) -> Result<(Option<Held>, Sent), SqsError> {
        let mut q = queue.lock();
        if input.body.is_empty() {
            return Err(SqsError::MissingParameter(
                "The request must contain the parameter MessageBody.".into(),
            ));
        }
        if let Some(c) = input.body.chars().find(|c| !valid_xml_char(*c)) {
            return Err(SqsError::InvalidMessageContents(format!(
                "Invalid characters found. Deleted message body is not allowed: {:#x}",
                c as u32
            )));
        }
        let size: usize = input.body.len()
            + input
                .attributes
                .iter()
                .map(|(k, v)| v.size(k))
                .sum::<usize>();
        let max_size = q.int_attribute("MaximumMessageSize") as usize;
        if size > max_size {
            return Err(SqsError::InvalidParameterValue(format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
            )));
        }
        check_message_attributes(&input.attributes)?;
        for (name, value) in [
            ("MessageGroupId", &input.group_id),
            ("MessageDeduplicationId", &input.dedup_id),
        ] {
            if let Some(v) = value {
                let ok = (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic());
                if !ok {
                    return Err(SqsError::InvalidParameterValue(format!(
                        "Value {v} for parameter {name} is invalid. Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 in length."
                    )));
                }
            }
        }
        let mut dedup_id = None;
        if q.fifo {
            let Some(_) = &input.group_id else {
                return Err(SqsError::MissingParameter(
                    "The request must contain the parameter MessageGroupId.".into(),
                ));
            };
            if input.delay_seconds.is_some_and(|d| d != 0) {
                return Err(SqsError::InvalidParameterValue(format!(
                    "Value {} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.",
                    input.delay_seconds.unwrap_or(0)
                )));
            }
            dedup_id = match (&input.dedup_id, q.content_based_dedup()) {
                (Some(d), _) => Some(d.clone()),
                (None, true) => Some(sha256_hex(&input.body)),
                (None, false) => {
                    return Err(SqsError::InvalidParameterValue(
                        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
                            .into(),
                    ))
                }
            };
        }
        if let Some(d) = input.delay_seconds {
            if !(0..=900).contains(&d) {
                return Err(SqsError::InvalidParameterValue(format!(
                    "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
                )));
            }
        }
        q.expire(now);
        let md5_of_system_attributes = md5_of_attributes(&input.system_attributes);
        let md5_of_attributes = md5_of_attributes(&input.attributes);
        let body_md5 = md5_of_body(&input.body);
        let dedup_key = dedup_id.as_ref().map(|d| {
            if q.dedup_per_group() {
                format!("{}\n{d}", input.group_id.as_deref().unwrap_or(""))
            } else {
                d.clone()
            }
        });
        if let Some(d) = &dedup_key {
            if let Some((_, id, seq)) = q.dedup.get(d) {
                return Ok((
                    None,
                    Sent {
                        message_id: id.clone(),
                        md5_of_body: body_md5,
                        md5_of_attributes,
                        md5_of_system_attributes,
                        sequence_number: Some(format!("{seq:020}")),
                    },
                ));
            }
        }
        let seq = self.seq.fetch_add(1, Ordering::SeqCst);
        let id = uuid::Uuid::new_v4().to_string();
        // FIFO queues take only their own delay (a message's 0 is none).
        let delay = match input.delay_seconds {
            Some(d) if !q.fifo => d,
            _ => q.int_attribute("DelaySeconds"),
        };
        if let Some(d) = &dedup_key {
            q.dedup
                .insert(d.clone(), (now + DEDUP_WINDOW_MS, id.clone(), seq));
        }
        let row = MessageRow {
            queue: queue.name.clone(),
            id: id.clone(),
            seq,
            body: input.body,
            attributes: serde_json::to_string(&input.attributes).unwrap_or_default(),
            system_attributes: serde_json::to_string(&input.system_attributes).unwrap_or_default(),
            sent_ms: now,
            visible_at_ms: now + delay * 1000,
            receive_count: 0,
            first_receive_ms: None,
            group_id: input.group_id,
            dedup_id,
            dead_letter_source: None,
        };
        let fifo = q.fifo;
        Ok((
            Some(Held {
                row,
                attributes: input.attributes,
                receipt_nonce: 0,
            }),
            Sent {
                message_id: id,
                md5_of_body: body_md5,
                md5_of_attributes,
                md5_of_system_attributes,
                sequence_number: fifo.then(|| format!("{seq:020}")),
            },
        ))
    }

    /// SendMessage: durable before it answers.
    pub async fn send(&self, url: &str, input: SendInput) -> Result<Sent, SqsError> {
        let mut out = self.send_batch(url, vec![input]).await?;
        out.pop()
            .unwrap_or(Err(SqsError::Internal("no result".into())))
    }

    /// Sends several messages in one commit; each gets its own result.
    pub async fn send_batch(
        &self,
        url: &str,
        inputs: Vec<SendInput>,
    ) -> Result<Vec<Result<Sent, SqsError>>, SqsError> {
        let queue = self.queue(url)?;
        let now = now_ms();
        let mut results = Vec::with_capacity(inputs.len());
        let mut rows = Vec::new();
        for input in inputs {
            match self.prepare_send(&queue, input, now) {
                Ok((held, sent)) => {
                    if let Some(h) = held {
                        rows.push(h);
                    }
                    results.push(Ok(sent));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        if !rows.is_empty() {
            let ops = rows
                .iter()
                .map(|h| SqsOp::PutMessage(h.row.clone()))
                .collect();
            if let Err(e) = self.commit(SqsOp::Batch(ops)).await {
                let mut q = queue.lock();
                for h in &rows {
                    q.dedup.retain(|_, (_, id, _)| *id != h.row.id);
                }
                return Err(e);
            }
            let mut q = queue.lock();
            for h in rows {
                q.insert(h);
            }
            drop(q);
            queue.notify.notify_waiters();
        }
        Ok(results)
    }

    /// ReceiveMessage, long-polling up to `WaitTimeSeconds`.
    pub async fn receive(&self, url: &str, input: ReceiveInput) -> Result<Vec<Received>, SqsError> {
        let queue = self.queue(url)?;
        let max = input.max.unwrap_or(1);
        if !(1..=10).contains(&max) {
            return Err(SqsError::InvalidParameterValue(format!(
                "Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
            )));
        }
        let (default_wait, default_visibility) = {
            let q = queue.lock();
            (
                q.int_attribute("ReceiveMessageWaitTimeSeconds"),
                q.int_attribute("VisibilityTimeout"),
            )
        };
        let wait = input.wait_seconds.unwrap_or(default_wait);
        if !(0..=MAX_WAIT_SECONDS).contains(&wait) {
            return Err(SqsError::InvalidParameterValue(format!(
                "Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            )));
        }
        let visibility = input.visibility_timeout.unwrap_or(default_visibility);
        if !(0..=43_200).contains(&visibility) {
            return Err(SqsError::InvalidParameterValue(format!(
                "Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."
            )));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(wait as u64);
        loop {
            let notified = queue.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let received = self
                .receive_now(&queue, max as usize, visibility, &input)
                .await?;
            if !received.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(received);
            }
            if self.queue(&queue.name).is_err() {
                return Err(SqsError::QueueDoesNotExist);
            }
            let next = queue.lock().next_visible_ms(now_ms());
            let until = match next {
                Some(at) => {
                    let soon = tokio::time::Instant::now()
                        + Duration::from_millis((at - now_ms()).max(1) as u64);
                    soon.min(deadline)
                }
                None => deadline,
            };
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(until) => {}
            }
        }
    }

    async fn receive_now(
        &self,
        queue: &Arc<Queue>,
        max: usize,
        visibility_s: i64,
        input: &ReceiveInput,
    ) -> Result<Vec<Received>, SqsError> {
        let now = now_ms();
        // Moves to a dead-letter queue that exists only.
        let redrive = queue.lock().redrive();
        let dead_letter = redrive
            .as_ref()
            .and_then(|r| self.queue(&r.dead_letter_target_arn).ok());
        let max_receives = dead_letter
            .as_ref()
            .and(redrive.as_ref())
            .map(|r| r.max_receive_count);
        let taken = {
            let mut q = queue.lock();
            q.expire(now);
            q.take(max, visibility_s * 1000, now, max_receives)
        };
        if taken.is_empty() {
            return Ok(Vec::new());
        }
        let mut ops = Vec::new();
        let mut moved = Vec::new();
        let mut out = Vec::new();
        for t in taken {
            if t.to_dead_letter {
                let Some(dlq) = &dead_letter else { continue };
                let mut row = t.held.row.clone();
                ops.push(SqsOp::DeleteMessage {
                    queue: row.queue.clone(),
                    id: row.id.clone(),
                });
                row.queue = dlq.name.clone();
                row.seq = self.seq.fetch_add(1, Ordering::SeqCst);
                row.visible_at_ms = now;
                row.dead_letter_source = Some(queue.arn.clone());
                ops.push(SqsOp::PutMessage(row.clone()));
                moved.push(Held {
                    row,
                    attributes: t.held.attributes,
                    receipt_nonce: 0,
                });
                continue;
            }
            let h = &t.held;
            ops.push(SqsOp::Receipt {
                queue: h.row.queue.clone(),
                id: h.row.id.clone(),
                visible_at_ms: h.row.visible_at_ms,
                receive_count: h.row.receive_count,
                first_receive_ms: h.row.first_receive_ms,
            });
            out.push(self.received(queue, h, input));
        }
        self.commit(SqsOp::Batch(ops)).await?;
        if let Some(dlq) = dead_letter {
            if !moved.is_empty() {
                let mut q = dlq.lock();
                for h in moved {
                    q.insert(h);
                }
                drop(q);
                dlq.notify.notify_waiters();
            }
        }
        Ok(out)
    }

    fn received(&self, queue: &Queue, h: &Held, input: &ReceiveInput) -> Received {
        let wants = |name: &str| {
            input
                .system_attribute_names
                .iter()
                .any(|n| n == "All" || n == name)
        };
        let mut system = BTreeMap::new();
        let mut put = |name: &str, value: String| {
            if wants(name) {
                system.insert(name.to_string(), value);
            }
        };
        put("SenderId", self.account.clone());
        put("SentTimestamp", h.row.sent_ms.to_string());
        put("ApproximateReceiveCount", h.row.receive_count.to_string());
        put(
            "ApproximateFirstReceiveTimestamp",
            h.row.first_receive_ms.unwrap_or(h.row.sent_ms).to_string(),
        );
        if let Some(g) = &h.row.group_id {
            put("MessageGroupId", g.clone());
        }
        if let Some(d) = &h.row.dedup_id {
            put("MessageDeduplicationId", d.clone());
        }
        if queue.name.ends_with(".fifo") {
            put("SequenceNumber", format!("{:020}", h.row.seq));
        }
        if let Some(src) = &h.row.dead_letter_source {
            put("DeadLetterQueueSourceArn", src.clone());
        }
        let system_given: Attributes =
            serde_json::from_str(&h.row.system_attributes).unwrap_or_default();
        if let Some(trace) = system_given
            .get("AWSTraceHeader")
            .and_then(|v| v.string_value.clone())
        {
            put("AWSTraceHeader", trace);
        }
        let attributes: Attributes = h
            .attributes
            .iter()
            .filter(|(name, _)| wants_attribute(&input.attribute_names, name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Received {
            message_id: h.row.id.clone(),
            receipt_handle: receipt_handle(&queue.name, &h.row.id, h.receipt_nonce),
            md5_of_body: md5_of_body(&h.row.body),
            body: h.row.body.clone(),
            system_attributes: system,
            md5_of_attributes: md5_of_attributes(&attributes),
            attributes,
        }
    }

    /// DeleteMessage: durable before it answers; a message already gone
    /// is deleted all the same, as on AWS.
    pub async fn delete_message(&self, url: &str, receipt: &str) -> Result<(), SqsError> {
        let queue = self.queue(url)?;
        let (name, id, _) = parse_receipt(receipt)?;
        if name != queue.name {
            return Err(SqsError::ReceiptHandleIsInvalid(format!(
                "The input receipt handle \"{receipt}\" is not a valid receipt handle."
            )));
        }
        let (_, _, nonce) = parse_receipt(receipt)?;
        let existed = {
            let mut q = queue.lock();
            // A FIFO queue's handle dies with its visibility timeout.
            let expired = q.fifo
                && q.messages
                    .get(&id)
                    .is_some_and(|h| !h.in_flight(now_ms()) || h.receipt_nonce != nonce);
            if expired {
                return Err(SqsError::InvalidParameterValue(format!(
                    "Value {receipt} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
                )));
            }
            q.remove(&id).is_some()
        };
        if existed {
            self.commit(SqsOp::DeleteMessage {
                queue: queue.name.clone(),
                id,
            })
            .await?;
        }
        Ok(())
    }

    /// ChangeMessageVisibility of a message in flight.
    pub async fn change_visibility(
        &self,
        url: &str,
        receipt: &str,
        timeout_s: i64,
    ) -> Result<(), SqsError> {
        let queue = self.queue(url)?;
        let (name, id, _) = parse_receipt(receipt)?;
        if name != queue.name {
            return Err(SqsError::ReceiptHandleIsInvalid(format!(
                "The input receipt handle \"{receipt}\" is not a valid receipt handle."
            )));
        }
        if !(0..=43_200).contains(&timeout_s) {
            return Err(SqsError::InvalidParameterValue(format!(
                "Value {timeout_s} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."
            )));
        }
        let now = now_ms();
        let op = {
            let mut q = queue.lock();
            let Some(h) = q.messages.get(&id) else {
                return Err(SqsError::InvalidParameterValue(format!(
                    "Value {receipt} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
                )));
            };
            let count = h.row.receive_count;
            let first = h.row.first_receive_ms;
            q.set_visible_at(&id, now + timeout_s * 1000);
            SqsOp::Receipt {
                queue: queue.name.clone(),
                id,
                visible_at_ms: now + timeout_s * 1000,
                receive_count: count,
                first_receive_ms: first,
            }
        };
        self.commit(op).await?;
        queue.notify.notify_waiters();
        Ok(())
    }
}

/// Whether a received message carries the message attribute `name`, given
/// the names asked for (`All`, `.*`, `prefix.*`, exact names).
fn wants_attribute(asked: &[String], name: &str) -> bool {
    asked.iter().any(|a| {
        a == "All"
            || a == "*"
            || a == ".*"
            || a == name
            || a.strip_suffix(".*")
                .is_some_and(|p| !p.is_empty() && name.starts_with(p))
    })
}

fn check_message_attributes(attributes: &Attributes) -> Result<(), SqsError> {
    if attributes.len() > 10 {
        return Err(SqsError::InvalidParameterValue(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [10].",
            attributes.len()
        )));
    }
    for (name, value) in attributes {
        let base = value.data_type.split('.').next().unwrap_or("");
        if !matches!(base, "String" | "Number" | "Binary") {
            return Err(SqsError::InvalidParameterValue(format!(
                "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
            )));
        }
        let empty = if value.is_binary() {
            value.binary_value.as_deref().unwrap_or("").is_empty()
        } else {
            value.string_value.as_deref().unwrap_or("").is_empty()
        };
        if empty {
            return Err(SqsError::InvalidParameterValue(format!(
                "Message (user) attribute '{name}' must contain a non-empty value of type '{}'.",
                value.data_type
            )));
        }
        if let Some(s) = &value.string_value {
            if let Some(c) = s.chars().find(|c| !valid_xml_char(*c)) {
                return Err(SqsError::InvalidParameterValue(format!(
                    "Message (user) attribute '{name}' contains invalid character {:#x}.",
                    c as u32
                )));
            }
        }
    }
    Ok(())
}

/// A character SQS accepts in a message (XML's character set).
fn valid_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// The hex SHA-256 of a body: content-based deduplication's id.
fn sha256_hex(s: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A receipt handle: the queue, the message and the receive, opaque.
fn receipt_handle(queue: &str, id: &str, nonce: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{queue}\n{id}\n{nonce:016x}"))
}

fn parse_receipt(receipt: &str) -> Result<(String, String, u64), SqsError> {
    let invalid = || {
        SqsError::ReceiptHandleIsInvalid(format!(
            "The input receipt handle \"{receipt}\" is not a valid receipt handle."
        ))
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(receipt)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let mut parts = text.split('\n');
    let (Some(q), Some(id), Some(nonce), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let nonce = u64::from_str_radix(nonce, 16).map_err(|_| invalid())?;
    Ok((q.to_string(), id.to_string(), nonce))
}

impl AttributeValue {
    /// A `String` attribute.
    pub fn string(v: &str) -> AttributeValue {
        AttributeValue {
            data_type: "String".into(),
            string_value: Some(v.into()),
            binary_value: None,
        }
    }
}

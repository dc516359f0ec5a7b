//! Polling an SQS queue for a mapping: batches, filters, the SQS event
//! record, and what the function's answer means for each message.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::{Functions, MappingSpec, Outcome, QueueMessage, Queues};

/// Longest receive wait (SQS's long poll).
const LONG_POLL_SECONDS: i64 = 20;
/// Pollers per mapping when ScalingConfig doesn't say (AWS starts with
/// five and scales out; a local machine gets no more than it asks for).
const DEFAULT_POLLERS: usize = 5;

/// How many pollers a mapping runs. A FIFO queue keeps its own order (one
/// batch in flight per group), so several pollers are fine there too.
pub(crate) fn pollers_for(spec: &MappingSpec) -> usize {
    spec.maximum_concurrency.map_or(DEFAULT_POLLERS, |n| {
        (n as usize).clamp(1, DEFAULT_POLLERS * 2)
    })
}

pub(crate) struct Poller {
    pub spec: Arc<MappingSpec>,
    pub queues: Arc<dyn Queues>,
    pub functions: Arc<dyn Functions>,
    pub region: String,
    pub stop: tokio::sync::watch::Receiver<bool>,
}

impl Poller {
    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    pub(crate) async fn run(mut self) {
        let arn = self.spec.event_source_arn.clone();
        while !self.stopped() {
            let want = self.spec.batch_size.clamp(1, 10);
            let mut stop = self.stop.clone();
            let first = tokio::select! {
                r = self.queues.receive(&arn, want, LONG_POLL_SECONDS) => r,
                _ = stop.changed() => break,
            };
            let mut batch = match first {
                Ok(m) => m,
                Err(e) => {
                    tracing::debug!(queue = %arn, error = %e, "receiving for a mapping");
                    if self.wait(Duration::from_secs(1)).await {
                        break;
                    }
                    continue;
                }
            };
            if batch.is_empty() {
                continue;
            }
            self.fill(&mut batch).await;
            self.process(batch).await;
        }
    }

    /// Sleeps, or returns true at once when the mapping stops.
    async fn wait(&mut self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => self.stopped(),
            _ = self.stop.changed() => true,
        }
    }

    /// With a batching window, gathers more messages until the batch is
    /// full or the window closes.
    async fn fill(&self, batch: &mut Vec<QueueMessage>) {
        if self.spec.batching_window_seconds == 0 || batch.len() >= self.spec.batch_size {
            return;
        }
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(self.spec.batching_window_seconds);
        while batch.len() < self.spec.batch_size && tokio::time::Instant::now() < deadline {
            let want = (self.spec.batch_size - batch.len()).min(10);
            match self
                .queues
                .receive(&self.spec.event_source_arn, want, 0)
                .await
            {
                Ok(more) if !more.is_empty() => batch.extend(more),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    async fn process(&self, batch: Vec<QueueMessage>) {
        let arn = &self.spec.event_source_arn;
        let (records, dropped): (Vec<(QueueMessage, Value)>, Vec<QueueMessage>) = {
            let mut keep = Vec::new();
            let mut drop = Vec::new();
            for m in batch {
                let record = record(&m, arn, &self.region);
                if self.spec.filters.is_empty()
                    || self
                        .spec
                        .filters
                        .iter()
                        .any(|p| p.matches(&filterable(&record)))
                {
                    keep.push((m, record));
                } else {
                    drop.push(m);
                }
            }
            (keep, drop)
        };
        if !dropped.is_empty() {
            // Messages no filter matches are deleted, as on AWS.
            let handles = dropped.into_iter().map(|m| m.receipt_handle).collect();
            self.queues.delete(arn, handles).await;
        }
        if records.is_empty() {
            return;
        }
        let event =
            json!({ "Records": records.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>() });
        let outcome = self
            .functions
            .invoke(&self.spec.function_arn, Bytes::from(event.to_string()))
            .await;
        match outcome {
            Outcome::Answered(payload) => {
                let failed = if self.spec.report_batch_item_failures {
                    match batch_item_failures(&payload) {
                        Some(ids) => ids,
                        // An answer that can't be read fails the batch.
                        None => return,
                    }
                } else {
                    Vec::new()
                };
                let done: Vec<String> = records
                    .into_iter()
                    .filter(|(m, _)| !failed.contains(&m.message_id))
                    .map(|(m, _)| m.receipt_handle)
                    .collect();
                if !done.is_empty() {
                    self.queues.delete(arn, done).await;
                }
            }
            // The messages come back after the queue's visibility timeout.
            Outcome::FunctionError(_) => {}
            Outcome::NotRun(why) => {
                tracing::debug!(mapping = %self.spec.uuid, why = %why, "a mapping's batch did not run");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// The ids ReportBatchItemFailures lists; `None` when the answer is not a
/// valid report (the whole batch then fails). An empty answer, `null`,
/// `{}` or an empty list: no failures.
fn batch_item_failures(payload: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(payload).ok()?.trim();
    if text.is_empty() || text == "null" {
        return Some(Vec::new());
    }
    let v: Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object()?;
    let Some(list) = obj.get("batchItemFailures") else {
        return Some(Vec::new());
    };
    if list.is_null() {
        return Some(Vec::new());
    }
    let mut ids = Vec::new();
    for item in list.as_array()? {
        let id = item.get("itemIdentifier")?.as_str()?;
        if id.is_empty() {
            return None;
        }
        ids.push(id.to_string());
    }
    Some(ids)
}

/// The SQS event record of one message, as AWS builds it.
pub(crate) fn record(m: &QueueMessage, arn: &str, region: &str) -> Value {
    let mut attributes = Map::new();
    for (k, v) in &m.attributes {
        attributes.insert(k.clone(), json!(v));
    }
    let mut message_attributes = Map::new();
    for (name, (data_type, string, binary)) in &m.message_attributes {
        let mut a = Map::new();
        if let Some(s) = string {
            a.insert("stringValue".into(), json!(s));
        }
        if let Some(b) = binary {
            a.insert("binaryValue".into(), json!(b));
        }
        a.insert("stringListValues".into(), json!([]));
        a.insert("binaryListValues".into(), json!([]));
        a.insert("dataType".into(), json!(data_type));
        message_attributes.insert(name.clone(), Value::Object(a));
    }
    let mut r = Map::new();
    r.insert("messageId".into(), json!(m.message_id));
    r.insert("receiptHandle".into(), json!(m.receipt_handle));
    r.insert("body".into(), json!(m.body));
    r.insert("attributes".into(), Value::Object(attributes));
    r.insert(
        "messageAttributes".into(),
        Value::Object(message_attributes),
    );
    r.insert("md5OfBody".into(), json!(m.md5_of_body));
    if let Some(md5) = &m.md5_of_message_attributes {
        r.insert("md5OfMessageAttributes".into(), json!(md5));
    }
    r.insert("eventSource".into(), json!("aws:sqs"));
    r.insert("eventSourceARN".into(), json!(arn));
    r.insert("awsRegion".into(), json!(region));
    Value::Object(r)
}

/// A record as FilterCriteria sees it: a body that is JSON is matched as
/// JSON (AWS's rule), any other body as its string.
fn filterable(record: &Value) -> Value {
    let mut r = record.clone();
    if let Some(body) = record.get("body").and_then(Value::as_str) {
        if let Ok(parsed) = serde_json::from_str::<Value>(body) {
            if parsed.is_object() || parsed.is_array() {
                r["body"] = parsed;
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_batch_item_failures() {
        assert_eq!(batch_item_failures(b""), Some(vec![]));
        assert_eq!(batch_item_failures(b"{}"), Some(vec![]));
        assert_eq!(batch_item_failures(b"null"), Some(vec![]));
        assert_eq!(
            batch_item_failures(br#"{"batchItemFailures": []}"#),
            Some(vec![])
        );
        assert_eq!(
            batch_item_failures(br#"{"batchItemFailures": [{"itemIdentifier": "a"}]}"#),
            Some(vec!["a".to_string()])
        );
        assert_eq!(
            batch_item_failures(br#"{"batchItemFailures": [{"x": 1}]}"#),
            None
        );
        assert_eq!(batch_item_failures(br#"{"batchItemFailures": "a"}"#), None);
        assert_eq!(batch_item_failures(b"not json"), None);
    }

    #[test]
    fn record_shape() {
        let m = QueueMessage {
            message_id: "id".into(),
            receipt_handle: "rh".into(),
            body: r#"{"k": 1}"#.into(),
            md5_of_body: "md5".into(),
            md5_of_message_attributes: None,
            attributes: [("ApproximateReceiveCount".to_string(), "1".to_string())].into(),
            message_attributes: [(
                "a".to_string(),
                ("String".to_string(), Some("x".to_string()), None),
            )]
            .into(),
        };
        let r = record(&m, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
        assert_eq!(r["eventSource"], "aws:sqs");
        assert_eq!(r["messageAttributes"]["a"]["stringValue"], "x");
        assert_eq!(r["messageAttributes"]["a"]["stringListValues"], json!([]));
        assert!(r.get("md5OfMessageAttributes").is_none());
        assert_eq!(filterable(&r)["body"]["k"], 1);
    }
}

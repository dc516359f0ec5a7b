//! Polling a stream for a mapping: one task per shard, reading in order
//! from the mapping's checkpoint, batching, filtering, invoking, and what
//! a failed batch means (retries, bisecting, record age, the OnFailure
//! destination, ReportBatchItemFailures' checkpoint, tumbling windows).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use lambdalite_store::docs::{DocOp, DocStore};
use serde_json::{json, Map, Value};

use crate::deliver::{Deliverer, Delivery, Endpoint};
use crate::streams::{ReadFrom, StreamRecord, Streams};
use crate::{Functions, Invoked, MappingSpec, Outcome, StreamSpec};

/// How long a shard with nothing new waits before it looks again when
/// its stream can't say when records arrive.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// How often a mapping looks for new shards.
const SHARD_RELIST: Duration = Duration::from_secs(30);

/// The checkpoint kind in the mappings' documents.
pub(crate) const CHECKPOINT: &str = "checkpoint";

pub(crate) fn checkpoint_key(uuid: &str, shard: &str) -> String {
    format!("{uuid}/{shard}")
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Everything a shard's task shares with its mapping.
pub(crate) struct Shared {
    pub spec: Arc<MappingSpec>,
    pub streams: Arc<dyn Streams>,
    pub functions: Arc<dyn Functions>,
    pub deliverer: Arc<Deliverer>,
    pub checkpoints: DocStore,
    pub region: String,
    pub results: Arc<crate::Results>,
    pub saved: Arc<crate::Checkpoints>,
    pub starting: Arc<crate::Starting>,
    pub stop: tokio::sync::watch::Receiver<bool>,
}

impl Shared {
    fn stream(&self) -> &StreamSpec {
        self.spec
            .stream
            .as_ref()
            .expect("a stream mapping has stream settings")
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }
}

/// The mapping's supervisor: finds the shards and runs a task for each.
pub(crate) async fn run(shared: Arc<Shared>, saved: std::collections::HashMap<String, String>) {
    let arn = shared.spec.event_source_arn.clone();
    let mut stop = shared.stop.clone();
    let shards = loop {
        match shared.streams.shard_ids(&arn).await {
            Ok(Some(ids)) => break ids,
            Ok(None) => {
                tracing::debug!(mapping = %shared.spec.uuid, stream = %arn, "the mapping's stream does not exist")
            }
            Err(e) => {
                tracing::warn!(mapping = %shared.spec.uuid, stream = %arn, error = %e, "listing a stream's shards")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
        if shared.stopped() {
            return;
        }
    };
    let mut running = std::collections::HashSet::new();
    let mut shards = shards;
    let mut first = true;
    loop {
        let mut tasks = Vec::new();
        for shard in shards {
            if !running.insert(shard.clone()) {
                continue;
            }
            let from = saved.get(&shard).cloned();
            let mut task = ShardTask {
                shared: shared.clone(),
                shard,
                checkpoint: from,
                window: None,
                start: None,
            };
            // The first shards' positions are fixed before the mapping
            // reports Enabled.
            if first {
                task.start = Some(task.starting_point().await);
            }
            tasks.push(task);
        }
        if first {
            shared.starting.done(&shared.spec.uuid);
            first = false;
        }
        for task in tasks {
            tokio::spawn(task.run());
        }
        // Streams that reshard (DynamoDB's roll over) grow new shards.
        tokio::select! {
            _ = tokio::time::sleep(SHARD_RELIST) => {}
            _ = stop.changed() => return,
        }
        if shared.stopped() {
            return;
        }
        shards = match shared.streams.shard_ids(&arn).await {
            Ok(Some(ids)) => ids,
            _ => Vec::new(),
        };
    }
}

/// A tumbling window's place and the state the function carries in it.
struct Window {
    start_ms: i64,
    end_ms: i64,
    state: Value,
    /// Whether the window's final invocation has been made.
    closed: bool,
}

struct ShardTask {
    shared: Arc<Shared>,
    shard: String,
    /// The sequence number of the last record done with, durable.
    checkpoint: Option<String>,
    window: Option<Window>,
    /// Where to start, when already known.
    start: Option<ReadFrom>,
}

/// How one batch went.
enum BatchEnd {
    /// Done with every record.
    Done,
    /// The mapping stopped while retrying: keep the checkpoint.
    Stopped,
}

impl ShardTask {
    fn spec(&self) -> &StreamSpec {
        self.shared.stream()
    }

    async fn run(mut self) {
        let arn = self.shared.spec.event_source_arn.clone();
        let mut stop = self.shared.stop.clone();
        let mut watch = self.shared.streams.watch(&arn);
        let mut read_from = match self.start.take() {
            Some(from) => from,
            None => self.starting_point().await,
        };
        let batch_size = self.shared.spec.batch_size.max(1);
        let lanes = self.spec().parallelization_factor.max(1) as usize;
        let want = batch_size * lanes;
        let mut buffer: VecDeque<StreamRecord> = VecDeque::new();
        while !self.shared.stopped() {
            if buffer.len() < want {
                match self
                    .shared
                    .streams
                    .read(&arn, &self.shard, &read_from, want - buffer.len())
                    .await
                {
                    Ok(records) => {
                        if let Some(last) = records.last() {
                            read_from = ReadFrom::After(last.sequence_number.clone());
                        }
                        buffer.extend(records);
                    }
                    Err(e) => {
                        tracing::debug!(mapping = %self.shared.spec.uuid, shard = %self.shard, error = %e, "reading a shard");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = stop.changed() => {}
                        }
                        continue;
                    }
                }
            }
            if self.close_window_if_due(&buffer).await {
                continue;
            }
            let window_ms = self.shared.spec.batching_window_seconds as i64 * 1000;
            let ready = !buffer.is_empty()
                && (buffer.len() >= want
                    || window_ms == 0
                    || buffer
                        .front()
                        .is_some_and(|r| now_ms() - r.arrival_ms >= window_ms));
            if !ready {
                // Wait for records, the batching window, or a window's end.
                let mut wait = if buffer.is_empty() {
                    Duration::from_secs(5)
                } else {
                    let first = buffer.front().map_or(0, |r| r.arrival_ms);
                    Duration::from_millis((first + window_ms - now_ms()).clamp(1, 300_000) as u64)
                };
                if let Some(w) = &self.window {
                    if !w.closed {
                        let until = (w.end_ms - now_ms()).max(1) as u64;
                        wait = wait.min(Duration::from_millis(until));
                    }
                }
                match &mut watch {
                    Some(rx) => {
                        tokio::select! {
                            _ = rx.changed() => {}
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop.changed() => {}
                        }
                    }
                    None => {
                        tokio::select! {
                            _ = tokio::time::sleep(wait.min(IDLE_POLL)) => {}
                            _ = stop.changed() => {}
                        }
                    }
                }
                continue;
            }
            let tumbling = self.spec().tumbling_window_in_seconds > 0;
            let take = if tumbling {
                // One window per invocation.
                let w = self.window_of(buffer[0].arrival_ms);
                let same = buffer
                    .iter()
                    .take_while(|r| self.window_of(r.arrival_ms) == w)
                    .count();
                same.min(batch_size)
            } else {
                buffer.len().min(want)
            };
            let chunk: Vec<StreamRecord> = buffer.drain(..take).collect();
            let last = chunk.last().map(|r| r.sequence_number.clone());
            let end = if lanes > 1 && !tumbling {
                self.run_lanes(chunk, lanes, batch_size).await
            } else {
                self.process(chunk).await
            };
            match end {
                BatchEnd::Done => {
                    if let Some(seq) = last {
                        self.save_checkpoint(&seq, false).await;
                    }
                }
                BatchEnd::Stopped => break,
            }
        }
    }

    /// Where reading starts: after the checkpoint, or the starting
    /// position (LATEST pinned at once, so a restart doesn't skip what
    /// arrived meanwhile; a stream that can't name its newest record
    /// takes its LATEST iterator now).
    async fn starting_point(&mut self) -> ReadFrom {
        let arn = self.shared.spec.event_source_arn.clone();
        let from = match &self.checkpoint {
            Some(seq) => ReadFrom::After(seq.clone()),
            None => match self.spec().starting_position.as_str() {
                "LATEST" => match self.shared.streams.newest(&arn, &self.shard).await {
                    Some(seq) => {
                        self.save_checkpoint(&seq, true).await;
                        ReadFrom::After(seq)
                    }
                    None => ReadFrom::Latest,
                },
                "AT_TIMESTAMP" => ReadFrom::AtTimestamp(self.spec().starting_timestamp_ms),
                _ => ReadFrom::TrimHorizon,
            },
        };
        if let Err(e) = self.shared.streams.prepare(&arn, &self.shard, &from).await {
            tracing::debug!(mapping = %self.shared.spec.uuid, shard = %self.shard, error = %e, "preparing to read a shard");
        }
        from
    }

    fn window_of(&self, arrival_ms: i64) -> i64 {
        let w = i64::from(self.spec().tumbling_window_in_seconds) * 1000;
        arrival_ms - arrival_ms.rem_euclid(w)
    }

    /// With tumbling windows: once the open window's time is over and no
    /// record of it is left, makes its final invocation. Whether it did.
    async fn close_window_if_due(&mut self, buffer: &VecDeque<StreamRecord>) -> bool {
        let due = match &self.window {
            Some(w) if !w.closed => {
                now_ms() >= w.end_ms
                    && buffer
                        .front()
                        .is_none_or(|r| self.window_of(r.arrival_ms) != w.start_ms)
            }
            _ => false,
        };
        if !due {
            return false;
        }
        let mut attempts = 0;
        loop {
            let event = self.event(&[], true);
            let invoked = self.invoke(event).await;
            attempts += 1;
            match &invoked.outcome {
                Outcome::Answered(_) => break,
                _ if self.shared.stopped() => break,
                _ if self.retries_exhausted(attempts) => break,
                _ => self.backoff(attempts).await,
            }
        }
        if let Some(w) = &mut self.window {
            w.closed = true;
        }
        true
    }

    /// Runs a chunk as up to `lanes` batches at once, each lane holding
    /// the records of its partition keys in order.
    async fn run_lanes(
        &mut self,
        chunk: Vec<StreamRecord>,
        lanes: usize,
        batch: usize,
    ) -> BatchEnd {
        let mut split: Vec<Vec<StreamRecord>> = vec![Vec::new(); lanes];
        for r in chunk {
            let lane = lane_of(&r.partition_key, lanes);
            split[lane].push(r);
        }
        let mut tasks = Vec::new();
        for records in split.into_iter().filter(|l| !l.is_empty()) {
            let mut lane = ShardTask {
                shared: self.shared.clone(),
                shard: self.shard.clone(),
                checkpoint: None,
                window: None,
                start: None,
            };
            tasks.push(tokio::spawn(async move {
                for b in records.chunks(batch) {
                    if let BatchEnd::Stopped = lane.process(b.to_vec()).await {
                        return false;
                    }
                }
                true
            }));
        }
        let mut all = true;
        for t in tasks {
            all &= t.await.unwrap_or(false);
        }
        if all {
            BatchEnd::Done
        } else {
            BatchEnd::Stopped
        }
    }

    /// Records where the shard is; with `wait`, once it is durable
    /// (without blocking the runtime's thread on the commit).
    async fn save_checkpoint(&mut self, seq: &str, wait: bool) {
        self.checkpoint = Some(seq.to_string());
        self.shared
            .saved
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(self.shared.spec.uuid.clone())
            .or_default()
            .insert(self.shard.clone(), seq.to_string());
        let op = DocOp::put(
            CHECKPOINT,
            &checkpoint_key(&self.shared.spec.uuid, &self.shard),
            seq.to_string(),
        );
        let r = if wait {
            crate::outbox::commit(&self.shared.checkpoints, op).await
        } else {
            self.shared
                .checkpoints
                .apply_later(op)
                .map_err(|e| e.to_string())
        };
        if let Err(e) = r {
            tracing::warn!(mapping = %self.shared.spec.uuid, error = %e, "saving a checkpoint");
        }
    }

    /// Whether a record passes FilterCriteria.
    fn wanted(&self, r: &StreamRecord) -> bool {
        let filters = &self.shared.spec.filters;
        filters.is_empty() || {
            let v = filterable(r);
            filters.iter().any(|p| p.matches(&v))
        }
    }

    /// One chunk, with its retries; the batch is done when this returns
    /// Done (delivered, or reported to the OnFailure destination).
    async fn process(&mut self, chunk: Vec<StreamRecord>) -> BatchEnd {
        let kept: Vec<StreamRecord> = chunk.into_iter().filter(|r| self.wanted(r)).collect();
        if kept.is_empty() {
            return BatchEnd::Done;
        }
        let mut pending: VecDeque<Vec<StreamRecord>> = VecDeque::from([kept]);
        while let Some(mut batch) = pending.pop_front() {
            let mut attempts: u32 = 0;
            loop {
                if self.shared.stopped() {
                    return BatchEnd::Stopped;
                }
                let max_age = self.spec().maximum_record_age_in_seconds;
                if max_age >= 0 && now_ms() - batch[0].arrival_ms > max_age * 1000 {
                    self.report_failure("RecordAgeExceeded", &batch, attempts, None)
                        .await;
                    break;
                }
                self.enter_window(batch[0].arrival_ms);
                let event = self.event(&batch, false);
                let invoked = self.invoke(event).await;
                match &invoked.outcome {
                    Outcome::NotRun(why) => {
                        // Throttled or not there yet: wait, not counted.
                        tracing::debug!(mapping = %self.shared.spec.uuid, why = %why, "a stream batch did not run");
                        self.shared
                            .results
                            .set(&self.shared.spec.uuid, "PROBLEM: Function call failed");
                        self.pause(Duration::from_millis(500)).await;
                        continue;
                    }
                    Outcome::Answered(payload) => {
                        attempts += 1;
                        let tumbling = self.spec().tumbling_window_in_seconds > 0;
                        if tumbling {
                            self.keep_state(payload);
                        }
                        let report = if self.shared.spec.report_batch_item_failures {
                            stream_failures(payload, &batch)
                        } else {
                            Report::Success
                        };
                        match report {
                            Report::Success => {
                                self.shared.results.set(&self.shared.spec.uuid, "OK");
                                break;
                            }
                            Report::FailedFrom(i) => {
                                // Done up to the failed record: what is left is
                                // a new batch, with retries of its own (AWS
                                // counts them afresh).
                                if i > 0 {
                                    batch.drain(..i);
                                    attempts = 0;
                                }
                            }
                            Report::AllFailed => {}
                        }
                        self.shared
                            .results
                            .set(&self.shared.spec.uuid, "PROBLEM: Function call failed");
                        if self.retries_exhausted(attempts) {
                            self.report_failure(
                                "RetryAttemptsExhausted",
                                &batch,
                                attempts,
                                Some((&invoked, None)),
                            )
                            .await;
                            break;
                        }
                        self.backoff(attempts).await;
                    }
                    Outcome::FunctionError(_) => {
                        attempts += 1;
                        self.shared
                            .results
                            .set(&self.shared.spec.uuid, "PROBLEM: Function call failed");
                        if self.spec().bisect_batch_on_function_error && batch.len() > 1 {
                            let second = batch.split_off(batch.len() / 2);
                            pending.push_front(second);
                            pending.push_front(batch);
                            break;
                        }
                        if self.retries_exhausted(attempts) {
                            let kind = invoked
                                .function_error
                                .clone()
                                .unwrap_or_else(|| "Unhandled".into());
                            self.report_failure(
                                "RetryAttemptsExhausted",
                                &batch,
                                attempts,
                                Some((&invoked, Some(kind))),
                            )
                            .await;
                            break;
                        }
                        self.backoff(attempts).await;
                    }
                }
            }
        }
        BatchEnd::Done
    }

    fn retries_exhausted(&self, attempts: u32) -> bool {
        let max = self.spec().maximum_retry_attempts;
        max >= 0 && i64::from(attempts) > max
    }

    async fn backoff(&self, attempts: u32) {
        let ms = (100u64 << attempts.min(5)).min(2_000);
        self.pause(Duration::from_millis(ms)).await;
    }

    async fn pause(&self, d: Duration) {
        let mut stop = self.shared.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = stop.changed() => {}
        }
    }

    /// Opens the tumbling window a record falls in, closing an older one
    /// without its final invocation if it was never made.
    fn enter_window(&mut self, arrival_ms: i64) {
        let secs = self.spec().tumbling_window_in_seconds;
        if secs == 0 {
            return;
        }
        let start = self.window_of(arrival_ms);
        if self.window.as_ref().is_none_or(|w| w.start_ms != start) {
            self.window = Some(Window {
                start_ms: start,
                end_ms: start + i64::from(secs) * 1000,
                state: json!({}),
                closed: false,
            });
        }
    }

    fn keep_state(&mut self, payload: &Bytes) {
        let state = serde_json::from_slice::<Value>(payload)
            .ok()
            .and_then(|v| v.get("state").cloned())
            .filter(|s| !s.is_null());
        if let (Some(w), Some(s)) = (&mut self.window, state) {
            w.state = s;
        }
    }

    async fn invoke(&self, event: Value) -> Invoked {
        self.shared
            .functions
            .invoke_detailed(
                &self.shared.spec.function_arn,
                Bytes::from(event.to_string()),
            )
            .await
    }

    /// The event of one batch: `Records`, and a tumbling window's fields.
    fn event(&self, batch: &[StreamRecord], final_invoke: bool) -> Value {
        let arn = &self.shared.spec.event_source_arn;
        let role = self.shared.functions.role(&self.shared.spec.function_arn);
        let records: Vec<Value> = batch
            .iter()
            .map(|r| record(r, arn, &self.shard, &self.shared.region, role.as_deref()))
            .collect();
        let mut event = Map::new();
        event.insert("Records".into(), Value::Array(records));
        if let Some(w) = &self.window {
            if self.spec().tumbling_window_in_seconds > 0 {
                event.insert(
                    "window".into(),
                    json!({ "start": iso_seconds(w.start_ms), "end": iso_seconds(w.end_ms) }),
                );
                event.insert("state".into(), w.state.clone());
                event.insert("shardId".into(), json!(self.shard));
                event.insert("eventSourceARN".into(), json!(arn));
                event.insert("isFinalInvokeForWindow".into(), json!(final_invoke));
                event.insert("isWindowTerminatedEarly".into(), json!(false));
            }
        }
        Value::Object(event)
    }

    /// Sends what AWS sends an OnFailure destination for a batch given
    /// up on; the shard then moves on.
    async fn report_failure(
        &self,
        condition: &str,
        batch: &[StreamRecord],
        attempts: u32,
        response: Option<(&Invoked, Option<String>)>,
    ) {
        tracing::warn!(mapping = %self.shared.spec.uuid, shard = %self.shard, condition, records = batch.len(), "a stream batch was given up");
        let Some(destination) = self.spec().on_failure.clone() else {
            return;
        };
        let dynamodb = batch.iter().any(|r| r.dynamodb.is_some());
        let arrival = |ms: i64| {
            if dynamodb {
                iso_seconds(ms)
            } else {
                iso_millis(ms)
            }
        };
        let mut body = Map::new();
        body.insert(
            "requestContext".into(),
            json!({
                "requestId": response.as_ref().map_or_else(
                    || uuid::Uuid::new_v4().to_string(),
                    |(i, _)| i.request_id.clone()
                ),
                "functionArn": self.shared.spec.function_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            }),
        );
        if let Some((invoked, error)) = &response {
            body.insert(
                "responseContext".into(),
                json!({
                    "statusCode": 200,
                    "executedVersion": invoked.executed_version,
                    "functionError": error,
                }),
            );
        }
        body.insert("version".into(), json!("1.0"));
        body.insert("timestamp".into(), json!(iso_millis(now_ms())));
        let first = &batch[0];
        let last = &batch[batch.len() - 1];
        let info = json!({
            "shardId": self.shard,
            "startSequenceNumber": first.sequence_number,
            "endSequenceNumber": last.sequence_number,
            "approximateArrivalOfFirstRecord": arrival(first.arrival_ms),
            "approximateArrivalOfLastRecord": arrival(last.arrival_ms),
            "batchSize": batch.len(),
            "streamArn": self.shared.spec.event_source_arn,
        });
        body.insert(
            if dynamodb {
                "DDBStreamBatchInfo"
            } else {
                "KinesisBatchInfo"
            }
            .into(),
            info,
        );
        let endpoint = if destination.starts_with("arn:aws:sns:") {
            Endpoint::Topic(destination.clone())
        } else {
            Endpoint::Queue(destination.clone())
        };
        let delivery = Delivery {
            endpoint: Some(endpoint),
            body: Value::Object(body).to_string(),
            ..Default::default()
        };
        for attempt in 0..5u32 {
            match self.shared.deliverer.deliver(&delivery).await {
                Ok(()) => return,
                Err(e) if !e.retryable => {
                    tracing::warn!(destination = %destination, error = %e.reason, "the OnFailure destination refused");
                    return;
                }
                Err(_) => self.backoff(attempt + 1).await,
            }
        }
    }
}

fn lane_of(key: &str, lanes: usize) -> usize {
    // FNV-1a: stable, and enough to spread keys.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    (h % lanes as u64) as usize
}

fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn iso_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// What ReportBatchItemFailures says of a batch.
#[derive(Debug, PartialEq, Eq)]
enum Report {
    Success,
    /// Done before this index; resume from it.
    FailedFrom(usize),
    AllFailed,
}

/// Reads a stream function's answer: no failures for an empty answer,
/// `null`, a value that is not an object, `{}` or an empty (or null)
/// list; the earliest listed record otherwise; the whole batch when an
/// entry names no record of it.
fn stream_failures(payload: &[u8], batch: &[StreamRecord]) -> Report {
    let Ok(text) = std::str::from_utf8(payload) else {
        return Report::AllFailed;
    };
    let text = text.trim();
    if text.is_empty() {
        return Report::Success;
    }
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Report::AllFailed;
    };
    let Some(list) = v.as_object().and_then(|o| o.get("batchItemFailures")) else {
        return Report::Success;
    };
    let Some(items) = list.as_array() else {
        return if list.is_null() {
            Report::Success
        } else {
            Report::AllFailed
        };
    };
    let mut earliest: Option<usize> = None;
    for item in items {
        let Some(id) = item.get("itemIdentifier").and_then(Value::as_str) else {
            return Report::AllFailed;
        };
        let Some(i) = batch.iter().position(|r| r.sequence_number == id) else {
            return Report::AllFailed;
        };
        earliest = Some(earliest.map_or(i, |e| e.min(i)));
    }
    match earliest {
        None => Report::Success,
        Some(i) => Report::FailedFrom(i),
    }
}

/// The record a function gets for one stream record.
fn record(r: &StreamRecord, arn: &str, shard: &str, region: &str, role: Option<&str>) -> Value {
    if let Some(d) = &r.dynamodb {
        let mut m = Map::new();
        for key in ["eventID", "eventName", "eventVersion", "eventSource"] {
            if let Some(v) = d.get(key) {
                m.insert(key.into(), v.clone());
            }
        }
        m.insert("awsRegion".into(), json!(region));
        if let Some(v) = d.get("dynamodb") {
            m.insert("dynamodb".into(), v.clone());
        }
        if let Some(v) = d.get("userIdentity") {
            m.insert("userIdentity".into(), v.clone());
        }
        m.insert("eventSourceARN".into(), json!(arn));
        return Value::Object(m);
    }
    let mut m = Map::new();
    m.insert(
        "kinesis".into(),
        json!({
            "kinesisSchemaVersion": "1.0",
            "partitionKey": r.partition_key,
            "sequenceNumber": r.sequence_number,
            "data": base64::engine::general_purpose::STANDARD.encode(&r.data),
            "approximateArrivalTimestamp": (r.arrival_ms as f64) / 1000.0,
        }),
    );
    m.insert("eventSource".into(), json!("aws:kinesis"));
    m.insert("eventVersion".into(), json!("1.0"));
    m.insert(
        "eventID".into(),
        json!(format!("{shard}:{}", r.sequence_number)),
    );
    m.insert("eventName".into(), json!("aws:kinesis:record"));
    if let Some(role) = role {
        m.insert("invokeIdentityArn".into(), json!(role));
    }
    m.insert("awsRegion".into(), json!(region));
    m.insert("eventSourceARN".into(), json!(arn));
    Value::Object(m)
}

/// A record as FilterCriteria sees it: Kinesis's `data` decoded and read
/// as JSON when it is JSON; a DynamoDB record as it is.
fn filterable(r: &StreamRecord) -> Value {
    if let Some(d) = &r.dynamodb {
        return d.clone();
    }
    let data = match serde_json::from_slice::<Value>(&r.data) {
        Ok(v) if v.is_object() || v.is_array() => v,
        _ => json!(base64::engine::general_purpose::STANDARD.encode(&r.data)),
    };
    json!({
        "kinesisSchemaVersion": "1.0",
        "partitionKey": r.partition_key,
        "sequenceNumber": r.sequence_number,
        "approximateArrivalTimestamp": (r.arrival_ms as f64) / 1000.0,
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: &str) -> StreamRecord {
        StreamRecord {
            sequence_number: seq.into(),
            partition_key: "k".into(),
            data: Bytes::from_static(b"{\"a\":1}"),
            arrival_ms: 1_000,
            dynamodb: None,
        }
    }

    #[test]
    fn reading_a_stream_functions_report() {
        let batch = vec![rec("1"), rec("2"), rec("3")];
        for ok in [
            "",
            "null",
            "[]",
            "{}",
            "\"\"",
            r#"{"batchItemFailures": []}"#,
            r#"{"batchItemFailures": null}"#,
        ] {
            assert_eq!(
                stream_failures(ok.as_bytes(), &batch),
                Report::Success,
                "{ok}"
            );
        }
        for bad in [
            r#"{"batchItemFailures": [{"itemIdentifier": 123}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
            r#"{"batchItemFailures": [{"foo": 1}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": "9"}]}"#,
        ] {
            assert_eq!(
                stream_failures(bad.as_bytes(), &batch),
                Report::AllFailed,
                "{bad}"
            );
        }
        assert_eq!(
            stream_failures(
                br#"{"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]}"#,
                &batch
            ),
            Report::FailedFrom(1)
        );
    }

    #[test]
    fn kinesis_records_have_aws_shape_and_filter_on_decoded_data() {
        let r = rec("49");
        let v = record(
            &r,
            "arn:aws:kinesis:us-east-1:1:stream/s",
            "shardId-000000000000",
            "us-east-1",
            Some("arn:aws:iam::1:role/r"),
        );
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "kinesis",
                "eventSource",
                "eventVersion",
                "eventID",
                "eventName",
                "invokeIdentityArn",
                "awsRegion",
                "eventSourceARN"
            ]
        );
        assert_eq!(v["eventID"], "shardId-000000000000:49");
        assert_eq!(v["kinesis"]["data"], "eyJhIjoxfQ==");
        assert_eq!(filterable(&r)["data"]["a"], 1);
    }

    #[test]
    fn lanes_keep_a_key_in_one_lane() {
        assert_eq!(lane_of("a", 4), lane_of("a", 4));
        assert!(lane_of("x", 3) < 3);
    }
}

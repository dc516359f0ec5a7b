//! The engine that turns events into invocations.
//!
//! Owns: event source mappings' pollers (SQS queues, and streams: one
//! task per shard with checkpoints, retries, bisecting, record age,
//! OnFailure destinations and tumbling windows), the one event-pattern
//! matcher ([`pattern`]: FilterCriteria, SNS filter policies and
//! EventBridge patterns), the event records functions receive, what a
//! function's answer means for the messages it was given (deleted,
//! returned, reported as batch item failures), and the push services'
//! deliveries to functions, queues, HTTP endpoints and topics with their
//! retries ([`deliver`]), kept durably until they land ([`outbox`]); and
//! the clock of scheduled events: schedule expressions, their fire times
//! and the loop that fires them ([`schedule`]).
//!
//! Does not: store mappings or answer the Lambda API (lambdalite-api),
//! keep queues (lambdalite-sqs), or run functions (lambdalite-invoke).
//! It reaches them through two small traits, [`Functions`] and [`Queues`],
//! which the binary wires.

pub mod deliver;
pub mod dynamodb;
pub mod outbox;
pub mod pattern;
pub mod schedule;
mod shards;
mod sqs;
pub mod streams;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;

pub use deliver::{Deliverer, Delivery, DeliveryError, Endpoint, RetryPolicy, Topics};
pub use pattern::{Language, Pattern, PatternError};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How an invocation went, as a poller needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function answered; `payload` is its response.
    Answered(Bytes),
    /// The function (or its runtime) failed.
    FunctionError(Bytes),
    /// It could not run now (throttled, no such function): try later.
    NotRun(String),
}

/// An invocation as a stream mapping needs to know it: how it went, and
/// what its OnFailure record names.
#[derive(Debug, Clone)]
pub struct Invoked {
    pub outcome: Outcome,
    pub request_id: String,
    /// The version that ran (`$LATEST`, `3`).
    pub executed_version: String,
    /// The function error's kind (`Unhandled`), when it failed.
    pub function_error: Option<String>,
}

/// Runs functions (the Lambda API resolves names, qualifiers and aliases).
pub trait Functions: Send + Sync {
    fn invoke(&self, function_arn: &str, payload: Bytes) -> BoxFuture<'_, Outcome>;
    /// [`Functions::invoke`], with the invocation's id and version.
    fn invoke_detailed(&self, function_arn: &str, payload: Bytes) -> BoxFuture<'_, Invoked> {
        let arn = function_arn.to_string();
        Box::pin(async move {
            let outcome = self.invoke(&arn, payload).await;
            let function_error =
                matches!(outcome, Outcome::FunctionError(_)).then(|| "Unhandled".to_string());
            Invoked {
                outcome,
                request_id: uuid::Uuid::new_v4().to_string(),
                executed_version: "$LATEST".into(),
                function_error,
            }
        })
    }
    /// The function's execution role (a stream record's
    /// `invokeIdentityArn`).
    fn role(&self, function_arn: &str) -> Option<String> {
        let _ = function_arn;
        None
    }
    /// Accepts an asynchronous invocation on behalf of a service
    /// (`principal`, e.g. `sns.amazonaws.com`, for `source_arn`), durably,
    /// once the function's resource policy allows it. An empty
    /// `principal` is a service invoking with the role it was given
    /// (Scheduler): no resource policy is consulted.
    fn invoke_async(
        &self,
        function_arn: &str,
        payload: Bytes,
        principal: &str,
        source_arn: &str,
    ) -> BoxFuture<'_, Result<(), DeliveryError>>;
    /// Whether the function exists and its resource policy lets
    /// `principal` invoke it for `source_arn` (a service checking a
    /// destination before it accepts it).
    fn permits(&self, function_arn: &str, principal: &str, source_arn: &str) -> bool;
}

/// A message as a queue hands it to a poller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub md5_of_body: String,
    pub md5_of_message_attributes: Option<String>,
    /// System attributes (ApproximateReceiveCount, SentTimestamp, ...).
    pub attributes: BTreeMap<String, String>,
    /// Message attributes: name → (data type, string value, binary value
    /// in base64).
    pub message_attributes: BTreeMap<String, (String, Option<String>, Option<String>)>,
}

/// The queues SQS mappings poll.
pub trait Queues: Send + Sync {
    /// Up to `max` messages, waiting up to `wait_seconds` for the first.
    fn receive(
        &self,
        queue_arn: &str,
        max: usize,
        wait_seconds: i64,
    ) -> BoxFuture<'_, Result<Vec<QueueMessage>, String>>;
    /// Deletes messages by receipt handle.
    fn delete(&self, queue_arn: &str, receipt_handles: Vec<String>) -> BoxFuture<'_, ()>;
    /// Sends a message (durably) with string message attributes
    /// (name, data type, value): invocation records for destinations,
    /// failed events for dead-letter queues.
    fn send(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, String, String)>,
    ) -> BoxFuture<'_, Result<(), String>>;
    /// Sends a message to a FIFO queue, in `group` with `dedup_id`.
    fn send_grouped(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, String, String)>,
        group: String,
        dedup_id: String,
    ) -> BoxFuture<'_, Result<(), String>> {
        let _ = (group, dedup_id);
        self.send(queue_arn, body, attributes)
    }
    /// Whether the queue exists.
    fn exists(&self, queue_arn: &str) -> bool;
    /// Whether it is a FIFO queue.
    fn is_fifo(&self, queue_arn: &str) -> bool;
}

/// What a stream mapping adds (see lambdalite-model's `StreamSettings`).
#[derive(Debug, Clone)]
pub struct StreamSpec {
    /// `TRIM_HORIZON`, `LATEST` or `AT_TIMESTAMP`.
    pub starting_position: String,
    pub starting_timestamp_ms: i64,
    pub parallelization_factor: u32,
    pub maximum_retry_attempts: i64,
    pub maximum_record_age_in_seconds: i64,
    pub bisect_batch_on_function_error: bool,
    pub tumbling_window_in_seconds: u32,
    /// An SQS queue or SNS topic ARN.
    pub on_failure: Option<String>,
}

/// A mapping as its pollers run it.
#[derive(Debug, Clone)]
pub struct MappingSpec {
    pub uuid: String,
    /// The function ARN as the mapping names it (its qualifier kept).
    pub function_arn: String,
    pub event_source_arn: String,
    pub batch_size: usize,
    pub batching_window_seconds: u64,
    /// FilterCriteria's patterns; a record matching none is dropped.
    pub filters: Vec<Pattern>,
    /// FunctionResponseTypes has ReportBatchItemFailures.
    pub report_batch_item_failures: bool,
    /// ScalingConfig.MaximumConcurrency, if set.
    pub maximum_concurrency: Option<u32>,
    /// A stream source's settings; `None`: an SQS queue.
    pub stream: Option<StreamSpec>,
}

/// Each mapping's LastProcessingResult (kept in memory: it says how the
/// latest batch went).
#[derive(Default)]
pub struct Results(Mutex<HashMap<String, String>>);

impl Results {
    pub fn set(&self, uuid: &str, result: &str) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if m.get(uuid).map(String::as_str) != Some(result) {
            m.insert(uuid.to_string(), result.to_string());
        }
    }

    pub fn get(&self, uuid: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(uuid)
            .cloned()
    }
}

/// Stream mappings whose shards' starting positions are not fixed yet
/// (reported as `Creating`).
#[derive(Default)]
pub struct Starting(Mutex<std::collections::HashSet<String>>);

impl Starting {
    fn begin(&self, uuid: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uuid.to_string());
    }

    pub(crate) fn done(&self, uuid: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uuid);
    }

    fn contains(&self, uuid: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(uuid)
    }
}

/// Stream mappings' positions: UUID → shard → the sequence number of the
/// last record done with.
#[derive(Default)]
pub struct Checkpoints(Mutex<HashMap<String, HashMap<String, String>>>);

/// What stream mappings read and write besides functions: the streams,
/// the OnFailure destinations, and the durable checkpoints.
pub struct StreamSources {
    /// Kinesis streams, in this process.
    pub kinesis: Arc<dyn streams::Streams>,
    /// DynamoDB streams, when an endpoint is configured.
    pub dynamodb: Option<Arc<dyn streams::Streams>>,
    pub deliverer: Arc<Deliverer>,
    /// The checkpoints' documents, and what they held at start.
    pub checkpoints: lambdalite_store::docs::DocStore,
    pub saved: Vec<lambdalite_store::docs::Doc>,
}

struct Running {
    stop: tokio::sync::watch::Sender<bool>,
}

/// The running mappings.
pub struct Mappings {
    region: String,
    queues: Arc<dyn Queues>,
    functions: OnceLock<Arc<dyn Functions>>,
    running: Mutex<HashMap<String, Running>>,
    streams: OnceLock<StreamSources>,
    /// Each stream mapping's checkpoints: UUID → shard → sequence number
    /// (read at start, kept as shards move on).
    saved: Arc<Checkpoints>,
    results: Arc<Results>,
    starting: Arc<Starting>,
}

impl Mappings {
    pub fn new(region: &str, queues: Arc<dyn Queues>) -> Arc<Mappings> {
        Arc::new(Mappings {
            region: region.to_string(),
            queues,
            functions: OnceLock::new(),
            running: Mutex::new(HashMap::new()),
            streams: OnceLock::new(),
            saved: Arc::new(Checkpoints::default()),
            results: Arc::new(Results::default()),
            starting: Arc::new(Starting::default()),
        })
    }

    /// Says what stream mappings read (once, at start, before mappings
    /// resume).
    pub fn set_streams(&self, sources: StreamSources) {
        let mut saved = self.saved.0.lock().unwrap_or_else(|e| e.into_inner());
        for doc in &sources.saved {
            if doc.kind != shards::CHECKPOINT {
                continue;
            }
            if let Some((uuid, shard)) = doc.key.split_once('/') {
                saved
                    .entry(uuid.to_string())
                    .or_default()
                    .insert(shard.to_string(), doc.body.clone());
            }
        }
        drop(saved);
        let _ = self.streams.set(sources);
    }

    /// The streams mappings on `arn` read, if any.
    pub fn streams_for(&self, arn: &str) -> Option<Arc<dyn streams::Streams>> {
        let s = self.streams.get()?;
        if arn.starts_with("arn:aws:dynamodb:") {
            s.dynamodb.clone()
        } else {
            Some(s.kinesis.clone())
        }
    }

    /// Whether a stream mapping is still fixing where its shards start
    /// (AWS reports it `Creating` meanwhile).
    pub fn is_starting(&self, uuid: &str) -> bool {
        self.starting.contains(uuid)
    }

    /// A mapping's LastProcessingResult, once it processed something.
    pub fn last_result(&self, uuid: &str) -> Option<String> {
        self.results.get(uuid)
    }

    /// Forgets a deleted mapping's checkpoints.
    pub fn forget(&self, uuid: &str) {
        let shards = self
            .saved
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uuid)
            .unwrap_or_default();
        if let Some(s) = self.streams.get() {
            let ops = shards
                .keys()
                .map(|shard| {
                    lambdalite_store::docs::DocOp::delete(
                        shards::CHECKPOINT,
                        &shards::checkpoint_key(uuid, shard),
                    )
                })
                .collect();
            let _ = s
                .checkpoints
                .apply_later(lambdalite_store::docs::DocOp::Batch(ops));
        }
    }

    /// Says how functions run (once, when the API exists).
    pub fn set_functions(&self, functions: Arc<dyn Functions>) {
        let _ = self.functions.set(functions);
    }

    pub fn queues(&self) -> &Arc<dyn Queues> {
        &self.queues
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts (or restarts, with its new settings) a mapping's pollers.
    pub fn start(self: &Arc<Self>, spec: MappingSpec) {
        self.stop(&spec.uuid);
        let Some(functions) = self.functions.get().cloned() else {
            tracing::error!(uuid = %spec.uuid, "event source mappings started before the API");
            return;
        };
        let (tx, rx) = tokio::sync::watch::channel(false);
        if spec.stream.is_some() {
            let Some(sources) = self.streams.get() else {
                tracing::error!(uuid = %spec.uuid, "stream mappings started before their streams");
                return;
            };
            let Some(streams) = self.streams_for(&spec.event_source_arn) else {
                tracing::warn!(uuid = %spec.uuid, source = %spec.event_source_arn, "no DynamoDB endpoint is configured (--dynamodb-endpoint): the mapping waits");
                self.lock().insert(spec.uuid.clone(), Running { stop: tx });
                return;
            };
            let saved = self
                .saved
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&spec.uuid)
                .cloned()
                .unwrap_or_default();
            let uuid = spec.uuid.clone();
            let shared = Arc::new(shards::Shared {
                spec: Arc::new(spec),
                streams,
                functions,
                deliverer: sources.deliverer.clone(),
                checkpoints: sources.checkpoints.clone(),
                region: self.region.clone(),
                results: self.results.clone(),
                saved: self.saved.clone(),
                starting: self.starting.clone(),
                stop: rx,
            });
            self.starting.begin(&uuid);
            tokio::spawn(shards::run(shared.clone(), saved));
            tracing::info!(uuid = %uuid, source = %shared.spec.event_source_arn, "stream mapping polling");
            self.lock().insert(uuid, Running { stop: tx });
            return;
        }
        let pollers = sqs::pollers_for(&spec);
        let spec = Arc::new(spec);
        for _ in 0..pollers {
            let poller = sqs::Poller {
                spec: spec.clone(),
                queues: self.queues.clone(),
                functions: functions.clone(),
                region: self.region.clone(),
                stop: rx.clone(),
            };
            tokio::spawn(poller.run());
        }
        tracing::info!(uuid = %spec.uuid, source = %spec.event_source_arn, pollers, "event source mapping polling");
        self.lock().insert(spec.uuid.clone(), Running { stop: tx });
    }

    /// Stops a mapping's pollers (a batch being processed finishes).
    pub fn stop(&self, uuid: &str) {
        if let Some(r) = self.lock().remove(uuid) {
            let _ = r.stop.send(true);
        }
    }

    pub fn is_running(&self, uuid: &str) -> bool {
        self.lock().contains_key(uuid)
    }
}

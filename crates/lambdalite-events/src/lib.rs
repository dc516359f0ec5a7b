//! The engine that turns events into invocations.
//!
//! Owns: event source mappings' pollers (SQS today), the one event-pattern
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
pub mod outbox;
pub mod pattern;
pub mod schedule;
mod sqs;

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

/// Runs functions (the Lambda API resolves names, qualifiers and aliases).
pub trait Functions: Send + Sync {
    fn invoke(&self, function_arn: &str, payload: Bytes) -> BoxFuture<'_, Outcome>;
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
}

impl Mappings {
    pub fn new(region: &str, queues: Arc<dyn Queues>) -> Arc<Mappings> {
        Arc::new(Mappings {
            region: region.to_string(),
            queues,
            functions: OnceLock::new(),
            running: Mutex::new(HashMap::new()),
        })
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

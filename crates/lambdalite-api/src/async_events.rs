//! Delivery of accepted asynchronous invocations, with AWS's rules: retries
//! after function errors (MaximumRetryAttempts, about 1 then 2 minutes
//! apart), retries with backoff after throttles and system errors until
//! MaximumEventAgeInSeconds, events of a function with reserved concurrency
//! 0 failed at once (ZeroReservedConcurrency), and the invocation record sent
//! to the OnSuccess or OnFailure destination.
//!
//! Events are durable in the store's queue before they are accepted; this
//! runner only ever works from that queue's contents, so after a crash every
//! accepted event is delivered again (at least once).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lambdalite_invoke::{InvokeError, InvokeRequest, InvokeResult};
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::event_config::EventInvokeConfig;
use lambdalite_model::{FunctionRef, LambdaError, LATEST};
use lambdalite_store::queue::{AsyncQueue, QueuedEvent};
use serde_json::{json, Value};
use tokio::sync::{Notify, Semaphore};

use crate::AppState;

/// How asynchronous delivery is paced.
#[derive(Debug, Clone)]
pub struct AsyncSettings {
    /// The wait before the first retry after a function error (AWS: about a
    /// minute); the second waits twice as long.
    pub retry_delay: Duration,
    /// Invocations delivered at once at most.
    pub concurrency: usize,
}

impl Default for AsyncSettings {
    fn default() -> Self {
        AsyncSettings {
            retry_delay: Duration::from_secs(60),
            concurrency: 256,
        }
    }
}

/// The queue of accepted events and the schedule of their next attempts.
pub struct AsyncRunner {
    queue: AsyncQueue,
    settings: AsyncSettings,
    /// (due ms, sequence) → event.
    schedule: Mutex<BTreeMap<(i64, u64), QueuedEvent>>,
    seq: std::sync::atomic::AtomicU64,
    wake: Notify,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl AsyncRunner {
    pub fn new(
        queue: AsyncQueue,
        pending: Vec<QueuedEvent>,
        settings: AsyncSettings,
    ) -> Arc<AsyncRunner> {
        let runner = Arc::new(AsyncRunner {
            queue,
            settings,
            schedule: Mutex::new(BTreeMap::new()),
            seq: Default::default(),
            wake: Notify::new(),
        });
        if !pending.is_empty() {
            tracing::info!(
                events = pending.len(),
                "resuming accepted asynchronous invocations"
            );
        }
        for e in pending {
            runner.schedule(e);
        }
        runner
    }

    fn schedule(&self, event: QueuedEvent) {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.schedule
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((event.next_attempt_ms, seq), event);
        self.wake.notify_one();
    }

    /// Makes an event durable, then schedules it. Returns its request id.
    pub async fn accept(
        self: &Arc<Self>,
        id: String,
        function: String,
        qualifier: Option<String>,
        payload: Bytes,
    ) -> Result<String, LambdaError> {
        let now = now_ms();
        let event = QueuedEvent {
            id,
            function,
            qualifier,
            payload: payload.to_vec(),
            enqueued_ms: now,
            attempts: 0,
            next_attempt_ms: now,
        };
        let queue = self.queue.clone();
        let durable = event.clone();
        tokio::task::spawn_blocking(move || queue.enqueue(durable))
            .await
            .map_err(LambdaError::internal)?
            .map_err(LambdaError::internal)?;
        let id = event.id.clone();
        self.schedule(event);
        Ok(id)
    }

    fn take_due(&self) -> (Vec<QueuedEvent>, Option<i64>) {
        let now = now_ms();
        let mut schedule = self.schedule.lock().unwrap_or_else(|e| e.into_inner());
        let mut due = Vec::new();
        while let Some(entry) = schedule.first_entry() {
            if entry.key().0 > now {
                return (due, Some(entry.key().0));
            }
            due.push(entry.remove());
        }
        (due, None)
    }

    /// Delivers events as they fall due, forever.
    pub async fn run(self: Arc<Self>, state: Arc<AppState>) {
        let slots = Arc::new(Semaphore::new(self.settings.concurrency));
        loop {
            let (due, next) = self.take_due();
            for event in due {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (runner, state) = (self.clone(), state.clone());
                tokio::spawn(async move {
                    runner.attempt(&state, event).await;
                    drop(permit);
                });
            }
            let wait = next.map_or(Duration::from_secs(3600), |at| {
                Duration::from_millis((at - now_ms()).max(0) as u64)
            });
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn retry_later(&self, mut event: QueuedEvent, after: Duration, counts: bool) {
        if counts {
            event.attempts += 1;
        }
        event.next_attempt_ms = now_ms() + after.as_millis() as i64;
        self.queue
            .reschedule(&event.id, event.attempts, event.next_attempt_ms);
        self.schedule(event);
    }

    async fn attempt(self: &Arc<Self>, state: &Arc<AppState>, event: QueuedEvent) {
        let r = FunctionRef {
            name: event.function.clone(),
            qualifier: event.qualifier.clone(),
        };
        let Ok(resolved) = state.lookup(&r) else {
            tracing::info!(event = %event.id, function = %event.function, "dropping an event of a deleted function or version");
            self.queue.remove(&event.id);
            return;
        };
        let qualifier = event
            .qualifier
            .clone()
            .unwrap_or_else(|| LATEST.to_string());
        let settings: EventInvokeConfig = resolved
            .record
            .event_configs
            .get(&qualifier)
            .map(|c| (**c).clone())
            .unwrap_or_default();
        // With reserved concurrency 0 the function can never run: AWS sends
        // the event to the failure destination at once, without retrying.
        if resolved.record.reserved_concurrency == Some(0) {
            self.finish(state, &event, &settings, "ZeroReservedConcurrency", None)
                .await;
            return;
        }
        let age_ms = now_ms() - event.enqueued_ms;
        if age_ms > i64::from(settings.max_event_age_s()) * 1000 {
            self.finish(state, &event, &settings, "EventAgeExceeded", None)
                .await;
            return;
        }
        let config = match event.qualifier.as_deref() {
            Some(q)
                if resolved
                    .alias
                    .as_ref()
                    .is_some_and(|a| !a.routing.is_empty()) =>
            {
                let alias = resolved
                    .alias
                    .as_ref()
                    .map(|a| a.pick_version(rand::random::<f64>()).to_string());
                let _ = q;
                alias
                    .and_then(|v| resolved.record.version(&v).cloned())
                    .unwrap_or(resolved.config.clone())
            }
            _ => resolved.config.clone(),
        };
        let invoked_arn = match &event.qualifier {
            Some(q) => state.partition.qualified_arn(&event.function, q),
            None => state.partition.function_arn(&event.function),
        };
        let result = state
            .invoker
            .invoke(InvokeRequest {
                request_id: event.id.clone(),
                config,
                invoked_arn,
                payload: Bytes::from(event.payload.clone()),
                client_context: None,
                tail: false,
                stream: None,
            })
            .await;
        match result {
            Ok(r) if r.function_error.is_none() => {
                self.finish(state, &event, &settings, "Success", Some(&r))
                    .await;
            }
            Ok(r) => {
                if event.attempts >= settings.max_retries() {
                    self.finish(state, &event, &settings, "RetriesExhausted", Some(&r))
                        .await;
                } else {
                    let delay = self.settings.retry_delay * (event.attempts + 1);
                    tracing::info!(event = %event.id, attempt = event.attempts + 1, "asynchronous invocation failed; retrying");
                    self.retry_later(event, delay, true);
                }
            }
            Err(InvokeError::Throttled(_)) | Err(InvokeError::Internal(_)) => {
                // Throttles and system errors retry with backoff until the
                // event is too old; they don't count as attempts.
                let backoff =
                    Duration::from_millis((1000u64 << event.attempts.min(8)).min(5 * 60 * 1000));
                self.retry_later(event, backoff.min(Duration::from_secs(1)), false);
            }
            Err(InvokeError::InvalidRuntime(m)) => {
                tracing::warn!(event = %event.id, "{m}");
                self.finish(state, &event, &settings, "RetriesExhausted", None)
                    .await;
            }
        }
    }

    /// Ends an event: sends the invocation record to its destination, if
    /// one is configured for this outcome, and forgets the event.
    async fn finish(
        self: &Arc<Self>,
        state: &Arc<AppState>,
        event: &QueuedEvent,
        settings: &EventInvokeConfig,
        condition: &str,
        result: Option<&InvokeResult>,
    ) {
        let destination = if condition == "Success" {
            settings.on_success.as_ref()
        } else {
            settings.on_failure.as_ref()
        };
        if condition != "Success" {
            self.dead_letter(state, event, result).await;
        }
        if let Some(dest) = destination.filter(|d| d.starts_with("arn:aws:sqs:")) {
            let record = invocation_record(state, event, condition, result);
            if let Err(e) = state
                .mappings
                .queues()
                .send(dest, record.to_string(), Vec::new())
                .await
            {
                tracing::warn!(destination = %dest, error = %e, "cannot send an invocation record to its queue");
            }
        } else if let Some(dest) = destination {
            let record = invocation_record(state, event, condition, result);
            match parse_function_ref(dest, None, NameShape::Namespaced, &state.partition) {
                Ok(r) => {
                    if let Err(e) = self
                        .accept(
                            uuid::Uuid::new_v4().to_string(),
                            r.name,
                            r.qualifier,
                            Bytes::from(record.to_string()),
                        )
                        .await
                    {
                        tracing::warn!(destination = %dest, error = %e, "cannot queue an invocation record");
                    }
                }
                Err(e) => tracing::warn!(destination = %dest, error = %e, "bad destination"),
            }
        } else if condition != "Success" {
            tracing::info!(event = %event.id, function = %event.function, condition, "asynchronous invocation dropped");
        }
        // The event is forgotten only once its run's log is safely written.
        state.invoker.logs_flushed().await;
        self.queue.remove(&event.id);
    }
}

impl AsyncRunner {
    /// Sends a failed event to the function's dead-letter queue, if it has
    /// one: the event as the body, with AWS's RequestID, ErrorCode and
    /// ErrorMessage attributes.
    async fn dead_letter(
        &self,
        state: &Arc<AppState>,
        event: &QueuedEvent,
        result: Option<&InvokeResult>,
    ) {
        let Some(record) = state.store.get(&event.function) else {
            return;
        };
        let Some(target) = record.latest.dead_letter_target.clone() else {
            return;
        };
        if !target.starts_with("arn:aws:sqs:") {
            tracing::warn!(target = %target, "lambdalite delivers dead letters to SQS queues only");
            return;
        }
        let message = result
            .and_then(|r| serde_json::from_slice::<Value>(&r.payload).ok())
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "The event could not be processed.".into());
        let attributes = vec![
            (
                "RequestID".to_string(),
                "String".to_string(),
                event.id.clone(),
            ),
            (
                "ErrorCode".to_string(),
                "Number".to_string(),
                "200".to_string(),
            ),
            ("ErrorMessage".to_string(), "String".to_string(), message),
        ];
        let body = String::from_utf8_lossy(&event.payload).into_owned();
        if let Err(e) = state
            .mappings
            .queues()
            .send(&target, body, attributes)
            .await
        {
            tracing::warn!(target = %target, error = %e, "cannot send a failed event to its dead-letter queue");
        }
    }
}

/// AWS's invocation record, as destinations receive it.
fn invocation_record(
    state: &AppState,
    event: &QueuedEvent,
    condition: &str,
    result: Option<&InvokeResult>,
) -> Value {
    let function_arn = match &event.qualifier {
        Some(q) => state.partition.qualified_arn(&event.function, q),
        None => state.partition.qualified_arn(&event.function, LATEST),
    };
    let request_payload: Value = serde_json::from_slice(&event.payload).unwrap_or(Value::Null);
    let mut record = json!({
        "version": "1.0",
        "timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "requestContext": {
            "requestId": event.id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": event.attempts + u32::from(result.is_some()),
        },
        "requestPayload": request_payload,
    });
    // Only a run has a response; an event that never ran has neither.
    if let Some(r) = result {
        let mut response_context = json!({
            "statusCode": 200,
            "executedVersion": r.executed_version,
        });
        if let Some(e) = r.function_error {
            response_context["functionError"] = json!(e);
        }
        record["responseContext"] = response_context;
        record["responsePayload"] = serde_json::from_slice(&r.payload).unwrap_or(Value::Null);
    }
    record
}

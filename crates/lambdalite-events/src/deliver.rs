//! Deliveries of the push services (SNS subscriptions, EventBridge
//! targets, schedules): one message to one endpoint — a function (an
//! asynchronous invoke its policy must allow), a queue, an HTTP endpoint
//! or a topic — retried by the sender's policy until it lands, fails for
//! good, or grows too old.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::{BoxFuture, Functions, Queues};

/// Where a delivery goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Endpoint {
    /// A function ARN, perhaps qualified: an asynchronous invoke.
    Function(String),
    /// A queue ARN.
    Queue(String),
    /// An `http://` or `https://` URL: a POST.
    Http(String),
    /// A topic ARN: a publish.
    Topic(String),
}

/// One message for one endpoint.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub endpoint: Option<Endpoint>,
    pub body: String,
    /// Message attributes for a queue: (name, data type, value).
    pub attributes: Vec<(String, String, String)>,
    /// A FIFO queue's message group and deduplication id.
    pub group: Option<(String, String)>,
    /// Headers for an HTTP endpoint.
    pub headers: Vec<(String, String)>,
    /// Subject, for a topic.
    pub subject: Option<String>,
    /// The service principal a function's policy must allow
    /// (`sns.amazonaws.com`), from `source_arn`.
    pub principal: String,
    pub source_arn: String,
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// Whether trying again may succeed (throttles, the endpoint down);
    /// client errors (no such function, no permission) are not retried.
    pub retryable: bool,
    pub reason: String,
    /// What kind of failure, in the words EventBridge's dead letters use
    /// (`NO_PERMISSIONS`, `RESOURCE_NOT_FOUND`, ...), when known.
    pub kind: Option<&'static str>,
}

impl DeliveryError {
    pub fn retry(reason: impl Into<String>) -> DeliveryError {
        DeliveryError {
            retryable: true,
            reason: reason.into(),
            kind: None,
        }
    }

    pub fn fatal(reason: impl Into<String>) -> DeliveryError {
        DeliveryError {
            retryable: false,
            reason: reason.into(),
            kind: None,
        }
    }

    /// The same failure, of kind `kind`.
    pub fn of_kind(mut self, kind: &'static str) -> DeliveryError {
        self.kind = Some(kind);
        self
    }

    /// The failure's kind, as dead letters report it.
    pub fn code(&self) -> &'static str {
        self.kind.unwrap_or(if self.retryable {
            "THROTTLING"
        } else {
            "SDK_CLIENT_ERROR"
        })
    }
}

/// Topics an EventBridge target or a schedule may publish to.
pub trait Topics: Send + Sync {
    fn publish(
        &self,
        topic_arn: &str,
        message: String,
        subject: Option<String>,
    ) -> BoxFuture<'_, Result<(), DeliveryError>>;
    /// Whether the topic exists.
    fn exists(&self, topic_arn: &str) -> bool;
}

/// How a sender retries: `immediate` retries at once, then waits that
/// double from `min_delay` up to `max_delay`, `retries` in all, while the
/// message is younger than `max_age`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub retries: u32,
    pub immediate: u32,
    pub min_delay: Duration,
    pub max_delay: Duration,
    pub max_age: Duration,
}

impl RetryPolicy {
    /// The wait before retry `n` (1-based); `None` past the last.
    pub fn delay(&self, n: u32) -> Option<Duration> {
        if n == 0 || n > self.retries {
            return None;
        }
        if n <= self.immediate {
            return Some(Duration::ZERO);
        }
        let doublings = (n - self.immediate - 1).min(30);
        Some(
            self.min_delay
                .saturating_mul(1u32 << doublings)
                .min(self.max_delay),
        )
    }
}

/// Delivers to every kind of endpoint.
pub struct Deliverer {
    queues: Arc<dyn Queues>,
    functions: OnceLock<Arc<dyn Functions>>,
    topics: OnceLock<Arc<dyn Topics>>,
    http: reqwest::Client,
}

impl Deliverer {
    pub fn new(queues: Arc<dyn Queues>) -> Arc<Deliverer> {
        Arc::new(Deliverer {
            queues,
            functions: OnceLock::new(),
            topics: OnceLock::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        })
    }

    /// Says how functions run (once, when the API exists).
    pub fn set_functions(&self, functions: Arc<dyn Functions>) {
        let _ = self.functions.set(functions);
    }

    /// Says how topics are published to (once, when SNS exists).
    pub fn set_topics(&self, topics: Arc<dyn Topics>) {
        let _ = self.topics.set(topics);
    }

    pub fn queues(&self) -> &Arc<dyn Queues> {
        &self.queues
    }

    /// Whether a queue exists.
    pub fn queue_exists(&self, arn: &str) -> bool {
        self.queues.exists(arn)
    }

    /// Whether a topic exists.
    pub fn topic_exists(&self, arn: &str) -> bool {
        self.topics.get().is_some_and(|t| t.exists(arn))
    }

    /// Whether a function exists and lets `principal` invoke it for
    /// `source_arn`.
    pub fn function_permits(&self, arn: &str, principal: &str, source_arn: &str) -> bool {
        self.functions
            .get()
            .is_some_and(|f| f.permits(arn, principal, source_arn))
    }

    /// One attempt.
    pub async fn deliver(&self, d: &Delivery) -> Result<(), DeliveryError> {
        match &d.endpoint {
            None => Err(DeliveryError::fatal("no endpoint")),
            Some(Endpoint::Function(arn)) => {
                let Some(functions) = self.functions.get() else {
                    return Err(DeliveryError::retry("functions are not running yet"));
                };
                functions
                    .invoke_async(arn, d.body.clone().into(), &d.principal, &d.source_arn)
                    .await
            }
            Some(Endpoint::Queue(arn)) => {
                if !self.queues.exists(arn) {
                    return Err(DeliveryError::fatal(format!("queue {arn} does not exist"))
                        .of_kind("RESOURCE_NOT_FOUND"));
                }
                let sent = match &d.group {
                    Some((group, dedup)) => {
                        self.queues
                            .send_grouped(
                                arn,
                                d.body.clone(),
                                d.attributes.clone(),
                                group.clone(),
                                dedup.clone(),
                            )
                            .await
                    }
                    None => {
                        self.queues
                            .send(arn, d.body.clone(), d.attributes.clone())
                            .await
                    }
                };
                sent.map_err(DeliveryError::retry)
            }
            Some(Endpoint::Http(url)) => {
                let mut req = self.http.post(url).body(d.body.clone());
                for (k, v) in &d.headers {
                    req = req.header(k, v);
                }
                match req.send().await {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(DeliveryError::retry(format!(
                        "HTTP {}",
                        r.status().as_u16()
                    ))),
                    Err(e) => Err(DeliveryError::retry(e.to_string())),
                }
            }
            Some(Endpoint::Topic(arn)) => {
                let Some(topics) = self.topics.get() else {
                    return Err(DeliveryError::retry("topics are not served"));
                };
                topics.publish(arn, d.body.clone(), d.subject.clone()).await
            }
        }
    }

    /// Attempts until one succeeds, a failure is not retryable, the
    /// policy has no more retries, or the message is older than the
    /// policy allows (counting from `since`). The last error when it
    /// never landed.
    pub async fn deliver_with_retries(
        &self,
        d: &Delivery,
        policy: RetryPolicy,
        since: Instant,
    ) -> Result<(), DeliveryError> {
        let mut retry = 0;
        loop {
            let err = match self.deliver(d).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if !err.retryable {
                return Err(err);
            }
            retry += 1;
            let Some(wait) = policy.delay(retry) else {
                return Err(err);
            };
            if since.elapsed() + wait > policy.max_age {
                return Err(err);
            }
            tracing::debug!(endpoint = ?d.endpoint, retry, reason = %err.reason, "delivery retried");
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Mutex;

    use crate::QueueMessage;

    #[derive(Default)]
    struct FlakyQueue {
        fails: AtomicU32,
        sent: Mutex<Vec<String>>,
    }

    impl Queues for FlakyQueue {
        fn receive(
            &self,
            _: &str,
            _: usize,
            _: i64,
        ) -> BoxFuture<'_, Result<Vec<QueueMessage>, String>> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn delete(&self, _: &str, _: Vec<String>) -> BoxFuture<'_, ()> {
            Box::pin(async {})
        }
        fn send(
            &self,
            _: &str,
            body: String,
            _: Vec<(String, String, String)>,
        ) -> BoxFuture<'_, Result<(), String>> {
            Box::pin(async move {
                if self.fails.load(Ordering::SeqCst) > 0 {
                    self.fails.fetch_sub(1, Ordering::SeqCst);
                    return Err("busy".into());
                }
                self.sent.lock().unwrap().push(body);
                Ok(())
            })
        }
        fn exists(&self, arn: &str) -> bool {
            arn == "q"
        }
        fn is_fifo(&self, _: &str) -> bool {
            false
        }
    }

    #[test]
    fn delays_start_at_once_then_double_to_the_cap() {
        let p = RetryPolicy {
            retries: 6,
            immediate: 2,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(3),
            max_age: Duration::from_secs(60),
        };
        let got: Vec<_> = (1..=7).map(|n| p.delay(n).map(|d| d.as_secs())).collect();
        assert_eq!(
            got,
            [Some(0), Some(0), Some(1), Some(2), Some(3), Some(3), None]
        );
    }

    #[tokio::test]
    async fn retries_until_delivered_or_out_of_retries() {
        let q = Arc::new(FlakyQueue::default());
        let d = Deliverer::new(q.clone());
        let msg = Delivery {
            endpoint: Some(Endpoint::Queue("q".into())),
            body: "hello".into(),
            ..Delivery::default()
        };
        let policy = RetryPolicy {
            retries: 3,
            immediate: 0,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            max_age: Duration::from_secs(60),
        };
        q.fails.store(2, Ordering::SeqCst);
        d.deliver_with_retries(&msg, policy, Instant::now())
            .await
            .unwrap();
        assert_eq!(q.sent.lock().unwrap().as_slice(), ["hello"]);
        q.fails.store(10, Ordering::SeqCst);
        let e = d
            .deliver_with_retries(&msg, policy, Instant::now())
            .await
            .unwrap_err();
        assert!(e.retryable);
        // Four attempts: the first and three retries.
        assert_eq!(q.fails.load(Ordering::SeqCst), 6);
        // A missing queue is not retried.
        let missing = Delivery {
            endpoint: Some(Endpoint::Queue("nope".into())),
            ..msg
        };
        let e = d
            .deliver_with_retries(&missing, policy, Instant::now())
            .await
            .unwrap_err();
        assert!(!e.retryable);
    }
}

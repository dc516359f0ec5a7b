//! Durable deliveries: what a service has accepted (an event put, a
//! schedule's fire) is committed as parcels in its documents before it
//! answers, then delivered with the sender's retries; a parcel that never
//! lands goes to its dead-letter queue; a parcel is deleted once done.
//! Parcels still in the store at start are delivered again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lambdalite_store::docs::{DocOp, DocStore};
use serde::{Deserialize, Serialize};

use crate::{Deliverer, Delivery, DeliveryError, Endpoint, RetryPolicy};

/// One message for one endpoint, as it is kept until delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parcel {
    pub id: String,
    pub endpoint: Endpoint,
    pub body: String,
    #[serde(default)]
    pub attributes: Vec<(String, String, String)>,
    #[serde(default)]
    pub group: Option<(String, String)>,
    #[serde(default)]
    pub subject: Option<String>,
    pub principal: String,
    pub source_arn: String,
    /// Retries after the first attempt.
    pub retries: u32,
    pub max_age_secs: u64,
    pub created_ms: i64,
    #[serde(default)]
    pub dead_letter: Option<DeadLetter>,
}

/// Where a parcel that never landed goes, and how it is labelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadLetter {
    pub queue_arn: String,
    /// String message attributes: (name, value).
    pub attributes: Vec<(String, String)>,
    /// The attribute names for the failure's code and message, if the
    /// service reports them.
    pub error_code_attribute: Option<String>,
    pub error_message_attribute: Option<String>,
}

/// The parcels of one service.
pub struct Outbox {
    store: DocStore,
    kind: &'static str,
    deliverer: Arc<Deliverer>,
    /// The first retry's wait, doubling up to `max_delay`.
    pub min_delay: Duration,
    pub max_delay: Duration,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Outbox {
    /// Parcels are documents of `kind` in `store`.
    pub fn new(store: DocStore, kind: &'static str, deliverer: Arc<Deliverer>) -> Arc<Outbox> {
        Arc::new(Outbox {
            store,
            kind,
            deliverer,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        })
    }

    pub fn deliverer(&self) -> &Arc<Deliverer> {
        &self.deliverer
    }

    /// Commits `parcels` with `also` (the service's own changes, such as
    /// a schedule's last fire) in one transaction, then delivers them.
    pub async fn post(
        self: &Arc<Self>,
        parcels: Vec<Parcel>,
        also: Vec<DocOp>,
    ) -> Result<(), String> {
        let mut ops: Vec<DocOp> = parcels
            .iter()
            .map(|p| DocOp::put_json(self.kind, &p.id, p))
            .collect();
        ops.extend(also);
        if !ops.is_empty() {
            commit(&self.store, DocOp::Batch(ops)).await?;
        }
        for p in parcels {
            self.spawn(p);
        }
        Ok(())
    }

    /// Delivers parcels found in the store at start.
    pub fn resume(self: &Arc<Self>, parcels: Vec<Parcel>) {
        if !parcels.is_empty() {
            tracing::info!(
                kind = self.kind,
                parcels = parcels.len(),
                "resuming deliveries"
            );
        }
        for p in parcels {
            self.spawn(p);
        }
    }

    fn spawn(self: &Arc<Self>, p: Parcel) {
        let me = self.clone();
        tokio::spawn(async move { me.deliver(p).await });
    }

    async fn deliver(self: Arc<Self>, p: Parcel) {
        let delivery = Delivery {
            endpoint: Some(p.endpoint.clone()),
            body: p.body.clone(),
            attributes: p.attributes.clone(),
            group: p.group.clone(),
            headers: Vec::new(),
            subject: p.subject.clone(),
            principal: p.principal.clone(),
            source_arn: p.source_arn.clone(),
        };
        let policy = RetryPolicy {
            retries: p.retries,
            immediate: 0,
            min_delay: self.min_delay,
            max_delay: self.max_delay,
            max_age: Duration::from_secs(p.max_age_secs),
        };
        let age = Duration::from_millis((now_ms() - p.created_ms).max(0) as u64);
        let since = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        if let Err(e) = self
            .deliverer
            .deliver_with_retries(&delivery, policy, since)
            .await
        {
            tracing::info!(endpoint = ?p.endpoint, reason = %e.reason, "a delivery failed for good");
            if let Some(dl) = &p.dead_letter {
                self.dead_letter(&p, dl, &e).await;
            }
        }
        let _ = self.store.apply_later(DocOp::delete(self.kind, &p.id));
    }

    async fn dead_letter(&self, p: &Parcel, dl: &DeadLetter, e: &DeliveryError) {
        let mut attributes: Vec<(String, String, String)> = dl
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), "String".to_string(), v.clone()))
            .collect();
        if let Some(name) = &dl.error_code_attribute {
            attributes.push((name.clone(), "String".into(), e.code().to_string()));
        }
        if let Some(name) = &dl.error_message_attribute {
            attributes.push((name.clone(), "String".into(), e.reason.clone()));
        }
        let dead = Delivery {
            endpoint: Some(Endpoint::Queue(dl.queue_arn.clone())),
            body: p.body.clone(),
            attributes,
            ..Delivery::default()
        };
        if let Err(e) = self.deliverer.deliver(&dead).await {
            tracing::warn!(queue = %dl.queue_arn, reason = %e.reason, "a dead letter was not kept");
        }
    }
}

/// Applies `op` durably, waiting without blocking the runtime.
pub async fn commit(store: &DocStore, op: DocOp) -> Result<(), String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    store
        .apply_then(
            op,
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        )
        .map_err(|e| e.to_string())?;
    rx.await.map_err(|e| e.to_string())?
}

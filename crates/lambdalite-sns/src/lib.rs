//! SNS-compatible topics on lambdalite's shared listener.
//!
//! Owns: standard and FIFO topics with AWS's attributes and defaults;
//! subscriptions of functions, queues and HTTP endpoints (with the
//! SubscriptionConfirmation handshake), their attributes (raw delivery,
//! filter policies, redrive to a dead-letter queue); Publish and
//! PublishBatch, with message attributes and per-protocol messages; the
//! messages' shapes (the Lambda record, the JSON envelope) and their
//! signatures with a key of lambdalite's own; the query protocol with
//! AWS's error codes. A published message is durable for each
//! subscription it is for before Publish answers (lambdalite-store's
//! documents), and is delivered after a crash.
//!
//! Does not: run functions or keep queues (it delivers through
//! lambdalite-events' [`Deliverer`](lambdalite_events::Deliverer), which
//! does the invoking, sending, posting and retrying), match patterns (the
//! events room's matcher does), or verify request signatures (the
//! listener does).

mod attributes;
mod error;
mod filter;
pub mod model;
mod service;
pub mod sign;
mod wire;

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use lambdalite_events::{BoxFuture, DeliveryError};
use lambdalite_protocol::query::{self, Params};

pub use error::SnsError;
pub use service::{PublishInput, Published, Sns, HTTP_RETRY, MANAGED_RETRY};

/// The query protocol's XML namespace for SNS.
pub const XMLNS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

/// One SNS request as the listener hands it over.
pub struct SnsRequest<'a> {
    /// The address the caller used (`http://host:port`): the URLs in
    /// messages are built on it.
    pub base: &'a str,
    pub url_query: Option<&'a str>,
    pub body: &'a Bytes,
    pub request_id: &'a str,
}

/// The actions a URL in a message may carry unsigned (an HTTP endpoint
/// confirming, a reader unsubscribing).
pub fn is_url_action(query: Option<&str>) -> bool {
    let p = Params::parse(query.unwrap_or_default());
    matches!(p.get("Action"), Some("ConfirmSubscription" | "Unsubscribe"))
        && (p.get("Token").is_some() || p.get("SubscriptionArn").is_some())
}

/// Serves one SNS request.
pub async fn handle(sns: &Arc<Sns>, req: SnsRequest<'_>) -> Response<Bytes> {
    let mut params = Params::parse(&String::from_utf8_lossy(req.body));
    if let Some(q) = req.url_query {
        params.0.extend(Params::parse(q).0);
    }
    let Some(action) = params.get("Action").map(str::to_string) else {
        let e = SnsError::invalid("The request must contain the parameter Action.")
            .with_message("Missing Action");
        return query::error(XMLNS, req.request_id, &e.to_service_error());
    };
    match wire::execute(sns, &action, &params, req.base).await {
        Ok(out) => {
            let write = out.map(|w| move |x: &mut lambdalite_protocol::xml::Xml| w(x));
            let result: Option<&dyn Fn(&mut lambdalite_protocol::xml::Xml)> =
                write.as_ref().map(|w| w as _);
            query::answer(&action, XMLNS, req.request_id, result)
        }
        Err(e) => query::error(XMLNS, req.request_id, &e.to_service_error()),
    }
}

/// SNS as EventBridge targets and schedules publish to it.
impl lambdalite_events::Topics for Sns {
    fn publish(
        &self,
        topic_arn: &str,
        message: String,
        subject: Option<String>,
    ) -> BoxFuture<'_, Result<(), DeliveryError>> {
        let arn = topic_arn.to_string();
        Box::pin(async move {
            let Some(me) = self.me() else {
                return Err(DeliveryError::retry("SNS is stopping"));
            };
            let topic = me
                .topic(&arn)
                .map_err(|e| DeliveryError::fatal(e.message))?;
            let input = PublishInput {
                message: Some(message),
                subject,
                attributes: BTreeMap::new(),
                group_id: topic.is_fifo().then(|| "default".to_string()),
                ..PublishInput::default()
            };
            let base = me.default_base().to_string();
            me.publish_many(&arn, vec![input], &base)
                .await
                .map(drop)
                .map_err(|e| DeliveryError::retry(e.message))
        })
    }

    fn exists(&self, topic_arn: &str) -> bool {
        self.me().is_some_and(|me| me.topic(topic_arn).is_ok())
    }
}

//! SQS-compatible queues on lambdalite's shared listener.
//!
//! Owns: queues (standard and FIFO) with AWS's attributes, defaults and
//! limits; messages with their attributes and MD5 digests, visibility,
//! delays, retention, long polling, redrive to dead-letter queues, FIFO
//! groups and deduplication; both protocols SDKs use (JSON 1.0 with
//! `x-amzn-query-error`, and the query protocol with XML answers), with
//! AWS's error codes. Every change a response confirms is durable first
//! (through lambdalite-store's SQS tables).
//!
//! Does not: poll queues for functions (lambdalite-events does, through
//! [`Sqs`]'s methods), or verify signatures (the listener does).

mod attributes;
mod error;
pub mod message;
mod queue;
mod service;
pub mod wire;

use bytes::Bytes;
use http::Response;
use lambdalite_protocol::query::Params;
use lambdalite_protocol::{json, query, Protocol};

pub use error::SqsError;
pub use service::{queue_name_of, ReceiveInput, Received, SendInput, Sent, Sqs};

/// The query protocol's XML namespace for SQS.
const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";
/// The JSON protocol's error namespace.
const NAMESPACE: &str = "com.amazonaws.sqs";

/// Serves one SQS request. `operation` is `X-Amz-Target`'s for the JSON
/// protocol; the query protocol's `Action` is read from `body` (or the
/// URL's query). `base` is the address the caller used (queue URLs are
/// built on it) and `path` the request's path (a query request may be
/// posted to its queue's URL).
pub async fn handle(
    sqs: &Sqs,
    protocol: Protocol,
    operation: Option<&str>,
    base: &str,
    path: &str,
    url_query: Option<&str>,
    body: &Bytes,
    request_id: &str,
) -> Response<Bytes> {
    let caller = wire::Caller { base };
    match protocol {
        Protocol::Json10 | Protocol::Json11 => {
            let op = operation.unwrap_or("");
            let input: serde_json::Value = if body.is_empty() {
                serde_json::json!({})
            } else {
                match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(e) => {
                        let err =
                            SqsError::Serialization(format!("Could not parse the request: {e}"));
                        return json::error(
                            protocol,
                            NAMESPACE,
                            true,
                            request_id,
                            &err.to_service_error(),
                        );
                    }
                }
            };
            match wire::execute(sqs, &caller, op, &input).await {
                Ok(out) => json::answer(protocol, request_id, &out),
                Err(e) => json::error(protocol, NAMESPACE, true, request_id, &e.to_service_error()),
            }
        }
        Protocol::Query => {
            let mut params = Params::parse(&String::from_utf8_lossy(body));
            if let Some(q) = url_query {
                params.0.extend(Params::parse(q).0);
            }
            let Some(action) = params.get("Action").map(str::to_string) else {
                let e = SqsError::MissingParameter(
                    "The request must contain the parameter Action.".into(),
                );
                return query::error(XMLNS, request_id, &e.to_service_error());
            };
            let path_queue =
                lambdalite_protocol::dispatch::is_queue_path(path).then(|| format!("{base}{path}"));
            let input = wire::from_query(&params, path_queue);
            match wire::execute(sqs, &caller, &action, &input).await {
                Ok(out) => {
                    let empty = out.as_object().is_none_or(|o| o.is_empty());
                    let has_result = !matches!(
                        action.as_str(),
                        "DeleteQueue"
                            | "PurgeQueue"
                            | "SetQueueAttributes"
                            | "TagQueue"
                            | "UntagQueue"
                            | "DeleteMessage"
                            | "ChangeMessageVisibility"
                    );
                    let write =
                        |x: &mut lambdalite_protocol::xml::Xml| wire::to_xml(&action, &out, x);
                    let result: Option<&dyn Fn(&mut lambdalite_protocol::xml::Xml)> =
                        if has_result || !empty {
                            Some(&write)
                        } else {
                            None
                        };
                    query::answer(&action, XMLNS, request_id, result)
                }
                Err(e) => query::error(XMLNS, request_id, &e.to_service_error()),
            }
        }
    }
}

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

/// One SQS request as the listener hands it over.
pub struct SqsRequest<'a> {
    pub protocol: Protocol,
    /// `X-Amz-Target`'s operation (JSON); the query protocol's `Action`
    /// is read from the body (or the URL's query).
    pub operation: Option<&'a str>,
    /// The address the caller used (`http://host:port`): queue URLs are
    /// built on it.
    pub base: &'a str,
    /// The request's path: a query request may be posted to its queue's URL.
    pub path: &'a str,
    pub url_query: Option<&'a str>,
    pub body: &'a Bytes,
    pub request_id: &'a str,
    /// `X-Amzn-Trace-Id`, if the request had one.
    pub trace_header: Option<&'a str>,
}

/// Serves one SQS request.
pub async fn handle(sqs: &Sqs, req: SqsRequest<'_>) -> Response<Bytes> {
    let SqsRequest {
        protocol,
        operation,
        base,
        path,
        url_query,
        body,
        request_id,
        trace_header,
    } = req;
    let caller = wire::Caller {
        base,
        trace_header,
        query: protocol == Protocol::Query,
    };
    match protocol {
        Protocol::Json10 | Protocol::Json11 | Protocol::RestJson => {
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
            // A queue's URL takes the operations on that queue only.
            if path_queue.is_some() && matches!(action.as_str(), "CreateQueue" | "ListQueues") {
                let e = SqsError::InvalidAction(action.clone());
                return query::error(XMLNS, request_id, &e.to_service_error());
            }
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
                Err(e) => {
                    let mut se = e.to_service_error();
                    if e == SqsError::QueueDoesNotExist {
                        se.message =
                            "The specified queue does not exist for this wsdl version.".into();
                    }
                    query::error(XMLNS, request_id, &se)
                }
            }
        }
    }
}

/// SQS as event source mappings poll it.
impl lambdalite_events::Queues for Sqs {
    fn receive(
        &self,
        queue_arn: &str,
        max: usize,
        wait_seconds: i64,
    ) -> lambdalite_events::BoxFuture<'_, Result<Vec<lambdalite_events::QueueMessage>, String>>
    {
        let arn = queue_arn.to_string();
        Box::pin(async move {
            let got = Sqs::receive(
                self,
                &arn,
                ReceiveInput {
                    max: Some(max.clamp(1, 10) as i64),
                    wait_seconds: Some(wait_seconds),
                    system_attribute_names: vec!["All".into()],
                    attribute_names: vec!["All".into()],
                    ..ReceiveInput::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(got
                .into_iter()
                .map(|r| lambdalite_events::QueueMessage {
                    message_id: r.message_id,
                    receipt_handle: r.receipt_handle,
                    body: r.body,
                    md5_of_body: r.md5_of_body,
                    md5_of_message_attributes: r.md5_of_attributes,
                    attributes: r.system_attributes,
                    message_attributes: r
                        .attributes
                        .into_iter()
                        .map(|(k, v)| (k, (v.data_type, v.string_value, v.binary_value)))
                        .collect(),
                })
                .collect())
        })
    }

    fn delete(
        &self,
        queue_arn: &str,
        receipt_handles: Vec<String>,
    ) -> lambdalite_events::BoxFuture<'_, ()> {
        let arn = queue_arn.to_string();
        Box::pin(async move {
            for h in receipt_handles {
                if let Err(e) = self.delete_message(&arn, &h).await {
                    tracing::warn!(queue = %arn, error = %e, "deleting a processed message");
                }
            }
        })
    }

    fn send(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, String, String)>,
    ) -> lambdalite_events::BoxFuture<'_, Result<(), String>> {
        let arn = queue_arn.to_string();
        Box::pin(async move {
            let attributes = string_attributes(attributes);
            Sqs::send(
                self,
                &arn,
                SendInput {
                    body,
                    attributes,
                    ..SendInput::default()
                },
            )
            .await
            .map(drop)
            .map_err(|e| e.to_string())
        })
    }

    fn send_grouped(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, String, String)>,
        group: String,
        dedup_id: String,
    ) -> lambdalite_events::BoxFuture<'_, Result<(), String>> {
        let arn = queue_arn.to_string();
        Box::pin(async move {
            let fifo = arn.ends_with(".fifo");
            Sqs::send(
                self,
                &arn,
                SendInput {
                    body,
                    attributes: string_attributes(attributes),
                    group_id: fifo.then_some(group),
                    dedup_id: fifo.then_some(dedup_id),
                    ..SendInput::default()
                },
            )
            .await
            .map(drop)
            .map_err(|e| e.to_string())
        })
    }

    fn exists(&self, queue_arn: &str) -> bool {
        self.queue(queue_arn).is_ok()
    }

    fn is_fifo(&self, queue_arn: &str) -> bool {
        self.queue(queue_arn)
            .is_ok_and(|q| q.name.ends_with(".fifo"))
    }
}

/// Message attributes given as (name, data type, value); a `Binary` one's
/// value is base64.
fn string_attributes(attributes: Vec<(String, String, String)>) -> message::Attributes {
    attributes
        .into_iter()
        .map(|(name, data_type, value)| {
            let binary = data_type.starts_with("Binary");
            (
                name,
                message::AttributeValue {
                    data_type,
                    string_value: (!binary).then_some(value.clone()),
                    binary_value: binary.then_some(value),
                },
            )
        })
        .collect()
}

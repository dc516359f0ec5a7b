//! EventBridge Scheduler-compatible schedules on lambdalite's shared
//! listener (rest-json: `/schedules`, `/schedule-groups`, `/tags`).
//!
//! Owns: schedule groups and schedules (`at`, `rate` and `cron`
//! expressions in a time zone, start and end dates, flexible time
//! windows, Lambda, SQS and SNS targets with their input, retry policy
//! and dead-letter queue, ActionAfterCompletion), their fires (each made
//! durable with its delivery, so a restart neither loses nor repeats
//! one), tags on groups, and AWS's errors.
//!
//! Does not: tell when an expression fires or sleep until then (the
//! events room's `schedule`), deliver or retry (the events room's outbox
//! and deliverer), or verify signatures (the listener does). A
//! schedule's role is recorded, not assumed.

mod service;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, Response};
use lambdalite_protocol::json::ServiceError;
use serde_json::Value;

pub use service::{Query, Scheduler, DEFAULT_GROUP};

/// One Scheduler request as the listener hands it over.
pub struct SchedulerRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub body: &'a Bytes,
    pub request_id: &'a str,
}

/// Serves one request.
pub async fn handle(s: &Arc<Scheduler>, req: SchedulerRequest<'_>) -> Response<Bytes> {
    let result = route(s, &req).await;
    match result {
        Ok(v) => answer(http::StatusCode::OK, req.request_id, &v),
        Err(e) => error(req.request_id, &e),
    }
}

async fn route(s: &Scheduler, req: &SchedulerRequest<'_>) -> Result<Value, ServiceError> {
    let input: Value = if req.body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(req.body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| service::validation("The request body is not valid JSON."))?
    };
    let query = Query::parse(req.query);
    let segments: Vec<String> = req
        .path
        .trim_start_matches('/')
        .splitn(2, '/')
        .map(lambdalite_protocol::dispatch::percent_decode)
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (req.method.clone(), seg.as_slice()) {
        (Method::GET, ["schedules"]) => s.list_schedules(&query),
        (Method::POST, ["schedules", name]) => s.create_schedule(name, &input).await,
        (Method::PUT, ["schedules", name]) => s.update_schedule(name, &input).await,
        (Method::GET, ["schedules", name]) => s.get_schedule(name, &query),
        (Method::DELETE, ["schedules", name]) => s.delete_schedule(name, &query).await,
        (Method::GET, ["schedule-groups"]) => s.list_groups(&query),
        (Method::POST, ["schedule-groups", name]) => s.create_group(name, &input).await,
        (Method::GET, ["schedule-groups", name]) => s.get_group(name),
        (Method::DELETE, ["schedule-groups", name]) => s.delete_group(name).await,
        (Method::GET, ["tags", arn]) => s.list_tags(arn),
        (Method::POST, ["tags", arn]) => s.tag(arn, &input).await,
        (Method::DELETE, ["tags", arn]) => s.untag(arn, &query).await,
        _ => Err(ServiceError::client(
            "UnknownOperationException",
            format!("No Scheduler operation is {} {}.", req.method, req.path),
        )
        .with_status(http::StatusCode::NOT_FOUND)),
    }
}

fn answer(status: http::StatusCode, request_id: &str, body: &Value) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-RequestId", v);
    }
    resp
}

/// rest-json's error: the code in `x-amzn-ErrorType`, `{"Message": ...}`
/// (also for requests refused before they reach the service).
pub fn error(request_id: &str, e: &ServiceError) -> Response<Bytes> {
    let mut resp = answer(
        e.status,
        request_id,
        &serde_json::json!({ "Message": e.message }),
    );
    if let Ok(v) = HeaderValue::from_str(&e.code) {
        resp.headers_mut().insert("x-amzn-ErrorType", v);
    }
    resp
}

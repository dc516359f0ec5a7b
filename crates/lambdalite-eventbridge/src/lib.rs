//! EventBridge-compatible event buses and rules on lambdalite's shared
//! listener (awsJson 1.1, `X-Amz-Target: AWSEvents.*`).
//!
//! Owns: the default and custom event buses; rules with an event pattern
//! or a schedule expression, their state and targets (Lambda, SQS, SNS)
//! with Input, InputPath and InputTransformer, retry policies and
//! dead-letter queues; PutEvents (each event matched and its deliveries
//! made durable before the answer); TestEventPattern; scheduled rules'
//! fires and the Scheduled Event payload; tags; AWS's errors.
//!
//! Does not: match patterns (the events room's one matcher does),
//! deliver or retry (the events room's outbox and deliverer do), tell
//! the time of a schedule expression (the events room's `schedule`), or
//! verify signatures (the listener does).

pub mod model;
mod service;
pub mod transform;

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use lambdalite_protocol::json::{self, ServiceError};
use lambdalite_protocol::Protocol;
use serde_json::Value;

pub use service::{check_pattern, endpoint_of, event_time, EventBridge, DEFAULT_BUS};

/// The namespace of EventBridge's error types.
pub const NAMESPACE: &str = "com.amazonaws.events";

/// Serves one EventBridge request: `operation` from `X-Amz-Target`.
pub async fn handle(
    eb: &Arc<EventBridge>,
    operation: &str,
    body: &Bytes,
    request_id: &str,
) -> Response<Bytes> {
    let input = match json::input(body) {
        Ok(v) => v,
        Err(e) => return json::error(Protocol::Json11, NAMESPACE, false, request_id, &e),
    };
    match execute(eb, operation, &input).await {
        Ok(out) => json::answer(Protocol::Json11, request_id, &out),
        Err(e) => json::error(Protocol::Json11, NAMESPACE, false, request_id, &e),
    }
}

async fn execute(eb: &EventBridge, op: &str, input: &Value) -> Result<Value, ServiceError> {
    match op {
        "CreateEventBus" => eb.create_event_bus(input).await,
        "DeleteEventBus" => eb.delete_event_bus(input).await,
        "DescribeEventBus" => eb.describe_event_bus(input),
        "ListEventBuses" => eb.list_event_buses(input),
        "PutRule" => eb.put_rule(input).await,
        "DescribeRule" => eb.describe_rule(input),
        "ListRules" => eb.list_rules(input),
        "DeleteRule" => eb.delete_rule(input).await,
        "EnableRule" => eb.set_state(input, "ENABLED").await,
        "DisableRule" => eb.set_state(input, "DISABLED").await,
        "ListRuleNamesByTarget" => eb.list_rule_names_by_target(input),
        "PutTargets" => eb.put_targets(input).await,
        "RemoveTargets" => eb.remove_targets(input).await,
        "ListTargetsByRule" => eb.list_targets_by_rule(input),
        "PutEvents" => eb.put_events(input).await,
        "TestEventPattern" => eb.test_event_pattern(input),
        "TagResource" => eb.tag_resource(input).await,
        "UntagResource" => eb.untag_resource(input).await,
        "ListTagsForResource" => eb.list_tags(input),
        other => Err(ServiceError::client(
            "UnknownOperationException",
            format!("The operation {other} is not supported by lambdalite's EventBridge."),
        )),
    }
}

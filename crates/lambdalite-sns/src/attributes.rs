//! Topic and subscription attributes: AWS's defaults, what may be set,
//! and the checks on endpoints and message attributes.

use std::collections::BTreeMap;
use std::time::Duration;

use lambdalite_events::RetryPolicy;
use serde_json::{json, Value};

use crate::model::{Attribute, Subscription, Topic};
use crate::SnsError;

/// Attributes a topic may be created or updated with.
const TOPIC_SETTABLE: &[&str] = &[
    "DeliveryPolicy",
    "DisplayName",
    "Policy",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
    "FifoTopic",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "FifoThroughputScope",
    "DataProtectionPolicy",
    "HTTPSuccessFeedbackRoleArn",
    "HTTPFailureFeedbackRoleArn",
    "HTTPSuccessFeedbackSampleRate",
    "LambdaSuccessFeedbackRoleArn",
    "LambdaFailureFeedbackRoleArn",
    "LambdaSuccessFeedbackSampleRate",
    "SQSSuccessFeedbackRoleArn",
    "SQSFailureFeedbackRoleArn",
    "SQSSuccessFeedbackSampleRate",
    "ApplicationSuccessFeedbackRoleArn",
    "ApplicationFailureFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate",
    "FirehoseSuccessFeedbackRoleArn",
    "FirehoseFailureFeedbackRoleArn",
    "FirehoseSuccessFeedbackSampleRate",
];

const SUBSCRIPTION_SETTABLE: &[&str] = &[
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
];

fn bool_text(v: &str) -> bool {
    v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")
}

/// Checks an attribute given to CreateTopic.
pub fn check_topic_attribute(name: &str, value: &str, fifo: bool) -> Result<(), SnsError> {
    if !TOPIC_SETTABLE.contains(&name) {
        return Err(SnsError::param("AttributeName"));
    }
    match name {
        "FifoTopic" if !bool_text(value) => Err(SnsError::param("FifoTopic")),
        "ContentBasedDeduplication" if !fifo => Err(SnsError::reason(
            "ContentBasedDeduplication",
            "Content based deduplication can only be set for FIFO topics",
        )),
        "ContentBasedDeduplication" if !bool_text(value) => {
            Err(SnsError::param("ContentBasedDeduplication"))
        }
        "SignatureVersion" if value != "1" && value != "2" => {
            Err(SnsError::param("SignatureVersion"))
        }
        "Policy" | "DeliveryPolicy" | "DataProtectionPolicy"
            if serde_json::from_str::<Value>(value).is_err() =>
        {
            Err(SnsError::param(&format!("{name}: failed to parse JSON.")))
        }
        _ => Ok(()),
    }
}

/// Checks SetTopicAttributes.
pub fn check_settable_topic_attribute(name: &str, value: &str, fifo: bool) -> Result<(), SnsError> {
    if name == "FifoTopic" {
        return Err(SnsError::param("AttributeName"));
    }
    check_topic_attribute(name, value, fifo)
}

fn default_policy(arn: &str, account: &str) -> String {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish"
            ],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}}
        }]
    })
    .to_string()
}

fn default_http_policy() -> Value {
    json!({
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear"
        },
        "disableSubscriptionOverrides": false,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}
    })
}

/// Every attribute GetTopicAttributes shows.
pub fn topic_attributes(
    t: &Topic,
    account: &str,
    confirmed: usize,
    pending: usize,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    a.insert("TopicArn".into(), t.arn.clone());
    a.insert("Owner".into(), account.to_string());
    a.insert("Policy".into(), default_policy(&t.arn, account));
    a.insert("DisplayName".into(), String::new());
    a.insert("SubscriptionsConfirmed".into(), confirmed.to_string());
    a.insert("SubscriptionsPending".into(), pending.to_string());
    a.insert("SubscriptionsDeleted".into(), "0".into());
    let mut effective = json!({"http": default_http_policy()});
    if let Some(p) = t
        .attributes
        .get("DeliveryPolicy")
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
    {
        if let (Some(e), Some(p)) = (effective.as_object_mut(), p.as_object()) {
            for (k, v) in p {
                e.insert(k.clone(), v.clone());
            }
        }
    }
    a.insert("EffectiveDeliveryPolicy".into(), effective.to_string());
    if t.is_fifo() {
        a.insert("FifoTopic".into(), "true".into());
        a.insert("ContentBasedDeduplication".into(), "false".into());
    }
    for (k, v) in &t.attributes {
        a.insert(k.clone(), v.clone());
    }
    a
}

/// Checks a Subscribe's protocol and endpoint.
pub fn check_endpoint(protocol: &str, endpoint: &str, topic: &Topic) -> Result<(), SnsError> {
    match protocol {
        "sqs" => {
            let parts: Vec<&str> = endpoint.split(':').collect();
            if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sqs" {
                return Err(SnsError::param("SQS endpoint ARN"));
            }
            if !topic.is_fifo() && endpoint.ends_with(".fifo") {
                return Err(SnsError::invalid(
                    "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
                ));
            }
            Ok(())
        }
        "lambda" => {
            let parts: Vec<&str> = endpoint.split(':').collect();
            if parts.len() < 7 || parts[0] != "arn" || parts[2] != "lambda" {
                return Err(SnsError::param("Lambda endpoint ARN"));
            }
            Ok(())
        }
        "http" | "https" => {
            if !endpoint.starts_with(&format!("{protocol}://")) {
                return Err(SnsError::param(
                    "Endpoint must match the specified protocol",
                ));
            }
            Ok(())
        }
        "email" | "email-json" | "sms" | "application" | "firehose" => Err(SnsError::reason(
            "Protocol",
            &format!("{protocol} is not supported by lambdalite"),
        )),
        other => Err(SnsError::param(&format!(
            "Amazon SNS does not support this protocol string: {other}"
        ))),
    }
}

/// Checks a subscription attribute, on Subscribe or SetSubscriptionAttributes;
/// the error is AWS's reason, which the caller words for its operation.
pub fn check_subscription_attribute(
    name: &str,
    value: &str,
    protocol: &str,
    fifo_subscription: bool,
    others: &BTreeMap<String, String>,
) -> Result<(), String> {
    if !SUBSCRIPTION_SETTABLE.contains(&name) {
        return Err("AttributeName".into());
    }
    match name {
        "RawMessageDelivery" => {
            if !bool_text(value) {
                return Err(format!(
                    "RawMessageDelivery: Invalid value [{value}]. Must be true or false."
                ));
            }
            if !matches!(protocol, "sqs" | "http" | "https" | "firehose") {
                return Err(format!(
                    "Delivery protocol [{protocol}] does not support raw message delivery."
                ));
            }
            Ok(())
        }
        "FilterPolicyScope" => {
            if value != "MessageAttributes" && value != "MessageBody" {
                return Err(format!(
                    "FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes"
                ));
            }
            if let Some(p) = others.get("FilterPolicy").filter(|p| !p.is_empty()) {
                crate::filter::check(p, value == "MessageBody")?;
            }
            Ok(())
        }
        "FilterPolicy" => {
            if value.is_empty() {
                return Ok(());
            }
            let body = others
                .get("FilterPolicyScope")
                .is_some_and(|s| s == "MessageBody");
            crate::filter::check(value, body)
        }
        "RedrivePolicy" => {
            if value.is_empty() {
                return Ok(());
            }
            let v: Value = serde_json::from_str(value)
                .map_err(|_| "RedrivePolicy: failed to parse JSON.".to_string())?;
            let arn = v["deadLetterTargetArn"].as_str().unwrap_or_default();
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sqs" {
                return Err("RedrivePolicy: deadLetterTargetArn is an invalid arn".into());
            }
            if fifo_subscription && protocol == "sqs" && !arn.ends_with(".fifo") {
                return Err("RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.".into());
            }
            Ok(())
        }
        "DeliveryPolicy" if !value.is_empty() => serde_json::from_str::<Value>(value)
            .map(drop)
            .map_err(|_| "DeliveryPolicy: failed to parse JSON.".to_string()),
        _ => Ok(()),
    }
}

/// Every attribute GetSubscriptionAttributes shows.
pub fn subscription_attributes(s: &Subscription) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    a.insert("SubscriptionArn".into(), s.arn.clone());
    a.insert("TopicArn".into(), s.topic_arn.clone());
    a.insert("Owner".into(), s.owner.clone());
    a.insert("Protocol".into(), s.protocol.clone());
    a.insert("Endpoint".into(), s.endpoint.clone());
    a.insert(
        "ConfirmationWasAuthenticated".into(),
        if s.confirmed { "true" } else { "false" }.into(),
    );
    a.insert(
        "PendingConfirmation".into(),
        if s.confirmed { "false" } else { "true" }.into(),
    );
    a.insert("RawMessageDelivery".into(), "false".into());
    a.insert(
        "SubscriptionPrincipal".into(),
        format!("arn:aws:iam::{}:root", s.owner),
    );
    if matches!(s.protocol.as_str(), "http" | "https") {
        a.insert(
            "EffectiveDeliveryPolicy".into(),
            json!({
                "healthyRetryPolicy": default_http_policy()["defaultHealthyRetryPolicy"],
                "throttlePolicy": Value::Null,
                "requestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
                "guaranteed": false
            })
            .to_string(),
        );
    }
    // The scope is shown only beside a policy.
    let policy = s.attributes.contains_key("FilterPolicy");
    for (k, v) in &s.attributes {
        if k != "FilterPolicyScope" || policy {
            a.insert(k.clone(), v.clone());
        }
    }
    if policy && !s.attributes.contains_key("FilterPolicyScope") {
        a.insert("FilterPolicyScope".into(), "MessageAttributes".into());
    }
    a
}

/// Checks one message attribute: its name, type and value.
pub fn check_message_attribute(name: &str, a: &Attribute) -> Result<(), SnsError> {
    let bad = |m: String| Err(SnsError::parameter_value(m));
    if name.len() > 256 {
        return bad("Length of message attribute name must be less than 256 bytes.".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return bad(format!(
            "Invalid non-alphanumeric character '#x{:X}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
            c as u32
        ));
    }
    if name.starts_with('.') {
        return bad("Invalid message attribute name starting with character '.' was found.".into());
    }
    if name.ends_with('.') {
        return bad("Invalid message attribute name ending with character '.' was found.".into());
    }
    if name.contains("..") {
        return bad("Message attribute name can not have successive '.' character.".into());
    }
    let t = a.data_type.as_str();
    let base = ["String", "Number", "Binary"].into_iter().find(|b| {
        t == *b
            || t.strip_prefix(b)
                .is_some_and(|r| r.len() > 1 && r.starts_with('.'))
    });
    let Some(base) = base else {
        return bad(format!(
            "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
        ));
    };
    if a.wrong_field {
        // Numbers travel as strings.
        let field = if base == "Binary" { "Binary" } else { "String" };
        return bad(format!(
            "The message attribute '{name}' with type '{base}' must use field '{field}'."
        ));
    }
    if a.value.is_empty() {
        return bad(format!(
            "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{base}'."
        ));
    }
    if base == "Number" && a.value.trim().parse::<f64>().is_err() {
        return bad(format!(
            "Could not cast message attribute '{name}' value to number."
        ));
    }
    if t == "String.Array" {
        let ok = matches!(
            serde_json::from_str::<Value>(&a.value),
            Ok(Value::Array(items)) if items.iter().all(|i| !i.is_object() && !i.is_array())
        );
        if !ok {
            return bad(format!(
                "Invalid value for message attribute '{name}' of type String.Array."
            ));
        }
    }
    Ok(())
}

/// The retry policy for an HTTP subscription from its DeliveryPolicy or
/// its topic's, when either sets one.
pub fn http_retry_policy(s: &Subscription, topic: Option<&Topic>) -> Option<RetryPolicy> {
    let from = |text: &str, key: &str| -> Option<Value> {
        let v: Value = serde_json::from_str(text).ok()?;
        let p = if key.is_empty() {
            v.get("healthyRetryPolicy")?.clone()
        } else {
            v.get("http")?.get(key)?.clone()
        };
        Some(p)
    };
    let p = s
        .attributes
        .get("DeliveryPolicy")
        .and_then(|t| from(t, ""))
        .or_else(|| {
            topic
                .and_then(|t| t.attributes.get("DeliveryPolicy"))
                .and_then(|t| from(t, "defaultHealthyRetryPolicy"))
        })?;
    let n = |k: &str, d: u64| p.get(k).and_then(Value::as_u64).unwrap_or(d);
    Some(RetryPolicy {
        retries: n("numRetries", 3) as u32,
        immediate: n("numNoDelayRetries", 0) as u32,
        min_delay: Duration::from_secs(n("minDelayTarget", 20)),
        max_delay: Duration::from_secs(n("maxDelayTarget", 20)),
        max_age: Duration::from_secs(3600),
    })
}

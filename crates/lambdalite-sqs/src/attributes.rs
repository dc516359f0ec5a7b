//! Queue attributes: AWS's defaults, ranges and names.

use std::collections::BTreeMap;

use crate::SqsError;

/// Attributes a caller may set, with their defaults (None: no default).
const SETTABLE: &[(&str, Option<&str>)] = &[
    ("DelaySeconds", Some("0")),
    ("MaximumMessageSize", Some("1048576")),
    ("MessageRetentionPeriod", Some("345600")),
    ("Policy", None),
    ("ReceiveMessageWaitTimeSeconds", Some("0")),
    ("VisibilityTimeout", Some("30")),
    ("RedrivePolicy", None),
    ("RedriveAllowPolicy", None),
    ("KmsMasterKeyId", None),
    ("KmsDataKeyReusePeriodSeconds", None),
    ("SqsManagedSseEnabled", Some("true")),
    ("FifoQueue", None),
    ("ContentBasedDeduplication", None),
    ("DeduplicationScope", None),
    ("FifoThroughputLimit", None),
];

/// Attributes only read.
pub const COMPUTED: &[&str] = &[
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
];

/// Integer attributes and their ranges.
const RANGES: &[(&str, i64, i64)] = &[
    ("DelaySeconds", 0, 900),
    ("MaximumMessageSize", 1024, 1_048_576),
    ("MessageRetentionPeriod", 60, 1_209_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20),
    ("VisibilityTimeout", 0, 43_200),
    ("KmsDataKeyReusePeriodSeconds", 60, 86_400),
];

/// Whether `name` is an attribute GetQueueAttributes knows.
pub fn is_known(name: &str) -> bool {
    name == "All" || COMPUTED.contains(&name) || SETTABLE.iter().any(|(n, _)| *n == name)
}

/// The default of a settable attribute.
pub fn default_of(name: &str) -> Option<&'static str> {
    SETTABLE
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, d)| *d)
}

/// Checks attributes given to CreateQueue or SetQueueAttributes.
pub fn check(given: &BTreeMap<String, String>, fifo: bool, creating: bool) -> Result<(), SqsError> {
    for (name, value) in given {
        if !SETTABLE.iter().any(|(n, _)| n == name) {
            return Err(SqsError::InvalidAttributeName(format!(
                "Unknown Attribute {name}."
            )));
        }
        if let Some((_, min, max)) = RANGES.iter().find(|(n, _, _)| n == name) {
            let ok = value
                .parse::<i64>()
                .is_ok_and(|v| (*min..=*max).contains(&v));
            if !ok {
                return Err(SqsError::InvalidAttributeValue(format!(
                    "Invalid value for the parameter {name}."
                )));
            }
        }
        if !fifo {
            match name.as_str() {
                "FifoQueue" | "ContentBasedDeduplication" => {
                    return Err(SqsError::InvalidAttributeName(format!(
                        "Unknown Attribute {name}."
                    )))
                }
                "DeduplicationScope" | "FifoThroughputLimit" => {
                    return Err(SqsError::InvalidAttributeName(format!(
                        "You can specify the {name} only when FifoQueue is set to true."
                    )))
                }
                _ => {}
            }
        }
        if name == "FifoQueue" && !creating && !value.eq_ignore_ascii_case("true") {
            return Err(SqsError::InvalidAttributeValue(
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
                    .to_string(),
            ));
        }
        let boolean = matches!(
            name.as_str(),
            "FifoQueue" | "ContentBasedDeduplication" | "SqsManagedSseEnabled"
        );
        let lower = value.to_ascii_lowercase();
        if boolean && lower != "true" && lower != "false" {
            return Err(SqsError::InvalidAttributeValue(format!(
                "Invalid value for the parameter {name}."
            )));
        }
        if name == "RedrivePolicy" && !value.is_empty() {
            redrive_policy(value)?;
        }
    }
    Ok(())
}

/// Attributes as stored: booleans in lower case (AWS takes `True`), and
/// a customer key switching SQS-managed encryption off.
pub fn normalize(given: &mut BTreeMap<String, String>) {
    for name in [
        "FifoQueue",
        "ContentBasedDeduplication",
        "SqsManagedSseEnabled",
    ] {
        if let Some(v) = given.get_mut(name) {
            *v = v.to_ascii_lowercase();
        }
    }
    if given.get("KmsMasterKeyId").is_some_and(|k| !k.is_empty()) {
        given.insert("SqsManagedSseEnabled".into(), "false".into());
    }
}

/// A parsed RedrivePolicy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: u32,
}

/// Parses a RedrivePolicy (`maxReceiveCount` may be a number or a string).
pub fn redrive_policy(value: &str) -> Result<RedrivePolicy, SqsError> {
    let invalid = |why: &str| {
        SqsError::InvalidParameterValue(format!(
            "Value {value} for parameter RedrivePolicy is invalid. Reason: {why}"
        ))
    };
    let v: serde_json::Value =
        serde_json::from_str(value).map_err(|_| invalid("Invalid value for RedrivePolicy."))?;
    let arn = v
        .get("deadLetterTargetArn")
        .and_then(|a| a.as_str())
        .ok_or_else(|| {
            invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
        })?;
    let count = match v.get("maxReceiveCount") {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
    })?;
    if !(1..=1000).contains(&count) {
        return Err(invalid(
            "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.",
        ));
    }
    Ok(RedrivePolicy {
        dead_letter_target_arn: arn.to_string(),
        max_receive_count: count as u32,
    })
}

//! Topics, subscriptions and pending deliveries as SNS keeps them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A topic: the attributes set on it (defaults are computed) and tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub name: String,
    pub arn: String,
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

impl Topic {
    pub fn is_fifo(&self) -> bool {
        self.attributes
            .get("FifoTopic")
            .is_some_and(|v| v == "true")
    }

    pub fn content_dedup(&self) -> bool {
        self.attributes
            .get("ContentBasedDeduplication")
            .is_some_and(|v| v == "true")
    }

    /// `1` (SHA1withRSA) unless set to `2`.
    pub fn signature_version(&self) -> &str {
        self.attributes
            .get("SignatureVersion")
            .map_or("1", String::as_str)
    }
}

/// A subscription of an endpoint to a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub arn: String,
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
    pub owner: String,
    /// The attributes set on it: RawMessageDelivery, FilterPolicy,
    /// FilterPolicyScope, RedrivePolicy, DeliveryPolicy, ...
    pub attributes: BTreeMap<String, String>,
    /// HTTP endpoints confirm; the others are confirmed at once.
    pub confirmed: bool,
    /// The token a confirmation must bring.
    #[serde(default)]
    pub token: Option<String>,
}

impl Subscription {
    pub fn raw(&self) -> bool {
        self.attributes
            .get("RawMessageDelivery")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The dead-letter queue of RedrivePolicy, if any.
    pub fn dead_letter_queue(&self) -> Option<String> {
        let policy: serde_json::Value =
            serde_json::from_str(self.attributes.get("RedrivePolicy")?).ok()?;
        policy["deadLetterTargetArn"].as_str().map(str::to_string)
    }
}

/// A message attribute as published: its type and its value (base64 for
/// `Binary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub data_type: String,
    pub value: String,
    /// Given in the other field than its type's (a BinaryValue for a
    /// String): refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wrong_field: bool,
}

/// One message on its way to one subscription, durable until delivered
/// (or sent to the dead-letter queue, or given up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub id: String,
    pub subscription_arn: String,
    /// `Notification` or `SubscriptionConfirmation`.
    pub kind: String,
    pub message_id: String,
    pub topic_arn: String,
    pub subject: Option<String>,
    /// The message for this subscription's protocol.
    pub message: String,
    pub attributes: BTreeMap<String, Attribute>,
    /// ISO 8601 with milliseconds, as AWS writes it.
    pub timestamp: String,
    /// `http://host:port` the URLs in the message are built on.
    pub base: String,
    pub group: Option<String>,
    pub dedup: Option<String>,
    pub sequence: Option<String>,
    pub token: Option<String>,
    pub since_ms: i64,
    /// The subscription an UnsubscribeConfirmation goes to, gone from the
    /// topic by then.
    #[serde(default)]
    pub gone: Option<Subscription>,
}

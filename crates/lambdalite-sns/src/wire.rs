//! SNS's query protocol: the form's parameters to operations, and their
//! results to XML.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use lambdalite_protocol::query::Params;
use lambdalite_protocol::xml::Xml;

use crate::model::Attribute;
use crate::service::{PublishInput, Published, Sns};
use crate::SnsError;

/// Items per page of the List operations.
const PAGE: usize = 100;

/// An operation's result, written into its `...Result` element; `None`:
/// the operation answers without one.
pub type Output = Option<Box<dyn Fn(&mut Xml) + Send>>;

fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, SnsError> {
    p.get(name).ok_or_else(|| {
        SnsError::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(name)
        ))
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `Prefix.entry.N.key` / `.value` pairs (or other names).
fn map(p: &Params, prefix: &str, key: &str, value: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (_, fields) in p.numbered(prefix) {
        let get = |n: &str| {
            fields
                .iter()
                .find(|(t, _)| t.strip_prefix('.') == Some(n))
                .map(|(_, v)| v.clone())
        };
        if let Some(k) = get(key) {
            out.insert(k, get(value).unwrap_or_default());
        }
    }
    out
}

fn list(p: &Params, prefix: &str) -> Vec<String> {
    p.numbered(prefix)
        .into_iter()
        .filter_map(|(_, f)| f.into_iter().find(|(t, _)| t.is_empty()).map(|(_, v)| v))
        .collect()
}

/// MessageAttributes under `prefix` (`MessageAttributes.entry`).
fn message_attributes(
    fields: &[(String, String)],
    path: &str,
) -> Result<BTreeMap<String, Attribute>, SnsError> {
    // Regroup `.N.Name`, `.N.Value.DataType`, ... by N.
    let mut by_n: BTreeMap<u32, Vec<(String, String)>> = BTreeMap::new();
    for (tail, v) in fields {
        let rest = tail.trim_start_matches('.');
        let Some((n, field)) = rest.split_once('.') else {
            continue;
        };
        if let Ok(n) = n.parse() {
            by_n.entry(n)
                .or_default()
                .push((field.to_string(), v.clone()));
        }
    }
    let mut out = BTreeMap::new();
    for (_, f) in by_n {
        let get = |n: &str| f.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let Some(name) = get("Name") else { continue };
        let Some(data_type) = get("Value.DataType") else {
            return Err(SnsError::validation(format!(
                "1 validation error detected: Value null at '{path}messageAttributes.{name}.member.dataType' failed to satisfy constraint: Member must not be null"
            )));
        };
        let (string, binary) = (get("Value.StringValue"), get("Value.BinaryValue"));
        let is_binary = data_type.starts_with("Binary");
        let wrong_field = if is_binary {
            string.is_some() && binary.is_none()
        } else {
            binary.is_some() && string.is_none()
        };
        let value = if is_binary { binary } else { string }.unwrap_or_default();
        out.insert(
            name,
            Attribute {
                data_type,
                value,
                wrong_field,
            },
        );
    }
    Ok(out)
}

/// The message fields of Publish or of a batch entry (`prefix` is `""`
/// or `PublishBatchRequestEntries.member.N.`); `path` names it in
/// validation errors (`""` or `publishBatchRequestEntries.N.member.`).
fn publish_input(p: &Params, prefix: &str, path: &str) -> Result<PublishInput, SnsError> {
    let get = |n: &str| p.get(&format!("{prefix}{n}")).map(str::to_string);
    let attr_prefix = format!("{prefix}MessageAttributes.entry");
    let fields: Vec<(String, String)> =
        p.0.iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&attr_prefix)
                    .map(|t| (t.to_string(), v.clone()))
            })
            .collect();
    Ok(PublishInput {
        message: get("Message"),
        subject: get("Subject"),
        structure: get("MessageStructure"),
        attributes: message_attributes(&fields, path)?,
        group_id: get("MessageGroupId"),
        dedup_id: get("MessageDeduplicationId"),
    })
}

fn page<T: Clone>(
    items: &[T],
    key: impl Fn(&T) -> &str,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), SnsError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    // The token is the next item's key, in base64 as AWS's tokens are.
    let start = match token {
        None | Some("") => 0,
        Some(t) => {
            let k = b64
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| SnsError::param("NextToken"))?;
            items
                .iter()
                .position(|i| key(i) == k)
                .ok_or_else(|| SnsError::param("NextToken"))?
        }
    };
    let end = (start + PAGE).min(items.len());
    let next = items.get(end).map(|i| b64.encode(key(i)));
    Ok((items[start..end].to_vec(), next))
}

fn attributes_xml(x: &mut Xml, attributes: &BTreeMap<String, String>) {
    x.open("Attributes", None);
    for (k, v) in attributes {
        x.open("entry", None)
            .leaf("key", k)
            .leaf("value", v)
            .close("entry");
    }
    x.close("Attributes");
}

fn one(tag: &'static str, value: String) -> Output {
    Some(Box::new(move |x: &mut Xml| {
        x.leaf(tag, &value);
    }))
}

fn valid_batch_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Runs one operation.
pub async fn execute(
    sns: &Arc<Sns>,
    action: &str,
    p: &Params,
    base: &str,
) -> Result<Output, SnsError> {
    match action {
        "CreateTopic" => {
            let name = required(p, "Name")?;
            let attributes = map(p, "Attributes.entry", "key", "value");
            let tags = map(p, "Tags.member", "Key", "Value");
            let arn = sns.create_topic(name, attributes, tags).await?;
            Ok(one("TopicArn", arn))
        }
        "DeleteTopic" => {
            sns.delete_topic(required(p, "TopicArn")?).await?;
            Ok(None)
        }
        "ListTopics" => {
            let all = sns.list_topics();
            let (items, next) = page(&all, |s| s.as_str(), p.get("NextToken"))?;
            Ok(Some(Box::new(move |x: &mut Xml| {
                x.open("Topics", None);
                for t in &items {
                    x.open("member", None).leaf("TopicArn", t).close("member");
                }
                x.close("Topics");
                if let Some(n) = &next {
                    x.leaf("NextToken", n);
                }
            })))
        }
        "GetTopicAttributes" => {
            let a = sns.topic_attributes(required(p, "TopicArn")?)?;
            Ok(Some(Box::new(move |x: &mut Xml| attributes_xml(x, &a))))
        }
        "SetTopicAttributes" => {
            let arn = required(p, "TopicArn")?;
            let name = required(p, "AttributeName")?;
            let value = p.get("AttributeValue").unwrap_or_default();
            sns.set_topic_attribute(arn, name, value).await?;
            Ok(None)
        }
        "Subscribe" => {
            let topic = required(p, "TopicArn")?;
            let protocol = required(p, "Protocol")?;
            let endpoint = p.get("Endpoint").unwrap_or_default();
            let attributes = map(p, "Attributes.entry", "key", "value");
            let (arn, confirmed) = sns
                .subscribe(topic, protocol, endpoint, attributes, base)
                .await?;
            let show = confirmed
                || p.get("ReturnSubscriptionArn")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            Ok(one(
                "SubscriptionArn",
                if show {
                    arn
                } else {
                    "pending confirmation".into()
                },
            ))
        }
        "ConfirmSubscription" => {
            let topic = required(p, "TopicArn")?;
            let token = required(p, "Token")?;
            let arn = sns.confirm(topic, token).await?;
            Ok(one("SubscriptionArn", arn))
        }
        "Unsubscribe" => {
            let arn = p.get("SubscriptionArn").ok_or_else(|| {
                SnsError::reason("SubscriptionArn", "no value for required parameter")
            })?;
            sns.unsubscribe(arn).await?;
            Ok(None)
        }
        "ListSubscriptions" | "ListSubscriptionsByTopic" => {
            let topic = if action == "ListSubscriptionsByTopic" {
                let t = required(p, "TopicArn")?;
                sns.topic(t)?;
                Some(t)
            } else {
                None
            };
            let all = sns.subscriptions(topic);
            let (items, next) = page(&all, |s| s.arn.as_str(), p.get("NextToken"))?;
            Ok(Some(Box::new(move |x: &mut Xml| {
                x.open("Subscriptions", None);
                for s in &items {
                    x.open("member", None)
                        .leaf("Owner", &s.owner)
                        .leaf("Protocol", &s.protocol)
                        .leaf("Endpoint", &s.endpoint)
                        .leaf(
                            "SubscriptionArn",
                            if s.confirmed {
                                &s.arn
                            } else {
                                "PendingConfirmation"
                            },
                        )
                        .leaf("TopicArn", &s.topic_arn)
                        .close("member");
                }
                x.close("Subscriptions");
                if let Some(n) = &next {
                    x.leaf("NextToken", n);
                }
            })))
        }
        "GetSubscriptionAttributes" => {
            let a = sns.subscription_attributes(required(p, "SubscriptionArn")?)?;
            Ok(Some(Box::new(move |x: &mut Xml| attributes_xml(x, &a))))
        }
        "SetSubscriptionAttributes" => {
            let arn = required(p, "SubscriptionArn")?;
            let name = required(p, "AttributeName")?;
            let value = p.get("AttributeValue").unwrap_or_default();
            sns.set_subscription_attribute(arn, name, value).await?;
            Ok(None)
        }
        "Publish" => {
            let arn = match p.get("TopicArn").or_else(|| p.get("TargetArn")) {
                Some(a) => a,
                None if p.get("PhoneNumber").is_some() => {
                    return Err(SnsError::reason(
                        "PhoneNumber",
                        "SMS is not supported by lambdalite",
                    ))
                }
                None => {
                    return Err(SnsError::param(
                        "TopicArn or TargetArn Reason: no value for required parameter",
                    ))
                }
            };
            let input = publish_input(p, "", "")?;
            let topic = sns.topic(arn)?;
            sns.check_message(&topic, &input)?;
            let mut out = sns.publish_many(arn, vec![input], base).await?;
            let Published {
                message_id,
                sequence_number,
            } = out.remove(0);
            Ok(Some(Box::new(move |x: &mut Xml| {
                x.leaf("MessageId", &message_id);
                if let Some(s) = &sequence_number {
                    x.leaf("SequenceNumber", s);
                }
            })))
        }
        "PublishBatch" => publish_batch(sns, p, base).await,
        "ListTagsForResource" => {
            let tags = sns.tags(required(p, "ResourceArn")?)?;
            Ok(Some(Box::new(move |x: &mut Xml| {
                x.open("Tags", None);
                for (k, v) in &tags {
                    x.open("member", None)
                        .leaf("Key", k)
                        .leaf("Value", v)
                        .close("member");
                }
                x.close("Tags");
            })))
        }
        "TagResource" => {
            let arn = required(p, "ResourceArn")?;
            let tags = map(p, "Tags.member", "Key", "Value");
            if tags.len() < p.numbered("Tags.member").len() {
                return Err(SnsError::param("Duplicated keys are not allowed."));
            }
            sns.tag(arn, tags, &[]).await?;
            Ok(Some(Box::new(|_: &mut Xml| {})))
        }
        "UntagResource" => {
            let arn = required(p, "ResourceArn")?;
            let keys = list(p, "TagKeys.member");
            sns.tag(arn, BTreeMap::new(), &keys).await?;
            Ok(Some(Box::new(|_: &mut Xml| {})))
        }
        other => Err(SnsError::invalid_action(other)),
    }
}

async fn publish_batch(sns: &Arc<Sns>, p: &Params, base: &str) -> Result<Output, SnsError> {
    let arn = required(p, "TopicArn")?;
    let entries = p.numbered("PublishBatchRequestEntries.member");
    if entries.is_empty() {
        return Err(SnsError::batch(
            "EmptyBatchRequest",
            "The batch request doesn't contain any entries",
        ));
    }
    if entries.len() > 10 {
        return Err(SnsError::batch(
            "TooManyEntriesInBatchRequest",
            "The batch request contains more entries than permissible.",
        ));
    }
    let topic = sns.topic(arn)?;
    let mut ids = HashSet::new();
    let mut inputs = Vec::new();
    for (n, _) in &entries {
        let prefix = format!("PublishBatchRequestEntries.member.{n}.");
        let id = p
            .get(&format!("{prefix}Id"))
            .unwrap_or_default()
            .to_string();
        if !ids.insert(id.clone()) {
            return Err(SnsError::batch(
                "BatchEntryIdsNotDistinct",
                "Two or more batch entries in the request have the same Id.",
            ));
        }
        if id.len() > 80 {
            return Err(SnsError::batch(
                "InvalidBatchEntryId",
                format!("The Id of a batch entry in the batch request is too long: {id}"),
            ));
        }
        if !valid_batch_id(&id) {
            return Err(SnsError::batch(
                "InvalidBatchEntryId",
                format!("The Id of a batch entry in the batch request contains an impermissible character: {id}"),
            ));
        }
        let path = format!("publishBatchRequestEntries.{n}.member.");
        inputs.push((id, publish_input(p, &prefix, &path)?));
    }
    let total: usize = inputs
        .iter()
        .map(|(_, i)| {
            // Attributes count too: name, type and value.
            i.message.as_deref().map_or(0, str::len)
                + i.attributes
                    .iter()
                    .map(|(k, a)| k.len() + a.data_type.len() + a.value.len())
                    .sum::<usize>()
        })
        .sum();
    if total > crate::service::MAX_MESSAGE_BYTES {
        return Err(SnsError::batch(
            "BatchRequestTooLong",
            "The length of all the messages put together is more than the limit.",
        ));
    }
    if topic.is_fifo() && inputs.iter().any(|(_, i)| i.group_id.is_none()) {
        return Err(SnsError::param(
            "The MessageGroupId parameter is required for FIFO topics",
        ));
    }
    // A bad entry fails the whole request, as on AWS.
    for (_, input) in &inputs {
        sns.check_message(&topic, input)?;
    }
    let (good_ids, good): (Vec<String>, Vec<PublishInput>) = inputs.into_iter().unzip();
    let failed: Vec<(String, SnsError)> = Vec::new();
    let published = sns.publish_many(arn, good, base).await?;
    let successful: Vec<(String, Published)> = good_ids.into_iter().zip(published).collect();
    Ok(Some(Box::new(move |x: &mut Xml| {
        x.open("Successful", None);
        for (id, r) in &successful {
            x.open("member", None)
                .leaf("Id", id)
                .leaf("MessageId", &r.message_id);
            if let Some(s) = &r.sequence_number {
                x.leaf("SequenceNumber", s);
            }
            x.close("member");
        }
        x.close("Successful");
        x.open("Failed", None);
        for (id, e) in &failed {
            x.open("member", None)
                .leaf("Id", id)
                .leaf("Code", e.code)
                .leaf("Message", &e.message)
                .leaf("SenderFault", "true")
                .close("member");
        }
        x.close("Failed");
    })))
}

//! SQS's operations on the wire: one executor over JSON-shaped input and
//! output, fed by the JSON 1.0 protocol directly and by the query protocol
//! through [`from_query`], answered as JSON or, for the query protocol, as
//! XML through [`to_xml`].

use std::collections::BTreeMap;

use lambdalite_protocol::query::Params;
use lambdalite_protocol::xml::Xml;
use serde_json::{json, Map, Value};

use crate::message::{AttributeValue, Attributes};
use crate::service::{ReceiveInput, Received, SendInput, Sent, Sqs};
use crate::SqsError;

/// Where queue URLs point: the address the caller used.
pub struct Caller<'a> {
    /// `http://host:port`.
    pub base: &'a str,
    /// The request's `X-Amzn-Trace-Id`: a sent message's `AWSTraceHeader`.
    pub trace_header: Option<&'a str>,
    /// Whether the request came over the query protocol.
    pub query: bool,
}

fn string<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

fn required<'a>(input: &'a Value, key: &str) -> Result<&'a str, SqsError> {
    string(input, key).ok_or_else(|| {
        SqsError::MissingParameter(format!("The request must contain the parameter {key}."))
    })
}

/// An integer member; the query protocol sends numbers as strings.
fn int(input: &Value, key: &str) -> Result<Option<i64>, SqsError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid_value(key, &n.to_string())),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| invalid_value(key, s)),
        Some(other) => Err(invalid_value(key, &other.to_string())),
    }
}

fn invalid_value(key: &str, value: &str) -> SqsError {
    SqsError::InvalidParameterValue(format!(
        "Value {value} for parameter {key} is invalid. Reason: must be an integer."
    ))
}

fn string_map(input: &Value, key: &str) -> Result<BTreeMap<String, String>, SqsError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Ok((k.clone(), other.to_string())),
            })
            .collect(),
        Some(_) => Err(SqsError::Serialization(format!(
            "{key} must be a map of strings"
        ))),
    }
}

fn string_list(input: &Value, key: &str) -> Vec<String> {
    input
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn message_attributes(input: &Value, key: &str) -> Result<Attributes, SqsError> {
    let Some(map) = input.get(key).and_then(Value::as_object) else {
        return Ok(Attributes::new());
    };
    let mut out = Attributes::new();
    for (name, v) in map {
        let data_type = string(v, "DataType").ok_or_else(|| {
            SqsError::InvalidParameterValue(format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            ))
        })?;
        out.insert(
            name.clone(),
            AttributeValue {
                data_type: data_type.to_string(),
                string_value: string(v, "StringValue").map(str::to_string),
                binary_value: string(v, "BinaryValue").map(str::to_string),
            },
        );
    }
    Ok(out)
}

fn attributes_json(attributes: &Attributes) -> Value {
    let mut m = Map::new();
    for (name, v) in attributes {
        let mut a = Map::new();
        if let Some(s) = &v.string_value {
            a.insert("StringValue".into(), json!(s));
        }
        if let Some(b) = &v.binary_value {
            a.insert("BinaryValue".into(), json!(b));
        }
        a.insert("DataType".into(), json!(v.data_type));
        m.insert(name.clone(), Value::Object(a));
    }
    Value::Object(m)
}

fn send_input(entry: &Value, caller: &Caller) -> Result<SendInput, SqsError> {
    let mut system_attributes = message_attributes(entry, "MessageSystemAttributes")?;
    if let Some(trace) = caller.trace_header {
        system_attributes
            .entry("AWSTraceHeader".into())
            .or_insert_with(|| AttributeValue::string(trace));
    }
    Ok(SendInput {
        body: required(entry, "MessageBody")?.to_string(),
        delay_seconds: int(entry, "DelaySeconds")?,
        attributes: message_attributes(entry, "MessageAttributes")?,
        system_attributes,
        group_id: string(entry, "MessageGroupId").map(str::to_string),
        dedup_id: string(entry, "MessageDeduplicationId").map(str::to_string),
    })
}

fn sent_json(sent: &Sent) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("MD5OfMessageBody".into(), json!(sent.md5_of_body));
    if let Some(a) = &sent.md5_of_attributes {
        m.insert("MD5OfMessageAttributes".into(), json!(a));
    }
    if let Some(a) = &sent.md5_of_system_attributes {
        m.insert("MD5OfMessageSystemAttributes".into(), json!(a));
    }
    m.insert("MessageId".into(), json!(sent.message_id));
    if let Some(s) = &sent.sequence_number {
        m.insert("SequenceNumber".into(), json!(s));
    }
    m
}

fn received_json(r: &Received) -> Value {
    let mut m = Map::new();
    m.insert("MessageId".into(), json!(r.message_id));
    m.insert("ReceiptHandle".into(), json!(r.receipt_handle));
    m.insert("MD5OfBody".into(), json!(r.md5_of_body));
    m.insert("Body".into(), json!(r.body));
    if !r.system_attributes.is_empty() {
        m.insert("Attributes".into(), json!(r.system_attributes));
    }
    if let Some(md5) = &r.md5_of_attributes {
        m.insert("MD5OfMessageAttributes".into(), json!(md5));
        m.insert("MessageAttributes".into(), attributes_json(&r.attributes));
    }
    Value::Object(m)
}

fn batch_entries(input: &Value) -> Result<Vec<Value>, SqsError> {
    let entries = input
        .get("Entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if entries.is_empty() {
        return Err(SqsError::EmptyBatchRequest(
            "There should be at least one SendMessageBatchRequestEntry in the request.".into(),
        ));
    }
    if entries.len() > 10 {
        return Err(SqsError::TooManyEntriesInBatchRequest(entries.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for e in &entries {
        let id = string(e, "Id").unwrap_or("");
        let valid = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(SqsError::InvalidBatchEntryId);
        }
        if !seen.insert(id.to_string()) {
            return Err(SqsError::BatchEntryIdsNotDistinct(id.to_string()));
        }
    }
    Ok(entries)
}

fn failed_entry(id: &str, e: &SqsError) -> Value {
    let se = e.to_service_error();
    // An entry's invalid value is reported in a batch's own words.
    let message = match se
        .message
        .strip_prefix("One or more parameters are invalid. ")
    {
        Some(rest) => format!("One or more parameters cannot be validated. {rest}"),
        None => se.message.clone(),
    };
    json!({
        "Id": id,
        "SenderFault": se.sender_fault,
        "Code": se.query_code(),
        "Message": message,
    })
}

/// `{"Successful": [...], "Failed": [...]}`, without an empty `Failed`.
fn batch_result(successful: Vec<Value>, failed: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert("Successful".into(), Value::Array(successful));
    if !failed.is_empty() {
        m.insert("Failed".into(), Value::Array(failed));
    }
    Value::Object(m)
}

/// Runs `run` on each entry of a batch; the batch's result.
async fn per_entry<'a, F, Fut>(entries: &'a [Value], mut run: F) -> Value
where
    F: FnMut(&'a Value) -> Fut,
    Fut: std::future::Future<Output = Result<(), SqsError>>,
{
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for e in entries {
        let id = string(e, "Id").unwrap_or("");
        match run(e).await {
            Ok(()) => successful.push(json!({ "Id": id })),
            Err(err) => failed.push(failed_entry(id, &err)),
        }
    }
    batch_result(successful, failed)
}

fn missing_receipt_handle() -> SqsError {
    SqsError::MissingParameter("The request must contain the parameter ReceiptHandle.".into())
}

/// Most bytes a batch may send (bodies and attributes).
const BATCH_MAX_BYTES: usize = 1_048_576;

fn queue_url(caller: &Caller, sqs: &Sqs, name: &str) -> String {
    format!("{}/{}/{name}", caller.base, sqs.account)
}

/// Runs one operation on JSON-shaped input; its JSON-shaped output.
pub async fn execute(
    sqs: &Sqs,
    caller: &Caller<'_>,
    operation: &str,
    input: &Value,
) -> Result<Value, SqsError> {
    match operation {
        "CreateQueue" => {
            let name = required(input, "QueueName")?;
            let attrs = string_map(input, "Attributes")?;
            let tags = string_map(input, "tags")?;
            let q = sqs.create_queue(name, attrs, tags).await?;
            Ok(json!({ "QueueUrl": queue_url(caller, sqs, &q.name) }))
        }
        "GetQueueUrl" => {
            let name = required(input, "QueueName")?;
            let q = sqs.queue(name)?;
            Ok(json!({ "QueueUrl": queue_url(caller, sqs, &q.name) }))
        }
        "ListQueues" => {
            let names = sqs.list_queues(string(input, "QueueNamePrefix"));
            let max = int(input, "MaxResults")?;
            if let Some(m) = max {
                if !(1..=1000).contains(&m) {
                    return Err(SqsError::InvalidParameterValue(
                        "Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000."
                            .into(),
                    ));
                }
            }
            let start = match string(input, "NextToken") {
                Some(t) => t.parse::<usize>().map_err(|_| {
                    SqsError::InvalidParameterValue("Invalid or expired next token.".into())
                })?,
                None => 0,
            };
            let page = max.unwrap_or(1000) as usize;
            let urls: Vec<String> = names
                .iter()
                .skip(start)
                .take(page)
                .map(|n| queue_url(caller, sqs, n))
                .collect();
            let mut out = Map::new();
            if !urls.is_empty() {
                out.insert("QueueUrls".into(), json!(urls));
            }
            if max.is_some() && start + page < names.len() {
                out.insert("NextToken".into(), json!((start + page).to_string()));
            }
            Ok(Value::Object(out))
        }
        "DeleteQueue" => {
            sqs.delete_queue(required(input, "QueueUrl")?).await?;
            Ok(json!({}))
        }
        "PurgeQueue" => {
            sqs.purge(required(input, "QueueUrl")?).await?;
            Ok(json!({}))
        }
        "GetQueueAttributes" => {
            let mut names = string_list(input, "AttributeNames");
            if names.is_empty() {
                // Without names AWS answers nothing (boto3 sends none).
                sqs.queue(required(input, "QueueUrl")?)?;
                return Ok(json!({}));
            }
            names.dedup();
            let attrs = sqs.get_attributes(required(input, "QueueUrl")?, &names)?;
            if attrs.is_empty() {
                return Ok(json!({}));
            }
            Ok(json!({ "Attributes": attrs }))
        }
        "SetQueueAttributes" => {
            let attrs = string_map(input, "Attributes")?;
            sqs.set_attributes(required(input, "QueueUrl")?, attrs)
                .await?;
            Ok(json!({}))
        }
        "TagQueue" => {
            let tags = string_map(input, "Tags")?;
            sqs.tag(required(input, "QueueUrl")?, tags, &[]).await?;
            Ok(json!({}))
        }
        "UntagQueue" => {
            let keys = string_list(input, "TagKeys");
            sqs.tag(required(input, "QueueUrl")?, BTreeMap::new(), &keys)
                .await?;
            Ok(json!({}))
        }
        "ListQueueTags" => {
            let tags = sqs.tags(required(input, "QueueUrl")?)?;
            if tags.is_empty() {
                return Ok(json!({}));
            }
            Ok(json!({ "Tags": tags }))
        }
        "ListDeadLetterSourceQueues" => {
            let names = sqs.dead_letter_sources(required(input, "QueueUrl")?)?;
            let urls: Vec<String> = names.iter().map(|n| queue_url(caller, sqs, n)).collect();
            Ok(json!({ "queueUrls": urls }))
        }
        "SendMessage" => {
            let url = required(input, "QueueUrl")?;
            let sent = sqs.send(url, send_input(input, caller)?).await?;
            Ok(Value::Object(sent_json(&sent)))
        }
        "SendMessageBatch" => {
            let url = required(input, "QueueUrl")?;
            let (fifo, content_based) = sqs.queue_kind(url)?;
            let entries = batch_entries(input)?;
            // What fails one entry of a FIFO batch fails the whole request.
            if fifo {
                for e in &entries {
                    if string(e, "MessageGroupId").is_none() {
                        return Err(SqsError::InvalidParameterValue(
                            "The request must contain the parameter MessageGroupId.".into(),
                        ));
                    }
                    if string(e, "MessageDeduplicationId").is_none() && !content_based {
                        return Err(SqsError::InvalidParameterValue(
                            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly".into(),
                        ));
                    }
                }
            }
            let mut total = 0usize;
            for e in &entries {
                total += string(e, "MessageBody").map_or(0, str::len);
                for (name, v) in message_attributes(e, "MessageAttributes")? {
                    total += v.size(&name);
                }
            }
            if total > BATCH_MAX_BYTES {
                return Err(SqsError::BatchRequestTooLong(format!(
                    "Batch requests cannot be longer than {BATCH_MAX_BYTES} bytes. You have sent {total} bytes."
                )));
            }
            let mut ids = Vec::new();
            let mut inputs = Vec::new();
            let mut failed = Vec::new();
            for e in &entries {
                let id = string(e, "Id").unwrap_or("").to_string();
                match send_input(e, caller) {
                    Ok(i) => {
                        ids.push(id);
                        inputs.push(i);
                    }
                    Err(err) => failed.push(failed_entry(&id, &err)),
                }
            }
            let results = sqs.send_batch(url, inputs).await?;
            let mut successful = Vec::new();
            for (id, r) in ids.iter().zip(results) {
                match r {
                    Ok(sent) => {
                        let mut m = sent_json(&sent);
                        m.insert("Id".into(), json!(id));
                        successful.push(Value::Object(m));
                    }
                    Err(err) => failed.push(failed_entry(id, &err)),
                }
            }
            Ok(batch_result(successful, failed))
        }
        "ReceiveMessage" => {
            let url = required(input, "QueueUrl")?;
            // The query protocol takes AttributeName.N over
            // MessageSystemAttributeName.N; JSON takes both.
            let mut system = string_list(input, "AttributeNames");
            if !caller.query || system.is_empty() {
                system.extend(string_list(input, "MessageSystemAttributeNames"));
            }
            let received = sqs
                .receive(
                    url,
                    ReceiveInput {
                        max: int(input, "MaxNumberOfMessages")?,
                        visibility_timeout: int(input, "VisibilityTimeout")?,
                        wait_seconds: int(input, "WaitTimeSeconds")?,
                        system_attribute_names: system,
                        attribute_names: string_list(input, "MessageAttributeNames"),
                    },
                )
                .await?;
            if received.is_empty() {
                return Ok(json!({}));
            }
            let messages: Vec<Value> = received.iter().map(received_json).collect();
            Ok(json!({ "Messages": messages }))
        }
        "DeleteMessage" => {
            sqs.delete_message(
                required(input, "QueueUrl")?,
                required(input, "ReceiptHandle")?,
            )
            .await?;
            Ok(json!({}))
        }
        "DeleteMessageBatch" => {
            let url = required(input, "QueueUrl")?;
            sqs.queue(url)?;
            let entries = batch_entries(input)?;
            Ok(per_entry(&entries, |e| async move {
                match string(e, "ReceiptHandle") {
                    Some(h) => sqs.delete_message(url, h).await,
                    None => Err(missing_receipt_handle()),
                }
            })
            .await)
        }
        "ChangeMessageVisibility" => {
            let timeout = int(input, "VisibilityTimeout")?.ok_or_else(|| {
                SqsError::MissingParameter(
                    "The request must contain the parameter VisibilityTimeout.".into(),
                )
            })?;
            sqs.change_visibility(
                required(input, "QueueUrl")?,
                required(input, "ReceiptHandle")?,
                timeout,
            )
            .await?;
            Ok(json!({}))
        }
        "ChangeMessageVisibilityBatch" => {
            let url = required(input, "QueueUrl")?;
            sqs.queue(url)?;
            let entries = batch_entries(input)?;
            Ok(per_entry(&entries, |e| async move {
                match (string(e, "ReceiptHandle"), int(e, "VisibilityTimeout")) {
                    (Some(h), Ok(Some(t))) => sqs.change_visibility(url, h, t).await,
                    (_, Err(err)) => Err(err),
                    _ => Err(missing_receipt_handle()),
                }
            })
            .await)
        }
        "AddPermission"
        | "RemovePermission"
        | "StartMessageMoveTask"
        | "CancelMessageMoveTask"
        | "ListMessageMoveTasks" => Err(SqsError::UnsupportedOperation(format!(
            "lambdalite does not support {operation}."
        ))),
        other => Err(SqsError::InvalidAction(other.to_string())),
    }
}

// ------------------------------------------------------------ query protocol

/// The members of numbered entries `Prefix.N.Member`, as JSON objects.
fn entries(params: &Params, prefix: &str) -> Vec<Value> {
    params
        .numbered(prefix)
        .into_iter()
        .map(|(_, members)| {
            let sub = Params(
                members
                    .into_iter()
                    .map(|(k, v)| (k.trim_start_matches('.').to_string(), v))
                    .collect(),
            );
            entry(&sub)
        })
        .collect()
}

/// One batch entry's members (with its own message attributes).
fn entry(p: &Params) -> Value {
    let mut m = Map::new();
    for (k, v) in &p.0 {
        if !k.contains('.') {
            m.insert(k.clone(), json!(v));
        }
    }
    let attrs = message_attribute_params(p, "MessageAttribute");
    if !attrs.is_empty() {
        m.insert("MessageAttributes".into(), Value::Object(attrs));
    }
    let system = message_attribute_params(p, "MessageSystemAttribute");
    if !system.is_empty() {
        m.insert("MessageSystemAttributes".into(), Value::Object(system));
    }
    Value::Object(m)
}

/// `Prefix.N.Name`, `Prefix.N.Value.StringValue`, ... as a JSON map.
fn message_attribute_params(p: &Params, prefix: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (_, members) in p.numbered(prefix) {
        let mut name = None;
        let mut value = Map::new();
        for (k, v) in members {
            match k.as_str() {
                ".Name" => name = Some(v),
                ".Value.StringValue" => {
                    value.insert("StringValue".into(), json!(v));
                }
                ".Value.BinaryValue" => {
                    value.insert("BinaryValue".into(), json!(v));
                }
                ".Value.DataType" => {
                    value.insert("DataType".into(), json!(v));
                }
                _ => {}
            }
        }
        if let Some(n) = name {
            out.insert(n, Value::Object(value));
        }
    }
    out
}

/// `Prefix.N.{key}` / `Prefix.N.Value` pairs as a JSON map of strings.
fn pairs(p: &Params, prefix: &str, key: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (_, members) in p.numbered(prefix) {
        let mut k = None;
        let mut v = None;
        for (m, value) in members {
            if m == format!(".{key}") {
                k = Some(value);
            } else if m == ".Value" {
                v = Some(value);
            }
        }
        if let (Some(k), Some(v)) = (k, v) {
            out.insert(k, json!(v));
        }
    }
    out
}

fn list(p: &Params, prefix: &str) -> Vec<Value> {
    p.numbered(prefix)
        .into_iter()
        .filter_map(|(_, m)| {
            m.into_iter()
                .find(|(k, _)| k.is_empty())
                .map(|(_, v)| json!(v))
        })
        .collect()
}

/// A query request's parameters as the JSON input of its operation.
/// `path_queue` is the queue URL the request was posted to, if any.
pub fn from_query(params: &Params, path_queue: Option<String>) -> Value {
    let mut m = Map::new();
    for (k, v) in &params.0 {
        if !k.contains('.') && k != "Action" && k != "Version" {
            m.insert(k.clone(), json!(v));
        }
    }
    if !m.contains_key("QueueUrl") {
        if let Some(q) = path_queue {
            m.insert("QueueUrl".into(), json!(q));
        }
    }
    let attrs = pairs(params, "Attribute", "Name");
    if !attrs.is_empty() {
        m.insert("Attributes".into(), Value::Object(attrs));
    }
    let tags = pairs(params, "Tag", "Key");
    if !tags.is_empty() {
        let key = if params.get("Action") == Some("CreateQueue") {
            "tags"
        } else {
            "Tags"
        };
        m.insert(key.into(), Value::Object(tags));
    }
    for (prefix, key) in [
        ("AttributeName", "AttributeNames"),
        ("MessageSystemAttributeName", "MessageSystemAttributeNames"),
        ("MessageAttributeName", "MessageAttributeNames"),
        ("TagKey", "TagKeys"),
    ] {
        let l = list(params, prefix);
        if !l.is_empty() {
            m.insert(key.into(), Value::Array(l));
        }
    }
    let attrs = message_attribute_params(params, "MessageAttribute");
    if !attrs.is_empty() {
        m.insert("MessageAttributes".into(), Value::Object(attrs));
    }
    let system = message_attribute_params(params, "MessageSystemAttribute");
    if !system.is_empty() {
        m.insert("MessageSystemAttributes".into(), Value::Object(system));
    }
    for prefix in [
        "SendMessageBatchRequestEntry",
        "DeleteMessageBatchRequestEntry",
        "ChangeMessageVisibilityBatchRequestEntry",
    ] {
        let e = entries(params, prefix);
        if !e.is_empty() {
            m.insert("Entries".into(), Value::Array(e));
        }
    }
    Value::Object(m)
}

/// Writes an operation's JSON output as the query protocol's result
/// members: lists and maps are flattened, maps as Name/Value (tags as
/// Key/Value) entries.
pub fn to_xml(operation: &str, output: &Value, x: &mut Xml) {
    let Some(obj) = output.as_object() else {
        return;
    };
    for (key, value) in obj {
        match (key.as_str(), value) {
            ("Attributes", Value::Object(map)) => {
                for (k, v) in map {
                    x.open("Attribute", None)
                        .leaf("Name", k)
                        .leaf("Value", v.as_str().unwrap_or(""))
                        .close("Attribute");
                }
            }
            ("Tags", Value::Object(map)) => {
                for (k, v) in map {
                    x.open("Tag", None)
                        .leaf("Key", k)
                        .leaf("Value", v.as_str().unwrap_or(""))
                        .close("Tag");
                }
            }
            ("MessageAttributes", Value::Object(map)) => {
                for (k, v) in map {
                    x.open("MessageAttribute", None).leaf("Name", k);
                    x.open("Value", None);
                    for (field, fv) in v.as_object().into_iter().flatten() {
                        x.leaf(field, fv.as_str().unwrap_or(""));
                    }
                    x.close("Value").close("MessageAttribute");
                }
            }
            (_, Value::Array(items)) => {
                let member = match key.as_str() {
                    "QueueUrls" | "queueUrls" => "QueueUrl".to_string(),
                    "Messages" => "Message".to_string(),
                    "Failed" => "BatchResultErrorEntry".to_string(),
                    "Successful" => format!("{operation}ResultEntry"),
                    other => other.to_string(),
                };
                for item in items {
                    match item {
                        Value::Object(_) => {
                            x.open(&member, None);
                            to_xml(operation, item, x);
                            x.close(&member);
                        }
                        v => {
                            x.leaf(&member, &scalar(v));
                        }
                    }
                }
            }
            (_, Value::Object(_)) => {
                x.open(key, None);
                to_xml(operation, value, x);
                x.close(key);
            }
            (_, v) => {
                x.leaf(key, &scalar(v));
            }
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

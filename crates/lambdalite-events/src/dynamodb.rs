//! DynamoDB Streams, read from the user's DynamoDB-compatible server (or
//! AWS) through its API: DescribeStream, GetShardIterator and GetRecords,
//! signed with SigV4 for `dynamodb`. lambdalite does not keep tables; it
//! consumes their streams as Lambda does.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use lambdalite_protocol::sigv4::{sign_post, Credentials};
use serde_json::{json, Map, Value};

use crate::streams::{ReadFrom, StreamRecord, Streams};
use crate::BoxFuture;

/// Most records one GetRecords returns.
const MAX_RECORDS: usize = 1000;

/// Per (stream, shard): the position the cached iterator reads from, and
/// the iterator (`None`: a closed shard read to its end).
type Iterators = HashMap<(String, String), (ReadFrom, Option<String>)>;

/// A DynamoDB Streams endpoint.
pub struct DynamoStreams {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    region: String,
    credentials: Credentials,
    iterators: Mutex<Iterators>,
}

/// Why a call failed: AWS's error type, and its message.
#[derive(Debug)]
struct CallError {
    code: String,
    message: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl DynamoStreams {
    /// Streams at `endpoint` (`http://127.0.0.1:8000`), signed with
    /// `credentials` for `region`.
    pub fn new(endpoint: &str, region: &str, credentials: Credentials) -> DynamoStreams {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let host = endpoint
            .split_once("://")
            .map_or(endpoint.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        DynamoStreams {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            endpoint,
            host,
            region: region.to_string(),
            credentials,
            iterators: Mutex::new(HashMap::new()),
        }
    }

    async fn call(&self, operation: &str, input: Value) -> Result<Value, CallError> {
        let body = input.to_string();
        let target = format!("DynamoDBStreams_20120810.{operation}");
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target.as_str()),
        ];
        let signed = sign_post(
            &self.credentials,
            &self.region,
            "dynamodb",
            &self.host,
            &headers,
            body.as_bytes(),
            chrono::Utc::now(),
        );
        let mut req = self.http.post(format!("{}/", self.endpoint)).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        for (k, v) in signed {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| CallError {
            code: "Unreachable".into(),
            message: e.to_string(),
        })?;
        let status = resp.status();
        let bytes = resp.bytes().await.unwrap_or_default();
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(v);
        }
        let code = v
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        let message = v
            .get("message")
            .or_else(|| v.get("Message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Err(CallError { code, message })
    }

    async fn shards(&self, arn: &str) -> Result<Option<Vec<String>>, String> {
        let mut ids = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut input = json!({ "StreamArn": arn });
            if let Some(a) = &after {
                input["ExclusiveStartShardId"] = json!(a);
            }
            let out = match self.call("DescribeStream", input).await {
                Ok(v) => v,
                Err(e) if e.code == "ResourceNotFoundException" => return Ok(None),
                Err(e) if e.code == "ValidationException" => return Ok(None),
                Err(e) => return Err(e.to_string()),
            };
            let d = &out["StreamDescription"];
            for s in d["Shards"].as_array().into_iter().flatten() {
                if let Some(id) = s["ShardId"].as_str() {
                    ids.push(id.to_string());
                }
            }
            match d["LastEvaluatedShardId"].as_str() {
                Some(last) => after = Some(last.to_string()),
                None => return Ok(Some(ids)),
            }
        }
    }

    async fn iterator(&self, arn: &str, shard: &str, from: &ReadFrom) -> Result<String, String> {
        let mut input = json!({ "StreamArn": arn, "ShardId": shard });
        match from {
            ReadFrom::TrimHorizon => input["ShardIteratorType"] = json!("TRIM_HORIZON"),
            ReadFrom::Latest => input["ShardIteratorType"] = json!("LATEST"),
            ReadFrom::After(seq) => {
                input["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
                input["SequenceNumber"] = json!(seq);
            }
            ReadFrom::AtTimestamp(_) => {
                return Err("DynamoDB streams have no AT_TIMESTAMP iterators".into())
            }
        }
        let out = self
            .call("GetShardIterator", input)
            .await
            .map_err(|e| e.to_string())?;
        out["ShardIterator"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "GetShardIterator gave no iterator".into())
    }

    async fn records(
        &self,
        arn: &str,
        shard: &str,
        from: &ReadFrom,
        max: usize,
    ) -> Result<Vec<StreamRecord>, String> {
        let key = (arn.to_string(), shard.to_string());
        let cached = {
            let its = self.iterators.lock().unwrap_or_else(|e| e.into_inner());
            its.get(&key)
                .filter(|(at, _)| at == from)
                .map(|(_, it)| it.clone())
        };
        let iterator = match cached {
            Some(None) => return Ok(Vec::new()),
            Some(Some(it)) => it,
            None => self.iterator(arn, shard, from).await?,
        };
        let out = match self
            .call(
                "GetRecords",
                json!({ "ShardIterator": iterator, "Limit": max.clamp(1, MAX_RECORDS) }),
            )
            .await
        {
            Ok(v) => v,
            Err(e) => {
                // An expired or trimmed iterator: start again from `from`.
                self.iterators
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&key);
                return Err(e.to_string());
            }
        };
        let records: Vec<StreamRecord> = out["Records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(record_of)
            .collect();
        let next = out["NextShardIterator"].as_str().map(str::to_string);
        let at = records.last().map_or_else(
            || from.clone(),
            |r| ReadFrom::After(r.sequence_number.clone()),
        );
        self.iterators
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (at, next));
        Ok(records)
    }
}

/// A GetRecords record as a mapping keeps it: AWS's record, rebuilt with
/// the keys and order Lambda sends.
fn record_of(r: &Value) -> Option<StreamRecord> {
    let d = r.get("dynamodb")?;
    let seq = d.get("SequenceNumber")?.as_str()?.to_string();
    let created = d
        .get("ApproximateCreationDateTime")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let mut inner = Map::new();
    inner.insert(
        "ApproximateCreationDateTime".into(),
        json!(created.trunc() as i64),
    );
    for key in [
        "Keys",
        "NewImage",
        "OldImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    ] {
        if let Some(v) = d.get(key) {
            inner.insert(key.into(), v.clone());
        }
    }
    let mut out = Map::new();
    out.insert(
        "eventID".into(),
        r.get("eventID").cloned().unwrap_or(Value::Null),
    );
    out.insert(
        "eventName".into(),
        r.get("eventName").cloned().unwrap_or(Value::Null),
    );
    out.insert("eventVersion".into(), json!("1.1"));
    out.insert("eventSource".into(), json!("aws:dynamodb"));
    out.insert("dynamodb".into(), Value::Object(inner));
    if let Some(u) = r.get("userIdentity") {
        out.insert("userIdentity".into(), u.clone());
    }
    let keys = d.get("Keys").map(Value::to_string).unwrap_or_default();
    Some(StreamRecord {
        sequence_number: seq,
        partition_key: keys,
        data: Bytes::new(),
        arrival_ms: (created * 1000.0) as i64,
        dynamodb: Some(Value::Object(out)),
    })
}

impl Streams for DynamoStreams {
    fn shard_ids(&self, stream_arn: &str) -> BoxFuture<'_, Result<Option<Vec<String>>, String>> {
        let arn = stream_arn.to_string();
        Box::pin(async move { self.shards(&arn).await })
    }

    fn read(
        &self,
        stream_arn: &str,
        shard_id: &str,
        from: &ReadFrom,
        max: usize,
    ) -> BoxFuture<'_, Result<Vec<StreamRecord>, String>> {
        let (arn, shard, from) = (stream_arn.to_string(), shard_id.to_string(), from.clone());
        Box::pin(async move { self.records(&arn, &shard, &from, max).await })
    }

    fn prepare(
        &self,
        stream_arn: &str,
        shard_id: &str,
        from: &ReadFrom,
    ) -> BoxFuture<'_, Result<(), String>> {
        let (arn, shard, from) = (stream_arn.to_string(), shard_id.to_string(), from.clone());
        Box::pin(async move {
            let it = self.iterator(&arn, &shard, &from).await?;
            self.iterators
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((arn, shard), (from, Some(it)));
            Ok(())
        })
    }

    fn newest(&self, _stream_arn: &str, _shard_id: &str) -> BoxFuture<'_, Option<String>> {
        Box::pin(std::future::ready(None))
    }

    fn watch(&self, _stream_arn: &str) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_rebuilt_as_lambda_sends_them() {
        let r = json!({
            "eventID": "e1", "eventName": "INSERT", "eventVersion": "1.0",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {
                "StreamViewType": "NEW_IMAGE", "SequenceNumber": "100", "SizeBytes": 9,
                "Keys": {"id": {"S": "a"}}, "NewImage": {"id": {"S": "a"}},
                "ApproximateCreationDateTime": 1700000000.5
            }
        });
        let s = record_of(&r).unwrap();
        assert_eq!(s.sequence_number, "100");
        assert_eq!(s.arrival_ms, 1_700_000_000_500);
        let d = s.dynamodb.unwrap();
        assert_eq!(d["eventVersion"], "1.1");
        let keys: Vec<&str> = d["dynamodb"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "ApproximateCreationDateTime",
                "Keys",
                "NewImage",
                "SequenceNumber",
                "SizeBytes",
                "StreamViewType"
            ]
        );
    }
}

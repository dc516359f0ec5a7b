//! Streams, shards and records, and the operations on them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use lambdalite_events::streams::{ReadFrom, StreamRecord, Streams};
use lambdalite_events::BoxFuture;
use lambdalite_protocol::json::ServiceError;
use lambdalite_store::streams::{RecordRow, StreamOp, StreamRow, StreamState, StreamStore};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::iterator::{self, Iterator, ITERATOR_TTL_MS};

/// The hash key space, `[0, 2^128 - 1]`.
const HASH_MAX: u128 = u128::MAX;
/// Shards an on-demand stream starts with, as on AWS.
const ON_DEMAND_SHARDS: u32 = 4;
/// Shards a provisioned stream may have here.
const MAX_SHARDS: u32 = 1000;
const MAX_RECORD_BYTES: usize = 1024 * 1024;
const MAX_PUT_RECORDS: usize = 500;
const MAX_PUT_RECORDS_BYTES: usize = 5 * 1024 * 1024;
const DEFAULT_RETENTION_HOURS: i64 = 24;
const MAX_RETENTION_HOURS: i64 = 8760;
/// Most records one GetRecords returns, and most bytes.
const MAX_GET_RECORDS: usize = 10_000;
const MAX_GET_BYTES: usize = 10 * 1024 * 1024;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn seconds(ms: i64) -> Value {
    json!((ms as f64) / 1000.0)
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::client("InvalidArgumentException", message)
}

fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError::client("ValidationException", message)
}

/// A stream as stored (its records are stored apart).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StreamDoc {
    name: String,
    created_ms: i64,
    shard_count: u32,
    /// `PROVISIONED` or `ON_DEMAND`.
    mode: String,
    retention_hours: i64,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    shard_level_metrics: Vec<String>,
}

struct Record {
    seq: u64,
    partition_key: Arc<str>,
    data: Bytes,
    arrival_ms: i64,
}

#[derive(Default)]
struct ShardLog {
    /// Records in order of place; places are consecutive.
    records: VecDeque<Record>,
    /// The place the next record gets.
    next_seq: u64,
}

impl ShardLog {
    /// The index of the first record at or after `seq`.
    fn index_of(&self, seq: u64) -> usize {
        match self.records.front() {
            Some(first) if seq > first.seq => ((seq - first.seq) as usize).min(self.records.len()),
            _ => 0,
        }
    }
}

struct Shard {
    index: u32,
    start_hash: u128,
    end_hash: u128,
    log: Mutex<ShardLog>,
    /// The newest place that is durable: readers see no further.
    committed: AtomicU64,
}

impl Shard {
    fn id(&self) -> String {
        shard_id(self.index)
    }
}

fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

/// A shard id's index: the number after its last `-`, as AWS reads it.
fn parse_shard_id(id: &str) -> Option<u32> {
    let n = id.rsplit('-').next()?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

struct Stream {
    doc: Mutex<StreamDoc>,
    name: String,
    created_ms: i64,
    arn: String,
    shards: Vec<Shard>,
    /// Held while places are given and the records sent to the writer, so
    /// commits come in the order of places.
    put_lock: Mutex<()>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Stream {
    fn doc(&self) -> StreamDoc {
        self.doc.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn shard_for(&self, hash: u128) -> &Shard {
        self.shards
            .iter()
            .find(|s| s.start_hash <= hash && hash <= s.end_hash)
            .unwrap_or(&self.shards[self.shards.len() - 1])
    }

    fn shard(&self, id: &str) -> Option<&Shard> {
        let i = parse_shard_id(id)?;
        self.shards.get(i as usize)
    }

    /// The sequence number of the record at `seq` in `shard`, which
    /// arrived at `arrival_ms` (place 0: the shard's start).
    fn seq_number(&self, shard: u32, seq: u64, arrival_ms: i64) -> String {
        iterator::sequence_number(self.created_ms / 1000, shard, seq, arrival_ms / 1000)
    }

    fn owns(&self, created_s: i64) -> bool {
        created_s == self.created_ms / 1000
    }
}

/// Shards' hash key ranges, as AWS splits them: each `floor(2^128 / N)`
/// wide, the last reaching `2^128 - 1`.
fn ranges(count: u32) -> Vec<(u128, u128)> {
    if count <= 1 {
        return vec![(0, HASH_MAX)];
    }
    let n = u128::from(count);
    // floor((MAX + 1) / n), without overflowing.
    let width = HASH_MAX / n + u128::from(HASH_MAX % n == n - 1);
    (0..count)
        .map(|i| {
            let start = width * u128::from(i);
            let end = if i + 1 == count {
                HASH_MAX
            } else {
                start + width - 1
            };
            (start, end)
        })
        .collect()
}

fn build(doc: StreamDoc, account: &str, region: &str) -> Arc<Stream> {
    let shards = ranges(doc.shard_count)
        .into_iter()
        .enumerate()
        .map(|(i, (start_hash, end_hash))| Shard {
            index: i as u32,
            start_hash,
            end_hash,
            log: Mutex::new(ShardLog::default()),
            committed: AtomicU64::new(0),
        })
        .collect();
    let (changed, _) = tokio::sync::watch::channel(0);
    Arc::new(Stream {
        name: doc.name.clone(),
        created_ms: doc.created_ms,
        arn: format!("arn:aws:kinesis:{region}:{account}:stream/{}", doc.name),
        doc: Mutex::new(doc),
        shards,
        put_lock: Mutex::new(()),
        changed,
    })
}

/// A partition key's place in the hash key space: its MD5 as a 128-bit
/// number.
pub fn hash_key(partition_key: &str) -> u128 {
    let digest = Md5::digest(partition_key.as_bytes());
    u128::from_be_bytes(digest.into())
}

/// The Kinesis service: its streams, in memory, written through to the
/// store.
pub struct Kinesis {
    account: String,
    region: String,
    store: StreamStore,
    streams: RwLock<BTreeMap<String, Arc<Stream>>>,
}

struct PutItem {
    partition_key: Arc<str>,
    data: Bytes,
    hash: u128,
}

impl Kinesis {
    /// The service with what the store held, and its retention sweeper.
    pub fn new(account: &str, region: &str, store: StreamStore, state: StreamState) -> Arc<Self> {
        let mut streams = BTreeMap::new();
        for row in state.streams {
            let Ok(doc) = serde_json::from_str::<StreamDoc>(&row.body) else {
                tracing::warn!(stream = %row.name, "an unreadable stream record was skipped");
                continue;
            };
            streams.insert(row.name.clone(), build(doc, account, region));
        }
        for r in state.records {
            let Some(stream) = streams.get(&r.stream) else {
                continue;
            };
            let Some(shard) = stream.shards.get(r.shard as usize) else {
                continue;
            };
            let mut log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
            if r.seq < log.next_seq {
                continue;
            }
            log.next_seq = r.seq + 1;
            log.records.push_back(Record {
                seq: r.seq,
                partition_key: r.partition_key.into(),
                data: r.data.into(),
                arrival_ms: r.arrival_ms,
            });
            shard.committed.store(r.seq, Ordering::Release);
        }
        for stream in streams.values() {
            for shard in &stream.shards {
                let mut log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
                if log.next_seq == 0 {
                    log.next_seq = 1;
                }
            }
        }
        let kinesis = Arc::new(Kinesis {
            account: account.to_string(),
            region: region.to_string(),
            store,
            streams: RwLock::new(streams),
        });
        kinesis.trim();
        let weak = Arc::downgrade(&kinesis);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(k) = weak.upgrade() else { break };
                k.trim();
            }
        });
        kinesis
    }

    /// Drops records past their stream's retention.
    fn trim(&self) {
        let now = now_ms();
        for stream in self.all() {
            let before = now - stream.doc().retention_hours * 3_600_000;
            let mut dropped = false;
            for shard in &stream.shards {
                let mut log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
                while log.records.front().is_some_and(|r| r.arrival_ms < before) {
                    log.records.pop_front();
                    dropped = true;
                }
            }
            if dropped {
                let _ = self.store.apply_later(StreamOp::Trim {
                    stream: stream.name.clone(),
                    before_ms: before,
                });
            }
        }
    }

    fn all(&self) -> Vec<Arc<Stream>> {
        self.read_streams().values().cloned().collect()
    }

    fn read_streams(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Stream>>> {
        self.streams.read().unwrap_or_else(|e| e.into_inner())
    }

    fn not_found(&self, name: &str) -> ServiceError {
        ServiceError::client(
            "ResourceNotFoundException",
            format!("Stream {name} under account {} not found.", self.account),
        )
    }

    fn name_of_arn<'a>(&self, arn: &'a str) -> Option<&'a str> {
        let rest = arn.strip_prefix("arn:aws:kinesis:")?;
        let mut parts = rest.splitn(3, ':');
        let region = parts.next()?;
        let account = parts.next()?;
        let name = parts.next()?.strip_prefix("stream/")?;
        (region == self.region && account == self.account && !name.contains('/')).then_some(name)
    }

    fn by_arn(&self, arn: &str) -> Option<Arc<Stream>> {
        let name = self.name_of_arn(arn)?;
        self.read_streams().get(name).cloned()
    }

    /// The stream an input names, by StreamName or StreamARN.
    fn resolve(&self, input: &Value) -> Result<Arc<Stream>, ServiceError> {
        let name = str_field(input, "StreamName");
        let arn = str_field(input, "StreamARN");
        match (name, arn) {
            (Some(name), _) => {
                check_stream_name(name)?;
                self.read_streams()
                    .get(name)
                    .cloned()
                    .ok_or_else(|| self.not_found(name))
            }
            (None, Some(arn)) => {
                let Some(name) = arn
                    .strip_prefix("arn:aws:kinesis:")
                    .and_then(|r| r.split_once(":stream/"))
                    .map(|(_, n)| n)
                else {
                    return Err(validation(format!(
                        "1 validation error detected: Value '{arn}' at 'streamARN' failed to \
                         satisfy constraint: Member must satisfy regular expression pattern: \
                         arn:aws.*:kinesis:.*:\\d{{12}}:stream/\\S+"
                    )));
                };
                self.by_arn(arn).ok_or_else(|| self.not_found(name))
            }
            (None, None) => Err(invalid(
                "Either StreamName or StreamARN should be provided.",
            )),
        }
    }

    pub async fn execute(&self, op: &str, input: &Value) -> Result<Value, ServiceError> {
        match op {
            "CreateStream" => self.create_stream(input).await,
            "DeleteStream" => self.delete_stream(input).await,
            "DescribeStream" => self.describe_stream(input),
            "DescribeStreamSummary" => self.describe_stream_summary(input),
            "ListStreams" => self.list_streams(input),
            "ListShards" => self.list_shards(input),
            "PutRecord" => self.put_record(input).await,
            "PutRecords" => self.put_records(input).await,
            "GetShardIterator" => self.get_shard_iterator(input),
            "GetRecords" => self.get_records(input),
            "IncreaseStreamRetentionPeriod" => self.retention(input, true).await,
            "DecreaseStreamRetentionPeriod" => self.retention(input, false).await,
            "AddTagsToStream" => self.add_tags(input).await,
            "RemoveTagsFromStream" => self.remove_tags(input).await,
            "ListTagsForStream" => self.list_tags_for_stream(input),
            "TagResource" => self.tag_resource(input).await,
            "UntagResource" => self.untag_resource(input).await,
            "ListTagsForResource" => self.list_tags_for_resource(input),
            "EnableEnhancedMonitoring" => self.monitoring(input, true).await,
            "DisableEnhancedMonitoring" => self.monitoring(input, false).await,
            "DescribeLimits" => Ok(self.describe_limits()),
            "UpdateShardCount" | "SplitShard" | "MergeShards" | "UpdateStreamMode" => {
                Err(ServiceError::client(
                    "UnknownOperationException",
                    format!(
                        "{op} is not supported by lambdalite's Kinesis: a stream keeps the \
                         shards it was created with."
                    ),
                ))
            }
            other => Err(ServiceError::client(
                "UnknownOperationException",
                format!("The operation {other} is not supported by lambdalite's Kinesis."),
            )),
        }
    }

    async fn commit(&self, op: StreamOp) -> Result<(), ServiceError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.store
            .apply_then(
                op,
                Box::new(move |r| {
                    let _ = tx.send(r);
                }),
            )
            .map_err(|e| {
                tracing::error!(error = %e, "writing a stream");
                ServiceError::internal()
            })?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            other => {
                tracing::error!(outcome = ?other, "committing a stream change");
                Err(ServiceError::internal())
            }
        }
    }

    async fn save(&self, stream: &Stream) -> Result<(), ServiceError> {
        let doc = stream.doc();
        self.commit(StreamOp::PutStream(StreamRow {
            name: doc.name.clone(),
            body: serde_json::to_string(&doc).unwrap_or_default(),
        }))
        .await
    }

    async fn create_stream(&self, input: &Value) -> Result<Value, ServiceError> {
        let Some(name) = str_field(input, "StreamName") else {
            return Err(missing("streamName"));
        };
        check_stream_name(name)?;
        let mut mode = input
            .pointer("/StreamModeDetails/StreamMode")
            .and_then(Value::as_str)
            .unwrap_or("PROVISIONED");
        if mode != "PROVISIONED" && mode != "ON_DEMAND" {
            return Err(validation(format!(
                "1 validation error detected: Value '{mode}' at 'streamModeDetails.streamMode' \
                 failed to satisfy constraint: Member must satisfy enum value set: \
                 [ON_DEMAND, PROVISIONED]"
            )));
        }
        let count = match (mode, input.get("ShardCount")) {
            ("ON_DEMAND", None | Some(Value::Null)) => ON_DEMAND_SHARDS,
            // Neither: an on-demand stream, as on AWS.
            (_, None | Some(Value::Null)) if input.get("StreamModeDetails").is_none() => {
                mode = "ON_DEMAND";
                ON_DEMAND_SHARDS
            }
            ("ON_DEMAND", Some(_)) => {
                return Err(invalid(
                    "ShardCount can not be specified when StreamMode is ON_DEMAND",
                ))
            }
            (_, None | Some(Value::Null)) => {
                return Err(invalid(
                    "ShardCount is required when StreamMode is PROVISIONED or not specified",
                ))
            }
            (_, Some(v)) => match v.as_i64() {
                Some(n) if n >= 1 && n <= i64::from(MAX_SHARDS) => n as u32,
                Some(n) if n < 1 => {
                    return Err(validation(format!(
                        "1 validation error detected: Value '{n}' at 'shardCount' failed to \
                         satisfy constraint: Member must have value greater than or equal to 1"
                    )))
                }
                Some(n) => {
                    return Err(ServiceError::client(
                        "LimitExceededException",
                        format!(
                            "This request would exceed the shard limit for the account {} in \
                             {}. Current shard count for the account: 0. Limit: {MAX_SHARDS}. \
                             Number of additional shards that would have resulted from this \
                             request: {n}.",
                            self.account, self.region
                        ),
                    ))
                }
                None => {
                    return Err(ServiceError::client(
                        "SerializationException",
                        "STRING_VALUE can not be converted to an Integer",
                    ))
                }
            },
        };
        let tags = tag_map(input.get("Tags"))?;
        let doc = StreamDoc {
            name: name.to_string(),
            created_ms: now_ms(),
            shard_count: count,
            mode: mode.to_string(),
            retention_hours: DEFAULT_RETENTION_HOURS,
            tags,
            shard_level_metrics: Vec::new(),
        };
        let stream = {
            let mut streams = self.streams.write().unwrap_or_else(|e| e.into_inner());
            if streams.contains_key(name) {
                return Err(ServiceError::client(
                    "ResourceInUseException",
                    format!(
                        "Stream {name} under account {} already exists.",
                        self.account
                    ),
                ));
            }
            let stream = build(doc, &self.account, &self.region);
            for shard in &stream.shards {
                shard.log.lock().unwrap_or_else(|e| e.into_inner()).next_seq = 1;
            }
            streams.insert(name.to_string(), stream.clone());
            stream
        };
        if let Err(e) = self.save(&stream).await {
            self.streams
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(name);
            return Err(e);
        }
        tracing::info!(stream = %name, shards = count, mode, "stream created");
        Ok(json!({}))
    }

    async fn delete_stream(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let removed = self
            .streams
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&stream.name);
        if removed.is_none() {
            return Err(self.not_found(&stream.name));
        }
        self.commit(StreamOp::DeleteStream(stream.name.clone()))
            .await?;
        stream.changed.send_modify(|v| *v += 1);
        Ok(json!({}))
    }

    fn shard_json(&self, stream: &Stream, shard: &Shard) -> Value {
        json!({
            "ShardId": shard.id(),
            "HashKeyRange": {
                "StartingHashKey": shard.start_hash.to_string(),
                "EndingHashKey": shard.end_hash.to_string(),
            },
            "SequenceNumberRange": {
                "StartingSequenceNumber": stream.seq_number(shard.index, 0, stream.created_ms),
            },
        })
    }

    fn mode_details(doc: &StreamDoc) -> Value {
        json!({ "StreamMode": doc.mode })
    }

    fn monitoring_json(doc: &StreamDoc) -> Value {
        json!([{ "ShardLevelMetrics": doc.shard_level_metrics }])
    }

    fn describe_stream(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let limit = page_size(input, "Limit", "limit", 100)?;
        let after = str_field(input, "ExclusiveStartShardId");
        let mut shards: Vec<&Shard> = stream
            .shards
            .iter()
            .filter(|s| after.is_none_or(|a| s.id().as_str() > a))
            .collect();
        let more = shards.len() > limit;
        shards.truncate(limit);
        let doc = stream.doc();
        Ok(json!({
            "StreamDescription": {
                "StreamName": doc.name,
                "StreamARN": stream.arn,
                "StreamStatus": "ACTIVE",
                "StreamModeDetails": Self::mode_details(&doc),
                "Shards": shards.iter().map(|s| self.shard_json(&stream, s)).collect::<Vec<_>>(),
                "HasMoreShards": more,
                "RetentionPeriodHours": doc.retention_hours,
                "StreamCreationTimestamp": seconds(doc.created_ms),
                "EnhancedMonitoring": Self::monitoring_json(&doc),
                "EncryptionType": "NONE",
            }
        }))
    }

    fn describe_stream_summary(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let doc = stream.doc();
        Ok(json!({
            "StreamDescriptionSummary": {
                "StreamName": doc.name,
                "StreamARN": stream.arn,
                "StreamStatus": "ACTIVE",
                "StreamModeDetails": Self::mode_details(&doc),
                "RetentionPeriodHours": doc.retention_hours,
                "StreamCreationTimestamp": seconds(doc.created_ms),
                "EnhancedMonitoring": Self::monitoring_json(&doc),
                "EncryptionType": "NONE",
                "OpenShardCount": stream.shards.len(),
                "ConsumerCount": 0,
            }
        }))
    }

    fn list_streams(&self, input: &Value) -> Result<Value, ServiceError> {
        let limit = page_size(input, "Limit", "limit", 100)?;
        let after = match str_field(input, "NextToken") {
            Some(t) => {
                Some(decode_token(t).ok_or_else(|| invalid(format!("Invalid NextToken: {t}")))?)
            }
            None => str_field(input, "ExclusiveStartStreamName").map(str::to_string),
        };
        let streams = self.all();
        let mut page: Vec<&Arc<Stream>> = streams
            .iter()
            .filter(|s| after.as_deref().is_none_or(|a| s.name.as_str() > a))
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        let mut out = Map::new();
        out.insert(
            "StreamNames".into(),
            json!(page.iter().map(|s| s.name.clone()).collect::<Vec<_>>()),
        );
        out.insert("HasMoreStreams".into(), json!(more));
        if more {
            if let Some(last) = page.last() {
                out.insert("NextToken".into(), json!(encode_token(&last.name)));
            }
        }
        out.insert(
            "StreamSummaries".into(),
            json!(page
                .iter()
                .map(|s| {
                    let doc = s.doc();
                    json!({
                        "StreamName": doc.name,
                        "StreamARN": s.arn,
                        "StreamStatus": "ACTIVE",
                        "StreamModeDetails": Self::mode_details(&doc),
                        "StreamCreationTimestamp": seconds(doc.created_ms),
                    })
                })
                .collect::<Vec<_>>()),
        );
        Ok(Value::Object(out))
    }

    fn list_shards(&self, input: &Value) -> Result<Value, ServiceError> {
        let token = str_field(input, "NextToken");
        let named =
            str_field(input, "StreamName").is_some() || str_field(input, "StreamARN").is_some();
        if token.is_none() && !named {
            return Err(invalid(
                "Either NextToken or StreamName should be provided.",
            ));
        }
        let (stream, after) = match token {
            Some(t) => {
                if named {
                    return Err(invalid(
                        "NextToken and StreamName cannot be provided together.",
                    ));
                }
                let decoded = decode_token(t).ok_or_else(|| {
                    invalid("Invalid ShardId in ExclusiveStartShardId or NextToken.")
                })?;
                let Some((name, shard)) = decoded.split_once('|') else {
                    return Err(invalid("Invalid NextToken."));
                };
                let stream = self
                    .read_streams()
                    .get(name)
                    .cloned()
                    .ok_or_else(|| self.not_found(name))?;
                (stream, Some(shard.to_string()))
            }
            None => (
                self.resolve(input)?,
                str_field(input, "ExclusiveStartShardId").map(str::to_string),
            ),
        };
        let max = page_size(input, "MaxResults", "maxResults", 1000)?;
        let filter_after = match input.get("ShardFilter") {
            Some(f) => {
                let kind = f.get("Type").and_then(Value::as_str).unwrap_or_default();
                match kind {
                    "AFTER_SHARD_ID" => match f.get("ShardId").and_then(Value::as_str) {
                        Some(id) => Some(id.to_string()),
                        None => {
                            return Err(invalid(
                                "Must specify ShardId for ShardFilter type AFTER_SHARD_ID",
                            ))
                        }
                    },
                    "AT_TRIM_HORIZON" | "FROM_TRIM_HORIZON" | "AT_LATEST" => None,
                    "AT_TIMESTAMP" | "FROM_TIMESTAMP" => {
                        if f.get("Timestamp").is_none() {
                            return Err(invalid(format!(
                                "Must specify timestamp for ShardFilter type {kind}"
                            )));
                        }
                        None
                    }
                    other => {
                        return Err(validation(format!(
                            "1 validation error detected: Value '{other}' at 'shardFilter.type' \
                             failed to satisfy constraint: Member must satisfy enum value set: \
                             [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, \
                             AT_TIMESTAMP, FROM_TIMESTAMP]"
                        )))
                    }
                }
            }
            None => None,
        };
        let mut shards: Vec<&Shard> = stream
            .shards
            .iter()
            .filter(|s| after.as_deref().is_none_or(|a| s.id().as_str() > a))
            .filter(|s| filter_after.as_deref().is_none_or(|a| s.id().as_str() > a))
            .collect();
        let more = shards.len() > max;
        shards.truncate(max);
        let mut out = Map::new();
        out.insert(
            "Shards".into(),
            json!(shards
                .iter()
                .map(|s| self.shard_json(&stream, s))
                .collect::<Vec<_>>()),
        );
        if more {
            if let Some(last) = shards.last() {
                out.insert(
                    "NextToken".into(),
                    json!(encode_token(&format!("{}|{}", stream.name, last.id()))),
                );
            }
        }
        Ok(Value::Object(out))
    }

    /// Checks one record's key, data and explicit hash key.
    fn put_item(&self, input: &Value, prefix: &str) -> Result<PutItem, ServiceError> {
        let data = match input.get("Data") {
            Some(Value::String(s)) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| {
                    ServiceError::client(
                        "SerializationException",
                        "Base64 encoded data is not valid",
                    )
                })?,
            _ => return Err(missing(&format!("{prefix}data"))),
        };
        if data.len() > MAX_RECORD_BYTES {
            return Err(validation(format!(
                "1 validation error detected: Value at '{prefix}data' failed to satisfy \
                 constraint: Member must have length less than or equal to {MAX_RECORD_BYTES}"
            )));
        }
        let Some(key) = str_field(input, "PartitionKey") else {
            return Err(missing(&format!("{prefix}partitionKey")));
        };
        let chars = key.chars().count();
        if chars == 0 || chars > 256 {
            return Err(validation(format!(
                "1 validation error detected: Value '{key}' at '{prefix}partitionKey' failed \
                 to satisfy constraint: Member must have length {}",
                if chars == 0 {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 256"
                }
            )));
        }
        let hash = match str_field(input, "ExplicitHashKey") {
            Some(h) => parse_hash_key(h).ok_or_else(|| {
                invalid(format!(
                    "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: \
                     [0, 2^128-1]. Specified value was {h}"
                ))
            })?,
            None => hash_key(key),
        };
        Ok(PutItem {
            partition_key: key.into(),
            data: data.into(),
            hash,
        })
    }

    /// Gives the records their places and commits them; each record's
    /// (shard, place).
    async fn append(
        &self,
        stream: &Arc<Stream>,
        items: Vec<PutItem>,
    ) -> Result<Vec<(u32, u64, i64)>, ServiceError> {
        let (rx, placed) = {
            let _order = stream.put_lock.lock().unwrap_or_else(|e| e.into_inner());
            let now = now_ms();
            let mut rows = Vec::with_capacity(items.len());
            let mut placed = Vec::with_capacity(items.len());
            let mut newest: BTreeMap<u32, u64> = BTreeMap::new();
            for item in items {
                let shard = stream.shard_for(item.hash);
                let mut log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
                let seq = log.next_seq.max(1);
                log.next_seq = seq + 1;
                let arrival_ms = log.records.back().map_or(now, |r| r.arrival_ms.max(now));
                rows.push(RecordRow {
                    stream: stream.name.clone(),
                    shard: shard.index,
                    seq,
                    partition_key: item.partition_key.to_string(),
                    data: item.data.to_vec(),
                    arrival_ms,
                });
                log.records.push_back(Record {
                    seq,
                    partition_key: item.partition_key,
                    data: item.data,
                    arrival_ms,
                });
                placed.push((shard.index, seq, arrival_ms));
                newest.insert(shard.index, seq);
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            let s = stream.clone();
            self.store
                .apply_then(
                    StreamOp::Append(rows),
                    Box::new(move |r| {
                        if r.is_ok() {
                            for (shard, seq) in newest {
                                s.shards[shard as usize]
                                    .committed
                                    .fetch_max(seq, Ordering::AcqRel);
                            }
                            s.changed.send_modify(|v| *v += 1);
                        }
                        let _ = tx.send(r);
                    }),
                )
                .map_err(|e| {
                    tracing::error!(error = %e, "writing records");
                    ServiceError::internal()
                })?;
            (rx, placed)
        };
        match rx.await {
            Ok(Ok(())) => Ok(placed),
            other => {
                tracing::error!(outcome = ?other, "committing records");
                Err(ServiceError::internal())
            }
        }
    }

    async fn put_record(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let item = self.put_item(input, "")?;
        let placed = self.append(&stream, vec![item]).await?;
        let (shard, seq, at) = placed[0];
        Ok(json!({
            "ShardId": shard_id(shard),
            "SequenceNumber": stream.seq_number(shard, seq, at),
        }))
    }

    async fn put_records(&self, input: &Value) -> Result<Value, ServiceError> {
        let records = match input.get("Records") {
            Some(Value::Array(r)) => r,
            _ => return Err(missing("records")),
        };
        if records.is_empty() || records.len() > MAX_PUT_RECORDS {
            return Err(validation(format!(
                "1 validation error detected: Value '{}' at 'records' failed to satisfy \
                 constraint: Member must have length {}",
                if records.is_empty() {
                    "[]".to_string()
                } else {
                    format!("[{} records]", records.len())
                },
                if records.is_empty() {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 500"
                }
            )));
        }
        let stream = self.resolve(input)?;
        let mut items = Vec::with_capacity(records.len());
        let mut total = 0usize;
        for (i, r) in records.iter().enumerate() {
            let item = self.put_item(r, &format!("records.{}.member.", i + 1))?;
            total += item.data.len() + item.partition_key.len();
            items.push(item);
        }
        if total > MAX_PUT_RECORDS_BYTES {
            return Err(invalid(format!(
                "Records size exceeds 5 MB limit: total size of the records in the request \
                 is {total} bytes"
            )));
        }
        let placed = self.append(&stream, items).await?;
        Ok(json!({
            "FailedRecordCount": 0,
            "Records": placed
                .iter()
                .map(|(shard, seq, at)| json!({
                    "SequenceNumber": stream.seq_number(*shard, *seq, *at),
                    "ShardId": shard_id(*shard),
                }))
                .collect::<Vec<_>>(),
        }))
    }

    fn no_shard(&self, stream: &str, index: u32) -> ServiceError {
        ServiceError::client(
            "ResourceNotFoundException",
            format!(
                "Shard {} in stream {stream} under account {} does not exist",
                shard_id(index),
                self.account
            ),
        )
    }

    /// The shard an id names, in the stream an input names (AWS reports
    /// an unknown stream as its missing shard).
    fn shard_of(&self, input: &Value, id: &str) -> Result<(Arc<Stream>, u32), ServiceError> {
        let stream = self.resolve(input);
        let name = match &stream {
            Ok(s) => s.name.clone(),
            Err(_) => str_field(input, "StreamName")
                .or_else(|| {
                    str_field(input, "StreamARN")
                        .and_then(|a| a.split_once(":stream/"))
                        .map(|(_, n)| n)
                })
                .unwrap_or_default()
                .to_string(),
        };
        let Some(index) = parse_shard_id(id) else {
            return Err(ServiceError::client(
                "ResourceNotFoundException",
                format!(
                    "Could not find shard {id} in stream {name} under account {}.",
                    self.account
                ),
            ));
        };
        match stream {
            Ok(s) if (index as usize) < s.shards.len() => Ok((s, index)),
            Ok(_) => Err(self.no_shard(&name, index)),
            Err(e) if e.code == "ResourceNotFoundException" => Err(self.no_shard(&name, index)),
            Err(e) => Err(e),
        }
    }

    /// The place a sequence number names in `shard` of `stream`.
    fn place_of(&self, stream: &Stream, shard: &Shard, seq: &str) -> Result<u64, ServiceError> {
        let Some((created, index, place)) = iterator::parse_sequence_number(seq) else {
            return Err(invalid(format!(
                "StartingSequenceNumber {seq} used in GetShardIterator on shard {} in stream \
                 {} under account {} is invalid.",
                shard.id(),
                stream.name,
                self.account
            )));
        };
        if !stream.owns(created) || index != shard.index {
            return Err(invalid(format!(
                "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to \
                 a shard with {}",
                shard_id(index),
                shard.id()
            )));
        }
        Ok(place)
    }

    fn get_shard_iterator(&self, input: &Value) -> Result<Value, ServiceError> {
        let Some(shard_id) = str_field(input, "ShardId") else {
            return Err(missing("shardId"));
        };
        let kind = str_field(input, "ShardIteratorType").unwrap_or_default();
        let seq_arg = str_field(input, "StartingSequenceNumber");
        let by_seq = matches!(kind, "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER");
        if by_seq != seq_arg.is_some()
            && matches!(
                kind,
                "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" | "TRIM_HORIZON" | "LATEST"
            )
        {
            return Err(invalid(format!(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and \
                 StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no \
                 StartingSequenceNumber. Request specified {kind} and {}.",
                if by_seq {
                    "no StartingSequenceNumber"
                } else {
                    "also a StartingSequenceNumber"
                }
            )));
        }
        let (stream, index) = self.shard_of(input, shard_id)?;
        let shard = &stream.shards[index as usize];
        let next = match kind {
            "TRIM_HORIZON" => {
                let log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
                log.records.front().map_or(log.next_seq, |r| r.seq)
            }
            "LATEST" => shard.committed.load(Ordering::Acquire) + 1,
            "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
                let seq = seq_arg.unwrap_or_default();
                let place = self.place_of(&stream, shard, seq)?;
                if kind == "AT_SEQUENCE_NUMBER" {
                    place
                } else {
                    place + 1
                }
            }
            "AT_TIMESTAMP" => {
                let Some(ts) = input.get("Timestamp").and_then(timestamp_ms) else {
                    return Err(invalid(
                        "Must specify timestampInMillis parameter for iterator of type \
                         AT_TIMESTAMP. Current request has no timestamp parameter.",
                    ));
                };
                if ts > now_ms() {
                    return Err(invalid(format!(
                        "The timestampInMillis parameter cannot be greater than the \
                         currentTimestampInMillis. timestampInMillis: {ts}, \
                         currentTimestampInMillis: {}",
                        now_ms()
                    )));
                }
                let log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
                let i = log.records.partition_point(|r| r.arrival_ms < ts);
                log.records.get(i).map_or(log.next_seq, |r| r.seq)
            }
            other => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{other}' at 'shardIteratorType' failed \
                     to satisfy constraint: Member must satisfy enum value set: \
                     [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, \
                     LATEST]"
                )))
            }
        };
        let it = Iterator {
            stream: stream.name.clone(),
            created_ms: stream.created_ms,
            shard: shard.index,
            next,
            issued_ms: now_ms(),
            nonce: iterator::nonce(),
        };
        Ok(json!({ "ShardIterator": it.encode() }))
    }

    fn get_records(&self, input: &Value) -> Result<Value, ServiceError> {
        let Some(raw) = str_field(input, "ShardIterator") else {
            return Err(missing("shardIterator"));
        };
        let limit = page_size(input, "Limit", "limit", MAX_GET_RECORDS)?;
        // Some clients send the iterator in quotes: AWS takes it.
        let raw = raw.trim_matches('"');
        let Some(it) = Iterator::decode(raw) else {
            return Err(invalid("Invalid ShardIterator."));
        };
        let now = now_ms();
        if now - it.issued_ms > ITERATOR_TTL_MS {
            return Err(ServiceError::client(
                "ExpiredIteratorException",
                format!(
                    "Iterator expired. The iterator was created at time {} while right now it \
                     is {} which is further in the future than the tolerated delay of \
                     {ITERATOR_TTL_MS} milliseconds.",
                    java_date(it.issued_ms),
                    java_date(now)
                ),
            ));
        }
        let stream = self
            .read_streams()
            .get(&it.stream)
            .cloned()
            .filter(|s| s.created_ms == it.created_ms && (it.shard as usize) < s.shards.len())
            .ok_or_else(|| self.no_shard(&it.stream, it.shard))?;
        let shard = &stream.shards[it.shard as usize];
        let committed = shard.committed.load(Ordering::Acquire);
        let (records, next, behind) = {
            let log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
            let start = log.index_of(it.next);
            let mut out = Vec::new();
            let mut bytes = 0usize;
            let mut next = it.next.max(log.records.front().map_or(it.next, |r| r.seq));
            for r in log.records.range(start..) {
                if r.seq > committed || out.len() >= limit {
                    break;
                }
                if bytes > 0 && bytes + r.data.len() > MAX_GET_BYTES {
                    break;
                }
                bytes += r.data.len();
                next = r.seq + 1;
                out.push(json!({
                    "SequenceNumber": stream.seq_number(shard.index, r.seq, r.arrival_ms),
                    "ApproximateArrivalTimestamp": seconds(r.arrival_ms),
                    "Data": base64::engine::general_purpose::STANDARD.encode(&r.data),
                    "PartitionKey": &*r.partition_key,
                }));
            }
            let behind = log
                .records
                .get(log.index_of(next))
                .filter(|r| r.seq <= committed)
                .map_or(0, |r| (now - r.arrival_ms).max(0));
            (out, next, behind)
        };
        let it = Iterator {
            next,
            issued_ms: now,
            nonce: iterator::nonce(),
            ..it
        };
        Ok(json!({
            "Records": records,
            "NextShardIterator": it.encode(),
            "MillisBehindLatest": behind,
        }))
    }

    async fn retention(&self, input: &Value, increase: bool) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let Some(hours) = input.get("RetentionPeriodHours").and_then(Value::as_i64) else {
            return Err(missing("retentionPeriodHours"));
        };
        let current = stream.doc().retention_hours;
        if hours < DEFAULT_RETENTION_HOURS {
            return Err(invalid(format!(
                "Minimum allowed retention period is {DEFAULT_RETENTION_HOURS} hours. Requested \
                 retention period ({hours} hours) is too short."
            )));
        }
        if hours > MAX_RETENTION_HOURS {
            return Err(invalid(format!(
                "Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested \
                 retention period ({hours} hours) is too long."
            )));
        }
        if increase && hours < current {
            return Err(invalid(format!(
                "Requested retention period ({hours} hours) for stream {} can not be shorter \
                 than existing retention period ({current} hours). Use \
                 DecreaseRetentionPeriod API.",
                stream.name
            )));
        }
        if !increase && hours > current {
            return Err(invalid(format!(
                "Requested retention period ({hours} hours) for stream {} can not be longer \
                 than existing retention period ({current} hours). Use \
                 IncreaseRetentionPeriod API.",
                stream.name
            )));
        }
        self.update(&stream, |d| d.retention_hours = hours).await?;
        if !increase {
            self.trim();
        }
        Ok(json!({}))
    }

    /// Changes a stream's document and commits it.
    async fn update(
        &self,
        stream: &Stream,
        change: impl FnOnce(&mut StreamDoc),
    ) -> Result<(), ServiceError> {
        {
            let mut doc = stream.doc.lock().unwrap_or_else(|e| e.into_inner());
            change(&mut doc);
        }
        self.save(stream).await
    }

    async fn add_tags(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let tags = tag_map(input.get("Tags"))?;
        self.merge_tags(&stream, tags).await?;
        Ok(json!({}))
    }

    async fn merge_tags(
        &self,
        stream: &Stream,
        tags: BTreeMap<String, String>,
    ) -> Result<(), ServiceError> {
        let mut merged = stream.doc().tags;
        merged.extend(tags);
        if merged.len() > 50 {
            return Err(invalid(format!(
                "Failed to add tags to stream {} under account {} because a given stream \
                 cannot have more than 50 tags.",
                stream.name, self.account
            )));
        }
        self.update(stream, |d| d.tags = merged).await
    }

    async fn remove_tags(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        self.drop_tags(&stream, input).await
    }

    /// Removes the tags `TagKeys` names.
    async fn drop_tags(&self, stream: &Stream, input: &Value) -> Result<Value, ServiceError> {
        let keys = string_list(input.get("TagKeys"));
        self.update(stream, |d| {
            for k in &keys {
                d.tags.remove(k);
            }
        })
        .await?;
        Ok(json!({}))
    }

    fn list_tags_for_stream(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let limit = input
            .get("Limit")
            .and_then(Value::as_i64)
            .map_or(50, |n| n.clamp(1, 50) as usize);
        let after = str_field(input, "ExclusiveStartTagKey");
        let tags = stream.doc().tags;
        let mut page: Vec<(&String, &String)> = tags
            .iter()
            .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        Ok(json!({
            "Tags": page.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
            "HasMoreTags": more,
        }))
    }

    fn stream_of_resource(&self, input: &Value) -> Result<Arc<Stream>, ServiceError> {
        let Some(arn) = str_field(input, "ResourceARN") else {
            return Err(missing("resourceARN"));
        };
        let mut named = Map::new();
        named.insert("StreamARN".into(), json!(arn));
        self.resolve(&Value::Object(named))
    }

    async fn tag_resource(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.stream_of_resource(input)?;
        let tags = tag_map(input.get("Tags"))?;
        self.merge_tags(&stream, tags).await?;
        Ok(json!({}))
    }

    async fn untag_resource(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.stream_of_resource(input)?;
        self.drop_tags(&stream, input).await
    }

    fn list_tags_for_resource(&self, input: &Value) -> Result<Value, ServiceError> {
        let stream = self.stream_of_resource(input)?;
        let tags = stream.doc().tags;
        Ok(json!({
            "Tags": tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
        }))
    }

    async fn monitoring(&self, input: &Value, enable: bool) -> Result<Value, ServiceError> {
        let stream = self.resolve(input)?;
        let asked = string_list(input.get("ShardLevelMetrics"));
        let all = [
            "IncomingBytes",
            "IncomingRecords",
            "OutgoingBytes",
            "OutgoingRecords",
            "WriteProvisionedThroughputExceeded",
            "ReadProvisionedThroughputExceeded",
            "IteratorAgeMilliseconds",
        ];
        let expand: Vec<String> = if asked.iter().any(|m| m == "ALL") {
            all.iter().map(|s| s.to_string()).collect()
        } else {
            asked
        };
        let before = stream.doc().shard_level_metrics;
        let mut after = before.clone();
        for m in expand {
            if enable && !after.contains(&m) {
                after.push(m);
            } else if !enable {
                after.retain(|x| *x != m);
            }
        }
        let desired = after.clone();
        self.update(&stream, |d| d.shard_level_metrics = desired)
            .await?;
        Ok(json!({
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "CurrentShardLevelMetrics": before,
            "DesiredShardLevelMetrics": after,
        }))
    }

    fn describe_limits(&self) -> Value {
        let streams = self.all();
        let open: usize = streams.iter().map(|s| s.shards.len()).sum();
        let on_demand = streams
            .iter()
            .filter(|s| s.doc().mode == "ON_DEMAND")
            .count();
        json!({
            "ShardLimit": MAX_SHARDS,
            "OpenShardCount": open,
            "OnDemandStreamCount": on_demand,
            "OnDemandStreamCountLimit": 50,
        })
    }
}

impl Kinesis {
    fn read_now(
        &self,
        stream_arn: &str,
        shard_id: &str,
        from: &ReadFrom,
        max: usize,
    ) -> Result<Vec<StreamRecord>, String> {
        let stream = self
            .by_arn(stream_arn)
            .ok_or_else(|| format!("stream {stream_arn} does not exist"))?;
        let shard = stream
            .shard(shard_id)
            .ok_or_else(|| format!("shard {shard_id} does not exist"))?;
        let committed = shard.committed.load(Ordering::Acquire);
        let log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
        let start = match from {
            ReadFrom::TrimHorizon | ReadFrom::Latest => 0,
            ReadFrom::After(seq) => {
                let (created, index, place) = iterator::parse_sequence_number(seq)
                    .ok_or_else(|| format!("{seq} is not a sequence number"))?;
                if !stream.owns(created) || index != shard.index {
                    return Err(format!("{seq} is not a sequence number of {shard_id}"));
                }
                log.index_of(place + 1)
            }
            ReadFrom::AtTimestamp(ms) => log.records.partition_point(|r| r.arrival_ms < *ms),
        };
        Ok(log
            .records
            .range(start..)
            .take_while(|r| r.seq <= committed)
            .take(max)
            .map(|r| StreamRecord {
                sequence_number: stream.seq_number(shard.index, r.seq, r.arrival_ms),
                partition_key: r.partition_key.to_string(),
                data: r.data.clone(),
                arrival_ms: r.arrival_ms,
                dynamodb: None,
            })
            .collect())
    }
}

impl Streams for Kinesis {
    fn shard_ids(&self, stream_arn: &str) -> BoxFuture<'_, Result<Option<Vec<String>>, String>> {
        let ids = self
            .by_arn(stream_arn)
            .map(|s| s.shards.iter().map(Shard::id).collect());
        Box::pin(std::future::ready(Ok(ids)))
    }

    fn read(
        &self,
        stream_arn: &str,
        shard_id: &str,
        from: &ReadFrom,
        max: usize,
    ) -> BoxFuture<'_, Result<Vec<StreamRecord>, String>> {
        Box::pin(std::future::ready(
            self.read_now(stream_arn, shard_id, from, max),
        ))
    }

    fn newest(&self, stream_arn: &str, shard_id: &str) -> BoxFuture<'_, Option<String>> {
        let newest = self.by_arn(stream_arn).and_then(|stream| {
            let shard = stream.shard(shard_id)?;
            let committed = shard.committed.load(Ordering::Acquire);
            let log = shard.log.lock().unwrap_or_else(|e| e.into_inner());
            let i = log.index_of(committed);
            let at = log
                .records
                .get(i)
                .filter(|r| r.seq == committed)?
                .arrival_ms;
            Some(stream.seq_number(shard.index, committed, at))
        });
        Box::pin(std::future::ready(newest))
    }

    fn watch(&self, stream_arn: &str) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.by_arn(stream_arn)?.changed.subscribe())
    }
}

/// A page size (`Limit`, `MaxResults`) within 1..=10000, or `default`.
fn page_size(
    input: &Value,
    key: &str,
    member: &str,
    default: usize,
) -> Result<usize, ServiceError> {
    match input.get(key).and_then(Value::as_i64) {
        None => Ok(default),
        Some(n) if (1..=10_000).contains(&n) => Ok(n as usize),
        Some(n) => Err(validation(format!(
            "1 validation error detected: Value '{n}' at '{member}' failed to satisfy \
             constraint: Member must have value {}",
            if n < 1 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 10000"
            }
        ))),
    }
}

/// The ValidationException for a missing required member.
fn missing(member: &str) -> ServiceError {
    validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

fn str_field<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn tag_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, ServiceError> {
    let Some(v) = v else {
        return Ok(BTreeMap::new());
    };
    let Some(m) = v.as_object() else {
        return Err(ServiceError::client(
            "SerializationException",
            "Start of structure or map found where not expected.",
        ));
    };
    let mut out = BTreeMap::new();
    let allowed = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_./=+-%@".contains(c))
    };
    for (k, v) in m {
        if !allowed(k) || !v.as_str().is_none_or(allowed) {
            return Err(invalid(
                "Some tags contain invalid characters. Valid characters: Unicode letters, \
                 digits, white space, _ . / = + - % @.",
            ));
        }
        if k.is_empty() || k.chars().count() > 128 {
            return Err(invalid(format!(
                "Failed to add tags because tag key {k} must be between 1 and 128 characters."
            )));
        }
        let v = v.as_str().unwrap_or_default();
        if v.chars().count() > 256 {
            return Err(invalid(format!(
                "Failed to add tags because tag value {v} must be at most 256 characters."
            )));
        }
        out.insert(k.clone(), v.to_string());
    }
    Ok(out)
}

fn check_stream_name(name: &str) -> Result<(), ServiceError> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if name.is_empty() || name.len() > 128 {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'streamName' failed to satisfy \
             constraint: Member must have length {}",
            if name.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 128"
            }
        )));
    }
    if !ok_chars {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'streamName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )));
    }
    Ok(())
}

fn parse_hash_key(s: &str) -> Option<u128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn timestamp_ms(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_f64().map(|s| (s * 1000.0).round() as i64),
        Value::String(s) => s.parse::<f64>().ok().map(|s| (s * 1000.0).round() as i64),
        _ => None,
    }
}

/// A time as Java's `Date.toString` prints it, as AWS's messages do.
fn java_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%a %b %d %H:%M:%S UTC %Y").to_string())
        .unwrap_or_default()
}

fn encode_token(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn decode_token(s: &str) -> Option<String> {
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(s).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ranges_cover_the_space_without_gaps() {
        for n in [1u32, 2, 3, 4, 7] {
            let r = ranges(n);
            assert_eq!(r[0].0, 0);
            assert_eq!(r[r.len() - 1].1, HASH_MAX);
            for w in r.windows(2) {
                assert_eq!(w[0].1 + 1, w[1].0);
            }
        }
        assert_eq!(
            ranges(2)[0].1.to_string(),
            "170141183460469231731687303715884105727"
        );
    }

    #[test]
    fn partition_keys_hash_by_md5() {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
        assert_eq!(hash_key("a"), 0x0cc175b9c0f1b6a831c399e269772661);
    }
}

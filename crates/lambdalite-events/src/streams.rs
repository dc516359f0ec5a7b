//! What stream mappings read: the shards of a stream ([`Streams`]) and
//! the records they hand over. Kinesis-compatible streams in this
//! process implement it; so does the DynamoDB Streams client.

use bytes::Bytes;
use serde_json::Value;

use crate::BoxFuture;

/// One record of a shard, as a stream hands it to a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    pub sequence_number: String,
    /// What keeps order within a shard's parallel batches: the partition
    /// key (Kinesis) or the item's keys (DynamoDB).
    pub partition_key: String,
    pub data: Bytes,
    /// When the stream took it, in milliseconds since the epoch.
    pub arrival_ms: i64,
    /// A DynamoDB stream's record, as its API gave it (`eventID`,
    /// `eventName`, `dynamodb`, ...); `None` for Kinesis.
    pub dynamodb: Option<Value>,
}

/// Where reading a shard starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFrom {
    /// The oldest record kept.
    TrimHorizon,
    /// What arrives from now on (a stream that can't name its newest
    /// record; lambdalite's Kinesis always can, so reads it as
    /// TrimHorizon of an empty shard).
    Latest,
    /// Just after this sequence number.
    After(String),
    /// The first record that arrived at or after this time (ms).
    AtTimestamp(i64),
}

/// The streams stream mappings read.
pub trait Streams: Send + Sync {
    /// The stream's shard ids, in order; `None`: no such stream.
    fn shard_ids(&self, stream_arn: &str) -> BoxFuture<'_, Result<Option<Vec<String>>, String>>;
    /// Up to `max` records of a shard from `from`.
    fn read(
        &self,
        stream_arn: &str,
        shard_id: &str,
        from: &ReadFrom,
        max: usize,
    ) -> BoxFuture<'_, Result<Vec<StreamRecord>, String>>;
    /// The sequence number of the shard's newest record (`None`: empty,
    /// or the stream can't tell).
    fn newest(&self, stream_arn: &str, shard_id: &str) -> BoxFuture<'_, Option<String>>;
    /// Gets ready to read a shard from `from` (a stream whose iterators
    /// fix their position when made takes one now).
    fn prepare(
        &self,
        stream_arn: &str,
        shard_id: &str,
        from: &ReadFrom,
    ) -> BoxFuture<'_, Result<(), String>> {
        let _ = (stream_arn, shard_id, from);
        Box::pin(std::future::ready(Ok(())))
    }
    /// A receiver that changes whenever the stream takes records (or is
    /// deleted); `None`: poll instead.
    fn watch(&self, stream_arn: &str) -> Option<tokio::sync::watch::Receiver<u64>>;
}

//! Kinesis-compatible data streams on lambdalite's shared listener
//! (awsJson 1.1, `X-Amz-Target: Kinesis_20131202.*`).
//!
//! Owns: streams (provisioned and on-demand) and their shards with AWS's
//! hash key ranges; PutRecord and PutRecords (a partition key's MD5 picks
//! the shard, or an explicit hash key does), sequence numbers that grow
//! per shard; shard iterators of every type and GetRecords; retention,
//! tags, stream ARNs; AWS's errors. A record is durable (lambdalite-store's
//! stream tables) before the put that carries it answers, and readers see
//! it only then. Implements lambdalite-events' [`Streams`] for stream
//! event source mappings.
//!
//! Does not: poll for functions or keep mappings' checkpoints (the events
//! room does), reshard (UpdateShardCount, SplitShard and MergeShards are
//! refused), serve enhanced fan-out consumers, or verify signatures (the
//! listener does).

mod iterator;
mod service;

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use lambdalite_protocol::json::{self, ServiceError};
use lambdalite_protocol::Protocol;

pub use lambdalite_events::streams::Streams;
pub use service::Kinesis;

/// The namespace of Kinesis's error types.
pub const NAMESPACE: &str = "com.amazonaws.kinesis";

/// Serves one Kinesis request: `operation` from `X-Amz-Target`.
pub async fn handle(
    kinesis: &Arc<Kinesis>,
    operation: &str,
    body: &Bytes,
    request_id: &str,
) -> Response<Bytes> {
    let input = match json::input(body) {
        Ok(v) => v,
        Err(e) => return error(request_id, &e),
    };
    match kinesis.execute(operation, &input).await {
        Ok(out) => json::answer(Protocol::Json11, request_id, &out),
        Err(e) => error(request_id, &e),
    }
}

/// A Kinesis error answer.
pub fn error(request_id: &str, e: &ServiceError) -> Response<Bytes> {
    json::error(Protocol::Json11, NAMESPACE, false, request_id, e)
}

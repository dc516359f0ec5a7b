//! Kinesis-compatible data streams and their records, durable in SQLite.
//!
//! lambdalite-kinesis keeps each stream's shards and records in memory
//! and writes every change here through one group-committing writer; a
//! put that an answer confirms is committed before the answer, so a
//! burst of puts shares its syncs. At start the streams and the records
//! still within their retention are read back, in each shard's order.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::writer::{open_connection, Writer};
use crate::StoreError;

/// A stream as stored: its name and lambdalite-kinesis's JSON of it
/// (shards, retention, tags, the time it was made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRow {
    pub name: String,
    pub body: String,
}

/// One record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub stream: String,
    /// The shard's index in its stream.
    pub shard: u32,
    /// The record's place in its shard, from 1.
    pub seq: u64,
    pub partition_key: String,
    pub data: Vec<u8>,
    pub arrival_ms: i64,
}

/// One change.
#[derive(Debug, Clone)]
pub enum StreamOp {
    PutStream(StreamRow),
    /// Removes a stream and its records.
    DeleteStream(String),
    Append(Vec<RecordRow>),
    /// Drops a stream's records that arrived before `before_ms` (past its
    /// retention).
    Trim {
        stream: String,
        before_ms: i64,
    },
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kinesis_streams (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kinesis_records (
    stream        TEXT NOT NULL,
    shard         INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    data          BLOB NOT NULL,
    arrival_ms    INTEGER NOT NULL,
    PRIMARY KEY (stream, shard, seq)
) WITHOUT ROWID;
";

/// The handle of the stream tables' writer.
#[derive(Clone)]
pub struct StreamStore {
    writer: Writer<StreamOp>,
}

/// What was stored when the store opened: streams, and their records in
/// (stream, shard, seq) order.
pub struct StreamState {
    pub streams: Vec<StreamRow>,
    pub records: Vec<RecordRow>,
}

impl StreamStore {
    /// Opens the tables in the database at `path`, with what they hold.
    pub fn open(path: &Path) -> Result<(StreamStore, StreamState), StoreError> {
        let conn = open_connection(path)?;
        conn.execute_batch(SCHEMA)?;
        let state = read_all(&conn)?;
        let writer = Writer::start("kinesis", conn, apply)?;
        Ok((StreamStore { writer }, state))
    }

    /// Applies `op` durably. Blocks until it is committed.
    pub fn apply(&self, op: StreamOp) -> Result<(), StoreError> {
        self.writer.send(op, true)
    }

    /// Applies `op` without waiting (a change nothing confirms).
    pub fn apply_later(&self, op: StreamOp) -> Result<(), StoreError> {
        self.writer.send(op, false)
    }

    /// Applies `op` and calls `done` once it is committed.
    pub fn apply_then(
        &self,
        op: StreamOp,
        done: Box<dyn FnOnce(Result<(), String>) + Send>,
    ) -> Result<(), StoreError> {
        self.writer.send_then(op, done)
    }
}

fn read_all(conn: &Connection) -> Result<StreamState, StoreError> {
    let mut stmt = conn.prepare("SELECT name, body FROM kinesis_streams ORDER BY name")?;
    let streams = stmt
        .query_map([], |r| {
            Ok(StreamRow {
                name: r.get(0)?,
                body: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT stream, shard, seq, partition_key, data, arrival_ms FROM kinesis_records
         ORDER BY stream, shard, seq",
    )?;
    let records = stmt
        .query_map([], |r| {
            Ok(RecordRow {
                stream: r.get(0)?,
                shard: r.get(1)?,
                seq: r.get::<_, i64>(2)? as u64,
                partition_key: r.get(3)?,
                data: r.get(4)?,
                arrival_ms: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StreamState { streams, records })
}

fn apply(conn: &Connection, op: &StreamOp) -> rusqlite::Result<()> {
    match op {
        StreamOp::PutStream(s) => {
            conn.execute(
                "INSERT OR REPLACE INTO kinesis_streams (name, body) VALUES (?1, ?2)",
                params![s.name, s.body],
            )?;
        }
        StreamOp::DeleteStream(name) => {
            conn.execute("DELETE FROM kinesis_streams WHERE name = ?1", params![name])?;
            conn.execute(
                "DELETE FROM kinesis_records WHERE stream = ?1",
                params![name],
            )?;
        }
        StreamOp::Append(rows) => {
            let mut stmt = conn.prepare_cached(
                "INSERT OR REPLACE INTO kinesis_records
                 (stream, shard, seq, partition_key, data, arrival_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in rows {
                stmt.execute(params![
                    r.stream,
                    r.shard,
                    r.seq as i64,
                    r.partition_key,
                    r.data,
                    r.arrival_ms
                ])?;
            }
        }
        StreamOp::Trim { stream, before_ms } => {
            conn.execute(
                "DELETE FROM kinesis_records WHERE stream = ?1 AND arrival_ms < ?2",
                params![stream, before_ms],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stream: &str, shard: u32, seq: u64, at: i64) -> RecordRow {
        RecordRow {
            stream: stream.into(),
            shard,
            seq,
            partition_key: format!("k{seq}"),
            data: vec![seq as u8],
            arrival_ms: at,
        }
    }

    #[test]
    fn records_come_back_in_shard_order_and_deletes_stay_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kinesis.db");
        {
            let (store, state) = StreamStore::open(&db).unwrap();
            assert!(state.streams.is_empty());
            for name in ["a", "b"] {
                store
                    .apply(StreamOp::PutStream(StreamRow {
                        name: name.into(),
                        body: "{}".into(),
                    }))
                    .unwrap();
            }
            store
                .apply(StreamOp::Append(vec![
                    row("a", 1, 2, 20),
                    row("a", 0, 1, 10),
                    row("a", 1, 1, 5),
                    row("b", 0, 1, 30),
                ]))
                .unwrap();
            store
                .apply(StreamOp::Trim {
                    stream: "a".into(),
                    before_ms: 6,
                })
                .unwrap();
            store.apply(StreamOp::DeleteStream("b".into())).unwrap();
        }
        let (_store, state) = StreamStore::open(&db).unwrap();
        assert_eq!(state.streams.len(), 1);
        let order: Vec<_> = state.records.iter().map(|r| (r.shard, r.seq)).collect();
        assert_eq!(order, vec![(0, 1), (1, 2)]);
    }
}

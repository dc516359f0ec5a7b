//! SQS queues and their messages, durable in SQLite.
//!
//! lambdalite-sqs keeps every queue in memory and writes each change here
//! through one group-committing writer; a change a response confirms (a
//! sent, received, deleted or moved message; a created or deleted queue)
//! is committed before the response. At start the whole state is read
//! back.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{params, Connection};

use crate::writer::{open_connection, Writer};
use crate::StoreError;

/// A queue as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub name: String,
    /// The attributes set on it (only those set; defaults are the
    /// service's).
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub created_s: i64,
    pub modified_s: i64,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub queue: String,
    pub id: String,
    /// Order of arrival in its queue (FIFO order, and the sequence number).
    pub seq: i64,
    pub body: String,
    /// The message attributes, as lambdalite-sqs encodes them (JSON).
    pub attributes: String,
    /// MessageSystemAttributes given on send (AWSTraceHeader), JSON.
    pub system_attributes: String,
    pub sent_ms: i64,
    pub visible_at_ms: i64,
    pub receive_count: u32,
    pub first_receive_ms: Option<i64>,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    /// The queue it was first sent to, when moved to a dead-letter queue.
    pub dead_letter_source: Option<String>,
}

/// One change.
#[derive(Debug, Clone)]
pub enum SqsOp {
    PutQueue(QueueRow),
    /// Removes a queue and its messages.
    DeleteQueue(String),
    PutMessage(MessageRow),
    /// A receive or a visibility change.
    Receipt {
        queue: String,
        id: String,
        visible_at_ms: i64,
        receive_count: u32,
        first_receive_ms: Option<i64>,
    },
    DeleteMessage {
        queue: String,
        id: String,
    },
    Purge(String),
    /// Several changes, together.
    Batch(Vec<SqsOp>),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sqs_queues (
    name        TEXT PRIMARY KEY,
    attributes  TEXT NOT NULL,
    tags        TEXT NOT NULL,
    created_s   INTEGER NOT NULL,
    modified_s  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sqs_messages (
    queue            TEXT NOT NULL,
    id               TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    body             TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    system_attributes TEXT NOT NULL,
    sent_ms          INTEGER NOT NULL,
    visible_at_ms    INTEGER NOT NULL,
    receive_count    INTEGER NOT NULL,
    first_receive_ms INTEGER,
    group_id         TEXT,
    dedup_id         TEXT,
    dead_letter_source TEXT,
    PRIMARY KEY (queue, id)
);
";

/// The handle of the SQS tables' writer.
#[derive(Clone)]
pub struct SqsStore {
    writer: Writer<SqsOp>,
}

/// What was stored when the store opened.
pub struct SqsState {
    pub queues: Vec<QueueRow>,
    pub messages: Vec<MessageRow>,
}

impl SqsStore {
    /// Opens the tables in the database at `path`, with what they hold.
    pub fn open(path: &Path) -> Result<(SqsStore, SqsState), StoreError> {
        let conn = open_connection(path)?;
        conn.execute_batch(SCHEMA)?;
        let state = read_all(&conn)?;
        let writer = Writer::start("sqs", conn, apply)?;
        Ok((SqsStore { writer }, state))
    }

    /// Applies `op` durably. Blocks until it is committed.
    pub fn apply(&self, op: SqsOp) -> Result<(), StoreError> {
        self.writer.send(op, true)
    }

    /// Applies `op` and calls `done` once it is committed.
    pub fn apply_then(
        &self,
        op: SqsOp,
        done: Box<dyn FnOnce(Result<(), String>) + Send>,
    ) -> Result<(), StoreError> {
        self.writer.send_then(op, done)
    }
}

fn read_all(conn: &Connection) -> Result<SqsState, StoreError> {
    let json_map =
        |s: String| -> BTreeMap<String, String> { serde_json::from_str(&s).unwrap_or_default() };
    let mut stmt =
        conn.prepare("SELECT name, attributes, tags, created_s, modified_s FROM sqs_queues")?;
    let queues = stmt
        .query_map([], |r| {
            Ok(QueueRow {
                name: r.get(0)?,
                attributes: json_map(r.get(1)?),
                tags: json_map(r.get(2)?),
                created_s: r.get(3)?,
                modified_s: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT queue, id, seq, body, attributes, system_attributes, sent_ms, visible_at_ms,
                receive_count, first_receive_ms, group_id, dedup_id, dead_letter_source
         FROM sqs_messages ORDER BY queue, seq",
    )?;
    let messages = stmt
        .query_map([], |r| {
            Ok(MessageRow {
                queue: r.get(0)?,
                id: r.get(1)?,
                seq: r.get(2)?,
                body: r.get(3)?,
                attributes: r.get(4)?,
                system_attributes: r.get(5)?,
                sent_ms: r.get(6)?,
                visible_at_ms: r.get(7)?,
                receive_count: r.get::<_, i64>(8)? as u32,
                first_receive_ms: r.get(9)?,
                group_id: r.get(10)?,
                dedup_id: r.get(11)?,
                dead_letter_source: r.get(12)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SqsState { queues, messages })
}

fn apply(conn: &Connection, op: &SqsOp) -> rusqlite::Result<()> {
    match op {
        SqsOp::PutQueue(q) => {
            let attributes = serde_json::to_string(&q.attributes).unwrap_or_default();
            let tags = serde_json::to_string(&q.tags).unwrap_or_default();
            conn.execute(
                "INSERT OR REPLACE INTO sqs_queues (name, attributes, tags, created_s, modified_s)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![q.name, attributes, tags, q.created_s, q.modified_s],
            )?;
        }
        SqsOp::DeleteQueue(name) => {
            conn.execute("DELETE FROM sqs_messages WHERE queue = ?1", params![name])?;
            conn.execute("DELETE FROM sqs_queues WHERE name = ?1", params![name])?;
        }
        SqsOp::PutMessage(m) => {
            conn.execute(
                "INSERT OR REPLACE INTO sqs_messages
                 (queue, id, seq, body, attributes, system_attributes, sent_ms, visible_at_ms,
                  receive_count, first_receive_ms, group_id, dedup_id, dead_letter_source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    m.queue,
                    m.id,
                    m.seq,
                    m.body,
                    m.attributes,
                    m.system_attributes,
                    m.sent_ms,
                    m.visible_at_ms,
                    i64::from(m.receive_count),
                    m.first_receive_ms,
                    m.group_id,
                    m.dedup_id,
                    m.dead_letter_source
                ],
            )?;
        }
        SqsOp::Receipt {
            queue,
            id,
            visible_at_ms,
            receive_count,
            first_receive_ms,
        } => {
            conn.execute(
                "UPDATE sqs_messages SET visible_at_ms = ?3, receive_count = ?4,
                 first_receive_ms = ?5 WHERE queue = ?1 AND id = ?2",
                params![
                    queue,
                    id,
                    visible_at_ms,
                    i64::from(*receive_count),
                    first_receive_ms
                ],
            )?;
        }
        SqsOp::DeleteMessage { queue, id } => {
            conn.execute(
                "DELETE FROM sqs_messages WHERE queue = ?1 AND id = ?2",
                params![queue, id],
            )?;
        }
        SqsOp::Purge(queue) => {
            conn.execute("DELETE FROM sqs_messages WHERE queue = ?1", params![queue])?;
        }
        SqsOp::Batch(ops) => {
            for op in ops {
                apply(conn, op)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(queue: &str, id: &str, seq: i64) -> MessageRow {
        MessageRow {
            queue: queue.into(),
            id: id.into(),
            seq,
            body: format!("body {id}"),
            attributes: "{}".into(),
            system_attributes: "{}".into(),
            sent_ms: 1,
            visible_at_ms: 1,
            receive_count: 0,
            first_receive_ms: None,
            group_id: None,
            dedup_id: None,
            dead_letter_source: None,
        }
    }

    #[test]
    fn changes_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        {
            let (s, state) = SqsStore::open(&db).unwrap();
            assert!(state.queues.is_empty());
            let q = QueueRow {
                name: "q".into(),
                attributes: [("VisibilityTimeout".to_string(), "5".to_string())].into(),
                tags: Default::default(),
                created_s: 1,
                modified_s: 1,
            };
            s.apply(SqsOp::PutQueue(q)).unwrap();
            s.apply(SqsOp::Batch(vec![
                SqsOp::PutMessage(message("q", "a", 1)),
                SqsOp::PutMessage(message("q", "b", 2)),
                SqsOp::PutMessage(message("q", "c", 3)),
            ]))
            .unwrap();
            s.apply(SqsOp::Receipt {
                queue: "q".into(),
                id: "a".into(),
                visible_at_ms: 99,
                receive_count: 1,
                first_receive_ms: Some(5),
            })
            .unwrap();
            s.apply(SqsOp::DeleteMessage {
                queue: "q".into(),
                id: "b".into(),
            })
            .unwrap();
        }
        let (_s, state) = SqsStore::open(&db).unwrap();
        assert_eq!(state.queues.len(), 1);
        assert_eq!(state.queues[0].attributes["VisibilityTimeout"], "5");
        let ids: Vec<_> = state.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(state.messages[0].receive_count, 1);
        assert_eq!(state.messages[0].visible_at_ms, 99);
    }
}

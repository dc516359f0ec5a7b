//! The durable queue of accepted asynchronous invocations.
//!
//! An event is in the database, fsynced, before its 202 is sent. One writer
//! thread applies every change; it commits whatever has piled up while the
//! previous commit was syncing in one transaction (group commit), so a burst
//! of accepts shares its fsyncs.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::writer::{open_connection, Writer};
use crate::StoreError;

/// One accepted asynchronous invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    /// The request id returned with the 202.
    pub id: String,
    pub function: String,
    pub qualifier: Option<String>,
    pub payload: Vec<u8>,
    /// When it was accepted, in ms since the epoch.
    pub enqueued_ms: i64,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt may start, in ms since the epoch.
    pub next_attempt_ms: i64,
}

enum Op {
    Insert(QueuedEvent),
    Reschedule {
        id: String,
        attempts: u32,
        next_attempt_ms: i64,
    },
    Delete(String),
}

/// The handle of the queue's writer thread.
#[derive(Clone)]
pub struct AsyncQueue {
    writer: Writer<Op>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS async_events (
    id              TEXT PRIMARY KEY,
    function        TEXT NOT NULL,
    qualifier       TEXT,
    payload         BLOB NOT NULL,
    enqueued_ms     INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL
);
";

impl AsyncQueue {
    /// Opens the queue in the database at `path`; returns it with the events
    /// a previous run accepted and did not finish.
    pub fn open(path: &Path) -> Result<(AsyncQueue, Vec<QueuedEvent>), StoreError> {
        let conn = open_connection(path)?;
        conn.execute_batch(SCHEMA)?;
        let pending = {
            let mut stmt = conn.prepare(
                "SELECT id, function, qualifier, payload, enqueued_ms, attempts, next_attempt_ms
                 FROM async_events ORDER BY enqueued_ms",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(QueuedEvent {
                    id: r.get(0)?,
                    function: r.get(1)?,
                    qualifier: r.get(2)?,
                    payload: r.get(3)?,
                    enqueued_ms: r.get(4)?,
                    attempts: r.get::<_, i64>(5)? as u32,
                    next_attempt_ms: r.get(6)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let writer = Writer::start("queue", conn, apply)?;
        Ok((AsyncQueue { writer }, pending))
    }

    fn send(&self, op: Op, wait: bool) -> Result<(), StoreError> {
        self.writer.send(op, wait)
    }

    /// Adds an event; returns once it is durable. Blocks.
    pub fn enqueue(&self, event: QueuedEvent) -> Result<(), StoreError> {
        self.send(Op::Insert(event), true)
    }

    /// Records a failed attempt and when the next may start.
    pub fn reschedule(&self, id: &str, attempts: u32, next_attempt_ms: i64) {
        let _ = self.send(
            Op::Reschedule {
                id: id.to_string(),
                attempts,
                next_attempt_ms,
            },
            false,
        );
    }

    /// Removes an event that is done with (delivered or given up on).
    pub fn remove(&self, id: &str) {
        let _ = self.send(Op::Delete(id.to_string()), false);
    }
}

fn apply(conn: &Connection, op: &Op) -> rusqlite::Result<()> {
    match op {
        Op::Insert(e) => conn
            .execute(
                "INSERT OR REPLACE INTO async_events
                 (id, function, qualifier, payload, enqueued_ms, attempts, next_attempt_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    e.id,
                    e.function,
                    e.qualifier,
                    e.payload,
                    e.enqueued_ms,
                    i64::from(e.attempts),
                    e.next_attempt_ms
                ],
            )
            .map(drop),
        Op::Reschedule {
            id,
            attempts,
            next_attempt_ms,
        } => conn
            .execute(
                "UPDATE async_events SET attempts = ?2, next_attempt_ms = ?3 WHERE id = ?1",
                params![id, i64::from(*attempts), next_attempt_ms],
            )
            .map(drop),
        Op::Delete(id) => conn
            .execute("DELETE FROM async_events WHERE id = ?1", params![id])
            .map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str) -> QueuedEvent {
        QueuedEvent {
            id: id.into(),
            function: "f".into(),
            qualifier: None,
            payload: b"{}".to_vec(),
            enqueued_ms: 1,
            attempts: 0,
            next_attempt_ms: 1,
        }
    }

    #[test]
    fn survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("q.db");
        {
            let (q, pending) = AsyncQueue::open(&db).unwrap();
            assert!(pending.is_empty());
            q.enqueue(event("a")).unwrap();
            q.enqueue(event("b")).unwrap();
            q.reschedule("a", 1, 99);
            q.remove("b");
            // A durable enqueue after the others means they are applied.
            q.enqueue(event("c")).unwrap();
        }
        let (_q, pending) = AsyncQueue::open(&db).unwrap();
        let ids: Vec<_> = pending.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!((pending[0].attempts, pending[0].next_attempt_ms), (1, 99));
    }

    #[test]
    fn concurrent_enqueues_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("q.db");
        let (q, _) = AsyncQueue::open(&db).unwrap();
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let q = q.clone();
                std::thread::spawn(move || {
                    for j in 0..20 {
                        q.enqueue(event(&format!("{i}-{j}"))).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        drop(q);
        let (_q, pending) = AsyncQueue::open(&db).unwrap();
        assert_eq!(pending.len(), 320);
    }
}

//! Keyed JSON documents of the smaller services (SNS topics and
//! subscriptions, EventBridge buses and rules, schedules, and their
//! pending deliveries), durable in SQLite.
//!
//! A service keeps its state in memory and writes each change here
//! through one group-committing writer per table; a change a response
//! confirms is committed before the response. At start everything a
//! service stored is read back.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::writer::{open_connection, Writer};
use crate::StoreError;

/// One document: `kind` groups documents of one sort within a service
/// (`topic`, `subscription`, `delivery`, ...), `key` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub kind: String,
    pub key: String,
    pub body: String,
}

impl Doc {
    /// The document read back as `T` (`None`: it is not one).
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.body).ok()
    }
}

/// One change.
#[derive(Debug, Clone)]
pub enum DocOp {
    Put(Doc),
    Delete {
        kind: String,
        key: String,
    },
    /// Several changes, in one transaction.
    Batch(Vec<DocOp>),
}

impl DocOp {
    pub fn put(kind: &str, key: &str, body: String) -> DocOp {
        DocOp::Put(Doc {
            kind: kind.to_string(),
            key: key.to_string(),
            body,
        })
    }

    /// Puts `value` as its JSON.
    pub fn put_json<T: serde::Serialize>(kind: &str, key: &str, value: &T) -> DocOp {
        DocOp::put(kind, key, serde_json::to_string(value).unwrap_or_default())
    }

    pub fn delete(kind: &str, key: &str) -> DocOp {
        DocOp::Delete {
            kind: kind.to_string(),
            key: key.to_string(),
        }
    }
}

/// The handle of one service's documents.
#[derive(Clone)]
pub struct DocStore {
    writer: Writer<(String, DocOp)>,
    service: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS service_docs (
    service TEXT NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (service, kind, key)
);
";

impl DocStore {
    /// Opens `service`'s documents in the database at `path`, with what
    /// they hold (in key order within each kind).
    pub fn open(path: &Path, service: &str) -> Result<(DocStore, Vec<Doc>), StoreError> {
        let conn = open_connection(path)?;
        conn.execute_batch(SCHEMA)?;
        let mut stmt = conn.prepare(
            "SELECT kind, key, body FROM service_docs WHERE service = ?1 ORDER BY kind, key",
        )?;
        let docs = stmt
            .query_map(params![service], |r| {
                Ok(Doc {
                    kind: r.get(0)?,
                    key: r.get(1)?,
                    body: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        let writer = Writer::start(service, conn, apply)?;
        Ok((
            DocStore {
                writer,
                service: service.to_string(),
            },
            docs,
        ))
    }

    /// Applies `op` durably. Blocks until it is committed.
    pub fn apply(&self, op: DocOp) -> Result<(), StoreError> {
        self.writer.send((self.service.clone(), op), true)
    }

    /// Applies `op` without waiting (a change nothing confirms).
    pub fn apply_later(&self, op: DocOp) -> Result<(), StoreError> {
        self.writer.send((self.service.clone(), op), false)
    }

    /// Applies `op` and calls `done` once it is committed.
    pub fn apply_then(
        &self,
        op: DocOp,
        done: Box<dyn FnOnce(Result<(), String>) + Send>,
    ) -> Result<(), StoreError> {
        self.writer.send_then((self.service.clone(), op), done)
    }
}

fn apply(conn: &Connection, (service, op): &(String, DocOp)) -> rusqlite::Result<()> {
    match op {
        DocOp::Put(d) => {
            conn.execute(
                "INSERT OR REPLACE INTO service_docs (service, kind, key, body)
                 VALUES (?1, ?2, ?3, ?4)",
                params![service, d.kind, d.key, d.body],
            )?;
        }
        DocOp::Delete { kind, key } => {
            conn.execute(
                "DELETE FROM service_docs WHERE service = ?1 AND kind = ?2 AND key = ?3",
                params![service, kind, key],
            )?;
        }
        DocOp::Batch(ops) => {
            for op in ops {
                apply(conn, &(service.clone(), op.clone()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_survive_reopening_per_service() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.sqlite");
        {
            let (sns, docs) = DocStore::open(&db, "sns").unwrap();
            assert!(docs.is_empty());
            sns.apply(DocOp::put("topic", "a", "{}".into())).unwrap();
            sns.apply(DocOp::Batch(vec![
                DocOp::put("topic", "b", "1".into()),
                DocOp::put("delivery", "d1", "x".into()),
            ]))
            .unwrap();
            sns.apply(DocOp::delete("topic", "a")).unwrap();
            let (events, _) = DocStore::open(&db, "events").unwrap();
            events.apply(DocOp::put("rule", "r", "{}".into())).unwrap();
        }
        let (_s, docs) = DocStore::open(&db, "sns").unwrap();
        let keys: Vec<_> = docs
            .iter()
            .map(|d| (d.kind.as_str(), d.key.as_str()))
            .collect();
        assert_eq!(keys, vec![("delivery", "d1"), ("topic", "b")]);
        let (_e, docs) = DocStore::open(&db, "events").unwrap();
        assert_eq!(docs.len(), 1);
    }
}

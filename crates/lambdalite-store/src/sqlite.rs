//! The SQLite backend of [`Store`], with the metadata mirrored in memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use lambdalite_model::config::{CodeRef, FunctionConfig, LATEST};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{io_err, FunctionRecord, Store, StoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS functions (
    name       TEXT PRIMARY KEY,
    tags       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version  TEXT NOT NULL,
    config   TEXT NOT NULL,
    PRIMARY KEY (function, version)
);
";

/// Metadata in one SQLite file (WAL, synchronous=FULL), read from memory.
pub struct SqliteStore {
    /// The connection; holding it is the write lock.
    conn: Mutex<Connection>,
    /// What the database holds, for lock-free-ish reads.
    cache: RwLock<BTreeMap<String, Arc<FunctionRecord>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and loads it.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        let cache = load(&conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            cache: RwLock::new(cache),
        })
    }

    fn cache_read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<FunctionRecord>>> {
        self.cache.read().unwrap_or_else(|e| e.into_inner())
    }

    fn cache_write(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<FunctionRecord>>> {
        self.cache.write().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn load(conn: &Connection) -> Result<BTreeMap<String, Arc<FunctionRecord>>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT f.name, f.tags, v.config FROM functions f
         JOIN versions v ON v.function = f.name AND v.version = ?1",
    )?;
    let rows = stmt.query_map(params![LATEST], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (name, tags, config) = row?;
        let corrupt = |source| StoreError::Corrupt {
            name: name.clone(),
            source,
        };
        let tags = serde_json::from_str(&tags).map_err(corrupt)?;
        let latest: FunctionConfig = serde_json::from_str(&config).map_err(corrupt)?;
        out.insert(
            name.clone(),
            Arc::new(FunctionRecord {
                latest: Arc::new(latest),
                tags,
            }),
        );
    }
    Ok(out)
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialise to JSON")
}

impl Store for SqliteStore {
    fn list(&self) -> Vec<Arc<FunctionRecord>> {
        self.cache_read().values().cloned().collect()
    }

    fn get(&self, name: &str) -> Option<Arc<FunctionRecord>> {
        self.cache_read().get(name).cloned()
    }

    fn create(
        &self,
        latest: FunctionConfig,
        tags: BTreeMap<String, String>,
    ) -> Result<Arc<FunctionRecord>, StoreError> {
        let mut conn = self.lock();
        let name = latest.name.clone();
        let tx = conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM functions WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::Conflict(name));
        }
        tx.execute(
            "INSERT INTO functions (name, tags, created_at) VALUES (?1, ?2, ?3)",
            params![name, to_json(&tags), latest.last_modified],
        )?;
        tx.execute(
            "INSERT INTO versions (function, version, config) VALUES (?1, ?2, ?3)",
            params![name, LATEST, to_json(&latest)],
        )?;
        tx.commit()?;
        let record = Arc::new(FunctionRecord {
            latest: Arc::new(latest),
            tags,
        });
        self.cache_write().insert(name, record.clone());
        Ok(record)
    }

    fn update_latest(
        &self,
        name: &str,
        revision: Option<&str>,
        change: &mut dyn FnMut(&FunctionConfig) -> FunctionConfig,
    ) -> Result<Arc<FunctionRecord>, StoreError> {
        let conn = self.lock();
        let current = self
            .get(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        if revision.is_some_and(|r| r != current.latest.revision_id) {
            return Err(StoreError::StaleRevision(name.to_string()));
        }
        let next = change(&current.latest);
        conn.execute(
            "UPDATE versions SET config = ?3 WHERE function = ?1 AND version = ?2",
            params![name, LATEST, to_json(&next)],
        )?;
        let record = Arc::new(FunctionRecord {
            latest: Arc::new(next),
            tags: current.tags.clone(),
        });
        self.cache_write().insert(name.to_string(), record.clone());
        Ok(record)
    }

    fn delete(&self, name: &str) -> Result<Arc<FunctionRecord>, StoreError> {
        let conn = self.lock();
        let current = self
            .get(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        conn.execute("DELETE FROM functions WHERE name = ?1", params![name])?;
        self.cache_write().remove(name);
        Ok(current)
    }

    fn code_in_use(&self, code: &CodeRef) -> bool {
        self.cache_read()
            .values()
            .any(|f| f.latest.code.sha256_hex == code.sha256_hex)
    }
}

//! The SQLite backend of [`Store`], with the metadata mirrored in memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use lambdalite_model::config::{CodeRef, FunctionConfig, LATEST};
use lambdalite_model::event_config::{EventInvokeConfig, ProvisionedConfig};
use lambdalite_model::layer::LayerVersion;
use lambdalite_model::url::FunctionUrlConfig;
use lambdalite_model::{Alias, LambdaError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::{
    io_err, ApiRecord, Change, Decide, FunctionPolicy, FunctionRecord, LayerRecord, Store,
    StoreError,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS functions (
    name         TEXT PRIMARY KEY,
    tags         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_version INTEGER NOT NULL DEFAULT 0,
    reserved_concurrency INTEGER
);
CREATE TABLE IF NOT EXISTS versions (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version  TEXT NOT NULL,
    config   TEXT NOT NULL,
    PRIMARY KEY (function, version)
);
CREATE TABLE IF NOT EXISTS aliases (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    config   TEXT NOT NULL,
    PRIMARY KEY (function, name)
);
CREATE TABLE IF NOT EXISTS event_invoke_configs (
    function  TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier TEXT NOT NULL,
    config    TEXT NOT NULL,
    PRIMARY KEY (function, qualifier)
);
CREATE TABLE IF NOT EXISTS provisioned_configs (
    function  TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier TEXT NOT NULL,
    config    TEXT NOT NULL,
    PRIMARY KEY (function, qualifier)
);
CREATE TABLE IF NOT EXISTS function_policies (
    function  TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier TEXT NOT NULL,
    policy    TEXT NOT NULL,
    PRIMARY KEY (function, qualifier)
);
CREATE TABLE IF NOT EXISTS function_urls (
    function  TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier TEXT NOT NULL,
    config    TEXT NOT NULL,
    PRIMARY KEY (function, qualifier)
);
CREATE TABLE IF NOT EXISTS function_settings (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (function, name)
);
CREATE TABLE IF NOT EXISTS apis (
    id     TEXT PRIMARY KEY,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS event_source_mappings (
    uuid   TEXT PRIMARY KEY,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS layers (
    name         TEXT PRIMARY KEY,
    last_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS layer_versions (
    layer   TEXT NOT NULL REFERENCES layers(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    config  TEXT NOT NULL,
    PRIMARY KEY (layer, version)
);
";

#[derive(Default)]
struct Cache {
    functions: BTreeMap<String, Arc<FunctionRecord>>,
    layers: BTreeMap<String, Arc<LayerRecord>>,
    apis: BTreeMap<String, Arc<ApiRecord>>,
    mappings: BTreeMap<String, Arc<crate::EventSourceMapping>>,
}

/// Metadata in one SQLite file (WAL, synchronous=FULL), read from memory.
pub struct SqliteStore {
    /// The connection; holding it is the write lock.
    conn: Mutex<Connection>,
    /// What the database holds, for reads without the database.
    cache: RwLock<Cache>,
}

/// The `function_settings` row of a function's recursive loop detection.
const RECURSIVE_LOOP: &str = "recursive_loop";

fn parse<T: serde::de::DeserializeOwned>(name: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        name: name.to_string(),
        source,
    })
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialise to JSON")
}

/// Reads a table of (function, key, JSON) rows, grouped by function.
fn load_keyed<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
) -> Result<BTreeMap<String, BTreeMap<String, T>>, StoreError> {
    let mut out: BTreeMap<String, BTreeMap<String, T>> = BTreeMap::new();
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (function, key, json) = row?;
        let value: T = parse(&function, &json)?;
        out.entry(function).or_default().insert(key, value);
    }
    Ok(out)
}

fn load(conn: &Connection) -> Result<Cache, StoreError> {
    let mut cache = Cache::default();
    type Partial = (BTreeMap<String, String>, u64, Option<u32>);
    let mut partial: BTreeMap<String, Partial> = BTreeMap::new();
    let mut stmt =
        conn.prepare("SELECT name, tags, last_version, reserved_concurrency FROM functions")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for row in rows {
        let (name, tags, last, reserved) = row?;
        partial.insert(
            name.clone(),
            (
                parse(&name, &tags)?,
                last as u64,
                reserved.map(|r| r as u32),
            ),
        );
    }
    let mut event_configs: BTreeMap<String, BTreeMap<String, Arc<EventInvokeConfig>>> =
        load_keyed::<EventInvokeConfig>(
            conn,
            "SELECT function, qualifier, config FROM event_invoke_configs",
        )?
        .into_iter()
        .map(|(f, m)| (f, m.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()))
        .collect();
    let mut latest: BTreeMap<String, FunctionConfig> = BTreeMap::new();
    let mut versions: BTreeMap<String, BTreeMap<u64, Arc<FunctionConfig>>> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT function, version, config FROM versions")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (function, version, config) = row?;
        let config: FunctionConfig = parse(&function, &config)?;
        if version == LATEST {
            latest.insert(function, config);
        } else if let Ok(n) = version.parse::<u64>() {
            versions
                .entry(function)
                .or_default()
                .insert(n, Arc::new(config));
        }
    }
    let mut aliases: BTreeMap<String, BTreeMap<String, Arc<Alias>>> =
        load_keyed::<Alias>(conn, "SELECT function, name, config FROM aliases")?
            .into_iter()
            .map(|(f, m)| (f, m.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()))
            .collect();
    let mut provisioned: BTreeMap<String, BTreeMap<String, ProvisionedConfig>> = load_keyed(
        conn,
        "SELECT function, qualifier, config FROM provisioned_configs",
    )?;
    let mut policies: BTreeMap<String, BTreeMap<String, FunctionPolicy>> = load_keyed(
        conn,
        "SELECT function, qualifier, policy FROM function_policies",
    )?;
    let mut urls: BTreeMap<String, BTreeMap<String, FunctionUrlConfig>> = load_keyed(
        conn,
        "SELECT function, qualifier, config FROM function_urls",
    )?;
    let mut settings: BTreeMap<String, BTreeMap<String, String>> =
        load_keyed(conn, "SELECT function, name, value FROM function_settings")?;
    for (name, (tags, last_version, reserved_concurrency)) in partial {
        let Some(l) = latest.remove(&name) else {
            continue;
        };
        cache.functions.insert(
            name.clone(),
            Arc::new(FunctionRecord {
                latest: Arc::new(l),
                versions: versions.remove(&name).unwrap_or_default(),
                aliases: aliases.remove(&name).unwrap_or_default(),
                tags,
                last_version,
                reserved_concurrency,
                event_configs: event_configs.remove(&name).unwrap_or_default(),
                provisioned: provisioned.remove(&name).unwrap_or_default(),
                urls: urls.remove(&name).unwrap_or_default(),
                policies: policies.remove(&name).unwrap_or_default(),
                recursive_loop: settings
                    .get_mut(&name)
                    .and_then(|s| s.remove(RECURSIVE_LOOP)),
            }),
        );
    }

    let mut stmt = conn.prepare("SELECT name, last_version FROM layers")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut layers: BTreeMap<String, LayerRecord> = BTreeMap::new();
    for row in rows {
        let (name, last) = row?;
        layers.insert(
            name.clone(),
            LayerRecord {
                name,
                versions: BTreeMap::new(),
                last_version: last as u64,
            },
        );
    }
    let mut stmt = conn.prepare("SELECT layer, version, config FROM layer_versions")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (layer, version, config) = row?;
        let lv: LayerVersion = parse(&layer, &config)?;
        if let Some(rec) = layers.get_mut(&layer) {
            rec.versions.insert(version as u64, Arc::new(lv));
        }
    }
    cache.layers = layers.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();

    let mut stmt = conn.prepare("SELECT id, config FROM apis")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (id, config) = row?;
        let api: ApiRecord = parse(&id, &config)?;
        cache.apis.insert(id, Arc::new(api));
    }

    let mut stmt = conn.prepare("SELECT uuid, config FROM event_source_mappings")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (uuid, config) = row?;
        let m: crate::EventSourceMapping = parse(&uuid, &config)?;
        cache.mappings.insert(uuid, Arc::new(m));
    }
    Ok(cache)
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

    fn read(&self) -> RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Cache> {
        self.cache.write().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn put_version(tx: &Transaction<'_>, config: &FunctionConfig) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO versions (function, version, config) VALUES (?1, ?2, ?3)",
        params![config.name, config.version, to_json(config)],
    )?;
    Ok(())
}

/// Writes one row of a (function, key, JSON) table.
fn put_keyed(
    tx: &Transaction<'_>,
    table: &str,
    (key_column, value_column): (&str, &str),
    function: &str,
    key: &str,
    json: String,
) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO {table} (function, {key_column}, {value_column}) VALUES (?1, ?2, ?3)"
        ),
        params![function, key, json],
    )?;
    Ok(())
}

/// Removes one row of a (function, key, JSON) table.
fn delete_keyed(
    tx: &Transaction<'_>,
    table: &str,
    key_column: &str,
    function: &str,
    key: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        &format!("DELETE FROM {table} WHERE function = ?1 AND {key_column} = ?2"),
        params![function, key],
    )?;
    Ok(())
}

/// Applies changes to a record in memory (after they are in the database).
fn apply(record: &FunctionRecord, changes: &[Change]) -> FunctionRecord {
    let mut next = record.clone();
    for change in changes {
        match change {
            Change::PutLatest(c) => next.latest = Arc::new(c.clone()),
            Change::PutVersion(c) => {
                if let Ok(n) = c.version.parse::<u64>() {
                    next.last_version = next.last_version.max(n);
                    next.versions.insert(n, Arc::new(c.clone()));
                }
            }
            Change::DeleteVersion(n) => {
                next.versions.remove(n);
            }
            Change::PutAlias(a) => {
                next.aliases.insert(a.name.clone(), Arc::new(a.clone()));
            }
            Change::DeleteAlias(name) => {
                // An alias's provisioned concurrency goes with it.
                next.aliases.remove(name);
                next.provisioned.remove(name);
            }
            Change::SetTags(t) => next.tags = t.clone(),
            Change::SetReservedConcurrency(r) => next.reserved_concurrency = *r,
            Change::PutEventConfig(q, c) => {
                next.event_configs.insert(q.clone(), Arc::new(c.clone()));
            }
            Change::DeleteEventConfig(q) => {
                next.event_configs.remove(q);
            }
            Change::PutProvisioned(q, c) => {
                next.provisioned.insert(q.clone(), c.clone());
            }
            Change::DeleteProvisioned(q) => {
                next.provisioned.remove(q);
            }
            Change::PutUrl(q, c) => {
                next.urls.insert(q.clone(), c.clone());
            }
            Change::DeleteUrl(q) => {
                next.urls.remove(q);
            }
            Change::SetRecursiveLoop(v) => next.recursive_loop = Some(v.clone()),
            Change::PutPolicy(q, p) => {
                if p.statements.is_empty() {
                    next.policies.remove(q);
                } else {
                    next.policies.insert(q.clone(), p.clone());
                }
            }
        }
    }
    next
}

impl Store for SqliteStore {
    fn list(&self) -> Vec<Arc<FunctionRecord>> {
        self.read().functions.values().cloned().collect()
    }

    fn get(&self, name: &str) -> Option<Arc<FunctionRecord>> {
        self.read().functions.get(name).cloned()
    }

    fn create(
        &self,
        latest: FunctionConfig,
        first_version: Option<FunctionConfig>,
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
        let last_version = u64::from(first_version.is_some());
        tx.execute(
            "INSERT INTO functions (name, tags, created_at, last_version) VALUES (?1, ?2, ?3, ?4)",
            params![
                name,
                to_json(&tags),
                latest.last_modified,
                last_version as i64
            ],
        )?;
        put_version(&tx, &latest)?;
        if let Some(v) = &first_version {
            put_version(&tx, v)?;
        }
        tx.commit()?;
        let record = Arc::new(FunctionRecord {
            latest: Arc::new(latest),
            versions: first_version
                .map(|v| (1, Arc::new(v)))
                .into_iter()
                .collect(),
            aliases: BTreeMap::new(),
            tags,
            last_version,
            reserved_concurrency: None,
            event_configs: BTreeMap::new(),
            provisioned: BTreeMap::new(),
            urls: BTreeMap::new(),
            policies: BTreeMap::new(),
            recursive_loop: None,
        });
        self.write().functions.insert(name, record.clone());
        Ok(record)
    }

    fn update(
        &self,
        name: &str,
        decide: &mut Decide<'_>,
    ) -> Result<Arc<FunctionRecord>, StoreError> {
        let mut conn = self.lock();
        let current = self
            .get(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        let changes = decide(&current)?;
        if changes.is_empty() {
            return Ok(current);
        }
        let next = apply(&current, &changes);
        let tx = conn.transaction()?;
        for change in &changes {
            match change {
                Change::PutLatest(c) | Change::PutVersion(c) => put_version(&tx, c)?,
                Change::DeleteVersion(n) => {
                    tx.execute(
                        "DELETE FROM versions WHERE function = ?1 AND version = ?2",
                        params![name, n.to_string()],
                    )?;
                }
                Change::PutAlias(a) => put_keyed(
                    &tx,
                    "aliases",
                    ("name", "config"),
                    name,
                    &a.name,
                    to_json(a),
                )?,
                Change::DeleteAlias(alias) => {
                    delete_keyed(&tx, "aliases", "name", name, alias)?;
                    delete_keyed(&tx, "provisioned_configs", "qualifier", name, alias)?;
                }
                Change::SetTags(t) => {
                    tx.execute(
                        "UPDATE functions SET tags = ?2 WHERE name = ?1",
                        params![name, to_json(t)],
                    )?;
                }
                Change::SetReservedConcurrency(r) => {
                    tx.execute(
                        "UPDATE functions SET reserved_concurrency = ?2 WHERE name = ?1",
                        params![name, r.map(i64::from)],
                    )?;
                }
                Change::PutEventConfig(q, c) => put_keyed(
                    &tx,
                    "event_invoke_configs",
                    ("qualifier", "config"),
                    name,
                    q,
                    to_json(c),
                )?,
                Change::DeleteEventConfig(q) => {
                    delete_keyed(&tx, "event_invoke_configs", "qualifier", name, q)?
                }
                Change::PutProvisioned(q, c) => put_keyed(
                    &tx,
                    "provisioned_configs",
                    ("qualifier", "config"),
                    name,
                    q,
                    to_json(c),
                )?,
                Change::DeleteProvisioned(q) => {
                    delete_keyed(&tx, "provisioned_configs", "qualifier", name, q)?
                }
                Change::PutUrl(q, c) => put_keyed(
                    &tx,
                    "function_urls",
                    ("qualifier", "config"),
                    name,
                    q,
                    to_json(c),
                )?,
                Change::DeleteUrl(q) => delete_keyed(&tx, "function_urls", "qualifier", name, q)?,
                Change::SetRecursiveLoop(v) => put_keyed(
                    &tx,
                    "function_settings",
                    ("name", "value"),
                    name,
                    RECURSIVE_LOOP,
                    to_json(v),
                )?,
                Change::PutPolicy(q, p) if p.statements.is_empty() => {
                    delete_keyed(&tx, "function_policies", "qualifier", name, q)?
                }
                Change::PutPolicy(q, p) => put_keyed(
                    &tx,
                    "function_policies",
                    ("qualifier", "policy"),
                    name,
                    q,
                    to_json(p),
                )?,
            }
        }
        if next.last_version != current.last_version {
            tx.execute(
                "UPDATE functions SET last_version = ?2 WHERE name = ?1",
                params![name, next.last_version as i64],
            )?;
        }
        tx.commit()?;
        let next = Arc::new(next);
        self.write()
            .functions
            .insert(name.to_string(), next.clone());
        Ok(next)
    }

    fn delete(&self, name: &str) -> Result<Arc<FunctionRecord>, StoreError> {
        let conn = self.lock();
        let current = self
            .get(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        conn.execute("DELETE FROM functions WHERE name = ?1", params![name])?;
        self.write().functions.remove(name);
        Ok(current)
    }

    fn layers(&self) -> Vec<Arc<LayerRecord>> {
        self.read().layers.values().cloned().collect()
    }

    fn layer(&self, name: &str) -> Option<Arc<LayerRecord>> {
        self.read().layers.get(name).cloned()
    }

    fn publish_layer_version(
        &self,
        name: &str,
        make: &mut dyn FnMut(u64) -> LayerVersion,
    ) -> Result<Arc<LayerVersion>, StoreError> {
        let mut conn = self.lock();
        let current = self.layer(name);
        let number = current.as_ref().map_or(0, |l| l.last_version) + 1;
        let lv = make(number);
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO layers (name, last_version) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET last_version = ?2",
            params![name, number as i64],
        )?;
        tx.execute(
            "INSERT INTO layer_versions (layer, version, config) VALUES (?1, ?2, ?3)",
            params![name, number as i64, to_json(&lv)],
        )?;
        tx.commit()?;
        let lv = Arc::new(lv);
        let mut record = current.map(|c| (*c).clone()).unwrap_or(LayerRecord {
            name: name.to_string(),
            versions: BTreeMap::new(),
            last_version: 0,
        });
        record.last_version = number;
        record.versions.insert(number, lv.clone());
        self.write()
            .layers
            .insert(name.to_string(), Arc::new(record));
        Ok(lv)
    }

    fn update_layer_version(
        &self,
        name: &str,
        version: u64,
        decide: &mut dyn FnMut(&LayerVersion) -> Result<LayerVersion, LambdaError>,
    ) -> Result<Arc<LayerVersion>, StoreError> {
        let conn = self.lock();
        let record = self
            .layer(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        let current = record
            .versions
            .get(&version)
            .ok_or_else(|| StoreError::NotFound(format!("{name}:{version}")))?;
        let next = decide(current)?;
        conn.execute(
            "UPDATE layer_versions SET config = ?3 WHERE layer = ?1 AND version = ?2",
            params![name, version as i64, to_json(&next)],
        )?;
        let next = Arc::new(next);
        let mut record = (*record).clone();
        record.versions.insert(version, next.clone());
        self.write()
            .layers
            .insert(name.to_string(), Arc::new(record));
        Ok(next)
    }

    fn delete_layer_version(
        &self,
        name: &str,
        version: u64,
    ) -> Result<Option<Arc<LayerVersion>>, StoreError> {
        let conn = self.lock();
        let Some(record) = self.layer(name) else {
            return Ok(None);
        };
        let Some(removed) = record.versions.get(&version).cloned() else {
            return Ok(None);
        };
        conn.execute(
            "DELETE FROM layer_versions WHERE layer = ?1 AND version = ?2",
            params![name, version as i64],
        )?;
        let mut record = (*record).clone();
        record.versions.remove(&version);
        self.write()
            .layers
            .insert(name.to_string(), Arc::new(record));
        Ok(Some(removed))
    }

    fn apis(&self) -> Vec<Arc<ApiRecord>> {
        self.read().apis.values().cloned().collect()
    }

    fn api(&self, id: &str) -> Option<Arc<ApiRecord>> {
        self.read().apis.get(id).cloned()
    }

    fn put_api(&self, api: ApiRecord) -> Result<Arc<ApiRecord>, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT OR REPLACE INTO apis (id, config) VALUES (?1, ?2)",
            params![api.id, to_json(&api)],
        )?;
        let api = Arc::new(api);
        self.write().apis.insert(api.id.clone(), api.clone());
        Ok(api)
    }

    fn delete_api(&self, id: &str) -> Result<Option<Arc<ApiRecord>>, StoreError> {
        let conn = self.lock();
        let Some(current) = self.api(id) else {
            return Ok(None);
        };
        conn.execute("DELETE FROM apis WHERE id = ?1", params![id])?;
        self.write().apis.remove(id);
        Ok(Some(current))
    }

    fn mappings(&self) -> Vec<Arc<crate::EventSourceMapping>> {
        self.read().mappings.values().cloned().collect()
    }

    fn mapping(&self, uuid: &str) -> Option<Arc<crate::EventSourceMapping>> {
        self.read().mappings.get(uuid).cloned()
    }

    fn put_mapping(
        &self,
        m: crate::EventSourceMapping,
    ) -> Result<Arc<crate::EventSourceMapping>, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT OR REPLACE INTO event_source_mappings (uuid, config) VALUES (?1, ?2)",
            params![m.uuid, to_json(&m)],
        )?;
        let m = Arc::new(m);
        self.write().mappings.insert(m.uuid.clone(), m.clone());
        Ok(m)
    }

    fn delete_mapping(
        &self,
        uuid: &str,
    ) -> Result<Option<Arc<crate::EventSourceMapping>>, StoreError> {
        let conn = self.lock();
        let Some(current) = self.mapping(uuid) else {
            return Ok(None);
        };
        conn.execute(
            "DELETE FROM event_source_mappings WHERE uuid = ?1",
            params![uuid],
        )?;
        self.write().mappings.remove(uuid);
        Ok(Some(current))
    }

    fn code_in_use(&self, code: &CodeRef) -> bool {
        let cache = self.read();
        let in_functions = cache.functions.values().any(|f| {
            f.all_configs().any(|c| {
                c.code.sha256_hex == code.sha256_hex
                    || c.layers
                        .iter()
                        .any(|l| l.code.sha256_hex == code.sha256_hex)
            })
        });
        in_functions
            || cache.layers.values().any(|l| {
                l.versions
                    .values()
                    .any(|v| v.code.sha256_hex == code.sha256_hex)
            })
    }
}

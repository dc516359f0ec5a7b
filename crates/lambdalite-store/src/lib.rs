//! Persistence of lambdalite: function metadata in SQLite, code packages
//! and S3 object bodies ([`objects`]) as content-addressed files under the
//! data directory; the tables of the services (SQS's [`sqs`], Kinesis's
//! [`streams`], the smaller services' [`docs`]).
//!
//! Owns the database and the blob folder; nothing else touches them. Does not
//! know HTTP or how functions run. Every write is durable before it returns,
//! and the metadata is also kept in memory so that reads (the invoke path
//! among them) never touch the database.

mod code;
pub mod docs;
pub mod objects;
pub mod queue;
mod sqlite;
pub mod sqs;
pub mod streams;
pub mod writer;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use lambdalite_model::config::{CodeRef, FunctionConfig};
use lambdalite_model::event_config::{EventInvokeConfig, ProvisionedConfig};
use lambdalite_model::layer::LayerVersion;
use lambdalite_model::url::FunctionUrlConfig;
use lambdalite_model::{Alias, LambdaError};

pub use code::{CodeError, CodeStore};
pub use sqlite::SqliteStore;

/// A function: `$LATEST`, its published versions, its aliases and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionRecord {
    pub latest: Arc<FunctionConfig>,
    /// Published versions by number.
    pub versions: BTreeMap<u64, Arc<FunctionConfig>>,
    pub aliases: BTreeMap<String, Arc<Alias>>,
    pub tags: BTreeMap<String, String>,
    /// The highest version number ever published (numbers are never reused).
    pub last_version: u64,
    /// Reserved concurrency (PutFunctionConcurrency), if any.
    pub reserved_concurrency: Option<u32>,
    /// Asynchronous invocation settings by qualifier (`$LATEST`, a version
    /// or an alias).
    pub event_configs: BTreeMap<String, Arc<EventInvokeConfig>>,
    /// Provisioned concurrency by qualifier (a version or an alias).
    pub provisioned: BTreeMap<String, ProvisionedConfig>,
    /// Function URLs by qualifier (`$LATEST` or an alias).
    pub urls: BTreeMap<String, FunctionUrlConfig>,
    /// Resource-based policies by qualifier (`""` for the unqualified
    /// function, else a version or an alias).
    pub policies: BTreeMap<String, FunctionPolicy>,
    /// Recursive loop detection (PutFunctionRecursionConfig), if set:
    /// `Allow` or `Terminate`.
    pub recursive_loop: Option<String>,
}

/// One resource-based policy: its statements as AWS shows them, and the
/// revision that changes with each of its changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionPolicy {
    pub revision_id: String,
    pub statements: Vec<serde_json::Value>,
}

impl FunctionRecord {
    /// The configuration of `$LATEST` or of a published version.
    pub fn version(&self, qualifier: &str) -> Option<&Arc<FunctionConfig>> {
        if qualifier == lambdalite_model::LATEST {
            return Some(&self.latest);
        }
        self.versions.get(&qualifier.parse::<u64>().ok()?)
    }

    /// Every configuration of the function.
    pub fn all_configs(&self) -> impl Iterator<Item = &Arc<FunctionConfig>> {
        std::iter::once(&self.latest).chain(self.versions.values())
    }
}

/// One change to a function, applied atomically with the others of an update.
#[derive(Debug, Clone)]
pub enum Change {
    PutLatest(FunctionConfig),
    /// Adds a published version (its `version` field is its number).
    PutVersion(FunctionConfig),
    DeleteVersion(u64),
    PutAlias(Alias),
    /// Removes an alias and its provisioned concurrency config.
    DeleteAlias(String),
    SetTags(BTreeMap<String, String>),
    SetReservedConcurrency(Option<u32>),
    PutEventConfig(String, EventInvokeConfig),
    DeleteEventConfig(String),
    PutProvisioned(String, ProvisionedConfig),
    DeleteProvisioned(String),
    PutUrl(String, FunctionUrlConfig),
    DeleteUrl(String),
    /// Sets (or, with no statements left, removes) a qualifier's policy.
    PutPolicy(String, FunctionPolicy),
    /// Sets the function's recursive loop detection.
    SetRecursiveLoop(String),
}

/// A layer and its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerRecord {
    pub name: String,
    pub versions: BTreeMap<u64, Arc<LayerVersion>>,
    /// The highest version number ever published.
    pub last_version: u64,
}

/// An API Gateway-style API: its definition as it was imported.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ApiRecord {
    pub id: String,
    /// The OpenAPI document, as JSON.
    pub definition: serde_json::Value,
    pub created: String,
    pub last_modified: String,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A function of this name exists already.
    #[error("function {0} already exists")]
    Conflict(String),
    /// No function (or layer) of this name.
    #[error("{0} not found")]
    NotFound(String),
    /// The change was refused by the caller's own rules.
    #[error(transparent)]
    Rejected(#[from] LambdaError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A stored record could not be read back.
    #[error("corrupt record of {name}: {source}")]
    Corrupt {
        name: String,
        source: serde_json::Error,
    },
    /// The file system failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// Decides the changes of an update from the current record.
pub type Decide<'a> = dyn FnMut(&FunctionRecord) -> Result<Vec<Change>, LambdaError> + 'a;

/// The metadata store. SQLite is the embedded backend; a shared database can
/// implement the same trait for a cluster.
pub trait Store: Send + Sync {
    /// Every function, ordered by name.
    fn list(&self) -> Vec<Arc<FunctionRecord>>;
    /// One function by name.
    fn get(&self, name: &str) -> Option<Arc<FunctionRecord>>;
    /// Adds a new function (and its first version, when published at
    /// once); fails with `Conflict` if the name is taken.
    fn create(
        &self,
        latest: FunctionConfig,
        first_version: Option<FunctionConfig>,
        tags: BTreeMap<String, String>,
    ) -> Result<Arc<FunctionRecord>, StoreError>;
    /// Applies the changes `decide` makes of the current record, atomically.
    /// `decide` runs under the store's write lock, so concurrent updates
    /// never lose each other and preconditions it checks still hold.
    fn update(
        &self,
        name: &str,
        decide: &mut Decide<'_>,
    ) -> Result<Arc<FunctionRecord>, StoreError>;
    /// Removes a function and everything of it.
    fn delete(&self, name: &str) -> Result<Arc<FunctionRecord>, StoreError>;

    /// Every layer, ordered by name.
    fn layers(&self) -> Vec<Arc<LayerRecord>>;
    /// One layer by name.
    fn layer(&self, name: &str) -> Option<Arc<LayerRecord>>;
    /// Publishes the next version of a layer; `make` gets its number.
    fn publish_layer_version(
        &self,
        name: &str,
        make: &mut dyn FnMut(u64) -> LayerVersion,
    ) -> Result<Arc<LayerVersion>, StoreError>;
    /// Replaces one layer version's record (its policy), if `decide` agrees.
    fn update_layer_version(
        &self,
        name: &str,
        version: u64,
        decide: &mut dyn FnMut(&LayerVersion) -> Result<LayerVersion, LambdaError>,
    ) -> Result<Arc<LayerVersion>, StoreError>;
    /// Removes one layer version; `None` when there was none.
    fn delete_layer_version(
        &self,
        name: &str,
        version: u64,
    ) -> Result<Option<Arc<LayerVersion>>, StoreError>;

    /// Whether any function version or layer version still uses this code.
    fn code_in_use(&self, code: &CodeRef) -> bool;

    /// Every API, ordered by id.
    fn apis(&self) -> Vec<Arc<ApiRecord>>;
    /// One API by id.
    fn api(&self, id: &str) -> Option<Arc<ApiRecord>>;
    /// Creates or replaces an API.
    fn put_api(&self, api: ApiRecord) -> Result<Arc<ApiRecord>, StoreError>;
    /// Removes an API; `None` when there was none.
    fn delete_api(&self, id: &str) -> Result<Option<Arc<ApiRecord>>, StoreError>;

    /// Every event source mapping, ordered by UUID.
    fn mappings(&self) -> Vec<Arc<EventSourceMapping>>;
    /// One mapping by UUID.
    fn mapping(&self, uuid: &str) -> Option<Arc<EventSourceMapping>>;
    /// Creates or replaces a mapping.
    fn put_mapping(&self, m: EventSourceMapping) -> Result<Arc<EventSourceMapping>, StoreError>;
    /// Removes a mapping; `None` when there was none.
    fn delete_mapping(&self, uuid: &str) -> Result<Option<Arc<EventSourceMapping>>, StoreError>;
}

pub use lambdalite_model::esm::EventSourceMapping;

/// Where the store keeps its files under the data directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout { root: root.into() }
    }
    pub fn database(&self) -> PathBuf {
        self.root.join("lambdalite.db")
    }
    /// A push service's own database (its documents): one writer per file,
    /// so its commits never wait on another store's lock.
    pub fn service_database(&self, service: &str) -> PathBuf {
        self.root.join(format!("{service}.db"))
    }
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }
    pub fn code(&self) -> PathBuf {
        self.root.join("code")
    }
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    /// Layers merged per function, the content of its /opt.
    pub fn opt(&self) -> PathBuf {
        self.root.join("opt")
    }
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}

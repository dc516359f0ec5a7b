//! Persistence of lambdalite: function metadata in SQLite and code packages
//! as content-addressed files under the data directory.
//!
//! Owns the database and the blob folder; nothing else touches them. Does not
//! know HTTP or how functions run. Every write is durable before it returns,
//! and the metadata is also kept in memory so that reads (the invoke path
//! among them) never touch the database.

mod code;
mod sqlite;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use lambdalite_model::config::{CodeRef, FunctionConfig};

pub use code::{CodeError, CodeStore};
pub use sqlite::SqliteStore;

/// A function: its `$LATEST` configuration and its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRecord {
    pub latest: Arc<FunctionConfig>,
    pub tags: BTreeMap<String, String>,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A function of this name exists already.
    #[error("function {0} already exists")]
    Conflict(String),
    /// No function of this name.
    #[error("function {0} not found")]
    NotFound(String),
    /// The caller's RevisionId is not the current one.
    #[error("revision id of {0} does not match")]
    StaleRevision(String),
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

/// The metadata store. SQLite is the embedded backend; a shared database can
/// implement the same trait for a cluster.
pub trait Store: Send + Sync {
    /// Every function, ordered by name.
    fn list(&self) -> Vec<Arc<FunctionRecord>>;
    /// One function by name.
    fn get(&self, name: &str) -> Option<Arc<FunctionRecord>>;
    /// Adds a new function; fails with `Conflict` if the name is taken.
    fn create(
        &self,
        latest: FunctionConfig,
        tags: BTreeMap<String, String>,
    ) -> Result<Arc<FunctionRecord>, StoreError>;
    /// Replaces `$LATEST` with what `change` makes of it, if `revision`
    /// (when given) is the current RevisionId. `change` runs under the
    /// store's write lock, so concurrent updates never lose each other.
    fn update_latest(
        &self,
        name: &str,
        revision: Option<&str>,
        change: &mut dyn FnMut(&FunctionConfig) -> FunctionConfig,
    ) -> Result<Arc<FunctionRecord>, StoreError>;
    /// Removes a function and everything of it.
    fn delete(&self, name: &str) -> Result<Arc<FunctionRecord>, StoreError>;
    /// Whether any stored version still uses this code.
    fn code_in_use(&self, code: &CodeRef) -> bool;
}

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
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }
    pub fn code(&self) -> PathBuf {
        self.root.join("code")
    }
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}

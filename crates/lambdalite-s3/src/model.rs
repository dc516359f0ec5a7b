//! What S3 keeps: buckets, objects, multipart uploads and their parts, as
//! they are stored (JSON documents) and held in memory.

use serde::{Deserialize, Serialize};

use crate::checksum::Algorithm;
use crate::notify::NotificationConfig;

/// A bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    pub region: String,
    pub created_ms: i64,
    /// `None`: never tagged (NoSuchTagSet).
    #[serde(default)]
    pub tags: Option<Vec<(String, String)>>,
    #[serde(default)]
    pub notification: NotificationConfig,
}

/// One stored run of an object's bytes: a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    pub sha256: String,
    pub size: u64,
}

/// The headers an object keeps and returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headers {
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content_encoding: Option<String>,
    #[serde(default)]
    pub content_disposition: Option<String>,
    #[serde(default)]
    pub content_language: Option<String>,
    #[serde(default)]
    pub cache_control: Option<String>,
    #[serde(default)]
    pub expires: Option<String>,
    #[serde(default)]
    pub website_redirect: Option<String>,
}

/// An object's checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    pub algorithm: Algorithm,
    /// base64, with `-N` for a composite one.
    pub value: String,
    /// `FULL_OBJECT` or `COMPOSITE`.
    pub kind: String,
}

/// An object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Object {
    pub key: String,
    pub size: u64,
    /// Quoted, as the ETag header carries it.
    pub etag: String,
    pub modified_ms: i64,
    #[serde(default)]
    pub headers: Headers,
    /// User metadata (`x-amz-meta-*`), names lowercased.
    #[serde(default)]
    pub metadata: Vec<(String, String)>,
    #[serde(default)]
    pub checksum: Option<Checksum>,
    pub pieces: Vec<Piece>,
    /// The parts of a multipart object (their sizes).
    #[serde(default)]
    pub parts: Option<Vec<u64>>,
    /// Each part's checksum (base64), when the upload kept them.
    #[serde(default)]
    pub part_checksums: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub storage_class: Option<String>,
}

/// A multipart upload in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub bucket: String,
    pub key: String,
    pub initiated_ms: i64,
    #[serde(default)]
    pub headers: Headers,
    #[serde(default)]
    pub metadata: Vec<(String, String)>,
    #[serde(default)]
    pub checksum_algorithm: Option<Algorithm>,
    /// `COMPOSITE` or `FULL_OBJECT`, when an algorithm is set.
    #[serde(default)]
    pub checksum_type: Option<String>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub storage_class: Option<String>,
}

/// One uploaded part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    pub upload_id: String,
    pub number: u32,
    pub piece: Piece,
    /// Quoted.
    pub etag: String,
    pub modified_ms: i64,
    /// base64 of the part's checksum in the upload's algorithm.
    #[serde(default)]
    pub checksum: Option<String>,
}

/// Document kinds.
pub const BUCKET: &str = "bucket";
pub const OBJECT: &str = "object";
pub const UPLOAD: &str = "upload";
pub const PART: &str = "part";
pub const PARCEL: &str = "parcel";

pub fn object_doc_key(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

pub fn part_doc_key(upload_id: &str, number: u32) -> String {
    format!("{upload_id}/{number:05}")
}

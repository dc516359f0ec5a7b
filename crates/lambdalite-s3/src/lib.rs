//! S3-compatible object storage on lambdalite's shared listener.
//!
//! Owns: buckets (tags, regions), objects (user metadata and the headers
//! S3 keeps, conditional requests, ranges, copies, tags), multipart
//! uploads and their parts, the checksums S3 verifies and returns, ETags
//! as AWS computes them, listings (v1 and v2, delimiters, pages), bucket
//! notification configurations and the S3 event records they send, and
//! S3's rest-xml wire with its XML errors. Bodies stream from the socket
//! to a content-addressed blob (lambdalite-store's `objects`) and back,
//! never whole in memory; an object's record is committed (documents in
//! `s3.db`) only once its body is durable, together with the
//! notifications it makes.
//!
//! Does not: verify request signatures (the listener does, and hands the
//! body's part of it over as a [`Payload`](lambdalite_protocol::sigv4::Payload)),
//! deliver or retry notifications (lambdalite-events' outbox and
//! `Deliverer` do), or run functions.

mod body;
pub mod checksum;
mod error;
pub mod model;
pub mod notify;
mod post;
mod service;
pub mod wire;

pub use error::S3Error;
pub use service::{check_bucket_name, S3Request, S3};

/// The `x-amz-id-2` of a request: S3's host id, made from its request id.
pub fn host_id(request_id: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(request_id.as_bytes()))
}

//! AWS's wire protocols on lambdalite's one listener.
//!
//! Owns: telling which AWS service a request is for (`X-Amz-Target`, the
//! query protocol's `Action`, the SigV4 credential scope's service, the
//! path) in [`dispatch`]; Signature Version 4 verification with the
//! server's keys and the functions' session credentials, S3's
//! head-only form, its `aws-chunked` bodies and its Signature Version 2
//! ([`sigv4`], [`chunked`]); the
//! shapes of each protocol's answers and errors: awsJson 1.0/1.1 with
//! `x-amzn-query-error`, and the query protocol's form input and XML
//! output ([`json`], [`query`], [`xml`]).
//!
//! Does not: know any service's operations or state (each service crate
//! does), or run anything.

pub mod chunked;
pub mod dispatch;
pub mod json;
pub mod query;
pub mod sigv4;
pub mod xml;

pub use dispatch::{identify, Protocol, Target};

//! S3's rest-xml wire: which bucket and key a request names (path style
//! or virtual-hosted style), its query, dates and ranges, the XML it
//! reads, and the answers' shapes.

use axum::body::Body;
use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use http::{HeaderMap, Response, StatusCode};
use lambdalite_protocol::sigv4::percent_decode;

use crate::error::S3Error;

/// The namespace of S3's XML answers.
pub const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The bucket named by a virtual-hosted-style host: `BUCKET.s3.…`
/// (`b.s3.localhost:9001`, `b.s3.us-east-1.amazonaws.com`). `None`: the
/// host names no bucket.
pub fn host_bucket(host: &str) -> Option<String> {
    let host = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let idx = host.find(".s3.").or_else(|| host.find(".s3-"))?;
    let bucket = &host[..idx];
    (!bucket.is_empty()).then(|| bucket.to_string())
}

/// Whether a host is an S3 endpoint's (`s3.localhost`, `BUCKET.s3.…`).
pub fn is_s3_host(host: &str) -> bool {
    host.starts_with("s3.") || host.starts_with("s3-") || host.contains(".s3.")
}

/// (bucket, key) of a request: the host's bucket and the whole path as
/// the key, or the path's first segment and the rest.
pub fn target(host_bucket: Option<&str>, raw_path: &str) -> (Option<String>, Option<String>) {
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    if let Some(b) = host_bucket {
        let key = (!path.is_empty()).then(|| percent_decode(path));
        return (Some(b.to_string()), key);
    }
    if path.is_empty() {
        return (None, None);
    }
    match path.split_once('/') {
        Some((b, k)) if !k.is_empty() => (Some(percent_decode(b)), Some(percent_decode(k))),
        Some((b, _)) => (Some(percent_decode(b)), None),
        None => (Some(percent_decode(path)), None),
    }
}

/// A request's query, decoded, in order (a flag like `?uploads` has an
/// empty value).
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query(
            raw.unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (
                        percent_decode(&k.replace('+', " ")),
                        percent_decode(&v.replace('+', " ")),
                    )
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `2026-12-03T14:01:06.000Z`, as S3's XML writes times.
pub fn iso(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// `Thu, 03 Dec 2026 14:01:06 GMT`, as S3's headers write times.
pub fn http_date(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// An HTTP date (RFC 7231, or ISO 8601 as some clients send).
pub fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| d.with_timezone(&Utc))
        })
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s, "%a, %d %b %Y %H:%M:%S GMT")
                .ok()
                .map(|d| d.and_utc())
        })
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Range {
    /// The whole object (no range, or one S3 ignores).
    Whole,
    /// Bytes `start..=end`.
    Bytes(u64, u64),
    Unsatisfiable,
}

pub fn range(value: Option<&str>, size: u64) -> Range {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Range::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (None, Some(n)) if a.is_empty() => {
            if n == 0 || size == 0 {
                return Range::Unsatisfiable;
            }
            Range::Bytes(size.saturating_sub(n), size - 1)
        }
        (Some(s), None) if b.is_empty() => {
            if s >= size {
                Range::Unsatisfiable
            } else {
                Range::Bytes(s, size - 1)
            }
        }
        (Some(s), Some(e)) if s <= e => {
            if s >= size {
                Range::Unsatisfiable
            } else {
                Range::Bytes(s, e.min(size - 1))
            }
        }
        _ => Range::Whole,
    }
}

/// Parses an XML request body.
pub fn parse_xml(body: &Bytes) -> Result<roxmltree::Document<'_>, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| S3Error::malformed_xml())?;
    roxmltree::Document::parse(text).map_err(|_| S3Error::malformed_xml())
}

/// The child elements of `node` named `name` (any namespace).
pub fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The text of `node`'s first child named `name`.
pub fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .map(|c| c.text().unwrap_or(""))
}

/// URL-encodes as S3's `EncodingType=url` does (and its notifications'
/// keys): unreserved characters stay, a space is `+`, the rest `%XX`.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(c as char)
            }
            b' ' => out.push('+'),
            c => out.push_str(&format!("%{c:02X}")),
        }
    }
    out
}

/// Encodes a listed key when the request asked for `EncodingType=url`:
/// keys keep `/`, as AWS's do.
pub fn list_encode(s: &str, url: bool) -> String {
    if !url {
        return s.to_string();
    }
    s.split('/').map(url_encode).collect::<Vec<_>>().join("/")
}

/// An answer with S3's request headers and an XML body.
pub fn xml_response(status: StatusCode, request_id: &str, xml: String) -> Response<Body> {
    base(status, request_id)
        .header(http::header::CONTENT_TYPE, "application/xml")
        .body(Body::from(xml))
        .unwrap_or_default()
}

/// An empty answer with S3's request headers.
pub fn empty(status: StatusCode, request_id: &str) -> Response<Body> {
    base(status, request_id)
        .body(Body::empty())
        .unwrap_or_default()
}

pub fn base(status: StatusCode, request_id: &str) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header("x-amz-request-id", request_id)
        .header("x-amz-id-2", crate::host_id(request_id))
        .header("server", "AmazonS3")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_buckets_both_ways() {
        assert_eq!(host_bucket("b.s3.localhost:9001").as_deref(), Some("b"));
        assert_eq!(
            host_bucket("my.bucket.s3.us-east-1.amazonaws.com").as_deref(),
            Some("my.bucket")
        );
        assert_eq!(host_bucket("s3.localhost:9001"), None);
        assert_eq!(host_bucket("127.0.0.1:9001"), None);
        assert_eq!(
            target(None, "/b/a%20b/c"),
            (Some("b".into()), Some("a b/c".into()))
        );
        assert_eq!(target(None, "/b/"), (Some("b".into()), None));
        assert_eq!(target(None, "/"), (None, None));
        assert_eq!(
            target(Some("b"), "/k"),
            (Some("b".into()), Some("k".into()))
        );
    }

    #[test]
    fn ranges_as_s3_reads_them() {
        assert_eq!(range(Some("bytes=0-4"), 10), Range::Bytes(0, 4));
        assert_eq!(range(Some("bytes=-3"), 10), Range::Bytes(7, 9));
        assert_eq!(range(Some("bytes=-30"), 10), Range::Bytes(0, 9));
        assert_eq!(range(Some("bytes=5-"), 10), Range::Bytes(5, 9));
        assert_eq!(range(Some("bytes=5-100"), 10), Range::Bytes(5, 9));
        assert_eq!(range(Some("bytes=10-20"), 10), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=4-2"), 10), Range::Whole);
        assert_eq!(range(Some("items=0-1"), 10), Range::Whole);
        assert_eq!(range(None, 10), Range::Whole);
    }

    #[test]
    fn encodes_keys_like_s3() {
        assert_eq!(url_encode("a b+c/d=é"), "a+b%2Bc%2Fd%3D%C3%A9");
        assert_eq!(list_encode("a b/c", true), "a+b/c");
    }
}

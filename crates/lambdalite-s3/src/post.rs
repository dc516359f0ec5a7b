//! POST object: a browser form (`multipart/form-data`) whose fields name
//! the key, the headers and the policy, and whose `file` field, the last
//! one that counts, is the body. The fields are read whole (they are
//! small); the file streams on as it arrives, cut at the closing boundary.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http_body_util::BodyExt;

use crate::error::S3Error;

/// The most the fields before the file may take.
const FIELDS_MAX_BYTES: usize = 1024 * 1024;

/// A form's fields (names lower-cased) and its file.
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub filename: Option<String>,
    /// The file's bytes, streamed.
    pub file: Body,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn bad(message: &str) -> S3Error {
    S3Error::new(StatusCode::BAD_REQUEST, "MalformedPOSTRequest", message)
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `name` and `filename` of a part's `Content-Disposition`.
fn disposition(headers: &str) -> (Option<String>, Option<String>) {
    let mut name = None;
    let mut filename = None;
    for line in headers.split("\r\n") {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        for p in v.split(';') {
            if let Some((pk, pv)) = p.trim().split_once('=') {
                let pv = pv.trim().trim_matches('"').to_string();
                match pk.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(pv),
                    "filename" => filename = Some(pv),
                    _ => {}
                }
            }
        }
    }
    (name, filename)
}

/// Reads the fields up to the file, and hands the file on as a body.
pub async fn read(body: Body, boundary: &str) -> Result<Form, S3Error> {
    let mut body = body;
    let delimiter = format!("--{boundary}");
    let separator = format!("\r\n--{boundary}").into_bytes();
    let mut buf = BytesMut::new();
    let mut fields = Vec::new();
    let mut ended = false;
    // Fill `buf` until `want` holds, or the body ends.
    macro_rules! fill_until {
        ($want:expr) => {
            loop {
                if $want(&buf[..]) {
                    break true;
                }
                if ended || buf.len() > FIELDS_MAX_BYTES {
                    break false;
                }
                match body.frame().await {
                    Some(Ok(f)) => {
                        if let Ok(d) = f.into_data() {
                            buf.extend_from_slice(&d);
                        }
                    }
                    Some(Err(_)) => {
                        return Err(bad(
                            "The body of your POST request is not well-formed multipart/form-data.",
                        ))
                    }
                    None => ended = true,
                }
            }
        };
    }
    let first = delimiter.as_bytes().to_vec();
    if !fill_until!(|b: &[u8]| b.len() >= first.len() + 2) || !buf.starts_with(&first) {
        return Err(bad(
            "The body of your POST request is not well-formed multipart/form-data.",
        ));
    }
    let _ = buf.split_to(first.len());
    loop {
        // After a delimiter: `--` ends the form, CRLF starts a part.
        if !fill_until!(|b: &[u8]| b.len() >= 2) {
            break;
        }
        if buf.starts_with(b"--") {
            break;
        }
        if !buf.starts_with(b"\r\n") {
            return Err(bad(
                "The body of your POST request is not well-formed multipart/form-data.",
            ));
        }
        let _ = buf.split_to(2);
        if !fill_until!(|b: &[u8]| find(b, b"\r\n\r\n").is_some()) {
            return Err(bad(
                "The body of your POST request is not well-formed multipart/form-data.",
            ));
        }
        let end = find(&buf, b"\r\n\r\n").unwrap_or(0);
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let _ = buf.split_to(end + 4);
        let (name, filename) = disposition(&head);
        let name = name.unwrap_or_default().to_ascii_lowercase();
        if name == "file" {
            let rest = buf.split().freeze();
            return Ok(Form {
                fields,
                filename,
                file: file_body(body, rest, separator, ended),
            });
        }
        let sep = separator.clone();
        if !fill_until!(|b: &[u8]| find(b, &sep).is_some()) {
            return Err(bad(
                "The body of your POST request is not well-formed multipart/form-data.",
            ));
        }
        let at = find(&buf, &separator).unwrap_or(0);
        let value = String::from_utf8_lossy(&buf[..at]).into_owned();
        let _ = buf.split_to(at + separator.len());
        fields.push((name, value));
    }
    Err(S3Error::invalid_argument(
        "POST requires exactly one file upload per request.",
        "file",
        "0",
    ))
}

/// The file's bytes: everything up to the next `\r\n--BOUNDARY`, keeping
/// back a tail as long as the separator until it is known not to start
/// one.
fn file_body(body: Body, start: Bytes, separator: Vec<u8>, ended: bool) -> Body {
    struct Cut {
        body: Body,
        buf: BytesMut,
        separator: Vec<u8>,
        ended: bool,
        done: bool,
    }
    let state = Cut {
        body,
        buf: BytesMut::from(&start[..]),
        separator,
        ended,
        done: false,
    };
    let stream = futures_util::stream::unfold(state, |mut c| async move {
        loop {
            if c.done {
                return None;
            }
            if let Some(at) = find(&c.buf, &c.separator) {
                c.done = true;
                let out = c.buf.split_to(at).freeze();
                return Some((Ok::<Bytes, std::io::Error>(out), c));
            }
            let keep = c.separator.len().saturating_sub(1);
            if c.buf.len() > keep + 64 * 1024 || (c.ended && !c.buf.is_empty()) {
                if c.ended {
                    return Some((
                        Err(std::io::Error::other("the form ended inside its file")),
                        Cut { done: true, ..c },
                    ));
                }
                let n = c.buf.len() - keep;
                let out = c.buf.split_to(n).freeze();
                return Some((Ok(out), c));
            }
            if c.ended {
                return Some((
                    Err(std::io::Error::other("the form ended inside its file")),
                    Cut { done: true, ..c },
                ));
            }
            match c.body.frame().await {
                Some(Ok(f)) => {
                    if let Ok(d) = f.into_data() {
                        c.buf.extend_from_slice(&d);
                    }
                }
                Some(Err(e)) => {
                    return Some((Err(std::io::Error::other(e)), Cut { done: true, ..c }))
                }
                None => c.ended = true,
            }
        }
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_fields_and_streams_the_file() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"Content-Type\"\r\n\r\ntext/plain\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nhello\r\n--world\r\n--XX--\r\n";
        let form = read(Body::from(body), "XX").await.unwrap();
        assert_eq!(form.get("key"), Some("uploads/${filename}"));
        assert_eq!(form.get("content-type"), Some("text/plain"));
        assert_eq!(form.filename.as_deref(), Some("a.txt"));
        let data = axum::body::to_bytes(form.file, 1 << 20).await.unwrap();
        assert_eq!(&data[..], b"hello\r\n--world");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XX\"").as_deref(),
            Some("XX")
        );
    }
}

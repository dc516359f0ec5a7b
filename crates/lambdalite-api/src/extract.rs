//! Turning HTTP requests into typed operation inputs, with AWS's errors for
//! every way a request can be malformed.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use lambdalite_model::LambdaError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Reads a whole body of at most `limit` bytes.
pub async fn read_body(body: Body, limit: usize, operation: &str) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError(LambdaError::RequestEntityTooLarge(format!(
            "Request must be smaller than {limit} bytes for the {operation} operation"
        )))
    })
}

/// Refuses bodies whose media type says they are not JSON.
pub fn check_json_media_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim();
    let not_json = essence.starts_with("multipart/")
        || essence.ends_with("/xml")
        || essence.starts_with("image/")
        || essence.starts_with("audio/")
        || essence.starts_with("video/");
    if not_json {
        return Err(ApiError(LambdaError::UnsupportedMediaType(format!(
            "The request has an unsupported media type: {essence}. Send JSON."
        ))));
    }
    Ok(())
}

/// Parses a JSON body into an operation's input. An empty body is an empty
/// object.
pub fn parse_json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    check_json_media_type(headers)?;
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        ApiError(LambdaError::InvalidRequestContent(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        )))
    })
}

/// The query parameters of a request.
#[derive(Debug, Default)]
pub struct QueryParams(pub HashMap<String, String>);

impl QueryParams {
    pub fn parse(query: Option<&str>) -> QueryParams {
        let mut map = HashMap::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(decode(k), decode(v));
        }
        QueryParams(map)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Percent-decodes one query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query() {
        let q = QueryParams::parse(Some("Qualifier=%24LATEST&Marker=a+b&x"));
        assert_eq!(q.get("Qualifier"), Some("$LATEST"));
        assert_eq!(q.get("Marker"), Some("a b"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%zz"), "%zz");
    }
}

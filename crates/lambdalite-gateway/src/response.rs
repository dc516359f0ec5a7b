//! What a function's answer becomes: the HTTP response of a Lambda proxy
//! integration, payload 1.0 (a strict shape) or 2.0 (inferred, as function
//! URLs do too).

use base64::Engine as _;
use serde_json::{Map, Value};

/// An HTTP response, before it meets the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// In order; a name may repeat (`set-cookie`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    fn default_content_type(mut self) -> Self {
        if !self.has_header("content-type") {
            self.headers
                .push(("content-type".into(), "application/json".into()));
        }
        self
    }
}

/// Why an answer can't be a response (the caller gets a 502 or 500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Lambda proxy response: {0}")]
pub struct Malformed(pub String);

fn bad(msg: impl Into<String>) -> Malformed {
    Malformed(msg.into())
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn status_of(v: Option<&Value>) -> Result<u16, Malformed> {
    let n = match v {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (100..=599).contains(&n) => Ok(n as u16),
        _ => Err(bad("statusCode must be an HTTP status code")),
    }
}

fn body_of(o: &Map<String, Value>, strict: bool) -> Result<Vec<u8>, Malformed> {
    let base64 = match o.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(bad("isBase64Encoded must be true or false")),
    };
    match o.get("body") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|_| bad("body is not valid base64")),
        Some(Value::String(s)) => Ok(s.clone().into_bytes()),
        Some(_) if strict => Err(bad("body must be a string")),
        Some(other) => Ok(other.to_string().into_bytes()),
    }
}

fn single_headers(
    o: &Map<String, Value>,
    out: &mut Vec<(String, String)>,
) -> Result<(), Malformed> {
    match o.get("headers") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let v = text_of(v).ok_or_else(|| bad(format!("header {k} must be a string")))?;
                out.push((k.clone(), v));
            }
            Ok(())
        }
        Some(_) => Err(bad("headers must be an object")),
    }
}

/// Payload 1.0 (REST APIs): the answer must be a JSON object with
/// `statusCode`, and optionally `headers`, `multiValueHeaders`, `body` (a
/// string) and `isBase64Encoded`.
pub fn proxy_v1(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|_| bad("the answer is not JSON"))?;
    let o = value
        .as_object()
        .ok_or_else(|| bad("the answer must be a JSON object"))?;
    let status = status_of(o.get("statusCode"))?;
    let mut headers = Vec::new();
    single_headers(o, &mut headers)?;
    match o.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, vs) in h {
                let vs = vs
                    .as_array()
                    .ok_or_else(|| bad(format!("multiValueHeaders.{k} must be a list")))?;
                // A name in both maps takes the lists' values.
                headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
                for v in vs {
                    let v = text_of(v)
                        .ok_or_else(|| bad(format!("multiValueHeaders.{k} must hold strings")))?;
                    headers.push((k.clone(), v));
                }
            }
        }
        Some(_) => return Err(bad("multiValueHeaders must be an object")),
    }
    let body = body_of(o, true)?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    }
    .default_content_type())
}

/// Payload 2.0 (HTTP APIs, function URLs): an object with `statusCode` is
/// a response (`headers`, `cookies`, `body`, `isBase64Encoded`); any other
/// JSON value is a 200 whose body is that value.
pub fn infer_v2(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|_| bad("the answer is not JSON"))?;
    let Some(o) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        let body = match value {
            Value::String(s) => s.into_bytes(),
            Value::Null => Vec::new(),
            other => other.to_string().into_bytes(),
        };
        return Ok(HttpResponse {
            status: 200,
            headers: Vec::new(),
            body,
        }
        .default_content_type());
    };
    let status = status_of(o.get("statusCode"))?;
    let mut headers = Vec::new();
    single_headers(o, &mut headers)?;
    if let Some(cookies) = o.get("cookies").and_then(Value::as_array) {
        for c in cookies.iter().filter_map(Value::as_str) {
            headers.push(("set-cookie".into(), c.to_string()));
        }
    }
    let body = body_of(o, false)?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    }
    .default_content_type())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(r: &'a HttpResponse, name: &str) -> Vec<&'a str> {
        r.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn v1_reads_aws_example() {
        let path = format!(
            "{}/tests/fixtures/example-apigw-response.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let r = proxy_v1(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"Hello World");
        assert_eq!(header(&r, "X-Forwarded-Port"), vec!["443"]);
        assert_eq!(header(&r, "content-type"), vec!["application/json"]);
    }

    #[test]
    fn v1_headers_base64_and_defaults() {
        let r = proxy_v1(
            br#"{"statusCode": "201", "headers": {"a": "1", "b": 2, "content-type": "image/png"},
                 "multiValueHeaders": {"a": ["x", "y"]}, "body": "iVBORw==", "isBase64Encoded": true}"#,
        )
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(header(&r, "a"), vec!["x", "y"]);
        assert_eq!(header(&r, "b"), vec!["2"]);
        assert_eq!(r.body, vec![0x89, b'P', b'N', b'G']);
        assert_eq!(header(&r, "content-type"), vec!["image/png"]);
    }

    #[test]
    fn v1_refuses_malformed_answers() {
        for bad in [
            &b"\"hello\""[..],
            b"{}",
            b"[1]",
            b"not json",
            b"{\"statusCode\": 99}",
            b"{\"statusCode\": 200, \"body\": {\"a\": 1}}",
            b"{\"statusCode\": 200, \"headers\": []}",
            b"{\"statusCode\": 200, \"headers\": {\"a\": [1]}}",
            b"{\"statusCode\": 200, \"multiValueHeaders\": {\"a\": \"b\"}}",
            b"{\"statusCode\": 200, \"body\": \"@@\", \"isBase64Encoded\": true}",
            b"{\"statusCode\": 200, \"isBase64Encoded\": 3}",
        ] {
            assert!(
                proxy_v1(bad).is_err(),
                "{} accepted",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn v2_infers_like_aws() {
        let r = infer_v2(br#"{"hello": "world"}"#).unwrap();
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &br#"{"hello":"world"}"#[..])
        );
        let r = infer_v2(br#""text""#).unwrap();
        assert_eq!(r.body, b"text");
        let r = infer_v2(
            br#"{"statusCode": 302, "headers": {"location": "/x"}, "cookies": ["a=1", "b=2"], "body": "moved"}"#,
        )
        .unwrap();
        assert_eq!(r.status, 302);
        assert_eq!(header(&r, "set-cookie"), vec!["a=1", "b=2"]);
        assert_eq!(header(&r, "location"), vec!["/x"]);
        assert!(infer_v2(br#"{"statusCode": "x"}"#).is_err());
        assert!(infer_v2(b"nope").is_err());
    }
}

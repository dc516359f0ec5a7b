//! FunctionName / ARN parsing and SigV4 verification (query, path and
//! headers) on arbitrary input: errors, never panics.
#![no_main]

use std::sync::LazyLock;

use axum::http::Request;
use lambdalite_api::auth::{Auth, Caller, Key};
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::Partition;
use libfuzzer_sys::fuzz_target;

static AUTH: LazyLock<Auth> = LazyLock::new(|| {
    let mut keys = std::collections::HashMap::new();
    keys.insert(
        "AKID".to_string(),
        Key {
            secret: "secret".into(),
            caller: Caller::root("000000000000"),
        },
    );
    Auth::new(keys, "us-east-1", "000000000000")
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let (a, b, c, d) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let partition = Partition::new("us-east-1", "000000000000");
    for shape in [NameShape::Plain, NameShape::Namespaced] {
        let _ = parse_function_ref(a, Some(b), shape, &partition);
        let _ = parse_function_ref(a, None, shape, &partition);
    }
    if let Ok(mut req) = Request::builder().method("POST").uri(format!("/{a}?{b}")).body(()) {
        if let Ok(v) = c.parse() {
            req.headers_mut().insert("authorization", v);
        }
        if let Ok(v) = d.parse() {
            req.headers_mut().insert("x-amz-date", v);
        }
        let (parts, ()) = req.into_parts();
        let _ = AUTH.verify(&parts, data, chrono::Utc::now());
    }
});

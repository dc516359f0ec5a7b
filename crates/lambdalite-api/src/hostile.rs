//! Hostile input through the request path: random and malformed names,
//! ARNs, queries, paths and signatures must give errors, never panics. The
//! same inputs as the cargo-fuzz targets in fuzz/, run as a plain test
//! (fixed seeds) so that every `scripts/test` run covers them.

use axum::http::Request;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::Partition;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::{self, Auth, Caller, Key};
use crate::extract::QueryParams;

const PIECES: &[&str] = &[
    "arn", ":", "aws", "lambda", "us-east-1", "000000000000", "function", "f", "$LATEST", "%",
    "%3A", "%zz", "%e9", "/", "..", ".", "=", "&", "+", "?", "#", "é", "\u{0}", "\u{7f}", " ",
    "1", "-", "_", "AWS4-HMAC-SHA256", "Credential=", ",", "SignedHeaders=", "Signature=",
    "aws4_request", "X-Amz-Date", "20260101T000000Z", "\u{1F600}", "\\", "\"", "'",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

fn random_string(rng: &mut StdRng) -> String {
    let n = rng.gen_range(0..12);
    let mut s = String::new();
    for _ in 0..n {
        if rng.gen_bool(0.2) {
            s.push(char::from_u32(rng.gen_range(0..0x800)).unwrap_or('?'));
        } else {
            s.push_str(PIECES[rng.gen_range(0..PIECES.len())]);
        }
    }
    s
}

fn auth() -> Auth {
    let mut keys = std::collections::HashMap::new();
    keys.insert(
        "AKID".to_string(),
        Key {
            secret: "secret".into(),
            caller: Caller::root("000000000000"),
        },
    );
    Auth::new(keys, "us-east-1", "000000000000")
}

#[test]
fn names_arns_and_queries() {
    let partition = Partition::new("us-east-1", "000000000000");
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..20_000 {
        let s = random_string(&mut rng);
        let q = random_string(&mut rng);
        for shape in [NameShape::Plain, NameShape::Namespaced] {
            let _ = parse_function_ref(&s, Some(&q), shape, &partition);
            let _ = parse_function_ref(&s, None, shape, &partition);
        }
        let parsed = QueryParams::parse(Some(&s));
        let _ = parsed.get("Qualifier");
        let _ = auth::percent_decode(&s);
    }
}

#[test]
fn signatures() {
    let a = auth();
    let now = chrono::Utc::now();
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..5_000 {
        let path = format!("/{}", random_string(&mut rng).replace(['#', '?', ' '], ""));
        let query = random_string(&mut rng).replace(['#', ' '], "");
        let uri = format!("{path}?{query}");
        let Ok(mut req) = Request::builder().method("POST").uri(&uri).body(()) else {
            continue;
        };
        for name in [
            "authorization",
            "x-amz-date",
            "x-amz-content-sha256",
            "x-amz-security-token",
            "host",
        ] {
            if rng.gen_bool(0.6) {
                if let Ok(v) = random_string(&mut rng).parse() {
                    req.headers_mut().insert(name, v);
                }
            }
        }
        let (parts, ()) = req.into_parts();
        let body = random_string(&mut rng);
        assert!(a.verify(&parts, body.as_bytes(), now).is_err());
    }
}

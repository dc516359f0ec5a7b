//! The events a function receives from an API or a function URL: payload
//! format 1.0 (REST APIs, and HTTP APIs that ask for it) and 2.0 (HTTP APIs,
//! function URLs), with AWS's field names, and null where AWS puts null.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// One HTTP request, as the events see it.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The path the client asked for (with the stage, if it named one).
    pub raw_path: String,
    /// The path within the stage, which routes match.
    pub path: String,
    /// The query string, without `?`.
    pub raw_query: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub source_ip: String,
}

impl HttpRequest {
    /// The last value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn user_agent(&self) -> &str {
        self.header("user-agent").unwrap_or("")
    }
}

/// Where and when a request arrived: what `requestContext` tells.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub account_id: String,
    pub api_id: String,
    pub domain_name: String,
    pub stage: String,
    pub request_id: String,
    /// `dd/Mon/yyyy:HH:mm:ss +0000`
    pub time: String,
    pub time_epoch_ms: i64,
    pub stage_variables: BTreeMap<String, String>,
}

impl RequestContext {
    fn domain_prefix(&self) -> &str {
        self.domain_name
            .split('.')
            .next()
            .unwrap_or(&self.domain_name)
    }

    fn stage_variables(&self) -> Value {
        object_or_null(self.stage_variables.iter())
    }
}

/// The route a request took (route key and resource path).
#[derive(Debug, Clone, Default)]
pub struct Matched {
    /// `GET /items/{id}` or `$default`.
    pub route_key: String,
    /// `/items/{id}`.
    pub resource: String,
    pub operation_name: Option<String>,
    pub path_parameters: Vec<(String, String)>,
}

impl Matched {
    fn path_parameters(&self) -> Value {
        object_or_null(self.path_parameters.iter().map(|(k, v)| (k, v)))
    }
}

/// A JSON object of string pairs; null when there are none (as AWS sends
/// absent parameters in payload 1.0).
fn object_or_null<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> Value {
    let o: Map<String, Value> = pairs.map(|(k, v)| (k.clone(), json!(v))).collect();
    if o.is_empty() {
        Value::Null
    } else {
        Value::Object(o)
    }
}

/// A query string's pairs, decoded, in order.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Groups values by key, in order of first appearance of each value.
fn grouped(pairs: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        out.entry(k.clone()).or_default().push(v.clone());
    }
    out
}

/// Payload 2.0's map of a query string: repeated keys joined by commas.
pub fn query_map(raw: &str) -> Map<String, Value> {
    grouped(&query_pairs(raw))
        .into_iter()
        .map(|(k, v)| (k, Value::String(v.join(","))))
        .collect()
}

/// Whether a body of this content type is text (sent as it is) rather than
/// binary (sent in base64). No content type counts as text.
pub fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.contains("x-www-form-urlencoded")
}

/// Whether a content type is one of an API's binary media types (which
/// may be `type/*` or `*/*`).
pub fn is_binary_type(content_type: Option<&str>, binary_types: &[String]) -> bool {
    let Some(ct) = content_type else { return false };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (ty, sub) = ct.split_once('/').unwrap_or((ct.as_str(), ""));
    binary_types.iter().any(|pattern| {
        let p = pattern.to_ascii_lowercase();
        let (pty, psub) = p.split_once('/').unwrap_or((p.as_str(), ""));
        (pty == "*" || pty == ty) && (psub == "*" || psub == sub)
    })
}

/// A request body as an event carries it: text, or base64 with
/// `isBase64Encoded` true. REST APIs (`infer` false) send text unless the
/// content type is a binary media type; HTTP APIs and function URLs also
/// send base64 for any type that is not text.
pub fn event_body(req: &HttpRequest, binary_types: &[String], infer: bool) -> (Value, bool) {
    if req.body.is_empty() {
        return (Value::Null, false);
    }
    let ct = req.header("content-type");
    let binary = is_binary_type(ct, binary_types) || (infer && !is_text(ct));
    match std::str::from_utf8(&req.body) {
        Ok(text) if !binary => (json!(text), false),
        _ => (
            json!(base64::engine::general_purpose::STANDARD.encode(&req.body)),
            true,
        ),
    }
}

/// Payload 1.0's headers: the last value of each, and all of them.
fn headers_v1(req: &HttpRequest) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in &req.headers {
        single.insert(k.clone(), json!(v));
        match multi.get_mut(k) {
            Some(Value::Array(a)) => a.push(json!(v)),
            _ => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

/// Payload 1.0's query parameters: the last value of each key, and all.
fn query_v1(raw: &str) -> (Value, Value) {
    let pairs = query_pairs(raw);
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let g = grouped(&pairs);
    let single = g
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.last().cloned().unwrap_or_default())))
        .collect::<Map<_, _>>();
    let multi = g
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect::<Map<_, _>>();
    (Value::Object(single), Value::Object(multi))
}

/// The headers and query string parameters of payload 1.0 (and of
/// WebSocket events), single and multi-valued; absent parameters left out.
pub(crate) fn headers_and_query_v1(req: &HttpRequest) -> Map<String, Value> {
    let (headers, multi_headers) = headers_v1(req);
    let (query, multi_query) = query_v1(&req.raw_query);
    let mut o = Map::new();
    o.insert("headers".into(), headers);
    o.insert("multiValueHeaders".into(), multi_headers);
    if !query.is_null() {
        o.insert("queryStringParameters".into(), query);
        o.insert("multiValueQueryStringParameters".into(), multi_query);
    }
    o
}

/// A short, stable id of a resource path (`requestContext.resourceId`).
fn resource_id(resource: &str) -> String {
    // FNV-1a, printed in base 36: six characters, like AWS's ids.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in resource.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..6)
        .map(|i| digits[((h >> (i * 6)) % 36) as usize] as char)
        .collect()
}

/// Payload 1.0's `requestContext` (without `authorizer`).
fn context_v1(req: &HttpRequest, ctx: &RequestContext, m: &Matched) -> Map<String, Value> {
    let mut c = json!({
        "resourceId": resource_id(&m.resource),
        "resourcePath": m.resource,
        "httpMethod": req.method,
        "extendedRequestId": ctx.request_id,
        "requestTime": ctx.time,
        "path": req.raw_path,
        "accountId": ctx.account_id,
        "protocol": "HTTP/1.1",
        "stage": ctx.stage,
        "domainPrefix": ctx.domain_prefix(),
        "requestTimeEpoch": ctx.time_epoch_ms,
        "requestId": ctx.request_id,
        "identity": {
            "cognitoIdentityPoolId": null,
            "accountId": null,
            "cognitoIdentityId": null,
            "caller": null,
            "sourceIp": req.source_ip,
            "principalOrgId": null,
            "accessKey": null,
            "cognitoAuthenticationType": null,
            "cognitoAuthenticationProvider": null,
            "userArn": null,
            "userAgent": req.user_agent(),
            "user": null,
        },
        "domainName": ctx.domain_name,
        "apiId": ctx.api_id,
    });
    if let Some(op) = &m.operation_name {
        c["operationName"] = json!(op);
    }
    match c {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// The payload 1.0 fields that an event and a REQUEST authorizer's event
/// share.
fn common_v1(req: &HttpRequest, ctx: &RequestContext, m: &Matched) -> Map<String, Value> {
    let (headers, multi_headers) = headers_v1(req);
    let (query, multi_query) = query_v1(&req.raw_query);
    let mut o = Map::new();
    o.insert("resource".into(), json!(m.resource));
    o.insert("path".into(), json!(req.path));
    o.insert("httpMethod".into(), json!(req.method));
    o.insert("headers".into(), headers);
    o.insert("multiValueHeaders".into(), multi_headers);
    o.insert("queryStringParameters".into(), query);
    o.insert("multiValueQueryStringParameters".into(), multi_query);
    o.insert("pathParameters".into(), m.path_parameters());
    o.insert("stageVariables".into(), ctx.stage_variables());
    o.insert(
        "requestContext".into(),
        Value::Object(context_v1(req, ctx, m)),
    );
    o
}

/// A payload format 1.0 event. `authorizer` is what the route's authorizer
/// said (principalId and context), put in `requestContext.authorizer`.
pub fn event_v1(
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
    binary_types: &[String],
    authorizer: Option<Value>,
) -> Value {
    let o = common_v1(req, ctx, m);
    finish(o, authorizer, event_body(req, binary_types, false), true)
}

/// Adds an event's authorizer context, body and `isBase64Encoded`;
/// `null_body`: a missing body is there as null (payload 1.0).
fn finish(
    mut o: Map<String, Value>,
    authorizer: Option<Value>,
    (body, base64): (Value, bool),
    null_body: bool,
) -> Value {
    if let (Some(a), Some(Value::Object(rc))) = (authorizer, o.get_mut("requestContext")) {
        rc.insert("authorizer".into(), a);
    }
    if null_body || !body.is_null() {
        o.insert("body".into(), body);
    }
    o.insert("isBase64Encoded".into(), json!(base64));
    Value::Object(o)
}

/// A REQUEST authorizer's payload 1.0 event.
pub fn authorizer_request_v1(
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
    method_arn: &str,
) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!("REQUEST"));
    o.insert("methodArn".into(), json!(method_arn));
    o.extend(common_v1(req, ctx, m));
    Value::Object(o)
}

/// A TOKEN authorizer's event.
pub fn authorizer_token(token: &str, method_arn: &str) -> Value {
    json!({
        "type": "TOKEN",
        "authorizationToken": token,
        "methodArn": method_arn,
    })
}

/// The payload 2.0 fields that an event and an authorizer's event share.
fn common_v2(req: &HttpRequest, ctx: &RequestContext, m: &Matched) -> Map<String, Value> {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (k, v) in &req.headers {
        if k == "cookie" {
            cookies.extend(
                v.split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| json!(c)),
            );
            continue;
        }
        match headers.get_mut(k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(v);
            }
            _ => {
                headers.insert(k.clone(), json!(v));
            }
        }
    }
    let mut o = Map::new();
    o.insert("routeKey".into(), json!(m.route_key));
    o.insert("rawPath".into(), json!(req.raw_path));
    o.insert("rawQueryString".into(), json!(req.raw_query));
    if !cookies.is_empty() {
        o.insert("cookies".into(), Value::Array(cookies));
    }
    o.insert("headers".into(), Value::Object(headers));
    if !req.raw_query.is_empty() {
        o.insert(
            "queryStringParameters".into(),
            Value::Object(query_map(&req.raw_query)),
        );
    }
    let rc = json!({
        "accountId": ctx.account_id,
        "apiId": ctx.api_id,
        "domainName": ctx.domain_name,
        "domainPrefix": ctx.domain_prefix(),
        "http": {
            "method": req.method,
            "path": req.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": req.source_ip,
            "userAgent": req.user_agent(),
        },
        "requestId": ctx.request_id,
        "routeKey": m.route_key,
        "stage": ctx.stage,
        "time": ctx.time,
        "timeEpoch": ctx.time_epoch_ms,
    });
    o.insert("requestContext".into(), rc);
    if !m.path_parameters.is_empty() {
        o.insert("pathParameters".into(), m.path_parameters());
    }
    if !ctx.stage_variables.is_empty() {
        o.insert("stageVariables".into(), ctx.stage_variables());
    }
    o
}

/// A payload format 2.0 event. `authorizer` goes in
/// `requestContext.authorizer` as it is (`{"lambda": {...}}` for a Lambda
/// authorizer).
pub fn event_v2(
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
    binary_types: &[String],
    authorizer: Option<Value>,
) -> Value {
    let mut o = Map::new();
    o.insert("version".into(), json!("2.0"));
    o.extend(common_v2(req, ctx, m));
    finish(o, authorizer, event_body(req, binary_types, true), false)
}

/// An HTTP API authorizer's payload 2.0 event.
pub fn authorizer_request_v2(
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
    route_arn: &str,
    identity: &[String],
) -> Value {
    let mut o = Map::new();
    o.insert("version".into(), json!("2.0"));
    o.insert("type".into(), json!("REQUEST"));
    o.insert("routeArn".into(), json!(route_arn));
    if !identity.is_empty() {
        o.insert("identitySource".into(), json!(identity));
    }
    o.extend(common_v2(req, ctx, m));
    Value::Object(o)
}

/// An HTTP API authorizer's payload 1.0 event: the REQUEST event with the
/// identity sources joined by commas.
pub fn authorizer_request_v1_http(
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
    method_arn: &str,
    identity: &[String],
) -> Value {
    let mut v = authorizer_request_v1(req, ctx, m, method_arn);
    v["version"] = json!("1.0");
    let joined = identity.join(",");
    v["identitySource"] = json!(joined);
    v["authorizationToken"] = json!(joined);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Maps whose keys are the request's data, not the shape.
    const DATA: [&str; 8] = [
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "authorizer",
        "lambda",
    ];

    /// The same keys, recursively, where the fixture has an object.
    fn same_shape(ours: &Value, aws: &Value, at: &str) {
        if DATA.iter().any(|d| at.ends_with(&format!(".{d}"))) {
            return;
        }
        if let (Some(o), Some(a)) = (ours.as_object(), aws.as_object()) {
            let ok: Vec<_> = o.keys().collect();
            let ak: Vec<_> = a.keys().collect();
            for k in &ak {
                assert!(o.contains_key(*k), "{at}.{k} missing; ours: {ok:?}");
            }
            for k in &ok {
                assert!(a.contains_key(*k), "{at}.{k} is not AWS's; theirs: {ak:?}");
            }
            for (k, v) in a {
                if !v.is_null() && !o[k].is_null() {
                    same_shape(&o[k], v, &format!("{at}.{k}"));
                }
            }
        }
    }

    fn request() -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            raw_path: "/testStage/hello/world".into(),
            path: "/hello/world".into(),
            raw_query: "name=me&name=me2&x=a%20b".into(),
            headers: vec![
                ("accept".into(), "*/*".into()),
                ("headername".into(), "headerValue".into()),
                ("headername".into(), "headerValue2".into()),
                ("user-agent".into(), "curl/8".into()),
                ("content-type".into(), "application/json".into()),
                ("cookie".into(), "a=1; b=2".into()),
            ],
            body: b"{\"a\": 1}".to_vec(),
            source_ip: "127.0.0.1".into(),
        }
    }

    fn context() -> RequestContext {
        RequestContext {
            account_id: "000000000000".into(),
            api_id: "abc123".into(),
            domain_name: "abc123.execute-api.localhost".into(),
            stage: "testStage".into(),
            request_id: "r-1".into(),
            time: "15/May/2020:06:01:09 +0000".into(),
            time_epoch_ms: 1589522469693,
            stage_variables: [("stageVariableName".to_string(), "v".to_string())]
                .into_iter()
                .collect(),
        }
    }

    fn matched() -> Matched {
        Matched {
            route_key: "POST /{proxy+}".into(),
            resource: "/{proxy+}".into(),
            operation_name: None,
            path_parameters: vec![("proxy".into(), "hello/world".into())],
        }
    }

    #[test]
    fn v1_event_has_aws_shape_and_values() {
        let auth = json!({"principalId": "admin", "clientId": 1, "clientName": "Exata"});
        let e = event_v1(&request(), &context(), &matched(), &[], Some(auth));
        let mut aws = fixture("example-apigw-request-multi-value-parameters.json");
        // Fields of identity that lambdalite has no use for are still there, as null.
        aws["requestContext"]["identity"]
            .as_object_mut()
            .unwrap()
            .retain(|k, _| !k.starts_with("apiKey"));
        aws["requestContext"]["identity"]["principalOrgId"] = Value::Null;
        aws["requestContext"]["extendedRequestId"] = Value::Null;
        aws["isBase64Encoded"] = json!(false);
        same_shape(&e, &aws, "event");
        assert_eq!(e["path"], "/hello/world");
        assert_eq!(e["requestContext"]["path"], "/testStage/hello/world");
        assert_eq!(e["headers"]["headername"], "headerValue2");
        assert_eq!(
            e["multiValueHeaders"]["headername"],
            json!(["headerValue", "headerValue2"])
        );
        assert_eq!(
            e["queryStringParameters"],
            json!({"name": "me2", "x": "a b"})
        );
        assert_eq!(
            e["multiValueQueryStringParameters"]["name"],
            json!(["me", "me2"])
        );
        assert_eq!(e["pathParameters"]["proxy"], "hello/world");
        assert_eq!(e["requestContext"]["authorizer"]["principalId"], "admin");
        assert_eq!(e["body"], "{\"a\": 1}");
        assert_eq!(e["isBase64Encoded"], false);
    }

    #[test]
    fn v1_event_puts_null_where_aws_does() {
        let mut req = request();
        req.raw_query.clear();
        req.body.clear();
        let mut ctx = context();
        ctx.stage_variables.clear();
        let mut m = matched();
        m.path_parameters.clear();
        let e = event_v1(&req, &ctx, &m, &[], None);
        for k in [
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "body",
        ] {
            assert!(e[k].is_null(), "{k} is {}", e[k]);
        }
        assert!(e["requestContext"].get("authorizer").is_none());
    }

    #[test]
    fn v2_event_has_aws_shape_and_values() {
        let e = event_v2(
            &request(),
            &context(),
            &matched(),
            &[],
            Some(json!({"lambda": {"key": "value"}})),
        );
        let mut aws = fixture("example-apigw-v2-request-lambda-authorizer.json");
        aws["requestContext"]
            .as_object_mut()
            .unwrap()
            .remove("authentication");
        same_shape(&e, &aws, "event");
        assert_eq!(e["rawPath"], "/testStage/hello/world");
        assert_eq!(e["headers"]["headername"], "headerValue,headerValue2");
        assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(e["queryStringParameters"]["name"], "me,me2");
        assert_eq!(e["requestContext"]["routeKey"], "POST /{proxy+}");
        assert_eq!(e["requestContext"]["authorizer"]["lambda"]["key"], "value");
    }

    #[test]
    fn authorizer_events_have_aws_shape() {
        let arn = "arn:aws:execute-api:us-east-1:000000000000:abc123/testStage/POST/hello/world";
        same_shape(
            &authorizer_token("allow", arn),
            &fixture("example-apigw-custom-auth-request.json"),
            "token",
        );
        let e = authorizer_request_v1(&request(), &context(), &matched(), arn);
        let mut aws = fixture("example-apigw-custom-auth-request-type-request.json");
        // AWS's example shows only some of identity's fields; all are there.
        assert!(e["requestContext"]["identity"]["sourceIp"].is_string());
        aws["requestContext"]["identity"] = e["requestContext"]["identity"].clone();
        for k in [
            "requestTime",
            "requestTimeEpoch",
            "protocol",
            "domainName",
            "domainPrefix",
            "extendedRequestId",
        ] {
            aws["requestContext"][k] = Value::Null;
        }
        same_shape(&e, &aws, "request");
        assert_eq!(e["methodArn"], arn);
        let v2 = authorizer_request_v2(&request(), &context(), &matched(), arn, &["u".into()]);
        let mut aws = fixture("example-apigw-v2-custom-authorizer-v2-request.json");
        aws["requestContext"]
            .as_object_mut()
            .unwrap()
            .remove("authentication");
        same_shape(&v2, &aws, "v2");
        assert_eq!(v2["identitySource"], json!(["u"]));
    }

    #[test]
    fn bodies_are_text_or_base64() {
        let mut req = request();
        req.headers = vec![("content-type".into(), "image/png".into())];
        req.body = vec![0x89, b'P', b'N', b'G'];
        let types = vec!["image/*".to_string()];
        assert_eq!(event_body(&req, &types, false), (json!("iVBORw=="), true));
        // Not a binary media type: REST sends text when it can.
        req.body = b"abc".to_vec();
        assert_eq!(event_body(&req, &[], false), (json!("abc"), false));
        // HTTP APIs and URLs infer from the content type.
        assert_eq!(event_body(&req, &[], true), (json!("YWJj"), true));
        req.headers = vec![("content-type".into(), "text/plain; charset=utf-8".into())];
        assert_eq!(event_body(&req, &[], true), (json!("abc"), false));
        assert!(is_binary_type(
            Some("Application/Octet-Stream"),
            &["*/*".into()]
        ));
        assert!(!is_binary_type(None, &["*/*".into()]));
    }

    #[test]
    fn query_strings_decode() {
        assert_eq!(
            query_pairs("a=1&b=x+y&c&d=%2F"),
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".into(), "x y".into()),
                ("c".into(), String::new()),
                ("d".into(), "/".into())
            ]
        );
        assert_eq!(query_map("a=1&a=2")["a"], "1,2");
    }
}

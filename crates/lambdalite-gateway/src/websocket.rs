//! WebSocket APIs: which route a message takes, and the CONNECT, MESSAGE
//! and DISCONNECT events a function receives.

use serde_json::{json, Map, Value};

use crate::definition::{Api, Route};
use crate::event::{HttpRequest, RequestContext};

/// The route of a message: the value at the API's route selection path in
/// the message's JSON body, else `$default`; `None` when neither exists.
pub fn select_route<'a>(api: &'a Api, message: &str) -> Option<&'a Route> {
    let key = serde_json::from_str::<Value>(message).ok().and_then(|v| {
        let mut at = &v;
        for part in &api.route_selection {
            at = at.get(part)?;
        }
        match at {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    });
    key.as_deref()
        .filter(|k| !k.starts_with('$'))
        .and_then(|k| api.route_by_key(k))
        .or_else(|| api.route_by_key("$default"))
}

/// One WebSocket connection, as its events tell it.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    pub id: String,
    /// When it was accepted, milliseconds since the epoch.
    pub connected_at_ms: i64,
    pub source_ip: String,
    pub user_agent: String,
}

fn context(
    conn: &Connection,
    ctx: &RequestContext,
    route_key: &str,
    event_type: &str,
) -> Map<String, Value> {
    let v = json!({
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": ctx.request_id,
        "requestTime": ctx.time,
        "messageDirection": "IN",
        "stage": ctx.stage,
        "connectedAt": conn.connected_at_ms,
        "requestTimeEpoch": ctx.time_epoch_ms,
        "identity": {"userAgent": conn.user_agent, "sourceIp": conn.source_ip},
        "requestId": ctx.request_id,
        "domainName": ctx.domain_name,
        "connectionId": conn.id,
        "apiId": ctx.api_id,
    });
    match v {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// The `$connect` route's event: the handshake's headers and query string.
pub fn connect_event(req: &HttpRequest, conn: &Connection, ctx: &RequestContext) -> Value {
    let mut e = crate::event::headers_and_query_v1(req);
    e.insert(
        "requestContext".into(),
        Value::Object(context(conn, ctx, "$connect", "CONNECT")),
    );
    e.insert("isBase64Encoded".into(), json!(false));
    if !ctx.stage_variables.is_empty() {
        e.insert("stageVariables".into(), json!(ctx.stage_variables));
    }
    Value::Object(e)
}

/// A message's event. `message_id` is unique per message.
pub fn message_event(
    conn: &Connection,
    ctx: &RequestContext,
    route_key: &str,
    message_id: &str,
    body: &str,
    base64: bool,
) -> Value {
    let mut rc = context(conn, ctx, route_key, "MESSAGE");
    rc.insert("messageId".into(), json!(message_id));
    let mut e = Map::new();
    e.insert("requestContext".into(), Value::Object(rc));
    e.insert("body".into(), json!(body));
    e.insert("isBase64Encoded".into(), json!(base64));
    if !ctx.stage_variables.is_empty() {
        e.insert("stageVariables".into(), json!(ctx.stage_variables));
    }
    Value::Object(e)
}

/// The `$disconnect` route's event, with the close frame's code and reason.
pub fn disconnect_event(
    req: &HttpRequest,
    conn: &Connection,
    ctx: &RequestContext,
    code: u16,
    reason: &str,
) -> Value {
    let mut e = crate::event::headers_and_query_v1(req);
    e.remove("queryStringParameters");
    e.remove("multiValueQueryStringParameters");
    let mut rc = context(conn, ctx, "$disconnect", "DISCONNECT");
    rc.insert("disconnectStatusCode".into(), json!(code));
    rc.insert("disconnectReason".into(), json!(reason));
    e.insert("requestContext".into(), Value::Object(rc));
    e.insert("isBase64Encoded".into(), json!(false));
    if !ctx.stage_variables.is_empty() {
        e.insert("stageVariables".into(), json!(ctx.stage_variables));
    }
    Value::Object(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{parse_api, Protocol};

    fn api() -> Api {
        let any = |uri: &str| {
            json!({"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration":
                {"type": "aws_proxy", "uri": uri}}})
        };
        let api = parse_api(&json!({
            "openapi": "3.0.1",
            "x-lambdalite": {"protocol": "WEBSOCKET"},
            "paths": {"$connect": any("c"), "$default": any("x"), "send": any("s")}
        }))
        .unwrap();
        assert_eq!(api.protocol, Protocol::WebSocket);
        api
    }

    #[test]
    fn routes_by_the_selection_expression() {
        let api = api();
        let pick = |m: &str| select_route(&api, m).map(|r| r.integration.function.clone());
        assert_eq!(pick(r#"{"action": "send", "x": 1}"#).as_deref(), Some("s"));
        assert_eq!(pick(r#"{"action": "other"}"#).as_deref(), Some("x"));
        assert_eq!(pick(r#"{"action": "$connect"}"#).as_deref(), Some("x"));
        assert_eq!(pick("not json").as_deref(), Some("x"));
        let mut no_default = api.clone();
        no_default.routes.retain(|r| r.route_key() != "$default");
        assert!(select_route(&no_default, "{}").is_none());
    }

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn events_have_aws_shape() {
        let conn = Connection {
            id: "abc=".into(),
            connected_at_ms: 1,
            source_ip: "127.0.0.1".into(),
            user_agent: "ua".into(),
        };
        let ctx = RequestContext {
            stage: "prod".into(),
            ..Default::default()
        };
        let req = HttpRequest {
            headers: vec![("host".into(), "h".into())],
            ..Default::default()
        };
        let d = disconnect_event(&req, &conn, &ctx, 1005, "gone");
        let aws = fixture("example-apigw-websocket-request-disconnect-route.json");
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&d), keys(&aws));
        assert_eq!(keys(&d["requestContext"]), keys(&aws["requestContext"]));
        let c = connect_event(&req, &conn, &ctx);
        assert_eq!(c["requestContext"]["eventType"], "CONNECT");
        assert_eq!(c["multiValueHeaders"]["host"], json!(["h"]));
        let m = message_event(&conn, &ctx, "send", "m1", "{}", false);
        assert_eq!(m["requestContext"]["messageId"], "m1");
        assert_eq!(m["requestContext"]["routeKey"], "send");
        assert_eq!(m["body"], "{}");
    }
}

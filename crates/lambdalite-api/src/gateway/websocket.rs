//! WebSocket APIs: the handshake runs the `$connect` route (which may
//! refuse it), each message runs the route its body selects, closing runs
//! `$disconnect`; `…/{stage}/@connections/{id}` lets a backend send to a
//! connection, look at it, or close it (API Gateway's management API).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use lambdalite_gateway::event::{HttpRequest, RequestContext};
use lambdalite_gateway::websocket::{self as ws, Connection};
use lambdalite_gateway::Api;
use lambdalite_model::limits;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::serve::{invoke, stage_of, Refusal, Target};
use crate::error::ApiError;
use crate::AppState;

/// What a connection's task is told to do.
#[derive(Debug)]
enum Outgoing {
    Send(Message),
    Close,
}

/// A connection that is open.
pub(super) struct Live {
    api_id: String,
    stage: String,
    conn: Connection,
    last_active_ms: AtomicI64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

/// Open connections by id.
pub(super) type Connections = Mutex<HashMap<String, Arc<Live>>>;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A connection id like AWS's: 16 characters, ending in `=`.
fn new_connection_id() -> String {
    let bytes: [u8; 11] = rand::random();
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

fn context(state: &AppState, api: &Api, target: &Target, stage: &str) -> RequestContext {
    let now = chrono::Utc::now();
    RequestContext {
        account_id: state.partition.account_id.clone(),
        api_id: target.api_id.clone(),
        domain_name: target.domain.clone(),
        stage: stage.to_string(),
        request_id: uuid::Uuid::new_v4().to_string(),
        time: now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        time_epoch_ms: now.timestamp_millis(),
        stage_variables: api.stages.get(stage).cloned().unwrap_or_default(),
    }
}

/// The same context, for a later event of the connection.
fn renewed(ctx: &RequestContext) -> RequestContext {
    let now = chrono::Utc::now();
    RequestContext {
        request_id: uuid::Uuid::new_v4().to_string(),
        time: now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        time_epoch_ms: now.timestamp_millis(),
        ..ctx.clone()
    }
}

/// A request to a WebSocket API: a handshake, or `@connections`.
pub(super) async fn serve(
    state: &Arc<AppState>,
    api: Arc<Api>,
    target: &Target,
    _request_id: &str,
    req: Request,
) -> Result<Response, Refusal> {
    let (stage, path) = stage_of(&api, &target.path).ok_or(Refusal::NoStage)?;
    if let Some(id) = path.strip_prefix("/@connections/") {
        return Ok(manage(state, &target.api_id, &stage, id, req).await);
    }
    let source_ip = super::source_ip(&req);
    let (mut parts, _body) = req.into_parts();
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|_| Refusal::NoRoute)?;
    let request = super::http_request(
        &parts,
        target.path.clone(),
        path,
        Vec::new(),
        source_ip.clone(),
    );
    let conn = Connection {
        id: new_connection_id(),
        connected_at_ms: now_ms(),
        source_ip,
        user_agent: request.header("user-agent").unwrap_or("").to_string(),
    };
    let ctx = context(state, &api, target, &stage);
    if let Some(route) = api.route_by_key("$connect") {
        let event = ws::connect_event(&request, &conn, &ctx);
        let timeout = Duration::from_millis(route.integration.timeout_ms);
        let result = invoke(state, &ctx, &route.integration.function, event, timeout).await?;
        if result.function_error.is_some() {
            return Err(Refusal::IntegrationFailed);
        }
        // A status the function names refuses the handshake unless 2xx.
        let status = serde_json::from_slice::<Value>(&result.payload)
            .ok()
            .and_then(|v| v.get("statusCode").and_then(Value::as_u64));
        if let Some(s) = status.filter(|s| !(200..300).contains(s)) {
            let status = StatusCode::from_u16(s as u16).unwrap_or(StatusCode::FORBIDDEN);
            return Ok((status, Json(json!({"message": "Forbidden"}))).into_response());
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let live = Arc::new(Live {
        api_id: target.api_id.clone(),
        stage,
        conn,
        last_active_ms: AtomicI64::new(now_ms()),
        tx,
    });
    let state = state.clone();
    Ok(upgrade.on_upgrade(move |socket| run(state, api, live, ctx, request, socket, rx)))
}

/// One connection's life: messages in, messages out, and its end.
async fn run(
    state: Arc<AppState>,
    api: Arc<Api>,
    live: Arc<Live>,
    ctx: RequestContext,
    handshake: HttpRequest,
    mut socket: WebSocket,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
) {
    connections(&state)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(live.conn.id.clone(), live.clone());
    tracing::debug!(api = %live.api_id, connection = %live.conn.id, "WebSocket connected");
    let (code, reason) = loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    live.last_active_ms.store(now_ms(), Ordering::Relaxed);
                    let task = message(state.clone(), api.clone(), live.clone(), renewed(&ctx), t.to_string(), false);
                    tokio::spawn(task);
                }
                Some(Ok(Message::Binary(b))) => {
                    live.last_active_ms.store(now_ms(), Ordering::Relaxed);
                    let text = base64::engine::general_purpose::STANDARD.encode(&b);
                    let task = message(state.clone(), api.clone(), live.clone(), renewed(&ctx), text, true);
                    tokio::spawn(task);
                }
                Some(Ok(Message::Close(frame))) => {
                    break match frame {
                        Some(f) => (f.code, f.reason.to_string()),
                        None => (1005, "Client-side close frame status not set".to_string()),
                    };
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break (1006, "Going away".to_string()),
            },
            outgoing = rx.recv() => match outgoing {
                Some(Outgoing::Send(m)) => {
                    if socket.send(m).await.is_err() {
                        break (1006, "Going away".to_string());
                    }
                }
                Some(Outgoing::Close) | None => {
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: 1000,
                            reason: "Connection deleted".into(),
                        })))
                        .await;
                    // The closing handshake: wait a little for the client's close.
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        while let Some(Ok(m)) = socket.recv().await {
                            if matches!(m, Message::Close(_)) {
                                break;
                            }
                        }
                    })
                    .await;
                    break (1000, "Connection deleted".to_string());
                }
            },
        }
    };
    connections(&state)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&live.conn.id);
    tracing::debug!(api = %live.api_id, connection = %live.conn.id, code, "WebSocket disconnected");
    if let Some(route) = api.route_by_key("$disconnect") {
        let ctx = renewed(&ctx);
        let event = ws::disconnect_event(&handshake, &live.conn, &ctx, code, &reason);
        let timeout = Duration::from_millis(route.integration.timeout_ms);
        if let Err(e) = invoke(&state, &ctx, &route.integration.function, event, timeout).await {
            tracing::warn!(api = %live.api_id, connection = %live.conn.id, error = ?e, "$disconnect failed");
        }
    }
}

/// Runs the route a message selects; tells the client when it can't, and
/// sends the answer back on routes with a route response.
async fn message(
    state: Arc<AppState>,
    api: Arc<Api>,
    live: Arc<Live>,
    ctx: RequestContext,
    body: String,
    base64: bool,
) {
    let error = |message: &str| {
        json!({"message": message, "connectionId": live.conn.id, "requestId": ctx.request_id})
            .to_string()
    };
    let Some(route) = ws::select_route(&api, &body) else {
        let _ = live
            .tx
            .send(Outgoing::Send(Message::Text(error("Forbidden").into())));
        return;
    };
    let message_id = uuid::Uuid::new_v4().to_string();
    let key = route.route_key();
    let event = ws::message_event(&live.conn, &ctx, &key, &message_id, &body, base64);
    let timeout = Duration::from_millis(route.integration.timeout_ms);
    let reply = match invoke(&state, &ctx, &route.integration.function, event, timeout).await {
        Ok(r) if r.function_error.is_none() => {
            if !route.route_response {
                return;
            }
            answer_text(&r.payload)
        }
        Ok(_) | Err(_) => error("Internal server error"),
    };
    let _ = live.tx.send(Outgoing::Send(Message::Text(reply.into())));
}

/// What a two-way route sends back: the `body` of a proxy answer, else the
/// answer itself (a string as it is, other JSON as JSON).
fn answer_text(payload: &[u8]) -> String {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(o)) if o.contains_key("statusCode") => match o.get("body") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        },
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from_utf8_lossy(payload).into_owned(),
    }
}

fn connections(state: &AppState) -> &Connections {
    &state.gateway.connections
}

fn gone() -> Response {
    let mut r = (StatusCode::GONE, Json(json!({"message": null}))).into_response();
    r.headers_mut().insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static("GoneException"),
    );
    r
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// `@connections/{id}`: POST sends the body to the connection, GET
/// describes it, DELETE closes it. Signed for `execute-api` when lambdalite
/// checks signatures.
async fn manage(
    state: &Arc<AppState>,
    api_id: &str,
    stage: &str,
    id: &str,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, limits::SYNC_PAYLOAD_MAX_BYTES).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"message": "Request Too Long"})),
        )
            .into_response();
    };
    if state.auth.enforced() {
        match state
            .auth
            .verify_for("execute-api", &parts, &body, chrono::Utc::now())
        {
            Ok(caller) if state.auth.is_own(&caller) => {}
            Ok(_) => {
                return ApiError(lambdalite_model::LambdaError::AccessDenied(
                    "Only the API's own account may manage its connections".into(),
                ))
                .into_response()
            }
            Err(e) => return ApiError(e).into_response(),
        }
    }
    let id = crate::auth::percent_decode(id);
    let live = connections(state)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .filter(|l| l.api_id == api_id && l.stage == stage)
        .cloned();
    let Some(live) = live else {
        return gone();
    };
    let sent =
        match parts.method {
            Method::POST => {
                let m = match String::from_utf8(body.to_vec()) {
                    Ok(text) => Message::Text(text.into()),
                    Err(e) => Message::Binary(e.into_bytes().into()),
                };
                live.tx.send(Outgoing::Send(m)).map(|_| StatusCode::OK)
            }
            Method::DELETE => {
                // Gone at once, while its close handshake goes on.
                connections(state)
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
                live.tx
                    .send(Outgoing::Close)
                    .map(|_| StatusCode::NO_CONTENT)
            }
            Method::GET => return Json(json!({
                "connectedAt": iso(live.conn.connected_at_ms),
                "identity": {"sourceIp": live.conn.source_ip, "userAgent": live.conn.user_agent},
                "lastActiveAt": iso(live.last_active_ms.load(Ordering::Relaxed)),
            }))
            .into_response(),
            _ => return StatusCode::METHOD_NOT_ALLOWED.into_response(),
        };
    match sent {
        Ok(status) => status.into_response(),
        Err(_) => gone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_look_like_aws() {
        let id = new_connection_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('='));
    }

    #[test]
    fn answers_of_two_way_routes() {
        assert_eq!(answer_text(br#"{"statusCode": 200, "body": "hi"}"#), "hi");
        assert_eq!(answer_text(br#""plain""#), "plain");
        assert_eq!(answer_text(br#"{"a": 1}"#), r#"{"a":1}"#);
    }
}

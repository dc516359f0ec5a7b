//! The Lambda Runtime API (`2018-06-01`) of one execution environment.
//!
//! Each environment gets its own listener, so a bootstrap can only ever see
//! its own invocations. The environment's owner hands invocations in through
//! [`RuntimeApi::deliver`]-side channels and gets outcomes back; this crate
//! knows nothing of pools, timeouts or logs.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// The largest response or error a function may return (6 MB, and AWS's
/// 100 bytes of slack).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// The largest response a function may stream (AWS's 200 MB).
pub const MAX_STREAMED_BYTES: usize = 200 * 1024 * 1024;

const H_RESPONSE_MODE: &str = "Lambda-Runtime-Function-Response-Mode";
const H_ERROR_TYPE: &str = "Lambda-Runtime-Function-Error-Type";
const H_ERROR_BODY: &str = "Lambda-Runtime-Function-Error-Body";

/// One event on its way to the bootstrap.
#[derive(Debug)]
pub struct Invocation {
    pub request_id: String,
    /// How long the function may run once the bootstrap takes the event.
    pub timeout: Duration,
    pub invoked_function_arn: String,
    pub trace_id: String,
    /// Client context JSON (already decoded from the API's base64).
    pub client_context: Option<String>,
    /// Cognito identity JSON.
    pub cognito_identity: Option<String>,
    pub payload: Bytes,
    /// Where a streamed response's parts go as they arrive, when the caller
    /// takes the response as a stream (`InvokeWithResponseStream`, a
    /// `RESPONSE_STREAM` function URL). Without it a streamed response is
    /// buffered into [`Outcome::Response`].
    pub stream: Option<mpsc::Sender<StreamPart>>,
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Outcome>,
}

/// A part of a response the function streams
/// (`Lambda-Runtime-Function-Response-Mode: streaming`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamPart {
    /// The stream began; the function's content type for it.
    Head { content_type: Option<String> },
    /// Bytes of the body, as the function wrote them.
    Chunk(Bytes),
}

/// How an invocation ended, as the bootstrap reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `/response`: the function's result.
    Response(Bytes),
    /// `/response` in streaming mode, every part sent to the invocation's
    /// stream, and no error trailer.
    Streamed,
    /// `/error`: the function failed; the body is AWS's error JSON.
    Error {
        error_type: Option<String>,
        body: Bytes,
    },
}

/// What the bootstrap did besides answering invocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeEvent {
    /// The bootstrap asked for its first event: initialisation is over.
    Ready,
    /// `/runtime/init/error`: initialisation failed.
    InitError {
        error_type: Option<String>,
        body: Bytes,
    },
}

/// The owner's end of one environment's Runtime API.
pub struct RuntimeApi {
    addr: SocketAddr,
    /// Invocations for the bootstrap (at most one in flight).
    pub invocations: mpsc::Sender<Invocation>,
    /// Readiness and init errors.
    pub events: mpsc::UnboundedReceiver<RuntimeEvent>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Serves a Runtime API on `listener` until dropped.
    pub fn serve(listener: TcpListener) -> std::io::Result<RuntimeApi> {
        let addr = listener.local_addr()?;
        let (inv_tx, inv_rx) = mpsc::channel(1);
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(inv_rx),
            current: Mutex::new(None),
            events: ev_tx,
            ready_sent: std::sync::atomic::AtomicBool::new(false),
        });
        let server = tokio::spawn(accept_loop(listener, shared));
        Ok(RuntimeApi {
            addr,
            invocations: inv_tx,
            events: ev_rx,
            server,
        })
    }

    /// Binds a fresh loopback listener and serves on it.
    pub async fn bind_loopback() -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        RuntimeApi::serve(listener)
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The invocation a bootstrap has taken and not yet answered.
struct Current {
    request_id: String,
    stream: Option<mpsc::Sender<StreamPart>>,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    current: Mutex<Option<Current>>,
    events: mpsc::UnboundedSender<RuntimeEvent>,
    ready_sent: std::sync::atomic::AtomicBool,
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        connections.spawn(async move {
            let service = service_fn(move |req| handle(req, shared.clone()));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        // Reap finished connection tasks without waiting.
        while connections.try_join_next().is_some() {}
    }
}

type Resp = Response<Full<Bytes>>;

fn json(status: StatusCode, body: &'static str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn error(status: StatusCode, error_type: &str, message: &str) -> Resp {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string();
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

const PREFIX: &str = "/2018-06-01/runtime/";

async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Result<Resp, Infallible> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "No such Runtime API path",
        ));
    };
    let resp = match (req.method(), rest) {
        (&Method::GET, "invocation/next") => next(shared).await,
        (&Method::POST, "init/error") => {
            let error_type = error_type_header(&req);
            match read_limited(req).await {
                Ok(body) => {
                    let _ = shared
                        .events
                        .send(RuntimeEvent::InitError { error_type, body });
                    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
                }
                Err(resp) => resp,
            }
        }
        (&Method::POST, rest) => match rest
            .strip_prefix("invocation/")
            .and_then(|r| r.split_once('/'))
        {
            Some((id, "response")) if is_streaming(&req) => {
                let id = id.to_string();
                match take_current(&shared, &id) {
                    Some(current) => stream_response(req, current).await,
                    None => not_current(),
                }
            }
            Some((id, "response")) => {
                let id = id.to_string();
                match read_limited(req).await {
                    Ok(body) => finish(&shared, &id, Outcome::Response(body)),
                    Err(_) => {
                        let body = Bytes::from(format!(
                            "{{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}}"
                        ));
                        let _ = finish(
                            &shared,
                            &id,
                            Outcome::Error {
                                error_type: Some("Function.ResponseSizeTooLarge".into()),
                                body,
                            },
                        );
                        error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "RequestEntityTooLarge",
                            "Response payload size exceeded maximum allowed payload size",
                        )
                    }
                }
            }
            Some((id, "error")) => {
                let id = id.to_string();
                let error_type = error_type_header(&req);
                match read_limited(req).await {
                    Ok(body) => finish(&shared, &id, Outcome::Error { error_type, body }),
                    Err(resp) => resp,
                }
            }
            _ => error(
                StatusCode::NOT_FOUND,
                "InvalidRequest",
                "No such Runtime API path",
            ),
        },
        _ => error(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "No such Runtime API path",
        ),
    };
    Ok(resp)
}

fn error_type_header(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get(H_ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn read_limited(req: Request<Incoming>) -> Result<Bytes, Resp> {
    match Limited::new(req.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Payload too large",
        )),
    }
}

/// Takes the current invocation if `id` is its request id.
fn take_current(shared: &Shared, id: &str) -> Option<Current> {
    let mut current = shared.current.lock().unwrap_or_else(|e| e.into_inner());
    match current.take() {
        Some(c) if c.request_id == id => Some(c),
        other => {
            *current = other;
            None
        }
    }
}

fn not_current() -> Resp {
    error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        "The request id is not that of the current invocation",
    )
}

fn accepted() -> Resp {
    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Resp {
    match take_current(shared, id) {
        Some(c) => {
            let _ = c.reply.send(outcome);
            accepted()
        }
        None => not_current(),
    }
}

fn is_streaming(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(H_RESPONSE_MODE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("streaming"))
}

/// A streamed `/response`: each body frame goes to the invocation's stream
/// as it arrives (or into a buffer when the caller wants the whole
/// response); error trailers turn the outcome into an error.
async fn stream_response(req: Request<Incoming>, current: Current) -> Resp {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = req.into_body();
    let buffering = current.stream.is_none();
    let mut sink = current.stream;
    if let Some(tx) = &sink {
        if tx.send(StreamPart::Head { content_type }).await.is_err() {
            sink = None;
        }
    }
    let mut buffer = Vec::new();
    let mut total = 0usize;
    let mut failure: Option<(Option<String>, Bytes)> = None;
    let mut broken = false;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(_) => {
                // The bootstrap went away mid-stream (or was killed at its
                // timeout): the invocation's owner decides what happened.
                broken = true;
                break;
            }
        };
        match frame.into_data() {
            Ok(data) => {
                total += data.len();
                let limit = if buffering {
                    MAX_RESPONSE_BYTES
                } else {
                    MAX_STREAMED_BYTES
                };
                if total > limit {
                    failure = Some(too_large(limit));
                    break;
                }
                if buffering {
                    buffer.extend_from_slice(&data);
                } else if let Some(tx) = &sink {
                    // A caller that stopped listening no longer gets parts;
                    // the function still runs to its end.
                    if tx.send(StreamPart::Chunk(data)).await.is_err() {
                        sink = None;
                    }
                }
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    failure = stream_error(&trailers);
                }
            }
        }
    }
    if broken && failure.is_none() {
        return error(StatusCode::BAD_REQUEST, "InvalidRequest", "Stream broken");
    }
    let outcome = match failure {
        Some((error_type, body)) => Outcome::Error { error_type, body },
        None if buffering => Outcome::Response(Bytes::from(buffer)),
        None => Outcome::Streamed,
    };
    let _ = current.reply.send(outcome);
    accepted()
}

fn too_large(limit: usize) -> (Option<String>, Bytes) {
    let body = Bytes::from(format!(
        "{{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size ({limit} bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}}"
    ));
    (Some("Function.ResponseSizeTooLarge".into()), body)
}

/// The error a stream's trailers report, if any: its type and its body
/// (base64 in the trailer).
fn stream_error(trailers: &hyper::HeaderMap) -> Option<(Option<String>, Bytes)> {
    let error_type = trailers
        .get(H_ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = trailers
        .get(H_ERROR_BODY)
        .and_then(|v| v.to_str().ok())
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        });
    if error_type.is_none() && body.is_none() {
        return None;
    }
    let body = body.map(Bytes::from).unwrap_or_else(|| {
        let kind = error_type.as_deref().unwrap_or("Unhandled");
        Bytes::from(serde_json::json!({ "errorType": kind, "errorMessage": "" }).to_string())
    });
    Some((error_type, body))
}

const H_REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
const H_DEADLINE: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
const H_ARN: HeaderName = HeaderName::from_static("lambda-runtime-invoked-function-arn");
const H_TRACE: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");
const H_CLIENT_CONTEXT: HeaderName = HeaderName::from_static("lambda-runtime-client-context");
const H_COGNITO: HeaderName = HeaderName::from_static("lambda-runtime-cognito-identity");

async fn next(shared: Arc<Shared>) -> Resp {
    if !shared
        .ready_sent
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        let _ = shared.events.send(RuntimeEvent::Ready);
    }
    let inv = {
        let mut queue = shared.queue.lock().await;
        match queue.recv().await {
            Some(inv) => inv,
            None => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceException",
                    "The environment is shutting down",
                )
            }
        }
    };
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(inv.timeout)
        .as_millis();
    let mut resp = Response::new(Full::new(inv.payload));
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut put = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    put(H_REQUEST_ID, &inv.request_id);
    put(H_DEADLINE, &deadline.to_string());
    put(H_ARN, &inv.invoked_function_arn);
    put(H_TRACE, &inv.trace_id);
    if let Some(c) = &inv.client_context {
        put(H_CLIENT_CONTEXT, c);
    }
    if let Some(c) = &inv.cognito_identity {
        put(H_COGNITO, c);
    }
    *shared.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(Current {
        request_id: inv.request_id,
        stream: inv.stream,
        reply: inv.reply,
    });
    resp
}

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
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Outcome>,
}

/// How an invocation ended, as the bootstrap reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `/response`: the function's result.
    Response(Bytes),
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
        .get("Lambda-Runtime-Function-Error-Type")
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

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Resp {
    let mut current = shared.current.lock().unwrap_or_else(|e| e.into_inner());
    match current.take() {
        Some(c) if c.request_id == id => {
            let _ = c.reply.send(outcome);
            json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        other => {
            *current = other;
            error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestID",
                "The request id is not that of the current invocation",
            )
        }
    }
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
        reply: inv.reply,
    });
    resp
}

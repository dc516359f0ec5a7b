//! Streamed responses: InvokeWithResponseStream (an `application/
//! vnd.amazon.eventstream` of `PayloadChunk` events ended by one
//! `InvokeComplete`) and the machinery function URLs in `RESPONSE_STREAM`
//! mode share with it.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::{BufMut, Bytes, BytesMut};
use lambdalite_invoke::{InvokeError, InvokeRequest, InvokeResult, StreamPart};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::ApiResult;
use crate::invoke::{invoked_arn, parse, InvocationType, Parsed};
use crate::AppState;

/// How many parts may wait between a function and a slow reader before the
/// function's writes wait too.
const PARTS_IN_FLIGHT: usize = 16;

/// An invocation whose response may come as a stream.
pub(crate) enum Started {
    /// The function streams: its content type, the parts still to come,
    /// and the invocation's end.
    Streaming {
        content_type: Option<String>,
        parts: mpsc::Receiver<StreamPart>,
        done: JoinHandle<Result<InvokeResult, InvokeError>>,
    },
    /// The invocation ended without streaming (a buffered response, an
    /// error, or no invocation at all).
    Finished(Result<InvokeResult, InvokeError>),
}

/// Starts an invocation that may stream, and waits until it either begins
/// streaming or ends.
pub(crate) async fn start(state: &Arc<AppState>, mut req: InvokeRequest) -> Started {
    let (tx, mut parts) = mpsc::channel(PARTS_IN_FLIGHT);
    req.stream = Some(tx);
    let invoker = state.invoker.clone();
    let mut done = tokio::spawn(async move { invoker.invoke(req).await });
    tokio::select! {
        biased;
        part = parts.recv() => match part {
            Some(StreamPart::Head { content_type }) => Started::Streaming { content_type, parts, done },
            // A chunk before a head can't happen; a closed channel means
            // the invocation ended without streaming.
            _ => Started::Finished(finished(done).await),
        },
        r = &mut done => Started::Finished(joined(r)),
    }
}

/// The invocation's result once its task ends.
pub(crate) async fn finished(
    done: JoinHandle<Result<InvokeResult, InvokeError>>,
) -> Result<InvokeResult, InvokeError> {
    joined(done.await)
}

fn joined(
    r: Result<Result<InvokeResult, InvokeError>, tokio::task::JoinError>,
) -> Result<InvokeResult, InvokeError> {
    r.unwrap_or_else(|e| Err(InvokeError::Internal(format!("invocation failed: {e}"))))
}

/// A response body fed by a channel: the sender writes, the client reads as
/// the bytes come.
pub(crate) fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = mpsc::channel::<Bytes>(PARTS_IN_FLIGHT);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    (tx, Body::from_stream(stream))
}

// ------------------------------------------------------------ HTTP streams

/// The content type of a stream that begins with an HTTP prelude (status,
/// headers, cookies as JSON), then eight NUL bytes, then the body: what
/// `awslambda.HttpResponseStream.from` writes.
const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// The most a prelude may take before the body must start.
const MAX_PRELUDE: usize = 64 * 1024;

/// The HTTP response of a streaming function behind a function URL: the
/// status and headers of its prelude (or 200 and its content type), then
/// its body as the function writes it.
pub(crate) async fn http_response(
    content_type: Option<String>,
    mut parts: mpsc::Receiver<StreamPart>,
    done: JoinHandle<Result<InvokeResult, InvokeError>>,
) -> Result<Response, JoinHandle<Result<InvokeResult, InvokeError>>> {
    let mut head = Response::new(());
    let mut first = Bytes::new();
    if content_type.as_deref() == Some(HTTP_INTEGRATION) {
        let mut buf = BytesMut::new();
        let split = loop {
            if let Some(at) = buf.windows(8).position(|w| w == [0u8; 8]) {
                break Some(at);
            }
            if buf.len() > MAX_PRELUDE {
                break None;
            }
            match parts.recv().await {
                Some(StreamPart::Chunk(b)) => buf.extend_from_slice(&b),
                Some(StreamPart::Head { .. }) => {}
                None => break None,
            }
        };
        let prelude = match split {
            Some(at) => {
                let rest = buf.split_off(at + 8);
                buf.truncate(at);
                first = rest.freeze();
                serde_json::from_slice::<Value>(&buf).ok()
            }
            None => serde_json::from_slice::<Value>(&buf).ok(),
        };
        let Some(prelude) = prelude.filter(Value::is_object) else {
            return Err(done);
        };
        apply_prelude(&mut head, &prelude);
    } else {
        let ct = content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        if let Ok(v) = HeaderValue::from_str(ct) {
            head.headers_mut().insert("content-type", v);
        }
    }
    let (out, body) = channel_body();
    tokio::spawn(async move {
        let mut listening = first.is_empty() || out.send(first).await.is_ok();
        while let Some(part) = parts.recv().await {
            if let (StreamPart::Chunk(b), true) = (part, listening) {
                listening = out.send(b).await.is_ok();
            }
        }
        // The invocation's end closes the body; its outcome was logged.
        let _ = finished(done).await;
    });
    let (parts, ()) = head.into_parts();
    Ok(Response::from_parts(parts, body))
}

/// Status, headers and cookies of an HTTP prelude, read as a function
/// URL reads a response; the content type is a stream's unless named.
fn apply_prelude(resp: &mut Response<()>, prelude: &Value) {
    let mut as_response = prelude.clone();
    as_response["body"] = json!("");
    let Ok(r) = lambdalite_gateway::response::infer_v2(as_response.to_string().as_bytes()) else {
        return;
    };
    if let Ok(status) = StatusCode::from_u16(r.status) {
        *resp.status_mut() = status;
    }
    let h = resp.headers_mut();
    for (k, v) in r.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.append(name, value);
        }
    }
    let named_type = prelude
        .get("headers")
        .and_then(Value::as_object)
        .is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case("content-type")));
    if !named_type {
        h.insert(
            "content-type",
            HeaderValue::from_static("application/octet-stream"),
        );
    }
}

// ------------------------------------------------------------ event stream

/// One message of the `application/vnd.amazon.eventstream` encoding: a
/// prelude (total and header lengths, and their CRC32), string headers,
/// the payload, and the CRC32 of all that.
pub(crate) fn event_message(event_type: &str, content_type: &str, payload: &[u8]) -> Bytes {
    let mut headers = BytesMut::new();
    for (name, value) in [
        (":event-type", event_type),
        (":content-type", content_type),
        (":message-type", "event"),
    ] {
        headers.put_u8(name.len() as u8);
        headers.put_slice(name.as_bytes());
        headers.put_u8(7); // string
        headers.put_u16(value.len() as u16);
        headers.put_slice(value.as_bytes());
    }
    let total = 12 + headers.len() + payload.len() + 4;
    let mut m = BytesMut::with_capacity(total);
    m.put_u32(total as u32);
    m.put_u32(headers.len() as u32);
    let prelude_crc = crc32fast::hash(&m[..8]);
    m.put_u32(prelude_crc);
    m.put_slice(&headers);
    m.put_slice(payload);
    let crc = crc32fast::hash(&m);
    m.put_u32(crc);
    m.freeze()
}

fn payload_chunk(bytes: &[u8]) -> Bytes {
    event_message("PayloadChunk", "application/octet-stream", bytes)
}

/// The `InvokeComplete` event that ends a stream: the error, if any
/// (errorType and errorMessage of AWS's error JSON), and the log tail.
fn invoke_complete(result: &Result<InvokeResult, InvokeError>) -> Bytes {
    let mut body = serde_json::Map::new();
    match result {
        Ok(r) => {
            if r.function_error.is_some() {
                let error: Value = serde_json::from_slice(&r.payload).unwrap_or(Value::Null);
                let code = error
                    .get("errorType")
                    .and_then(Value::as_str)
                    .unwrap_or("Unhandled");
                let message = error
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                // The platform's own errors read "RequestId: … Error: …".
                let details = message
                    .strip_prefix("RequestId: ")
                    .and_then(|m| m.split_once(" Error: "))
                    .map_or(message, |(_, m)| m);
                body.insert("ErrorCode".into(), json!(code));
                body.insert("ErrorDetails".into(), json!(details));
            }
            if let Some(tail) = &r.log_tail {
                body.insert(
                    "LogResult".into(),
                    json!(base64::engine::general_purpose::STANDARD.encode(tail)),
                );
            }
        }
        Err(e) => {
            body.insert("ErrorCode".into(), json!("ServiceException"));
            body.insert("ErrorDetails".into(), json!(e.to_string()));
        }
    }
    event_message(
        "InvokeComplete",
        "application/json",
        Value::Object(body).to_string().as_bytes(),
    )
}

/// `POST /2021-11-15/functions/{name}/response-streaming-invocations`.
pub async fn invoke_with_response_stream(
    State(state): State<Arc<AppState>>,
    axum::extract::Extension(id): axum::extract::Extension<crate::RequestId>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let Parsed {
        r,
        kind,
        tail,
        config,
        client_context,
        payload,
    } = parse(
        &state,
        &name,
        query.as_deref(),
        &headers,
        body,
        "InvokeWithResponseStream",
    )
    .await?;
    if kind == InvocationType::DryRun {
        state.invoker.check_runtime(config.runtime.as_deref())?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let executed_version = config.version.clone();
    let req = InvokeRequest {
        request_id: id.0,
        config,
        invoked_arn: invoked_arn(&state, &r),
        payload,
        client_context,
        tail,
        stream: None,
    };
    let (out, body) = channel_body();
    match start(&state, req).await {
        Started::Finished(result) => {
            let result = Ok(result?);
            tokio::spawn(async move {
                if let Ok(r) = &result {
                    if r.function_error.is_none() && !r.payload.is_empty() {
                        let _ = out.send(payload_chunk(&r.payload)).await;
                    }
                }
                let _ = out.send(invoke_complete(&result)).await;
            });
        }
        Started::Streaming {
            mut parts, done, ..
        } => {
            tokio::spawn(async move {
                let mut listening = true;
                while let Some(part) = parts.recv().await {
                    if let (StreamPart::Chunk(b), true) = (part, listening) {
                        listening = out.send(payload_chunk(&b)).await.is_ok();
                    }
                }
                let result = finished(done).await;
                let _ = out.send(invoke_complete(&result)).await;
            });
        }
    }
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        "Content-Type",
        HeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    if let Ok(v) = HeaderValue::from_str(&executed_version) {
        h.insert("X-Amz-Executed-Version", v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_messages_frame_and_checksum_as_the_encoding_says() {
        let m = event_message("PayloadChunk", "application/octet-stream", b"hello");
        let total = u32::from_be_bytes(m[0..4].try_into().unwrap()) as usize;
        let headers = u32::from_be_bytes(m[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, m.len());
        assert_eq!(
            u32::from_be_bytes(m[8..12].try_into().unwrap()),
            crc32fast::hash(&m[..8])
        );
        assert_eq!(&m[12 + headers..total - 4], b"hello");
        assert_eq!(
            u32::from_be_bytes(m[total - 4..].try_into().unwrap()),
            crc32fast::hash(&m[..total - 4])
        );
        // First header: ":event-type" = "PayloadChunk".
        assert_eq!(m[12] as usize, ":event-type".len());
        assert_eq!(&m[13..24], b":event-type");
        assert_eq!(m[24], 7);
        assert_eq!(u16::from_be_bytes([m[25], m[26]]), 12);
        assert_eq!(&m[27..39], b"PayloadChunk");
    }

    #[test]
    fn complete_event_carries_the_error_without_the_platform_prefix() {
        let r = InvokeResult {
            request_id: "r".into(),
            payload: Bytes::from_static(
                br#"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: r Error: Task timed out after 1.00 seconds"}"#,
            ),
            function_error: Some("Unhandled"),
            log_tail: None,
            executed_version: "$LATEST".into(),
        };
        let m = invoke_complete(&Ok(r));
        let headers = u32::from_be_bytes(m[4..8].try_into().unwrap()) as usize;
        let body: Value = serde_json::from_slice(&m[12 + headers..m.len() - 4]).unwrap();
        assert_eq!(body["ErrorCode"], "Sandbox.Timedout");
        assert_eq!(body["ErrorDetails"], "Task timed out after 1.00 seconds");
    }
}

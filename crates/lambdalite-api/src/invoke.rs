//! Invoke and the legacy InvokeAsync.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use lambdalite_invoke::{InvokeError, InvokeRequest};
use lambdalite_model::arn::NameShape;
use lambdalite_model::config::FunctionConfig;
use lambdalite_model::{limits, FunctionRef, LambdaError};

use crate::error::{ApiError, ApiResult};
use crate::extract::{read_body, QueryParams};
use crate::{AppState, RequestId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `X-Amz-Invocation-Type`; a streamed invocation can't be `Event`.
fn invocation_type(headers: &HeaderMap, streamed: bool) -> Result<InvocationType, LambdaError> {
    let allowed = if streamed {
        "[RequestResponse, DryRun]"
    } else {
        "[Event, RequestResponse, DryRun]"
    };
    match header(headers, "X-Amz-Invocation-Type") {
        None | Some("RequestResponse") => Ok(InvocationType::RequestResponse),
        Some("Event") if !streamed => Ok(InvocationType::Event),
        Some("DryRun") => Ok(InvocationType::DryRun),
        Some(other) => Err(LambdaError::Validation(vec![format!(
            "Value '{other}' at 'invocationType' failed to satisfy constraint: \
             Member must satisfy enum value set: {allowed}"
        )])),
    }
}

/// An invoke request, checked in AWS's order.
pub(crate) struct Parsed {
    pub r: FunctionRef,
    pub kind: InvocationType,
    pub tail: bool,
    pub config: Arc<FunctionConfig>,
    pub client_context: Option<String>,
    pub payload: Bytes,
}

/// Reads and checks an Invoke or InvokeWithResponseStream request.
pub(crate) async fn parse(
    state: &AppState,
    name: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
    operation: &str,
) -> ApiResult<Parsed> {
    let q = QueryParams::parse(query);
    let r = state.resolve(name, &q, NameShape::Namespaced)?;
    let kind = invocation_type(headers, operation == "InvokeWithResponseStream")?;
    let tail = wants_tail(headers)?;
    let limit = match kind {
        InvocationType::Event => limits::ASYNC_PAYLOAD_MAX_BYTES,
        InvocationType::RequestResponse | InvocationType::DryRun => limits::SYNC_PAYLOAD_MAX_BYTES,
    };
    let body = read_body(body, limit, operation).await?;
    let config = state.version_to_run(&r).map_err(|e| {
        // An unqualified invoke of no function names `$LATEST`.
        if r.qualifier.is_none() && state.store.get(&r.name).is_none() {
            ApiError(LambdaError::function_not_found(
                state.partition.qualified_arn(&r.name, "$LATEST"),
            ))
        } else {
            e
        }
    })?;
    let client_context = client_context(headers)?;
    let payload = check_payload(body)?;
    Ok(Parsed {
        r,
        kind,
        tail,
        config,
        client_context,
        payload,
    })
}

fn wants_tail(headers: &HeaderMap) -> Result<bool, LambdaError> {
    match header(headers, "X-Amz-Log-Type") {
        None | Some("None") => Ok(false),
        Some("Tail") => Ok(true),
        Some(other) => Err(LambdaError::Validation(vec![format!(
            "Value '{other}' at 'logType' failed to satisfy constraint: \
             Member must satisfy enum value set: [None, Tail]"
        )])),
    }
}

/// Decodes `X-Amz-Client-Context` (base64 of a JSON object, ≤ 3,583 bytes).
fn client_context(headers: &HeaderMap) -> Result<Option<String>, LambdaError> {
    let Some(raw) = header(headers, "X-Amz-Client-Context") else {
        return Ok(None);
    };
    let invalid = || {
        LambdaError::InvalidRequestContent(
            "Client context must be a valid Base64-encoded JSON object.".into(),
        )
    };
    if raw.len() > 3583 {
        return Err(LambdaError::InvalidRequestContent(
            "Client context must be smaller than 3583 bytes.".into(),
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .map_err(|_| invalid())?;
    let value: serde_json::Value = serde_json::from_slice(&decoded).map_err(|_| invalid())?;
    if !value.is_object() {
        return Err(invalid());
    }
    Ok(Some(String::from_utf8_lossy(&decoded).into_owned()))
}

/// An invoke payload must be JSON; an empty one is `{}`.
fn check_payload(body: Bytes) -> Result<Bytes, LambdaError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(&body).map_err(|e| {
        LambdaError::InvalidRequestContent(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        ))
    })?;
    Ok(body)
}

impl AppState {
    /// The version an invocation runs: through an alias with a routing
    /// configuration, chosen at random by weight.
    pub(crate) fn version_to_run(&self, r: &FunctionRef) -> ApiResult<Arc<FunctionConfig>> {
        let resolved = self.lookup(r)?;
        let Some(alias) = resolved.alias.filter(|a| !a.routing.is_empty()) else {
            return Ok(resolved.config);
        };
        let version = alias.pick_version(rand::random::<f64>());
        resolved
            .record
            .version(version)
            .cloned()
            .ok_or_else(|| self.not_found(r))
    }
}

pub(crate) fn invoked_arn(state: &AppState, r: &FunctionRef) -> String {
    match &r.qualifier {
        Some(q) => state.partition.qualified_arn(&r.name, q),
        None => state.partition.function_arn(&r.name),
    }
}

impl From<InvokeError> for ApiError {
    fn from(e: InvokeError) -> Self {
        ApiError(match e {
            InvokeError::InvalidRuntime(m) => LambdaError::InvalidRuntime(m),
            InvokeError::Throttled(t) => LambdaError::TooManyRequests {
                message: "Rate Exceeded.".into(),
                reason: t.reason().into(),
                retry_after_seconds: 1,
            },
            InvokeError::Internal(m) => LambdaError::internal(m),
        })
    }
}

/// Queues an `Event` invocation durably under the request's id, which it
/// keeps through every retry.
async fn accept_event(
    state: &Arc<AppState>,
    id: &RequestId,
    r: &FunctionRef,
    payload: Bytes,
) -> ApiResult<()> {
    state
        .async_runner
        .accept(id.0.clone(), r.name.clone(), r.qualifier.clone(), payload)
        .await?;
    Ok(())
}

pub async fn invoke(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
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
        client_context: ctx,
        payload,
    } = parse(
        &state,
        &name,
        query.as_deref(),
        &headers,
        body,
        "InvokeFunction",
    )
    .await?;
    match kind {
        InvocationType::DryRun => {
            state.invoker.check_runtime(config.runtime.as_deref())?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        InvocationType::Event => {
            state.invoker.check_runtime(config.runtime.as_deref())?;
            // AWS passes client context to synchronous invocations only.
            accept_event(&state, &id, &r, payload).await?;
            Ok(StatusCode::ACCEPTED.into_response())
        }
        InvocationType::RequestResponse => {
            let result = state
                .invoker
                .invoke(InvokeRequest {
                    request_id: id.0,
                    config,
                    invoked_arn: invoked_arn(&state, &r),
                    payload,
                    client_context: ctx,
                    tail,
                    stream: None,
                })
                .await?;
            let mut resp = Response::new(Body::from(result.payload));
            let h = resp.headers_mut();
            h.insert("Content-Type", HeaderValue::from_static("application/json"));
            if let Ok(v) = HeaderValue::from_str(&result.executed_version) {
                h.insert("X-Amz-Executed-Version", v);
            }
            if let Some(e) = result.function_error {
                h.insert("X-Amz-Function-Error", HeaderValue::from_static(e));
            }
            if let Some(tail) = result.log_tail {
                let b64 = base64::engine::general_purpose::STANDARD.encode(tail);
                if let Ok(v) = HeaderValue::from_str(&b64) {
                    h.insert("X-Amz-Log-Result", v);
                }
            }
            Ok(resp)
        }
    }
}

/// The deprecated InvokeAsync: an `Event` invocation answered `{"Status": 202}`.
pub async fn invoke_async(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let r = state.resolve(&name, &QueryParams::default(), NameShape::Namespaced)?;
    let body = read_body(body, limits::ASYNC_PAYLOAD_MAX_BYTES, "InvokeAsync").await?;
    let config = state.version_to_run(&r)?;
    let payload = check_payload(body)?;
    state.invoker.check_runtime(config.runtime.as_deref())?;
    accept_event(&state, &id, &r, payload).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({ "Status": 202 })),
    )
        .into_response())
}

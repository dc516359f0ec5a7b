//! The Lambda API's authentication middleware: every request's signature
//! (lambdalite-protocol's SigV4 verification), then, for callers of another
//! account, the function's resource-based policy.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use lambdalite_model::{limits, LambdaError};
pub use lambdalite_protocol::sigv4::*;

use crate::error::ApiError;
use crate::AppState;

/// Marks a request that came through the listener execution environments
/// reach (`host.lambdalite.internal`), where requests must be signed even
/// when the server has no keys of its own.
#[derive(Debug, Clone, Copy)]
pub struct FromFunctions;

/// The middleware: checks the headers' size, authenticates the request,
/// and applies resource policies to callers that are not the account.
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > HEADERS_MAX_BYTES {
        return ApiError(LambdaError::RequestEntityTooLarge(format!(
            "Request headers must be smaller than {HEADERS_MAX_BYTES} bytes"
        )))
        .into_response();
    }
    let auth = &state.auth;
    // The listener functions reach checks every request, keys or not: only
    // functions hold credentials it accepts.
    let from_functions = req.extensions().get::<FromFunctions>().is_some();
    // Code downloads are capabilities (see docs/security.md).
    if (!auth.enforced() && !from_functions) || req.uri().path().starts_with("/_lambdalite/code/") {
        let mut req = req;
        req.extensions_mut().insert(Caller::root(auth.account()));
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    if let Err(e) = auth.precheck(&parts, Utc::now()) {
        return ApiError(e).into_response();
    }
    let body = match axum::body::to_bytes(body, limits::CODE_REQUEST_MAX_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError(LambdaError::RequestEntityTooLarge(format!(
                "Request must be smaller than {} bytes",
                limits::CODE_REQUEST_MAX_BYTES
            )))
            .into_response()
        }
    };
    let caller = match auth.verify(&parts, &body, Utc::now()) {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, path = %parts.uri.path(), "request refused");
            return ApiError(e).into_response();
        }
    };
    if !auth.is_own(&caller) {
        if let Err(e) = crate::policy::authorize(&state, &parts, &caller) {
            return ApiError(e).into_response();
        }
    }
    let mut req = Request::from_parts(parts, Body::from(body));
    req.extensions_mut().insert(caller);
    next.run(req).await
}

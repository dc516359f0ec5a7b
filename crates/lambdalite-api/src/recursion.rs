//! Recursive loop detection: GetFunctionRecursionConfig and
//! PutFunctionRecursionConfig. The setting is stored and reported;
//! lambdalite doesn't detect loops itself.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, MethodRouter};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::{limits, LambdaError};
use lambdalite_store::Change;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body};
use crate::functions::blocking;
use crate::AppState;

/// Where the operations live.
pub const PATH: &str = "/2024-08-31/functions/{name}/recursion-config";

/// What AWS does when no one has said: stop recursive loops.
const DEFAULT: &str = "Terminate";

/// The UnqualifiedFunctionName pattern, as the API model states it.
const UNQUALIFIED_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

/// The operations at [`PATH`].
pub fn routes() -> MethodRouter<Arc<AppState>> {
    get(get_config).put(put_config)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecursionInput {
    recursive_loop: Option<String>,
}

/// The function a request names: unqualified, and existing.
fn function(state: &AppState, raw: &str) -> ApiResult<String> {
    let r = parse_function_ref(raw, None, NameShape::Plain, &state.partition)?;
    if r.qualifier.is_some() {
        return Err(ApiError(LambdaError::Validation(vec![format!(
            "Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: {UNQUALIFIED_PATTERN}"
        )])));
    }
    state.record(&r.name)?;
    Ok(r.name)
}

/// A RecursiveLoop value, checked against the model's enum.
fn check_value(value: Option<&str>) -> ApiResult<String> {
    let problem = match value {
        Some(v @ ("Allow" | "Terminate")) => return Ok(v.to_string()),
        None => {
            "Value null at 'recursiveLoop' failed to satisfy constraint: Member must not be null"
                .to_string()
        }
        Some(v) => format!(
            "Value '{v}' at 'recursiveLoop' failed to satisfy constraint: Member must \
             satisfy enum value set: [Terminate, Allow]"
        ),
    };
    Err(ApiError(LambdaError::Validation(vec![problem])))
}

async fn get_config(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let name = function(&state, &name)?;
    let record = state.record(&name)?;
    let value = record.recursive_loop.as_deref().unwrap_or(DEFAULT);
    Ok(Json(json!({ "RecursiveLoop": value })))
}

async fn put_config(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "PutFunctionRecursionConfig",
    )
    .await?;
    let input: RecursionInput = parse_json(&headers, &body)?;
    let value = check_value(input.recursive_loop.as_deref())?;
    let name = function(&state, &name)?;
    let st = state.clone();
    let record = blocking(move || {
        Ok(st.store.update(&name, &mut |_| {
            Ok(vec![Change::SetRecursiveLoop(value.clone())])
        })?)
    })
    .await?;
    let value = record.recursive_loop.as_deref().unwrap_or(DEFAULT);
    Ok(Json(json!({ "RecursiveLoop": value })))
}

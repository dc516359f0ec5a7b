//! Reserved concurrency: PutFunctionConcurrency, GetFunctionConcurrency,
//! DeleteFunctionConcurrency.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::{limits, FunctionRef, LambdaError};
use lambdalite_store::Change;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body};
use crate::functions::blocking;
use crate::AppState;

/// What stays unreserved at least, as AWS requires (100, or the whole
/// limit of an account with less).
pub(crate) fn min_unreserved(limit: u32) -> u32 {
    100.min(limit)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConcurrencyInput {
    pub reserved_concurrent_executions: Option<i64>,
}

fn function(state: &AppState, raw: &str, shape: NameShape) -> ApiResult<String> {
    let r = parse_function_ref(raw, None, shape, &state.partition)?;
    if state.store.get(&r.name).is_none() {
        return Err(state.not_found(&FunctionRef {
            name: r.name,
            qualifier: None,
        }));
    }
    Ok(r.name)
}

/// The function PutFunctionConcurrency names: unqualified only, and a
/// missing one is reported under its `$LATEST` ARN, as AWS does.
fn put_target(state: &AppState, raw: &str) -> ApiResult<String> {
    let r = parse_function_ref(raw, None, NameShape::Plain, &state.partition)?;
    if r.qualifier.is_some() {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "This operation is permitted on Lambda functions only. Aliases and versions do not \
             support this operation. Please specify either a function name or an unqualified \
             function ARN."
                .into(),
        )));
    }
    if state.store.get(&r.name).is_none() {
        return Err(state.not_found(&FunctionRef {
            name: r.name,
            qualifier: Some(lambdalite_model::LATEST.into()),
        }));
    }
    Ok(r.name)
}

pub async fn put(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "PutFunctionConcurrency",
    )
    .await?;
    let input: ConcurrencyInput = parse_json(&headers, &body)?;
    let name = put_target(&state, &name)?;
    let n = match input.reserved_concurrent_executions {
        None => {
            return Err(ApiError(LambdaError::Validation(vec![
                "Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null".into(),
            ])))
        }
        Some(n) if n < 0 => {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{n}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0"
            )])))
        }
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
    };
    let limit = state.invoker.admission().limit();
    let st = state.clone();
    let fname = name.clone();
    blocking(move || {
        // The sum is checked under the store's write lock of this function;
        // other functions' reservations come from the mirror.
        let others: u64 = st
            .store
            .list()
            .iter()
            .filter(|f| f.latest.name != fname)
            .filter_map(|f| f.reserved_concurrency)
            .map(u64::from)
            .sum();
        let min = min_unreserved(limit);
        st.store.update(&fname, &mut |_| {
            if others + u64::from(n) + u64::from(min) > u64::from(limit) {
                return Err(LambdaError::InvalidParameterValueUntyped(format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{min}]."
                )));
            }
            Ok(vec![Change::SetReservedConcurrency(Some(n))])
        })?;
        Ok(())
    })
    .await?;
    state.invoker.admission().set_reserved(&name, Some(n));
    Ok(Json(json!({ "ReservedConcurrentExecutions": n })))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let name = function(&state, &name, NameShape::Namespaced)?;
    let reserved = state.store.get(&name).and_then(|f| f.reserved_concurrency);
    Ok(Json(match reserved {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    }))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let name = function(&state, &name, NameShape::Plain)?;
    let st = state.clone();
    let fname = name.clone();
    blocking(move || {
        st.store.update(&fname, &mut |_| {
            Ok(vec![Change::SetReservedConcurrency(None)])
        })?;
        Ok(())
    })
    .await?;
    state.invoker.admission().set_reserved(&name, None);
    Ok(StatusCode::NO_CONTENT)
}

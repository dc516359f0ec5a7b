//! Provisioned concurrency: Put/Get/Delete/ListProvisionedConcurrencyConfigs.
//! The environments are started and initialised by the invoker; a config is
//! READY once all of them are.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::event_config::ProvisionedConfig;
use lambdalite_model::{limits, FunctionRef, LambdaError, LATEST};
use lambdalite_store::{Change, FunctionRecord};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::blocking;
use crate::versions::{list_body, max_items};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedInput {
    pub provisioned_concurrent_executions: Option<i64>,
}

fn not_found() -> ApiError {
    ApiError(LambdaError::ProvisionedConcurrencyConfigNotFound(
        "No Provisioned Concurrency Config found for this function".into(),
    ))
}

/// The function and qualifier of a request; the qualifier is required and
/// must name a published version or an alias.
fn target(state: &AppState, raw: &str, q: &QueryParams) -> ApiResult<FunctionRef> {
    let r = parse_function_ref(raw, q.get("Qualifier"), NameShape::Plain, &state.partition)?;
    match r.qualifier.as_deref() {
        None => Err(ApiError(LambdaError::Validation(vec![
            "Value null at 'qualifier' failed to satisfy constraint: Member must not be null"
                .into(),
        ]))),
        Some(LATEST) => Err(ApiError(LambdaError::InvalidParameterValue(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                .into(),
        ))),
        Some(_) => {
            state.lookup(&r)?;
            Ok(r)
        }
    }
}

/// The version a qualifier's environments run.
fn version_of(rec: &FunctionRecord, qualifier: &str) -> Option<String> {
    if rec.version(qualifier).is_some() {
        return Some(qualifier.to_string());
    }
    rec.aliases
        .get(qualifier)
        .map(|a| a.function_version.clone())
}

fn wire(state: &AppState, rec: &FunctionRecord, qualifier: &str, c: &ProvisionedConfig) -> Value {
    let ready = version_of(rec, qualifier)
        .map_or(0, |v| state.invoker.provisioned_ready(&rec.latest.name, &v))
        .min(c.requested);
    json!({
        "RequestedProvisionedConcurrentExecutions": c.requested,
        "AvailableProvisionedConcurrentExecutions": ready,
        "AllocatedProvisionedConcurrentExecutions": ready,
        "Status": if ready >= c.requested { "READY" } else { "IN_PROGRESS" },
        "LastModified": c.last_modified,
    })
}

/// Starts (or resizes) the environments of a config, in the background.
pub(crate) fn apply(state: &Arc<AppState>, rec: &FunctionRecord, qualifier: &str, count: u32) {
    let Some(version) = version_of(rec, qualifier) else {
        return;
    };
    let Some(config) = rec.version(&version).cloned() else {
        return;
    };
    let invoker = state.invoker.clone();
    tokio::spawn(async move { invoker.provision(config, count).await });
}

pub async fn put(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "PutProvisionedConcurrencyConfig",
    )
    .await?;
    let input: ProvisionedInput = parse_json(&headers, &body)?;
    let q = QueryParams::parse(query.as_deref());
    let r = target(&state, &name, &q)?;
    let n = match input.provisioned_concurrent_executions {
        None => {
            return Err(ApiError(LambdaError::Validation(vec![
                "Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null".into(),
            ])))
        }
        Some(n) if n < 1 => {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{n}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )])))
        }
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
    };
    let qualifier = r.qualifier.clone().unwrap_or_default();
    let st = state.clone();
    let (f, ql) = (r.name.clone(), qualifier.clone());
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            if let Some(reserved) = rec.reserved_concurrency {
                let others: u32 = rec
                    .provisioned
                    .iter()
                    .filter(|(q, _)| **q != ql)
                    .map(|(_, c)| c.requested)
                    .sum();
                if others + n > reserved {
                    return Err(LambdaError::InvalidParameterValue(format!(
                        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function: {reserved}"
                    )));
                }
            }
            Ok(vec![Change::PutProvisioned(
                ql.clone(),
                ProvisionedConfig {
                    requested: n,
                    last_modified: lambdalite_model::time::now(),
                },
            )])
        })?)
    })
    .await?;
    apply(&state, &record, &qualifier, n);
    let c = record.provisioned.get(&qualifier).ok_or_else(|| {
        ApiError(LambdaError::internal(
            "provisioned config missing after put",
        ))
    })?;
    let mut body = wire(&state, &record, &qualifier, c);
    body["Status"] = json!("IN_PROGRESS");
    body["AvailableProvisionedConcurrentExecutions"] = json!(0);
    body["AllocatedProvisionedConcurrentExecutions"] = json!(0);
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub async fn get_or_list(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    if q.get("List") == Some("ALL") {
        let r = parse_function_ref(&name, None, NameShape::Plain, &state.partition)?;
        let max = max_items(&q)?;
        let record = state.record(&r.name)?;
        let items: Vec<(String, Value)> = record
            .provisioned
            .iter()
            .map(|(ql, c)| {
                let mut v = wire(&state, &record, ql, c);
                v["FunctionArn"] = json!(state.partition.qualified_arn(&r.name, ql));
                (ql.clone(), v)
            })
            .collect();
        return Ok(list_body(
            "ProvisionedConcurrencyConfigs",
            items,
            q.get("Marker"),
            max,
        ));
    }
    let r = target(&state, &name, &q)?;
    let record = state
        .store
        .get(&r.name)
        .ok_or_else(|| state.not_found(&r))?;
    let qualifier = r.qualifier.unwrap_or_default();
    let c = record.provisioned.get(&qualifier).ok_or_else(not_found)?;
    Ok(Json(wire(&state, &record, &qualifier, c)))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let r = target(&state, &name, &q)?;
    let qualifier = r.qualifier.clone().unwrap_or_default();
    let record = state
        .store
        .get(&r.name)
        .ok_or_else(|| state.not_found(&r))?;
    if !record.provisioned.contains_key(&qualifier) {
        return Err(not_found());
    }
    let st = state.clone();
    let (f, ql) = (r.name.clone(), qualifier.clone());
    let record = blocking(move || {
        Ok(st
            .store
            .update(&f, &mut |_| Ok(vec![Change::DeleteProvisioned(ql.clone())]))?)
    })
    .await?;
    apply(&state, &record, &qualifier, 0);
    Ok(StatusCode::NO_CONTENT)
}

//! Provisioned concurrency: Put/Get/Delete/ListProvisionedConcurrencyConfigs.
//! The environments are started and initialised by the invoker; a config is
//! READY once all of them are.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::alias::is_version_number;
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

/// Which operation a qualifier is checked for: `$LATEST` is refused in
/// different words by Put and by Get/Delete.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    GetOrDelete,
}

/// The function and qualifier of a request; the qualifier is required and
/// must name a published version or an alias.
fn target(state: &AppState, raw: &str, q: &QueryParams, op: Op) -> ApiResult<FunctionRef> {
    let r = parse_function_ref(raw, q.get("Qualifier"), NameShape::Plain, &state.partition)?;
    match r.qualifier.as_deref() {
        None => Err(ApiError(LambdaError::Validation(vec![
            "Value null at 'qualifier' failed to satisfy constraint: Member must not be null"
                .into(),
        ]))),
        Some(LATEST) if op == Op::Put => Err(ApiError(LambdaError::InvalidParameterValue(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                .into(),
        ))),
        Some(LATEST) => Err(ApiError(LambdaError::InvalidParameterValue(
            "The function resource provided must be an alias or a published version.".into(),
        ))),
        Some(ql) => {
            if !is_version_number(ql) {
                // An alias: AWS names the alias it can't find, whether or
                // not the function exists.
                let found = state
                    .store
                    .get(&r.name)
                    .is_some_and(|rec| rec.aliases.contains_key(ql));
                if !found {
                    return Err(crate::policy::alias_not_found(state, &r.name, ql));
                }
            }
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

/// Brings the environments of the version `qualifier` runs in line with
/// every config on that version (a version's and its aliases' share the
/// version's environments), in the background.
pub(crate) fn apply(state: &Arc<AppState>, rec: &FunctionRecord, qualifier: &str) {
    let Some(version) = version_of(rec, qualifier) else {
        return;
    };
    let Some(config) = rec.version(&version).cloned() else {
        return;
    };
    let count: u32 = rec
        .provisioned
        .iter()
        .filter(|(q, _)| version_of(rec, q).as_deref() == Some(version.as_str()))
        .map(|(_, c)| c.requested)
        .sum();
    let invoker = state.invoker.clone();
    tokio::spawn(async move { invoker.provision(config, count).await });
}

/// Checks a request for `n` provisioned environments on `qualifier` of
/// `rec` against the other configs of the function and the account.
fn check_put(
    state: &AppState,
    others: &[Arc<FunctionRecord>],
    rec: &FunctionRecord,
    qualifier: &str,
    n: u32,
) -> Result<(), LambdaError> {
    // An alias and the version it points to can't both be provisioned.
    if let Some(alias) = rec.aliases.get(qualifier) {
        if rec.provisioned.contains_key(&alias.function_version) {
            return Err(LambdaError::ResourceConflict(
                "Alias can't be used for Provisioned Concurrency configuration on an already \
                 Provisioned version"
                    .into(),
            ));
        }
    } else if rec
        .aliases
        .values()
        .any(|a| a.function_version == qualifier && rec.provisioned.contains_key(&a.name))
    {
        return Err(LambdaError::ResourceConflict(
            "Version is pointed by a Provisioned Concurrency alias".into(),
        ));
    }
    let this_function: u32 = rec
        .provisioned
        .iter()
        .filter(|(q, _)| q.as_str() != qualifier)
        .map(|(_, c)| c.requested)
        .sum();
    if let Some(reserved) = rec.reserved_concurrency {
        if this_function + n > reserved {
            return Err(LambdaError::InvalidParameterValue(format!(
                "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function: {reserved}"
            )));
        }
        return Ok(());
    }
    // Without reserved concurrency, provisioned environments come out of
    // the account's unreserved concurrency.
    let limit = u64::from(state.invoker.admission().limit());
    let reserved: u64 = others
        .iter()
        .filter_map(|f| f.reserved_concurrency)
        .map(u64::from)
        .sum();
    let unreserved = limit.saturating_sub(reserved);
    let provisioned_elsewhere: u64 = others
        .iter()
        .filter(|f| f.reserved_concurrency.is_none())
        .flat_map(|f| f.provisioned.values())
        .map(|c| u64::from(c.requested))
        .sum();
    let n = u64::from(n);
    if n > unreserved {
        return Err(LambdaError::InvalidParameterValueUntyped(format!(
            "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{unreserved}]."
        )));
    }
    let min = u64::from(crate::concurrency::min_unreserved(limit as u32));
    if provisioned_elsewhere + u64::from(this_function) + n + min > unreserved {
        return Err(LambdaError::InvalidParameterValueUntyped(format!(
            "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{min}]."
        )));
    }
    Ok(())
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
    let r = target(&state, &name, &q, Op::Put)?;
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
        let others: Vec<Arc<FunctionRecord>> = st
            .store
            .list()
            .into_iter()
            .filter(|o| o.latest.name != f)
            .collect();
        Ok(st.store.update(&f, &mut |rec| {
            check_put(&st, &others, rec, &ql, n)?;
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
    apply(&state, &record, &qualifier);
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
    let r = target(&state, &name, &q, Op::GetOrDelete)?;
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
    let r = target(&state, &name, &q, Op::GetOrDelete)?;
    let qualifier = r.qualifier.clone().unwrap_or_default();
    let record = state
        .store
        .get(&r.name)
        .ok_or_else(|| state.not_found(&r))?;
    // Deleting a config that isn't there succeeds, as on AWS.
    if !record.provisioned.contains_key(&qualifier) {
        return Ok(StatusCode::NO_CONTENT);
    }
    let st = state.clone();
    let (f, ql) = (r.name.clone(), qualifier.clone());
    let before = record.clone();
    let record = blocking(move || {
        Ok(st
            .store
            .update(&f, &mut |_| Ok(vec![Change::DeleteProvisioned(ql.clone())]))?)
    })
    .await?;
    // The version's environments follow what is left on it; `before` still
    // knows which version the qualifier ran.
    let version = version_of(&before, &qualifier);
    if let Some(v) = version {
        apply(&state, &record, &v);
    }
    Ok(StatusCode::NO_CONTENT)
}

//! Event invoke configs: Put/Update/Get/Delete/ListFunctionEventInvokeConfigs.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::event_config::EventInvokeConfig;
use lambdalite_model::{limits, LambdaError, LATEST};
use lambdalite_store::Change;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::blocking;
use crate::versions::{list_body, max_items};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationInput {
    pub destination: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfigInput {
    pub on_success: Option<DestinationInput>,
    pub on_failure: Option<DestinationInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventConfigInput {
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_event_age_in_seconds: Option<i64>,
    pub destination_config: Option<DestinationConfigInput>,
}

/// The function and qualifier a request names; the qualifier must exist.
fn target(state: &AppState, raw: &str, q: &QueryParams) -> ApiResult<(String, String)> {
    let r = parse_function_ref(
        raw,
        q.get("Qualifier"),
        NameShape::Namespaced,
        &state.partition,
    )?;
    state.lookup(&r)?;
    let qualifier = r.qualifier.unwrap_or_else(|| LATEST.to_string());
    Ok((r.name, qualifier))
}

fn wire(state: &AppState, function: &str, qualifier: &str, c: &EventInvokeConfig) -> Value {
    let mut v = json!({
        "LastModified": c.last_modified,
        "FunctionArn": state.partition.qualified_arn(function, qualifier),
        "MaximumRetryAttempts": c.max_retries(),
        "MaximumEventAgeInSeconds": c.max_event_age_s(),
    });
    let mut dest = serde_json::Map::new();
    if let Some(d) = &c.on_success {
        dest.insert("OnSuccess".into(), json!({ "Destination": d }));
    } else {
        dest.insert("OnSuccess".into(), json!({}));
    }
    if let Some(d) = &c.on_failure {
        dest.insert("OnFailure".into(), json!({ "Destination": d }));
    } else {
        dest.insert("OnFailure".into(), json!({}));
    }
    v["DestinationConfig"] = Value::Object(dest);
    v
}

fn missing(state: &AppState, function: &str, qualifier: &str) -> LambdaError {
    LambdaError::ResourceNotFound(format!(
        "The function {} doesn't have an EventInvokeConfig",
        state.partition.qualified_arn(function, qualifier)
    ))
}

/// Checks a destination: lambdalite delivers invocation records to functions.
fn check_destination(state: &AppState, arn: &str) -> Result<(), LambdaError> {
    if arn.is_empty() {
        return Ok(());
    }
    let prefix = format!(
        "arn:aws:lambda:{}:{}:function:",
        state.partition.region, state.partition.account_id
    );
    if !arn.starts_with(&prefix) {
        return Err(LambdaError::InvalidParameterValue(format!(
            "lambdalite delivers asynchronous invocation records to Lambda functions of this account only; {arn} is not one."
        )));
    }
    parse_function_ref(arn, None, NameShape::Namespaced, &state.partition)?;
    Ok(())
}

/// Validates an input and merges it over `base`.
fn merge(
    state: &AppState,
    input: &EventConfigInput,
    mut base: EventInvokeConfig,
) -> Result<EventInvokeConfig, LambdaError> {
    let mut errors = Vec::new();
    if let Some(n) = input.maximum_retry_attempts {
        if !(0..=2).contains(&n) {
            errors.push(format!(
                "Value '{n}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value {}",
                if n < 0 { "greater than or equal to 0" } else { "less than or equal to 2" }
            ));
        }
    }
    if let Some(n) = input.maximum_event_age_in_seconds {
        if !(60..=21_600).contains(&n) {
            errors.push(format!(
                "Value '{n}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value {}",
                if n < 60 { "greater than or equal to 60" } else { "less than or equal to 21600" }
            ));
        }
    }
    if !errors.is_empty() {
        return Err(LambdaError::Validation(errors));
    }
    if let Some(n) = input.maximum_retry_attempts {
        base.maximum_retry_attempts = Some(n as u32);
    }
    if let Some(n) = input.maximum_event_age_in_seconds {
        base.maximum_event_age_in_seconds = Some(n as u32);
    }
    if let Some(d) = &input.destination_config {
        if let Some(s) = &d.on_success {
            let arn = s.destination.clone().unwrap_or_default();
            check_destination(state, &arn)?;
            base.on_success = Some(arn).filter(|a| !a.is_empty());
        }
        if let Some(f) = &d.on_failure {
            let arn = f.destination.clone().unwrap_or_default();
            check_destination(state, &arn)?;
            base.on_failure = Some(arn).filter(|a| !a.is_empty());
        }
    }
    base.last_modified = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    Ok(base)
}

async fn save(
    state: &Arc<AppState>,
    raw: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Body,
    replace: bool,
) -> ApiResult<Json<Value>> {
    let op = if replace {
        "PutFunctionEventInvokeConfig"
    } else {
        "UpdateFunctionEventInvokeConfig"
    };
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, op).await?;
    let input: EventConfigInput = parse_json(&headers, &body)?;
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(state, &raw, &q)?;
    let st = state.clone();
    let (f, ql) = (function.clone(), qualifier.clone());
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            let base = match (replace, rec.event_configs.get(&ql)) {
                (true, _) => EventInvokeConfig::default(),
                (false, Some(c)) => (**c).clone(),
                (false, None) => return Err(missing(&st, &f, &ql)),
            };
            let next = merge(&st, &input, base)?;
            Ok(vec![Change::PutEventConfig(ql.clone(), next)])
        })?)
    })
    .await?;
    let c = record.event_configs.get(&qualifier).ok_or_else(|| {
        ApiError(LambdaError::internal(
            "event invoke config missing after save",
        ))
    })?;
    Ok(Json(wire(state, &function, &qualifier, c)))
}

pub async fn put(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    save(&state, name, query, headers, body, true).await
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    save(&state, name, query, headers, body, false).await
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(&state, &name, &q)?;
    let record = state.record(&function)?;
    let c = record
        .event_configs
        .get(&qualifier)
        .ok_or_else(|| ApiError(missing(&state, &function, &qualifier)))?;
    Ok(Json(wire(&state, &function, &qualifier, c)))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(&state, &name, &q)?;
    let st = state.clone();
    blocking(move || {
        st.store.update(&function, &mut |rec| {
            if !rec.event_configs.contains_key(&qualifier) {
                return Err(missing(&st, &function, &qualifier));
            }
            Ok(vec![Change::DeleteEventConfig(qualifier.clone())])
        })?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let r = parse_function_ref(&name, None, NameShape::Namespaced, &state.partition)?;
    let max = max_items(&q)?;
    let record = state.record(&r.name)?;
    let items: Vec<(String, Value)> = record
        .event_configs
        .iter()
        .map(|(ql, c)| (ql.clone(), wire(&state, &r.name, ql, c)))
        .collect();
    Ok(list_body(
        "FunctionEventInvokeConfigs",
        items,
        q.get("Marker"),
        max,
    ))
}

//! Event invoke configs: Put/Update/Get/Delete/ListFunctionEventInvokeConfigs.

use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::event_config::EventInvokeConfig;
use lambdalite_model::{limits, FunctionRef, LambdaError, LATEST};
use lambdalite_store::Change;
use regex::Regex;
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

/// The function and qualifier a request names, as written (nothing is
/// looked up).
fn reference(state: &AppState, raw: &str, q: &QueryParams) -> ApiResult<(String, String)> {
    let r = parse_function_ref(
        raw,
        q.get("Qualifier"),
        NameShape::Namespaced,
        &state.partition,
    )?;
    let qualifier = r.qualifier.unwrap_or_else(|| LATEST.to_string());
    Ok((r.name, qualifier))
}

/// AWS's answer to Put, Update or List on a function, version or alias
/// that isn't there.
fn no_function() -> LambdaError {
    LambdaError::ResourceNotFound("The function doesn't exist.".into())
}

/// The function and qualifier a Put or Update names; both must exist.
fn target(state: &AppState, raw: &str, q: &QueryParams) -> ApiResult<(String, String)> {
    let (name, qualifier) = reference(state, raw, q)?;
    state
        .lookup(&FunctionRef {
            name: name.clone(),
            qualifier: Some(qualifier.clone()),
        })
        .map_err(|_| ApiError(no_function()))?;
    Ok((name, qualifier))
}

fn wire(state: &AppState, function: &str, qualifier: &str, c: &EventInvokeConfig) -> Value {
    let mut v = json!({
        "LastModified": c.last_modified,
        "FunctionArn": state.partition.qualified_arn(function, qualifier),
    });
    // Only what was set is reported (the runner applies AWS's defaults).
    if let Some(n) = c.maximum_retry_attempts {
        v["MaximumRetryAttempts"] = json!(n);
    }
    if let Some(n) = c.maximum_event_age_in_seconds {
        v["MaximumEventAgeInSeconds"] = json!(n);
    }
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

/// The pattern of a destination ARN in the API model, as AWS quotes it.
const DESTINATION_PATTERN: &str = r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)";
static DESTINATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^(?:{DESTINATION_PATTERN})$")).expect("destination pattern compiles")
});
/// The service of an ARN (`arn:PARTITION:SERVICE:...`).
static ARN_SERVICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^arn:[^:]*:([^:]+):").expect("service pattern compiles"));

/// The destinations an input names (`None` for a member given without one).
fn destinations(input: &EventConfigInput) -> [(&'static str, Option<Option<&str>>); 2] {
    fn pick(o: Option<&DestinationInput>) -> Option<Option<&str>> {
        o.map(|x| x.destination.as_deref())
    }
    let d = input.destination_config.as_ref();
    [
        ("onSuccess", pick(d.and_then(|d| d.on_success.as_ref()))),
        ("onFailure", pick(d.and_then(|d| d.on_failure.as_ref()))),
    ]
}

/// The model's constraints on an input, as ValidationException items.
fn validate(input: &EventConfigInput) -> Result<(), LambdaError> {
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
    for (member, dest) in destinations(input) {
        if let Some(Some(arn)) = dest {
            if !DESTINATION.is_match(arn) {
                errors.push(format!(
                    "Value '{arn}' at 'destinationConfig.{member}.destination' failed to satisfy \
                     constraint: Member must satisfy regular expression pattern: {DESTINATION_PATTERN}"
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LambdaError::Validation(errors))
    }
}

/// The destination config as AWS's messages print it.
fn describe(input: &EventConfigInput) -> String {
    let [(_, success), (_, failure)] = destinations(input);
    let show = |kind: &str, d: Option<Option<&str>>| match d {
        None => "null".to_string(),
        Some(arn) => format!("{kind}(destination={})", arn.unwrap_or("null")),
    };
    format!(
        "DestinationConfig(onSuccess={}, onFailure={})",
        show("OnSuccess", success),
        show("OnFailure", failure)
    )
}

/// Checks a destination of `function`'s config. Lambda functions of this
/// account and region are the destinations lambdalite delivers to.
fn check_destination(
    state: &AppState,
    function: &str,
    input: &EventConfigInput,
    arn: &str,
) -> Result<(), LambdaError> {
    if arn.is_empty() {
        return Ok(());
    }
    let service = ARN_SERVICE
        .captures(arn)
        .map(|c| c[1].to_string())
        .unwrap_or_default();
    let unsupported = || {
        LambdaError::InvalidParameterValue(format!(
            "lambdalite delivers asynchronous invocation records to Lambda functions of this account only; {arn} is not one."
        ))
    };
    match service.as_str() {
        "lambda" => {}
        // Destinations AWS accepts and lambdalite can't deliver to.
        "sqs" | "sns" | "events" | "s3" | "kafka" => return Err(unsupported()),
        _ if arn.starts_with("kafka://") => return Err(unsupported()),
        _ => {
            return Err(LambdaError::InvalidParameterValue(format!(
                "The provided destination config {} is invalid.",
                describe(input)
            )))
        }
    }
    let prefix = format!(
        "arn:aws:lambda:{}:{}:function:",
        state.partition.region, state.partition.account_id
    );
    if !arn.starts_with(&prefix) {
        return Err(unsupported());
    }
    let invalid =
        || LambdaError::InvalidParameterValue(format!("The destination ARN {arn} is invalid."));
    let r = parse_function_ref(arn, None, NameShape::Namespaced, &state.partition)
        .map_err(|_| invalid())?;
    if r.name == function {
        return Err(LambdaError::InvalidParameterValue(
            "You can't specify the function as a destination for itself.".into(),
        ));
    }
    state.lookup(&r).map_err(|_| invalid())?;
    Ok(())
}

/// Merges a validated input over `base`.
fn merge(
    state: &AppState,
    function: &str,
    input: &EventConfigInput,
    mut base: EventInvokeConfig,
) -> Result<EventInvokeConfig, LambdaError> {
    if let Some(n) = input.maximum_retry_attempts {
        base.maximum_retry_attempts = Some(n as u32);
    }
    if let Some(n) = input.maximum_event_age_in_seconds {
        base.maximum_event_age_in_seconds = Some(n as u32);
    }
    if let Some(d) = &input.destination_config {
        if let Some(s) = &d.on_success {
            let arn = s.destination.clone().unwrap_or_default();
            check_destination(state, function, input, &arn)?;
            base.on_success = Some(arn).filter(|a| !a.is_empty());
        }
        if let Some(f) = &d.on_failure {
            let arn = f.destination.clone().unwrap_or_default();
            check_destination(state, function, input, &arn)?;
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
    reference(state, &raw, &q)?;
    validate(&input)?;
    let nothing = input.maximum_retry_attempts.is_none()
        && input.maximum_event_age_in_seconds.is_none()
        && input.destination_config.is_none();
    if replace && nothing {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "You must specify at least one of error handling or destination setting.".into(),
        )));
    }
    let (function, qualifier) = target(state, &raw, &q)?;
    let st = state.clone();
    let (f, ql) = (function.clone(), qualifier.clone());
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            // Put replaces the whole config; Update changes what it names.
            let base = match (replace, rec.event_configs.get(&ql)) {
                (true, _) => EventInvokeConfig::default(),
                (false, Some(c)) => (**c).clone(),
                (false, None) => return Err(missing(&st, &f, &ql)),
            };
            let next = merge(&st, &f, &input, base)?;
            Ok(vec![Change::PutEventConfig(ql.clone(), next)])
        })?)
    })
    .await
    .map_err(|e| match e {
        ApiError(LambdaError::ResourceNotFound(m)) if m.starts_with("Function not found") => {
            ApiError(no_function())
        }
        other => other,
    })?;
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
    // A missing function, version or alias has no config either.
    let (function, qualifier) = reference(&state, &name, &q)?;
    let c = state
        .store
        .get(&function)
        .and_then(|rec| rec.event_configs.get(&qualifier).cloned())
        .ok_or_else(|| ApiError(missing(&state, &function, &qualifier)))?;
    Ok(Json(wire(&state, &function, &qualifier, &c)))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = reference(&state, &name, &q)?;
    let gone = || ApiError(missing(&state, &function, &qualifier));
    if state.store.get(&function).is_none() {
        return Err(gone());
    }
    let st = state.clone();
    let (f, ql) = (function.clone(), qualifier.clone());
    blocking(move || {
        st.store.update(&f, &mut |rec| {
            if !rec.event_configs.contains_key(&ql) {
                return Err(missing(&st, &f, &ql));
            }
            Ok(vec![Change::DeleteEventConfig(ql.clone())])
        })?;
        Ok(())
    })
    .await
    .map_err(|e| match e {
        ApiError(LambdaError::ResourceNotFound(m)) if m.starts_with("Function not found") => gone(),
        other => other,
    })?;
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
    let record = state
        .store
        .get(&r.name)
        .ok_or_else(|| ApiError(no_function()))?;
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

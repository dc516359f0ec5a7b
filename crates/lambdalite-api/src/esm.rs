//! Event source mappings: Create, Get, Update, Delete and List, with
//! AWS's defaults, states and errors. lambdalite-events runs their
//! pollers; this module keeps the records and starts or stops them.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use lambdalite_events::{
    BoxFuture, DeliveryError, Invoked, MappingSpec, Outcome, Pattern, StreamSpec,
};
use lambdalite_invoke::{InvokeError, InvokeRequest};
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::esm::{EventSourceMapping, MappingView, StreamSettings};
use lambdalite_model::{limits, FunctionRef, LambdaError};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::blocking;
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MappingInput {
    pub event_source_arn: Option<String>,
    pub function_name: Option<String>,
    pub enabled: Option<bool>,
    pub batch_size: Option<i64>,
    pub maximum_batching_window_in_seconds: Option<i64>,
    pub function_response_types: Option<Vec<String>>,
    pub filter_criteria: Option<Value>,
    pub scaling_config: Option<ScalingInput>,
    pub destination_config: Option<Value>,
    pub starting_position: Option<String>,
    pub starting_position_timestamp: Option<Value>,
    pub parallelization_factor: Option<i64>,
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_record_age_in_seconds: Option<i64>,
    pub bisect_batch_on_function_error: Option<bool>,
    pub tumbling_window_in_seconds: Option<i64>,
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingInput {
    pub maximum_concurrency: Option<i64>,
}

fn not_found() -> ApiError {
    ApiError(LambdaError::ResourceNotFound(
        "The resource you requested does not exist.".into(),
    ))
}

fn invalid(m: &str) -> ApiError {
    ApiError(LambdaError::InvalidParameterValue(m.to_string()))
}

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| (d.as_millis() as f64) / 1000.0)
}

/// The kind of source an ARN names.
fn source_kind(arn: &str) -> Option<&'static str> {
    let service = arn.strip_prefix("arn:aws:")?.split(':').next()?;
    match service {
        "sqs" => Some("sqs"),
        "kinesis" => Some("kinesis"),
        "dynamodb" => Some("dynamodb"),
        _ => None,
    }
}

/// The function ARN a mapping keeps: the caller's qualifier, if any.
fn function_arn(state: &AppState, raw: &str) -> ApiResult<(String, FunctionRef)> {
    let r = parse_function_ref(raw, None, NameShape::Namespaced, &state.partition)?;
    let Some(record) = state.store.get(&r.name) else {
        return Err(invalid("Function does not exist"));
    };
    if let Some(q) = &r.qualifier {
        if q != "$LATEST" && record.version(q).is_none() && !record.aliases.contains_key(q) {
            return Err(ApiError(LambdaError::ResourceNotFound(format!(
                "Function not found: {}",
                crate::invoke::invoked_arn(state, &r)
            ))));
        }
    }
    Ok((crate::invoke::invoked_arn(state, &r), r))
}

fn check_filters(criteria: &Value) -> ApiResult<()> {
    let bad = || invalid("Invalid filter pattern definition.");
    let Some(filters) = criteria.get("Filters") else {
        return Ok(());
    };
    let filters = filters.as_array().ok_or_else(bad)?;
    if filters.len() > 5 {
        return Err(invalid("Invalid filter pattern definition."));
    }
    for f in filters {
        let pattern = f.get("Pattern").and_then(Value::as_str).ok_or_else(bad)?;
        Pattern::parse(pattern).map_err(|_| bad())?;
    }
    Ok(())
}

/// The checks and defaults shared by Create and Update.
fn apply_settings(m: &mut EventSourceMapping, input: &MappingInput) -> ApiResult<()> {
    if let Some(b) = input.batch_size {
        if !(1..=10_000).contains(&b) {
            return Err(ApiError(LambdaError::InvalidParameterValue(format!(
                "BatchSize {b} is out of range: the batch size must be between 1 and 10000"
            ))));
        }
        m.batch_size = b as u32;
    }
    if let Some(w) = input.maximum_batching_window_in_seconds {
        if !(0..=300).contains(&w) {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{w}' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: \
                 Member must have value less than or equal to 300"
            )])));
        }
        m.maximum_batching_window_in_seconds = w as u32;
    }
    if m.stream.is_none() && m.batch_size > 10 && m.maximum_batching_window_in_seconds == 0 {
        return Err(invalid(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
        ));
    }
    if let Some(types) = &input.function_response_types {
        if types.iter().any(|t| t != "ReportBatchItemFailures") {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '[{}]' at 'functionResponseTypes' failed to satisfy constraint: Member \
                 must satisfy constraint: [Member must satisfy enum value set: \
                 [ReportBatchItemFailures]]",
                types.join(", ")
            )])));
        }
        m.function_response_types = types.clone();
    }
    if let Some(f) = &input.filter_criteria {
        check_filters(f)?;
        let empty = f
            .get("Filters")
            .and_then(Value::as_array)
            .is_none_or(|a| a.is_empty());
        m.filter_criteria = (!empty).then(|| f.clone());
    }
    if let Some(s) = &input.scaling_config {
        match s.maximum_concurrency {
            Some(c) if !(2..=1000).contains(&c) => {
                return Err(out_of_range(c, "scalingConfig.maximumConcurrency", 2, 1000));
            }
            c => m.maximum_concurrency = c.map(|c| c as u32),
        }
    }
    match &mut m.stream {
        Some(s) => apply_stream_settings(s, input)?,
        None if input.destination_config.is_some() => {
            return Err(invalid(
                "Unsupported DestinationConfig parameter for given event source mapping type.",
            ));
        }
        None => {}
    }
    if let Some(e) = input.enabled {
        m.enabled = e;
    }
    Ok(())
}

/// A model constraint's ValidationException.
fn out_of_range(value: i64, member: &str, min: i64, max: i64) -> ApiError {
    ApiError(LambdaError::Validation(vec![format!(
        "Value '{value}' at '{member}' failed to satisfy constraint: Member must have value {}",
        if value < min {
            format!("greater than or equal to {min}")
        } else {
            format!("less than or equal to {max}")
        }
    )]))
}

/// The settings only stream mappings have.
fn apply_stream_settings(s: &mut StreamSettings, input: &MappingInput) -> ApiResult<()> {
    if let Some(p) = input.parallelization_factor {
        if !(1..=10).contains(&p) {
            return Err(out_of_range(p, "parallelizationFactor", 1, 10));
        }
        s.parallelization_factor = p as u32;
    }
    if let Some(r) = input.maximum_retry_attempts {
        if !(-1..=10_000).contains(&r) {
            return Err(out_of_range(r, "maximumRetryAttempts", -1, 10_000));
        }
        s.maximum_retry_attempts = r;
    }
    if let Some(a) = input.maximum_record_age_in_seconds {
        if !(-1..=604_800).contains(&a) {
            return Err(out_of_range(a, "maximumRecordAgeInSeconds", -1, 604_800));
        }
        if (0..60).contains(&a) {
            return Err(invalid(&format!(
                "MaximumRecordAgeInSeconds {a} is out of range: the maximum record age must \
                 be -1 (infinite) or between 60 and 604800 seconds"
            )));
        }
        s.maximum_record_age_in_seconds = a;
    }
    if let Some(b) = input.bisect_batch_on_function_error {
        s.bisect_batch_on_function_error = b;
    }
    if let Some(t) = input.tumbling_window_in_seconds {
        if !(0..=900).contains(&t) {
            return Err(out_of_range(t, "tumblingWindowInSeconds", 0, 900));
        }
        s.tumbling_window_in_seconds = t as u32;
    }
    if let Some(d) = &input.destination_config {
        if d.get("OnSuccess").is_some() {
            return Err(invalid(
                "Unsupported DestinationConfig parameter for given event source mapping type.",
            ));
        }
        match d.pointer("/OnFailure/Destination") {
            None | Some(Value::Null) => s.on_failure = None,
            Some(Value::String(arn)) if arn.is_empty() => s.on_failure = None,
            Some(Value::String(arn))
                if arn.starts_with("arn:aws:sqs:") || arn.starts_with("arn:aws:sns:") =>
            {
                s.on_failure = Some(arn.clone());
            }
            Some(other) => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string);
                return Err(invalid(&format!(
                    "The provided destination config DestinationConfig(onSuccess=null, \
                     onFailure=OnFailure(destination={shown})) is invalid."
                )));
            }
        }
    }
    Ok(())
}

/// The stream settings of a new mapping on a stream ARN: StartingPosition
/// is required, AT_TIMESTAMP needs its time and is Kinesis's alone.
fn new_stream_settings(
    kind: &str,
    source: &str,
    input: &MappingInput,
) -> ApiResult<StreamSettings> {
    let Some(position) = input.starting_position.as_deref() else {
        return Err(invalid(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy \
             constraint: Member must not be null.",
        ));
    };
    if !matches!(position, "LATEST" | "TRIM_HORIZON" | "AT_TIMESTAMP") {
        return Err(ApiError(LambdaError::Validation(vec![format!(
            "Value '{position}' at 'startingPosition' failed to satisfy constraint: Member must \
             satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"
        )])));
    }
    let mut s = StreamSettings::new(position);
    if position == "AT_TIMESTAMP" {
        if kind == "dynamodb" {
            return Err(invalid(&format!(
                "Unsupported starting position for arn type: {source}"
            )));
        }
        let ts = match &input.starting_position_timestamp {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(t)) => t.parse::<f64>().ok().or_else(|| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .ok()
                    .map(|d| d.timestamp_millis() as f64 / 1000.0)
            }),
            _ => None,
        };
        let Some(ts) = ts else {
            return Err(invalid(
                "StartingPositionTimestamp must be provided when StartingPosition is AT_TIMESTAMP",
            ));
        };
        s.starting_position_timestamp = Some(ts);
    } else if input.starting_position_timestamp.is_some() {
        return Err(invalid(
            "StartingPositionTimestamp can only be provided when StartingPosition is AT_TIMESTAMP",
        ));
    }
    Ok(s)
}

/// What the pollers need of a mapping.
pub(crate) fn spec(m: &EventSourceMapping) -> MappingSpec {
    MappingSpec {
        uuid: m.uuid.clone(),
        function_arn: m.function_arn.clone(),
        event_source_arn: m.event_source_arn.clone(),
        batch_size: m.batch_size as usize,
        batching_window_seconds: u64::from(m.maximum_batching_window_in_seconds),
        filters: m
            .filter_patterns()
            .iter()
            .filter_map(|p| Pattern::parse(p).ok())
            .collect(),
        report_batch_item_failures: m
            .function_response_types
            .iter()
            .any(|t| t == "ReportBatchItemFailures"),
        maximum_concurrency: m.maximum_concurrency,
        stream: m.stream.as_ref().map(|s| StreamSpec {
            starting_position: s.starting_position.clone(),
            starting_timestamp_ms: s
                .starting_position_timestamp
                .map_or(0, |t| (t * 1000.0).round() as i64),
            parallelization_factor: s.parallelization_factor,
            maximum_retry_attempts: s.maximum_retry_attempts,
            maximum_record_age_in_seconds: s.maximum_record_age_in_seconds,
            bisect_batch_on_function_error: s.bisect_batch_on_function_error,
            tumbling_window_in_seconds: s.tumbling_window_in_seconds,
            on_failure: s.on_failure.clone(),
        }),
    }
}

/// Starts or stops a mapping's pollers as its record says.
pub(crate) fn run(state: &AppState, m: &EventSourceMapping) {
    if m.enabled {
        state.mappings.start(spec(m));
    } else {
        state.mappings.stop(&m.uuid);
    }
}

fn wire(state: &AppState, m: &EventSourceMapping, view: MappingView) -> Value {
    let last = state.mappings.last_result(&m.uuid);
    // Until its shards' starting positions are fixed, a stream mapping is
    // still being created.
    let view = if view == MappingView::Current && m.enabled && state.mappings.is_starting(&m.uuid) {
        MappingView::Creating
    } else {
        view
    };
    m.to_wire(
        &state.partition.region,
        &state.partition.account_id,
        view,
        last.as_deref(),
    )
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "CreateEventSourceMapping",
    )
    .await?;
    let input: MappingInput = parse_json(&headers, &body)?;
    let Some(source) = input.event_source_arn.clone() else {
        return Err(invalid("Unrecognized event source."));
    };
    let Some(kind) = source_kind(&source) else {
        return Err(invalid("Unrecognized event source."));
    };
    let stream = match kind {
        "sqs" => {
            if input.destination_config.is_some() {
                return Err(invalid(
                    "Unsupported DestinationConfig parameter for given event source mapping type.",
                ));
            }
            None
        }
        _ => Some(new_stream_settings(kind, &source, &input)?),
    };
    let Some(raw_function) = input.function_name.clone() else {
        return Err(invalid("Function does not exist"));
    };
    let (function_arn, r) = function_arn(&state, &raw_function)?;
    if stream.is_none() {
        if !state.mappings.queues().exists(&source) {
            return Err(invalid(
                "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.",
            ));
        }
        if input.starting_position.is_some() {
            return Err(invalid(&format!(
                "Unsupported starting position for arn type: {source}"
            )));
        }
    } else {
        let exists = match state.mappings.streams_for(&source) {
            Some(streams) => matches!(streams.shard_ids(&source).await, Ok(Some(_))),
            None => false,
        };
        if !exists {
            return Err(invalid(&format!("Stream not found: {source}")));
        }
    }
    if let Some(existing) = state
        .store
        .mappings()
        .into_iter()
        .find(|m| m.event_source_arn == source && m.function_arn == function_arn)
    {
        let message = if stream.is_some() {
            format!(
                "The event source arn (\" {source} \") and function (\" {raw_function} \") provided mapping already exists. Please update or delete the existing mapping with UUID {}",
                existing.uuid
            )
        } else {
            format!(
                "An event source mapping with SQS arn (\" {source} \") and function (\" {} \") already exists. Please update or delete the existing mapping with UUID {}",
                r.name, existing.uuid
            )
        };
        return Err(ApiError(LambdaError::ResourceConflict(message)));
    }
    let is_stream = stream.is_some();
    let mut m = EventSourceMapping {
        uuid: uuid::Uuid::new_v4().to_string(),
        function_arn,
        event_source_arn: source,
        batch_size: if is_stream { 100 } else { 10 },
        maximum_batching_window_in_seconds: 0,
        enabled: true,
        state_transition_reason: if is_stream {
            "User action".into()
        } else {
            "USER_INITIATED".into()
        },
        last_modified: now_s(),
        function_response_types: Vec::new(),
        filter_criteria: None,
        maximum_concurrency: None,
        tags: input.tags.clone().unwrap_or_default(),
        stream,
    };
    apply_settings(&mut m, &input)?;
    let st = state.clone();
    let saved = blocking(move || Ok(st.store.put_mapping(m)?)).await?;
    run(&state, &saved);
    tracing::info!(uuid = %saved.uuid, source = %saved.event_source_arn, function = %saved.function_arn, "event source mapping created");
    // Created disabled, a mapping is Disabled at once, as AWS reports it.
    let view = if saved.enabled {
        MappingView::Creating
    } else {
        MappingView::Current
    };
    Ok((StatusCode::ACCEPTED, Json(wire(&state, &saved, view))).into_response())
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(uuid): Path<String>,
) -> ApiResult<Json<Value>> {
    let m = state.store.mapping(&uuid).ok_or_else(not_found)?;
    Ok(Json(wire(&state, &m, MappingView::Current)))
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "UpdateEventSourceMapping",
    )
    .await?;
    let input: MappingInput = parse_json(&headers, &body)?;
    let current = state.store.mapping(&uuid).ok_or_else(not_found)?;
    let was_enabled = current.enabled;
    let mut m = (*current).clone();
    if let Some(raw) = &input.function_name {
        m.function_arn = function_arn(&state, raw)?.0;
    }
    apply_settings(&mut m, &input)?;
    m.last_modified = now_s();
    let st = state.clone();
    let saved = blocking(move || Ok(st.store.put_mapping(m)?)).await?;
    run(&state, &saved);
    Ok((
        StatusCode::ACCEPTED,
        Json(wire(&state, &saved, MappingView::Updating { was_enabled })),
    )
        .into_response())
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(uuid): Path<String>,
) -> ApiResult<Response> {
    let st = state.clone();
    let id = uuid.clone();
    let removed = blocking(move || Ok(st.store.delete_mapping(&id)?))
        .await?
        .ok_or_else(not_found)?;
    state.mappings.stop(&uuid);
    state.mappings.forget(&uuid);
    Ok((
        StatusCode::ACCEPTED,
        Json(wire(&state, &removed, MappingView::Deleting)),
    )
        .into_response())
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let function = match q.get("FunctionName") {
        Some(f) => Some(parse_function_ref(
            f,
            None,
            NameShape::Namespaced,
            &state.partition,
        )?),
        None => None,
    };
    let source = q.get("EventSourceArn");
    let all: Vec<(String, Value)> = state
        .store
        .mappings()
        .into_iter()
        .filter(|m| source.is_none_or(|s| m.event_source_arn == s))
        .filter(|m| {
            function.as_ref().is_none_or(|f| {
                let arn = crate::invoke::invoked_arn(&state, f);
                m.function_arn == arn
                    || (f.qualifier.is_none()
                        && m.function_arn
                            .strip_prefix(&format!("{arn}:"))
                            .is_some_and(|rest| !rest.contains(':')))
            })
        })
        .map(|m| (m.uuid.clone(), wire(&state, &m, MappingView::Current)))
        .collect();
    let max = crate::versions::max_items(&q)?;
    Ok(crate::versions::list_body(
        "EventSourceMappings",
        all,
        q.get("Marker"),
        max,
    ))
}

/// Starts the pollers of every enabled mapping (at server start).
pub fn resume(state: &AppState) {
    for m in state.store.mappings() {
        run(state, &m);
    }
}

/// How mappings' pollers run functions: through the same resolution as
/// Invoke (qualifier, alias weights), as an `RequestResponse` invocation.
pub struct ApiFunctions {
    pub state: std::sync::Weak<AppState>,
}

impl ApiFunctions {
    /// A synchronous invocation through Invoke's resolution.
    async fn run(&self, arn: &str, payload: Bytes) -> Invoked {
        let request_id = uuid::Uuid::new_v4().to_string();
        let not_run = |why: String, version: &str| Invoked {
            outcome: Outcome::NotRun(why),
            request_id: request_id.clone(),
            executed_version: version.to_string(),
            function_error: None,
        };
        let Some(state) = self.state.upgrade() else {
            return not_run("the API is shutting down".into(), "$LATEST");
        };
        let r = match parse_function_ref(arn, None, NameShape::Namespaced, &state.partition) {
            Ok(r) => r,
            Err(e) => return not_run(e.to_string(), "$LATEST"),
        };
        let config = match state.version_to_run(&r) {
            Ok(c) => c,
            Err(e) => return not_run(e.0.to_string(), "$LATEST"),
        };
        let version = config.version.clone();
        let result = state
            .invoker
            .invoke(InvokeRequest {
                request_id: request_id.clone(),
                invoked_arn: crate::invoke::invoked_arn(&state, &r),
                config,
                payload,
                client_context: None,
                tail: false,
                stream: None,
            })
            .await;
        match result {
            Ok(r) => Invoked {
                outcome: if r.function_error.is_some() {
                    Outcome::FunctionError(r.payload)
                } else {
                    Outcome::Answered(r.payload)
                },
                request_id: r.request_id,
                executed_version: r.executed_version,
                function_error: r.function_error.map(str::to_string),
            },
            Err(InvokeError::Throttled(_)) => not_run("throttled".into(), &version),
            Err(e) => not_run(e.to_string(), &version),
        }
    }
}

impl lambdalite_events::Functions for ApiFunctions {
    fn invoke(&self, function_arn: &str, payload: Bytes) -> BoxFuture<'_, Outcome> {
        let arn = function_arn.to_string();
        Box::pin(async move { self.run(&arn, payload).await.outcome })
    }

    fn invoke_detailed(&self, function_arn: &str, payload: Bytes) -> BoxFuture<'_, Invoked> {
        let arn = function_arn.to_string();
        Box::pin(async move { self.run(&arn, payload).await })
    }

    fn role(&self, function_arn: &str) -> Option<String> {
        let state = self.state.upgrade()?;
        let r =
            parse_function_ref(function_arn, None, NameShape::Namespaced, &state.partition).ok()?;
        Some(state.version_to_run(&r).ok()?.role.clone())
    }

    fn invoke_async(
        &self,
        function_arn: &str,
        payload: Bytes,
        principal: &str,
        source_arn: &str,
    ) -> BoxFuture<'_, Result<(), DeliveryError>> {
        let (arn, principal, source) = (
            function_arn.to_string(),
            principal.to_string(),
            source_arn.to_string(),
        );
        Box::pin(async move {
            let Some(state) = self.state.upgrade() else {
                return Err(DeliveryError::retry("the API is shutting down"));
            };
            let r = parse_function_ref(&arn, None, NameShape::Namespaced, &state.partition)
                .map_err(|e| DeliveryError::fatal(e.to_string()).of_kind("RESOURCE_NOT_FOUND"))?;
            state
                .version_to_run(&r)
                .map_err(|e| DeliveryError::fatal(e.0.to_string()).of_kind("RESOURCE_NOT_FOUND"))?;
            // No principal: a service calling with its execution role
            // (Scheduler), which the function's policy does not govern.
            if !principal.is_empty()
                && !crate::policy::service_may_invoke(&state, &r, &principal, &source)
            {
                return Err(DeliveryError::fatal(format!(
                    "{principal} is not authorized to invoke {arn} for {source}"
                ))
                .of_kind("NO_PERMISSIONS"));
            }
            state
                .async_runner
                .accept(
                    uuid::Uuid::new_v4().to_string(),
                    r.name.clone(),
                    r.qualifier.clone(),
                    payload,
                )
                .await
                .map(drop)
                .map_err(|e| DeliveryError::retry(e.to_string()))
        })
    }

    fn permits(&self, function_arn: &str, principal: &str, source_arn: &str) -> bool {
        let Some(state) = self.state.upgrade() else {
            return false;
        };
        let Ok(r) = parse_function_ref(function_arn, None, NameShape::Namespaced, &state.partition)
        else {
            return false;
        };
        state.version_to_run(&r).is_ok()
            && crate::policy::service_may_invoke(&state, &r, principal, source_arn)
    }
}

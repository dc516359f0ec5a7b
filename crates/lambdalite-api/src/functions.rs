//! Function operations: CreateFunction, GetFunction, GetFunctionConfiguration,
//! ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration,
//! DeleteFunction, and GetAccountSettings.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::config::{FunctionConfig, View, LATEST};
use lambdalite_model::validate::{
    self, CreateFunctionInput, SettingsInput, UpdateFunctionCodeInput,
};
use lambdalite_model::{limits, FunctionRef, LambdaError};
use lambdalite_store::FunctionRecord;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::AppState;

type AppStateRef = State<Arc<AppState>>;

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(LambdaError::internal(e)))?
}

fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl AppState {
    pub(crate) fn resolve(
        &self,
        name: &str,
        query: &QueryParams,
        shape: NameShape,
    ) -> ApiResult<FunctionRef> {
        Ok(parse_function_ref(
            name,
            query.get("Qualifier"),
            shape,
            &self.partition,
        )?)
    }

    fn not_found(&self, r: &FunctionRef) -> ApiError {
        let arn = match &r.qualifier {
            Some(q) => self.partition.qualified_arn(&r.name, q),
            None => self.partition.function_arn(&r.name),
        };
        ApiError(LambdaError::function_not_found(arn))
    }

    /// The configuration a reference names.
    pub(crate) fn lookup(
        &self,
        r: &FunctionRef,
    ) -> ApiResult<(Arc<FunctionRecord>, Arc<FunctionConfig>)> {
        let record = self.store.get(&r.name).ok_or_else(|| self.not_found(r))?;
        match r.qualifier.as_deref() {
            None | Some(LATEST) => {
                let latest = record.latest.clone();
                Ok((record, latest))
            }
            Some(_) => Err(self.not_found(r)),
        }
    }

    /// Says, at create or update time, when a runtime will run on a nearby
    /// interpreter version or can't run here at all.
    fn warn_runtime(&self, config: &FunctionConfig) {
        if let Err(e) = self.invoker.check_runtime(config.runtime.as_deref()) {
            tracing::warn!(function = %config.name, "{e}");
        } else {
            self.invoker.warn_nearest_version(config);
        }
    }

    fn code_location(&self, headers: &HeaderMap, config: &FunctionConfig) -> String {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1:9001");
        format!(
            "http://{host}/_lambdalite/code/{}.zip",
            config.code.sha256_hex
        )
    }
}

fn only_latest_for_update(r: &FunctionRef, state: &AppState) -> ApiResult<()> {
    match r.qualifier.as_deref() {
        None | Some(LATEST) => Ok(()),
        Some(q) => Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "Only $LATEST can be updated; the version or alias '{q}' of {} is immutable.",
            state.partition.function_arn(&r.name)
        )))),
    }
}

pub async fn create(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(body, limits::CODE_REQUEST_MAX_BYTES, "CreateFunction").await?;
    let input: CreateFunctionInput = parse_json(&headers, &body)?;
    drop(body);
    let Some(raw_name) = input.function_name.clone() else {
        return Err(ApiError(LambdaError::Validation(vec![
            "Value null at 'functionName' failed to satisfy constraint: Member must not be null"
                .into(),
        ])));
    };
    let mut errors = Vec::new();
    lambdalite_model::arn::check_function_name(&raw_name, NameShape::Plain, &mut errors);
    if !errors.is_empty() {
        // Report the name's violations together with the rest of the body's.
        if let Err(ApiError(LambdaError::Validation(rest))) =
            validate::create_function(input, raw_name.clone()).map_err(ApiError)
        {
            errors.extend(rest);
        }
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    let r = parse_function_ref(&raw_name, None, NameShape::Plain, &state.partition)?;
    if r.qualifier.is_some() {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "Unsupported function name: a function is created without a version or alias qualifier."
                .into(),
        )));
    }
    let spec = validate::create_function(input, r.name)?;
    if state.store.get(&spec.name).is_some() {
        return Err(ApiError(LambdaError::ResourceConflict(format!(
            "Function already exist: {}",
            spec.name
        ))));
    }
    let st = state.clone();
    let record = blocking(move || {
        let code = st.code.put(&spec.zip)?;
        let mut config = spec.initial_config(code);
        config.revision_id = new_revision();
        Ok(st.store.create(config, spec.tags.clone())?)
    })
    .await?;
    state.warn_runtime(&record.latest);
    tracing::info!(function = %record.latest.name, "function created");
    let body = record.latest.to_wire(&state.partition, View::Creating);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn get_function(
    State(state): AppStateRef,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let r = state.resolve(&name, &q, NameShape::Namespaced)?;
    let (record, config) = state.lookup(&r)?;
    let mut body = json!({
        "Configuration": config.to_wire(&state.partition, View::Full),
        "Code": {
            "RepositoryType": "S3",
            "Location": state.code_location(&headers, &config),
        },
    });
    if !record.tags.is_empty() {
        body["Tags"] = json!(record.tags);
    }
    Ok(Json(body))
}

pub async fn get_configuration(
    State(state): AppStateRef,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let r = state.resolve(&name, &q, NameShape::Namespaced)?;
    let (_, config) = state.lookup(&r)?;
    Ok(Json(config.to_wire(&state.partition, View::Full)))
}

pub async fn list(State(state): AppStateRef, RawQuery(query): RawQuery) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let mut errors = Vec::new();
    let max_items = match q.get("MaxItems") {
        None => limits::LIST_PAGE_MAX,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=10_000).contains(&n) => (n as usize).min(limits::LIST_PAGE_MAX),
            Ok(n) => {
                let rule = if n < 1 {
                    "Member must have value greater than or equal to 1"
                } else {
                    "Member must have value less than or equal to 10000"
                };
                errors.push(format!(
                    "Value '{n}' at 'maxItems' failed to satisfy constraint: {rule}"
                ));
                0
            }
            Err(_) => {
                return Err(ApiError(LambdaError::InvalidParameterValue(format!(
                    "Invalid MaxItems: '{v}' is not an integer."
                ))))
            }
        },
    };
    if let Some(v) = q.get("FunctionVersion") {
        if v != "ALL" {
            errors.push(format!(
                "Value '{v}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    let marker = q.get("Marker").filter(|m| !m.is_empty());
    let all = state.store.list();
    let start = match marker {
        Some(m) => all.partition_point(|f| f.latest.name.as_str() <= m),
        None => 0,
    };
    let page: Vec<_> = all[start..].iter().take(max_items).collect();
    let functions: Vec<Value> = page
        .iter()
        .map(|f| f.latest.to_wire(&state.partition, View::List))
        .collect();
    let mut body = json!({ "Functions": functions });
    if start + page.len() < all.len() {
        if let Some(last) = page.last() {
            body["NextMarker"] = json!(last.latest.name);
        }
    }
    Ok(Json(body))
}

pub async fn update_configuration(
    State(state): AppStateRef,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "UpdateFunctionConfiguration",
    )
    .await?;
    let input: SettingsInput = parse_json(&headers, &body)?;
    let r = parse_function_ref(&name, None, NameShape::Plain, &state.partition)?;
    only_latest_for_update(&r, &state)?;
    let revision = input.revision_id.clone();
    let patch = validate::update_configuration(input)?;
    state.lookup(&r)?;
    let st = state.clone();
    let record = blocking(move || {
        Ok(st
            .store
            .update_latest(&r.name, revision.as_deref(), &mut |current| {
                let mut next = current.clone();
                patch.apply(&mut next);
                next.revision_id = new_revision();
                next.last_modified = lambdalite_model::time::now();
                next
            })?)
    })
    .await?;
    state.invoker.retire_function(&record.latest.name);
    state.warn_runtime(&record.latest);
    tracing::info!(function = %record.latest.name, "configuration updated");
    Ok(Json(
        record.latest.to_wire(&state.partition, View::Updating),
    ))
}

pub async fn update_code(
    State(state): AppStateRef,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let body = read_body(body, limits::CODE_REQUEST_MAX_BYTES, "UpdateFunctionCode").await?;
    let input: UpdateFunctionCodeInput = parse_json(&headers, &body)?;
    drop(body);
    let r = parse_function_ref(&name, None, NameShape::Plain, &state.partition)?;
    only_latest_for_update(&r, &state)?;
    let new_code = validate::update_code(input)?;
    let (_, current) = state.lookup(&r)?;
    if new_code
        .revision_id
        .as_deref()
        .is_some_and(|rev| rev != current.revision_id)
    {
        return Err(ApiError(LambdaError::stale_revision()));
    }
    let st = state.clone();
    let record = blocking(move || {
        let code = st.code.put(&new_code.zip)?;
        if new_code.dry_run {
            let mut preview = (*current).clone();
            preview.code = code;
            return Ok(Arc::new(FunctionRecord {
                latest: Arc::new(preview),
                tags: Default::default(),
            }));
        }
        let old = current.code.clone();
        let record =
            st.store
                .update_latest(&r.name, new_code.revision_id.as_deref(), &mut |cur| {
                    let mut next = cur.clone();
                    next.code = code.clone();
                    if let Some(a) = &new_code.architecture {
                        next.architecture = a.clone();
                    }
                    next.revision_id = new_revision();
                    next.last_modified = lambdalite_model::time::now();
                    next
                })?;
        if !st.store.code_in_use(&old) {
            st.code.remove(&old);
        }
        Ok(record)
    })
    .await?;
    state.invoker.retire_function(&record.latest.name);
    tracing::info!(function = %record.latest.name, "code updated");
    Ok(Json(
        record.latest.to_wire(&state.partition, View::Updating),
    ))
}

pub async fn delete(
    State(state): AppStateRef,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let r = state.resolve(&name, &q, NameShape::Namespaced)?;
    match r.qualifier.as_deref() {
        None => {}
        Some(LATEST) => {
            return Err(ApiError(LambdaError::InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function.".into(),
            )))
        }
        Some(_) => return Err(state.not_found(&r)),
    }
    state.lookup(&r)?;
    let st = state.clone();
    let name = r.name.clone();
    blocking(move || {
        let removed = st.store.delete(&name)?;
        if !st.store.code_in_use(&removed.latest.code) {
            st.code.remove(&removed.latest.code);
        }
        Ok(())
    })
    .await
    .map_err(|e| match e {
        ApiError(LambdaError::ResourceNotFound(_)) => state.not_found(&r),
        other => other,
    })?;
    state.invoker.retire_function(&r.name);
    tracing::info!(function = %r.name, "function deleted");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn account_settings(State(state): AppStateRef) -> Json<Value> {
    let functions = state.store.list();
    let total_code: u64 = functions.iter().map(|f| f.latest.code.size).sum();
    Json(json!({
        "AccountLimit": {
            "TotalCodeSize": limits::TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": limits::UNZIPPED_MAX_BYTES,
            "CodeSizeZipped": limits::ZIP_MAX_BYTES,
            "ConcurrentExecutions": state.account_concurrency,
            "UnreservedConcurrentExecutions": state.account_concurrency,
        },
        "AccountUsage": {
            "TotalCodeSize": total_code,
            "FunctionCount": functions.len(),
        },
    }))
}

/// Serves a stored zip: where GetFunction's `Code.Location` points.
pub async fn download_code(
    State(state): AppStateRef,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let hex = file.strip_suffix(".zip").unwrap_or("");
    let valid = hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let not_found = || {
        ApiError(LambdaError::ResourceNotFound(format!(
            "No code package {file}"
        )))
    };
    if !valid {
        return Err(not_found());
    }
    let bytes = tokio::fs::read(state.code.zip_path(hex))
        .await
        .map_err(|_| not_found())?;
    Ok(([(header::CONTENT_TYPE, "application/zip")], bytes).into_response())
}

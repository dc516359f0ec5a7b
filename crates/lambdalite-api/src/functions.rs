//! Function operations: CreateFunction, GetFunction, GetFunctionConfiguration,
//! ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration,
//! DeleteFunction, and GetAccountSettings.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::alias::is_version_number;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::config::{FunctionConfig, View, LATEST};
use lambdalite_model::validate::{
    self, CreateFunctionInput, SettingsInput, UpdateFunctionCodeInput,
};
use lambdalite_model::{limits, FunctionRef, LambdaError};
use lambdalite_store::{Change, FunctionRecord};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::AppState;

type AppStateRef = State<Arc<AppState>>;

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(LambdaError::internal(e)))?
}

pub(crate) fn new_revision() -> String {
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

    /// A function's record, or AWS's not-found error.
    pub(crate) fn record(&self, name: &str) -> ApiResult<Arc<FunctionRecord>> {
        self.store.get(name).ok_or_else(|| {
            self.not_found(&FunctionRef {
                name: name.to_string(),
                qualifier: None,
            })
        })
    }

    pub(crate) fn not_found(&self, r: &FunctionRef) -> ApiError {
        let arn = match &r.qualifier {
            Some(q) => self.partition.qualified_arn(&r.name, q),
            None => self.partition.function_arn(&r.name),
        };
        ApiError(LambdaError::function_not_found(arn))
    }

    /// What a reference names: `$LATEST`, a published version, or an alias
    /// (resolved to its primary version).
    pub(crate) fn lookup(&self, r: &FunctionRef) -> ApiResult<Resolved> {
        let record = self.store.get(&r.name).ok_or_else(|| self.not_found(r))?;
        let (config, alias) = match r.qualifier.as_deref() {
            None | Some(LATEST) => (record.latest.clone(), None),
            Some(q) if is_version_number(q) => {
                let c = record
                    .version(q)
                    .cloned()
                    .ok_or_else(|| self.not_found(r))?;
                (c, None)
            }
            Some(q) => {
                let alias = record
                    .aliases
                    .get(q)
                    .cloned()
                    .ok_or_else(|| self.not_found(r))?;
                let c = record
                    .version(&alias.function_version)
                    .cloned()
                    .ok_or_else(|| self.not_found(r))?;
                (c, Some(alias))
            }
        };
        Ok(Resolved {
            record,
            config,
            alias,
            qualifier: r.qualifier.clone(),
        })
    }

    /// A configuration's JSON as seen through the reference used: through
    /// an alias, AWS reports the alias ARN.
    pub(crate) fn config_wire(&self, resolved: &Resolved, view: View) -> Value {
        let mut v = resolved.config.to_wire(&self.partition, view);
        // A qualified reference (`$LATEST`, a version or an alias) is
        // answered under the qualified ARN.
        if let Some(q) = &resolved.qualifier {
            v["FunctionArn"] = json!(self.partition.qualified_arn(&resolved.config.name, q));
        }
        v
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

    pub(crate) fn code_location(&self, headers: &HeaderMap, sha256_hex: &str) -> String {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1:9001");
        format!("http://{host}/_lambdalite/code/{sha256_hex}.zip")
    }
}

/// A reference resolved against the store.
pub(crate) struct Resolved {
    pub record: Arc<FunctionRecord>,
    pub config: Arc<FunctionConfig>,
    pub alias: Option<Arc<lambdalite_model::Alias>>,
    /// The qualifier the caller used, if any.
    pub qualifier: Option<String>,
}

pub(crate) fn only_latest_for_update(r: &FunctionRef, state: &AppState) -> ApiResult<()> {
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
    if r.name.chars().count() > limits::FUNCTION_NAME_MAX {
        return Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "1 validation error detected: Value '{}' at 'functionName' failed to satisfy \
             constraint: Member must have length less than or equal to {}",
            r.name,
            limits::FUNCTION_NAME_MAX
        ))));
    }
    let spec = validate::create_function(input, r.name)?;
    if state.store.get(&spec.name).is_some() {
        return Err(ApiError(LambdaError::ResourceConflict(format!(
            "Function already exist: {}",
            spec.name
        ))));
    }
    let layers = match &spec.settings.layers {
        Some(arns) => crate::layers::resolve_layers(&state, arns)?,
        None => Vec::new(),
    };
    let st = state.clone();
    let record = blocking(move || {
        let code = crate::code_objects::store(&st, &spec.code)?;
        crate::layers::check_total_size(&code, &layers)?;
        crate::layers::merge(&st, &layers)?;
        let mut config = spec.initial_config(code);
        config.layers = layers;
        config.revision_id = new_revision();
        let first = spec
            .publish
            .then(|| crate::versions::snapshot(&config, 1, None));
        Ok(st.store.create(config, first, spec.tags.clone())?)
    })
    .await?;
    state.warn_runtime(&record.latest);
    tracing::info!(function = %record.latest.name, "function created");
    let shown = record.versions.get(&1).unwrap_or(&record.latest);
    let mut body = shown.to_wire(&state.partition, View::Creating);
    // With Publish, AWS describes version 1 under the unqualified ARN.
    body["FunctionArn"] = json!(state.partition.function_arn(&shown.name));
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
    let resolved = state.lookup(&r)?;
    let mut body = json!({
        "Configuration": state.config_wire(&resolved, View::Full),
        "Code": {
            "RepositoryType": "S3",
            "Location": state.code_location(&headers, &resolved.config.code.sha256_hex),
        },
    });
    if !resolved.record.tags.is_empty() {
        body["Tags"] = json!(resolved.record.tags);
    }
    if let Some(n) = resolved.record.reserved_concurrency {
        body["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
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
    let resolved = state.lookup(&r)?;
    Ok(Json(state.config_wire(&resolved, View::Full)))
}

pub async fn list(State(state): AppStateRef, RawQuery(query): RawQuery) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let max = crate::versions::max_items(&q)?;
    let all_versions = match q.get("FunctionVersion") {
        None => false,
        Some("ALL") => true,
        Some(v) => {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{v}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
            )])))
        }
    };
    // Markers are the name (or name:version) of the last item of a page.
    let mut items: Vec<(String, Value)> = Vec::new();
    for f in state.store.list() {
        if all_versions {
            for c in f.all_configs() {
                let mut v = c.to_wire(&state.partition, View::List);
                if c.version == LATEST {
                    v["FunctionArn"] = json!(state.partition.qualified_arn(&c.name, LATEST));
                }
                items.push((format!("{}:{}", c.name, c.version), v));
            }
        } else {
            items.push((
                f.latest.name.clone(),
                f.latest.to_wire(&state.partition, View::List),
            ));
        }
    }
    Ok(crate::versions::list_body(
        "Functions",
        items,
        q.get("Marker"),
        max,
    ))
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
    let layers = match &patch.layers {
        Some(arns) => Some(crate::layers::resolve_layers(&state, arns)?),
        None => None,
    };
    let st = state.clone();
    let record = blocking(move || {
        if let Some(layers) = &layers {
            crate::layers::merge(&st, layers)?;
        }
        Ok(st.store.update(&r.name, &mut |rec| {
            check_revision(revision.as_deref(), &rec.latest.revision_id)?;
            let mut next = (*rec.latest).clone();
            patch.apply(&mut next);
            if let Some(layers) = &layers {
                crate::layers::check_total_size(&next.code, layers)?;
                next.layers = layers.clone();
            }
            next.revision_id = new_revision();
            next.last_modified = lambdalite_model::time::now();
            Ok(vec![Change::PutLatest(next)])
        })?)
    })
    .await?;
    state.invoker.retire_version(&record.latest.name, LATEST);
    state.warn_runtime(&record.latest);
    tracing::info!(function = %record.latest.name, "configuration updated");
    Ok(Json(
        record.latest.to_wire(&state.partition, View::Updating),
    ))
}

/// Refuses a change whose caller saw another revision.
pub(crate) fn check_revision(given: Option<&str>, current: &str) -> Result<(), LambdaError> {
    match given {
        Some(rev) if rev != current => Err(LambdaError::stale_revision()),
        _ => Ok(()),
    }
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
    let current = state.lookup(&r)?.config;
    check_revision(new_code.revision_id.as_deref(), &current.revision_id)?;
    let st = state.clone();
    let shown = blocking(move || {
        let code = crate::code_objects::store(&st, &new_code.code)?;
        crate::layers::check_total_size(&code, &current.layers)?;
        if new_code.dry_run {
            let mut preview = (*current).clone();
            preview.code = code;
            return Ok(Arc::new(preview));
        }
        let old = current.code.clone();
        let record = st.store.update(&r.name, &mut |rec| {
            check_revision(new_code.revision_id.as_deref(), &rec.latest.revision_id)?;
            let mut next = (*rec.latest).clone();
            next.code = code.clone();
            if let Some(a) = &new_code.architecture {
                next.architecture = a.clone();
            }
            next.revision_id = new_revision();
            next.last_modified = lambdalite_model::time::now();
            let mut changes = vec![Change::PutLatest(next.clone())];
            if new_code.publish {
                changes.extend(crate::versions::publish_changes(rec, &next, None));
            }
            Ok(changes)
        })?;
        if !st.store.code_in_use(&old) {
            st.code.remove(&old);
        }
        let shown = if new_code.publish {
            record
                .versions
                .values()
                .next_back()
                .cloned()
                .unwrap_or_else(|| record.latest.clone())
        } else {
            record.latest.clone()
        };
        Ok(shown)
    })
    .await?;
    state.invoker.retire_version(&shown.name, LATEST);
    tracing::info!(function = %shown.name, "code updated");
    // With Publish, the answer is the new version, which AWS reports as
    // being created.
    let view = if shown.version == LATEST {
        View::Updating
    } else {
        View::Creating
    };
    Ok(Json(shown.to_wire(&state.partition, view)))
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
        Some(q) if is_version_number(q) => {
            return crate::versions::delete_version(&state, &r, q).await;
        }
        Some(q) if lambdalite_model::alias::is_alias_name(q) => {
            return Err(ApiError(LambdaError::InvalidParameterValue(
                "Deletion of aliases is not currently supported.".into(),
            )));
        }
        // Neither a version nor an alias (`$latest`): nothing by that name.
        Some(_) => {
            let unqualified = FunctionRef {
                name: r.name.clone(),
                qualifier: None,
            };
            state.lookup(&unqualified)?;
            return Err(state.not_found(&r));
        }
    }
    state.lookup(&r)?;
    let st = state.clone();
    let name = r.name.clone();
    blocking(move || {
        let removed = st.store.delete(&name)?;
        for config in removed.all_configs() {
            if !st.store.code_in_use(&config.code) {
                st.code.remove(&config.code);
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| match e {
        ApiError(LambdaError::ResourceNotFound(_)) => state.not_found(&r),
        other => other,
    })?;
    state.invoker.retire_function(&r.name);
    state.invoker.admission().set_reserved(&r.name, None);
    tracing::info!(function = %r.name, "function deleted");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn account_settings(State(state): AppStateRef) -> Json<Value> {
    let functions = state.store.list();
    // Every stored version's package counts, and every layer version's.
    let function_code: u64 = functions
        .iter()
        .flat_map(|f| f.all_configs().map(|c| c.code.size).collect::<Vec<_>>())
        .sum();
    let layer_code: u64 = state
        .store
        .layers()
        .iter()
        .flat_map(|l| l.versions.values().map(|v| v.code.size).collect::<Vec<_>>())
        .sum();
    let total_code = function_code + layer_code;
    Json(json!({
        "AccountLimit": {
            "TotalCodeSize": limits::TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": limits::UNZIPPED_MAX_BYTES,
            "CodeSizeZipped": limits::ZIP_MAX_BYTES,
            "ConcurrentExecutions": state.invoker.admission().limit(),
            "UnreservedConcurrentExecutions": state.invoker.admission().unreserved(),
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

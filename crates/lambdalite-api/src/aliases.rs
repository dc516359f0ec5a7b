//! Aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::alias::{check_alias_name, check_function_version, check_routing};
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::{limits, Alias, FunctionRef, LambdaError};
use lambdalite_store::{Change, FunctionRecord};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::{blocking, check_revision, new_revision};
use crate::versions::{list_body, max_items};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoutingInput {
    pub additional_version_weights: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasInput {
    pub name: Option<String>,
    pub function_version: Option<String>,
    pub description: Option<String>,
    pub routing_config: Option<RoutingInput>,
    pub revision_id: Option<String>,
}

fn function_name(state: &AppState, raw: &str) -> ApiResult<String> {
    Ok(parse_function_ref(raw, None, NameShape::Plain, &state.partition)?.name)
}

fn check_input(input: &AliasInput, name: Option<&str>) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Some(n) = name {
        check_alias_name(n, &mut errors);
    }
    if let Some(v) = &input.function_version {
        check_function_version(v, &mut errors);
    }
    if let Some(d) = &input.description {
        if d.chars().count() > 256 {
            errors.push(format!(
                "Value '{d}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError(LambdaError::Validation(errors)))
    }
}

fn alias_not_found(state: &AppState, function: &str, alias: &str) -> LambdaError {
    LambdaError::ResourceNotFound(format!(
        "Cannot find alias arn: {}",
        state.partition.qualified_arn(function, alias)
    ))
}

/// Checks that the versions an alias points to exist.
fn check_versions(
    state: &AppState,
    rec: &FunctionRecord,
    primary: &str,
    routing: &BTreeMap<String, f64>,
) -> Result<(), LambdaError> {
    check_routing(primary, routing)?;
    for v in std::iter::once(primary).chain(routing.keys().map(String::as_str)) {
        if rec.version(v).is_none() {
            return Err(LambdaError::function_not_found(
                state.partition.qualified_arn(&rec.latest.name, v),
            ));
        }
    }
    Ok(())
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, "CreateAlias").await?;
    let input: AliasInput = parse_json(&headers, &body)?;
    let function = function_name(&state, &function)?;
    let mut missing = Vec::new();
    if input.name.is_none() {
        missing.push(
            "Value null at 'name' failed to satisfy constraint: Member must not be null"
                .to_string(),
        );
    }
    if input.function_version.is_none() {
        missing.push(
            "Value null at 'functionVersion' failed to satisfy constraint: Member must not be null"
                .to_string(),
        );
    }
    if !missing.is_empty() {
        return Err(ApiError(LambdaError::Validation(missing)));
    }
    let name = input.name.clone().unwrap_or_default();
    check_input(&input, Some(&name))?;
    if state.store.get(&function).is_none() {
        return Err(state.not_found(&FunctionRef {
            name: function,
            qualifier: input.function_version.clone(),
        }));
    }
    let st = state.clone();
    let f = function.clone();
    let shown = name.clone();
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            if rec.aliases.contains_key(&name) {
                return Err(LambdaError::ResourceConflict(format!(
                    "Alias already exists: {}",
                    st.partition.qualified_arn(&f, &name)
                )));
            }
            let primary = input.function_version.clone().unwrap_or_default();
            let routing = input
                .routing_config
                .as_ref()
                .and_then(|r| r.additional_version_weights.clone())
                .unwrap_or_default();
            check_versions(&st, rec, &primary, &routing)?;
            Ok(vec![Change::PutAlias(Alias {
                function: f.clone(),
                name: name.clone(),
                function_version: primary,
                description: input.description.clone().unwrap_or_default(),
                routing,
                revision_id: new_revision(),
            })])
        })?)
    })
    .await?;
    let alias = record
        .aliases
        .get(&shown)
        .ok_or_else(|| ApiError(LambdaError::internal("alias missing after create")))?;
    Ok((StatusCode::CREATED, Json(alias.to_wire(&state.partition))).into_response())
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path((function, alias)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let function = function_name(&state, &function)?;
    check_input(&AliasInput::default(), Some(&alias))?;
    let record = state.record(&function)?;
    let a = record
        .aliases
        .get(&alias)
        .ok_or_else(|| ApiError(alias_not_found(&state, &function, &alias)))?;
    Ok(Json(a.to_wire(&state.partition)))
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    Path((function, alias)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, "UpdateAlias").await?;
    let input: AliasInput = parse_json(&headers, &body)?;
    let function = function_name(&state, &function)?;
    check_input(&input, Some(&alias))?;
    if state.store.get(&function).is_none() {
        return Err(state.not_found(&FunctionRef {
            name: function,
            qualifier: None,
        }));
    }
    let st = state.clone();
    let (f, a) = (function.clone(), alias.clone());
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            let current = rec.aliases.get(&a).ok_or_else(|| {
                LambdaError::ResourceNotFound(format!(
                    "Alias not found: {}",
                    st.partition.qualified_arn(&f, &a)
                ))
            })?;
            check_revision(input.revision_id.as_deref(), &current.revision_id)?;
            let mut next = (**current).clone();
            if let Some(v) = &input.function_version {
                next.function_version = v.clone();
            }
            if let Some(d) = &input.description {
                next.description = d.clone();
            }
            if let Some(r) = &input.routing_config {
                next.routing = r.additional_version_weights.clone().unwrap_or_default();
            }
            check_versions(&st, rec, &next.function_version, &next.routing)?;
            next.revision_id = new_revision();
            Ok(vec![Change::PutAlias(next)])
        })?)
    })
    .await?;
    let a = record
        .aliases
        .get(&alias)
        .ok_or_else(|| ApiError(LambdaError::internal("alias missing after update")))?;
    Ok(Json(a.to_wire(&state.partition)))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path((function, alias)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let function = function_name(&state, &function)?;
    check_input(&AliasInput::default(), Some(&alias))?;
    if state.store.get(&function).is_none() {
        return Err(state.not_found(&FunctionRef {
            name: function,
            qualifier: None,
        }));
    }
    let st = state.clone();
    let (before, after) = blocking(move || {
        let before = st.store.get(&function);
        let after = st.store.update(&function, &mut |rec| {
            Ok(if rec.aliases.contains_key(&alias) {
                vec![Change::DeleteAlias(alias.clone())]
            } else {
                Vec::new()
            })
        })?;
        Ok((before.map(|b| (b, alias)), after))
    })
    .await?;
    // An alias's provisioned environments go with it: the version keeps
    // only what its other configs ask for.
    if let Some((before, alias)) = before {
        if before.provisioned.contains_key(&alias) {
            if let Some(a) = before.aliases.get(&alias) {
                crate::provisioned::apply(&state, &after, &a.function_version);
            }
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(function): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let function = function_name(&state, &function)?;
    let max = max_items(&q)?;
    let filter = q.get("FunctionVersion");
    if let Some(v) = filter {
        let mut errors = Vec::new();
        check_function_version(v, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError(LambdaError::Validation(errors)));
        }
    }
    let record = state.record(&function)?;
    let items: Vec<(String, Value)> = record
        .aliases
        .values()
        .filter(|a| filter.is_none_or(|v| a.function_version == v))
        .map(|a| (a.name.clone(), a.to_wire(&state.partition)))
        .collect();
    Ok(list_body("Aliases", items, q.get("Marker"), max))
}

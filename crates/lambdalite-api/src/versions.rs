//! Versions: PublishVersion, ListVersionsByFunction, and deleting one version.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::config::{FunctionConfig, View};
use lambdalite_model::{limits, FunctionRef, LambdaError};
use lambdalite_store::{Change, FunctionRecord};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::{blocking, check_revision, new_revision};
use crate::AppState;

/// A published copy of `latest` numbered `n`.
pub(crate) fn snapshot(
    latest: &FunctionConfig,
    n: u64,
    description: Option<&str>,
) -> FunctionConfig {
    let mut v = latest.clone();
    v.version = n.to_string();
    v.revision_id = new_revision();
    v.last_modified = lambdalite_model::time::now();
    if let Some(d) = description {
        v.description = d.to_string();
    }
    v
}

/// Whether a version holds the same code and configuration as `latest`.
fn same_content(version: &FunctionConfig, latest: &FunctionConfig) -> bool {
    let mut a = version.clone();
    a.version = latest.version.clone();
    a.revision_id = latest.revision_id.clone();
    a.last_modified = latest.last_modified.clone();
    // A version's description is $LATEST's unless PublishVersion gave one;
    // a changed description is a change to publish, as on AWS.
    a == *latest
}

/// The changes that publish `latest` as the next version, or none when the
/// newest version already holds exactly it (AWS publishes nothing then).
pub(crate) fn publish_changes(
    rec: &FunctionRecord,
    latest: &FunctionConfig,
    description: Option<&str>,
) -> Vec<Change> {
    if let Some(newest) = rec.versions.values().next_back() {
        if same_content(newest, latest) {
            return Vec::new();
        }
    }
    // Publishing gives $LATEST a new RevisionId too, as AWS does.
    let mut latest_after = latest.clone();
    latest_after.revision_id = new_revision();
    vec![
        Change::PutVersion(snapshot(latest, rec.last_version + 1, description)),
        Change::PutLatest(latest_after),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishVersionInput {
    pub code_sha256: Option<String>,
    pub description: Option<String>,
    pub revision_id: Option<String>,
}

pub async fn publish(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, "PublishVersion").await?;
    let input: PublishVersionInput = parse_json(&headers, &body)?;
    let r = parse_function_ref(&name, None, NameShape::Plain, &state.partition)?;
    crate::functions::only_latest_for_update(&r, &state)?;
    if let Some(d) = &input.description {
        if d.chars().count() > 256 {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{d}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"
            )])));
        }
    }
    state.lookup(&r)?;
    let st = state.clone();
    let record = blocking(move || {
        Ok(st.store.update(&r.name, &mut |rec| {
            if let Some(sha) = &input.code_sha256 {
                if *sha != rec.latest.code.sha256_b64 {
                    return Err(LambdaError::InvalidParameterValue(format!(
                        "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                        rec.latest.code.sha256_b64
                    )));
                }
            }
            check_revision(input.revision_id.as_deref(), &rec.latest.revision_id)?;
            Ok(publish_changes(rec, &rec.latest, input.description.as_deref()))
        })?)
    })
    .await?;
    let newest = record
        .versions
        .values()
        .next_back()
        .cloned()
        .ok_or_else(|| ApiError(LambdaError::internal("no version after publishing")))?;
    tracing::info!(function = %newest.name, version = %newest.version, "version published");
    Ok((
        StatusCode::CREATED,
        Json(newest.to_wire(&state.partition, View::Full)),
    )
        .into_response())
}

/// Parses MaxItems (1–10,000; pages hold at most 50).
pub(crate) fn max_items(q: &QueryParams) -> ApiResult<usize> {
    match q.get("MaxItems") {
        None => Ok(limits::LIST_PAGE_MAX),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=10_000).contains(&n) => Ok((n as usize).min(limits::LIST_PAGE_MAX)),
            Ok(n) => {
                let rule = if n < 1 {
                    "Member must have value greater than or equal to 1"
                } else {
                    "Member must have value less than or equal to 10000"
                };
                Err(ApiError(LambdaError::Validation(vec![format!(
                    "Value '{n}' at 'maxItems' failed to satisfy constraint: {rule}"
                )])))
            }
            Err(_) => Err(ApiError(LambdaError::InvalidParameterValue(format!(
                "Invalid MaxItems: '{v}' is not an integer."
            )))),
        },
    }
}

/// One page of `items` after `marker` (the key of the last item of the
/// previous page), with the next marker.
pub(crate) fn page<T>(
    items: Vec<(String, T)>,
    marker: Option<&str>,
    max: usize,
) -> (Vec<T>, Option<String>) {
    let start = match marker.filter(|m| !m.is_empty()) {
        // A marker whose item is gone: resume where it would sort.
        Some(m) => items.iter().position(|(k, _)| k == m).map_or_else(
            || items.partition_point(|(k, _)| k.as_str() <= m),
            |i| i + 1,
        ),
        None => 0,
    };
    let total = items.len();
    let mut out = Vec::new();
    let mut last_key = None;
    for (k, v) in items.into_iter().skip(start).take(max) {
        last_key = Some(k);
        out.push(v);
    }
    let next = (start + out.len() < total).then_some(last_key).flatten();
    (out, next)
}

/// A list operation's body: one page of `items` under `key`, with
/// `NextMarker` when more follow.
pub(crate) fn list_body(
    key: &str,
    items: Vec<(String, Value)>,
    marker: Option<&str>,
    max: usize,
) -> Json<Value> {
    let (page_items, next) = page(items, marker, max);
    let mut body = json!({ key: page_items });
    if let Some(n) = next {
        body["NextMarker"] = json!(n);
    }
    Json(body)
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
        .all_configs()
        .map(|c| {
            let mut v = c.to_wire(&state.partition, View::List);
            if c.version == lambdalite_model::LATEST {
                v["FunctionArn"] = json!(state.partition.qualified_arn(&c.name, &c.version));
            }
            (c.version.clone(), v)
        })
        .collect();
    Ok(list_body("Versions", items, q.get("Marker"), max))
}

/// DeleteFunction with a version number: that version only.
pub(crate) async fn delete_version(
    state: &Arc<AppState>,
    r: &FunctionRef,
    version: &str,
) -> ApiResult<StatusCode> {
    let unqualified = FunctionRef {
        name: r.name.clone(),
        qualifier: None,
    };
    let n: u64 = version.parse().map_err(|_| state.not_found(&unqualified))?;
    let record = state
        .store
        .get(&r.name)
        .ok_or_else(|| state.not_found(&unqualified))?;
    // AWS answers a version that is not there (or no longer) as deleted.
    if !record.versions.contains_key(&n) {
        return Ok(StatusCode::NO_CONTENT);
    }
    let resolved = state.lookup(r)?;
    let users: Vec<String> = resolved
        .record
        .aliases
        .values()
        .filter(|a| a.function_version == version || a.routing.contains_key(version))
        .map(|a| a.name.clone())
        .collect();
    if !users.is_empty() {
        return Err(ApiError(LambdaError::ResourceConflict(format!(
            "Unable to delete version because the following aliases reference it: [{}]",
            users.join(", ")
        ))));
    }
    let st = state.clone();
    let name = r.name.clone();
    let removed = resolved.config.clone();
    let missing = state.not_found(r);
    blocking(move || {
        st.store.update(&name, &mut |rec| {
            if !rec.versions.contains_key(&n) {
                return Err(missing.0.clone());
            }
            Ok(vec![Change::DeleteVersion(n)])
        })?;
        if !st.store.code_in_use(&removed.code) {
            st.code.remove(&removed.code);
        }
        Ok(())
    })
    .await?;
    state.invoker.retire_version(&r.name, version);
    tracing::info!(function = %r.name, version, "version deleted");
    Ok(StatusCode::NO_CONTENT)
}

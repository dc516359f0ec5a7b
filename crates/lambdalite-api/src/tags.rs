//! Tags of functions: TagResource, UntagResource, ListTags on
//! `/2017-03-31/tags/{ARN}`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lambdalite_model::{limits, LambdaError};
use lambdalite_store::{Change, FunctionRecord};
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body};
use crate::functions::{blocking, new_revision};
use crate::AppState;

/// AWS's limit of tags on one resource.
pub const MAX_TAGS: usize = 50;

/// The ARNs TagResource, UntagResource and ListTags take, as AWS quotes the
/// pattern.
const RESOURCE_PATTERN: &str = r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)";
static RESOURCE_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{RESOURCE_PATTERN})$")).expect("a valid pattern"));
/// The parts of a resource ARN that matched [`RESOURCE_PATTERN`].
static RESOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:[^:]*:lambda:(?P<region>[^:]+):(?P<account>\d{12}):(?P<kind>[a-z-]+):(?P<name>[^:]+)(?P<qualifier>:.+)?$")
        .expect("a valid pattern")
});
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").expect("a valid pattern"));
const TAG_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";

#[derive(Debug, Default, Deserialize)]
struct TagInput {
    #[serde(rename = "Tags")]
    tags: Option<BTreeMap<String, String>>,
}

/// The function an ARN names (unqualified, in this region and account).
fn function_of(state: &AppState, arn: &str) -> ApiResult<String> {
    let caps = RESOURCE_SHAPE
        .is_match(arn)
        .then(|| RESOURCE.captures(arn))
        .flatten();
    let Some(caps) = caps else {
        return Err(ApiError(LambdaError::Validation(vec![format!(
            "Value '{arn}' at 'resource' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: {RESOURCE_PATTERN}"
        )])));
    };
    let kind = match &caps["kind"] {
        "function" => None,
        "layer" => Some("Layer"),
        "code-signing-config" => Some("Code signing config"),
        "event-source-mapping" => Some("Event source mapping"),
        _ => Some("Capacity provider"),
    };
    if let Some(kind) = kind {
        // Taggable on AWS; lambdalite has none of these.
        return Err(ApiError(LambdaError::ResourceNotFound(format!(
            "{kind} not found: {arn}"
        ))));
    }
    if caps.name("qualifier").is_some() {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "Tags on function aliases and versions are not supported. Please specify a function ARN."
                .into(),
        )));
    }
    let name = caps["name"].to_string();
    let here =
        caps["region"] == state.partition.region && caps["account"] == state.partition.account_id;
    if !here || state.store.get(&name).is_none() {
        return Err(ApiError(LambdaError::function_not_found(arn)));
    }
    Ok(name)
}

/// A tag change: the new tags, and a new RevisionId for the function (AWS
/// gives it one on every tag change).
fn tag_changes(record: &FunctionRecord, tags: BTreeMap<String, String>) -> Vec<Change> {
    let mut latest = (*record.latest).clone();
    latest.revision_id = new_revision();
    vec![Change::SetTags(tags), Change::PutLatest(latest)]
}

fn check_keys<'a>(errors: &mut Vec<String>, keys: impl Iterator<Item = &'a String>) {
    for k in keys {
        if k.is_empty() || k.chars().count() > 128 || !TAG.is_match(k) {
            errors.push(format!(
                "Value '{k}' at 'tagKeys' failed to satisfy constraint: Member must satisfy \
                 regular expression pattern: {TAG_PATTERN} and have length from 1 to 128"
            ));
        }
    }
}

fn reserved(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

pub async fn tag_resource(
    State(state): State<Arc<AppState>>,
    Path(arn): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, "TagResource").await?;
    let input: TagInput = parse_json(&headers, &body)?;
    let Some(tags) = input.tags else {
        return Err(ApiError(LambdaError::Validation(vec![
            "Value null at 'tags' failed to satisfy constraint: Member must not be null".into(),
        ])));
    };
    let mut errors = Vec::new();
    for (k, v) in &tags {
        if k.is_empty() || k.chars().count() > 128 || !TAG.is_match(k) {
            errors.push(format!(
                "Value '{{{k}={v}}}' at 'tags' failed to satisfy constraint: Map keys must \
                 satisfy constraint: [Member must have length less than or equal to 128, Member \
                 must have length greater than or equal to 1, Member must satisfy regular \
                 expression pattern: {TAG_PATTERN}]"
            ));
        }
        if v.chars().count() > 256 || !TAG.is_match(v) {
            errors.push(format!(
                "Value '{{{k}={v}}}' at 'tags' failed to satisfy constraint: Map value must \
                 satisfy constraint: [Member must have length less than or equal to 256, Member \
                 must satisfy regular expression pattern: {TAG_PATTERN}]"
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    if tags.is_empty() {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "An error occurred and the request cannot be processed.".into(),
        )));
    }
    if let Some(k) = tags.keys().find(|k| reserved(k)) {
        return Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "The key '{k}' starts with 'aws:', which is reserved for AWS use."
        ))));
    }
    let name = function_of(&state, &arn)?;
    let st = state.clone();
    blocking(move || {
        st.store.update(&name, &mut |record| {
            let mut next = record.tags.clone();
            next.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            if next.len() > MAX_TAGS {
                return Err(LambdaError::InvalidParameterValue(
                    "Number of tags exceeds resource tag limit.".into(),
                ));
            }
            Ok(tag_changes(record, next))
        })?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn untag_resource(
    State(state): State<Arc<AppState>>,
    Path(arn): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    // `tagKeys` repeats, once per key.
    let keys: Vec<String> = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k == "tagKeys")
        .map(|(_, v)| crate::auth::percent_decode(&v.replace('+', " ")))
        .collect();
    if keys.is_empty() {
        return Err(ApiError(LambdaError::Validation(vec![
            "Value null at 'tagKeys' failed to satisfy constraint: Member must not be null".into(),
        ])));
    }
    let mut errors = Vec::new();
    check_keys(&mut errors, keys.iter());
    if !errors.is_empty() {
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    if let Some(k) = keys.iter().find(|k| reserved(k)) {
        return Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "The key '{k}' starts with 'aws:', which is reserved for AWS use."
        ))));
    }
    let name = function_of(&state, &arn)?;
    let st = state.clone();
    blocking(move || {
        st.store.update(&name, &mut |record| {
            let mut next = record.tags.clone();
            for k in &keys {
                next.remove(k);
            }
            Ok(tag_changes(record, next))
        })?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_tags(
    State(state): State<Arc<AppState>>,
    Path(arn): Path<String>,
) -> ApiResult<Json<Value>> {
    let name = function_of(&state, &arn)?;
    let record = state
        .store
        .get(&name)
        .ok_or_else(|| ApiError(LambdaError::function_not_found(&arn)))?;
    Ok(Json(json!({ "Tags": record.tags })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_arns() {
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f-1";
        assert!(RESOURCE_SHAPE.is_match(arn));
        let c = RESOURCE.captures(arn).unwrap();
        assert_eq!((&c["kind"], &c["name"]), ("function", "f-1"));
        let qualified = "arn:aws:lambda:us-east-1:000000000000:function:f:prod";
        assert!(RESOURCE_SHAPE.is_match(qualified));
        assert!(RESOURCE
            .captures(qualified)
            .unwrap()
            .name("qualifier")
            .is_some());
        assert!(!RESOURCE_SHAPE.is_match("arn:aws:lambda:us-east-1:0:function:f"));
        assert!(!RESOURCE_SHAPE.is_match("arn:aws:lambda:us-east-1:000000000000:foobar:f"));
        assert!(reserved("AWS:x") && reserved("aws:") && !reserved("aw") && !reserved("é"));
    }
}

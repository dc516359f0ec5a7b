//! Layers: PublishLayerVersion, GetLayerVersion(ByArn), ListLayers,
//! ListLayerVersions, DeleteLayerVersion and layer version permissions; and
//! resolving the layers a function names.

use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::config::CodeRef;
use lambdalite_model::layer::{LayerRef, LayerVersion};
use lambdalite_model::{limits, runtime, LambdaError};
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::{blocking, new_revision};
use crate::versions::list_body;
use crate::AppState;

const LAYER_NAME_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

static LAYER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:(?P<n1>[a-zA-Z0-9_-]+)|(?P<n2>[a-zA-Z0-9_-]+))$")
        .expect("pattern compiles")
});

static LAYER_VERSION_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:(?:aws[a-zA-Z-]*)?:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:(?P<name>[a-zA-Z0-9_-]+):(?P<version>[0-9]+)$")
        .expect("pattern compiles")
});

/// The layer name of a LayerName parameter (a name or a layer ARN).
fn layer_name(state: &AppState, raw: &str) -> ApiResult<String> {
    let invalid = || {
        ApiError(LambdaError::Validation(vec![format!(
            "Value '{raw}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: {LAYER_NAME_PATTERN}"
        )]))
    };
    if raw.is_empty() || raw.chars().count() > 140 {
        return Err(invalid());
    }
    let caps = LAYER_NAME.captures(raw).ok_or_else(invalid)?;
    if let (Some(r), Some(a)) = (caps.name("region"), caps.name("account")) {
        if r.as_str() != state.partition.region || a.as_str() != state.partition.account_id {
            return Err(ApiError(LambdaError::ResourceNotFound(format!(
                "Layer {raw} not found."
            ))));
        }
    }
    Ok(caps
        .name("n1")
        .or_else(|| caps.name("n2"))
        .map(|m| m.as_str().to_string())
        .unwrap_or_default())
}

fn version_not_found(state: &AppState, name: &str, version: u64) -> ApiError {
    ApiError(LambdaError::ResourceNotFound(format!(
        "Layer version {}:{version} does not exist.",
        state.partition.layer_arn(name)
    )))
}

fn find(state: &AppState, name: &str, version: u64) -> ApiResult<Arc<LayerVersion>> {
    state
        .store
        .layer(name)
        .and_then(|l| l.versions.get(&version).cloned())
        .ok_or_else(|| version_not_found(state, name, version))
}

fn parse_version(raw: &str) -> ApiResult<u64> {
    let n: i64 = raw.parse().map_err(|_| {
        ApiError(LambdaError::InvalidParameterValue(format!(
            "Invalid layer version number: '{raw}'"
        )))
    })?;
    if n < 1 {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "Layer Version Cannot be less than 1".into(),
        )));
    }
    Ok(n as u64)
}

/// The LayerVersionArn pattern, as AWS quotes it.
const LAYER_VERSION_ARN_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";
static LAYER_VERSION_ARN_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^(?:{LAYER_VERSION_ARN_PATTERN})$")).expect("pattern compiles")
});

/// Resolves the layer version ARNs of a function's configuration, in order.
pub(crate) fn resolve_layers(state: &AppState, arns: &[String]) -> ApiResult<Vec<LayerRef>> {
    // Layers live in the function's region.
    let elsewhere = arns.iter().any(|arn| {
        LAYER_VERSION_ARN
            .captures(arn)
            .is_some_and(|c| c["region"] != state.partition.region)
    });
    if elsewhere {
        return Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "Layers are not in the same region as the function. Layers are expected to be in region {}.",
            state.partition.region
        ))));
    }
    // One version per layer (the same one twice counts as two).
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for arn in arns {
        if let Some(base) = arn.rsplit_once(':').map(|(b, _)| b) {
            if let Some(other) = seen.insert(base, arn) {
                return Err(ApiError(LambdaError::InvalidParameterValue(format!(
                    "Two different versions of the same layer are not allowed to be referenced in the same function. {other} and {arn} are versions of the same layer."
                ))));
            }
        }
    }
    arns.iter()
        .map(|arn| {
            let missing = || {
                ApiError(LambdaError::InvalidParameterValue(format!(
                    "Layer version {arn} does not exist."
                )))
            };
            let caps = LAYER_VERSION_ARN.captures(arn).ok_or_else(missing)?;
            if caps["region"] != state.partition.region
                || caps["account"] != state.partition.account_id
            {
                return Err(missing());
            }
            let version: u64 = caps["version"].parse().map_err(|_| missing())?;
            let lv = state
                .store
                .layer(&caps["name"])
                .and_then(|l| l.versions.get(&version).cloned())
                .ok_or_else(missing)?;
            Ok(LayerRef {
                arn: arn.clone(),
                code: lv.code.clone(),
            })
        })
        .collect()
}

/// Prepares the merged /opt of a list of layers (off the invoke path).
pub(crate) fn merge(state: &AppState, layers: &[LayerRef]) -> ApiResult<()> {
    if layers.is_empty() {
        return Ok(());
    }
    let codes: Vec<&CodeRef> = layers.iter().map(|l| &l.code).collect();
    state
        .code
        .merge_layers(&lambdalite_model::layer::merged_key(layers), &codes)?;
    Ok(())
}

/// Code and layers together must fit AWS's unzipped limit.
pub(crate) fn check_total_size(code: &CodeRef, layers: &[LayerRef]) -> Result<(), LambdaError> {
    let total = code.unzipped_size + layers.iter().map(|l| l.code.unzipped_size).sum::<u64>();
    if total > limits::UNZIPPED_MAX_BYTES {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Function code combined with layers exceeds the maximum allowed size of {} bytes. The actual size is {total} bytes.",
            limits::UNZIPPED_MAX_BYTES
        )));
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContentInput {
    pub zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    pub s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    pub s3_object_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishLayerInput {
    pub description: Option<String>,
    pub content: Option<ContentInput>,
    pub compatible_runtimes: Option<Vec<String>>,
    pub compatible_architectures: Option<Vec<String>>,
    pub license_info: Option<String>,
}

pub async fn publish(
    State(state): State<Arc<AppState>>,
    Path(raw_name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(body, limits::CODE_REQUEST_MAX_BYTES, "PublishLayerVersion").await?;
    let input: PublishLayerInput = parse_json(&headers, &body)?;
    drop(body);
    let name = layer_name(&state, &raw_name)?;
    let mut errors = Vec::new();
    if input.content.is_none() {
        errors.push(
            "Value null at 'content' failed to satisfy constraint: Member must not be null"
                .to_string(),
        );
    }
    let runtimes = input.compatible_runtimes.clone();
    let listed_runtimes = runtimes.clone().unwrap_or_default();
    if listed_runtimes.len() > 15 {
        errors.push("Value at 'compatibleRuntimes' failed to satisfy constraint: Member must have length less than or equal to 15".into());
    }
    for r in &listed_runtimes {
        if !runtime::ALL.contains(&r.as_str()) {
            errors.push(format!(
                "Value '[{}]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                listed_runtimes.join(", "),
                runtime::ALL.join(", ")
            ));
            break;
        }
    }
    let archs = input.compatible_architectures.clone();
    let listed_archs = archs.clone().unwrap_or_default();
    if listed_archs.len() > 2 || listed_archs.iter().any(|a| a != "x86_64" && a != "arm64") {
        errors.push(format!(
            "Value '[{}]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
            listed_archs.join(", ")
        ));
    }
    if input
        .license_info
        .as_ref()
        .is_some_and(|l| l.chars().count() > 512)
    {
        errors.push("Value at 'licenseInfo' failed to satisfy constraint: Member must have length less than or equal to 512".into());
    }
    if let Some(d) = &input.description {
        if d.chars().count() > 256 {
            errors.push(format!("Value '{d}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    let content = input.content.unwrap_or_default();
    let source = lambdalite_model::validate::code_source(
        content.zip_file.as_deref(),
        content.s3_bucket.as_deref(),
        content.s3_key.as_deref(),
        content.s3_object_version.as_deref(),
        false,
        "layer content",
    )?;
    let st = state.clone();
    let description = input.description.unwrap_or_default();
    let license = input.license_info;
    let lname = name.clone();
    let lv = blocking(move || {
        let code = crate::code_objects::store(&st, &source)?;
        Ok(st
            .store
            .publish_layer_version(&lname, &mut |version| LayerVersion {
                layer: lname.clone(),
                version,
                description: description.clone(),
                created_date: lambdalite_model::time::now(),
                compatible_runtimes: runtimes.clone(),
                compatible_architectures: archs.clone(),
                license_info: license.clone(),
                code: code.clone(),
                statements: Vec::new(),
                policy_revision: new_revision(),
            })?)
    })
    .await?;
    tracing::info!(layer = %name, version = lv.version, "layer version published");
    let location = state.code_location(&headers, &lv.code.sha256_hex);
    Ok((
        StatusCode::CREATED,
        Json(lv.to_wire(&state.partition, location)),
    )
        .into_response())
}

/// GetLayerVersion's (and GetLayerVersionByArn's) answer for a missing one.
fn resource_missing() -> ApiError {
    ApiError(LambdaError::ResourceNotFound(
        "The resource you requested does not exist.".into(),
    ))
}

pub async fn get_version(
    State(state): State<Arc<AppState>>,
    Path((raw_name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let name = layer_name(&state, &raw_name)?;
    let version = parse_version(&version)?;
    let lv = find(&state, &name, version).map_err(|_| resource_missing())?;
    let location = state.code_location(&headers, &lv.code.sha256_hex);
    Ok(Json(lv.to_wire(&state.partition, location)))
}

fn matches(lv: &LayerVersion, q: &QueryParams) -> bool {
    q.get("CompatibleRuntime")
        .is_none_or(|r| lv.compatible_runtimes.iter().flatten().any(|x| x == r))
        && q.get("CompatibleArchitecture")
            .is_none_or(|a| lv.compatible_architectures.iter().flatten().any(|x| x == a))
}

fn check_list_filters(q: &QueryParams) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Some(r) = q.get("CompatibleRuntime") {
        if !runtime::ALL.contains(&r) {
            errors.push(format!(
                "Value '{r}' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                runtime::ALL.join(", ")
            ));
        }
    }
    if let Some(a) = q.get("CompatibleArchitecture") {
        if a != "x86_64" && a != "arm64" {
            errors.push(format!(
                "Value '{a}' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError(LambdaError::Validation(errors)))
    }
}

fn list_max(q: &QueryParams) -> ApiResult<usize> {
    match q.get("MaxItems") {
        None => Ok(50),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => Ok(n as usize),
            _ => Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{v}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 50"
            )]))),
        },
    }
}

/// `GET /2018-10-31/layers`: ListLayers, or GetLayerVersionByArn with
/// `?find=LayerVersion&Arn=...`.
pub async fn list_layers(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    if q.get("find") == Some("LayerVersion") {
        let arn = q.get("Arn").unwrap_or("");
        if !LAYER_VERSION_ARN_SHAPE.is_match(arn) {
            return Err(ApiError(LambdaError::Validation(vec![format!(
                "Value '{arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: {LAYER_VERSION_ARN_PATTERN}"
            )])));
        }
        // AWS's own layers (`awslayer`) are not here.
        let caps = LAYER_VERSION_ARN
            .captures(arn)
            .ok_or_else(resource_missing)?;
        if caps["region"] != state.partition.region || caps["account"] != state.partition.account_id
        {
            return Err(resource_missing());
        }
        let version = parse_version(&caps["version"])?;
        let lv = find(&state, &caps["name"], version).map_err(|_| resource_missing())?;
        let location = state.code_location(&headers, &lv.code.sha256_hex);
        return Ok(Json(lv.to_wire(&state.partition, location)));
    }
    check_list_filters(&q)?;
    let max = list_max(&q)?;
    let items: Vec<(String, Value)> = state
        .store
        .layers()
        .iter()
        .filter_map(|l| {
            let latest = l.versions.values().rev().find(|v| matches(v, &q))?;
            Some((
                l.name.clone(),
                json!({
                    "LayerName": l.name,
                    "LayerArn": state.partition.layer_arn(&l.name),
                    "LatestMatchingVersion": latest.to_list_item(&state.partition),
                }),
            ))
        })
        .collect();
    Ok(list_body("Layers", items, q.get("Marker"), max))
}

pub async fn list_versions(
    State(state): State<Arc<AppState>>,
    Path(raw_name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let name = layer_name(&state, &raw_name)?;
    check_list_filters(&q)?;
    let max = list_max(&q)?;
    let items: Vec<(String, Value)> = state
        .store
        .layer(&name)
        .map(|l| {
            l.versions
                .values()
                .rev()
                .filter(|v| matches(v, &q))
                .map(|v| (v.version.to_string(), v.to_list_item(&state.partition)))
                .collect()
        })
        .unwrap_or_default();
    Ok(list_body("LayerVersions", items, q.get("Marker"), max))
}

pub async fn delete_version(
    State(state): State<Arc<AppState>>,
    Path((raw_name, version)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let name = layer_name(&state, &raw_name)?;
    let version = parse_version(&version)?;
    let st = state.clone();
    blocking(move || {
        if let Some(removed) = st.store.delete_layer_version(&name, version)? {
            if !st.store.code_in_use(&removed.code) {
                st.code.remove(&removed.code);
            }
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn stale_policy_revision() -> LambdaError {
    LambdaError::PreconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. \
         Call the GetLayerPolicy API to retrieve the latest Revision Id"
            .into(),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerPermissionInput {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub organization_id: Option<String>,
}

static STATEMENT_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_-]{1,100}$").expect("pattern compiles"));
static LAYER_PRINCIPAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{12}|\*|arn:(?:aws[a-zA-Z-]*):iam::\d{12}:root)$").expect("pattern compiles")
});
static ORGANIZATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^o-[a-z0-9]{10,32}$").expect("pattern compiles"));

pub async fn add_permission(
    State(state): State<Arc<AppState>>,
    Path((raw_name, version)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "AddLayerVersionPermission",
    )
    .await?;
    let input: LayerPermissionInput = parse_json(&headers, &body)?;
    let q = QueryParams::parse(query.as_deref());
    let name = layer_name(&state, &raw_name)?;
    let version = parse_version(&version)?;
    let mut errors = Vec::new();
    let sid = input.statement_id.clone().unwrap_or_default();
    let action = input.action.clone().unwrap_or_default();
    let principal = input.principal.clone().unwrap_or_default();
    if !STATEMENT_ID.is_match(&sid) {
        errors.push(format!("Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"));
    }
    if action != "lambda:GetLayerVersion" {
        errors.push(format!("Value '{action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion"));
    }
    if !LAYER_PRINCIPAL.is_match(&principal) {
        errors.push(format!("Value '{principal}' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{{12}}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{{12}}:root"));
    }
    if let Some(o) = &input.organization_id {
        if !ORGANIZATION.is_match(o) {
            errors.push(format!("Value '{o}' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: o-[a-z0-9]{{10,32}}"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    find(&state, &name, version)?;
    let revision = q.get("RevisionId").map(str::to_string);
    let resource = format!("{}:{version}", state.partition.layer_arn(&name));
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": if principal == "*" { json!("*") } else if principal.len() == 12 {
            json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
        } else {
            json!({ "AWS": principal })
        },
        "Action": action,
        "Resource": resource,
    });
    if let Some(o) = &input.organization_id {
        statement["Condition"] = json!({ "StringEquals": { "aws:PrincipalOrgID": o } });
    }
    let st = state.clone();
    let stmt = statement.clone();
    let lv = blocking(move || {
        Ok(st.store.update_layer_version(&name, version, &mut |cur| {
            if revision.as_deref().is_some_and(|r| r != cur.policy_revision) {
                return Err(stale_policy_revision());
            }
            if cur.statements.iter().any(|s| s["Sid"] == json!(sid)) {
                return Err(LambdaError::ResourceConflict(format!(
                    "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
                )));
            }
            let mut next = cur.clone();
            next.statements.push(stmt.clone());
            next.policy_revision = new_revision();
            Ok(next)
        })?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "Statement": statement.to_string(), "RevisionId": lv.policy_revision })),
    )
        .into_response())
}

pub async fn get_policy(
    State(state): State<Arc<AppState>>,
    Path((raw_name, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let name = layer_name(&state, &raw_name)?;
    let version = parse_version(&version)?;
    let lv = find(&state, &name, version)?;
    if lv.statements.is_empty() {
        return Err(ApiError(LambdaError::ResourceNotFound(
            "No policy is associated with the given resource.".into(),
        )));
    }
    Ok(Json(json!({
        "Policy": lv.policy_document().to_string(),
        "RevisionId": lv.policy_revision,
    })))
}

pub async fn remove_permission(
    State(state): State<Arc<AppState>>,
    Path((raw_name, version, sid)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let name = layer_name(&state, &raw_name)?;
    let version = parse_version(&version)?;
    find(&state, &name, version)?;
    let revision = q.get("RevisionId").map(str::to_string);
    let st = state.clone();
    blocking(move || {
        st.store.update_layer_version(&name, version, &mut |cur| {
            if revision
                .as_deref()
                .is_some_and(|r| r != cur.policy_revision)
            {
                return Err(stale_policy_revision());
            }
            if !cur.statements.iter().any(|s| s["Sid"] == json!(sid)) {
                return Err(LambdaError::ResourceNotFound(format!(
                    "Statement {sid} is not found in resource policy."
                )));
            }
            let mut next = cur.clone();
            next.statements.retain(|s| s["Sid"] != json!(sid));
            next.policy_revision = new_revision();
            Ok(next)
        })?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Resource-based policies of functions: AddPermission, GetPolicy,
//! RemovePermission, and their enforcement on Invoke for callers that are
//! not the account itself.

use std::sync::Arc;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_model::arn::NameShape;
use lambdalite_model::{limits, FunctionRef, LambdaError, LATEST};
use lambdalite_store::{Change, FunctionPolicy, FunctionRecord};
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::{blocking, new_revision};
use crate::AppState;

const INVOKE: &str = "lambda:InvokeFunction";

#[derive(Debug, Default, Deserialize)]
struct AddPermissionInput {
    #[serde(rename = "StatementId")]
    statement_id: Option<String>,
    #[serde(rename = "Action")]
    action: Option<String>,
    #[serde(rename = "Principal")]
    principal: Option<String>,
    #[serde(rename = "SourceArn")]
    source_arn: Option<String>,
    #[serde(rename = "SourceAccount")]
    source_account: Option<String>,
    #[serde(rename = "EventSourceToken")]
    event_source_token: Option<String>,
    #[serde(rename = "RevisionId")]
    revision_id: Option<String>,
    #[serde(rename = "PrincipalOrgID")]
    principal_org_id: Option<String>,
    #[serde(rename = "FunctionUrlAuthType")]
    function_url_auth_type: Option<String>,
}

fn pattern(p: &str) -> Regex {
    Regex::new(&format!("^(?:{p})$")).expect("a valid pattern")
}

static STATEMENT_ID: LazyLock<Regex> = LazyLock::new(|| pattern("([a-zA-Z0-9-_]+)"));
static ACTION: LazyLock<Regex> = LazyLock::new(|| pattern("(lambda:[*]|lambda:[a-zA-Z]+|[*])"));
static PRINCIPAL: LazyLock<Regex> = LazyLock::new(|| pattern(r"[^\s]+"));
static ARN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)",
    )
});
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| pattern(r"\d{12}"));
static TOKEN: LazyLock<Regex> = LazyLock::new(|| pattern(r"[a-zA-Z0-9._\-]+"));
static ORG: LazyLock<Regex> = LazyLock::new(|| pattern("o-[a-z0-9]{10,32}"));

fn check(
    errors: &mut Vec<String>,
    value: Option<&str>,
    member: &str,
    re: &Regex,
    shown: &str,
    max: usize,
) {
    let Some(v) = value else { return };
    if v.chars().count() > max {
        errors.push(format!(
            "Value '{v}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        ));
    } else if !re.is_match(v) {
        errors.push(format!(
            "Value '{v}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {shown}"
        ));
    }
}

fn validate(input: &AddPermissionInput) -> Result<(), LambdaError> {
    let mut errors = Vec::new();
    for (v, member) in [
        (&input.statement_id, "statementId"),
        (&input.action, "action"),
        (&input.principal, "principal"),
    ] {
        if v.is_none() {
            errors.push(format!(
                "Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ));
        }
    }
    let sid = input.statement_id.as_deref();
    if sid == Some("") {
        errors.push("Value '' at 'statementId' failed to satisfy constraint: Member must have length greater than or equal to 1".into());
    } else {
        check(
            &mut errors,
            sid,
            "statementId",
            &STATEMENT_ID,
            "([a-zA-Z0-9-_]+)",
            100,
        );
    }
    check(
        &mut errors,
        input.action.as_deref(),
        "action",
        &ACTION,
        "(lambda:[*]|lambda:[a-zA-Z]+|[*])",
        10_000,
    );
    check(
        &mut errors,
        input.principal.as_deref(),
        "principal",
        &PRINCIPAL,
        r"[^\s]+",
        2048,
    );
    check(
        &mut errors,
        input.source_arn.as_deref(),
        "sourceArn",
        &ARN,
        r"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)",
        10_000,
    );
    check(
        &mut errors,
        input.source_account.as_deref(),
        "sourceAccount",
        &ACCOUNT,
        r"\d{12}",
        12,
    );
    check(
        &mut errors,
        input.event_source_token.as_deref(),
        "eventSourceToken",
        &TOKEN,
        r"[a-zA-Z0-9._\-]+",
        256,
    );
    check(
        &mut errors,
        input.principal_org_id.as_deref(),
        "principalOrgID",
        &ORG,
        "o-[a-z0-9]{10,32}",
        34,
    );
    if let Some(t) = input.function_url_auth_type.as_deref() {
        if t != "NONE" && t != "AWS_IAM" {
            errors.push(format!(
                "Value '{t}' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LambdaError::Validation(errors))
    }
}

/// The principal as a policy statement writes it.
fn principal_json(p: &str) -> Value {
    if p == "*" {
        json!("*")
    } else if ACCOUNT.is_match(p) {
        json!({ "AWS": format!("arn:aws:iam::{p}:root") })
    } else if p.starts_with("arn:") {
        json!({ "AWS": p })
    } else {
        json!({ "Service": p })
    }
}

/// Whether a principal is one AWS accepts: anyone, an account, an ARN or a
/// service of AWS.
fn valid_principal(p: &str) -> bool {
    p == "*"
        || ACCOUNT.is_match(p)
        || p.starts_with("arn:")
        || p.ends_with(".amazonaws.com")
        || p.ends_with(".amazon.com")
}

/// Whether a qualifier can only name an alias (it is not a version).
fn alias_like(q: &str) -> bool {
    !lambdalite_model::alias::is_version_number(q)
        && !q.is_empty()
        && q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// AWS's answer for an alias that isn't there.
pub(crate) fn alias_not_found(state: &AppState, function: &str, alias: &str) -> ApiError {
    ApiError(LambdaError::ResourceNotFound(format!(
        "Cannot find alias arn: {}",
        state.partition.qualified_arn(function, alias)
    )))
}

/// Checks that what a reference names exists: a missing alias of an
/// existing function is reported as AWS does.
fn check_exists(state: &AppState, r: &FunctionRef) -> ApiResult<()> {
    match state.lookup(r) {
        Ok(_) => Ok(()),
        Err(e) => match r.qualifier.as_deref() {
            Some(q) if alias_like(q) && state.store.get(&r.name).is_some() => {
                Err(alias_not_found(state, &r.name, q))
            }
            _ => Err(e),
        },
    }
}

/// The policy a reference addresses: `""` for the function itself, else its
/// version or alias. Checks that the qualifier exists.
fn policy_key(state: &AppState, r: &FunctionRef) -> ApiResult<String> {
    match r.qualifier.as_deref() {
        None => {
            state.store.get(&r.name).ok_or_else(|| state.not_found(r))?;
            Ok(String::new())
        }
        Some(LATEST) => Err(ApiError(LambdaError::InvalidParameterValue(
            "We currently do not support adding policies for $LATEST.".into(),
        ))),
        Some(q) => {
            check_exists(state, r)?;
            Ok(q.to_string())
        }
    }
}

fn resource_arn(state: &AppState, r: &FunctionRef) -> String {
    match &r.qualifier {
        Some(q) => state.partition.qualified_arn(&r.name, q),
        None => state.partition.function_arn(&r.name),
    }
}

/// The revision of a policy, which a change must name. The function's
/// policy shares the function's RevisionId and an alias's its alias's (a
/// change gives both a new one); a version's policy has its own, the
/// version's until the first change.
fn current_revision(record: &FunctionRecord, key: &str) -> String {
    if key.is_empty() {
        return record.latest.revision_id.clone();
    }
    if let Some(a) = record.aliases.get(key) {
        return a.revision_id.clone();
    }
    record
        .policies
        .get(key)
        .map(|p| p.revision_id.clone())
        .or_else(|| record.version(key).map(|v| v.revision_id.clone()))
        .unwrap_or_default()
}

/// The changes that store `policy` for `key` under a new revision.
fn policy_changes(record: &FunctionRecord, key: &str, mut policy: FunctionPolicy) -> Vec<Change> {
    let revision = new_revision();
    policy.revision_id = revision.clone();
    let mut changes = Vec::new();
    if key.is_empty() {
        let mut latest = (*record.latest).clone();
        latest.revision_id = revision;
        changes.push(Change::PutLatest(latest));
    } else if let Some(a) = record.aliases.get(key) {
        let mut alias = (**a).clone();
        alias.revision_id = revision;
        changes.push(Change::PutAlias(alias));
    }
    changes.push(Change::PutPolicy(key.to_string(), policy));
    changes
}

fn stale_revision() -> LambdaError {
    LambdaError::PreconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API \
         to retrieve the latest Revision Id"
            .into(),
    )
}

pub async fn add_permission(
    State(state): State<Arc<AppState>>,
    Path(raw_name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, "AddPermission").await?;
    let input: AddPermissionInput = parse_json(&headers, &body)?;
    let q = QueryParams::parse(query.as_deref());
    let r = state.resolve(&raw_name, &q, NameShape::Namespaced)?;
    validate(&input)?;
    let key = policy_key(&state, &r)?;
    if !valid_principal(input.principal.as_deref().unwrap_or_default()) {
        return Err(ApiError(LambdaError::InvalidParameterValue(
            "The provided principal was invalid. Please check the principal and try again.".into(),
        )));
    }
    let sid = input.statement_id.clone().unwrap_or_default();
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_json(input.principal.as_deref().unwrap_or_default()),
        "Action": input.action.clone().unwrap_or_default(),
        "Resource": resource_arn(&state, &r),
    });
    let mut condition = serde_json::Map::new();
    let mut string_equals = serde_json::Map::new();
    if let Some(a) = &input.source_account {
        string_equals.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(t) = &input.event_source_token {
        string_equals.insert("lambda:EventSourceToken".into(), json!(t));
    }
    if let Some(o) = &input.principal_org_id {
        string_equals.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(t) = &input.function_url_auth_type {
        string_equals.insert("lambda:FunctionUrlAuthType".into(), json!(t));
    }
    if !string_equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(string_equals));
    }
    if let Some(arn) = &input.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if !condition.is_empty() {
        statement["Condition"] = Value::Object(condition);
    }
    let st = state.clone();
    let stmt = statement.clone();
    let revision = input.revision_id.clone();
    let name = r.name.clone();
    blocking(move || {
        st.store.update(&name, &mut |record| {
            if revision
                .as_deref()
                .is_some_and(|rev| rev != current_revision(record, &key))
            {
                return Err(stale_revision());
            }
            let mut policy = record
                .policies
                .get(&key)
                .cloned()
                .unwrap_or(FunctionPolicy {
                    revision_id: String::new(),
                    statements: Vec::new(),
                });
            if policy.statements.iter().any(|s| s["Sid"] == json!(sid)) {
                return Err(LambdaError::ResourceConflict(format!(
                    "The statement id ({sid}) provided already exists. Please provide a new \
                     statement id, or remove the existing statement."
                )));
            }
            policy.statements.push(stmt.clone());
            Ok(policy_changes(record, &key, policy))
        })?;
        Ok(())
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "Statement": statement.to_string() })),
    )
        .into_response())
}

pub async fn get_policy(
    State(state): State<Arc<AppState>>,
    Path(raw_name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let r = state.resolve(&raw_name, &q, NameShape::Namespaced)?;
    // A missing function, version or alias has no policy either.
    let none = || {
        ApiError(LambdaError::ResourceNotFound(
            "The resource you requested does not exist.".into(),
        ))
    };
    let record = state.store.get(&r.name).ok_or_else(none)?;
    let key = match r.qualifier.as_deref() {
        None | Some(LATEST) => String::new(),
        Some(q) => {
            state.lookup(&r).map_err(|_| none())?;
            q.to_string()
        }
    };
    let policy = record.policies.get(&key).ok_or_else(none)?;
    let document = json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": policy.statements,
    });
    Ok(Json(json!({
        "Policy": document.to_string(),
        "RevisionId": current_revision(&record, &key),
    })))
}

pub async fn remove_permission(
    State(state): State<Arc<AppState>>,
    Path((raw_name, sid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let r = state.resolve(&raw_name, &q, NameShape::Namespaced)?;
    let mut errors = Vec::new();
    check(
        &mut errors,
        Some(&sid),
        "statementId",
        &STATEMENT_ID,
        "([a-zA-Z0-9-_.]+)",
        100,
    );
    if !errors.is_empty() {
        return Err(ApiError(LambdaError::Validation(errors)));
    }
    if state.store.get(&r.name).is_none() {
        return Err(ApiError(LambdaError::ResourceNotFound(format!(
            "No policy found for: {}",
            resource_arn(&state, &r)
        ))));
    }
    let key = match r.qualifier.as_deref() {
        None | Some(LATEST) => String::new(),
        Some(q) => {
            check_exists(&state, &r)?;
            q.to_string()
        }
    };
    let revision = q.get("RevisionId").map(str::to_string);
    let st = state.clone();
    let name = r.name.clone();
    blocking(move || {
        st.store.update(&name, &mut |record| {
            let Some(policy) = record.policies.get(&key) else {
                return Err(LambdaError::ResourceNotFound(
                    "No policy is associated with the given resource.".into(),
                ));
            };
            if revision
                .as_deref()
                .is_some_and(|rev| rev != current_revision(record, &key))
            {
                return Err(LambdaError::stale_revision());
            }
            let mut next = policy.clone();
            next.statements.retain(|s| s["Sid"] != json!(sid));
            if next.statements.len() == policy.statements.len() {
                return Err(LambdaError::ResourceNotFound(format!(
                    "Statement {sid} is not found in resource policy."
                )));
            }
            Ok(policy_changes(record, &key, next))
        })?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether one statement lets `caller` invoke.
/// A policy field that holds one string or a list of them.
fn one_or_many(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn allows(statement: &Value, caller: &Caller) -> bool {
    if statement["Effect"] != "Allow" {
        return false;
    }
    // Conditions name request context (source ARN, organisation, URL auth
    // type) that a direct call by key does not have: not met.
    if statement
        .get("Condition")
        .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()))
    {
        return false;
    }
    let action_ok = one_or_many(&statement["Action"])
        .iter()
        .any(|a| a == INVOKE || a == "lambda:*" || a == "*");
    let root = format!("arn:aws:iam::{}:root", caller.account);
    let principal_ok = match &statement["Principal"] {
        Value::String(s) => s == "*",
        Value::Object(o) => o.get("AWS").is_some_and(|aws| {
            one_or_many(aws)
                .iter()
                .any(|p| p == "*" || *p == caller.arn || *p == root || *p == caller.account)
        }),
        _ => false,
    };
    action_ok && principal_ok
}

/// Whether `statement` lets the AWS service `service` (a principal such as
/// `sns.amazonaws.com`) invoke on behalf of `source_arn` of `account`:
/// its principal names the service (or `*`), and each condition on the
/// source ARN or account holds.
fn allows_service(statement: &Value, service: &str, source_arn: &str, account: &str) -> bool {
    if statement["Effect"] != "Allow" {
        return false;
    }
    let action_ok = one_or_many(&statement["Action"])
        .iter()
        .any(|a| a == INVOKE || a == "lambda:*" || a == "*");
    let principal_ok = match &statement["Principal"] {
        Value::String(s) => s == "*",
        Value::Object(o) => o
            .get("Service")
            .is_some_and(|s| one_or_many(s).iter().any(|p| p == service)),
        _ => false,
    };
    if !(action_ok && principal_ok) {
        return false;
    }
    let Some(conditions) = statement.get("Condition").and_then(Value::as_object) else {
        return true;
    };
    conditions.iter().all(|(op, tests)| {
        let Some(tests) = tests.as_object() else {
            return false;
        };
        tests.iter().all(|(key, want)| {
            let have = match key.to_ascii_lowercase().as_str() {
                "aws:sourcearn" => source_arn,
                "aws:sourceaccount" => account,
                _ => return false,
            };
            let wants = one_or_many(want);
            match op.as_str() {
                "ArnLike" | "StringLike" => wants.iter().any(|w| glob(w, have)),
                "ArnEquals" | "StringEquals" => wants.iter().any(|w| w == have),
                _ => false,
            }
        })
    })
}

/// IAM's `*` and `?` wildcards.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether the policy of the qualifier `r` names lets `service` invoke it
/// for `source_arn`.
pub(crate) fn service_may_invoke(
    state: &AppState,
    r: &FunctionRef,
    service: &str,
    source_arn: &str,
) -> bool {
    let key = match r.qualifier.as_deref() {
        None | Some(LATEST) => "",
        Some(q) => q,
    };
    // An ARN without an account (a bucket's) is the account's own resource.
    let account = source_arn
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or(&state.partition.account_id);
    state.store.get(&r.name).is_some_and(|record| {
        record.policies.get(key).is_some_and(|p| {
            p.statements
                .iter()
                .any(|s| allows_service(s, service, source_arn, account))
        })
    })
}

fn denied(caller: &Caller, action: &str, resource: &str) -> LambdaError {
    LambdaError::AccessDenied(format!(
        "User: {} is not authorized to perform: {action} on resource: {resource} because no \
         resource-based policy allows the {action} action",
        caller.arn
    ))
}

/// What a caller of another account may do: invoke a function whose policy
/// (of the qualifier invoked) has a statement allowing its principal.
pub fn authorize(state: &AppState, parts: &Parts, caller: &Caller) -> Result<(), LambdaError> {
    let segments: Vec<&str> = parts.uri.path().split('/').collect();
    let invoke = parts.method == Method::POST
        && matches!(
            segments.as_slice(),
            ["", "2015-03-31", "functions", _, "invocations"]
                | [
                    "",
                    "2021-11-15",
                    "functions",
                    _,
                    "response-streaming-invocations"
                ]
                | ["", "2014-11-13", "functions", _, "invoke-async"]
                | ["", "2014-11-13", "functions", _, "invoke-async", ""]
        );
    let raw = segments.get(3).copied().unwrap_or_default();
    let raw = crate::auth::percent_decode(raw);
    if !invoke {
        let resource = if raw.is_empty() {
            "*".to_string()
        } else {
            state.partition.function_arn(&raw)
        };
        return Err(denied(caller, "lambda:*", &resource));
    }
    let q = QueryParams::parse(parts.uri.query());
    let r = state
        .resolve(&raw, &q, NameShape::Namespaced)
        .map_err(|_| denied(caller, INVOKE, &state.partition.function_arn(&raw)))?;
    let resource = resource_arn(state, &r);
    let key = match r.qualifier.as_deref() {
        None | Some(LATEST) => "",
        Some(q) => q,
    };
    let allowed = state.store.get(&r.name).is_some_and(|record| {
        record
            .policies
            .get(key)
            .is_some_and(|p| p.statements.iter().any(|s| allows(s, caller)))
    });
    if allowed {
        Ok(())
    } else {
        Err(denied(caller, INVOKE, &resource))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            account: "111111111111".into(),
            arn: "arn:aws:iam::111111111111:user/bob".into(),
        }
    }

    #[test]
    fn statements_allow_their_principals_only() {
        let st = |p: Value| json!({"Sid": "s", "Effect": "Allow", "Principal": p, "Action": INVOKE, "Resource": "r"});
        assert!(allows(&st(json!("*")), &caller()));
        assert!(allows(
            &st(json!({"AWS": "arn:aws:iam::111111111111:root"})),
            &caller()
        ));
        assert!(allows(
            &st(json!({"AWS": ["x", "arn:aws:iam::111111111111:user/bob"]})),
            &caller()
        ));
        assert!(!allows(
            &st(json!({"AWS": "arn:aws:iam::222222222222:root"})),
            &caller()
        ));
        assert!(!allows(
            &st(json!({"Service": "s3.amazonaws.com"})),
            &caller()
        ));
        let mut conditioned = st(json!("*"));
        conditioned["Condition"] = json!({"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}});
        assert!(!allows(&conditioned, &caller()));
        let mut other_action = st(json!("*"));
        other_action["Action"] = json!("lambda:GetFunction");
        assert!(!allows(&other_action, &caller()));
    }

    #[test]
    fn services_need_their_principal_and_conditions() {
        let topic = "arn:aws:sns:us-east-1:000000000000:t";
        let mut st = json!({"Sid": "s", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": INVOKE, "Resource": "r"});
        assert!(allows_service(
            &st,
            "sns.amazonaws.com",
            topic,
            "000000000000"
        ));
        assert!(!allows_service(
            &st,
            "events.amazonaws.com",
            topic,
            "000000000000"
        ));
        st["Condition"] =
            json!({"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:000000000000:*"}});
        assert!(allows_service(
            &st,
            "sns.amazonaws.com",
            topic,
            "000000000000"
        ));
        st["Condition"] =
            json!({"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:000000000000:other"}});
        assert!(!allows_service(
            &st,
            "sns.amazonaws.com",
            topic,
            "000000000000"
        ));
        st["Condition"] = json!({"StringEquals": {"AWS:SourceAccount": "000000000000"}});
        assert!(allows_service(
            &st,
            "sns.amazonaws.com",
            topic,
            "000000000000"
        ));
        assert!(glob("a*c?", "abbbcd"));
        assert!(!glob("a*c?", "abbbc"));
    }

    #[test]
    fn principals_are_written_as_aws_writes_them() {
        assert_eq!(
            principal_json("123456789012"),
            json!({"AWS": "arn:aws:iam::123456789012:root"})
        );
        assert_eq!(
            principal_json("s3.amazonaws.com"),
            json!({"Service": "s3.amazonaws.com"})
        );
        assert_eq!(principal_json("*"), json!("*"));
    }
}

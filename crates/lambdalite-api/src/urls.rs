//! Function URLs: the config operations (Create/Get/Update/Delete/List
//! FunctionUrlConfig) and serving them. A URL's requests become payload
//! format 2.0 events; the function's answer becomes the HTTP response as
//! AWS interprets it.
//!
//! A URL is reached by host name — `http://URL-ID.lambda-url.REGION.localhost:PORT/…`
//! (`*.localhost` resolves to loopback) — or, without DNS, by path:
//! `http://HOST:PORT/_lambdalite/url/URL-ID/…`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use lambdalite_gateway::event::{self, Matched, RequestContext};
use lambdalite_gateway::response;
use lambdalite_invoke::{InvokeError, InvokeRequest};
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::url::FunctionUrlConfig;
use lambdalite_model::{limits, FunctionRef, LambdaError, LATEST};
use lambdalite_store::{Change, FunctionRecord};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body, QueryParams};
use crate::functions::blocking;
use crate::stream::Started;
use crate::versions::{list_body, max_items};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UrlInput {
    pub auth_type: Option<String>,
    pub cors: Option<Value>,
    pub invoke_mode: Option<String>,
}

fn url_missing() -> ApiError {
    ApiError(LambdaError::ResourceNotFound(
        "The resource you requested does not exist.".into(),
    ))
}

/// AWS's answer to Create, Update or List on a missing function or alias.
fn function_missing() -> ApiError {
    ApiError(LambdaError::ResourceNotFound(
        "Function does not exist".into(),
    ))
}

/// The URL operations' Qualifier pattern (an alias name or `$LATEST`-free
/// name that is not all digits), as AWS quotes it.
const QUALIFIER_PATTERN: &str = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)";

fn check_qualifier(q: &QueryParams) -> ApiResult<()> {
    let Some(ql) = q.get("Qualifier") else {
        return Ok(());
    };
    let allowed = !ql.is_empty()
        && ql
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !ql.bytes().all(|b| b.is_ascii_digit());
    if allowed {
        return Ok(());
    }
    Err(ApiError(LambdaError::Validation(vec![format!(
        "Value '{ql}' at 'qualifier' failed to satisfy constraint: Member must satisfy \
         regular expression pattern: {QUALIFIER_PATTERN}"
    )])))
}

/// The function and qualifier (`$LATEST` or an alias) of a request; when
/// either is missing, `absent` is the answer.
fn target(
    state: &AppState,
    raw: &str,
    q: &QueryParams,
    absent: fn() -> ApiError,
) -> ApiResult<(String, String)> {
    check_qualifier(q)?;
    let r = parse_function_ref(raw, q.get("Qualifier"), NameShape::Plain, &state.partition)?;
    if let Some(ql) = r.qualifier.as_deref() {
        if lambdalite_model::alias::is_version_number(ql) {
            return Err(ApiError(LambdaError::InvalidParameterValue(
                "Function URLs can't be created for a published version; use $LATEST or an alias."
                    .into(),
            )));
        }
    }
    state.lookup(&r).map_err(|_| absent())?;
    let q = r.qualifier.unwrap_or_else(|| LATEST.to_string());
    Ok((r.name, q))
}

fn check_input(input: &UrlInput, create: bool) -> ApiResult<()> {
    let mut errors = Vec::new();
    match input.auth_type.as_deref() {
        None if create => errors.push(
            "Value null at 'authType' failed to satisfy constraint: Member must not be null".to_string(),
        ),
        None | Some("NONE") | Some("AWS_IAM") => {}
        Some(other) => errors.push(format!(
            "Value '{other}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]"
        )),
    }
    if let Some(m) = input.invoke_mode.as_deref() {
        if m != "BUFFERED" && m != "RESPONSE_STREAM" {
            errors.push(format!(
                "Value '{m}' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"
            ));
        }
    }
    if input.cors.as_ref().is_some_and(|c| !c.is_object()) {
        errors
            .push("Value at 'cors' failed to satisfy constraint: Member must be an object".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError(LambdaError::Validation(errors)))
    }
}

fn url_of(state: &AppState, headers: &HeaderMap, c: &FunctionUrlConfig) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:9001");
    let port = host.rsplit_once(':').map_or("", |(_, p)| p);
    let port = if port.is_empty() {
        String::new()
    } else {
        format!(":{port}")
    };
    format!(
        "http://{}.lambda-url.{}.localhost{port}/",
        c.url_id, state.partition.region
    )
}

fn wire(
    state: &AppState,
    headers: &HeaderMap,
    function: &str,
    qualifier: &str,
    c: &FunctionUrlConfig,
) -> Value {
    let arn = if qualifier == LATEST {
        state.partition.function_arn(function)
    } else {
        state.partition.qualified_arn(function, qualifier)
    };
    let mut v = json!({
        "FunctionUrl": url_of(state, headers, c),
        "FunctionArn": arn,
        "AuthType": c.auth_type,
        "CreationTime": c.creation_time,
        "LastModifiedTime": c.last_modified_time,
        "InvokeMode": c.mode(),
    });
    if let Some(cors) = &c.cors {
        v["Cors"] = cors.clone();
    }
    v
}

/// A config as Create and Update answer: InvokeMode only when one was set.
fn echo(
    state: &AppState,
    headers: &HeaderMap,
    function: &str,
    qualifier: &str,
    c: &FunctionUrlConfig,
) -> Value {
    let mut v = wire(state, headers, function, qualifier, c);
    if c.invoke_mode.is_none() {
        if let Some(o) = v.as_object_mut() {
            o.remove("InvokeMode");
        }
    }
    v
}

fn new_url_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    // 32 characters of [a-z0-9], like AWS's ids.
    id.chars().map(|c| c.to_ascii_lowercase()).collect()
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "CreateFunctionUrlConfig",
    )
    .await?;
    let input: UrlInput = parse_json(&headers, &body)?;
    check_input(&input, true)?;
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(&state, &name, &q, function_missing)?;
    let st = state.clone();
    let (f, ql) = (function.clone(), qualifier.clone());
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            if rec.urls.contains_key(&ql) {
                return Err(LambdaError::ResourceConflict(format!(
                    "Failed to create function url config for [functionArn = {}]. Error message:  FunctionUrlConfig exists for this Lambda function",
                    st.partition.function_arn(&f)
                )));
            }
            let now = lambdalite_model::time::now();
            Ok(vec![Change::PutUrl(
                ql.clone(),
                FunctionUrlConfig {
                    url_id: new_url_id(),
                    auth_type: input.auth_type.clone().unwrap_or_default(),
                    invoke_mode: input.invoke_mode.clone(),
                    cors: input.cors.clone(),
                    creation_time: now.clone(),
                    last_modified_time: now,
                },
            )])
        })?)
    })
    .await?;
    let c = record.urls.get(&qualifier).ok_or_else(url_missing)?;
    let mut v = echo(&state, &headers, &function, &qualifier, c);
    if let Some(o) = v.as_object_mut() {
        o.remove("LastModifiedTime");
    }
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let body = read_body(
        body,
        limits::SYNC_PAYLOAD_MAX_BYTES,
        "UpdateFunctionUrlConfig",
    )
    .await?;
    let input: UrlInput = parse_json(&headers, &body)?;
    check_input(&input, false)?;
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(&state, &name, &q, function_missing)?;
    let st = state.clone();
    let (f, ql) = (function.clone(), qualifier.clone());
    let record = blocking(move || {
        Ok(st.store.update(&f, &mut |rec| {
            let mut c = rec.urls.get(&ql).cloned().ok_or_else(|| url_missing().0)?;
            if let Some(a) = &input.auth_type {
                c.auth_type = a.clone();
            }
            if let Some(m) = &input.invoke_mode {
                c.invoke_mode = Some(m.clone());
            }
            if let Some(cors) = &input.cors {
                c.cors = Some(cors.clone());
            }
            c.last_modified_time = lambdalite_model::time::now();
            Ok(vec![Change::PutUrl(ql.clone(), c)])
        })?)
    })
    .await?;
    let c = record.urls.get(&qualifier).ok_or_else(url_missing)?;
    Ok(Json(echo(&state, &headers, &function, &qualifier, c)))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(&state, &name, &q, url_missing)?;
    let record = state.store.get(&function).ok_or_else(url_missing)?;
    let c = record.urls.get(&qualifier).ok_or_else(url_missing)?;
    Ok(Json(wire(&state, &headers, &function, &qualifier, c)))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let q = QueryParams::parse(query.as_deref());
    let (function, qualifier) = target(&state, &name, &q, url_missing)?;
    let st = state.clone();
    blocking(move || {
        st.store.update(&function, &mut |rec| {
            if !rec.urls.contains_key(&qualifier) {
                return Err(url_missing().0);
            }
            Ok(vec![Change::DeleteUrl(qualifier.clone())])
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
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(query.as_deref());
    let r = parse_function_ref(&name, None, NameShape::Plain, &state.partition)?;
    let max = max_items(&q)?;
    let record = state.store.get(&r.name).ok_or_else(function_missing)?;
    let items: Vec<(String, Value)> = record
        .urls
        .iter()
        .map(|(ql, c)| (ql.clone(), wire(&state, &headers, &r.name, ql, c)))
        .collect();
    Ok(list_body("FunctionUrlConfigs", items, q.get("Marker"), max))
}

// ------------------------------------------------------------- serving

/// The URL id a request is for, and the path it asks for: by host name
/// (`ID.lambda-url.…`) or by path (`/_lambdalite/url/ID/…`).
fn url_request(req: &Request) -> Option<(String, String)> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if let Some((id, rest)) = host.split_once('.') {
        if rest.starts_with("lambda-url.") && !id.is_empty() {
            return Some((id.to_ascii_lowercase(), req.uri().path().to_string()));
        }
    }
    let rest = req.uri().path().strip_prefix("/_lambdalite/url/")?;
    let (id, path) = match rest.split_once('/') {
        Some((id, p)) => (id, format!("/{p}")),
        None => (rest, "/".to_string()),
    };
    Some((id.to_ascii_lowercase(), path))
}

/// Which function a URL id was last found on. Entries are hints, checked
/// against the function's record at every use, so a deleted or moved URL
/// can never be served from here; they only spare the scan.
static URL_HINTS: std::sync::LazyLock<
    std::sync::RwLock<std::collections::HashMap<String, String>>,
> = std::sync::LazyLock::new(Default::default);

fn find_url(
    state: &AppState,
    id: &str,
) -> Option<(Arc<FunctionRecord>, String, FunctionUrlConfig)> {
    let on = |f: Arc<FunctionRecord>| {
        let (q, c) = f.urls.iter().find(|(_, c)| c.url_id == id)?;
        let (q, c) = (q.clone(), c.clone());
        Some((f, q, c))
    };
    let hint = URL_HINTS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(id)
        .cloned();
    if let Some(found) = hint.and_then(|name| state.store.get(&name)).and_then(on) {
        return Some(found);
    }
    let found = state.store.list().into_iter().find_map(on)?;
    let mut hints = URL_HINTS.write().unwrap_or_else(|e| e.into_inner());
    // Only URLs that existed are added; bounded all the same.
    if hints.len() > 100_000 {
        hints.clear();
    }
    hints.insert(id.to_string(), found.0.latest.name.clone());
    Some(found)
}

/// Serves function URL requests; everything else goes on to the API.
pub async fn dispatch(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some((id, path)) = url_request(&req) else {
        return next.run(req).await;
    };
    match serve(&state, req, &id, &path).await {
        Ok(r) => r,
        Err(r) => r,
    }
}

fn plain(status: StatusCode, message: &str) -> Response {
    let mut r = (status, Json(json!({ "Message": message }))).into_response();
    r.headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static("UrlError"));
    r
}

/// AWS's answer when the function fails or its result can't be used: 502
/// with the bare text `Internal Server Error`.
fn bad_gateway() -> Response {
    let mut r = (StatusCode::BAD_GATEWAY, "Internal Server Error").into_response();
    r.headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static("UrlError"));
    r
}

fn cors_allows_origin(cors: &Value, origin: &str) -> Option<String> {
    let origins = cors.get("AllowOrigins")?.as_array()?;
    if origins.iter().any(|o| o == "*") {
        return Some("*".into());
    }
    origins
        .iter()
        .filter_map(Value::as_str)
        .find(|o| o.eq_ignore_ascii_case(origin))
        .map(|_| origin.to_string())
}

fn join(cors: &Value, key: &str) -> Option<String> {
    let items: Vec<&str> = cors
        .get(key)?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (!items.is_empty()).then(|| items.join(","))
}

fn add_cors(resp: &mut Response, cors: Option<&Value>, origin: Option<&str>) {
    let (Some(cors), Some(origin)) = (cors, origin) else {
        return;
    };
    let Some(allowed) = cors_allows_origin(cors, origin) else {
        return;
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&allowed) {
        h.insert("access-control-allow-origin", v);
    }
    if let Some(e) = join(cors, "ExposeHeaders").and_then(|e| HeaderValue::from_str(&e).ok()) {
        h.insert("access-control-expose-headers", e);
    }
    if cors.get("AllowCredentials").and_then(Value::as_bool) == Some(true) {
        h.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
}

async fn serve(
    state: &Arc<AppState>,
    req: Request,
    id: &str,
    path: &str,
) -> Result<Response, Response> {
    let Some((record, qualifier, config)) = find_url(state, id) else {
        return Err(plain(StatusCode::NOT_FOUND, "Function URL not found"));
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    // CORS preflight, answered by the URL itself.
    if req.method() == Method::OPTIONS
        && req.headers().contains_key("access-control-request-method")
    {
        if let Some(cors) = &config.cors {
            let mut resp = StatusCode::OK.into_response();
            add_cors(&mut resp, Some(cors), origin.as_deref());
            let h = resp.headers_mut();
            if let Some(m) = join(cors, "AllowMethods").and_then(|m| HeaderValue::from_str(&m).ok())
            {
                h.insert("access-control-allow-methods", m);
            }
            if let Some(a) = join(cors, "AllowHeaders").and_then(|a| HeaderValue::from_str(&a).ok())
            {
                h.insert("access-control-allow-headers", a);
            }
            if let Some(age) = cors.get("MaxAge").and_then(Value::as_u64) {
                h.insert("access-control-max-age", HeaderValue::from(age));
            }
            return Ok(resp);
        }
    }
    let source_ip = crate::gateway::source_ip(&req);
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, limits::SYNC_PAYLOAD_MAX_BYTES)
        .await
        .map_err(|_| {
            plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request must be smaller than 6291456 bytes",
            )
        })?;
    if config.auth_type == "AWS_IAM" && state.auth.enforced() {
        if let Err(e) = state.auth.verify(&parts, &body, chrono::Utc::now()) {
            return Err(ApiError(e).into_response());
        }
    }

    // The event, payload format 2.0.
    let now = chrono::Utc::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let request = crate::gateway::http_request(
        &parts,
        path.to_string(),
        path.to_string(),
        body.to_vec(),
        source_ip,
    );
    let context = RequestContext {
        account_id: "anonymous".into(),
        api_id: id.to_string(),
        domain_name: host,
        stage: "$default".into(),
        request_id: request_id.clone(),
        time: now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        time_epoch_ms: now.timestamp_millis(),
        stage_variables: Default::default(),
    };
    let route = Matched {
        route_key: "$default".into(),
        ..Default::default()
    };
    let mut event = event::event_v2(&request, &context, &route, &[], None);
    event["requestContext"]["domainPrefix"] = json!(id);

    let r = FunctionRef {
        name: record.latest.name.clone(),
        qualifier: (qualifier != LATEST).then(|| qualifier.clone()),
    };
    let config_to_run = state
        .lookup(&r)
        .map_err(|_| plain(StatusCode::NOT_FOUND, "Function URL not found"))?
        .config;
    let req = InvokeRequest {
        request_id: request_id.clone(),
        invoked_arn: crate::invoke::invoked_arn(state, &r),
        config: config_to_run,
        payload: Bytes::from(event.to_string()),
        client_context: None,
        tail: false,
        stream: None,
    };
    let result = if config.mode() == "RESPONSE_STREAM" {
        match crate::stream::start(state, req).await {
            Started::Finished(result) => result,
            Started::Streaming {
                content_type,
                parts,
                done,
            } => match crate::stream::http_response(content_type, parts, done).await {
                Ok(mut resp) => {
                    if let Ok(v) = HeaderValue::from_str(&request_id) {
                        resp.headers_mut().insert("x-amzn-RequestId", v);
                    }
                    add_cors(&mut resp, config.cors.as_ref(), origin.as_deref());
                    return Ok(resp);
                }
                // A prelude that is not one: AWS's bad-gateway answer.
                Err(_) => return Err(bad_gateway()),
            },
        }
    } else {
        state.invoker.invoke(req).await
    };
    let mut resp = match result {
        Err(InvokeError::Throttled(_)) => plain(StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded."),
        Err(e) => {
            tracing::warn!(error = %e, "function URL invocation failed");
            bad_gateway()
        }
        Ok(r) if r.function_error.is_some() => bad_gateway(),
        Ok(r) => interpret(&r.payload),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    add_cors(&mut resp, config.cors.as_ref(), origin.as_deref());
    Ok(resp)
}

/// Turns a function's result into the URL's response, as AWS infers it.
fn interpret(payload: &[u8]) -> Response {
    match response::infer_v2(payload) {
        Ok(r) => crate::gateway::to_response(r),
        Err(_) => bad_gateway(),
    }
}

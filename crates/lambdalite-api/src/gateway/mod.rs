//! API Gateway-style APIs: managing their definitions under
//! `/_lambdalite/apis` (and importing them from files at start), and
//! serving them ([`serve`], and [`websocket`] for WebSocket APIs).
//!
//! The definitions are lambdalite-gateway's (OpenAPI 3 with AWS's
//! extensions); the store keeps them as JSON, and this module keeps each
//! one parsed until it changes.

mod serve;
mod websocket;

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lambdalite_gateway::authorizer::AuthCache;
use lambdalite_gateway::response::HttpResponse;
use lambdalite_gateway::{parse_api, parse_document, Api, DefinitionError};
use lambdalite_model::LambdaError;
use lambdalite_store::ApiRecord;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::read_body;
use crate::functions::blocking;
use crate::AppState;

pub use serve::dispatch;

/// The largest definition accepted.
const DEFINITION_MAX_BYTES: usize = 6 * 1024 * 1024;

/// The gateway's memory: parsed definitions and authorizers' answers.
#[derive(Default)]
pub struct Gateway {
    /// By id: the `last_modified` parsed, and the API.
    parsed: RwLock<HashMap<String, (String, Arc<Api>)>>,
    cache: Mutex<AuthCache>,
    /// WebSocket APIs' open connections.
    connections: websocket::Connections,
}

impl Gateway {
    /// An API by id, parsed once per change of its definition.
    fn api(&self, state: &AppState, id: &str) -> Option<Arc<Api>> {
        let record = state.store.api(id)?;
        if let Some((stamp, api)) = self
            .parsed
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
        {
            if *stamp == record.last_modified {
                return Some(api.clone());
            }
        }
        let api = match parse_api(&record.definition) {
            Ok(api) => Arc::new(api),
            Err(e) => {
                tracing::error!(api = id, error = %e, "a stored API definition does not parse");
                return None;
            }
        };
        self.parsed
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string(), (record.last_modified.clone(), api.clone()));
        Some(api)
    }

    fn forget(&self, id: &str) {
        self.parsed
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .forget_api(id);
    }
}

/// Whether an id can be an API's (it is a host name label too).
fn check_id(id: &str) -> ApiResult<()> {
    let ok = (1..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "{id:?} is not a valid API id: 1 to 63 lower-case letters, digits and '-', \
             not starting or ending with '-'"
        ))))
    }
}

fn api_missing(id: &str) -> ApiError {
    ApiError(LambdaError::ResourceNotFound(format!(
        "No API with id {id}"
    )))
}

fn definition_error(e: DefinitionError) -> ApiError {
    ApiError(match e {
        DefinitionError::Syntax(_) => LambdaError::InvalidRequestContent(e.to_string()),
        DefinitionError::Invalid(errors) => LambdaError::Validation(errors),
    })
}

/// A new API id: ten characters of [a-z0-9], like AWS's.
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// Stores a definition under `id` (replacing any), once it parses.
async fn import(state: &Arc<AppState>, id: &str, text: &str) -> ApiResult<(Arc<ApiRecord>, bool)> {
    check_id(id)?;
    let definition = parse_document(text).map_err(definition_error)?;
    let api = parse_api(&definition).map_err(definition_error)?;
    if !api.ignored.is_empty() {
        tracing::warn!(api = id, ignored = ?api.ignored, "API extensions lambdalite does not apply");
    }
    let st = state.clone();
    let id = id.to_string();
    let (record, created) = blocking(move || {
        let now = lambdalite_model::time::now();
        let previous = st.store.api(&id);
        let record = st.store.put_api(ApiRecord {
            id: id.clone(),
            definition,
            created: previous
                .as_ref()
                .map_or_else(|| now.clone(), |p| p.created.clone()),
            last_modified: now,
        })?;
        st.gateway.forget(&id);
        Ok((record, previous.is_none()))
    })
    .await?;
    Ok((record, created))
}

/// The host and port the caller reached lambdalite at.
fn reached_at(headers: &HeaderMap) -> (String, String) {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:9001");
    let port = host
        .rsplit_once(':')
        .map_or(String::new(), |(_, p)| format!(":{p}"));
    (host.to_string(), port)
}

/// An API as the management API shows it.
fn wire(headers: &HeaderMap, record: &ApiRecord, api: &Api, with_definition: bool) -> Value {
    let (host, port) = reached_at(headers);
    let stages: serde_json::Map<String, Value> = api
        .stages
        .iter()
        .map(|(name, vars)| {
            let prefix = if name == "$default" {
                String::new()
            } else {
                format!("{name}/")
            };
            (
                name.clone(),
                json!({
                    "variables": vars,
                    "url": format!("http://{}.execute-api.localhost{port}/{prefix}", record.id),
                    "pathUrl": format!("http://{host}/_lambdalite/execute-api/{}/{prefix}", record.id),
                }),
            )
        })
        .collect();
    let mut v = json!({
        "id": record.id,
        "name": api.name,
        "protocol": api.protocol.as_str(),
        "createdDate": record.created,
        "lastModified": record.last_modified,
        "stages": stages,
        "routes": api.routes.iter().map(|r| r.route_key()).collect::<Vec<_>>(),
        "authorizers": api.authorizers.keys().collect::<Vec<_>>(),
        "binaryMediaTypes": api.binary_media_types,
        "ignored": api.ignored,
    });
    if with_definition {
        v["definition"] = record.definition.clone();
    }
    v
}

fn shown(
    state: &AppState,
    headers: &HeaderMap,
    record: &ApiRecord,
    full: bool,
) -> ApiResult<Value> {
    let api = state.gateway.api(state, &record.id).ok_or_else(|| {
        ApiError(LambdaError::internal(
            "a stored API definition does not parse",
        ))
    })?;
    Ok(wire(headers, record, &api, full))
}

async fn definition_text(body: Body) -> ApiResult<String> {
    let body = read_body(body, DEFINITION_MAX_BYTES, "PutApi").await?;
    String::from_utf8(body.to_vec()).map_err(|_| {
        ApiError(LambdaError::InvalidRequestContent(
            "the API definition must be UTF-8 text (JSON or YAML)".into(),
        ))
    })
}

/// `PUT /_lambdalite/apis/{id}`: creates (201) or replaces (200) an API.
pub async fn put(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let text = definition_text(body).await?;
    let (record, created) = import(&state, &id, &text).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(shown(&state, &headers, &record, false)?)).into_response())
}

/// `POST /_lambdalite/apis`: creates an API with a new id.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let text = definition_text(body).await?;
    let (record, _) = import(&state, &new_id(), &text).await?;
    Ok((
        StatusCode::CREATED,
        Json(shown(&state, &headers, &record, false)?),
    )
        .into_response())
}

/// `GET /_lambdalite/apis/{id}`: an API with its definition.
pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let record = state.store.api(&id).ok_or_else(|| api_missing(&id))?;
    Ok(Json(shown(&state, &headers, &record, true)?))
}

/// `GET /_lambdalite/apis`: every API.
pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let items = state
        .store
        .apis()
        .iter()
        .map(|r| shown(&state, &headers, r, false))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(json!({ "items": items })))
}

/// `DELETE /_lambdalite/apis/{id}`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let st = state.clone();
    let gone = blocking(move || {
        let gone = st.store.delete_api(&id)?;
        st.gateway.forget(&id);
        gone.ok_or_else(|| api_missing(&id))
    })
    .await?;
    tracing::info!(api = %gone.id, "API deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The definition files a path names: the file, or the `.json`, `.yaml`
/// and `.yml` files of a folder.
fn definition_files(path: &FsPath) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("reading {}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Imports the definitions a file or folder holds; each API's id is its
/// file's name without the extension. Returns the ids imported.
pub async fn import_path(state: &Arc<AppState>, path: &FsPath) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for file in definition_files(path)? {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading {}: {e}", file.display()))?;
        let id = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        import(state, &id, &text)
            .await
            .map_err(|e| format!("{}: {}", file.display(), e.0))?;
        ids.push(id);
    }
    Ok(ids)
}

/// The address a request came from (loopback when the server doesn't
/// record peers).
pub(crate) fn source_ip(req: &axum::extract::Request) -> String {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_string(), |c| c.0.ip().to_string())
}

/// A request as lambdalite-gateway's events see it. `raw_path` is the
/// path asked for, `path` the one within the stage.
pub(crate) fn http_request(
    parts: &axum::http::request::Parts,
    raw_path: String,
    path: String,
    body: Vec<u8>,
    source_ip: String,
) -> lambdalite_gateway::event::HttpRequest {
    lambdalite_gateway::event::HttpRequest {
        method: parts.method.as_str().to_string(),
        raw_path,
        path,
        raw_query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_string(), v)
            })
            .collect(),
        body,
        source_ip,
    }
}

/// An HTTP response of lambdalite-gateway's, for axum.
pub(crate) fn to_response(r: HttpResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = resp.headers_mut();
    for (k, v) in r.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.append(name, value);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_host_labels() {
        for ok in ["a", "abc123", "my-api", &"x".repeat(63)] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "-a", "a-", "a.b", "a_b", &"x".repeat(64)] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        assert!(check_id(&new_id()).is_ok());
    }

    #[test]
    fn responses_keep_repeated_headers() {
        let r = to_response(HttpResponse {
            status: 201,
            headers: vec![
                ("set-cookie".into(), "a=1".into()),
                ("set-cookie".into(), "b=2".into()),
                ("bad header".into(), "x".into()),
            ],
            body: b"hi".to_vec(),
        });
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers().get_all("set-cookie").iter().count(), 2);
    }
}

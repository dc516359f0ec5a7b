//! Serving APIs: a request for `{apiId}.execute-api.localhost/{stage}/…`
//! (or, without DNS, `/_lambdalite/execute-api/{apiId}/{stage}/…`) is
//! routed, authorized by its route's Lambda authorizer, turned into a
//! payload 1.0 or 2.0 event and answered with what the function returns,
//! with API Gateway's status codes and messages when it can't be.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use lambdalite_gateway::authorizer::{self, AuthorizerOutput, Verdict};
use lambdalite_gateway::event::{self, HttpRequest, Matched, RequestContext};
use lambdalite_gateway::response;
use lambdalite_gateway::{Api, Authorizer, AuthorizerKind, PayloadVersion, Protocol};
use lambdalite_invoke::{InvokeError, InvokeRequest, InvokeResult};
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::{limits, FunctionRef};
use serde_json::{json, Value};

use super::to_response;
use crate::AppState;

/// Why the gateway answers instead of the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No API of that id.
    NoApi,
    /// No stage of that name.
    NoStage,
    /// No route takes the method and path.
    NoRoute,
    /// The request is too large for a function's payload.
    TooLarge,
    /// The authorizer's identity source is missing or invalid, or the
    /// authorizer said "Unauthorized".
    Unauthorized,
    /// The authorizer's policy denies the method explicitly.
    ExplicitDeny,
    /// Nothing in the authorizer's answer allows the method.
    NotAllowed,
    /// The authorizer failed or answered something unusable.
    AuthorizerFailed,
    /// The integration's function can't be found or resolved.
    Misconfigured,
    /// The function failed or answered something that is not a response.
    IntegrationFailed,
    /// The function did not answer within the integration's timeout.
    Timeout,
    /// The function is throttled.
    Throttled,
}

/// API Gateway's status, `x-amzn-ErrorType` and body for each refusal.
pub(super) fn refusal(protocol: Protocol, r: Refusal) -> Response {
    use Refusal as R;
    let (status, kind, body) = match protocol {
        Protocol::Rest => match r {
            R::NoApi | R::NoStage => (403, "ForbiddenException", json!({"message": "Forbidden"})),
            R::NoRoute => (
                403,
                "MissingAuthenticationTokenException",
                json!({"message": "Missing Authentication Token"}),
            ),
            R::TooLarge => (
                413,
                "RequestTooLargeException",
                json!({"message": "Request Too Long"}),
            ),
            R::Unauthorized => (
                401,
                "UnauthorizedException",
                json!({"message": "Unauthorized"}),
            ),
            R::ExplicitDeny => (
                403,
                "AccessDeniedException",
                json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
            ),
            R::NotAllowed => (
                403,
                "AccessDeniedException",
                json!({"Message": "User is not authorized to access this resource"}),
            ),
            R::AuthorizerFailed => (
                500,
                "AuthorizerConfigurationException",
                json!({"message": null}),
            ),
            R::Misconfigured => (
                500,
                "InternalServerErrorException",
                json!({"message": "Internal server error"}),
            ),
            R::IntegrationFailed => (
                502,
                "InternalServerErrorException",
                json!({"message": "Internal server error"}),
            ),
            R::Timeout => (
                504,
                "InternalServerErrorException",
                json!({"message": "Endpoint request timed out"}),
            ),
            R::Throttled => (
                429,
                "TooManyRequestsException",
                json!({"message": "Too Many Requests"}),
            ),
        },
        Protocol::Http | Protocol::WebSocket => {
            let (status, message) = match r {
                R::NoApi | R::NoStage | R::NoRoute => (404, "Not Found"),
                R::TooLarge => (413, "Request Entity Too Large"),
                R::Unauthorized => (401, "Unauthorized"),
                R::ExplicitDeny | R::NotAllowed => (403, "Forbidden"),
                R::AuthorizerFailed | R::Misconfigured | R::IntegrationFailed => {
                    (500, "Internal Server Error")
                }
                R::Timeout => (503, "Service Unavailable"),
                R::Throttled => (429, "Too Many Requests"),
            };
            (status, "", json!({ "message": message }))
        }
    };
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response();
    if !kind.is_empty() {
        resp.headers_mut()
            .insert("x-amzn-ErrorType", HeaderValue::from_static(kind));
    }
    resp
}

/// Where a request is going: the API id, the path after it (which starts
/// with the stage) and the domain name the API is reached at.
pub(super) struct Target {
    pub api_id: String,
    pub path: String,
    pub domain: String,
}

/// The API a request is for: by host name (`ID.execute-api.…`) or by path
/// (`/_lambdalite/execute-api/ID/…`).
fn target(req: &Request) -> Option<Target> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if let Some((id, rest)) = host.split_once('.') {
        if rest.starts_with("execute-api.") && !id.is_empty() {
            return Some(Target {
                api_id: id.to_ascii_lowercase(),
                path: req.uri().path().to_string(),
                domain: host.to_ascii_lowercase(),
            });
        }
    }
    let rest = req.uri().path().strip_prefix("/_lambdalite/execute-api/")?;
    let (id, path) = match rest.split_once('/') {
        Some((id, p)) => (id, format!("/{p}")),
        None => (rest, "/".to_string()),
    };
    let id = id.to_ascii_lowercase();
    Some(Target {
        domain: format!("{id}.execute-api.localhost"),
        api_id: id,
        path,
    })
}

/// The stage a path names and the path within it: the first segment when
/// it is a stage, else an HTTP API's `$default` stage.
pub(super) fn stage_of(api: &Api, path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (first, within) = match rest.split_once('/') {
        Some((f, w)) => (f, format!("/{w}")),
        None => (rest, "/".to_string()),
    };
    if first != "$default" && api.stages.contains_key(first) {
        return Some((first.to_string(), within));
    }
    api.stages
        .contains_key("$default")
        .then(|| ("$default".to_string(), path.to_string()))
}

/// Serves API requests; everything else goes on.
pub async fn dispatch(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some(target) = target(&req) else {
        return next.run(req).await;
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let (protocol, mut resp) = match state.gateway.api(&state, &target.api_id) {
        None => (Protocol::Http, refusal(Protocol::Http, Refusal::NoApi)),
        Some(api) => {
            let protocol = api.protocol;
            let served = if protocol == Protocol::WebSocket {
                super::websocket::serve(&state, api.clone(), &target, &request_id, req).await
            } else {
                serve(&state, &api, &target, &request_id, req).await
            };
            let resp = match served {
                Ok(r) => r,
                Err(r) => refusal(protocol, r),
            };
            (protocol, resp)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        let h = resp.headers_mut();
        match protocol {
            Protocol::Rest | Protocol::WebSocket => {
                h.insert("x-amzn-RequestId", v.clone());
                h.insert("x-amz-apigw-id", v);
            }
            Protocol::Http => {
                h.insert("apigw-requestid", v);
            }
        }
    }
    resp
}

/// What the handling of one request needs to know.
struct Call<'a> {
    state: &'a Arc<AppState>,
    api: &'a Api,
    req: HttpRequest,
    ctx: RequestContext,
    matched: Matched,
}

async fn serve(
    state: &Arc<AppState>,
    api: &Api,
    target: &Target,
    request_id: &str,
    req: Request,
) -> Result<Response, Refusal> {
    let (stage, path) = stage_of(api, &target.path).ok_or(Refusal::NoStage)?;
    let source_ip = super::source_ip(&req);
    let (parts, body) = req.into_parts();
    let (route, params) = api
        .route_for(parts.method.as_str(), &path)
        .ok_or(Refusal::NoRoute)?;
    let body = axum::body::to_bytes(body, limits::SYNC_PAYLOAD_MAX_BYTES)
        .await
        .map_err(|_| Refusal::TooLarge)?;
    let now = chrono::Utc::now();
    let call = Call {
        state,
        api,
        req: super::http_request(&parts, target.path.clone(), path, body.to_vec(), source_ip),
        ctx: RequestContext {
            account_id: state.partition.account_id.clone(),
            api_id: target.api_id.clone(),
            domain_name: target.domain.clone(),
            stage_variables: api.stages.get(&stage).cloned().unwrap_or_default(),
            stage,
            request_id: request_id.to_string(),
            time: now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            time_epoch_ms: now.timestamp_millis(),
        },
        matched: Matched {
            route_key: route.route_key(),
            resource: route.resource().to_string(),
            operation_name: route.operation_name.clone(),
            path_parameters: params,
        },
    };
    let authorized = match &route.authorizer {
        Some(name) => {
            let a = api.authorizers.get(name).ok_or(Refusal::AuthorizerFailed)?;
            Some(call.authorize(a).await?)
        }
        None => None,
    };
    let integration = &route.integration;
    let auth_context = authorized.map(|(principal, context, latency)| match integration.payload {
        PayloadVersion::V1 => authorizer::context_v1(principal.as_deref(), &context, latency),
        PayloadVersion::V2 => authorizer::context_v2(&context),
    });
    let payload = match integration.payload {
        PayloadVersion::V1 => {
            let mut e = event::event_v1(
                &call.req,
                &call.ctx,
                &call.matched,
                &api.binary_media_types,
                auth_context,
            );
            if api.protocol == Protocol::Http {
                // HTTP APIs say which format they send.
                e["version"] = json!("1.0");
            }
            e
        }
        PayloadVersion::V2 => event::event_v2(
            &call.req,
            &call.ctx,
            &call.matched,
            &api.binary_media_types,
            auth_context,
        ),
    };
    let timeout = Duration::from_millis(integration.timeout_ms);
    let result = call.invoke(&integration.function, payload, timeout).await?;
    if result.function_error.is_some() {
        return Err(Refusal::IntegrationFailed);
    }
    let interpreted = match integration.payload {
        PayloadVersion::V1 => response::proxy_v1(&result.payload),
        PayloadVersion::V2 => response::infer_v2(&result.payload),
    };
    match interpreted {
        Ok(r) => Ok(to_response(r)),
        Err(e) => {
            tracing::warn!(api = %call.ctx.api_id, route = %call.matched.route_key, error = %e, "integration answer refused");
            Err(Refusal::IntegrationFailed)
        }
    }
}

/// Puts a stage's variables into `${stageVariables.NAME}`; `None` when one
/// is not defined.
fn with_stage_variables(text: &str, ctx: &RequestContext) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after.find('}')?;
        out.push_str(ctx.stage_variables.get(&after[..end])?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Runs a function (an integration's or an authorizer's) with an event,
/// within `timeout`; the function goes on running past it.
pub(super) async fn invoke(
    state: &Arc<AppState>,
    ctx: &RequestContext,
    function: &str,
    event: Value,
    timeout: Duration,
) -> Result<InvokeResult, Refusal> {
    let named = with_stage_variables(function, ctx).ok_or_else(|| {
        tracing::warn!(api = %ctx.api_id, stage = %ctx.stage, function, "a stage variable the function names is not defined");
        Refusal::Misconfigured
    })?;
    let r: FunctionRef = parse_function_ref(&named, None, NameShape::Plain, &state.partition)
        .map_err(|e| {
            tracing::warn!(api = %ctx.api_id, function = %named, error = %e, "integration names no function");
            Refusal::Misconfigured
        })?;
    let config = state.version_to_run(&r).map_err(|e| {
        tracing::warn!(api = %ctx.api_id, function = %named, error = %e.0, "integration's function not found");
        Refusal::Misconfigured
    })?;
    let invoked_arn = match &r.qualifier {
        Some(q) => state.partition.qualified_arn(&r.name, q),
        None => state.partition.function_arn(&r.name),
    };
    let invoker = state.invoker.clone();
    let run = tokio::spawn(async move {
        invoker
            .invoke(InvokeRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                invoked_arn,
                config,
                payload: Bytes::from(event.to_string()),
                client_context: None,
                tail: false,
                stream: None,
            })
            .await
    });
    match tokio::time::timeout(timeout, run).await {
        Err(_) => Err(Refusal::Timeout),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "an integration's invocation task failed");
            Err(Refusal::IntegrationFailed)
        }
        Ok(Ok(Err(InvokeError::Throttled(_)))) => Err(Refusal::Throttled),
        Ok(Ok(Err(e))) => {
            tracing::warn!(api = %ctx.api_id, error = %e, "integration invocation failed");
            Err(Refusal::IntegrationFailed)
        }
        Ok(Ok(Ok(result))) => Ok(result),
    }
}

impl Call<'_> {
    async fn invoke(
        &self,
        function: &str,
        event: Value,
        timeout: Duration,
    ) -> Result<InvokeResult, Refusal> {
        invoke(self.state, &self.ctx, function, event, timeout).await
    }

    /// Asks the route's authorizer (or its cache); an allowed request's
    /// principal id, context and the authorizer's latency.
    async fn authorize(
        &self,
        a: &Authorizer,
    ) -> Result<(Option<String>, serde_json::Map<String, Value>, u64), Refusal> {
        let identity = authorizer::identity_values(a, &self.req, &self.ctx, &self.matched)
            .ok_or(Refusal::Unauthorized)?;
        if a.kind == AuthorizerKind::Token
            && !identity
                .first()
                .is_some_and(|t| authorizer::token_is_valid(a, t))
        {
            return Err(Refusal::Unauthorized);
        }
        let arn = authorizer::method_arn(
            &self.state.partition.region,
            &self.state.partition.account_id,
            &self.ctx.api_id,
            &self.ctx.stage,
            &self.req.method,
            &self.req.path,
        );
        let key = authorizer::cache_key(&self.ctx.api_id, a, &identity);
        let cached = key.as_ref().and_then(|k| {
            self.state
                .gateway
                .cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(k, Instant::now())
        });
        let (output, latency) = match cached {
            Some(out) => (out, 0),
            None => {
                let started = Instant::now();
                let out = Arc::new(self.ask(a, &identity, &arn).await?);
                if let Some(k) = key {
                    self.state
                        .gateway
                        .cache
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .put(
                            k,
                            out.clone(),
                            Duration::from_secs(a.ttl_seconds),
                            Instant::now(),
                        );
                }
                (out, started.elapsed().as_millis() as u64)
            }
        };
        match output.decide(&arn) {
            Verdict::Allow {
                principal_id,
                context,
            } => Ok((principal_id, context, latency)),
            Verdict::ExplicitDeny => Err(Refusal::ExplicitDeny),
            Verdict::NotAllowed => Err(Refusal::NotAllowed),
        }
    }

    /// Runs the authorizer function and reads its answer.
    async fn ask(
        &self,
        a: &Authorizer,
        identity: &[String],
        arn: &str,
    ) -> Result<AuthorizerOutput, Refusal> {
        let (req, ctx, m) = (&self.req, &self.ctx, &self.matched);
        let event = match (self.api.protocol, a.kind, a.payload) {
            (_, AuthorizerKind::Token, _) => {
                event::authorizer_token(identity.first().map_or("", String::as_str), arn)
            }
            (Protocol::Rest | Protocol::WebSocket, AuthorizerKind::Request, _) => {
                event::authorizer_request_v1(req, ctx, m, arn)
            }
            (Protocol::Http, AuthorizerKind::Request, PayloadVersion::V1) => {
                event::authorizer_request_v1_http(req, ctx, m, arn, identity)
            }
            (Protocol::Http, AuthorizerKind::Request, PayloadVersion::V2) => {
                event::authorizer_request_v2(req, ctx, m, arn, identity)
            }
        };
        let result = self
            .invoke(&a.function, event, AUTHORIZER_TIMEOUT)
            .await
            .map_err(|_| Refusal::AuthorizerFailed)?;
        if result.function_error.is_some() {
            // The documented way for an authorizer to say 401.
            let message = serde_json::from_slice::<Value>(&result.payload)
                .ok()
                .and_then(|v| {
                    v.get("errorMessage")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            if message.as_deref() == Some("Unauthorized") {
                return Err(Refusal::Unauthorized);
            }
            return Err(Refusal::AuthorizerFailed);
        }
        authorizer::parse_output(&result.payload, a.simple_responses).map_err(|e| {
            tracing::warn!(api = %ctx.api_id, authorizer = %a.name, error = %e, "authorizer answer refused");
            Refusal::AuthorizerFailed
        })
    }
}

/// How long an authorizer may take (API Gateway's limit).
const AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn api(stages: &[&str]) -> Api {
        Api {
            name: String::new(),
            protocol: Protocol::Http,
            routes: Vec::new(),
            authorizers: BTreeMap::new(),
            stages: stages
                .iter()
                .map(|s| (s.to_string(), BTreeMap::new()))
                .collect(),
            binary_media_types: Vec::new(),
            route_selection: Vec::new(),
            ignored: Vec::new(),
        }
    }

    #[test]
    fn stages_from_paths() {
        let a = api(&["prod", "$default"]);
        assert_eq!(
            stage_of(&a, "/prod/items/1"),
            Some(("prod".into(), "/items/1".into()))
        );
        assert_eq!(stage_of(&a, "/prod"), Some(("prod".into(), "/".into())));
        assert_eq!(
            stage_of(&a, "/items/1"),
            Some(("$default".into(), "/items/1".into()))
        );
        let rest = api(&["prod"]);
        assert_eq!(stage_of(&rest, "/dev/x"), None);
        assert_eq!(stage_of(&rest, "/"), None);
    }

    #[test]
    fn stage_variables_in_function_names() {
        let mut ctx = RequestContext::default();
        ctx.stage_variables.insert("alias".into(), "live".into());
        assert_eq!(
            with_stage_variables("f:${stageVariables.alias}", &ctx).as_deref(),
            Some("f:live")
        );
        assert_eq!(
            with_stage_variables("plain", &ctx).as_deref(),
            Some("plain")
        );
        assert_eq!(with_stage_variables("f:${stageVariables.none}", &ctx), None);
        assert_eq!(with_stage_variables("f:${stageVariables.alias", &ctx), None);
    }

    #[test]
    fn every_refusal_has_aws_status() {
        let rest = |r| refusal(Protocol::Rest, r).status().as_u16();
        let http = |r| refusal(Protocol::Http, r).status().as_u16();
        assert_eq!(rest(Refusal::NoRoute), 403);
        assert_eq!(http(Refusal::NoRoute), 404);
        assert_eq!(rest(Refusal::IntegrationFailed), 502);
        assert_eq!(http(Refusal::IntegrationFailed), 500);
        assert_eq!(rest(Refusal::Timeout), 504);
        assert_eq!(rest(Refusal::Throttled), 429);
        assert_eq!(rest(Refusal::Unauthorized), 401);
        assert_eq!(rest(Refusal::ExplicitDeny), 403);
        assert_eq!(rest(Refusal::AuthorizerFailed), 500);
    }
}

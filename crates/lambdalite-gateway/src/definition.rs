//! An API's definition: OpenAPI 3 (JSON or YAML) with AWS's
//! `x-amazon-apigateway-*` extensions and lambdalite's `x-lambdalite`
//! (protocol and stages), read into an [`Api`].
//!
//! Every problem of a definition is reported together, each with the place
//! in the document it is at.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

use crate::routes::{PathTemplate, RouteMatch};

/// REST API (API Gateway v1) or HTTP API (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Rest,
    Http,
    WebSocket,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Rest => "REST",
            Protocol::Http => "HTTP",
            Protocol::WebSocket => "WEBSOCKET",
        }
    }
}

/// The shape of the events a function receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadVersion {
    V1,
    V2,
}

impl PayloadVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadVersion::V1 => "1.0",
            PayloadVersion::V2 => "2.0",
        }
    }
}

/// A Lambda proxy integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// The function: a name or an ARN (with an optional qualifier), which
    /// may hold `${stageVariables.NAME}`.
    pub function: String,
    pub payload: PayloadVersion,
    pub timeout_ms: u64,
}

/// One route (REST: a method of a resource).
#[derive(Debug, Clone)]
pub struct Route {
    pub matcher: RouteMatch,
    pub integration: Integration,
    /// The name of its Lambda authorizer (a security scheme), if any.
    pub authorizer: Option<String>,
    /// The operation's `operationId`.
    pub operation_name: Option<String>,
    /// WebSocket APIs: the function's answer is sent back to the client
    /// (`x-lambdalite-route-response: true`).
    pub route_response: bool,
}

impl Route {
    /// `GET /items/{id}`, `ANY /{proxy+}` or `$default`.
    pub fn route_key(&self) -> String {
        match &self.matcher {
            RouteMatch::Path { method, template } => format!("{method} {}", template.text),
            RouteMatch::Default => "$default".into(),
            RouteMatch::Key(k) => k.clone(),
        }
    }

    /// The resource path (`/items/{id}`), `$default` for the default route.
    pub fn resource(&self) -> &str {
        match &self.matcher {
            RouteMatch::Path { template, .. } => &template.text,
            RouteMatch::Default => "$default",
            RouteMatch::Key(k) => k,
        }
    }
}

/// TOKEN (a bearer token from one header) or REQUEST (several sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerKind {
    Token,
    Request,
}

/// Where an authorizer's identity comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    Header(String),
    Query(String),
    StageVariable(String),
    Context(String),
}

impl IdentitySource {
    fn parse(text: &str) -> Option<IdentitySource> {
        let t = text.trim();
        let t = t.strip_prefix('$').unwrap_or(t);
        let (kind, name) = if let Some(n) = t
            .strip_prefix("method.request.header.")
            .or_else(|| t.strip_prefix("request.header."))
        {
            (0, n)
        } else if let Some(n) = t
            .strip_prefix("method.request.querystring.")
            .or_else(|| t.strip_prefix("request.querystring."))
        {
            (1, n)
        } else if let Some(n) = t.strip_prefix("stageVariables.") {
            (2, n)
        } else if let Some(n) = t.strip_prefix("context.") {
            (3, n)
        } else {
            return None;
        };
        if name.is_empty() {
            return None;
        }
        let name = name.to_string();
        Some(match kind {
            0 => IdentitySource::Header(name),
            1 => IdentitySource::Query(name),
            2 => IdentitySource::StageVariable(name),
            _ => IdentitySource::Context(name),
        })
    }
}

/// A Lambda authorizer.
#[derive(Debug, Clone)]
pub struct Authorizer {
    pub name: String,
    pub kind: AuthorizerKind,
    /// The authorizer function, as [`Integration::function`].
    pub function: String,
    pub identity_sources: Vec<IdentitySource>,
    /// TOKEN: the token must match it whole.
    pub validation: Option<Regex>,
    /// 0: every request is authorized anew.
    pub ttl_seconds: u64,
    pub payload: PayloadVersion,
    /// HTTP API, 2.0: `{"isAuthorized": bool, "context": {...}}` instead of
    /// an IAM policy.
    pub simple_responses: bool,
}

/// An API: its routes, authorizers, stages and binary media types.
#[derive(Debug, Clone)]
pub struct Api {
    pub name: String,
    pub protocol: Protocol,
    pub routes: Vec<Route>,
    pub authorizers: BTreeMap<String, Authorizer>,
    /// Stage name to its stage variables.
    pub stages: BTreeMap<String, BTreeMap<String, String>>,
    pub binary_media_types: Vec<String>,
    /// WebSocket APIs: the path in a message's JSON body whose value is the
    /// route key (`$request.body.action` is `["action"]`).
    pub route_selection: Vec<String>,
    /// AWS extensions of the document that lambdalite does not apply.
    pub ignored: Vec<String>,
}

impl Api {
    /// A WebSocket API's route of this key.
    pub fn route_by_key(&self, key: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| matches!(&r.matcher, RouteMatch::Key(k) if k == key))
    }

    /// The route that takes `method path`, with its path parameters.
    pub fn route_for(&self, method: &str, path: &str) -> Option<(&Route, Vec<(String, String)>)> {
        let (i, params) =
            crate::routes::select(self.routes.iter().map(|r| &r.matcher), method, path)?;
        Some((&self.routes[i], params))
    }
}

/// Why a definition can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// Neither JSON nor YAML.
    #[error("the API definition is neither JSON nor YAML: {0}")]
    Syntax(String),
    /// Readable, but not a valid API.
    #[error("the API definition is not valid: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// Reads a definition's text, JSON or YAML.
pub fn parse_document(text: &str) -> Result<Value, DefinitionError> {
    let json_err = match serde_json::from_str::<Value>(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    if text.trim_start().starts_with('{') {
        return Err(DefinitionError::Syntax(json_err.to_string()));
    }
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| DefinitionError::Syntax(e.to_string()))
}

const REST_MAX_TIMEOUT_MS: u64 = 29_000;
const HTTP_MAX_TIMEOUT_MS: u64 = 30_000;
const DEFAULT_TTL_SECONDS: u64 = 300;
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

/// The function an integration's `uri` names: AWS's
/// `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations`,
/// or a function ARN or name as it is.
pub fn function_of_uri(uri: &str) -> Result<String, String> {
    let uri = uri.trim();
    let function = match uri.split_once(":apigateway:") {
        Some((prefix, rest)) if prefix.starts_with("arn:") => {
            let path = rest
                .split_once(":lambda:path/")
                .map(|(_, p)| p)
                .ok_or_else(|| format!("{uri:?} is not a Lambda function's invocation URI"))?;
            let inner = path
                .split_once("/functions/")
                .map(|(_, f)| f)
                .and_then(|f| f.strip_suffix("/invocations"))
                .ok_or_else(|| format!("{uri:?} is not a Lambda function's invocation URI"))?;
            inner.to_string()
        }
        _ => uri.to_string(),
    };
    if function.is_empty() || function.contains(char::is_whitespace) || function.contains('/') {
        return Err(format!("{uri:?} does not name a function"));
    }
    Ok(function)
}

fn stage_name_ok(name: &str, protocol: Protocol) -> bool {
    (name == "$default" && protocol == Protocol::Http)
        || (!name.is_empty()
            && name.len() <= 128
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
}

fn stage_value_ok(v: &str) -> bool {
    v.len() <= 512
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#&=,".contains(&b))
}

/// Collects a definition's problems as it is read.
struct Reader {
    errors: Vec<String>,
    route_selection: Vec<String>,
}

impl Reader {
    fn err(&mut self, msg: impl Into<String>) {
        self.errors.push(msg.into());
    }

    fn protocol_and_stages(
        &mut self,
        doc: &Map<String, Value>,
    ) -> (Protocol, BTreeMap<String, BTreeMap<String, String>>) {
        let mut protocol = Protocol::Rest;
        let mut stages = BTreeMap::new();
        let ext = match doc.get("x-lambdalite") {
            None => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                self.err("x-lambdalite must be an object");
                None
            }
        };
        if let Some(ext) = ext {
            for key in ext.keys() {
                if !matches!(
                    key.as_str(),
                    "protocol" | "stages" | "routeSelectionExpression"
                ) {
                    self.err(format!(
                        "x-lambdalite.{key} is unknown (expected protocol, stages, \
                         routeSelectionExpression)"
                    ));
                }
            }
            match ext
                .get("protocol")
                .map(|p| p.as_str().map(str::to_ascii_uppercase))
            {
                None => {}
                Some(Some(p)) if p == "REST" => protocol = Protocol::Rest,
                Some(Some(p)) if p == "HTTP" => protocol = Protocol::Http,
                Some(Some(p)) if p == "WEBSOCKET" => protocol = Protocol::WebSocket,
                Some(_) => self.err("x-lambdalite.protocol must be REST, HTTP or WEBSOCKET"),
            }
            // AWS's own spelling, at the top of the document, works too.
            let expr = ext
                .get("routeSelectionExpression")
                .or_else(|| doc.get(ROUTE_SELECTION));
            if expr.is_some() && protocol != Protocol::WebSocket {
                self.err("x-lambdalite.routeSelectionExpression is for WebSocket APIs");
            }
            let expr = expr
                .and_then(Value::as_str)
                .unwrap_or("$request.body.action");
            match expr.strip_prefix("$request.body.") {
                Some(path) if !path.is_empty() && !path.split('.').any(str::is_empty) => {
                    self.route_selection = path.split('.').map(str::to_string).collect();
                }
                _ => self.err(format!(
                    "x-lambdalite.routeSelectionExpression {expr:?} must be $request.body.PATH"
                )),
            }
            match ext.get("stages") {
                None => {}
                Some(Value::Object(s)) => {
                    for (name, stage) in s {
                        let at = format!("x-lambdalite.stages.{name}");
                        if !stage_name_ok(name, protocol) {
                            self.err(format!(
                                "{at}: a stage name has only letters, digits, '-' and '_' \
                                 ($default is for HTTP APIs)"
                            ));
                        }
                        stages.insert(name.clone(), self.stage_variables(&at, stage));
                    }
                }
                Some(_) => self.err("x-lambdalite.stages must be an object of stages"),
            }
        }
        if stages.is_empty() {
            let name = match protocol {
                Protocol::Rest | Protocol::WebSocket => "prod",
                Protocol::Http => "$default",
            };
            stages.insert(name.to_string(), BTreeMap::new());
        }
        (protocol, stages)
    }

    fn stage_variables(&mut self, at: &str, stage: &Value) -> BTreeMap<String, String> {
        let mut vars = BTreeMap::new();
        let stage = match stage {
            Value::Null => return vars,
            Value::Object(o) => o,
            _ => {
                self.err(format!("{at} must be an object"));
                return vars;
            }
        };
        for key in stage.keys() {
            if key != "variables" {
                self.err(format!("{at}.{key} is unknown (expected variables)"));
            }
        }
        match stage.get("variables") {
            None | Some(Value::Null) => {}
            Some(Value::Object(v)) => {
                for (k, v) in v {
                    let value = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => {
                            self.err(format!("{at}.variables.{k} must be a string"));
                            continue;
                        }
                    };
                    if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        self.err(format!(
                            "{at}.variables: {k:?} is not a valid name (letters, digits, '_')"
                        ));
                    }
                    if !stage_value_ok(&value) {
                        self.err(format!(
                            "{at}.variables.{k}: a value has at most 512 of letters, digits \
                             and -._~:/?#&=,"
                        ));
                    }
                    vars.insert(k.clone(), value);
                }
            }
            Some(_) => self.err(format!("{at}.variables must be an object")),
        }
        vars
    }

    /// A WebSocket API's route: `paths.ROUTE_KEY` with
    /// `x-amazon-apigateway-any-method`.
    fn websocket_route(
        &mut self,
        key: &str,
        item: &Map<String, Value>,
        ignored: &mut Vec<String>,
    ) -> Option<Route> {
        let at = format!("paths.{key}");
        if key.is_empty() || key.len() > 128 || key.contains(char::is_whitespace) {
            self.err(format!(
                "{at}: a route key has 1 to 128 characters, no spaces"
            ));
            return None;
        }
        if key.starts_with('$') && !matches!(key, "$connect" | "$disconnect" | "$default") {
            self.err(format!(
                "{at}: the predefined routes are $connect, $disconnect and $default"
            ));
            return None;
        }
        for k in item.keys() {
            if METHODS.contains(&k.as_str()) {
                self.err(format!(
                    "{at}.{k}: a WebSocket route takes x-amazon-apigateway-any-method"
                ));
            }
        }
        let Some(Value::Object(op)) = item.get(ANY_METHOD) else {
            self.err(format!("{at} has no x-amazon-apigateway-any-method object"));
            return None;
        };
        let at = format!("{at}.{ANY_METHOD}");
        if op.contains_key("security") {
            self.err(format!(
                "{at}.security: lambdalite's WebSocket APIs have no authorizers"
            ));
        }
        ignored.extend(unsupported_extensions(&at, op, OPERATION_EXTENSIONS));
        let integration = self.integration(
            &at,
            op.get("x-amazon-apigateway-integration"),
            Protocol::WebSocket,
        )?;
        let route_response = match op.get("x-lambdalite-route-response") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.err(format!(
                    "{at}.x-lambdalite-route-response must be true or false"
                ));
                false
            }
        };
        if route_response && key == "$disconnect" {
            self.err(format!("{at}: $disconnect has no one to answer"));
        }
        Some(Route {
            matcher: RouteMatch::Key(key.to_string()),
            integration,
            authorizer: None,
            route_response,
            operation_name: op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// The function a `uri` or `authorizerUri` names.
    fn function(&mut self, at: &str, v: Option<&Value>) -> Option<String> {
        let Some(uri) = v.and_then(Value::as_str) else {
            self.err(format!("{at} is missing"));
            return None;
        };
        function_of_uri(uri)
            .map_err(|e| self.err(format!("{at}: {e}")))
            .ok()
    }

    fn payload_version(
        &mut self,
        at: &str,
        v: Option<&Value>,
        protocol: Protocol,
    ) -> PayloadVersion {
        let default = match protocol {
            Protocol::Rest | Protocol::WebSocket => PayloadVersion::V1,
            Protocol::Http => PayloadVersion::V2,
        };
        let text = match v {
            None | Some(Value::Null) => return default,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => String::new(),
        };
        match (text.as_str(), protocol) {
            ("1.0" | "1", _) => PayloadVersion::V1,
            ("2.0" | "2", Protocol::Http) => PayloadVersion::V2,
            ("2.0" | "2", Protocol::Rest | Protocol::WebSocket) => {
                self.err(format!(
                    "{at}: payload format 2.0 is for HTTP APIs (REST APIs send 1.0, \
                     WebSocket APIs their own events)"
                ));
                default
            }
            _ => {
                self.err(format!("{at} must be \"1.0\" or \"2.0\""));
                default
            }
        }
    }

    fn integration(
        &mut self,
        at: &str,
        v: Option<&Value>,
        protocol: Protocol,
    ) -> Option<Integration> {
        let Some(v) = v else {
            self.err(format!(
                "{at} has no x-amazon-apigateway-integration (a Lambda proxy integration)"
            ));
            return None;
        };
        let at = format!("{at}.x-amazon-apigateway-integration");
        let Some(o) = v.as_object() else {
            self.err(format!("{at} must be an object"));
            return None;
        };
        match o.get("type").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case("aws_proxy") => {}
            Some(t) => {
                self.err(format!(
                    "{at}.type {t:?} is not supported: lambdalite runs Lambda proxy integrations (aws_proxy)"
                ));
                return None;
            }
            None => {
                self.err(format!("{at}.type is missing (expected aws_proxy)"));
                return None;
            }
        }
        let function = self.function(&format!("{at}.uri"), o.get("uri"))?;
        let payload = self.payload_version(
            &format!("{at}.payloadFormatVersion"),
            o.get("payloadFormatVersion"),
            protocol,
        );
        let max = match protocol {
            Protocol::Rest | Protocol::WebSocket => REST_MAX_TIMEOUT_MS,
            Protocol::Http => HTTP_MAX_TIMEOUT_MS,
        };
        let timeout_ms = match o.get("timeoutInMillis") {
            None | Some(Value::Null) => max,
            Some(t) => match t
                .as_u64()
                .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
            {
                Some(ms) if (50..=max).contains(&ms) => ms,
                _ => {
                    self.err(format!(
                        "{at}.timeoutInMillis must be a number from 50 to {max}"
                    ));
                    max
                }
            },
        };
        Some(Integration {
            function,
            payload,
            timeout_ms,
        })
    }

    /// The Lambda authorizer a security requirement list names, if any.
    fn security(
        &mut self,
        at: &str,
        v: &Value,
        schemes: &BTreeMap<String, Authorizer>,
        others: &[String],
    ) -> Option<String> {
        let Some(list) = v.as_array() else {
            self.err(format!("{at} must be a list of security requirements"));
            return None;
        };
        let mut found = None;
        for req in list {
            let Some(req) = req.as_object() else {
                self.err(format!("{at} must be a list of objects"));
                continue;
            };
            for name in req.keys() {
                if schemes.contains_key(name) {
                    if found.as_ref().is_some_and(|f| f != name) {
                        self.err(format!(
                            "{at}: one route takes one Lambda authorizer, not {} and {name}",
                            found.as_deref().unwrap_or_default()
                        ));
                    }
                    found = Some(name.clone());
                } else if others.contains(name) {
                    self.err(format!(
                        "{at}: security scheme {name:?} is not supported (only Lambda \
                         authorizers, x-amazon-apigateway-authorizer)"
                    ));
                } else {
                    self.err(format!(
                        "{at}: security scheme {name:?} is not defined in components.securitySchemes"
                    ));
                }
            }
        }
        found
    }

    fn authorizer(
        &mut self,
        name: &str,
        scheme: &Map<String, Value>,
        protocol: Protocol,
    ) -> Option<Authorizer> {
        let at = format!("components.securitySchemes.{name}.x-amazon-apigateway-authorizer");
        let a = match scheme.get("x-amazon-apigateway-authorizer")? {
            Value::Object(a) => a,
            _ => {
                self.err(format!("{at} must be an object"));
                return None;
            }
        };
        let kind = match a
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        {
            Some(t) if t == "token" && protocol == Protocol::Rest => AuthorizerKind::Token,
            Some(t) if t == "token" => {
                self.err(format!(
                    "{at}.type: HTTP APIs have REQUEST Lambda authorizers, not TOKEN"
                ));
                return None;
            }
            Some(t) if t == "request" => AuthorizerKind::Request,
            Some(t) => {
                self.err(format!(
                    "{at}.type {t:?} is not supported (token or request)"
                ));
                return None;
            }
            None => {
                self.err(format!("{at}.type is missing (token or request)"));
                return None;
            }
        };
        let function = self.function(&format!("{at}.authorizerUri"), a.get("authorizerUri"))?;
        let texts: Vec<String> = match a.get("identitySource") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(_) => {
                self.err(format!("{at}.identitySource must be a string or a list"));
                Vec::new()
            }
        };
        let mut identity_sources = Vec::new();
        for t in &texts {
            match IdentitySource::parse(t) {
                Some(s) => identity_sources.push(s),
                None => self.err(format!(
                    "{at}.identitySource: {t:?} is not a header, query string, stage variable \
                     or context source"
                )),
            }
        }
        if kind == AuthorizerKind::Token {
            if identity_sources.is_empty() {
                identity_sources.push(IdentitySource::Header("Authorization".into()));
            }
            if identity_sources.len() != 1
                || !matches!(identity_sources[0], IdentitySource::Header(_))
            {
                self.err(format!(
                    "{at}.identitySource: a TOKEN authorizer takes one header \
                     (method.request.header.NAME)"
                ));
            }
        }
        let validation = match a
            .get("identityValidationExpression")
            .and_then(Value::as_str)
        {
            Some(expr) if kind == AuthorizerKind::Token => {
                match Regex::new(&format!("^(?:{expr})$")) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        self.err(format!("{at}.identityValidationExpression: {e}"));
                        None
                    }
                }
            }
            _ => None,
        };
        let ttl_seconds = match a.get("authorizerResultTtlInSeconds") {
            None | Some(Value::Null) => DEFAULT_TTL_SECONDS,
            Some(v) => match v.as_u64() {
                Some(t) if t <= 3600 => t,
                _ => {
                    self.err(format!(
                        "{at}.authorizerResultTtlInSeconds must be a number from 0 to 3600"
                    ));
                    DEFAULT_TTL_SECONDS
                }
            },
        };
        let payload = match protocol {
            Protocol::Rest | Protocol::WebSocket => PayloadVersion::V1,
            Protocol::Http => self.payload_version(
                &format!("{at}.authorizerPayloadFormatVersion"),
                a.get("authorizerPayloadFormatVersion"),
                protocol,
            ),
        };
        let simple_responses = match a.get("enableSimpleResponses") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.err(format!("{at}.enableSimpleResponses must be true or false"));
                false
            }
        };
        if simple_responses && payload != PayloadVersion::V2 {
            self.err(format!(
                "{at}.enableSimpleResponses needs authorizerPayloadFormatVersion 2.0 (an HTTP API)"
            ));
        }
        Some(Authorizer {
            name: name.to_string(),
            kind,
            function,
            identity_sources,
            validation,
            ttl_seconds,
            payload,
            simple_responses,
        })
    }
}

/// Reads a definition (as [`parse_document`] returns it) into an API.
pub fn parse_api(doc: &Value) -> Result<Api, DefinitionError> {
    let mut r = Reader {
        errors: Vec::new(),
        route_selection: Vec::new(),
    };
    let Some(doc) = doc.as_object() else {
        return Err(DefinitionError::Invalid(vec![
            "the definition must be an OpenAPI 3 object".into(),
        ]));
    };
    match doc.get("openapi").map(|v| v.as_str()) {
        Some(Some(v)) if v.starts_with("3.") => {}
        Some(_) => r.err("openapi must be a 3.x version, e.g. \"3.0.1\""),
        None => r.err("openapi is missing (an OpenAPI 3 document, e.g. openapi: \"3.0.1\")"),
    }
    let name = doc
        .get("info")
        .and_then(|i| i.get("title"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (protocol, stages) = r.protocol_and_stages(doc);

    // Authorizers.
    let mut authorizers = BTreeMap::new();
    let mut other_schemes = Vec::new();
    if let Some(schemes) = doc.get("components").and_then(|c| c.get("securitySchemes")) {
        match schemes.as_object() {
            Some(schemes) => {
                for (name, scheme) in schemes {
                    let Some(s) = scheme.as_object() else {
                        r.err(format!(
                            "components.securitySchemes.{name} must be an object"
                        ));
                        continue;
                    };
                    if !s.contains_key("x-amazon-apigateway-authorizer") {
                        other_schemes.push(name.clone());
                        continue;
                    }
                    if let Some(a) = r.authorizer(name, s, protocol) {
                        authorizers.insert(name.clone(), a);
                    }
                }
            }
            None => r.err("components.securitySchemes must be an object"),
        }
    }
    let default_authorizer = match doc.get("security") {
        Some(v) => r.security("security", v, &authorizers, &other_schemes),
        None => None,
    };

    // Binary media types.
    let mut binary_media_types = Vec::new();
    match doc.get("x-amazon-apigateway-binary-media-types") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for t in items {
                match t.as_str().map(|t| t.replace("~1", "/")) {
                    Some(t) if t.contains('/') => binary_media_types.push(t),
                    _ => r.err(format!(
                        "x-amazon-apigateway-binary-media-types: {t} is not a media type (type/subtype)"
                    )),
                }
            }
        }
        Some(_) => r.err("x-amazon-apigateway-binary-media-types must be a list"),
    }

    // Routes.
    let mut ignored = unsupported_extensions("", doc, DOCUMENT_EXTENSIONS);
    let mut routes = Vec::new();
    match doc.get("paths") {
        Some(Value::Object(paths)) => {
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    r.err(format!("paths.{path} must be an object"));
                    continue;
                };
                if protocol == Protocol::WebSocket {
                    if let Some(route) = r.websocket_route(path, item, &mut ignored) {
                        routes.push(route);
                    }
                    continue;
                }
                let is_default = path == "$default" || path == "/$default";
                if is_default && protocol == Protocol::Rest {
                    r.err(format!(
                        "paths.{path}: the $default route is for HTTP APIs (a REST API uses /{{proxy+}})"
                    ));
                    continue;
                }
                let template = if is_default {
                    None
                } else {
                    match PathTemplate::parse(path) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            r.err(format!("paths: {e}"));
                            continue;
                        }
                    }
                };
                for (key, op) in item {
                    let method = if key == ANY_METHOD {
                        "ANY".to_string()
                    } else if METHODS.contains(&key.as_str()) {
                        key.to_ascii_uppercase()
                    } else {
                        continue;
                    };
                    let at = format!("paths.{path}.{key}");
                    let Some(op) = op.as_object() else {
                        r.err(format!("{at} must be an object"));
                        continue;
                    };
                    ignored.extend(unsupported_extensions(&at, op, OPERATION_EXTENSIONS));
                    let integration =
                        r.integration(&at, op.get("x-amazon-apigateway-integration"), protocol);
                    let authorizer = match op.get("security") {
                        Some(v) => {
                            r.security(&format!("{at}.security"), v, &authorizers, &other_schemes)
                        }
                        None => default_authorizer.clone(),
                    };
                    let matcher = match &template {
                        Some(t) => RouteMatch::Path {
                            method,
                            template: t.clone(),
                        },
                        None if method == "ANY" => RouteMatch::Default,
                        None => {
                            r.err(format!(
                                "{at}: the $default route takes any method \
                                 (x-amazon-apigateway-any-method)"
                            ));
                            continue;
                        }
                    };
                    if let Some(integration) = integration {
                        routes.push(Route {
                            matcher,
                            integration,
                            authorizer,
                            operation_name: op
                                .get("operationId")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            route_response: false,
                        });
                    }
                }
            }
        }
        Some(_) => r.err("paths must be an object"),
        None => r.err("paths is missing"),
    }
    if r.errors.is_empty() && routes.is_empty() {
        r.err("the API has no routes (paths with x-amazon-apigateway-integration)");
    }
    if !r.errors.is_empty() {
        return Err(DefinitionError::Invalid(r.errors));
    }
    Ok(Api {
        name,
        protocol,
        routes,
        authorizers,
        stages,
        binary_media_types,
        route_selection: r.route_selection,
        ignored,
    })
}

/// The AWS extensions lambdalite applies at the top of a document.
const ROUTE_SELECTION: &str = "x-amazon-apigateway-route-selection-expression";

const DOCUMENT_EXTENSIONS: &[&str] = &["x-amazon-apigateway-binary-media-types", ROUTE_SELECTION];
/// ... and in an operation.
const OPERATION_EXTENSIONS: &[&str] = &["x-amazon-apigateway-integration"];

/// The `x-amazon-apigateway-*` members of an object that lambdalite does
/// not apply (CORS, request validators, gateway responses, ...).
fn unsupported_extensions(at: &str, o: &Map<String, Value>, known: &[&str]) -> Vec<String> {
    o.keys()
        .filter(|k| k.starts_with("x-amazon-apigateway-") && !known.contains(&k.as_str()))
        .map(|k| {
            if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:items:${stageVariables.alias}/invocations";

    fn yaml() -> String {
        format!(
            r#"
openapi: "3.0.1"
info:
  title: shop
x-lambdalite:
  protocol: REST
  stages:
    prod:
      variables:
        alias: live
    dev: {{}}
x-amazon-apigateway-binary-media-types: [image/png, "application~1octet-stream"]
x-amazon-apigateway-cors:
  allowOrigins: ["*"]
security:
  - tok: []
paths:
  /items/{{id}}:
    get:
      operationId: getItem
      x-amazon-apigateway-request-validator: all
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "{URI}"
        timeoutInMillis: 5000
      responses:
        200:
          description: ok
  /{{proxy+}}:
    x-amazon-apigateway-any-method:
      security: []
      x-amazon-apigateway-integration:
        type: AWS_PROXY
        uri: other
components:
  securitySchemes:
    tok:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:lambda:us-east-1:000000000000:function:auth
        identityValidationExpression: "Bearer .+"
        authorizerResultTtlInSeconds: 0
"#
        )
    }

    #[test]
    fn reads_a_rest_api_in_yaml() {
        let doc = parse_document(&yaml()).unwrap();
        let api = parse_api(&doc).unwrap();
        assert_eq!(api.name, "shop");
        assert_eq!(api.protocol, Protocol::Rest);
        assert_eq!(api.stages["prod"]["alias"], "live");
        assert!(api.stages["dev"].is_empty());
        assert_eq!(
            api.binary_media_types,
            vec!["image/png", "application/octet-stream"]
        );
        assert_eq!(api.routes.len(), 2);
        let get = api
            .routes
            .iter()
            .find(|r| r.route_key() == "GET /items/{id}")
            .unwrap();
        assert_eq!(
            get.integration.function,
            "arn:aws:lambda:us-east-1:000000000000:function:items:${stageVariables.alias}"
        );
        assert_eq!(get.integration.timeout_ms, 5000);
        assert_eq!(get.integration.payload, PayloadVersion::V1);
        assert_eq!(get.authorizer.as_deref(), Some("tok"));
        assert_eq!(get.operation_name.as_deref(), Some("getItem"));
        let any = api
            .routes
            .iter()
            .find(|r| r.route_key() == "ANY /{proxy+}")
            .unwrap();
        assert_eq!(any.authorizer, None);
        assert_eq!(any.integration.timeout_ms, 29_000);
        assert_eq!(
            api.ignored,
            vec![
                "x-amazon-apigateway-cors",
                "paths./items/{id}.get.x-amazon-apigateway-request-validator"
            ]
        );
        let tok = &api.authorizers["tok"];
        assert_eq!(tok.kind, AuthorizerKind::Token);
        assert_eq!(
            tok.identity_sources,
            vec![IdentitySource::Header("Authorization".into())]
        );
        assert_eq!(tok.ttl_seconds, 0);
        let v = tok.validation.as_ref().unwrap();
        assert!(v.is_match("Bearer x"));
        assert!(!v.is_match("xBearer x"));
        assert_eq!(
            api.route_for("GET", "/items/3").unwrap().0.route_key(),
            "GET /items/{id}"
        );
        assert_eq!(
            api.route_for("POST", "/items/3").unwrap().0.route_key(),
            "ANY /{proxy+}"
        );
    }

    #[test]
    fn reads_an_http_api_in_json() {
        let doc = serde_json::json!({
            "openapi": "3.0.1",
            "info": {"title": "h"},
            "x-lambdalite": {"protocol": "http"},
            "paths": {
                "/a/{b}": {"post": {"security": [{"req": []}], "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "uri": "fn", "payloadFormatVersion": "1.0"}}},
                "$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "uri": "fn"}}}
            },
            "components": {"securitySchemes": {"req": {"type": "apiKey", "name": "x", "in": "header",
                "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": "auth",
                    "identitySource": "$request.header.X-User, $request.querystring.k",
                    "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true}}}}
        });
        let api = parse_api(&doc).unwrap();
        assert_eq!(api.protocol, Protocol::Http);
        assert!(api.stages.contains_key("$default"));
        let post = api.route_for("POST", "/a/1").unwrap().0;
        assert_eq!(post.integration.payload, PayloadVersion::V1);
        assert_eq!(post.integration.timeout_ms, 30_000);
        let d = api.route_for("GET", "/zzz").unwrap().0;
        assert_eq!(d.route_key(), "$default");
        assert_eq!(d.integration.payload, PayloadVersion::V2);
        let a = &api.authorizers["req"];
        assert_eq!(
            a.identity_sources,
            vec![
                IdentitySource::Header("X-User".into()),
                IdentitySource::Query("k".into())
            ]
        );
        assert!(a.simple_responses);
        assert_eq!(a.ttl_seconds, 300);
    }

    #[test]
    fn function_of_uri_takes_every_form() {
        assert_eq!(
            function_of_uri("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:f:live/invocations").unwrap(),
            "arn:aws:lambda:eu-west-1:123456789012:function:f:live"
        );
        assert_eq!(function_of_uri("my-fn").unwrap(), "my-fn");
        assert!(function_of_uri("arn:aws:apigateway:us-east-1:s3:path/bucket").is_err());
        assert!(function_of_uri("").is_err());
    }

    #[test]
    fn reports_every_problem_with_its_place() {
        let doc = serde_json::json!({
            "openapi": "2.0",
            "x-lambdalite": {"protocol": "SOAP", "colour": 1},
            "paths": {
                "/a/{b": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "f"}}},
                "/c": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "f"}},
                       "put": {},
                       "post": {"security": [{"nope": []}], "x-amazon-apigateway-integration": {
                           "type": "aws_proxy", "uri": "f", "timeoutInMillis": 10, "payloadFormatVersion": "3.0"}}}
            }
        });
        let Err(DefinitionError::Invalid(errors)) = parse_api(&doc) else {
            panic!("accepted");
        };
        let all = errors.join("\n");
        for needle in [
            "openapi must be a 3.x",
            "x-lambdalite.colour is unknown",
            "x-lambdalite.protocol must be REST, HTTP or WEBSOCKET",
            "\"/a/{b\"",
            "http_proxy",
            "paths./c.put has no x-amazon-apigateway-integration",
            "\"nope\" is not defined",
            "timeoutInMillis must be a number from 50 to 29000",
            "payloadFormatVersion must be",
        ] {
            assert!(all.contains(needle), "{needle:?} not in:\n{all}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_definition() {
        assert!(matches!(
            parse_document("{ not json"),
            Err(DefinitionError::Syntax(_))
        ));
        assert!(matches!(
            parse_document("a: [b"),
            Err(DefinitionError::Syntax(_))
        ));
        assert!(parse_api(&serde_json::json!([1])).is_err());
        let no_routes = serde_json::json!({"openapi": "3.0.0", "paths": {}});
        assert!(parse_api(&no_routes).is_err());
    }

    #[test]
    fn reads_a_websocket_api() {
        let any = |uri: &str| {
            serde_json::json!({"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration":
                {"type": "aws_proxy", "uri": uri}}})
        };
        let doc = serde_json::json!({
            "openapi": "3.0.1",
            "x-lambdalite": {"protocol": "websocket", "routeSelectionExpression": "$request.body.msg.kind"},
            "paths": {"$connect": any("c"), "$disconnect": any("d"), "$default": any("x"), "send": any("s")}
        });
        let api = parse_api(&doc).unwrap();
        assert_eq!(api.protocol, Protocol::WebSocket);
        assert_eq!(api.route_selection, vec!["msg", "kind"]);
        assert!(api.stages.contains_key("prod"));
        assert_eq!(api.route_by_key("send").unwrap().integration.function, "s");
        assert_eq!(
            api.route_by_key("$connect").unwrap().integration.function,
            "c"
        );
        assert!(api.route_by_key("nope").is_none());
        assert!(api.route_for("GET", "/send").is_none());

        let bad = serde_json::json!({
            "openapi": "3.0.1",
            "x-lambdalite": {"protocol": "WEBSOCKET", "routeSelectionExpression": "$request.header.x"},
            "paths": {"$other": any("c"), "a b": any("d"), "ok": {"get": {}}}
        });
        let Err(DefinitionError::Invalid(errors)) = parse_api(&bad) else {
            panic!("accepted");
        };
        assert_eq!(errors.len(), 5, "{errors:?}");
    }

    #[test]
    fn stage_variables_are_checked() {
        let doc = serde_json::json!({
            "openapi": "3.0.0",
            "x-lambdalite": {"stages": {"bad stage": {"variables": {"a b": "x", "ok": "with space"}},
                                        "$default": {}}},
            "paths": {"/": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "f"}}}}
        });
        let Err(DefinitionError::Invalid(errors)) = parse_api(&doc) else {
            panic!("accepted");
        };
        assert_eq!(errors.len(), 4, "{errors:?}");
    }
}

//! Lambda authorizers: the identity a request presents, what the
//! authorizer function answers (an IAM policy, or an HTTP API's simple
//! response), the verdict for one method ARN, and the cache of answers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::definition::{Authorizer, AuthorizerKind, IdentitySource};
use crate::event::{query_pairs, HttpRequest, Matched, RequestContext};

/// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH` (the path
/// without its leading `/`).
pub fn method_arn(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    method: &str,
    path: &str,
) -> String {
    format!(
        "arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{}",
        path.strip_prefix('/').unwrap_or(path)
    )
}

/// A `$context` variable an identity source may name.
fn context_variable(
    name: &str,
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
) -> Option<String> {
    Some(match name {
        "requestId" | "extendedRequestId" => ctx.request_id.clone(),
        "stage" => ctx.stage.clone(),
        "apiId" => ctx.api_id.clone(),
        "accountId" => ctx.account_id.clone(),
        "domainName" => ctx.domain_name.clone(),
        "httpMethod" => req.method.clone(),
        "path" => req.raw_path.clone(),
        "resourcePath" => m.resource.clone(),
        "routeKey" => m.route_key.clone(),
        "identity.sourceIp" => req.source_ip.clone(),
        "identity.userAgent" => req.header("user-agent")?.to_string(),
        _ => return None,
    })
}

/// The values of an authorizer's identity sources, in order; `None` when
/// one is missing or empty (the request is then refused with 401).
pub fn identity_values(
    a: &Authorizer,
    req: &HttpRequest,
    ctx: &RequestContext,
    m: &Matched,
) -> Option<Vec<String>> {
    let query = query_pairs(&req.raw_query);
    a.identity_sources
        .iter()
        .map(|s| {
            let v = match s {
                IdentitySource::Header(h) => req.header(h).map(str::to_string),
                IdentitySource::Query(q) => query
                    .iter()
                    .rev()
                    .find(|(k, _)| k == q)
                    .map(|(_, v)| v.clone()),
                IdentitySource::StageVariable(n) => ctx.stage_variables.get(n).cloned(),
                IdentitySource::Context(n) => context_variable(n, req, ctx, m),
            };
            v.filter(|v| !v.is_empty())
        })
        .collect()
}

/// Whether a TOKEN authorizer's token passes its validation expression
/// (the authorizer is not called when it does not).
pub fn token_is_valid(a: &Authorizer, token: &str) -> bool {
    a.kind != AuthorizerKind::Token || a.validation.as_ref().is_none_or(|r| r.is_match(token))
}

/// The key an answer is cached under, or `None` when answers of this
/// authorizer are not cached (TTL 0, or a REQUEST authorizer without
/// identity sources).
pub fn cache_key(api_id: &str, a: &Authorizer, identity: &[String]) -> Option<String> {
    if a.ttl_seconds == 0 || a.identity_sources.is_empty() {
        return None;
    }
    Some(format!("{api_id}\n{}\n{}", a.name, identity.join("\u{1f}")))
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
}

/// What an authorizer function answered.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizerOutput {
    /// An IAM policy, with the caller's principal id and context.
    Policy {
        principal_id: Option<String>,
        statements: Vec<StatementView>,
        context: Map<String, Value>,
    },
    /// An HTTP API simple response.
    Simple {
        authorized: bool,
        context: Map<String, Value>,
    },
}

/// A policy statement, as read from the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementView(Statement);

/// What an answer means for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow {
        principal_id: Option<String>,
        context: Map<String, Value>,
    },
    /// A statement denies this method explicitly.
    ExplicitDeny,
    /// No statement allows it (or a simple response said no).
    NotAllowed,
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn context_of(o: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    match o.get("context") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(c)) => {
            if let Some((k, _)) = c
                .iter()
                .find(|(_, v)| matches!(v, Value::Object(_) | Value::Array(_)))
            {
                return Err(format!(
                    "context.{k}: an authorizer's context holds strings, numbers and booleans only"
                ));
            }
            Ok(c.clone())
        }
        Some(_) => Err("context must be an object".into()),
    }
}

/// Reads an authorizer's answer. `simple`: an HTTP API authorizer with
/// simple responses enabled.
pub fn parse_output(payload: &[u8], simple: bool) -> Result<AuthorizerOutput, String> {
    let v: Value = serde_json::from_slice(payload).map_err(|_| "the answer is not JSON")?;
    let o = v.as_object().ok_or("the answer must be a JSON object")?;
    if simple {
        let authorized = o
            .get("isAuthorized")
            .and_then(Value::as_bool)
            .ok_or("isAuthorized must be true or false")?;
        return Ok(AuthorizerOutput::Simple {
            authorized,
            context: context_of(o)?,
        });
    }
    let doc = o
        .get("policyDocument")
        .and_then(Value::as_object)
        .ok_or("policyDocument is missing")?;
    let list = match doc.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Err("policyDocument.Statement is missing".into()),
    };
    let mut statements = Vec::new();
    for s in &list {
        let allow = match s.get("Effect").and_then(Value::as_str) {
            Some(e) if e.eq_ignore_ascii_case("allow") => true,
            Some(e) if e.eq_ignore_ascii_case("deny") => false,
            _ => return Err("a statement's Effect must be Allow or Deny".into()),
        };
        let actions = strings(s.get("Action")).ok_or("a statement's Action is missing")?;
        let resources = strings(s.get("Resource")).ok_or("a statement's Resource is missing")?;
        statements.push(StatementView(Statement {
            allow,
            actions,
            resources,
        }));
    }
    let principal_id = match o.get("principalId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err("principalId must be a string".into()),
    };
    Ok(AuthorizerOutput::Policy {
        principal_id,
        statements,
        context: context_of(o)?,
    })
}

/// IAM's wildcards: `*` any run of characters, `?` any one.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Statement {
    fn applies(&self, method_arn: &str) -> bool {
        self.actions
            .iter()
            .any(|a| wildcard_match(&a.to_ascii_lowercase(), "execute-api:invoke"))
            && self.resources.iter().any(|r| wildcard_match(r, method_arn))
    }
}

impl AuthorizerOutput {
    /// The verdict for a request to `method_arn`: an explicit Deny wins,
    /// then an Allow; nothing matching is not allowed.
    pub fn decide(&self, method_arn: &str) -> Verdict {
        match self {
            AuthorizerOutput::Simple {
                authorized: true,
                context,
            } => Verdict::Allow {
                principal_id: None,
                context: context.clone(),
            },
            AuthorizerOutput::Simple { .. } => Verdict::NotAllowed,
            AuthorizerOutput::Policy {
                principal_id,
                statements,
                context,
            } => {
                let applying: Vec<&Statement> = statements
                    .iter()
                    .map(|s| &s.0)
                    .filter(|s| s.applies(method_arn))
                    .collect();
                if applying.iter().any(|s| !s.allow) {
                    Verdict::ExplicitDeny
                } else if applying.iter().any(|s| s.allow) {
                    Verdict::Allow {
                        principal_id: principal_id.clone(),
                        context: context.clone(),
                    }
                } else {
                    Verdict::NotAllowed
                }
            }
        }
    }
}

/// `requestContext.authorizer` of a payload 1.0 event: the principal id
/// and the context's keys, side by side.
pub fn context_v1(
    principal_id: Option<&str>,
    context: &Map<String, Value>,
    latency_ms: u64,
) -> Value {
    let mut o = context.clone();
    o.insert("principalId".into(), json!(principal_id));
    o.insert("integrationLatency".into(), json!(latency_ms));
    Value::Object(o)
}

/// `requestContext.authorizer` of a payload 2.0 event: `{"lambda": context}`.
pub fn context_v2(context: &Map<String, Value>) -> Value {
    json!({ "lambda": if context.is_empty() { Value::Null } else { Value::Object(context.clone()) } })
}

/// Authorizers' answers, kept for their TTL.
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: HashMap<String, (Instant, Arc<AuthorizerOutput>)>,
}

/// Entries beyond which expired ones are dropped on insert.
const CACHE_SOFT_LIMIT: usize = 10_000;

impl AuthCache {
    pub fn get(&self, key: &str, now: Instant) -> Option<Arc<AuthorizerOutput>> {
        self.entries
            .get(key)
            .filter(|(until, _)| now < *until)
            .map(|(_, out)| out.clone())
    }

    pub fn put(&mut self, key: String, out: Arc<AuthorizerOutput>, ttl: Duration, now: Instant) {
        if self.entries.len() >= CACHE_SOFT_LIMIT {
            self.entries.retain(|_, (until, _)| now < *until);
            if self.entries.len() >= CACHE_SOFT_LIMIT {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (now + ttl, out));
    }

    /// Forgets every answer for an API (when it changes or goes).
    pub fn forget_api(&mut self, api_id: &str) {
        let prefix = format!("{api_id}\n");
        self.entries.retain(|k, _| !k.starts_with(&prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::PayloadVersion;

    const ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/items/7";

    fn policy(statements: Value) -> AuthorizerOutput {
        let body = json!({"principalId": "me", "policyDocument": {"Version": "2012-10-17", "Statement": statements},
                          "context": {"k": "v", "n": 1, "b": true}});
        parse_output(body.to_string().as_bytes(), false).unwrap()
    }

    fn authorizer(kind: AuthorizerKind, sources: Vec<IdentitySource>) -> Authorizer {
        Authorizer {
            name: "a".into(),
            kind,
            function: "f".into(),
            identity_sources: sources,
            validation: regex::Regex::new("^(?:Bearer [a-z]+)$").ok(),
            ttl_seconds: 300,
            payload: PayloadVersion::V1,
            simple_responses: false,
        }
    }

    #[test]
    fn method_arns_as_aws_writes_them() {
        assert_eq!(
            method_arn(
                "us-east-1",
                "000000000000",
                "api1",
                "prod",
                "GET",
                "/items/7"
            ),
            ARN
        );
        assert!(method_arn("r", "a", "i", "$default", "POST", "/").ends_with("i/$default/POST/"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("arn:*/prod/*", ARN));
        assert!(wildcard_match(
            "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/items/?",
            ARN
        ));
        assert!(!wildcard_match(
            "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/items/??",
            ARN
        ));
        assert!(!wildcard_match("arn:*/dev/*", ARN));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
    }

    #[test]
    fn allow_deny_and_nothing() {
        let allow = policy(
            json!([{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:*/prod/GET/*"}]),
        );
        let Verdict::Allow {
            principal_id,
            context,
        } = allow.decide(ARN)
        else {
            panic!("not allowed");
        };
        assert_eq!(principal_id.as_deref(), Some("me"));
        assert_eq!(context["n"], 1);
        assert_eq!(
            allow.decide(&ARN.replace("GET", "POST")),
            Verdict::NotAllowed
        );
        let deny_wins = policy(json!([
            {"Action": ["execute-api:*"], "Effect": "Allow", "Resource": ["*"]},
            {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [ARN]}
        ]));
        assert_eq!(deny_wins.decide(ARN), Verdict::ExplicitDeny);
        let single = policy(json!({"Action": "*", "Effect": "Deny", "Resource": "*"}));
        assert_eq!(single.decide(ARN), Verdict::ExplicitDeny);
        let other_action =
            policy(json!([{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}]));
        assert_eq!(other_action.decide(ARN), Verdict::NotAllowed);
    }

    #[test]
    fn aws_example_answer_reads() {
        let path = format!(
            "{}/tests/fixtures/example-apigw-custom-auth-response.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let out = parse_output(&std::fs::read(path).unwrap(), false).unwrap();
        assert_eq!(out.decide(ARN), Verdict::NotAllowed);
    }

    #[test]
    fn malformed_answers() {
        for bad in [
            "[]",
            "{}",
            r#"{"policyDocument": {}}"#,
            r#"{"policyDocument": {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}}"#,
            r#"{"policyDocument": {"Statement": [{"Effect": "Allow", "Resource": "*"}]}}"#,
            r#"{"policyDocument": {"Statement": []}, "context": {"a": {"b": 1}}}"#,
        ] {
            assert!(
                parse_output(bad.as_bytes(), false).is_err(),
                "{bad} accepted"
            );
        }
        assert!(parse_output(br#"{"isAuthorized": "yes"}"#, true).is_err());
        let yes = parse_output(br#"{"isAuthorized": true, "context": {"u": "x"}}"#, true).unwrap();
        assert!(matches!(yes.decide(ARN), Verdict::Allow { .. }));
        let no = parse_output(br#"{"isAuthorized": false}"#, true).unwrap();
        assert_eq!(no.decide(ARN), Verdict::NotAllowed);
    }

    #[test]
    fn identity_sources_and_validation() {
        let req = HttpRequest {
            method: "GET".into(),
            raw_path: "/prod/x".into(),
            path: "/x".into(),
            raw_query: "k=1&k=2".into(),
            headers: vec![("authorization".into(), "Bearer abc".into())],
            ..Default::default()
        };
        let mut ctx = RequestContext {
            stage: "prod".into(),
            ..Default::default()
        };
        ctx.stage_variables.insert("sv".into(), "S".into());
        let m = Matched::default();
        let tok = authorizer(
            AuthorizerKind::Token,
            vec![IdentitySource::Header("Authorization".into())],
        );
        assert_eq!(
            identity_values(&tok, &req, &ctx, &m),
            Some(vec!["Bearer abc".into()])
        );
        assert!(token_is_valid(&tok, "Bearer abc"));
        assert!(!token_is_valid(&tok, "Basic abc"));
        let r = authorizer(
            AuthorizerKind::Request,
            vec![
                IdentitySource::Query("k".into()),
                IdentitySource::StageVariable("sv".into()),
                IdentitySource::Context("stage".into()),
            ],
        );
        assert_eq!(
            identity_values(&r, &req, &ctx, &m),
            Some(vec!["2".into(), "S".into(), "prod".into()])
        );
        let missing = authorizer(
            AuthorizerKind::Request,
            vec![IdentitySource::Header("x-none".into())],
        );
        assert_eq!(identity_values(&missing, &req, &ctx, &m), None);
    }

    #[test]
    fn cache_keys_and_expiry() {
        let mut a = authorizer(
            AuthorizerKind::Token,
            vec![IdentitySource::Header("A".into())],
        );
        let key = cache_key("api", &a, &["t".into()]).unwrap();
        a.ttl_seconds = 0;
        assert_eq!(cache_key("api", &a, &["t".into()]), None);
        let none = authorizer(AuthorizerKind::Request, vec![]);
        assert_eq!(cache_key("api", &none, &[]), None);

        let mut cache = AuthCache::default();
        let now = Instant::now();
        let out = Arc::new(policy(json!([])));
        cache.put(key.clone(), out, Duration::from_secs(10), now);
        assert!(cache.get(&key, now + Duration::from_secs(9)).is_some());
        assert!(cache.get(&key, now + Duration::from_secs(10)).is_none());
        cache.forget_api("api");
        assert!(cache.get(&key, now).is_none());
    }

    #[test]
    fn authorizer_contexts() {
        let mut c = Map::new();
        c.insert("k".into(), json!("v"));
        let v1 = context_v1(Some("me"), &c, 3);
        assert_eq!(
            v1,
            json!({"principalId": "me", "k": "v", "integrationLatency": 3})
        );
        assert_eq!(context_v2(&c), json!({"lambda": {"k": "v"}}));
    }
}

//! Which AWS service a request on the shared listener is for.
//!
//! AWS's protocols leave a mark in every request: the JSON protocols name
//! `Service.Operation` in `X-Amz-Target`; the query protocol posts a form
//! whose `Action` names the operation, to a service named by the SigV4
//! credential scope; the REST protocols (Scheduler's) are told apart by path. What can
//! be told from the head is told here; a query request's `Action` is read
//! from its body by the service.

use http::request::Parts;
use http::Method;

/// The wire protocol of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// awsJson 1.0 (`application/x-amz-json-1.0`).
    Json10,
    /// awsJson 1.1 (`application/x-amz-json-1.1`).
    Json11,
    /// The query protocol: a form in, XML out.
    Query,
    /// restJson1: the operation in the method and path (Scheduler).
    RestJson,
}

impl Protocol {
    /// The content type of this protocol's answers.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Json10 => "application/x-amz-json-1.0",
            Protocol::Json11 => "application/x-amz-json-1.1",
            Protocol::Query => "text/xml",
            Protocol::RestJson => "application/json",
        }
    }
}

/// A request's service and, when the head names it, its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The SigV4 signing name of the service (`sqs`, `sns`, `events`, ...).
    pub service: &'static str,
    /// The operation, from `X-Amz-Target`; `None` for the query protocol,
    /// whose `Action` is in the body.
    pub operation: Option<String>,
    pub protocol: Protocol,
}

/// `X-Amz-Target` prefixes of the JSON services: (prefix, signing name,
/// protocol).
const JSON_TARGETS: &[(&str, &str, Protocol)] = &[
    ("AmazonSQS", "sqs", Protocol::Json10),
    ("AWSEvents", "events", Protocol::Json11),
    ("Kinesis_20131202", "kinesis", Protocol::Json11),
    ("Logs_20140328", "logs", Protocol::Json11),
    ("DynamoDBStreams_20120810", "dynamodb", Protocol::Json10),
    (
        "GraniteServiceVersion20100801",
        "monitoring",
        Protocol::Json10,
    ),
];

/// Signing names of the services that speak the query protocol.
const QUERY_SERVICES: &[&str] = &["sqs", "sns", "monitoring"];

/// Tells which service a request is for, from its head alone. `None`: not
/// one of the JSON or query services (the Lambda API and the REST
/// services are routed by path).
pub fn identify(parts: &Parts) -> Option<Target> {
    if is_scheduler_path(parts.uri.path())
        && signing_service(parts).is_none_or(|s| s == "scheduler")
    {
        return Some(Target {
            service: "scheduler",
            operation: None,
            protocol: Protocol::RestJson,
        });
    }
    if let Some(target) = header(parts, "x-amz-target") {
        let (prefix, operation) = target.split_once('.')?;
        let (_, service, protocol) = JSON_TARGETS.iter().find(|(p, _, _)| *p == prefix)?;
        return Some(Target {
            service,
            operation: Some(operation.to_string()),
            protocol: *protocol,
        });
    }
    let form = header(parts, "content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let query_action = parts
        .uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("Action=")));
    let looks_like_query =
        (parts.method == Method::POST && form) || (parts.method == Method::GET && query_action);
    if !looks_like_query {
        return None;
    }
    let service = match signing_service(parts) {
        Some(s) => QUERY_SERVICES.iter().find(|q| **q == s).copied()?,
        // Unsigned: SQS's queue URLs are `/ACCOUNT/NAME`.
        None if is_queue_path(parts.uri.path()) || parts.uri.path() == "/" => "sqs",
        None => return None,
    };
    Some(Target {
        service,
        operation: None,
        protocol: Protocol::Query,
    })
}

/// EventBridge Scheduler's REST paths: schedules, schedule groups, and
/// tags on its ARNs.
pub fn is_scheduler_path(path: &str) -> bool {
    path == "/schedules"
        || path.starts_with("/schedules/")
        || path == "/schedule-groups"
        || path.starts_with("/schedule-groups/")
        || path.starts_with("/tags/arn%3Aaws%3Ascheduler")
        || path.starts_with("/tags/arn:aws:scheduler")
}

/// `/123456789012/name`: an SQS queue URL's path.
pub fn is_queue_path(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let account = parts.next().unwrap_or("");
    let name = parts.next().unwrap_or("");
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && !name.contains('/')
}

/// The service named by the request's SigV4 credential scope
/// (`AKID/DATE/REGION/SERVICE/aws4_request`), in its header or its query.
pub fn signing_service(parts: &Parts) -> Option<String> {
    let credential = match header(parts, "authorization") {
        Some(auth) => auth
            .split([' ', ','])
            .find_map(|f| f.trim().strip_prefix("Credential="))?
            .to_string(),
        None => {
            let q = parts.uri.query()?;
            let raw = q
                .split('&')
                .find_map(|p| p.strip_prefix("X-Amz-Credential="))?;
            percent_decode(raw)
        }
    };
    credential.split('/').nth(3).map(str::to_string)
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Decodes a form's value: `+` is a space, then `%XX` escapes.
pub fn percent_decode(s: &str) -> String {
    crate::sigv4::percent_decode(&s.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn json_targets_name_service_and_operation() {
        let p = parts("POST", "/", &[("x-amz-target", "AmazonSQS.SendMessage")]);
        let t = identify(&p).unwrap();
        assert_eq!(t.service, "sqs");
        assert_eq!(t.operation.as_deref(), Some("SendMessage"));
        assert_eq!(t.protocol, Protocol::Json10);
        let p = parts("POST", "/", &[("x-amz-target", "Nope.SendMessage")]);
        assert_eq!(identify(&p), None);
    }

    #[test]
    fn scheduler_by_its_paths() {
        let p = parts("GET", "/schedules/s1?groupName=default", &[]);
        assert_eq!(identify(&p).unwrap().protocol, Protocol::RestJson);
        let p = parts(
            "GET",
            "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A0%3Aschedule-group%2Fg",
            &[],
        );
        assert_eq!(identify(&p).unwrap().service, "scheduler");
        // Lambda's own tag paths and another service's signature are not.
        let p = parts(
            "GET",
            "/2017-03-31/tags/arn:aws:lambda:us-east-1:0:function:f",
            &[],
        );
        assert_eq!(identify(&p), None);
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00";
        let p = parts("GET", "/schedules", &[("authorization", auth)]);
        assert_eq!(identify(&p), None);
    }

    #[test]
    fn query_requests_by_scope_or_queue_path() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00";
        let form = (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        let p = parts("POST", "/", &[form, ("authorization", auth)]);
        assert_eq!(identify(&p).unwrap().service, "sqs");
        let lambda = auth.replace("/sqs/", "/lambda/");
        let p = parts("POST", "/", &[form, ("authorization", &lambda)]);
        assert_eq!(identify(&p), None);
        let p = parts("POST", "/000000000000/q1", &[form]);
        assert_eq!(identify(&p).unwrap().protocol, Protocol::Query);
        // The Lambda API is neither.
        let p = parts("GET", "/2015-03-31/functions/", &[]);
        assert_eq!(identify(&p), None);
    }

    #[test]
    fn decodes_forms() {
        assert_eq!(percent_decode("a+b%2Fc%3D"), "a b/c=");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}

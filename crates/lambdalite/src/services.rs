//! The AWS services beside the Lambda API on the one listener: each
//! request that lambdalite-protocol tells is for one of them is checked
//! (SigV4, scoped to that service) and served by its crate; everything
//! else goes on to the Lambda API.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lambdalite_api::auth::{Auth, FromFunctions};
use lambdalite_model::LambdaError;
use lambdalite_protocol::json::ServiceError;
use lambdalite_protocol::{identify, json, query, Protocol};

/// Largest body of a request to these services: SQS's 1 MiB message in a
/// JSON or form envelope.
const BODY_MAX_BYTES: usize = 2 * 1024 * 1024 + 64 * 1024;
/// Kinesis's: PutRecords' 5 MiB of records, in base64 and JSON.
const KINESIS_BODY_MAX_BYTES: usize = 8 * 1024 * 1024;

/// What the services need at dispatch.
pub struct Services {
    pub auth: Auth,
    pub sqs: Arc<lambdalite_sqs::Sqs>,
    pub sns: Arc<lambdalite_sns::Sns>,
    pub events: Arc<lambdalite_eventbridge::EventBridge>,
    pub scheduler: Arc<lambdalite_scheduler::Scheduler>,
    pub s3: Arc<lambdalite_s3::S3>,
    pub kinesis: Arc<lambdalite_kinesis::Kinesis>,
}

/// Function and layer packages read from lambdalite's own S3.
pub struct S3Code(pub Arc<lambdalite_s3::S3>);

impl lambdalite_api::code_objects::CodeObjects for S3Code {
    fn lease(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Vec<std::path::PathBuf>, lambdalite_api::code_objects::ObjectError> {
        self.0
            .lease_object(bucket, key)
            .map_err(|e| lambdalite_api::code_objects::ObjectError {
                code: e.code.to_string(),
                message: e.message,
            })
    }

    fn release(&self, files: &[std::path::PathBuf]) {
        self.0.release_pieces(files);
    }
}

/// Whether a request is for S3: signed for it, sent to an S3 host
/// (`s3.localhost`, `BUCKET.s3.localhost`), or unsigned to a bucket's
/// path.
fn is_s3(parts: &http::request::Parts, host: &str, s3: &lambdalite_s3::S3) -> bool {
    match lambdalite_protocol::dispatch::signing_service(parts) {
        Some(s) => s == "s3",
        None => {
            if lambdalite_s3::wire::is_s3_host(host) || signed_v2(parts) {
                return true;
            }
            let path = parts.uri.path().trim_start_matches('/');
            let first = path.split('/').next().unwrap_or("");
            !first.is_empty()
                && lambdalite_s3::check_bucket_name(first).is_ok()
                && s3.has_bucket(first)
        }
    }
}

/// Whether a request carries a Signature Version 2 (S3's older form,
/// boto3's default for presigned URLs).
fn signed_v2(parts: &http::request::Parts) -> bool {
    parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.starts_with("AWS "))
        || parts
            .uri
            .query()
            .is_some_and(|q| q.split('&').any(|p| p.starts_with("AWSAccessKeyId=")))
}

/// AccessDenied for a presigned URL past its time, with the times AWS
/// names.
fn expired(query: Option<&str>) -> lambdalite_s3::S3Error {
    let q = lambdalite_s3::wire::Query::parse(query);
    let mut e =
        lambdalite_s3::S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    let stamp = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if let (Some(date), Some(secs)) = (q.get("X-Amz-Date"), q.get("X-Amz-Expires")) {
        e = e.with("X-Amz-Expires", secs);
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ") {
            let until = d.and_utc() + chrono::Duration::seconds(secs.parse().unwrap_or(0));
            e = e.with("Expires", stamp(until));
        }
    } else if let Some(epoch) = q.get("Expires").and_then(|x| x.parse::<i64>().ok()) {
        if let Some(u) = chrono::DateTime::from_timestamp(epoch, 0) {
            e = e.with("Expires", stamp(u));
        }
    }
    e.with("ServerTime", stamp(chrono::Utc::now()))
}

/// S3's answer to a request whose signature fails (`region`: the one the
/// server expects).
fn s3_auth_error(e: &LambdaError, region: &str, query: Option<&str>) -> lambdalite_s3::S3Error {
    use lambdalite_s3::S3Error;
    match e {
        LambdaError::MissingAuthenticationToken(_) => {
            S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied")
        }
        LambdaError::UnrecognizedClient(_) => S3Error::new(
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        LambdaError::InvalidSignature(m) if m.starts_with("Signature expired") => expired(query),
        LambdaError::AccessDenied(m) => {
            S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", m.clone())
        }
        LambdaError::InvalidSignature(m) if m.starts_with("The request signature") => S3Error::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method.",
        ),
        LambdaError::InvalidSignature(m)
            if m.starts_with("Credential should be scoped to a valid region") =>
        {
            let wrong = m.split('\'').nth(1).unwrap_or("");
            S3Error::new(
                StatusCode::BAD_REQUEST,
                "AuthorizationHeaderMalformed",
                format!(
                    "The authorization header is malformed; the region '{wrong}' is wrong; \
                     expecting '{region}'"
                ),
            )
            .with("Region", region)
        }
        LambdaError::IncompleteSignature(m) if m.contains("query-string") => S3Error::new(
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "Query-string authentication version 4 requires the X-Amz-Algorithm, \
             X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and \
             X-Amz-Expires parameters.",
        ),
        LambdaError::InvalidSignature(m) | LambdaError::IncompleteSignature(m) => S3Error::new(
            StatusCode::BAD_REQUEST,
            "AuthorizationHeaderMalformed",
            m.clone(),
        ),
        other => S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", other.to_string()),
    }
}

/// Serves an S3 request: verified from its head, its body streamed.
async fn serve_s3(services: &Services, parts: http::request::Parts, body: Body) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_ascii_uppercase();
    let head = parts.method == http::Method::HEAD;
    let from_functions = parts.extensions.get::<FromFunctions>().is_some();
    let (payload, principal) = if services.auth.enforced() || from_functions {
        let verified = if signed_v2(&parts) {
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let bucket = lambdalite_s3::wire::host_bucket(host);
            services
                .auth
                .verify_s3_v2(&parts, bucket.as_deref(), chrono::Utc::now())
        } else {
            services.auth.verify_s3(&parts, chrono::Utc::now())
        };
        match verified {
            Ok(v) if services.auth.is_own(&v.caller) => (v.payload, v.caller.account),
            Ok(_) => {
                let e = lambdalite_s3::S3Error::new(
                    StatusCode::FORBIDDEN,
                    "AccessDenied",
                    "Access Denied",
                );
                return to_axum(e.response(&request_id, head));
            }
            Err(e) => {
                let mut e = s3_auth_error(&e, services.auth.region(), parts.uri.query());
                if e.code == "SignatureDoesNotMatch" {
                    if let Some(d) = services.auth.s3_signature_details(&parts) {
                        let bytes = |s: &str| {
                            s.bytes()
                                .map(|b| format!("{b:02x}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        };
                        e = e
                            .with("AWSAccessKeyId", d.access_key)
                            .with("StringToSign", d.string_to_sign.clone())
                            .with("SignatureProvided", d.signature_provided)
                            .with("StringToSignBytes", bytes(&d.string_to_sign))
                            .with("CanonicalRequest", d.canonical_request.clone())
                            .with("CanonicalRequestBytes", bytes(&d.canonical_request));
                    }
                }
                return to_axum(e.response(&request_id, head));
            }
        }
    } else {
        (
            lambdalite_protocol::sigv4::Payload::declared(&parts.headers),
            services.auth.account().to_string(),
        )
    };
    let source_ip = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    services
        .s3
        .handle(lambdalite_s3::S3Request {
            parts: &parts,
            body: std::sync::Mutex::new(Some(body)),
            payload,
            request_id: &request_id,
            source_ip,
            principal,
        })
        .await
}

/// AWS's answer to a request whose signature fails, in the service's terms.
fn auth_error(e: &LambdaError) -> ServiceError {
    let (code, message) = match e {
        LambdaError::MissingAuthenticationToken(m) => ("MissingAuthenticationToken", m.clone()),
        LambdaError::IncompleteSignature(m) => ("IncompleteSignature", m.clone()),
        LambdaError::UnrecognizedClient(_) => (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.".to_string(),
        ),
        LambdaError::InvalidSignature(m) => ("SignatureDoesNotMatch", m.clone()),
        other => ("AccessDenied", other.to_string()),
    };
    ServiceError::client(code, message).with_status(StatusCode::FORBIDDEN)
}

fn to_axum(resp: http::Response<bytes::Bytes>) -> Response {
    let (parts, body) = resp.into_parts();
    Response::from_parts(parts, Body::from(body))
}

fn error_response(
    service: &str,
    protocol: Protocol,
    request_id: &str,
    e: &ServiceError,
) -> Response {
    to_axum(match protocol {
        Protocol::RestJson => lambdalite_scheduler::error(request_id, e),
        Protocol::Query if service == "sns" => query::error(lambdalite_sns::XMLNS, request_id, e),
        Protocol::Query => {
            query::error("http://queue.amazonaws.com/doc/2012-11-05/", request_id, e)
        }
        Protocol::Json11 if service == "kinesis" => lambdalite_kinesis::error(request_id, e),
        Protocol::Json11 if service == "events" => json::error(
            protocol,
            lambdalite_eventbridge::NAMESPACE,
            false,
            request_id,
            e,
        ),
        Protocol::Json10 | Protocol::Json11 => {
            json::error(protocol, "com.amazonaws.sqs", true, request_id, e)
        }
    })
}

/// The middleware in front of the Lambda API.
pub async fn dispatch(State(services): State<Arc<Services>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // Function URLs and APIs take any request, forms included.
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let http_trigger = host.contains(".lambda-url.")
        || host.contains(".execute-api.")
        || parts.uri.path().starts_with("/_lambdalite/");
    if let Some(name) = parts.uri.path().strip_prefix("/_lambdalite/sns/") {
        return sns_certificate(&services.sns, name).await;
    }
    // The URLs in SNS messages (confirm, unsubscribe) are followed unsigned.
    let url_action = parts.method == http::Method::GET
        && parts.uri.path() == "/"
        && lambdalite_protocol::dispatch::signing_service(&parts).is_none()
        && lambdalite_sns::is_url_action(parts.uri.query());
    if !http_trigger && is_s3(&parts, host, &services.s3) {
        return serve_s3(&services, parts, body).await;
    }
    let target = if http_trigger {
        None
    } else if url_action {
        Some(lambdalite_protocol::Target {
            service: "sns",
            operation: None,
            protocol: Protocol::Query,
        })
    } else {
        identify(&parts)
    };
    let Some(target) = target else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    if !matches!(
        target.service,
        "sqs" | "sns" | "events" | "scheduler" | "kinesis"
    ) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    let limit = if target.service == "kinesis" {
        KINESIS_BODY_MAX_BYTES
    } else {
        BODY_MAX_BYTES
    };
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let e = ServiceError::client(
                "RequestEntityTooLarge",
                format!("Request must be smaller than {limit} bytes"),
            )
            .with_status(StatusCode::PAYLOAD_TOO_LARGE);
            return error_response(target.service, target.protocol, &request_id, &e);
        }
    };
    let from_functions = parts.extensions.get::<FromFunctions>().is_some();
    if !url_action && (services.auth.enforced() || from_functions) {
        match services
            .auth
            .verify_for(target.service, &parts, &body, chrono::Utc::now())
        {
            Ok(caller) if services.auth.is_own(&caller) => {}
            Ok(_) => {
                let e = ServiceError::client("AccessDenied", "Access to the resource is denied.")
                    .with_status(StatusCode::FORBIDDEN);
                return error_response(target.service, target.protocol, &request_id, &e);
            }
            Err(e) => {
                return error_response(
                    target.service,
                    target.protocol,
                    &request_id,
                    &auth_error(&e),
                )
            }
        }
    }
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let base = format!("http://{host}");
    if target.service == "scheduler" {
        let resp = lambdalite_scheduler::handle(
            &services.scheduler,
            lambdalite_scheduler::SchedulerRequest {
                method: &parts.method,
                path: parts.uri.path(),
                query: parts.uri.query(),
                body: &body,
                request_id: &request_id,
            },
        )
        .await;
        return to_axum(resp);
    }
    if target.service == "kinesis" {
        let resp = lambdalite_kinesis::handle(
            &services.kinesis,
            target.operation.as_deref().unwrap_or_default(),
            &body,
            &request_id,
        )
        .await;
        return to_axum(resp);
    }
    if target.service == "events" {
        let resp = lambdalite_eventbridge::handle(
            &services.events,
            target.operation.as_deref().unwrap_or_default(),
            &body,
            &request_id,
        )
        .await;
        return to_axum(resp);
    }
    if target.service == "sns" {
        let resp = lambdalite_sns::handle(
            &services.sns,
            lambdalite_sns::SnsRequest {
                base: &base,
                url_query: parts.uri.query(),
                body: &body,
                request_id: &request_id,
            },
        )
        .await;
        return to_axum(resp);
    }
    let resp = lambdalite_sqs::handle(
        &services.sqs,
        lambdalite_sqs::SqsRequest {
            protocol: target.protocol,
            operation: target.operation.as_deref(),
            base: &base,
            path: parts.uri.path(),
            url_query: parts.uri.query(),
            body: &body,
            request_id: &request_id,
            trace_header: parts
                .headers
                .get("x-amzn-trace-id")
                .and_then(|v| v.to_str().ok()),
        },
    )
    .await;
    let mut resp = to_axum(resp);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().entry("x-amzn-RequestId").or_insert(v);
    }
    resp.into_response()
}

/// The certificate SNS messages are signed with, at their SigningCertURL.
async fn sns_certificate(sns: &lambdalite_sns::Sns, name: &str) -> Response {
    match sns.signer().await {
        Ok(signer) if signer.cert_name == name => (
            [(http::header::CONTENT_TYPE, "application/x-x509-ca-cert")],
            signer.cert_pem.clone(),
        )
            .into_response(),
        Ok(_) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

//! The awsJson protocols' answers and errors.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};

use crate::Protocol;

/// An error as a JSON service reports it: its shape name, message and
/// status; `query_code` is the query protocol's code of the same error,
/// sent in `x-amzn-query-error` for services that kept query
/// compatibility (SQS), so SDKs report the code they always did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub status: StatusCode,
    /// The error's shape: `QueueDoesNotExist`.
    pub code: String,
    pub message: String,
    /// The query protocol's code, if it differs (`AWS.SimpleQueueService.NonExistentQueue`).
    pub query_code: Option<String>,
    /// Whether the caller is at fault (`Sender`) or the service (`Receiver`).
    pub sender_fault: bool,
}

impl ServiceError {
    /// A 400 error of the caller's.
    pub fn client(code: &str, message: impl Into<String>) -> ServiceError {
        ServiceError {
            status: StatusCode::BAD_REQUEST,
            code: code.to_string(),
            message: message.into(),
            query_code: None,
            sender_fault: true,
        }
    }

    /// The same error, reported to query-compatible clients as `query_code`.
    pub fn with_query_code(mut self, query_code: &str) -> ServiceError {
        self.query_code = Some(query_code.to_string());
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> ServiceError {
        self.status = status;
        self
    }

    /// A failure of lambdalite itself (detail logged, not sent).
    pub fn internal() -> ServiceError {
        ServiceError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalFailure".into(),
            message: "The request processing has failed because of an unknown error, exception or failure.".into(),
            query_code: None,
            sender_fault: false,
        }
    }

    /// The code a query-protocol client sees.
    pub fn query_code(&self) -> &str {
        self.query_code.as_deref().unwrap_or(&self.code)
    }
}

/// An awsJson request's input: its body as a JSON object (an empty body
/// is `{}`), or the SerializationException AWS answers anything else with.
pub fn input(body: &[u8]) -> Result<serde_json::Value, ServiceError> {
    if body.is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    match serde_json::from_slice(body) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        _ => Err(ServiceError::client(
            "SerializationException",
            "Start of structure or map found where not expected.",
        )),
    }
}

/// A JSON answer with the protocol's content type and the request id.
pub fn answer(protocol: Protocol, request_id: &str, body: &serde_json::Value) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body.to_string()));
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(protocol.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-RequestId", v);
    }
    resp
}

/// A JSON error: `{"__type": "namespace#Code", "message": ...}`, with
/// `x-amzn-query-error: QueryCode;Sender` for query-compatible services.
pub fn error(
    protocol: Protocol,
    namespace: &str,
    query_compatible: bool,
    request_id: &str,
    e: &ServiceError,
) -> Response<Bytes> {
    let body = serde_json::json!({
        "__type": format!("{namespace}#{}", e.code),
        "message": e.message,
    });
    let mut resp = answer(protocol, request_id, &body);
    *resp.status_mut() = e.status;
    if query_compatible {
        let fault = if e.sender_fault { "Sender" } else { "Receiver" };
        if let Ok(v) = HeaderValue::from_str(&format!("{};{fault}", e.query_code())) {
            resp.headers_mut().insert("x-amzn-query-error", v);
        }
    }
    resp
}

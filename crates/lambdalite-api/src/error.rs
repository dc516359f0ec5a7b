//! The one place where lambdalite's errors become AWS's wire format.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lambdalite_model::LambdaError;
use lambdalite_store::{CodeError, StoreError};
use serde_json::json;

/// An error on its way to the caller.
#[derive(Debug)]
pub struct ApiError(pub LambdaError);

impl From<LambdaError> for ApiError {
    fn from(e: LambdaError) -> Self {
        ApiError(e)
    }
}

impl From<CodeError> for ApiError {
    fn from(e: CodeError) -> Self {
        match e {
            CodeError::Unzip(_) | CodeError::TooLarge => {
                ApiError(LambdaError::InvalidParameterValue(e.to_string()))
            }
            CodeError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(match e {
            StoreError::Conflict(name) => {
                LambdaError::ResourceConflict(format!("Function already exist: {name}"))
            }
            StoreError::NotFound(name) => {
                LambdaError::ResourceNotFound(format!("Function not found: {name}"))
            }
            StoreError::Rejected(e) => e,
            other @ (StoreError::Database(_)
            | StoreError::Corrupt { .. }
            | StoreError::Io { .. }) => LambdaError::internal(other),
        })
    }
}

/// The status, `x-amzn-ErrorType` and message member of each error, as
/// the API model names them.
fn wire(e: &LambdaError) -> (StatusCode, &'static str, &'static str) {
    use LambdaError as E;
    match e {
        E::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationException", "message"),
        E::InvalidParameterValue(_) | E::InvalidParameterValueUntyped(_) => (
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            "message",
        ),
        E::InvalidRequestContent(_) => (
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "message",
        ),
        E::ResourceNotFound(_) => (
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "Message",
        ),
        E::ResourceConflict(_) => (StatusCode::CONFLICT, "ResourceConflictException", "message"),
        E::PreconditionFailed(_) => (
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailedException",
            "message",
        ),
        E::RequestEntityTooLarge(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLargeException",
            "message",
        ),
        E::RequestTooLarge(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            "message",
        ),
        E::UnsupportedMediaType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaTypeException",
            "message",
        ),
        E::TooManyRequests { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "message",
        ),
        E::UnknownOperation(_) => (
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "message",
        ),
        E::ResourceNotReady(_) => (
            StatusCode::BAD_GATEWAY,
            "ResourceNotReadyException",
            "message",
        ),
        E::ProvisionedConcurrencyConfigNotFound(_) => (
            StatusCode::NOT_FOUND,
            "ProvisionedConcurrencyConfigNotFoundException",
            "message",
        ),
        E::InvalidRuntime(_) => (
            StatusCode::BAD_GATEWAY,
            "InvalidRuntimeException",
            "Message",
        ),
        E::MissingAuthenticationToken(_) => (
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "message",
        ),
        E::IncompleteSignature(_) => (
            StatusCode::FORBIDDEN,
            "IncompleteSignatureException",
            "message",
        ),
        E::UnrecognizedClient(_) => (
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "message",
        ),
        E::InvalidSignature(_) => (
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            "message",
        ),
        E::AccessDenied(_) => (StatusCode::FORBIDDEN, "AccessDeniedException", "Message"),
        E::Service(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "Message",
        ),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, member) = wire(&self.0);
        let message = match &self.0 {
            LambdaError::Service(detail) => {
                tracing::error!(%detail, "internal error");
                "An internal error occurred in lambdalite; its log has the detail.".to_string()
            }
            other => other.to_string(),
        };
        let mut body = serde_json::Map::new();
        // AWS's AccessDeniedException for another account's function has
        // neither message nor type.
        let bare = matches!(&self.0, LambdaError::AccessDenied(m) if m.is_empty());
        if bare {
            let mut resp = (status, axum::Json(serde_json::json!({}))).into_response();
            resp.headers_mut()
                .insert("x-amzn-ErrorType", HeaderValue::from_static(kind));
            return resp;
        }
        // AWS's concurrency-limit refusals carry no `Type`.
        if !matches!(&self.0, LambdaError::InvalidParameterValueUntyped(_)) {
            body.insert(
                "Type".into(),
                json!(if status.is_server_error() {
                    "Service"
                } else {
                    "User"
                }),
            );
        }
        body.insert(member.into(), json!(message));
        let mut retry_after = None;
        if let LambdaError::TooManyRequests {
            reason,
            retry_after_seconds,
            ..
        } = &self.0
        {
            body.insert("Reason".into(), json!(reason));
            body.insert(
                "retryAfterSeconds".into(),
                json!(retry_after_seconds.to_string()),
            );
            retry_after = Some(*retry_after_seconds);
        }
        let mut resp = (status, axum::Json(serde_json::Value::Object(body))).into_response();
        resp.headers_mut()
            .insert("x-amzn-ErrorType", HeaderValue::from_static(kind));
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert("Retry-After", HeaderValue::from(secs));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

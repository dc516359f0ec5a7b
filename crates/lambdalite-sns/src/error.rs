//! SNS's errors, as the query protocol reports them.

use http::StatusCode;
use lambdalite_protocol::json::ServiceError;

/// An error of an SNS operation: AWS's code, message and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsError {
    pub code: &'static str,
    pub message: String,
    pub status: StatusCode,
}

impl SnsError {
    fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> SnsError {
        SnsError {
            code,
            message: message.into(),
            status,
        }
    }

    /// `InvalidParameter`, with the message as given.
    pub fn invalid(message: impl Into<String>) -> SnsError {
        SnsError::new("InvalidParameter", StatusCode::BAD_REQUEST, message)
    }

    /// `Invalid parameter: WHAT` (AWS's most common form).
    pub fn param(what: &str) -> SnsError {
        SnsError::invalid(format!("Invalid parameter: {what}"))
    }

    /// `Invalid parameter: WHAT Reason: WHY`.
    pub fn reason(what: &str, why: &str) -> SnsError {
        SnsError::invalid(format!("Invalid parameter: {what} Reason: {why}"))
    }

    pub fn invalid_value(message: impl Into<String>) -> SnsError {
        SnsError::new("InvalidParameterValue", StatusCode::BAD_REQUEST, message)
    }

    /// `ParameterValueInvalid`: a message attribute AWS refuses.
    pub fn parameter_value(message: impl Into<String>) -> SnsError {
        SnsError::new("ParameterValueInvalid", StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> SnsError {
        SnsError::new("NotFound", StatusCode::NOT_FOUND, message)
    }

    pub fn topic_not_found() -> SnsError {
        SnsError::not_found("Topic does not exist")
    }

    pub fn subscription_not_found() -> SnsError {
        SnsError::not_found("Subscription does not exist")
    }

    pub fn resource_not_found() -> SnsError {
        SnsError::new(
            "ResourceNotFound",
            StatusCode::NOT_FOUND,
            "Resource does not exist",
        )
    }

    pub fn validation(message: impl Into<String>) -> SnsError {
        SnsError::new("ValidationError", StatusCode::BAD_REQUEST, message)
    }

    pub fn batch(code: &'static str, message: impl Into<String>) -> SnsError {
        SnsError::new(code, StatusCode::BAD_REQUEST, message)
    }

    pub fn authorization(message: impl Into<String>) -> SnsError {
        SnsError::new("AuthorizationError", StatusCode::FORBIDDEN, message)
    }

    pub fn invalid_action(action: &str) -> SnsError {
        SnsError::new(
            "InvalidAction",
            StatusCode::BAD_REQUEST,
            format!("The action {action} is not valid for this endpoint."),
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> SnsError {
        tracing::error!(%detail, "SNS internal error");
        SnsError::new(
            "InternalError",
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Error",
        )
    }

    pub fn to_service_error(&self) -> ServiceError {
        let mut e = ServiceError::client(self.code, self.message.clone()).with_status(self.status);
        e.sender_fault = self.status.is_client_error();
        e
    }
}

impl std::fmt::Display for SnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl SnsError {
    /// The same error with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> SnsError {
        self.message = message.into();
        self
    }
}

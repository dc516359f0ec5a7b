//! The errors of the Lambda API, named as AWS names them.

use std::fmt;

/// An error the Lambda API reports to a caller. Each variant is one AWS
/// exception; the API crate maps it to a status code and body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LambdaError {
    /// `ValidationException` (400): the request broke a constraint of the API
    /// model. Holds one entry per violated constraint.
    #[error("{}", validation_message(.0))]
    Validation(Vec<String>),
    /// `InvalidParameterValueException` (400).
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `InvalidParameterValueException` (400) whose AWS body has no
    /// `Type`: concurrency the account can't give (reserved or
    /// provisioned), `$LATEST` in a weighted alias.
    #[error("{0}")]
    InvalidParameterValueUntyped(String),
    /// `InvalidRequestContentException` (400): the body is not the JSON expected.
    #[error("{0}")]
    InvalidRequestContent(String),
    /// `ResourceNotFoundException` (404).
    #[error("{0}")]
    ResourceNotFound(String),
    /// `ResourceConflictException` (409).
    #[error("{0}")]
    ResourceConflict(String),
    /// `PreconditionFailedException` (412): a stale RevisionId.
    #[error("{0}")]
    PreconditionFailed(String),
    /// `RequestEntityTooLargeException` (413): the request body is too big.
    #[error("{0}")]
    RequestEntityTooLarge(String),
    /// `RequestTooLargeException` (413): an invoke payload is too big.
    #[error("{0}")]
    RequestTooLarge(String),
    /// `UnsupportedMediaTypeException` (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// `TooManyRequestsException` (429).
    #[error("{message}")]
    TooManyRequests {
        message: String,
        reason: String,
        retry_after_seconds: u32,
    },
    /// `UnknownOperationException` (404): no operation at this path and method.
    #[error("{0}")]
    UnknownOperation(String),
    /// `ResourceNotReadyException` (502): the function can't run yet.
    #[error("{0}")]
    ResourceNotReady(String),
    /// `ProvisionedConcurrencyConfigNotFoundException` (404).
    #[error("{0}")]
    ProvisionedConcurrencyConfigNotFound(String),
    /// `InvalidRuntimeException` (502): the runtime can't run here.
    #[error("{0}")]
    InvalidRuntime(String),
    /// `MissingAuthenticationTokenException` (403): the request is not signed.
    #[error("{0}")]
    MissingAuthenticationToken(String),
    /// `IncompleteSignatureException` (403): the signature is malformed.
    #[error("{0}")]
    IncompleteSignature(String),
    /// `UnrecognizedClientException` (403): an unknown access key or
    /// session token.
    #[error("{0}")]
    UnrecognizedClient(String),
    /// `InvalidSignatureException` (403): a wrong or expired signature.
    #[error("{0}")]
    InvalidSignature(String),
    /// `AccessDeniedException` (403): the caller may not do this.
    #[error("{0}")]
    AccessDenied(String),
    /// `ServiceException` (500): lambdalite failed. Holds the detail, which is
    /// logged and never sent.
    #[error("{0}")]
    Service(String),
}

fn validation_message(items: &[String]) -> String {
    let n = items.len();
    let noun = if n == 1 { "error" } else { "errors" };
    format!("{n} validation {noun} detected: {}", items.join("; "))
}

impl LambdaError {
    pub fn function_not_found(arn: impl fmt::Display) -> Self {
        LambdaError::ResourceNotFound(format!("Function not found: {arn}"))
    }

    /// A failure of lambdalite itself. The detail goes to the server's log;
    /// the caller sees a generic message.
    pub fn internal(detail: impl fmt::Display) -> Self {
        LambdaError::Service(detail.to_string())
    }

    pub fn stale_revision() -> Self {
        LambdaError::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. \
             Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_count_their_errors() {
        let one = LambdaError::Validation(vec!["a".into()]);
        assert_eq!(one.to_string(), "1 validation error detected: a");
        let two = LambdaError::Validation(vec!["a".into(), "b".into()]);
        assert_eq!(two.to_string(), "2 validation errors detected: a; b");
    }
}

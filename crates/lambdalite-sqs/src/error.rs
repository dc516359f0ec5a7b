//! SQS's errors, as AWS names them in both protocols.

use lambdalite_protocol::json::ServiceError;

/// An error of an SQS operation. Each variant is one AWS error; its
/// JSON shape name and its query code (what query-compatible SDKs report)
/// are in [`SqsError::to_service_error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqsError {
    QueueDoesNotExist,
    /// A queue of that name exists with other attributes.
    QueueNameExists(String),
    InvalidAttributeName(String),
    InvalidAttributeValue(String),
    InvalidParameterValue(String),
    MissingParameter(String),
    ReceiptHandleIsInvalid(String),
    MessageNotInflight,
    EmptyBatchRequest(String),
    TooManyEntriesInBatchRequest(usize),
    BatchEntryIdsNotDistinct(String),
    InvalidBatchEntryId,
    BatchRequestTooLong(String),
    PurgeQueueInProgress(String),
    InvalidMessageContents(String),
    UnsupportedOperation(String),
    /// The operation is not one SQS has.
    InvalidAction(String),
    /// A request body that is not the protocol's.
    Serialization(String),
    Internal(String),
}

impl SqsError {
    pub fn to_service_error(&self) -> ServiceError {
        let (code, query, message): (&str, Option<&str>, String) = match self {
            SqsError::QueueDoesNotExist => (
                "QueueDoesNotExist",
                Some("AWS.SimpleQueueService.NonExistentQueue"),
                "The specified queue does not exist.".into(),
            ),
            SqsError::QueueNameExists(m) => ("QueueNameExists", Some("QueueAlreadyExists"), m.clone()),
            SqsError::InvalidAttributeName(m) => ("InvalidAttributeName", None, m.clone()),
            SqsError::InvalidAttributeValue(m) => ("InvalidAttributeValue", None, m.clone()),
            SqsError::InvalidParameterValue(m) => ("InvalidParameterValueException", Some("InvalidParameterValue"), m.clone()),
            SqsError::MissingParameter(m) => ("MissingRequiredParameterException", Some("MissingParameter"), m.clone()),
            SqsError::ReceiptHandleIsInvalid(m) => ("ReceiptHandleIsInvalid", None, m.clone()),
            SqsError::MessageNotInflight => (
                "MessageNotInflight",
                Some("AWS.SimpleQueueService.MessageNotInflight"),
                "Message does not exist or is not available for visibility timeout change.".into(),
            ),
            SqsError::EmptyBatchRequest(m) => ("EmptyBatchRequest", Some("AWS.SimpleQueueService.EmptyBatchRequest"), m.clone()),
            SqsError::TooManyEntriesInBatchRequest(n) => (
                "TooManyEntriesInBatchRequest",
                Some("AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
                format!("Maximum number of entries per request are 10. You have sent {n}."),
            ),
            SqsError::BatchEntryIdsNotDistinct(id) => (
                "BatchEntryIdsNotDistinct",
                Some("AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
                format!("Id {id} repeated."),
            ),
            SqsError::InvalidBatchEntryId => (
                "InvalidBatchEntryId",
                Some("AWS.SimpleQueueService.InvalidBatchEntryId"),
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.".into(),
            ),
            SqsError::BatchRequestTooLong(m) => ("BatchRequestTooLong", Some("AWS.SimpleQueueService.BatchRequestTooLong"), m.clone()),
            SqsError::PurgeQueueInProgress(m) => ("PurgeQueueInProgress", Some("AWS.SimpleQueueService.PurgeQueueInProgress"), m.clone()),
            SqsError::InvalidMessageContents(m) => ("InvalidMessageContents", None, m.clone()),
            SqsError::UnsupportedOperation(m) => ("UnsupportedOperation", Some("AWS.SimpleQueueService.UnsupportedOperation"), m.clone()),
            SqsError::InvalidAction(op) => (
                "InvalidAction",
                None,
                format!("The action {op} is not valid for this endpoint."),
            ),
            SqsError::Serialization(m) => ("SerializationException", None, m.clone()),
            SqsError::Internal(detail) => {
                tracing::error!(%detail, "SQS internal error");
                return ServiceError::internal();
            }
        };
        let mut e = ServiceError::client(code, message);
        if matches!(self, SqsError::PurgeQueueInProgress(_)) {
            e = e.with_status(http::StatusCode::FORBIDDEN);
        }
        match query {
            Some(q) => e.with_query_code(q),
            None => e,
        }
    }
}

impl std::fmt::Display for SqsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_service_error().message)
    }
}

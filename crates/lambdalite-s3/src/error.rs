//! S3's errors: a status, a code, AWS's message, and the fields some
//! errors add (`BucketName`, `Key`, `ArgumentName` …), as an XML body.

use std::borrow::Cow;

use bytes::Bytes;
use http::{Response, StatusCode};
use lambdalite_protocol::xml::Xml;

/// One S3 error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Extra elements, in order.
    pub fields: Vec<(Cow<'static, str>, String)>,
}

impl S3Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> S3Error {
        S3Error {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn with(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> S3Error {
        self.fields.push((name.into(), value.into()));
        self
    }

    pub fn no_such_bucket(bucket: &str) -> S3Error {
        S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        )
        .with("BucketName", bucket)
    }

    pub fn no_such_key(key: &str) -> S3Error {
        S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .with("Key", key)
    }

    pub fn no_such_upload(upload_id: &str) -> S3Error {
        S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        )
        .with("UploadId", upload_id)
    }

    pub fn invalid_argument(
        message: impl Into<String>,
        name: &str,
        value: impl Into<String>,
    ) -> S3Error {
        S3Error::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
            .with("ArgumentName", name)
            .with("ArgumentValue", value)
    }

    pub fn invalid_request(message: impl Into<String>) -> S3Error {
        S3Error::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    pub fn malformed_xml() -> S3Error {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published \
             schema",
        )
    }

    pub fn internal() -> S3Error {
        S3Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        )
    }

    pub fn not_implemented(what: &str) -> S3Error {
        S3Error::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "A header or query you provided implies functionality that is not implemented.",
        )
        .with("Header", what)
    }

    /// The XML answer (a HEAD request's has no body).
    pub fn response(&self, request_id: &str, head: bool) -> Response<Bytes> {
        let body = if head {
            Bytes::new()
        } else {
            let mut x = Xml::new_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            x.open("Error", None)
                .leaf("Code", self.code)
                .leaf("Message", &self.message);
            for (k, v) in &self.fields {
                x.leaf(k, v);
            }
            x.leaf("RequestId", request_id)
                .leaf("HostId", &crate::host_id(request_id))
                .close("Error");
            Bytes::from(x.finish())
        };
        let mut b = Response::builder()
            .status(self.status)
            .header("x-amz-request-id", request_id)
            .header("x-amz-id-2", crate::host_id(request_id))
            .header("server", "AmazonS3");
        if !head {
            b = b.header(http::header::CONTENT_TYPE, "application/xml");
        }
        b.body(body).unwrap_or_else(|_| Response::new(Bytes::new()))
    }
}

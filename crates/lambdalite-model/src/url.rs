//! Function URLs: a dedicated HTTP endpoint for a function (or an alias).

use serde::{Deserialize, Serialize};

/// A function URL config, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionUrlConfig {
    /// The URL's id: its host name's first label.
    pub url_id: String,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// `BUFFERED` or `RESPONSE_STREAM`, when one was given (AWS echoes it
    /// in Create and Update only then; the mode is `BUFFERED` otherwise).
    #[serde(default)]
    pub invoke_mode: Option<String>,
    /// AWS's `Cors` object, as given.
    pub cors: Option<serde_json::Value>,
    pub creation_time: String,
    pub last_modified_time: String,
}

impl FunctionUrlConfig {
    /// How the URL answers: `BUFFERED` unless `RESPONSE_STREAM` was set.
    pub fn mode(&self) -> &str {
        self.invoke_mode.as_deref().unwrap_or("BUFFERED")
    }
}

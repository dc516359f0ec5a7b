//! Asynchronous invocation settings of a function version or alias.

use serde::{Deserialize, Serialize};

/// AWS's defaults: two retries, six hours.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const DEFAULT_MAX_EVENT_AGE_S: u32 = 21_600;

/// FunctionEventInvokeConfig, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EventInvokeConfig {
    pub maximum_retry_attempts: Option<u32>,
    pub maximum_event_age_in_seconds: Option<u32>,
    pub on_success: Option<String>,
    pub on_failure: Option<String>,
    /// Seconds since the epoch, as AWS reports LastModified here.
    pub last_modified: f64,
}

impl EventInvokeConfig {
    pub fn max_retries(&self) -> u32 {
        self.maximum_retry_attempts.unwrap_or(DEFAULT_MAX_RETRIES)
    }

    pub fn max_event_age_s(&self) -> u32 {
        self.maximum_event_age_in_seconds
            .unwrap_or(DEFAULT_MAX_EVENT_AGE_S)
    }
}

/// A provisioned concurrency config of a version or alias, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedConfig {
    pub requested: u32,
    pub last_modified: String,
}

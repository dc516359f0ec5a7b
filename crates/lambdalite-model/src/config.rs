//! A function version's configuration as lambdalite keeps it, and its
//! rendering as AWS's `FunctionConfiguration` shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::arn::Partition;

/// The unpublished, mutable version of every function.
pub const LATEST: &str = "$LATEST";

/// The code of a version: a zip stored once by its sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRef {
    /// Lowercase hex sha256 of the zip: its name in the blob store.
    pub sha256_hex: String,
    /// base64 sha256 of the zip: AWS's `CodeSha256`.
    pub sha256_b64: String,
    /// Size of the zip in bytes: AWS's `CodeSize`.
    pub size: u64,
    /// Size of the unzipped files in bytes.
    pub unzipped_size: u64,
}

/// Where a function is in its lifecycle (AWS's `State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionState {
    Pending,
    Active,
    Inactive,
    Failed,
}

impl FunctionState {
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionState::Pending => "Pending",
            FunctionState::Active => "Active",
            FunctionState::Inactive => "Inactive",
            FunctionState::Failed => "Failed",
        }
    }
}

/// How a function's logs are written (AWS's `LoggingConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingConfig {
    pub log_format: String,
    pub log_group: Option<String>,
    pub application_log_level: Option<String>,
    pub system_log_level: Option<String>,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            log_format: "Text".into(),
            log_group: None,
            application_log_level: None,
            system_log_level: None,
        }
    }
}

/// One version of a function: everything needed to answer the API and run it.
/// A published version never changes; `$LATEST` changes by replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionConfig {
    pub name: String,
    pub version: String,
    pub runtime: Option<String>,
    pub role: String,
    pub handler: Option<String>,
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub environment: Option<BTreeMap<String, String>>,
    pub ephemeral_storage: u32,
    pub architecture: String,
    pub tracing_mode: String,
    pub code: CodeRef,
    pub last_modified: String,
    pub revision_id: String,
    pub state: FunctionState,
    pub kms_key_arn: Option<String>,
    pub dead_letter_target: Option<String>,
    pub logging: LoggingConfig,
    /// Layers in order; later ones win where files collide.
    #[serde(default)]
    pub layers: Vec<crate::layer::LayerRef>,
}

/// Which response a configuration is rendered for: AWS returns different
/// subsets and transient states depending on the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// GetFunction, GetFunctionConfiguration: every field.
    Full,
    /// ListFunctions: no state fields, no runtime version.
    List,
    /// CreateFunction's response: the function is still being created.
    Creating,
    /// UpdateFunctionCode / UpdateFunctionConfiguration's response: the
    /// update is in progress.
    Updating,
}

/// The ARN of the runtime version a function runs on: one per runtime
/// identifier and region here (lambdalite's runtimes change with
/// lambdalite, not per function), in AWS's form.
pub fn runtime_version_arn(region: &str, runtime: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("lambdalite runtime {runtime}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("arn:aws:lambda:{region}::runtime:{hex}")
}

/// The RevisionId a configuration had while its change was in progress:
/// derived from the one it has after, so every answer agrees.
fn passing_revision(after: &str) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(format!("in progress {after}").as_bytes());
    let h: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

impl FunctionConfig {
    /// The log group the function writes to.
    pub fn log_group(&self) -> String {
        self.logging
            .log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", self.name))
    }

    /// AWS's `FunctionConfiguration` JSON for this version.
    pub fn to_wire(&self, partition: &Partition, view: View) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("FunctionName", json!(self.name));
        let arn = if self.version == LATEST {
            partition.function_arn(&self.name)
        } else {
            partition.qualified_arn(&self.name, &self.version)
        };
        put("FunctionArn", json!(arn));
        if let Some(r) = &self.runtime {
            put("Runtime", json!(r));
        }
        put("Role", json!(self.role));
        if let Some(h) = &self.handler {
            put("Handler", json!(h));
        }
        put("CodeSize", json!(self.code.size));
        put("Description", json!(self.description));
        put("Timeout", json!(self.timeout));
        put("MemorySize", json!(self.memory_size));
        put("LastModified", json!(self.last_modified));
        put("CodeSha256", json!(self.code.sha256_b64));
        put("Version", json!(self.version));
        if let Some(vars) = &self.environment {
            put("Environment", json!({ "Variables": vars }));
        }
        if !self.layers.is_empty() {
            let layers: Vec<Value> = self
                .layers
                .iter()
                .map(|l| json!({ "Arn": l.arn, "CodeSize": l.code.size }))
                .collect();
            put("Layers", json!(layers));
        }
        if let Some(k) = &self.kms_key_arn {
            put("KMSKeyArn", json!(k));
        }
        if let Some(t) = &self.dead_letter_target {
            put("DeadLetterConfig", json!({ "TargetArn": t }));
        }
        put("TracingConfig", json!({ "Mode": self.tracing_mode }));
        // While a create or update is in progress AWS reports a RevisionId
        // that changes again when it completes; lambdalite's transitions
        // complete at once, so the answer carries that passing id.
        let revision = match view {
            View::Creating | View::Updating if self.version == LATEST => {
                passing_revision(&self.revision_id)
            }
            _ => self.revision_id.clone(),
        };
        put("RevisionId", json!(revision));
        if let (Some(r), false) = (&self.runtime, view == View::List) {
            put(
                "RuntimeVersionConfig",
                json!({ "RuntimeVersionArn": runtime_version_arn(&partition.region, r) }),
            );
        }
        match view {
            View::List => {}
            View::Creating => {
                put("State", json!("Pending"));
                put("StateReason", json!("The function is being created."));
                put("StateReasonCode", json!("Creating"));
            }
            View::Updating => {
                put("State", json!(self.state.as_str()));
                put("LastUpdateStatus", json!("InProgress"));
                put(
                    "LastUpdateStatusReason",
                    json!("The function is being created."),
                );
                put("LastUpdateStatusReasonCode", json!("Creating"));
            }
            View::Full => {
                put("State", json!(self.state.as_str()));
                put("LastUpdateStatus", json!("Successful"));
            }
        }
        put("PackageType", json!("Zip"));
        put("Architectures", json!([self.architecture]));
        put(
            "EphemeralStorage",
            json!({ "Size": self.ephemeral_storage }),
        );
        put(
            "SnapStart",
            json!({ "ApplyOn": "None", "OptimizationStatus": "Off" }),
        );
        let mut logging = Map::new();
        logging.insert("LogFormat".into(), json!(self.logging.log_format));
        if let Some(l) = &self.logging.application_log_level {
            logging.insert("ApplicationLogLevel".into(), json!(l));
        }
        if let Some(l) = &self.logging.system_log_level {
            logging.insert("SystemLogLevel".into(), json!(l));
        }
        logging.insert("LogGroup".into(), json!(self.log_group()));
        m.insert("LoggingConfig".into(), Value::Object(logging));
        Value::Object(m)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> FunctionConfig {
        FunctionConfig {
            name: "hello".into(),
            version: LATEST.into(),
            runtime: Some("python3.12".into()),
            role: "arn:aws:iam::000000000000:role/lambda".into(),
            handler: Some("app.handler".into()),
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: None,
            ephemeral_storage: 512,
            architecture: "x86_64".into(),
            tracing_mode: "PassThrough".into(),
            code: CodeRef {
                sha256_hex: "00".into(),
                sha256_b64: "AA==".into(),
                size: 10,
                unzipped_size: 20,
            },
            last_modified: "2026-11-26T13:47:05.123+0000".into(),
            revision_id: "r1".into(),
            state: FunctionState::Active,
            kms_key_arn: None,
            dead_letter_target: None,
            logging: LoggingConfig::default(),
            layers: Vec::new(),
        }
    }

    #[test]
    fn full_view_has_aws_defaults() {
        let p = Partition::new("us-east-1", "000000000000");
        let v = sample().to_wire(&p, View::Full);
        assert_eq!(
            v["FunctionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:hello"
        );
        assert_eq!(v["Version"], "$LATEST");
        assert_eq!(v["PackageType"], "Zip");
        assert_eq!(v["Architectures"], json!(["x86_64"]));
        assert_eq!(v["EphemeralStorage"]["Size"], 512);
        assert_eq!(v["TracingConfig"]["Mode"], "PassThrough");
        assert_eq!(v["State"], "Active");
        assert_eq!(v["LastUpdateStatus"], "Successful");
        assert_eq!(v["LoggingConfig"]["LogGroup"], "/aws/lambda/hello");
        assert!(v.get("Environment").is_none());
    }

    #[test]
    fn list_view_has_no_state() {
        let p = Partition::new("us-east-1", "000000000000");
        let v = sample().to_wire(&p, View::List);
        assert!(v.get("State").is_none());
        assert!(v.get("LastUpdateStatus").is_none());
    }

    #[test]
    fn round_trips_through_json() {
        let c = sample();
        let back: FunctionConfig =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}

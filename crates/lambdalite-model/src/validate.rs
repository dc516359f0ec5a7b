//! The input shapes of the function operations and their validation, in the
//! order AWS applies it: constraints of the API model first (all of them,
//! reported together as a `ValidationException`), then the service's own
//! rules (`InvalidParameterValueException`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;
use serde::Deserialize;

use crate::config::{FunctionConfig, LoggingConfig};
use crate::error::LambdaError;
use crate::limits;
use crate::runtime;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeInput {
    pub zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    pub s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    pub s3_object_version: Option<String>,
    pub image_uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentInput {
    pub variables: Option<OrderedVars>,
}

/// Environment variables in the order the request gave them (AWS's
/// messages quote them so).
#[derive(Debug, Default, Clone)]
pub struct OrderedVars(pub Vec<(String, String)>);

impl OrderedVars {
    fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// The variables as JSON, in request order: what AWS measures.
    fn measured(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(k).unwrap_or_default());
            out.push(':');
            out.push_str(&serde_json::to_string(v).unwrap_or_default());
        }
        out.push('}');
        out
    }
}

impl<'de> Deserialize<'de> for OrderedVars {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedVars;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedVars, A::Error> {
                let mut vars = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    vars.retain(|(seen, _): &(String, String)| *seen != k);
                    vars.push((k, v));
                }
                Ok(OrderedVars(vars))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorageInput {
    pub size: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfigInput {
    pub mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfigInput {
    pub target_arn: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfigInput {
    pub log_format: Option<String>,
    pub application_log_level: Option<String>,
    pub system_log_level: Option<String>,
    pub log_group: Option<String>,
}

/// The settings shared by CreateFunction and UpdateFunctionConfiguration.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SettingsInput {
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<EnvironmentInput>,
    pub ephemeral_storage: Option<EphemeralStorageInput>,
    pub tracing_config: Option<TracingConfigInput>,
    #[serde(rename = "KMSKeyArn")]
    pub kms_key_arn: Option<String>,
    pub dead_letter_config: Option<DeadLetterConfigInput>,
    pub logging_config: Option<LoggingConfigInput>,
    pub layers: Option<Vec<String>>,
    pub revision_id: Option<String>,
}

/// CreateFunction's body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFunctionInput {
    pub function_name: Option<String>,
    pub code: Option<FunctionCodeInput>,
    pub publish: Option<bool>,
    pub package_type: Option<String>,
    pub architectures: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub settings: SettingsInput,
}

/// UpdateFunctionCode's body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateFunctionCodeInput {
    pub zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    pub s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    pub s3_object_version: Option<String>,
    pub image_uri: Option<String>,
    pub architectures: Option<Vec<String>>,
    pub publish: Option<bool>,
    pub dry_run: Option<bool>,
    pub revision_id: Option<String>,
}

/// A validated change of settings; `None` leaves a setting as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SettingsPatch {
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    /// `Some(None)` clears the variables.
    pub environment: Option<Option<BTreeMap<String, String>>>,
    pub ephemeral_storage: Option<u32>,
    pub tracing_mode: Option<String>,
    pub kms_key_arn: Option<Option<String>>,
    pub dead_letter_target: Option<Option<String>>,
    pub logging: Option<LoggingConfigInputValidated>,
    /// Layer version ARNs, in order; resolved against the store by the API.
    pub layers: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoggingConfigInputValidated {
    pub log_format: Option<String>,
    pub application_log_level: Option<String>,
    pub system_log_level: Option<String>,
    pub log_group: Option<String>,
}

impl SettingsPatch {
    /// Applies the change to a configuration.
    pub fn apply(&self, c: &mut FunctionConfig) {
        if let Some(v) = &self.runtime {
            c.runtime = Some(v.clone());
        }
        if let Some(v) = &self.role {
            c.role = v.clone();
        }
        if let Some(v) = &self.handler {
            c.handler = Some(v.clone());
        }
        if let Some(v) = &self.description {
            c.description = v.clone();
        }
        if let Some(v) = self.timeout {
            c.timeout = v;
        }
        if let Some(v) = self.memory_size {
            c.memory_size = v;
        }
        if let Some(v) = &self.environment {
            c.environment = v.clone();
        }
        if let Some(v) = self.ephemeral_storage {
            c.ephemeral_storage = v;
        }
        if let Some(v) = &self.tracing_mode {
            c.tracing_mode = v.clone();
        }
        if let Some(v) = &self.kms_key_arn {
            c.kms_key_arn = v.clone();
        }
        if let Some(v) = &self.dead_letter_target {
            c.dead_letter_target = v.clone();
        }
        if let Some(l) = &self.logging {
            let mut next = c.logging.clone();
            if let Some(f) = &l.log_format {
                next.log_format = f.clone();
            }
            if l.application_log_level.is_some() {
                next.application_log_level = l.application_log_level.clone();
            }
            if l.system_log_level.is_some() {
                next.system_log_level = l.system_log_level.clone();
            }
            if l.log_group.is_some() {
                next.log_group = l.log_group.clone();
            }
            if next.log_format == "Text" {
                next.application_log_level = None;
                next.system_log_level = None;
            } else {
                next.application_log_level
                    .get_or_insert_with(|| "INFO".into());
                next.system_log_level.get_or_insert_with(|| "INFO".into());
            }
            c.logging = next;
        }
    }
}

/// A validated CreateFunction.
#[derive(Debug, Clone)]
pub struct NewFunction {
    pub name: String,
    pub code: CodeSource,
    pub publish: bool,
    pub architecture: String,
    pub tags: BTreeMap<String, String>,
    pub settings: SettingsPatch,
}

impl NewFunction {
    /// The configuration of the new function's `$LATEST`, before its code is
    /// stored (the caller fills `code`, `last_modified` and `revision_id`).
    pub fn initial_config(&self, code: crate::config::CodeRef) -> FunctionConfig {
        let mut c = FunctionConfig {
            name: self.name.clone(),
            version: crate::config::LATEST.into(),
            runtime: None,
            role: String::new(),
            handler: None,
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: None,
            ephemeral_storage: 512,
            architecture: self.architecture.clone(),
            tracing_mode: "PassThrough".into(),
            code,
            last_modified: crate::time::now(),
            revision_id: String::new(),
            state: crate::config::FunctionState::Active,
            kms_key_arn: None,
            dead_letter_target: None,
            logging: LoggingConfig::default(),
            layers: Vec::new(),
        };
        self.settings.apply(&mut c);
        c
    }
}

/// A validated UpdateFunctionCode.
#[derive(Debug, Clone)]
pub struct NewCode {
    pub code: CodeSource,
    pub publish: bool,
    pub dry_run: bool,
    pub architecture: Option<String>,
    pub revision_id: Option<String>,
}

fn constraint(errors: &mut Vec<String>, value: &str, field: &str, rule: &str) {
    errors.push(format!(
        "Value '{value}' at '{field}' failed to satisfy constraint: {rule}"
    ));
}

fn check_len(errors: &mut Vec<String>, value: &str, field: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min {
        constraint(
            errors,
            value,
            field,
            &format!("Member must have length greater than or equal to {min}"),
        );
    }
    if n > max {
        constraint(
            errors,
            value,
            field,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
}

fn check_min(errors: &mut Vec<String>, value: i64, field: &str, min: i64) {
    if value < min {
        constraint(
            errors,
            &value.to_string(),
            field,
            &format!("Member must have value greater than or equal to {min}"),
        );
    }
}

fn check_max(errors: &mut Vec<String>, value: i64, field: &str, max: i64) {
    if value > max {
        constraint(
            errors,
            &value.to_string(),
            field,
            &format!("Member must have value less than or equal to {max}"),
        );
    }
}

fn check_enum(errors: &mut Vec<String>, value: &str, field: &str, set: &[&str]) {
    if !set.contains(&value) {
        constraint(
            errors,
            value,
            field,
            &format!("Member must satisfy enum value set: [{}]", set.join(", ")),
        );
    }
}

fn check_pattern(errors: &mut Vec<String>, value: &str, field: &str, re: &Regex, shown: &str) {
    if !re.is_match(value) {
        constraint(
            errors,
            value,
            field,
            &format!("Member must satisfy regular expression pattern: {shown}"),
        );
    }
}

macro_rules! pattern {
    ($name:ident, $src:expr) => {
        static $name: LazyLock<(Regex, &'static str)> = LazyLock::new(|| {
            (
                Regex::new(&format!("^(?:{})$", $src)).expect("pattern compiles"),
                $src,
            )
        });
    };
}

pattern!(
    ROLE,
    r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
);
pattern!(HANDLER, r"[^\s]+");
pattern!(ENV_KEY, r"[a-zA-Z]([a-zA-Z0-9_])+");
pattern!(KMS_KEY, r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()");
pattern!(LOG_GROUP, r"[\.\-_/#A-Za-z0-9]+");
pattern!(TAG, r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)");
pattern!(
    LAYER_ARN,
    r"arn:[a-zA-Z0-9-]+:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"
);

/// Variables the platform sets itself and no function may override.
pub const RESERVED_ENV_KEYS: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

const ARCHITECTURES: &[&str] = &["x86_64", "arm64"];

/// Checks a settings input against the model's constraints (into `errors`)
/// and the service's rules (returned), producing a patch.
fn check_settings(
    s: &SettingsInput,
    errors: &mut Vec<String>,
) -> Result<SettingsPatch, LambdaError> {
    let mut p = SettingsPatch::default();
    // The runtime is the service's own rule (below), not a model constraint.
    if let Some(r) = &s.role {
        check_len(errors, r, "role", 0, 10_000);
        check_pattern(errors, r, "role", &ROLE.0, ROLE.1);
    }
    if let Some(h) = &s.handler {
        check_len(errors, h, "handler", 0, 128);
        check_pattern(errors, h, "handler", &HANDLER.0, HANDLER.1);
    }
    if let Some(d) = &s.description {
        check_len(errors, d, "description", 0, 256);
    }
    if let Some(t) = s.timeout {
        check_min(errors, t, "timeout", 1);
        check_max(errors, t, "timeout", 5400);
    }
    if let Some(m) = s.memory_size {
        check_min(errors, m, "memorySize", 128);
        check_max(errors, m, "memorySize", 32_768);
    }
    if let Some(e) = &s.ephemeral_storage {
        match e.size {
            Some(size) => {
                check_min(errors, size, "ephemeralStorage.size", limits::EPHEMERAL_MIN_MB);
                check_max(errors, size, "ephemeralStorage.size", limits::EPHEMERAL_MAX_MB);
            }
            None => errors.push(
                "Value null at 'ephemeralStorage.size' failed to satisfy constraint: Member must not be null".into(),
            ),
        }
    }
    if let Some(t) = &s.tracing_config {
        if let Some(m) = &t.mode {
            check_enum(errors, m, "tracingConfig.mode", &["Active", "PassThrough"]);
        }
    }
    if let Some(k) = &s.kms_key_arn {
        check_pattern(errors, k, "kMSKeyArn", &KMS_KEY.0, KMS_KEY.1);
    }
    if let Some(env) = s.environment.as_ref().and_then(|e| e.variables.as_ref()) {
        if env.keys().any(|k| !ENV_KEY.0.is_match(k)) {
            errors.push(format!(
                "Value at 'environment.variables' failed to satisfy constraint: \
                 Map keys must satisfy constraint: [Member must satisfy regular expression pattern: {}]",
                ENV_KEY.1
            ));
        }
    }
    if let Some(l) = &s.logging_config {
        if let Some(f) = &l.log_format {
            check_enum(errors, f, "loggingConfig.logFormat", &["JSON", "Text"]);
        }
        if let Some(v) = &l.application_log_level {
            check_enum(
                errors,
                v,
                "loggingConfig.applicationLogLevel",
                &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"],
            );
        }
        if let Some(v) = &l.system_log_level {
            check_enum(
                errors,
                v,
                "loggingConfig.systemLogLevel",
                &["DEBUG", "INFO", "WARN"],
            );
        }
        if let Some(g) = &l.log_group {
            check_len(errors, g, "loggingConfig.logGroup", 1, 512);
            check_pattern(
                errors,
                g,
                "loggingConfig.logGroup",
                &LOG_GROUP.0,
                LOG_GROUP.1,
            );
        }
    }
    if let Some(layers) = &s.layers {
        let bad = layers
            .iter()
            .any(|l| l.is_empty() || l.chars().count() > 2048 || !LAYER_ARN.0.is_match(l));
        if bad {
            errors.push(format!(
                "Value '[{}]' at 'layers' failed to satisfy constraint: Member must satisfy \
                 constraint: [Member must have length less than or equal to 2048, Member must have \
                 length greater than or equal to 1, Member must satisfy regular expression pattern: {}, \
                 Member must not be null]",
                layers.join(", "),
                LAYER_ARN_SHOWN
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(p);
    }

    // The service's own rules.
    if let Some(r) = &s.runtime {
        runtime::check_creatable(r)?;
        p.runtime = Some(r.clone());
    }
    if let Some(m) = s.memory_size {
        if m > limits::MEMORY_MAX_MB {
            return Err(LambdaError::InvalidParameterValue(format!(
                "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to {}",
                limits::MEMORY_MAX_MB
            )));
        }
        p.memory_size = Some(m as u32);
    }
    if let Some(t) = s.timeout {
        if t > limits::TIMEOUT_MAX_S {
            return Err(LambdaError::InvalidParameterValue(format!(
                "'Timeout' value failed to satisfy constraint: Member must have value less than or equal to {}",
                limits::TIMEOUT_MAX_S
            )));
        }
        p.timeout = Some(t as u32);
    }
    if let Some(env) = &s.environment {
        let ordered = env.variables.clone().unwrap_or_default();
        let reserved: Vec<&str> = ordered
            .keys()
            .map(String::as_str)
            .filter(|k| RESERVED_ENV_KEYS.contains(k))
            .collect();
        if !reserved.is_empty() {
            return Err(LambdaError::InvalidParameterValue(format!(
                "Lambda was unable to configure your environment variables because the environment \
                 variables you have provided contains reserved keys that are currently not supported \
                 for modification. Reserved keys used in this request: {}",
                reserved.join(", ")
            )));
        }
        let measured = ordered.measured();
        if measured.len() > limits::ENVIRONMENT_MAX_BYTES {
            return Err(LambdaError::InvalidParameterValue(format!(
                "Lambda was unable to configure your environment variables because the environment \
                 variables you have provided exceeded the 4KB limit. String measured: {measured}"
            )));
        }
        // Given, even empty, it is kept and echoed (`{"Variables": {}}`).
        let vars: BTreeMap<String, String> = ordered.0.into_iter().collect();
        p.environment = Some(Some(vars));
    }
    if let Some(layers) = &s.layers {
        if layers.len() > 5 {
            return Err(LambdaError::InvalidParameterValue(
                "Cannot reference more than 5 layers.".into(),
            ));
        }
        p.layers = Some(layers.clone());
    }
    p.role = s.role.clone();
    p.handler = s.handler.clone();
    p.description = s.description.clone();
    p.ephemeral_storage = s
        .ephemeral_storage
        .as_ref()
        .and_then(|e| e.size)
        .map(|v| v as u32);
    p.tracing_mode = s.tracing_config.as_ref().and_then(|t| t.mode.clone());
    p.kms_key_arn = s
        .kms_key_arn
        .as_ref()
        .map(|k| Some(k.clone()).filter(|k| !k.is_empty()));
    p.dead_letter_target = s
        .dead_letter_config
        .as_ref()
        .map(|d| d.target_arn.clone().filter(|t| !t.is_empty()));
    p.logging = s
        .logging_config
        .as_ref()
        .map(|l| LoggingConfigInputValidated {
            log_format: l.log_format.clone(),
            application_log_level: l.application_log_level.clone(),
            system_log_level: l.system_log_level.clone(),
            log_group: l.log_group.clone(),
        });
    Ok(p)
}

fn check_architectures(errors: &mut Vec<String>, archs: &Option<Vec<String>>) -> Option<String> {
    let archs = archs.as_ref()?;
    if archs.len() != 1 {
        let bound = if archs.is_empty() {
            "greater than or equal to 1"
        } else {
            "less than or equal to 1"
        };
        errors.push(format!(
            "Value '[{}]' at 'architectures' failed to satisfy constraint: Member must have length {bound}",
            archs.join(", ")
        ));
        return None;
    }
    let a = &archs[0];
    if !ARCHITECTURES.contains(&a.as_str()) {
        errors.push(format!(
            "Value '[{a}]' at 'architectures' failed to satisfy constraint: Member must satisfy \
             constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
        ));
        return None;
    }
    Some(a.clone())
}

/// The layer ARN pattern as AWS's messages quote it (recorded).
const LAYER_ARN_SHOWN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";

fn check_tags(errors: &mut Vec<String>, tags: &BTreeMap<String, String>) {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || !TAG.0.is_match(k) {
            errors.push(format!(
                "Value '{{{k}={v}}}' at 'tags' failed to satisfy constraint: Map keys must satisfy \
                 constraint: [Member must have length less than or equal to 128, Member must have \
                 length greater than or equal to 1, Member must satisfy regular expression pattern: {}]",
                TAG.1
            ));
        }
        if v.chars().count() > 256 || !TAG.0.is_match(v) {
            errors.push(format!(
                "Value '{{{k}={v}}}' at 'tags' failed to satisfy constraint: Map value must satisfy \
                 constraint: [Member must have length less than or equal to 256, Member must have \
                 length greater than or equal to 0, Member must satisfy regular expression pattern: {}]",
                TAG.1
            ));
        }
    }
}

/// Decodes a `ZipFile` blob and checks its size.
pub fn decode_zip(b64: &str) -> Result<Vec<u8>, LambdaError> {
    let zip = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| {
            LambdaError::InvalidRequestContent(format!(
                "Could not parse request body into json: ZipFile is not valid base64: {e}"
            ))
        })?;
    if zip.len() as u64 > limits::ZIP_MAX_BYTES {
        return Err(LambdaError::RequestEntityTooLarge(format!(
            "Zipped size must be smaller than {} bytes",
            limits::ZIP_MAX_BYTES
        )));
    }
    Ok(zip)
}

/// Where a package comes from: inline, or an object of lambdalite's S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSource {
    Zip(Vec<u8>),
    S3 { bucket: String, key: String },
}

/// The package a request gives: its `ZipFile`, or its `S3Bucket` and
/// `S3Key` (lambdalite's buckets keep no versions, so an
/// `S3ObjectVersion` is refused).
pub fn code_source(
    zip_file: Option<&str>,
    s3_bucket: Option<&str>,
    s3_key: Option<&str>,
    s3_object_version: Option<&str>,
    has_image: bool,
    what: &str,
) -> Result<CodeSource, LambdaError> {
    if let Some(b64) = zip_file {
        return decode_zip(b64).map(CodeSource::Zip);
    }
    match (s3_bucket, s3_key) {
        (Some(bucket), Some(key)) => {
            if s3_object_version.is_some() {
                return Err(LambdaError::InvalidParameterValue(
                    "lambdalite's buckets keep no object versions: S3ObjectVersion is not \
                     supported."
                        .into(),
                ));
            }
            Ok(CodeSource::S3 {
                bucket: bucket.to_string(),
                key: key.to_string(),
            })
        }
        _ if has_image => Err(LambdaError::InvalidParameterValue(
            "lambdalite runs Zip packages only: give the code as ZipFile instead of ImageUri."
                .into(),
        )),
        _ => Err(LambdaError::InvalidParameterValue(format!(
            "Please provide a source for {what}."
        ))),
    }
}

/// Validates a CreateFunction body whose FunctionName has been checked.
pub fn create_function(
    input: CreateFunctionInput,
    name: String,
) -> Result<NewFunction, LambdaError> {
    let mut errors = Vec::new();
    if input.settings.role.is_none() {
        errors.push(
            "Value null at 'role' failed to satisfy constraint: Member must not be null".into(),
        );
    }
    if input.code.is_none() {
        errors.push(
            "Value null at 'code' failed to satisfy constraint: Member must not be null".into(),
        );
    }
    if let Some(pt) = &input.package_type {
        check_enum(&mut errors, pt, "packageType", &["Zip", "Image"]);
    }
    let architecture = check_architectures(&mut errors, &input.architectures);
    if let Some(tags) = &input.tags {
        check_tags(&mut errors, tags);
    }
    let settings = check_settings(&input.settings, &mut errors)?;
    if !errors.is_empty() {
        return Err(LambdaError::Validation(errors));
    }
    if let Some(tags) = &input.tags {
        if let Some(k) = tags
            .keys()
            .find(|k| k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")))
        {
            return Err(LambdaError::InvalidParameterValue(format!(
                "The key '{k}' starts with 'aws:', which is reserved for AWS use."
            )));
        }
        if tags.len() > 50 {
            return Err(LambdaError::InvalidParameterValue(
                "Number of tags exceeds resource tag limit.".into(),
            ));
        }
    }
    if input.package_type.as_deref() == Some("Image") {
        return Err(code_source(None, None, None, None, true, "function code").unwrap_err());
    }
    let code = input.code.unwrap_or_default();
    let source = code_source(
        code.zip_file.as_deref(),
        code.s3_bucket.as_deref(),
        code.s3_key.as_deref(),
        code.s3_object_version.as_deref(),
        code.image_uri.is_some(),
        "function code",
    )?;
    if settings.runtime.is_none() || settings.handler.is_none() {
        return Err(LambdaError::InvalidParameterValue(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages."
                .into(),
        ));
    }
    Ok(NewFunction {
        name,
        code: source,
        publish: input.publish.unwrap_or(false),
        architecture: architecture.unwrap_or_else(|| "x86_64".into()),
        tags: input.tags.unwrap_or_default(),
        settings,
    })
}

/// Validates an UpdateFunctionConfiguration body.
pub fn update_configuration(input: SettingsInput) -> Result<SettingsPatch, LambdaError> {
    let mut errors = Vec::new();
    let patch = check_settings(&input, &mut errors)?;
    if !errors.is_empty() {
        return Err(LambdaError::Validation(errors));
    }
    Ok(patch)
}

/// Validates an UpdateFunctionCode body.
pub fn update_code(input: UpdateFunctionCodeInput) -> Result<NewCode, LambdaError> {
    let mut errors = Vec::new();
    let architecture = check_architectures(&mut errors, &input.architectures);
    if !errors.is_empty() {
        return Err(LambdaError::Validation(errors));
    }
    let code = code_source(
        input.zip_file.as_deref(),
        input.s3_bucket.as_deref(),
        input.s3_key.as_deref(),
        input.s3_object_version.as_deref(),
        input.image_uri.is_some(),
        "function code",
    )?;
    Ok(NewCode {
        code,
        publish: input.publish.unwrap_or(false),
        dry_run: input.dry_run.unwrap_or(false),
        architecture,
        revision_id: input.revision_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(json: &str) -> Result<NewFunction, LambdaError> {
        let input: CreateFunctionInput = serde_json::from_str(json).unwrap();
        create_function(input, "f".into())
    }

    const ROLE_OK: &str = r#""Role":"arn:aws:iam::000000000000:role/r""#;

    #[test]
    fn collects_every_constraint_violation() {
        let err = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"cobol","MemorySize":64,"Timeout":0,"Code":{{"ZipFile":""}},"Handler":"a.b"}}"#
        ))
        .unwrap_err();
        let LambdaError::Validation(items) = err else {
            panic!()
        };
        // The runtime is a service rule (InvalidParameterValueException),
        // checked once the constraints hold.
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0], "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1");
        assert_eq!(items[1], "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
    }

    #[test]
    fn service_rules_after_constraints() {
        let err = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"python3.12","MemorySize":10241,"Code":{{"ZipFile":""}},"Handler":"a.b"}}"#
        ))
        .unwrap_err();
        assert!(matches!(err, LambdaError::InvalidParameterValue(m) if m.contains("10240")));
        let err = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"python3.7","Code":{{"ZipFile":""}},"Handler":"a.b"}}"#
        ))
        .unwrap_err();
        assert!(err.to_string().contains("no longer supported"));
        let err = create(&format!(r#"{{{ROLE_OK},"Code":{{"ZipFile":""}}}}"#)).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("Runtime and Handler are mandatory"));
    }

    #[test]
    fn environment_rules() {
        let err = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"python3.12","Handler":"a.b","Code":{{"ZipFile":""}},"Environment":{{"Variables":{{"AWS_REGION":"x"}}}}}}"#
        ))
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("Reserved keys used in this request: AWS_REGION"));
        let big = "x".repeat(5000);
        let err = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"python3.12","Handler":"a.b","Code":{{"ZipFile":""}},"Environment":{{"Variables":{{"BIG":"{big}"}}}}}}"#
        ))
        .unwrap_err();
        assert!(err.to_string().contains("exceeded the 4KB limit"));
        let err = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"python3.12","Handler":"a.b","Code":{{"ZipFile":""}},"Environment":{{"Variables":{{"1BAD":"x"}}}}}}"#
        ))
        .unwrap_err();
        assert!(matches!(err, LambdaError::Validation(_)));
    }

    #[test]
    fn defaults_of_a_new_function() {
        let f = create(&format!(
            r#"{{{ROLE_OK},"Runtime":"python3.12","Handler":"app.handler","Code":{{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}}}"#
        ))
        .unwrap();
        let c = f.initial_config(crate::config::tests::sample().code);
        assert_eq!(
            (c.timeout, c.memory_size, c.ephemeral_storage),
            (3, 128, 512)
        );
        assert_eq!(c.architecture, "x86_64");
        assert_eq!(c.handler.as_deref(), Some("app.handler"));
    }
}

//! Event source mappings: what the Lambda API keeps of one, and AWS's
//! JSON of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One event source mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSourceMapping {
    pub uuid: String,
    /// The function as the mapping names it, its qualifier kept.
    pub function_arn: String,
    pub event_source_arn: String,
    pub batch_size: u32,
    pub maximum_batching_window_in_seconds: u32,
    /// Whether it should poll (Enabled, or Disabled).
    pub enabled: bool,
    pub state_transition_reason: String,
    /// Seconds since the epoch, fractional.
    pub last_modified: f64,
    pub function_response_types: Vec<String>,
    /// FilterCriteria as given (`{"Filters": [{"Pattern": "..."}]}`).
    #[serde(default)]
    pub filter_criteria: Option<Value>,
    /// ScalingConfig.MaximumConcurrency.
    #[serde(default)]
    pub maximum_concurrency: Option<u32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The settings of a stream source (Kinesis, DynamoDB Streams);
    /// `None` for a queue.
    #[serde(default)]
    pub stream: Option<StreamSettings>,
}

/// What a mapping on a stream adds to one on a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamSettings {
    /// `TRIM_HORIZON`, `LATEST` or `AT_TIMESTAMP`.
    pub starting_position: String,
    /// With AT_TIMESTAMP: seconds since the epoch.
    #[serde(default)]
    pub starting_position_timestamp: Option<f64>,
    pub parallelization_factor: u32,
    /// -1: until the record expires.
    pub maximum_retry_attempts: i64,
    /// -1: no limit.
    pub maximum_record_age_in_seconds: i64,
    pub bisect_batch_on_function_error: bool,
    pub tumbling_window_in_seconds: u32,
    /// DestinationConfig.OnFailure.Destination.
    #[serde(default)]
    pub on_failure: Option<String>,
}

impl StreamSettings {
    /// AWS's defaults for a stream mapping starting at `starting_position`.
    pub fn new(starting_position: &str) -> StreamSettings {
        StreamSettings {
            starting_position: starting_position.to_string(),
            starting_position_timestamp: None,
            parallelization_factor: 1,
            maximum_retry_attempts: -1,
            maximum_record_age_in_seconds: -1,
            bisect_batch_on_function_error: false,
            tumbling_window_in_seconds: 0,
            on_failure: None,
        }
    }
}

/// Which answer a mapping is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingView {
    /// CreateEventSourceMapping: `Creating`.
    Creating,
    /// UpdateEventSourceMapping: `Updating` (or `Enabling`/`Disabling`).
    Updating { was_enabled: bool },
    /// DeleteEventSourceMapping: `Deleting`.
    Deleting,
    /// Get and List: the settled state.
    Current,
}

impl EventSourceMapping {
    pub fn arn(&self, region: &str, account: &str) -> String {
        format!(
            "arn:aws:lambda:{region}:{account}:event-source-mapping:{}",
            self.uuid
        )
    }

    /// AWS's `EventSourceMappingConfiguration` JSON; `last_result` is
    /// LastProcessingResult, which stream mappings report.
    pub fn to_wire(
        &self,
        region: &str,
        account: &str,
        view: MappingView,
        last_result: Option<&str>,
    ) -> Value {
        let state = match view {
            MappingView::Creating => "Creating",
            MappingView::Deleting => "Deleting",
            MappingView::Updating { was_enabled } => match (was_enabled, self.enabled) {
                (false, true) => "Enabling",
                (true, false) => "Disabling",
                _ => "Updating",
            },
            MappingView::Current if self.enabled => "Enabled",
            MappingView::Current => "Disabled",
        };
        let mut m = Map::new();
        m.insert("UUID".into(), json!(self.uuid));
        m.insert("BatchSize".into(), json!(self.batch_size));
        m.insert(
            "MaximumBatchingWindowInSeconds".into(),
            json!(self.maximum_batching_window_in_seconds),
        );
        m.insert("EventSourceArn".into(), json!(self.event_source_arn));
        m.insert("FunctionArn".into(), json!(self.function_arn));
        m.insert("LastModified".into(), json!(self.last_modified));
        m.insert("State".into(), json!(state));
        m.insert(
            "StateTransitionReason".into(),
            json!(self.state_transition_reason),
        );
        m.insert(
            "FunctionResponseTypes".into(),
            json!(self.function_response_types),
        );
        if let Some(f) = &self.filter_criteria {
            m.insert("FilterCriteria".into(), f.clone());
        }
        if let Some(c) = self.maximum_concurrency {
            m.insert("ScalingConfig".into(), json!({ "MaximumConcurrency": c }));
        }
        if let Some(s) = &self.stream {
            m.insert("StartingPosition".into(), json!(s.starting_position));
            if let Some(t) = s.starting_position_timestamp {
                m.insert("StartingPositionTimestamp".into(), json!(t));
            }
            m.insert(
                "ParallelizationFactor".into(),
                json!(s.parallelization_factor),
            );
            m.insert(
                "MaximumRetryAttempts".into(),
                json!(s.maximum_retry_attempts),
            );
            m.insert(
                "MaximumRecordAgeInSeconds".into(),
                json!(s.maximum_record_age_in_seconds),
            );
            m.insert(
                "BisectBatchOnFunctionError".into(),
                json!(s.bisect_batch_on_function_error),
            );
            m.insert(
                "TumblingWindowInSeconds".into(),
                json!(s.tumbling_window_in_seconds),
            );
            let on_failure = match &s.on_failure {
                Some(d) => json!({ "Destination": d }),
                None => json!({}),
            };
            m.insert(
                "DestinationConfig".into(),
                json!({ "OnFailure": on_failure }),
            );
            m.insert(
                "LastProcessingResult".into(),
                json!(last_result.unwrap_or("No records processed")),
            );
        }
        m.insert(
            "EventSourceMappingArn".into(),
            json!(self.arn(region, account)),
        );
        Value::Object(m)
    }

    /// The patterns of FilterCriteria, as given.
    pub fn filter_patterns(&self) -> Vec<String> {
        self.filter_criteria
            .as_ref()
            .and_then(|f| f.get("Filters"))
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

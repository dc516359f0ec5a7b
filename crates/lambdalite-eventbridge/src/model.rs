//! Event buses and rules as they are kept.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bus {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created: i64,
    pub modified: i64,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub bus: String,
    pub arn: String,
    #[serde(default)]
    pub event_pattern: Option<String>,
    #[serde(default)]
    pub schedule: Option<String>,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub role_arn: Option<String>,
    /// When the rule was made (ms): where a rate counts from.
    pub created_ms: i64,
    /// The last scheduled fire recorded (ms), its due time.
    #[serde(default)]
    pub last_fire_ms: Option<i64>,
    /// Targets as PutTargets gave them (AWS's shape).
    #[serde(default)]
    pub targets: Vec<Value>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// The event pattern, parsed once.
    #[serde(skip)]
    pub compiled: Option<std::sync::Arc<lambdalite_events::Pattern>>,
}

impl Rule {
    /// Parses the event pattern for matching.
    pub fn compile(mut self) -> Rule {
        self.compiled = self
            .event_pattern
            .as_deref()
            .and_then(|p| lambdalite_events::Pattern::parse(p).ok())
            .map(std::sync::Arc::new);
        self
    }

    pub fn enabled(&self) -> bool {
        self.state != "DISABLED"
    }

    /// The document key: bus and name.
    pub fn key(&self) -> String {
        rule_key(&self.bus, &self.name)
    }
}

pub fn rule_key(bus: &str, name: &str) -> String {
    format!("{bus}/{name}")
}

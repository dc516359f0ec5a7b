//! Layers: versioned zip archives of libraries, runtimes or tools, merged
//! read-only into a function's /opt.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::arn::Partition;
use crate::config::CodeRef;

/// One published version of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerVersion {
    pub layer: String,
    pub version: u64,
    pub description: String,
    pub created_date: String,
    /// As given at publishing; an empty list given is reported as such,
    /// one not given not at all.
    #[serde(default)]
    pub compatible_runtimes: Option<Vec<String>>,
    #[serde(default)]
    pub compatible_architectures: Option<Vec<String>>,
    pub license_info: Option<String>,
    pub code: CodeRef,
    /// Permission statements (the policy), as JSON objects.
    pub statements: Vec<Value>,
    /// Changes with every change of the policy.
    pub policy_revision: String,
}

impl Partition {
    /// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME`
    pub fn layer_arn(&self, layer: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:layer:{layer}",
            self.region, self.account_id
        )
    }
}

impl LayerVersion {
    pub fn arn(&self, p: &Partition) -> String {
        format!("{}:{}", p.layer_arn(&self.layer), self.version)
    }

    /// The fields shared by every layer-version shape.
    fn common(&self, p: &Partition) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("LayerVersionArn".into(), json!(self.arn(p)));
        m.insert("Version".into(), json!(self.version));
        m.insert("Description".into(), json!(self.description));
        m.insert("CreatedDate".into(), json!(self.created_date));
        if let Some(r) = &self.compatible_runtimes {
            m.insert("CompatibleRuntimes".into(), json!(r));
        }
        if let Some(a) = &self.compatible_architectures {
            m.insert("CompatibleArchitectures".into(), json!(a));
        }
        if let Some(l) = &self.license_info {
            m.insert("LicenseInfo".into(), json!(l));
        }
        m
    }

    /// GetLayerVersion / PublishLayerVersion's response.
    pub fn to_wire(&self, p: &Partition, location: String) -> Value {
        let mut m = self.common(p);
        m.insert("LayerArn".into(), json!(p.layer_arn(&self.layer)));
        m.insert(
            "Content".into(),
            json!({
                "Location": location,
                "CodeSha256": self.code.sha256_b64,
                "CodeSize": self.code.size,
            }),
        );
        Value::Object(m)
    }

    /// An item of ListLayerVersions, and ListLayers' LatestMatchingVersion.
    pub fn to_list_item(&self, p: &Partition) -> Value {
        Value::Object(self.common(p))
    }

    /// The layer policy document.
    pub fn policy_document(&self) -> Value {
        json!({ "Version": "2012-10-17", "Id": "default", "Statement": self.statements })
    }
}

/// A layer as a function references it: enough to run it even after the
/// layer version is deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    pub arn: String,
    pub code: CodeRef,
}

/// The name of the folder where a list of layers is merged, derived from
/// their code (so functions with the same layers share it).
pub fn merged_key(layers: &[LayerRef]) -> String {
    layers
        .iter()
        .map(|l| &l.code.sha256_hex[..l.code.sha256_hex.len().min(16)])
        .collect::<Vec<_>>()
        .join("-")
}

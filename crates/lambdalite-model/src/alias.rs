//! Aliases: named pointers to a version, optionally splitting traffic with a
//! second version by weight.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::arn::Partition;
use crate::config::LATEST;
use crate::error::LambdaError;

/// One alias of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    pub function: String,
    pub name: String,
    pub function_version: String,
    pub description: String,
    /// Additional version → share of traffic (0.0–1.0).
    pub routing: BTreeMap<String, f64>,
    pub revision_id: String,
}

impl Alias {
    /// AWS's `AliasConfiguration` JSON.
    pub fn to_wire(&self, partition: &Partition) -> Value {
        let mut v = json!({
            "AliasArn": partition.qualified_arn(&self.function, &self.name),
            "Name": self.name,
            "FunctionVersion": self.function_version,
            "Description": self.description,
            "RevisionId": self.revision_id,
        });
        if !self.routing.is_empty() {
            v["RoutingConfig"] = json!({ "AdditionalVersionWeights": self.routing });
        }
        v
    }

    /// The version an invocation through this alias runs, given a uniform
    /// random number in [0, 1).
    pub fn pick_version(&self, roll: f64) -> &str {
        let mut acc = 0.0;
        for (version, weight) in &self.routing {
            acc += weight;
            if roll < acc {
                return version;
            }
        }
        &self.function_version
    }
}

/// Whether a qualifier names a published version (digits only).
pub fn is_version_number(q: &str) -> bool {
    !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `name` has an alias name's form (letters, digits, `-`, `_`;
/// not all digits).
pub fn is_alias_name(name: &str) -> bool {
    let mut errors = Vec::new();
    check_alias_name(name, &mut errors);
    errors.is_empty()
}

/// Checks an alias name against the model's constraints.
pub fn check_alias_name(name: &str, errors: &mut Vec<String>) {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if name.is_empty() || name.chars().count() > 128 {
        let bound = if name.is_empty() {
            "greater than or equal to 1"
        } else {
            "less than or equal to 128"
        };
        errors.push(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must have length {bound}"
        ));
    } else if !valid_chars || is_version_number(name) {
        errors.push(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular \
             expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        ));
    }
}

/// Checks a FunctionVersion parameter (`$LATEST` or a number).
pub fn check_function_version(v: &str, errors: &mut Vec<String>) {
    if v != LATEST && !is_version_number(v) {
        errors.push(format!(
            "Value '{v}' at 'functionVersion' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: (\\$LATEST(\\.PUBLISHED)?|[0-9]+)"
        ));
    }
}

/// Validates a routing configuration for an alias to `primary`.
pub fn check_routing(primary: &str, routing: &BTreeMap<String, f64>) -> Result<(), LambdaError> {
    // AWS quotes the whole map, as Java prints it: `{2=0.5}`.
    let shown = format!(
        "{{{}}}",
        routing
            .iter()
            .map(|(k, v)| format!("{k}={}", java_double(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut errors = Vec::new();
    if routing
        .keys()
        .any(|v| !is_version_number(v) || v.len() > 1024)
    {
        errors.push(format!(
            "Value '{shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy \
             constraint: Map keys must satisfy constraint: [Member must have length less than or \
             equal to 1024, Member must have length greater than or equal to 1, Member must \
             satisfy regular expression pattern: [0-9]+]"
        ));
    }
    if routing
        .values()
        .any(|w| !(0.0..=1.0).contains(w) || w.is_nan())
    {
        errors.push(format!(
            "Value '{shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy \
             constraint: Map value must satisfy constraint: [Member must have value less than \
             or equal to 1.0, Member must have value greater than or equal to 0.0, Member must \
             not be null]"
        ));
    }
    if !errors.is_empty() {
        return Err(LambdaError::Validation(errors));
    }
    if routing.len() > 1 {
        return Err(LambdaError::InvalidParameterValue(
            "Number of items in AdditionalVersionWeights cannot be greater than 1".into(),
        ));
    }
    if routing.is_empty() {
        return Ok(());
    }
    if primary == LATEST {
        return Err(LambdaError::InvalidParameterValueUntyped(
            "$LATEST is not supported for an alias pointing to more than 1 version".into(),
        ));
    }
    if routing.contains_key(primary) {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Invalid function version {primary}. Function version {primary} is already included in routing configuration."
        )));
    }
    Ok(())
}

/// A double as Java's `Double.toString` writes it (`2.0`, `0.5`, `1.0E-4`).
fn java_double(v: f64) -> String {
    let a = v.abs();
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{v}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{v:E}");
        match s.split_once('E') {
            Some((m, e)) if !m.contains('.') => format!("{m}.0E{e}"),
            _ => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(routing: &[(&str, f64)]) -> Alias {
        Alias {
            function: "f".into(),
            name: "live".into(),
            function_version: "1".into(),
            description: String::new(),
            routing: routing.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            revision_id: "r".into(),
        }
    }

    #[test]
    fn picks_by_weight() {
        let a = alias(&[("2", 0.25)]);
        assert_eq!(a.pick_version(0.1), "2");
        assert_eq!(a.pick_version(0.3), "1");
        assert_eq!(alias(&[]).pick_version(0.0), "1");
    }

    #[test]
    fn names() {
        let mut e = Vec::new();
        check_alias_name("live", &mut e);
        check_alias_name("v-2_x", &mut e);
        assert!(e.is_empty());
        check_alias_name("123", &mut e);
        check_alias_name("a b", &mut e);
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn routing_rules() {
        let r = |v: &[(&str, f64)]| v.iter().map(|(k, w)| (k.to_string(), *w)).collect();
        assert!(check_routing("1", &r(&[("2", 0.5)])).is_ok());
        assert!(matches!(
            check_routing("1", &r(&[("2", 1.5)])),
            Err(LambdaError::Validation(_))
        ));
        assert!(check_routing("$LATEST", &r(&[("2", 0.5)])).is_err());
        assert!(matches!(
            check_routing("1", &r(&[("$LATEST", 0.5)])),
            Err(LambdaError::Validation(_))
        ));
        assert!(check_routing("1", &r(&[("1", 0.5)])).is_err());
        assert!(check_routing("1", &r(&[("2", 0.5), ("3", 0.1)])).is_err());
    }

    #[test]
    fn routing_errors_quote_the_map_as_aws_does() {
        let r = |v: &[(&str, f64)]| v.iter().map(|(k, w)| (k.to_string(), *w)).collect();
        let e = check_routing("1", &r(&[("2", 2.0)]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' \
             failed to satisfy constraint: Map value must satisfy constraint: [Member must have value \
             less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member \
             must not be null]"
        );
        let e = check_routing("1", &r(&[("2", -1.0)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Value '{2=-1.0}'"), "{e}");
        let e = check_routing("1", &r(&[("$LATEST", 0.5)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Value '{$LATEST=0.5}' at"), "{e}");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(0.25), "0.25");
    }
}

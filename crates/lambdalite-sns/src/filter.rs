//! Subscription filter policies, through the shared pattern matcher: on
//! the message's attributes (FilterPolicyScope `MessageAttributes`, the
//! default) or on its JSON body (`MessageBody`).

use std::collections::BTreeMap;

use lambdalite_events::{Language, Pattern};
use serde_json::{Map, Value};

use crate::model::{Attribute, Subscription};

/// The attributes as the matcher sees them: strings as strings, numbers
/// as numbers, string arrays as arrays; binary attributes are not matched.
fn attributes_event(attributes: &BTreeMap<String, Attribute>) -> Value {
    let mut m = Map::new();
    for (k, a) in attributes {
        let v = if a.data_type.starts_with("Number") {
            match a.value.parse::<f64>() {
                Ok(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
                Err(_) => Value::String(a.value.clone()),
            }
        } else if a.data_type == "String.Array" {
            serde_json::from_str(&a.value).unwrap_or_else(|_| Value::String(a.value.clone()))
        } else if a.data_type.starts_with("Binary") {
            continue;
        } else {
            Value::String(a.value.clone())
        };
        m.insert(k.clone(), v);
    }
    Value::Object(m)
}

fn body_scope(sub: &Subscription) -> bool {
    sub.attributes
        .get("FilterPolicyScope")
        .is_some_and(|s| s == "MessageBody")
}

/// Whether a subscription takes a message.
pub fn accepts(
    sub: &Subscription,
    message: &str,
    attributes: &BTreeMap<String, Attribute>,
) -> bool {
    let Some(policy) = sub.attributes.get("FilterPolicy") else {
        return true;
    };
    let Ok(pattern) = Pattern::parse(policy) else {
        return true;
    };
    if body_scope(sub) {
        match serde_json::from_str::<Value>(message) {
            Ok(v @ Value::Object(_)) => pattern.matches(&v),
            _ => false,
        }
    } else {
        pattern.matches(&attributes_event(attributes))
    }
}

/// The number of value combinations a policy spells (AWS's limit: 150).
fn combinations(v: &Value) -> usize {
    combinations_at(v, 0)
}

/// Each key's values count once per level of nesting it sits at (a flat
/// policy: the product of its value counts).
fn combinations_at(v: &Value, depth: usize) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                if k == "$or" {
                    v.as_array().map_or(1, |alts| {
                        alts.iter().map(|a| combinations_at(a, depth)).sum()
                    })
                } else {
                    combinations_at(v, depth + 1)
                }
            })
            .fold(1usize, usize::saturating_mul),
        Value::Array(a) => a.len().max(1).saturating_mul(depth.max(1)),
        _ => 1,
    }
}

fn keys(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                if k == "$or" {
                    0
                } else if v.is_object() {
                    keys(v)
                } else {
                    1
                }
            })
            .sum(),
        _ => 0,
    }
}

/// Checks a FilterPolicy for a scope; the error is AWS's reason
/// (`FilterPolicy: ...`).
pub fn check(policy: &str, body_scope: bool) -> Result<(), String> {
    let bad = |why: &str| format!("FilterPolicy: {why}");
    let v: Value = serde_json::from_str(policy).map_err(|_| bad("failed to parse JSON."))?;
    let Some(top) = v.as_object() else {
        return Err(bad("Filter policy must be a JSON object"));
    };
    Pattern::from_value_in(&v, Language::Sns).map_err(|e| bad(&e.0))?;
    if !body_scope && top.iter().any(|(k, x)| k != "$or" && x.is_object()) {
        return Err(
            "Filter policy scope MessageAttributes does not support nested filter policy".into(),
        );
    }
    if keys(&v) > 5 {
        return Err(bad("Filter policy can not have more than 5 keys"));
    }
    if combinations(&v) > 150 {
        return Err(bad("Filter policy is too complex"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(policy: &str, scope: Option<&str>) -> Subscription {
        let mut attributes = BTreeMap::new();
        attributes.insert("FilterPolicy".to_string(), policy.to_string());
        if let Some(s) = scope {
            attributes.insert("FilterPolicyScope".to_string(), s.to_string());
        }
        Subscription {
            arn: "s".into(),
            topic_arn: "t".into(),
            protocol: "sqs".into(),
            endpoint: "q".into(),
            owner: "0".into(),
            attributes,
            confirmed: true,
            token: None,
        }
    }

    fn attrs(list: &[(&str, &str, &str)]) -> BTreeMap<String, Attribute> {
        list.iter()
            .map(|(k, t, v)| {
                (
                    k.to_string(),
                    Attribute {
                        data_type: t.to_string(),
                        value: v.to_string(),
                        wrong_field: false,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn attribute_policies_match_typed_values() {
        let s = sub(
            r#"{"color": ["red"], "price": [{"numeric": [">", 10]}]}"#,
            None,
        );
        assert!(accepts(
            &s,
            "x",
            &attrs(&[("color", "String", "red"), ("price", "Number", "12")])
        ));
        assert!(!accepts(
            &s,
            "x",
            &attrs(&[("color", "String", "red"), ("price", "Number", "9")])
        ));
        assert!(!accepts(&s, "x", &attrs(&[("color", "String", "red")])));
        let arr = sub(r#"{"tags": ["b"]}"#, None);
        assert!(accepts(
            &arr,
            "x",
            &attrs(&[("tags", "String.Array", r#"["a","b"]"#)])
        ));
    }

    #[test]
    fn body_policies_match_the_json_body() {
        let s = sub(r#"{"order": {"kind": ["big"]}}"#, Some("MessageBody"));
        assert!(accepts(
            &s,
            r#"{"order": {"kind": "big"}}"#,
            &BTreeMap::new()
        ));
        assert!(!accepts(
            &s,
            r#"{"order": {"kind": "small"}}"#,
            &BTreeMap::new()
        ));
        assert!(!accepts(&s, "not json", &BTreeMap::new()));
    }

    #[test]
    fn policies_are_checked() {
        assert!(check(r#"{"a": ["x"]}"#, false).is_ok());
        assert!(check("nope", false).is_err());
        assert!(check(r#"{"a": {"b": ["x"]}}"#, false).is_err());
        assert!(check(r#"{"a": {"b": ["x"]}}"#, true).is_ok());
        assert!(check(
            r#"{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}"#,
            false
        )
        .is_err());
    }
}

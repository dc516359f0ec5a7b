//! What a target receives: the event, a constant `Input`, the part an
//! `InputPath` selects, or an `InputTransformer`'s template filled from
//! the event.

use std::collections::BTreeMap;

use serde_json::Value;

/// A JSONPath of the kind EventBridge takes: `$`, `$.a.b`, `$.a[0]`,
/// `$['a b']`. `None`: not a path this reads.
pub fn parse_path(path: &str) -> Option<Vec<Step>> {
    let rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'.' && b[j] != b'[' {
                    j += 1;
                }
                if j == start {
                    return None;
                }
                steps.push(Step::Key(rest[start..j].to_string()));
                i = j;
            }
            b'[' => {
                let end = rest[i..].find(']')? + i;
                let inner = &rest[i + 1..end];
                if let Ok(n) = inner.parse::<usize>() {
                    steps.push(Step::Index(n));
                } else {
                    let quoted = inner
                        .strip_prefix('\'')
                        .and_then(|s| s.strip_suffix('\''))
                        .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))?;
                    steps.push(Step::Key(quoted.to_string()));
                }
                i = end + 1;
            }
            _ => return None,
        }
    }
    Some(steps)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The value at `path` in `event`, if there is one.
pub fn select<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = event;
    for step in parse_path(path)? {
        v = match step {
            Step::Key(k) => v.get(&k)?,
            Step::Index(n) => v.get(n)?,
        };
    }
    Some(v)
}

/// What a rule's fire knows besides the event, for the predefined
/// variables.
pub struct Context<'a> {
    pub rule_arn: &'a str,
    pub rule_name: &'a str,
    pub ingestion_time: &'a str,
}

/// Fills `template` with the values `paths` select from `event`.
///
/// A placeholder outside a JSON string takes the value as JSON (a
/// string with its quotes); inside a string, its text. A template that
/// is not JSON at all (plain text) takes every value as text.
pub fn fill(
    template: &str,
    paths: &BTreeMap<String, String>,
    event: &Value,
    ctx: &Context<'_>,
) -> String {
    let value_of = |name: &str| -> Option<Value> {
        match name {
            "aws.events.rule-arn" => Some(Value::String(ctx.rule_arn.to_string())),
            "aws.events.rule-name" => Some(Value::String(ctx.rule_name.to_string())),
            "aws.events.event.ingestion-time" => {
                Some(Value::String(ctx.ingestion_time.to_string()))
            }
            "aws.events.event" | "aws.events.event.json" => Some(event.clone()),
            _ => paths
                .get(name)
                .map(|p| select(event, p).cloned().unwrap_or(Value::Null)),
        }
    };
    let trimmed = template.trim_start();
    let json_like = trimmed.starts_with('{') || trimmed.starts_with('[');
    let mut out = String::with_capacity(template.len() + 64);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest[1..].find('>') {
                let name = &rest[1..1 + end];
                if !name.is_empty() && !name.contains(['<', ' ', '"']) {
                    if let Some(v) = value_of(name) {
                        if in_string {
                            out.push_str(&as_text_in_string(&v));
                        } else if json_like {
                            out.push_str(&v.to_string());
                        } else {
                            out.push_str(&as_text(&v));
                        }
                        rest = &rest[end + 2..];
                        escaped = false;
                        continue;
                    }
                }
            }
        }
        if json_like || c == '"' {
            if escaped {
                escaped = false;
            } else if c == '\\' && in_string {
                escaped = true;
            } else if c == '"' {
                in_string = !in_string;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A value as plain text: a string's characters, anything else as JSON.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value as the inside of a JSON string.
fn as_text_in_string(v: &Value) -> String {
    let text = as_text(v);
    let quoted = Value::String(text).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context<'static> {
        Context {
            rule_arn: "arn:aws:events:us-east-1:000000000000:rule/r",
            rule_name: "r",
            ingestion_time: "2026-01-01T00:00:00Z",
        }
    }

    fn paths(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn paths_select_keys_and_indexes() {
        let e = json!({"detail": {"a": [1, {"b": "x"}], "c d": 2}});
        assert_eq!(select(&e, "$.detail.a[1].b"), Some(&json!("x")));
        assert_eq!(select(&e, "$.detail['c d']"), Some(&json!(2)));
        assert_eq!(select(&e, "$"), Some(&e));
        assert_eq!(select(&e, "$.nope"), None);
        assert!(parse_path("detail.a").is_none());
    }

    #[test]
    fn json_templates_take_json_values_and_text_in_strings() {
        let e = json!({"detail": {"instance": "i-1", "state": "running", "n": 5}});
        let p = paths(&[
            ("instance", "$.detail.instance"),
            ("state", "$.detail.state"),
            ("n", "$.detail.n"),
        ]);
        assert_eq!(
            fill(
                r#"{"i": <instance>, "n": <n>, "msg": "<instance> is <state>", "rule": "<aws.events.rule-name>"}"#,
                &p,
                &e,
                &ctx()
            ),
            r#"{"i": "i-1", "n": 5, "msg": "i-1 is running", "rule": "r"}"#
        );
        assert_eq!(
            fill(r#""<instance> is in state <state>""#, &p, &e, &ctx()),
            r#""i-1 is in state running""#
        );
        assert_eq!(
            fill("<instance> is in state <state>", &p, &e, &ctx()),
            "i-1 is in state running"
        );
        assert_eq!(
            fill(r#"{"e": <aws.events.event.json>}"#, &p, &e, &ctx()),
            format!(r#"{{"e": {e}}}"#)
        );
        // Unknown placeholders are left as written.
        assert_eq!(fill("<other>", &p, &e, &ctx()), "<other>");
    }
}

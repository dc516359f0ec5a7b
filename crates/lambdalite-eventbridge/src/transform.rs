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

const PREDEFINED: [&str; 5] = [
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
];

/// Whether `name` is one of EventBridge's predefined variables.
pub fn is_predefined(name: &str) -> bool {
    PREDEFINED.contains(&name)
}

/// The `<name>` placeholders of a template.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        match after.find(['>', '<']) {
            Some(end) if after.as_bytes()[end] == b'>' => {
                let name = &after[..end];
                if !name.is_empty() && !name.contains([' ', '"', '\n']) {
                    out.push(name);
                }
                rest = &after[end + 1..];
            }
            Some(end) => rest = &after[end..],
            None => break,
        }
    }
    out
}

/// `<aws.events.event>`: the event without its detail, `detail-type`
/// spelled `detailType`.
fn event_metadata(event: &Value) -> Value {
    let mut m = serde_json::Map::new();
    for (key, as_key) in [
        ("id", "id"),
        ("account", "account"),
        ("detail-type", "detailType"),
        ("time", "time"),
        ("source", "source"),
        ("region", "region"),
        ("resources", "resources"),
        ("version", "version"),
    ] {
        if let Some(v) = event.get(key) {
            m.insert(as_key.to_string(), v.clone());
        }
    }
    Value::Object(m)
}

/// Fills `template` with the values `paths` select from `event`. `None`:
/// a JSON template whose result is not JSON, which AWS drops.
///
/// In a JSON template (one that starts with `{` or `[`), a placeholder
/// outside a string takes its value as JSON (`""` when the path selects
/// nothing); inside a string, a string's text. Any other template is
/// text: strings go in as their text, objects and arrays as JSON without
/// quotes, nothing as nothing.
pub fn fill(
    template: &str,
    paths: &BTreeMap<String, String>,
    event: &Value,
    ctx: &Context<'_>,
) -> Option<String> {
    let value_of = |name: &str| -> Option<Option<Value>> {
        Some(match name {
            "aws.events.rule-arn" => Some(Value::String(ctx.rule_arn.to_string())),
            "aws.events.rule-name" => Some(Value::String(ctx.rule_name.to_string())),
            "aws.events.event.ingestion-time" => {
                Some(Value::String(ctx.ingestion_time.to_string()))
            }
            "aws.events.event.json" => Some(event.clone()),
            "aws.events.event" => Some(event_metadata(event)),
            _ => select(event, paths.get(name)?).cloned(),
        })
    };
    let trimmed = template.trim_start();
    let json = trimmed.starts_with('{') || trimmed.starts_with('[');
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
                        match (json, in_string, v) {
                            (true, false, None) => out.push_str("\"\""),
                            (true, false, Some(v)) => out.push_str(&v.to_string()),
                            (_, _, None) => {}
                            (true, true, Some(Value::String(s))) => {
                                let quoted = Value::String(s).to_string();
                                out.push_str(&quoted[1..quoted.len() - 1]);
                            }
                            (true, true, Some(v)) => out.push_str(&v.to_string()),
                            (false, _, Some(v)) => out.push_str(&as_text(&v)),
                        }
                        rest = &rest[end + 2..];
                        escaped = false;
                        continue;
                    }
                }
            }
        }
        if escaped {
            escaped = false;
        } else if c == '\\' && in_string {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if json && serde_json::from_str::<Value>(&out).is_err() {
        return None;
    }
    Some(out)
}

/// A value as text: a string's characters; objects and arrays as JSON
/// without its quotes.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(_) | Value::Array(_) => v.to_string().replace('"', ""),
        other => other.to_string(),
    }
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
        let f = |t: &str| fill(t, &p, &e, &ctx());
        assert_eq!(
            f(r#"{"i": <instance>, "n": <n>, "msg": "<instance> is <state>", "rule": "<aws.events.rule-name>"}"#).unwrap(),
            r#"{"i": "i-1", "n": 5, "msg": "i-1 is running", "rule": "r"}"#
        );
        assert_eq!(
            f(r#""<instance> is in state <state>""#).unwrap(),
            r#""i-1 is in state running""#
        );
        assert_eq!(
            f("<instance> is in state <state>").unwrap(),
            "i-1 is in state running"
        );
        assert_eq!(
            f(r#"{"e": <aws.events.event.json>}"#).unwrap(),
            format!(r#"{{"e": {e}}}"#)
        );
        // Objects in text lose their quotes; in a JSON string they break it.
        assert!(f(r#""d: <aws.events.event.json>""#)
            .unwrap()
            .starts_with("\"d: {detail:{"));
        assert_eq!(f(r#"{"e": "<aws.events.event.json>"}"#), None);
        // Unknown placeholders are left as written.
        assert_eq!(f("<other>").unwrap(), "<other>");
        assert_eq!(placeholders("<a> and <b.c> <not one"), ["a", "b.c"]);
    }
}

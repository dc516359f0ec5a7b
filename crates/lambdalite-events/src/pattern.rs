//! AWS's event-pattern language, once for every user of it: event source
//! mappings' FilterCriteria, SNS filter policies and EventBridge rules.
//!
//! A pattern is a JSON object whose leaves are arrays of matchers; an event
//! matches when every field the pattern names matches one of its matchers
//! (and `$or` holds one of its alternatives). Matchers: exact strings,
//! numbers, booleans and null; `prefix`, `suffix` (each may be
//! `{"equals-ignore-case": ...}`), `equals-ignore-case`, `anything-but`
//! (a value, a list, or a prefix/suffix/wildcard), `numeric` ranges,
//! `exists`, `wildcard` and `cidr`. An array in the event matches when any
//! of its elements does.

use serde_json::{Map, Value};

/// A pattern that parsed, ready to match events.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Field name → its pattern; plus `$or` alternatives.
    Object(Vec<(String, Node)>, Vec<Vec<Node>>),
    Leaf(Vec<Matcher>),
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Exact(Value),
    Prefix(String, bool),
    Suffix(String, bool),
    EqualsIgnoreCase(String),
    AnythingBut(Vec<Value>),
    AnythingButPrefix(Vec<String>),
    AnythingButSuffix(Vec<String>),
    AnythingButWildcard(Vec<String>),
    AnythingButIgnoreCase(Vec<String>),
    Numeric(Vec<(String, f64)>),
    Exists(bool),
    Wildcard(String),
    /// Network, mask, and whether it is IPv6.
    Cidr(u128, u128, bool),
}

/// Why a pattern does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whose language a pattern is written in: the same matcher, with SNS
/// filter policies refusing what only EventBridge's patterns take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// EventBridge patterns and event source mappings' FilterCriteria.
    EventBridge,
    /// SNS filter policies.
    Sns,
}

impl Pattern {
    /// Parses a pattern given as JSON text.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let v: Value = serde_json::from_str(text).map_err(|e| not_json(text, &e))?;
        Pattern::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Pattern, PatternError> {
        Pattern::from_value_in(v, Language::EventBridge)
    }

    /// Parses a pattern of `language`. The errors are worded as AWS's.
    pub fn from_value_in(v: &Value, language: Language) -> Result<Pattern, PatternError> {
        match v {
            Value::Object(m) => Ok(Pattern {
                root: object(m, language)?,
            }),
            _ => Err(PatternError("Filter is not an object".into())),
        }
    }

    /// Whether `event` matches.
    pub fn matches(&self, event: &Value) -> bool {
        node_matches(&self.root, Some(event))
    }
}

/// Why a pattern's text is not JSON, in the words of AWS's parser.
pub fn not_json(text: &str, e: &serde_json::Error) -> PatternError {
    let line: Vec<char> = text
        .lines()
        .nth(e.line().saturating_sub(1))
        .unwrap_or("")
        .chars()
        .collect();
    // The parser may stop inside a word (`this` read as `true`): its start.
    let mut from = e.column().saturating_sub(1).min(line.len());
    while from > 0 && line[from - 1].is_alphanumeric() {
        from -= 1;
    }
    let at: String = line[from..].iter().collect();
    let Some(c) = at.chars().next() else {
        return PatternError("Unexpected end-of-input".into());
    };
    if c.is_alphabetic() {
        let word: String = at
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        return PatternError(format!(
            "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        ));
    }
    let expecting = if e.to_string().starts_with("key must be a string") {
        ": was expecting double-quote to start field name"
    } else {
        ""
    };
    PatternError(format!(
        "Unexpected character ('{c}' (code {})){expecting}",
        c as u32
    ))
}

fn err<T>(message: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError(message.into()))
}

fn object(m: &Map<String, Value>, language: Language) -> Result<Node, PatternError> {
    let mut fields = Vec::new();
    let mut ors = Vec::new();
    for (k, v) in m {
        if k == "$or" {
            if let Value::Array(alts) = v {
                if alts.iter().all(Value::is_object) {
                    if alts.len() < 2 {
                        return err("Or relationship must have at least two filters");
                    }
                    let mut parsed = Vec::new();
                    for a in alts {
                        if let Value::Object(am) = a {
                            parsed.push(object(am, language)?);
                        }
                    }
                    ors.push(parsed);
                    continue;
                }
            }
        }
        let node = match v {
            Value::Object(sub) => object(sub, language)?,
            Value::Array(items) if items.is_empty() => return err("Empty arrays are not allowed"),
            Value::Array(items) => Node::Leaf(leaf(items, language)?),
            _ => return err(format!("\"{k}\" must be an object or an array")),
        };
        fields.push((k.clone(), node));
    }
    Ok(Node::Object(fields, ors))
}

/// `"x"` or `{"equals-ignore-case": "x"}` for prefix and suffix.
fn affix(v: &Value, what: &str) -> Result<(String, bool), PatternError> {
    match v {
        Value::String(s) => Ok((s.clone(), false)),
        Value::Object(m) if m.len() == 1 => match m.get("equals-ignore-case") {
            Some(Value::String(s)) => Ok((s.to_lowercase(), true)),
            Some(_) => err("equals-ignore-case match pattern must be a string"),
            None => err(format!(
                "Unsupported {what} pattern: {}",
                m.keys().next().map_or("", |k| k)
            )),
        },
        _ => err(format!("{what} match pattern must be a string")),
    }
}

fn string_match(v: &Value, what: &str) -> Result<String, PatternError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => err(format!("{what} match pattern must be a string")),
    }
}

fn leaf(items: &[Value], language: Language) -> Result<Vec<Matcher>, PatternError> {
    let mut out = Vec::new();
    for item in items {
        let m = match item {
            Value::Object(m) => {
                if m.len() != 1 {
                    return err("Only one key allowed in match expression");
                }
                let Some((k, v)) = m.iter().next() else {
                    return err("Empty objects are not allowed");
                };
                match k.as_str() {
                    "prefix" => {
                        let (p, ic) = affix(v, "prefix")?;
                        Matcher::Prefix(p, ic)
                    }
                    "suffix" => {
                        let (s, ic) = affix(v, "suffix")?;
                        Matcher::Suffix(s, ic)
                    }
                    "equals-ignore-case" => Matcher::EqualsIgnoreCase(
                        string_match(v, "equals-ignore-case")?.to_lowercase(),
                    ),
                    "wildcard" if language == Language::EventBridge => {
                        Matcher::Wildcard(wildcard_pattern(v)?)
                    }
                    "exists" => match v {
                        Value::Bool(b) => Matcher::Exists(*b),
                        _ => return err("exists match pattern must be either true or false."),
                    },
                    "numeric" => Matcher::Numeric(numeric(v)?),
                    "cidr" => match v {
                        Value::String(c) => cidr(c)?,
                        // AWS's parser words this one so.
                        _ => return err("prefix match pattern must be a string"),
                    },
                    "anything-but" => anything_but(v, language)?,
                    other => return err(format!("Unrecognized match type {other}")),
                }
            }
            Value::Array(_) => {
                return err("Match value must be String, number, true, false, or null")
            }
            v => Matcher::Exact(v.clone()),
        };
        out.push(m);
    }
    Ok(out)
}

const ANYTHING_BUT_VALUE: &str =
    "Value of anything-but must be an array or single string/number value.";

fn anything_but(v: &Value, language: Language) -> Result<Matcher, PatternError> {
    Ok(match v {
        Value::Array(vals) => {
            let strings = vals.iter().all(Value::is_string);
            let numbers = vals.iter().all(Value::is_number);
            if vals.is_empty() || !(strings || numbers) {
                return err("Inside anything but list, start|null|boolean is not supported.");
            }
            Matcher::AnythingBut(vals.clone())
        }
        Value::Object(m) => {
            if m.len() != 1 {
                return err("Only one key allowed in match expression");
            }
            let Some((k, inner)) = m.iter().next() else {
                return err("Empty objects are not allowed");
            };
            let eventbridge = language == Language::EventBridge;
            match k.as_str() {
                "prefix" => Matcher::AnythingButPrefix(affixes(inner, "prefix", language)?),
                "suffix" if eventbridge => {
                    Matcher::AnythingButSuffix(affixes(inner, "suffix", language)?)
                }
                "wildcard" if eventbridge => Matcher::AnythingButWildcard(match inner {
                    Value::Array(a) => a.iter().map(wildcard_pattern).collect::<Result<_, _>>()?,
                    x => vec![wildcard_pattern(x)?],
                }),
                "equals-ignore-case" => {
                    let bad = "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.";
                    Matcher::AnythingButIgnoreCase(match inner {
                        Value::String(s) => vec![s.to_lowercase()],
                        Value::Array(a) if !a.is_empty() => a
                            .iter()
                            .map(|x| {
                                x.as_str()
                                    .map(str::to_lowercase)
                                    .ok_or_else(|| PatternError(bad.into()))
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return err(bad),
                    })
                }
                other => return err(format!("Unsupported anything-but pattern: {other}")),
            }
        }
        Value::Bool(_) | Value::Null => return err(ANYTHING_BUT_VALUE),
        v => Matcher::AnythingBut(vec![v.clone()]),
    })
}

/// An anything-but prefix or suffix: a non-empty string, or a list of
/// them.
fn affixes(v: &Value, what: &str, language: Language) -> Result<Vec<String>, PatternError> {
    let not_string = match language {
        Language::EventBridge => "prefix/suffix match pattern must be a string".to_string(),
        Language::Sns => format!("{what} match pattern must be a string"),
    };
    let one = |x: &Value| match x {
        Value::String(s) if s.is_empty() => err("Null prefix/suffix not allowed"),
        Value::String(s) => Ok(s.clone()),
        Value::Object(_) if language == Language::EventBridge => err(ANYTHING_BUT_VALUE),
        _ => err(not_string.clone()),
    };
    match v {
        Value::Array(a) if language == Language::EventBridge && !a.is_empty() => {
            a.iter().map(one).collect()
        }
        x => Ok(vec![one(x)?]),
    }
}

/// A wildcard pattern, refused as AWS refuses it: consecutive stars, or
/// too many of them.
fn wildcard_pattern(v: &Value) -> Result<String, PatternError> {
    let w = string_match(v, "wildcard")?;
    let b = w.as_bytes();
    let mut stars = 0;
    let mut escaped = false;
    for (i, c) in b.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            b'\\' => escaped = true,
            b'*' => {
                if i > 0 && b[i - 1] == b'*' {
                    return err(format!("Consecutive wildcard characters at pos {i}"));
                }
                stars += 1;
            }
            _ => {}
        }
    }
    if stars > 5 {
        return err("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character");
    }
    Ok(w)
}

fn is_op(s: &str) -> bool {
    matches!(s, "<" | "<=" | "=" | ">" | ">=")
}

/// A `numeric` matcher's comparisons, checked in the order and words of
/// AWS's parser.
fn numeric(v: &Value) -> Result<Vec<(String, f64)>, PatternError> {
    let Value::Array(items) = v else {
        return err("Value of numeric must be an array.");
    };
    let Some(first) = items.first() else {
        return err("Invalid member in numeric match: ]");
    };
    let Some(op) = first.as_str() else {
        return err(format!("Invalid member in numeric match: {first}"));
    };
    if !is_op(op) {
        return err(format!("Unrecognized numeric range operator: {op}"));
    }
    let value_of = |i: usize, op: &str| -> Result<f64, PatternError> {
        let word = if op == "=" { "equals" } else { op };
        items
            .get(i)
            .and_then(Value::as_f64)
            .filter(|_| items[i].is_number())
            .ok_or_else(|| PatternError(format!("Value of {word} must be numeric")))
    };
    let n = value_of(1, op)?;
    let mut out = vec![(op.to_string(), n)];
    if items.len() == 2 {
        return Ok(out);
    }
    if matches!(op, "=" | "<" | "<=") {
        return err("Too many elements in numeric expression");
    }
    let second = &items[2];
    let Some(op2) = second.as_str() else {
        return err(format!("Bad value in numeric range: {second}"));
    };
    if !matches!(op2, "<" | "<=") {
        return err(format!("Bad numeric range operator: {op2}"));
    }
    let top = value_of(3, op2)?;
    if top <= n {
        return err("Bottom must be less than top");
    }
    if items.len() > 4 {
        return err("Too many terms in numeric range expression");
    }
    out.push((op2.to_string(), top));
    Ok(out)
}

/// An IPv4 or IPv6 prefix, as (network, mask) over 128 bits.
fn cidr(s: &str) -> Result<Matcher, PatternError> {
    let Some((addr, bits)) = s.split_once('/') else {
        return err("Malformed CIDR, one '/' required");
    };
    let Ok(bits) = bits.parse::<u32>() else {
        return err("Malformed CIDR, mask bits must be an integer");
    };
    let (ip, width) = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => (u128::from(u32::from(v4)), 32),
        Ok(std::net::IpAddr::V6(v6)) => (u128::from(v6), 128),
        Err(_) => return err(format!("Nonstandard IP address: {addr}")),
    };
    if bits > width {
        return err(format!(
            "Malformed CIDR, mask bits must be between 0 and {width}"
        ));
    }
    let mask = if bits == 0 {
        0
    } else {
        (u128::MAX << (128 - bits)) >> (128 - width)
    };
    Ok(Matcher::Cidr(ip & mask, mask, width == 128))
}

fn node_matches(node: &Node, value: Option<&Value>) -> bool {
    match node {
        Node::Object(fields, ors) => {
            let obj = value.and_then(Value::as_object);
            let fields_ok = fields.iter().all(|(k, sub)| {
                let found = obj.and_then(|o| field(o, k));
                match sub {
                    Node::Object(..) => {
                        // Nested: each element of an array may match.
                        match found.as_deref() {
                            Some(Value::Array(items)) => {
                                items.iter().any(|i| node_matches(sub, Some(i)))
                            }
                            other => node_matches(sub, other),
                        }
                    }
                    Node::Leaf(matchers) => leaf_matches(matchers, found.as_deref()),
                }
            });
            fields_ok
                && ors
                    .iter()
                    .all(|alts| alts.iter().any(|a| node_matches(a, value)))
        }
        Node::Leaf(matchers) => leaf_matches(matchers, value),
    }
}

/// A field of an event object by a pattern's key. Keys join with dots
/// both ways: a pattern's `a.b` finds `{"a": {"b": ..}}`, and a pattern's
/// nested `a` finds an event's `"a.b"` keys.
fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<std::borrow::Cow<'a, Value>> {
    if let Some(v) = obj.get(key) {
        return Some(std::borrow::Cow::Borrowed(v));
    }
    if let Some((head, rest)) = key.split_once('.') {
        if let Some(Value::Object(inner)) = obj.get(head) {
            if let Some(v) = field(inner, rest) {
                return Some(v);
            }
        }
    }
    let prefix = format!("{key}.");
    let joined: Map<String, Value> = obj
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|r| (r.to_string(), v.clone())))
        .collect();
    (!joined.is_empty()).then(|| std::borrow::Cow::Owned(Value::Object(joined)))
}

fn leaf_matches(matchers: &[Matcher], value: Option<&Value>) -> bool {
    matchers.iter().any(|m| match m {
        Matcher::Exists(want) => {
            let present = match value {
                None => false,
                Some(Value::Array(a)) => !a.is_empty(),
                Some(Value::Object(_)) => false,
                Some(_) => true,
            };
            present == *want
        }
        _ => match value {
            None => false,
            Some(Value::Array(items)) => {
                if let Matcher::AnythingBut(_)
                | Matcher::AnythingButPrefix(_)
                | Matcher::AnythingButSuffix(_)
                | Matcher::AnythingButWildcard(_)
                | Matcher::AnythingButIgnoreCase(_) = m
                {
                    // None of the elements may be excluded.
                    !items.is_empty() && items.iter().all(|i| value_matches(m, i))
                } else {
                    items.iter().any(|i| value_matches(m, i))
                }
            }
            Some(v) => value_matches(m, v),
        },
    })
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn value_matches(m: &Matcher, v: &Value) -> bool {
    match m {
        Matcher::Exact(want) => match (want, v) {
            (Value::Number(_), Value::Number(_)) => same_number(want, v),
            _ => want == v,
        },
        Matcher::Prefix(p, ic) => v.as_str().is_some_and(|s| {
            if *ic {
                s.to_lowercase().starts_with(p.as_str())
            } else {
                s.starts_with(p.as_str())
            }
        }),
        Matcher::Suffix(p, ic) => v.as_str().is_some_and(|s| {
            if *ic {
                s.to_lowercase().ends_with(p.as_str())
            } else {
                s.ends_with(p.as_str())
            }
        }),
        Matcher::EqualsIgnoreCase(want) => v.as_str().is_some_and(|s| s.to_lowercase() == *want),
        Matcher::AnythingBut(excluded) => !excluded.iter().any(|x| match (x, v) {
            (Value::Number(_), Value::Number(_)) => same_number(x, v),
            _ => x == v,
        }),
        // Values that are not strings are never excluded.
        Matcher::AnythingButPrefix(ps) => v
            .as_str()
            .is_none_or(|s| !ps.iter().any(|p| s.starts_with(p.as_str()))),
        Matcher::AnythingButSuffix(ps) => v
            .as_str()
            .is_none_or(|s| !ps.iter().any(|p| s.ends_with(p.as_str()))),
        Matcher::AnythingButWildcard(ws) => v
            .as_str()
            .is_none_or(|s| !ws.iter().any(|w| wildcard(w, s))),
        Matcher::AnythingButIgnoreCase(ws) => {
            v.as_str().is_none_or(|s| !ws.contains(&s.to_lowercase()))
        }
        Matcher::Numeric(cmps) => v.as_f64().is_some_and(|n| {
            cmps.iter().all(|(op, x)| match op.as_str() {
                "<" => n < *x,
                "<=" => n <= *x,
                "=" => n == *x,
                ">" => n > *x,
                ">=" => n >= *x,
                _ => false,
            })
        }),
        Matcher::Exists(_) => true,
        Matcher::Wildcard(w) => v.as_str().is_some_and(|s| wildcard(w, s)),
        Matcher::Cidr(net, mask, v6) => v
            .as_str()
            .and_then(|s| s.parse::<std::net::IpAddr>().ok())
            .and_then(|ip| match (ip, v6) {
                (std::net::IpAddr::V4(a), false) => Some(u128::from(u32::from(a))),
                (std::net::IpAddr::V6(a), true) => Some(u128::from(a)),
                _ => None,
            })
            .is_some_and(|ip| ip & mask == *net),
    }
}

/// `*` matches any run of characters (`\*` a star itself).
fn wildcard(pattern: &str, s: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('*');
                }
            }
            '*' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    if parts.len() == 1 {
        return parts[0] == s;
    }
    let (first, rest) = parts.split_first().expect("at least one part");
    let Some(mut remaining) = s.strip_prefix(first.as_str()) else {
        return false;
    };
    let (last, middle) = rest.split_last().expect("at least two parts");
    for part in middle {
        match remaining.find(part.as_str()) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(p: Value, e: Value) -> bool {
        Pattern::from_value(&p).unwrap().matches(&e)
    }

    #[test]
    fn exact_values_and_nesting() {
        let p = json!({"body": {"kind": ["order"], "n": [1, 2]}});
        assert!(m(p.clone(), json!({"body": {"kind": "order", "n": 2.0}})));
        assert!(!m(p.clone(), json!({"body": {"kind": "order", "n": 3}})));
        assert!(!m(p, json!({"body": "order"})));
        // Arrays in the event: any element.
        assert!(m(json!({"tags": ["a"]}), json!({"tags": ["b", "a"]})));
    }

    #[test]
    fn string_matchers() {
        assert!(m(json!({"a": [{"prefix": "ab"}]}), json!({"a": "abc"})));
        assert!(m(
            json!({"a": [{"prefix": {"equals-ignore-case": "AB"}}]}),
            json!({"a": "aBc"})
        ));
        assert!(m(json!({"a": [{"suffix": ".png"}]}), json!({"a": "x.png"})));
        assert!(m(
            json!({"a": [{"equals-ignore-case": "OK"}]}),
            json!({"a": "ok"})
        ));
        assert!(m(
            json!({"a": [{"wildcard": "dir/*.png"}]}),
            json!({"a": "dir/sub/x.png"})
        ));
        assert!(!m(
            json!({"a": [{"wildcard": "dir/*.png"}]}),
            json!({"a": "dir/x.jpg"})
        ));
        assert!(m(
            json!({"a": [{"wildcard": "a\\*b"}]}),
            json!({"a": "a*b"})
        ));
    }

    #[test]
    fn anything_but_numeric_exists_cidr() {
        assert!(m(
            json!({"a": [{"anything-but": ["x", "y"]}]}),
            json!({"a": "z"})
        ));
        assert!(!m(json!({"a": [{"anything-but": "x"}]}), json!({"a": "x"})));
        assert!(!m(json!({"a": [{"anything-but": "x"}]}), json!({})));
        assert!(m(
            json!({"a": [{"anything-but": {"prefix": "in"}}]}),
            json!({"a": "out"})
        ));
        assert!(m(
            json!({"a": [{"numeric": [">", 0, "<=", 5]}]}),
            json!({"a": 5})
        ));
        assert!(!m(
            json!({"a": [{"numeric": [">", 0, "<=", 5]}]}),
            json!({"a": 6})
        ));
        assert!(m(json!({"a": [{"exists": false}]}), json!({"b": 1})));
        assert!(!m(json!({"a": [{"exists": true}]}), json!({"b": 1})));
        assert!(m(
            json!({"ip": [{"cidr": "10.0.0.0/24"}]}),
            json!({"ip": "10.0.0.7"})
        ));
        assert!(m(json!({"a": [null]}), json!({"a": null})));
    }

    #[test]
    fn or_alternatives() {
        let p = json!({"$or": [{"a": ["1"]}, {"b": [{"numeric": [">", 10]}]}]});
        assert!(m(p.clone(), json!({"a": "1"})));
        assert!(m(p.clone(), json!({"b": 11})));
        assert!(!m(p, json!({"a": "2", "b": 1})));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            r#"[]"#,
            r#"{"a": "x"}"#,
            r#"{"a": [{"nope": 1}]}"#,
            r#"{"a": [{"numeric": [">"]}]}"#,
            r#"{"a": [{"prefix": 1}]}"#,
            r#"not json"#,
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }
}

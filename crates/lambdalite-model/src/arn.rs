//! Function names and ARNs in every form the Lambda API accepts.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::config::LATEST;
use crate::error::LambdaError;

/// Where lambdalite pretends to live: the region and account of every ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub region: String,
    pub account_id: String,
}

impl Partition {
    pub fn new(region: impl Into<String>, account_id: impl Into<String>) -> Self {
        Partition {
            region: region.into(),
            account_id: account_id.into(),
        }
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`
    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account_id
        )
    }

    /// The ARN of one version or alias: `...:function:NAME:QUALIFIER`.
    pub fn qualified_arn(&self, name: &str, qualifier: &str) -> String {
        format!("{}:{qualifier}", self.function_arn(name))
    }
}

/// A reference to a function as a caller wrote it, resolved to its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
}

impl FunctionRef {
    /// The qualifier, `$LATEST` when none was given.
    pub fn qualifier_or_latest(&self) -> &str {
        self.qualifier.as_deref().unwrap_or(LATEST)
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.qualifier {
            Some(q) => write!(f, "{}:{q}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

static FUNCTION_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$",
    )
    .expect("function reference pattern compiles")
});

/// The shape a FunctionName parameter has in an operation's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameShape {
    /// `FunctionName`: CreateFunction, UpdateFunctionCode/Configuration, ...
    Plain,
    /// `NamespacedFunctionName`: GetFunction, Invoke, DeleteFunction, ...
    Namespaced,
}

const PLAIN_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";
const NAMESPACED_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:|(((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?))(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";

/// The NamespacedFunctionName pattern as AWS's messages quote it (recorded
/// from AWS; it differs from the pattern it matches with, the model's).
const NAMESPACED_PATTERN_SHOWN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";

static PLAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{PLAIN_PATTERN})$")).expect("pattern compiles"));
static NAMESPACED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{NAMESPACED_PATTERN})$")).expect("pattern compiles"));

/// Checks a FunctionName parameter against its shape's constraints, adding
/// AWS-worded violations to `errors`.
pub fn check_function_name(value: &str, shape: NameShape, errors: &mut Vec<String>) {
    let (max, pattern, regex) = match shape {
        NameShape::Plain => (140, PLAIN_PATTERN, &*PLAIN),
        NameShape::Namespaced => (256, NAMESPACED_PATTERN_SHOWN, &*NAMESPACED),
    };
    if value.chars().count() > max {
        errors.push(format!(
            "Value '{value}' at 'functionName' failed to satisfy constraint: \
             Member must have length less than or equal to {max}"
        ));
    }
    if value.is_empty() {
        errors.push(format!(
            "Value '{value}' at 'functionName' failed to satisfy constraint: \
             Member must have length greater than or equal to 1"
        ));
    }
    if !regex.is_match(value) {
        errors.push(format!(
            "Value '{value}' at 'functionName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: {pattern}"
        ));
    }
}

const QUALIFIER_PATTERN: &str = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";
static QUALIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{QUALIFIER_PATTERN})$")).expect("pattern compiles"));

/// Checks a `Qualifier` query parameter.
pub fn check_qualifier(value: &str, errors: &mut Vec<String>) {
    if value.is_empty() || value.len() > 128 {
        let bound = if value.is_empty() {
            "greater than or equal to 1"
        } else {
            "less than or equal to 128"
        };
        errors.push(format!(
            "Value '{value}' at 'qualifier' failed to satisfy constraint: Member must have length {bound}"
        ));
    } else if !QUALIFIER.is_match(value) {
        errors.push(format!(
            "Value '{value}' at 'qualifier' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"
        ));
    }
}

/// Resolves a FunctionName parameter (name, `name:qualifier`, partial or full
/// ARN) plus an optional `Qualifier` parameter into a [`FunctionRef`].
///
/// Validates the parameter as `shape` requires. A reference to another
/// region or account names no function here.
pub fn parse_function_ref(
    value: &str,
    qualifier: Option<&str>,
    shape: NameShape,
    partition: &Partition,
) -> Result<FunctionRef, LambdaError> {
    let mut errors = Vec::new();
    check_function_name(value, shape, &mut errors);
    if let Some(q) = qualifier {
        check_qualifier(q, &mut errors);
    }
    if !errors.is_empty() {
        return Err(LambdaError::Validation(errors));
    }
    let caps = FUNCTION_REF
        .captures(value)
        .ok_or_else(|| LambdaError::function_not_found(partition.function_arn(value)))?;
    let name = caps["name"].to_string();
    let derived = caps.name("qualifier").map(|m| m.as_str().to_string());
    if let Some(region) = caps
        .name("region")
        .filter(|r| r.as_str() != partition.region)
    {
        return Err(LambdaError::ResourceNotFound(format!(
            "Functions from '{}' are not reachable in this region ('{}')",
            region.as_str(),
            partition.region
        )));
    }
    if caps
        .name("account")
        .is_some_and(|a| a.as_str() != partition.account_id)
    {
        // Creating or changing another account's function is denied; a
        // lookup finds nothing.
        return Err(match shape {
            NameShape::Plain => LambdaError::AccessDenied(String::new()),
            NameShape::Namespaced => LambdaError::function_not_found(value),
        });
    }
    let qualifier = match (derived, qualifier) {
        (Some(d), Some(q)) if d != q => return Err(LambdaError::InvalidParameterValue(
            "The derived qualifier from the function name does not match the specified qualifier."
                .into(),
        )),
        (Some(d), _) => Some(d),
        (None, q) => q.map(str::to_string),
    };
    Ok(FunctionRef { name, qualifier })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Partition {
        Partition::new("us-east-1", "000000000000")
    }

    fn parse(v: &str) -> Result<FunctionRef, LambdaError> {
        parse_function_ref(v, None, NameShape::Namespaced, &p())
    }

    #[test]
    fn accepts_every_form() {
        let plain = FunctionRef {
            name: "my-fn".into(),
            qualifier: None,
        };
        assert_eq!(parse("my-fn").unwrap(), plain);
        assert_eq!(parse("000000000000:function:my-fn").unwrap(), plain);
        assert_eq!(
            parse("arn:aws:lambda:us-east-1:000000000000:function:my-fn").unwrap(),
            plain
        );
        let q = parse("arn:aws:lambda:us-east-1:000000000000:function:my-fn:prod").unwrap();
        assert_eq!(q.qualifier.as_deref(), Some("prod"));
        assert_eq!(
            parse("my-fn:$LATEST").unwrap().qualifier.as_deref(),
            Some("$LATEST")
        );
    }

    #[test]
    fn rejects_bad_names_with_aws_wording() {
        let err = parse("bad name!").unwrap_err();
        let LambdaError::Validation(items) = err else {
            panic!("expected a validation error")
        };
        assert!(items[0].starts_with("Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"));
        let long = "a".repeat(141);
        let err = parse_function_ref(&long, None, NameShape::Plain, &p()).unwrap_err();
        assert!(err.to_string().contains("length less than or equal to 140"));
    }

    #[test]
    fn foreign_arns_name_nothing_here() {
        let err = parse("arn:aws:lambda:eu-west-1:000000000000:function:f").unwrap_err();
        assert!(matches!(err, LambdaError::ResourceNotFound(_)));
        let err = parse("arn:aws:lambda:us-east-1:111111111111:function:f").unwrap_err();
        assert!(matches!(err, LambdaError::ResourceNotFound(_)));
    }

    #[test]
    fn qualifier_in_name_must_match_parameter() {
        let err = parse_function_ref("f:1", Some("2"), NameShape::Namespaced, &p()).unwrap_err();
        assert!(matches!(err, LambdaError::InvalidParameterValue(_)));
        let ok = parse_function_ref("f:1", Some("1"), NameShape::Namespaced, &p()).unwrap();
        assert_eq!(ok.qualifier.as_deref(), Some("1"));
    }
}

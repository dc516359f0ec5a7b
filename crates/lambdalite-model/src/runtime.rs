//! Lambda runtime identifiers and what lambdalite does with each.

/// Every runtime identifier the Lambda API model knows.
pub const ALL: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "java8",
    "java8.al2",
    "java11",
    "java17",
    "java21",
    "java25",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "dotnet10",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "ruby4.0",
    "provided",
    "provided.al2",
    "provided.al2023",
    "nodejs26.x",
    "python3.15",
    "java8.al2023",
    "java11.al2023",
    "java17.al2023",
];

/// The runtimes AWS lets functions be created or updated with, in the
/// order its error message lists them (as recorded from AWS).
pub const CREATABLE: &[&str] = &[
    "nodejs20.x",
    "python3.14",
    "provided.al2023",
    "python3.12",
    "python3.13",
    "nodejs24.x",
    "nodejs22.x",
    "java25",
    "python3.10",
    "python3.11",
    "java21",
    "ruby3.3",
    "ruby3.4",
    "ruby3.2",
    "python3.8",
    "python3.9",
    "java17",
    "nodejs16.x",
    "dotnet10",
    "dotnet8",
    "java11",
    "dotnet6",
    "nodejs18.x",
    "provided.al2",
    "java8.al2",
];

/// Runtimes AWS retired: functions can no longer be created or updated
/// with them.
const RETIRED: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "java8",
    "python2.7",
    "python3.6",
    "python3.7",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
];

/// Whether a function may be created or updated with `runtime`; AWS's
/// error when not (always `InvalidParameterValueException`).
pub fn check_creatable(runtime: &str) -> Result<(), crate::LambdaError> {
    if CREATABLE.contains(&runtime) {
        return Ok(());
    }
    if RETIRED.contains(&runtime) {
        return Err(crate::LambdaError::InvalidParameterValue(format!(
            "The runtime parameter of {runtime} is no longer supported for creating or updating \
             AWS Lambda functions. We recommend you use a supported runtime while creating or \
             updating functions."
        )));
    }
    Err(crate::LambdaError::InvalidParameterValue(format!(
        "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum \
         value set: [{}] or be a valid ARN",
        CREATABLE.join(", ")
    )))
}

/// The language family of a runtime: which bootstrap runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuntimeFamily {
    /// `python3.N`: lambdalite's python bootstrap on a python interpreter.
    Python { minor: u32 },
    /// `nodejsN.x`: lambdalite's node bootstrap on a node interpreter.
    Node { major: u32 },
    /// `provided*`: the function's own `bootstrap` executable.
    Provided,
    /// A runtime AWS has that lambdalite can't run (java, dotnet, ruby).
    Unsupported,
}

/// A runtime identifier known to be in the API model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Runtime(String);

impl Runtime {
    /// Accepts only identifiers of the API model's enum.
    pub fn parse(value: &str) -> Option<Runtime> {
        ALL.contains(&value).then(|| Runtime(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn family(&self) -> RuntimeFamily {
        let s = self.0.as_str();
        if let Some(minor) = s.strip_prefix("python3.") {
            return minor.parse().map_or(RuntimeFamily::Unsupported, |minor| {
                RuntimeFamily::Python { minor }
            });
        }
        if let Some(major) = s.strip_prefix("nodejs").and_then(|r| r.strip_suffix(".x")) {
            return major
                .parse()
                .map_or(RuntimeFamily::Unsupported, |major| RuntimeFamily::Node {
                    major,
                });
        }
        if s == "provided" || s.starts_with("provided.") {
            return RuntimeFamily::Provided;
        }
        RuntimeFamily::Unsupported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let f = |s| Runtime::parse(s).unwrap().family();
        assert_eq!(f("python3.12"), RuntimeFamily::Python { minor: 12 });
        assert_eq!(f("nodejs20.x"), RuntimeFamily::Node { major: 20 });
        assert_eq!(f("provided.al2023"), RuntimeFamily::Provided);
        assert_eq!(f("java21"), RuntimeFamily::Unsupported);
        assert!(Runtime::parse("python4").is_none());
    }

    #[test]
    fn creatable_retired_and_unknown_runtimes() {
        assert!(check_creatable("python3.12").is_ok());
        assert!(check_creatable("python3.8").is_ok());
        let retired = check_creatable("python3.7").unwrap_err().to_string();
        assert_eq!(
            retired,
            "The runtime parameter of python3.7 is no longer supported for creating or updating \
             AWS Lambda functions. We recommend you use a supported runtime while creating or \
             updating functions."
        );
        let unknown = check_creatable("PYTHON3.12").unwrap_err();
        assert!(matches!(
            unknown,
            crate::LambdaError::InvalidParameterValue(_)
        ));
        assert!(unknown.to_string().starts_with(
            "Value PYTHON3.12 at 'runtime' failed to satisfy constraint: Member must satisfy \
             enum value set: [nodejs20.x, python3.14,"
        ));
        assert!(unknown
            .to_string()
            .ends_with("java8.al2] or be a valid ARN"));
    }
}

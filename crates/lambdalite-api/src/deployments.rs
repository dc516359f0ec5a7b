//! Traffic-shifting deployments of an alias from one version to another
//! (all at once, canary, or linear), with hook functions before and after
//! traffic moves and an automatic rollback when the new version's error
//! rate passes a threshold. A lambdalite API under `/_lambdalite/`.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use lambdalite_invoke::InvokeRequest;
use lambdalite_model::alias::is_version_number;
use lambdalite_model::arn::{parse_function_ref, NameShape};
use lambdalite_model::{limits, Alias, FunctionRef, LambdaError};
use lambdalite_store::Change;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, read_body};
use crate::functions::{blocking, new_revision};
use crate::AppState;

/// How traffic moves to the new version.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Shift {
    AllAtOnce,
    /// `percent` for one interval, then everything.
    Canary {
        percent: u32,
        interval: Duration,
    },
    /// `percent` more every interval.
    Linear {
        percent: u32,
        interval: Duration,
    },
}

impl Shift {
    /// The weights of the new version, in order, each held for `interval`.
    pub fn steps(&self) -> (Vec<f64>, Duration) {
        match *self {
            Shift::AllAtOnce => (vec![1.0], Duration::ZERO),
            Shift::Canary { percent, interval } => {
                (vec![f64::from(percent) / 100.0, 1.0], interval)
            }
            Shift::Linear { percent, interval } => {
                let mut w = Vec::new();
                let mut p = percent;
                while p < 100 {
                    w.push(f64::from(p) / 100.0);
                    p += percent;
                }
                w.push(1.0);
                (w, interval)
            }
        }
    }
}

static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:CodeDeployDefault\.)?(?:Lambda)?(?:(?P<all>AllAtOnce)|Canary(?P<cp>\d+)Percent(?P<cm>\d+)Minutes?|Linear(?P<lp>\d+)PercentEvery(?P<lm>\d+)Minutes?)$")
        .expect("pattern compiles")
});

/// Parses a deployment configuration: a predefined name (SAM's and
/// CodeDeploy's, e.g. `Canary10Percent5Minutes`, `Linear10PercentEvery1Minute`,
/// `AllAtOnce`) or `{Type, Percentage, IntervalSeconds}`.
pub fn parse_shift(v: &Value) -> Result<Shift, LambdaError> {
    let invalid =
        |why: &str| LambdaError::InvalidParameterValue(format!("Invalid DeploymentConfig: {why}"));
    let percent_ok = |p: u64| (1..=99).contains(&p);
    match v {
        Value::String(name) => {
            let caps = NAMED
                .captures(name)
                .ok_or_else(|| invalid(&format!("unknown configuration '{name}'")))?;
            if caps.name("all").is_some() {
                return Ok(Shift::AllAtOnce);
            }
            let num = |g: &str| caps.name(g).and_then(|m| m.as_str().parse::<u64>().ok());
            if let (Some(p), Some(m)) = (num("cp"), num("cm")) {
                if !percent_ok(p) {
                    return Err(invalid("the percentage must be between 1 and 99"));
                }
                return Ok(Shift::Canary {
                    percent: p as u32,
                    interval: Duration::from_secs(m * 60),
                });
            }
            let (p, m) = (num("lp").unwrap_or(0), num("lm").unwrap_or(0));
            if !percent_ok(p) {
                return Err(invalid("the percentage must be between 1 and 99"));
            }
            Ok(Shift::Linear {
                percent: p as u32,
                interval: Duration::from_secs(m * 60),
            })
        }
        Value::Object(o) => {
            let kind = o.get("Type").and_then(Value::as_str).unwrap_or("");
            let p = o.get("Percentage").and_then(Value::as_u64).unwrap_or(0);
            let secs = o
                .get("IntervalSeconds")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            match kind {
                "AllAtOnce" => Ok(Shift::AllAtOnce),
                "Canary" | "Linear" if !percent_ok(p) => {
                    Err(invalid("Percentage must be between 1 and 99"))
                }
                "Canary" => Ok(Shift::Canary {
                    percent: p as u32,
                    interval: Duration::from_secs(secs),
                }),
                "Linear" => Ok(Shift::Linear {
                    percent: p as u32,
                    interval: Duration::from_secs(secs),
                }),
                _ => Err(invalid("Type must be AllAtOnce, Canary or Linear")),
            }
        }
        _ => Err(invalid("give a configuration name or an object")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    InProgress,
    Succeeded,
    RolledBack,
}

/// One deployment, as its progress is reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    pub deployment_id: String,
    pub function_name: String,
    pub alias_name: String,
    pub current_version: String,
    pub target_version: String,
    pub status: Status,
    /// The share of traffic the target version has now.
    pub target_weight: f64,
    pub events: Vec<Value>,
}

/// Every deployment since lambdalite started.
#[derive(Default)]
pub struct Deployments {
    all: Mutex<BTreeMap<String, Deployment>>,
}

impl Deployments {
    fn with<R>(&self, id: &str, f: impl FnOnce(&mut Deployment) -> R) -> Option<R> {
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        all.get_mut(id).map(f)
    }

    fn event(&self, id: &str, message: String) {
        tracing::info!(deployment = id, "{message}");
        self.with(id, |d| {
            d.events
                .push(json!({ "Time": lambdalite_model::time::now(), "Message": message }))
        });
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HooksInput {
    pub before_allow_traffic: Option<String>,
    pub after_allow_traffic: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentInput {
    pub function_name: Option<String>,
    pub alias_name: Option<String>,
    pub target_version: Option<String>,
    pub deployment_config: Option<Value>,
    pub hooks: Option<HooksInput>,
    /// Roll back when the target's error rate exceeds this (0–1).
    pub error_rate_threshold: Option<f64>,
    /// Invocations of the target needed before its error rate counts.
    pub minimum_invocations: Option<u64>,
}

struct Plan {
    id: String,
    function: String,
    alias: String,
    from: String,
    to: String,
    shift: Shift,
    before: Option<String>,
    after: Option<String>,
    threshold: Option<f64>,
    minimum: u64,
}

pub async fn start(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = read_body(body, limits::SYNC_PAYLOAD_MAX_BYTES, "CreateDeployment").await?;
    let input: DeploymentInput = parse_json(&headers, &body)?;
    let required = |v: &Option<String>, name: &str| {
        v.clone().ok_or_else(|| {
            ApiError(LambdaError::Validation(vec![format!(
                "Value null at '{name}' failed to satisfy constraint: Member must not be null"
            )]))
        })
    };
    let function = required(&input.function_name, "functionName")?;
    let alias = required(&input.alias_name, "aliasName")?;
    let to = required(&input.target_version, "targetVersion")?;
    let function = parse_function_ref(&function, None, NameShape::Plain, &state.partition)?.name;
    let shift = parse_shift(
        input
            .deployment_config
            .as_ref()
            .unwrap_or(&json!("AllAtOnce")),
    )?;
    if let Some(t) = input.error_rate_threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(ApiError(LambdaError::InvalidParameterValue(
                "ErrorRateThreshold must be between 0 and 1".into(),
            )));
        }
    }
    let record = state.record(&function)?;
    let current = record.aliases.get(&alias).ok_or_else(|| {
        ApiError(LambdaError::ResourceNotFound(format!(
            "Cannot find alias arn: {}",
            state.partition.qualified_arn(&function, &alias)
        )))
    })?;
    if !is_version_number(&to) || record.version(&to).is_none() {
        return Err(state.not_found(&FunctionRef {
            name: function.clone(),
            qualifier: Some(to),
        }));
    }
    if !current.routing.is_empty() {
        return Err(ApiError(LambdaError::ResourceConflict(format!(
            "Alias {alias} is already shifting traffic; wait for that deployment to end."
        ))));
    }
    if current.function_version == to {
        return Err(ApiError(LambdaError::InvalidParameterValue(format!(
            "Alias {alias} already points to version {to}."
        ))));
    }
    let hooks = input.hooks.unwrap_or_default();
    for hook in [&hooks.before_allow_traffic, &hooks.after_allow_traffic]
        .into_iter()
        .flatten()
    {
        let r = parse_function_ref(hook, None, NameShape::Namespaced, &state.partition)?;
        state.lookup(&r)?;
    }
    let plan = Plan {
        id: format!(
            "d-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase()
        ),
        function: function.clone(),
        alias: alias.clone(),
        from: current.function_version.clone(),
        to: to.clone(),
        shift,
        before: hooks.before_allow_traffic,
        after: hooks.after_allow_traffic,
        threshold: input.error_rate_threshold,
        minimum: input.minimum_invocations.unwrap_or(1).max(1),
    };
    let deployment = Deployment {
        deployment_id: plan.id.clone(),
        function_name: function,
        alias_name: alias,
        current_version: plan.from.clone(),
        target_version: to,
        status: Status::InProgress,
        target_weight: 0.0,
        events: Vec::new(),
    };
    state
        .deployments
        .all
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(plan.id.clone(), deployment.clone());
    tokio::spawn(run(state.clone(), plan));
    Ok((StatusCode::CREATED, Json(deployment)).into_response())
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deployment>> {
    state
        .deployments
        .with(&id, |d| d.clone())
        .map(Json)
        .ok_or_else(|| {
            ApiError(LambdaError::ResourceNotFound(format!(
                "Deployment {id} not found."
            )))
        })
}

pub async fn list(State(state): State<Arc<AppState>>) -> Json<Value> {
    let all = state
        .deployments
        .all
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Json(json!({ "Deployments": all.values().collect::<Vec<_>>() }))
}

/// Points the alias at `primary`, sending `weight` of the traffic to `extra`.
async fn set_alias(
    state: &Arc<AppState>,
    plan: &Plan,
    primary: &str,
    extra: Option<(&str, f64)>,
) -> ApiResult<()> {
    let st = state.clone();
    let (function, alias) = (plan.function.clone(), plan.alias.clone());
    let primary = primary.to_string();
    let extra = extra.map(|(v, w)| (v.to_string(), w));
    blocking(move || {
        st.store.update(&function, &mut |rec| {
            let current = rec.aliases.get(&alias).ok_or_else(|| {
                LambdaError::ResourceNotFound(format!(
                    "Alias {alias} was deleted during the deployment"
                ))
            })?;
            let next = Alias {
                function_version: primary.clone(),
                routing: extra.iter().cloned().collect(),
                revision_id: new_revision(),
                ..(**current).clone()
            };
            Ok(vec![Change::PutAlias(next)])
        })?;
        Ok(())
    })
    .await
}

/// Runs a hook function; `Err` with the reason when it fails (a function
/// error, or a result whose `status` is `Failed`).
async fn run_hook(
    state: &Arc<AppState>,
    plan: &Plan,
    hook: &str,
    phase: &str,
) -> Result<(), String> {
    let r = parse_function_ref(hook, None, NameShape::Namespaced, &state.partition)
        .map_err(|e| e.to_string())?;
    let config = state.lookup(&r).map_err(|e| e.0.to_string())?.config;
    let payload = json!({
        "DeploymentId": plan.id,
        "LifecycleEventHookExecutionId": uuid::Uuid::new_v4().to_string(),
        "LifecycleEvent": phase,
        "FunctionName": plan.function,
        "AliasName": plan.alias,
        "CurrentVersion": plan.from,
        "TargetVersion": plan.to,
    });
    let result = state
        .invoker
        .invoke(InvokeRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            invoked_arn: state.partition.function_arn(&config.name),
            config,
            payload: Bytes::from(payload.to_string()),
            client_context: None,
            tail: false,
            stream: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    if result.function_error.is_some() {
        return Err(format!(
            "{hook} failed: {}",
            String::from_utf8_lossy(&result.payload)
        ));
    }
    let answer: Value = serde_json::from_slice(&result.payload).unwrap_or(Value::Null);
    let status = answer
        .get("status")
        .or_else(|| answer.get("Status"))
        .and_then(Value::as_str);
    if status.is_some_and(|s| s.eq_ignore_ascii_case("failed")) {
        return Err(format!("{hook} reported Failed"));
    }
    Ok(())
}

async fn run(state: Arc<AppState>, plan: Plan) {
    let d = &state.deployments;
    let id = plan.id.clone();
    d.event(
        &id,
        format!(
            "Deploying {}:{} from version {} to {}",
            plan.function, plan.alias, plan.from, plan.to
        ),
    );
    let outcome = shift_traffic(&state, &plan).await;
    match outcome {
        Ok(()) => {
            d.with(&id, |x| {
                x.status = Status::Succeeded;
                x.target_weight = 1.0;
            });
            d.event(&id, "Deployment succeeded".into());
        }
        Err(reason) => {
            d.event(&id, format!("Rolling back: {reason}"));
            if let Err(e) = set_alias(&state, &plan, &plan.from, None).await {
                d.event(&id, format!("Rollback failed: {}", e.0));
            }
            d.with(&id, |x| {
                x.status = Status::RolledBack;
                x.target_weight = 0.0;
            });
        }
    }
}

async fn shift_traffic(state: &Arc<AppState>, plan: &Plan) -> Result<(), String> {
    let d = &state.deployments;
    if let Some(hook) = &plan.before {
        d.event(&plan.id, format!("Running BeforeAllowTraffic hook {hook}"));
        run_hook(state, plan, hook, "BeforeAllowTraffic").await?;
    }
    let stats = state.invoker.version_stats(&plan.function, &plan.to);
    let baseline = stats.read();
    let (weights, interval) = plan.shift.steps();
    for w in weights {
        if w >= 1.0 {
            set_alias(state, plan, &plan.to, None)
                .await
                .map_err(|e| e.0.to_string())?;
        } else {
            set_alias(state, plan, &plan.from, Some((&plan.to, w)))
                .await
                .map_err(|e| e.0.to_string())?;
        }
        d.with(&plan.id, |x| x.target_weight = w);
        d.event(
            &plan.id,
            format!("Version {} now takes {:.0}% of traffic", plan.to, w * 100.0),
        );
        if w >= 1.0 {
            break;
        }
        // Watch the new version while it holds this share.
        let until = tokio::time::Instant::now() + interval;
        loop {
            check_errors(plan, stats.read(), baseline)?;
            let now = tokio::time::Instant::now();
            if now >= until {
                break;
            }
            tokio::time::sleep((until - now).min(Duration::from_millis(250))).await;
        }
    }
    check_errors(plan, stats.read(), baseline)?;
    if let Some(hook) = &plan.after {
        d.event(&plan.id, format!("Running AfterAllowTraffic hook {hook}"));
        run_hook(state, plan, hook, "AfterAllowTraffic").await?;
    }
    Ok(())
}

fn check_errors(plan: &Plan, now: (u64, u64), baseline: (u64, u64)) -> Result<(), String> {
    let Some(threshold) = plan.threshold else {
        return Ok(());
    };
    let invocations = now.0.saturating_sub(baseline.0);
    let errors = now.1.saturating_sub(baseline.1);
    if invocations >= plan.minimum && invocations > 0 {
        let rate = errors as f64 / invocations as f64;
        if rate > threshold {
            return Err(format!(
                "version {} failed {errors} of {invocations} invocations ({:.0}% > {:.0}%)",
                plan.to,
                rate * 100.0,
                threshold * 100.0
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_predefined_and_custom_configurations() {
        assert_eq!(parse_shift(&json!("AllAtOnce")).unwrap(), Shift::AllAtOnce);
        assert_eq!(
            parse_shift(&json!("Canary10Percent5Minutes")).unwrap(),
            Shift::Canary {
                percent: 10,
                interval: Duration::from_secs(300)
            }
        );
        assert_eq!(
            parse_shift(&json!(
                "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
            ))
            .unwrap(),
            Shift::Linear {
                percent: 10,
                interval: Duration::from_secs(60)
            }
        );
        assert_eq!(
            parse_shift(&json!({"Type": "Linear", "Percentage": 25, "IntervalSeconds": 2}))
                .unwrap(),
            Shift::Linear {
                percent: 25,
                interval: Duration::from_secs(2)
            }
        );
        assert!(parse_shift(&json!("Sometimes")).is_err());
        assert!(parse_shift(&json!({"Type": "Canary", "Percentage": 0})).is_err());
    }

    #[test]
    fn steps() {
        let (w, _) = Shift::Linear {
            percent: 25,
            interval: Duration::ZERO,
        }
        .steps();
        assert_eq!(w, vec![0.25, 0.5, 0.75, 1.0]);
        let (w, _) = Shift::Canary {
            percent: 10,
            interval: Duration::ZERO,
        }
        .steps();
        assert_eq!(w, vec![0.1, 1.0]);
        let (w, _) = Shift::Linear {
            percent: 30,
            interval: Duration::ZERO,
        }
        .steps();
        assert_eq!(w, vec![0.3, 0.6, 0.9, 1.0]);
    }
}

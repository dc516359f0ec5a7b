//! `lambdalite deploy`: shifts an alias's traffic to a new version on a
//! running lambdalite and shows the progress until it ends.

use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The lambdalite API to talk to.
    #[arg(
        long,
        env = "LAMBDALITE_ENDPOINT",
        default_value = "http://127.0.0.1:9001"
    )]
    endpoint: String,
    /// The function.
    #[arg(long)]
    function: String,
    /// The alias whose traffic moves.
    #[arg(long)]
    alias: String,
    /// The published version traffic moves to.
    #[arg(long)]
    version: String,
    /// AllAtOnce, a predefined name (Canary10Percent5Minutes,
    /// Linear10PercentEvery1Minute, ...), or Canary:PERCENT:SECONDS /
    /// Linear:PERCENT:SECONDS.
    #[arg(long, default_value = "AllAtOnce")]
    config: String,
    /// A function run before traffic moves; its failure stops the deployment.
    #[arg(long)]
    before_hook: Option<String>,
    /// A function run after all traffic moved; its failure rolls back.
    #[arg(long)]
    after_hook: Option<String>,
    /// Roll back when the new version's error rate passes this (0–1).
    #[arg(long)]
    error_rate_threshold: Option<f64>,
    /// Invocations of the new version needed before its error rate counts.
    #[arg(long)]
    minimum_invocations: Option<u64>,
}

fn config_value(config: &str) -> Value {
    let parts: Vec<&str> = config.split(':').collect();
    match parts.as_slice() {
        [kind @ ("Canary" | "Linear"), percent, seconds] => json!({
            "Type": kind,
            "Percentage": percent.parse::<u64>().unwrap_or(0),
            "IntervalSeconds": seconds.trim_end_matches('s').parse::<u64>().unwrap_or(0),
        }),
        _ => json!(config),
    }
}

pub fn run(args: DeployArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(deploy(args))
}

async fn deploy(args: DeployArgs) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let base = args.endpoint.trim_end_matches('/');
    let mut body = json!({
        "FunctionName": args.function,
        "AliasName": args.alias,
        "TargetVersion": args.version,
        "DeploymentConfig": config_value(&args.config),
        "Hooks": {
            "BeforeAllowTraffic": args.before_hook,
            "AfterAllowTraffic": args.after_hook,
        },
    });
    if let Some(t) = args.error_rate_threshold {
        body["ErrorRateThreshold"] = json!(t);
    }
    if let Some(m) = args.minimum_invocations {
        body["MinimumInvocations"] = json!(m);
    }
    let resp = http
        .post(format!("{base}/_lambdalite/deployments"))
        .json(&body)
        .send()
        .await
        .with_context(|| format!("reaching lambdalite at {base}"))?;
    let status = resp.status();
    let started: Value = resp.json().await?;
    if !status.is_success() {
        bail!(
            "{}",
            started
                .get("message")
                .or_else(|| started.get("Message"))
                .unwrap_or(&started)
        );
    }
    let id = started["DeploymentId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    println!("deployment {id}");
    let mut shown = 0;
    loop {
        let d: Value = http
            .get(format!("{base}/_lambdalite/deployments/{id}"))
            .send()
            .await?
            .json()
            .await?;
        let events = d["Events"].as_array().cloned().unwrap_or_default();
        for e in events.iter().skip(shown) {
            println!(
                "{}  {}",
                e["Time"].as_str().unwrap_or(""),
                e["Message"].as_str().unwrap_or("")
            );
        }
        shown = events.len();
        match d["Status"].as_str() {
            Some("Succeeded") => return Ok(()),
            Some("RolledBack") => bail!("deployment {id} rolled back"),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

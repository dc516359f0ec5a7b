//! `lambdalite runtimes install`: AWS's SDKs for the python and node
//! runtimes, installed once into the data folder from PyPI and npm, as AWS
//! ships boto3 in its python runtimes and the SDK for JavaScript v3 in
//! nodejs18.x and later.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use lambdalite_invoke::runtimes::{self, Interpreters, SdkLang};

#[derive(Debug, clap::Args)]
pub struct RuntimesArgs {
    #[command(subcommand)]
    command: RuntimesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RuntimesCommand {
    /// Install AWS's SDKs where functions find them (python: boto3 in
    /// /var/runtime; node: the SDK for JavaScript v3 in
    /// /var/runtime/node_modules). A copy a function bundles itself wins.
    Install(InstallArgs),
    /// Show which SDKs are installed.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
struct InstallArgs {
    /// The data folder of the server that will use them.
    #[arg(long, env = "LAMBDALITE_DATA_DIR", default_value = "./.lambdalite")]
    data_dir: PathBuf,
    /// Only python's SDK (default: both).
    #[arg(long)]
    python: bool,
    /// Only node's SDK (default: both).
    #[arg(long)]
    node: bool,
    /// The PyPI packages (default: boto3, which brings botocore).
    #[arg(long = "pip-package", value_name = "PACKAGE")]
    pip_packages: Vec<String>,
    /// The npm packages (default: the clients of the services lambdalite
    /// serves, plus DynamoDB's and STS's).
    #[arg(long = "npm-package", value_name = "PACKAGE")]
    npm_packages: Vec<String>,
    /// The python that runs pip (default: the newest found with pip).
    #[arg(long = "with-python")]
    with_python: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[arg(long, env = "LAMBDALITE_DATA_DIR", default_value = "./.lambdalite")]
    data_dir: PathBuf,
}

const PIP_DEFAULT: &[&str] = &["boto3"];
const NPM_DEFAULT: &[&str] = &[
    "@aws-sdk/client-lambda",
    "@aws-sdk/client-sqs",
    "@aws-sdk/client-sns",
    "@aws-sdk/client-eventbridge",
    "@aws-sdk/client-scheduler",
    "@aws-sdk/client-s3",
    "@aws-sdk/client-kinesis",
    "@aws-sdk/client-cloudwatch-logs",
    "@aws-sdk/client-cloudwatch",
    "@aws-sdk/client-dynamodb",
    "@aws-sdk/lib-dynamodb",
    "@aws-sdk/client-sts",
];

pub fn run(args: RuntimesArgs) -> anyhow::Result<()> {
    match args.command {
        RuntimesCommand::Install(a) => install(a),
        RuntimesCommand::List(a) => {
            let root = runtime_dir(&a.data_dir);
            for lang in [SdkLang::Python, SdkLang::Node] {
                let dir = runtimes::sdk_dir(&root, lang);
                match std::fs::read_to_string(dir.join(runtimes::SDK_MANIFEST)) {
                    Ok(m) => println!("{}: {}", lang.name(), m.trim()),
                    Err(_) => println!("{}: not installed", lang.name()),
                }
            }
            Ok(())
        }
    }
}

fn runtime_dir(data_dir: &Path) -> PathBuf {
    lambdalite_store::Layout::new(data_dir)
        .root
        .join("runtimes")
}

fn install(args: InstallArgs) -> anyhow::Result<()> {
    let both = !args.python && !args.node;
    let root = runtime_dir(&args.data_dir);
    if args.python || both {
        let packages = or_default(&args.pip_packages, PIP_DEFAULT);
        let python = match &args.with_python {
            Some(p) => p.clone(),
            None => python_with_pip()?,
        };
        eprintln!(
            "lambdalite: installing {} for python functions with {} ...",
            packages.join(" "),
            python.display()
        );
        replace_dir(&runtimes::sdk_dir(&root, SdkLang::Python), |tmp| {
            let status = Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                ])
                .args(["--root-user-action", "ignore"])
                .args(["--progress-bar", "on", "--no-compile", "--target"])
                .arg(tmp)
                .args(&packages)
                .status()
                .with_context(|| format!("running {} -m pip", python.display()))?;
            if !status.success() {
                bail!("pip failed ({status})");
            }
            Ok(packages.join(" "))
        })?;
    }
    if args.node || both {
        let packages = or_default(&args.npm_packages, NPM_DEFAULT);
        eprintln!(
            "lambdalite: installing {} for node functions ...",
            packages.join(" ")
        );
        replace_dir(&runtimes::sdk_dir(&root, SdkLang::Node), |tmp| {
            let status = Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--omit=dev",
                    "--prefix",
                ])
                .arg(tmp)
                .args(&packages)
                .status()
                .context("running npm (is Node.js's npm installed?)")?;
            if !status.success() {
                bail!("npm failed ({status})");
            }
            Ok(packages.join(" "))
        })?;
    }
    eprintln!(
        "lambdalite: done; running servers on {} use them from their next cold start",
        args.data_dir.display()
    );
    Ok(())
}

fn or_default(given: &[String], default: &[&str]) -> Vec<String> {
    if given.is_empty() {
        default.iter().map(|s| s.to_string()).collect()
    } else {
        given.to_vec()
    }
}

/// Fills a fresh folder beside `dir`, then puts it in `dir`'s place, so a
/// failed or interrupted install leaves the previous one whole.
fn replace_dir(
    dir: &Path,
    fill: impl FnOnce(&Path) -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    let parent = dir.parent().context("the SDK folder has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = parent.join(format!(".sdk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let manifest = match fill(&tmp) {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    std::fs::write(tmp.join(runtimes::SDK_MANIFEST), format!("{manifest}\n"))?;
    let old = parent.join(format!(".sdk-old-{}", std::process::id()));
    if dir.exists() {
        std::fs::rename(dir, &old).with_context(|| format!("moving {} aside", dir.display()))?;
    }
    std::fs::rename(&tmp, dir).with_context(|| format!("putting {} in place", dir.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    eprintln!("lambdalite: installed in {}", dir.display());
    Ok(())
}

/// The newest python found that has pip.
fn python_with_pip() -> anyhow::Result<PathBuf> {
    let found = Interpreters::discover();
    let mut candidates: Vec<PathBuf> = found.python.values().rev().cloned().collect();
    candidates.push(PathBuf::from("python3"));
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(python);
        }
    }
    bail!("no python with pip found; pass --with-python PATH")
}

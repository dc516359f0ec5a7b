//! Runtimes started ahead of their function. A python or node interpreter
//! starts in a fresh sandbox with nothing at `/var/task`, loads what every
//! function of its runtime needs, and waits. A cold start then takes one:
//! the function's code is mounted into its sandbox, its environment
//! variables are sent on its stdin, and it runs the bootstrap, which loads
//! the handler. Each process serves one environment only, so nothing is
//! shared between functions (no fork: every interpreter has its own random
//! seeds, memory and sandbox).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lambdalite_model::{FunctionConfig, Runtime, RuntimeFamily};
use lambdalite_runtime_api::RuntimeApi;

use crate::env::{network_mode, program_for};
use crate::sandbox::{LaunchSpec, NetworkMode, Process};
use crate::{runtimes, InvokeError, InvokerSettings};

/// What a pre-started environment was started for: environments are only
/// interchangeable within one kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Kind {
    interpreter: PathBuf,
    python: bool,
    memory_mb: u32,
    tmp_mb: u32,
    network: NetworkMode,
}

/// Variables read when an interpreter or the dynamic loader starts: a
/// function that sets one is started the ordinary way.
fn read_at_start(name: &str) -> bool {
    ["PYTHON", "NODE_", "LD_", "LC_", "UV_"]
        .iter()
        .any(|p| name.starts_with(p))
        || matches!(name, "TZ" | "LANG" | "AWS_LAMBDA_EXEC_WRAPPER")
}

impl Kind {
    /// The kind a function's environments could be taken from, if any.
    pub(crate) fn of(settings: &InvokerSettings, config: &FunctionConfig) -> Option<Kind> {
        if settings.prewarm == 0 || !settings.sandbox.binds_code_late() {
            return None;
        }
        let family = Runtime::parse(config.runtime.as_deref()?)?.family();
        let python = match family {
            RuntimeFamily::Python { .. } => true,
            RuntimeFamily::Node { .. } => false,
            _ => return None,
        };
        if config
            .environment
            .as_ref()
            .is_some_and(|vars| vars.keys().any(|k| read_at_start(k)))
        {
            return None;
        }
        let (interpreter, _) = program_for(settings, config.runtime.as_deref(), None).ok()?;
        Some(Kind {
            interpreter,
            python,
            memory_mb: config.memory_size,
            tmp_mb: config.ephemeral_storage,
            network: network_mode(settings, config),
        })
    }
}

/// A started interpreter waiting for its function.
pub(crate) struct Prewarmed {
    pub process: Process,
    pub api: RuntimeApi,
    /// Its stdout and stderr.
    pub output: tokio::net::unix::pipe::Receiver,
    /// Its stdin, where the assignment goes.
    assign: std::io::PipeWriter,
}

impl Prewarmed {
    /// Sends the function's environment variables; the bootstrap starts.
    pub(crate) fn assign(&mut self, env: &[(String, String)]) -> std::io::Result<()> {
        let vars: serde_json::Map<String, serde_json::Value> = env
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut line = serde_json::json!({ "env": vars }).to_string();
        line.push('\n');
        self.assign.write_all(line.as_bytes())
    }
}

/// Starts one interpreter of a kind, up to where it waits.
pub(crate) async fn start(
    settings: &InvokerSettings,
    kind: &Kind,
) -> Result<Prewarmed, InvokeError> {
    let internal =
        |what: &str, e: &dyn std::fmt::Display| InvokeError::Internal(format!("{what}: {e}"));
    let mut prepared = settings
        .sandbox
        .prepare(kind.network)
        .map_err(|e| internal("preparing an environment", &e))?;
    let api = prepared
        .runtime_api_listener()
        .and_then(tokio::net::TcpListener::from_std)
        .and_then(RuntimeApi::serve)
        .map_err(|e| internal("binding a Runtime API", &e))?;
    let host_runtime_dir = settings
        .runtime_dir
        .join(if kind.python { "python" } else { "nodejs" });
    let view = settings
        .sandbox
        .view(Path::new(""), Some(&host_runtime_dir), None);
    let runtime_dir = view.runtime_dir.clone().unwrap_or_default();
    let (root, opt) = (view.task_root.display(), view.opt.display());
    let mut env = vec![
        (
            "PATH".to_string(),
            format!("/usr/local/bin:/usr/bin/:/bin:{opt}/bin"),
        ),
        (
            "LD_LIBRARY_PATH".to_string(),
            format!("/lib64:/usr/lib64:{root}:{root}/lib:{opt}/lib"),
        ),
        ("TZ".to_string(), ":UTC".to_string()),
        ("LANG".to_string(), "en_US.UTF-8".to_string()),
    ];
    let args = if kind.python {
        env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
        vec![
            "-u".into(),
            "-c".into(),
            runtimes::python_prewarm_launcher(&runtime_dir).into(),
        ]
    } else {
        vec![runtime_dir.join("prewarm.mjs").into_os_string()]
    };
    let (stdin, assign) = std::io::pipe().map_err(|e| internal("creating a pipe", &e))?;
    let (reader, output_end) = std::io::pipe().map_err(|e| internal("creating a log pipe", &e))?;
    let spec = LaunchSpec {
        program: kind.interpreter.clone(),
        args,
        env,
        runtime: Some(host_runtime_dir),
        memory_mb: kind.memory_mb,
        ephemeral_storage_mb: kind.tmp_mb,
        late_code: true,
        stdin: Some(Arc::new(stdin.into())),
        ..LaunchSpec::default()
    };
    let mut process = prepared
        .spawn(&spec, output_end)
        .map_err(|e| internal("starting a runtime ahead", &e))?;
    drop(spec);
    process
        .started()
        .await
        .map_err(|e| internal("starting a runtime ahead", &e))?;
    let output = tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into())
        .map_err(|e| internal("reading a log pipe", &e))?;
    Ok(Prewarmed {
        process,
        api,
        output,
        assign,
    })
}

/// The stock of pre-started environments, by kind.
#[derive(Default)]
pub(crate) struct Stock {
    ready: Mutex<HashMap<Kind, Vec<Prewarmed>>>,
    /// How many of each kind are starting.
    starting: Mutex<HashMap<Kind, usize>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Stock {
    /// A live pre-started environment of this kind, if one is ready.
    pub(crate) fn take(&self, kind: &Kind) -> Option<Prewarmed> {
        let mut ready = lock(&self.ready);
        let list = ready.get_mut(kind)?;
        while let Some(mut p) = list.pop() {
            if !p.process.has_exited() {
                return Some(p);
            }
        }
        None
    }

    /// How many more of a kind to start to have `target` ready; counts
    /// them as starting.
    pub(crate) fn claim(&self, kind: &Kind, target: usize) -> usize {
        let have = lock(&self.ready).get(kind).map_or(0, Vec::len);
        let mut starting = lock(&self.starting);
        let n = starting.entry(kind.clone()).or_default();
        let missing = target.saturating_sub(have + *n);
        *n += missing;
        missing
    }

    /// One claimed start ended (with an environment, or not).
    pub(crate) fn started(&self, kind: &Kind, p: Option<Prewarmed>) {
        if let Some(n) = lock(&self.starting).get_mut(kind) {
            *n = n.saturating_sub(1);
        }
        if let Some(p) = p {
            lock(&self.ready).entry(kind.clone()).or_default().push(p);
        }
    }

    /// Ends every waiting environment.
    pub(crate) fn clear(&self) {
        for (_, list) in lock(&self.ready).drain() {
            for mut p in list {
                p.process.kill();
                tokio::spawn(async move {
                    let _ = p.process.wait().await;
                });
            }
        }
    }
}

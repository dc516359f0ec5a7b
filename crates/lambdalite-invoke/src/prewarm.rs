//! Runtimes started ahead of their function. A python or node interpreter
//! starts in a fresh sandbox with nothing at `/var/task`, loads what every
//! function of its runtime needs, and waits. A cold start then takes one:
//! the function's code is mounted into its sandbox, its environment
//! variables are sent on its stdin, and it runs the bootstrap, which loads
//! the handler. For `provided` functions a shell waits in the sandbox and
//! execs the function's `bootstrap` with its variables. Each process serves
//! one environment only, so nothing is shared between functions (no fork:
//! every interpreter has its own random seeds, memory and sandbox).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lambdalite_model::{FunctionConfig, Runtime, RuntimeFamily};
use lambdalite_runtime_api::RuntimeApi;

use crate::env::{find_bootstrap, layers_dir, network_mode, process_env, program_for};
use crate::sandbox::{LaunchSpec, NetworkMode, Process};
use crate::{runtimes, InvokeError, InvokerSettings};

/// What a pre-started environment was started for: environments are only
/// interchangeable within one kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Kind {
    interpreter: PathBuf,
    lang: Lang,
    memory_mb: u32,
    tmp_mb: u32,
    network: NetworkMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Lang {
    Python,
    Node,
    /// A shell that execs the function's own `bootstrap`.
    Provided,
}

/// The shell that waits for a `provided` function.
const SHELL: &str = "/bin/sh";

/// Whether a custom runtime's bootstrap can be exec'd: an executable ELF
/// binary or script (else the ordinary start reports why not, as AWS).
fn execable(path: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let mut magic = [0u8; 4];
    meta.is_file()
        && meta.permissions().mode() & 0o111 != 0
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
        && (magic == *b"\x7fELF" || magic.starts_with(b"#!"))
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
        let vars = config.environment.as_ref();
        let lang = match family {
            RuntimeFamily::Python { .. } => Lang::Python,
            RuntimeFamily::Node { .. } => Lang::Node,
            RuntimeFamily::Provided => Lang::Provided,
            RuntimeFamily::Unsupported => return None,
        };
        if lang == Lang::Provided {
            // The shell reads one line: no value may hold a line break.
            if vars.is_some_and(|v| v.values().any(|x| x.contains(['\n', '\0']))) {
                return None;
            }
            let code = settings.code_root.join(&config.code.sha256_hex);
            let found = find_bootstrap(&code, layers_dir(settings, config).as_deref())
                .is_some_and(|(_, b)| execable(&b));
            if !found || !Path::new(SHELL).exists() {
                return None;
            }
        } else if vars.is_some_and(|v| v.keys().any(|k| read_at_start(k))) {
            return None;
        }
        let interpreter = match lang {
            Lang::Provided => PathBuf::from(SHELL),
            _ => {
                program_for(settings, config.runtime.as_deref(), None)
                    .ok()?
                    .0
            }
        };
        Some(Kind {
            interpreter,
            lang,
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
    lang: Lang,
    /// When it became ready.
    since: std::time::Instant,
}

/// A word the shell reads as exactly `s`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Prewarmed {
    /// Sends the function's environment variables (and, for a custom
    /// runtime, its bootstrap); the bootstrap starts.
    pub(crate) fn assign(
        &mut self,
        env: &[(String, String)],
        program: &Path,
    ) -> std::io::Result<()> {
        let mut line = match self.lang {
            Lang::Provided => {
                let mut line = String::from("unset PWD;");
                for (k, v) in env {
                    line.push_str(&format!(" export {k}={};", shell_quote(v)));
                }
                let program = shell_quote(&program.to_string_lossy());
                line.push_str(&format!(" exec {program} </dev/null"));
                line
            }
            Lang::Python | Lang::Node => {
                let vars: serde_json::Map<String, serde_json::Value> = env
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect();
                serde_json::json!({ "env": vars }).to_string()
            }
        };
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
    let host_runtime_dir = match kind.lang {
        Lang::Python => Some(settings.runtime_dir.join("python")),
        Lang::Node => Some(settings.runtime_dir.join("nodejs")),
        Lang::Provided => None,
    };
    let view = settings
        .sandbox
        .view(Path::new(""), host_runtime_dir.as_deref(), None);
    let runtime_dir = view.runtime_dir.clone().unwrap_or_default();
    // What the interpreter reads at start is the same for every function.
    let mut env = process_env(&view).to_vec();
    let args = match kind.lang {
        Lang::Python => {
            env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
            vec![
                "-u".into(),
                "-c".into(),
                runtimes::python_prewarm_launcher(&runtime_dir).into(),
            ]
        }
        Lang::Node => vec![runtime_dir.join("prewarm.mjs").into_os_string()],
        Lang::Provided => {
            // The bootstrap gets exactly the function's variables.
            env.clear();
            vec!["-c".into(), r#"IFS= read -r line && eval "$line""#.into()]
        }
    };
    let (stdin, assign) = std::io::pipe().map_err(|e| internal("creating a pipe", &e))?;
    let (reader, output_end) = std::io::pipe().map_err(|e| internal("creating a log pipe", &e))?;
    let spec = LaunchSpec {
        program: kind.interpreter.clone(),
        binds: runtimes::binds(
            &kind.interpreter,
            (kind.lang == Lang::Node).then_some(runtimes::SdkLang::Node),
            &settings.runtime_dir,
        ),
        args,
        env,
        runtime: host_runtime_dir,
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
        lang: kind.lang,
        since: std::time::Instant::now(),
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

    /// Ends the environments that waited longer than `keep` (a kind no
    /// longer in use is then started again only when next needed).
    pub(crate) fn reap(&self, keep: std::time::Duration) {
        let mut expired = Vec::new();
        for list in lock(&self.ready).values_mut() {
            let (old, fresh): (Vec<_>, Vec<_>) = std::mem::take(list)
                .into_iter()
                .partition(|p| p.since.elapsed() > keep);
            *list = fresh;
            expired.extend(old);
        }
        lock(&self.ready).retain(|_, list| !list.is_empty());
        expired.into_iter().for_each(end);
    }

    /// Ends every waiting environment.
    pub(crate) fn clear(&self) {
        let all: Vec<Prewarmed> = lock(&self.ready).drain().flat_map(|(_, l)| l).collect();
        all.into_iter().for_each(end);
    }
}

fn end(mut p: Prewarmed) {
    p.process.kill();
    tokio::spawn(async move {
        let _ = p.process.wait().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_survive_quotes_and_expansions() {
        let tricky = "it's \"q\" $HOME `x` \\ ;";
        let out = std::process::Command::new(SHELL)
            .arg("-c")
            .arg(format!("printf %s {}", shell_quote(tricky)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), tricky);
    }

    #[test]
    fn variables_read_at_start_are_recognised() {
        for k in [
            "PYTHONPATH",
            "NODE_OPTIONS",
            "LD_PRELOAD",
            "TZ",
            "AWS_LAMBDA_EXEC_WRAPPER",
        ] {
            assert!(read_at_start(k), "{k}");
        }
        for k in ["TABLE_NAME", "AWS_REGION", "NODEPATHLESS"] {
            assert!(!read_at_start(k), "{k}");
        }
    }
}

//! Execution environments' isolation and limits.
//!
//! Owns: starting an environment's bootstrap in its sandbox — Linux mount,
//! pid, ipc, uts and network namespaces entered through `pivot_root` into a
//! minimal root; an unprivileged user without capabilities under
//! `no_new_privs` and a seccomp filter; per-environment cgroups (v1 or v2)
//! for memory, CPU and pids — and ending it with every process it started.
//! The plain-process fallback for hosts that can't do that.
//!
//! Does not: decide when environments start or stop (lambdalite-invoke), or
//! serve the Runtime API (lambdalite-runtime-api); it only binds the
//! listener where the environment, and nothing else, can reach it.
//!
//! Starting is two-phase: [`Sandbox::prepare`] makes the environment's
//! network, where its Runtime API listener is bound; then
//! [`Prepared::spawn`] starts the bootstrap inside.

pub mod cgroup;
mod kernel;
pub mod mounts;
mod namespaces;
mod net;
mod plain;
mod process;
pub mod seccomp;

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use namespaces::{Namespaces, NamespacesConfig, SANDBOX_GID, SANDBOX_UID, SANDBOX_USER};
pub use net::{host_api_address, HOST_API_ADDR, HOST_NAME};
pub use plain::PlainProcess;
pub use process::{PeakMemory, Process};

/// Everything needed to start one environment's bootstrap.
#[derive(Debug, Clone, Default)]
pub struct LaunchSpec {
    /// The program, as the environment sees it (see [`Sandbox::view`]).
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// The complete environment: nothing of lambdalite's own is inherited.
    pub env: Vec<(String, String)>,
    /// The unzipped code on the host (`/var/task` inside).
    pub code: PathBuf,
    /// lambdalite's runtime folder for this runtime on the host
    /// (`/var/runtime` inside), if the runtime has one.
    pub runtime: Option<PathBuf>,
    /// Unzipped layer folders on the host, merged read-only at `/opt`; a
    /// later layer's files win over an earlier one's.
    pub layers: Vec<PathBuf>,
    pub memory_mb: u32,
    pub ephemeral_storage_mb: u32,
    /// Binds the code late: `/var/task` and `/opt` start empty, and the
    /// function's code and layers appear there when the owner calls
    /// [`Process::bind_code`] (a runtime started ahead of its function).
    /// Honoured by sandboxes whose [`Sandbox::binds_code_late`] is true.
    pub late_code: bool,
    /// Host folders the program needs, shown read-only where given (an
    /// interpreter's installation outside the system folders, at its own
    /// path). Sandboxes without a root of their own ignore them.
    pub binds: Vec<Bind>,
    /// The environment's standard input (`/dev/null` when absent).
    pub stdin: Option<Arc<std::os::fd::OwnedFd>>,
}

/// A host folder shown read-only inside an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub host: PathBuf,
    /// Where the environment sees it (absolute).
    pub inside: PathBuf,
}

impl Bind {
    /// The folder at its own path.
    pub fn same(path: PathBuf) -> Bind {
        Bind {
            host: path.clone(),
            inside: path,
        }
    }
}

/// Where an environment's processes see its folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// `LAMBDA_TASK_ROOT`.
    pub task_root: PathBuf,
    /// `LAMBDA_RUNTIME_DIR`, for runtimes with a runtime folder.
    pub runtime_dir: Option<PathBuf>,
    /// Where the layers are (`/opt`).
    pub opt: PathBuf,
}

/// What an environment's network reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NetworkMode {
    /// Its own loopback (with its Runtime API), the host, and beyond.
    #[default]
    Default,
    /// Its own loopback only.
    None,
    /// The host's network itself: `localhost` is the host. Environments
    /// can then reach each other's Runtime API (a trade-off for local
    /// development; set by the server only).
    Host,
}

impl NetworkMode {
    pub fn parse(s: &str) -> Option<NetworkMode> {
        match s {
            "default" => Some(NetworkMode::Default),
            "none" => Some(NetworkMode::None),
            "host" => Some(NetworkMode::Host),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Default => "default",
            NetworkMode::None => "none",
            NetworkMode::Host => "host",
        }
    }
}

/// Starts environments.
pub trait Sandbox: Send + Sync {
    /// A name for logs.
    fn name(&self) -> &'static str;
    /// Where an environment sees its code, runtime folder and merged
    /// layers, given their host folders.
    fn view(&self, code: &Path, runtime: Option<&Path>, layers: Option<&Path>) -> View;
    /// The network environments get unless a function asks otherwise.
    fn default_network(&self) -> NetworkMode;
    /// Phase one: makes the environment's network.
    fn prepare(&self, network: NetworkMode) -> Result<Box<dyn Prepared>, SandboxError>;
    /// Whether environments can start before their code is known
    /// ([`LaunchSpec::late_code`]).
    fn binds_code_late(&self) -> bool {
        false
    }
}

/// An environment whose network exists and whose bootstrap has not started.
pub trait Prepared: Send {
    /// The listener of the environment's Runtime API, reachable from the
    /// environment and from nothing else lambdalite starts; its local
    /// address is `AWS_LAMBDA_RUNTIME_API` as the environment sees it. One
    /// listener per environment: a second call fails.
    fn runtime_api_listener(&mut self) -> io::Result<std::net::TcpListener>;
    /// Phase two: starts the bootstrap with stdout and stderr going to
    /// `output`. Failures of the sandbox's setup or of the exec itself may
    /// also come later, from [`Process::started`].
    fn spawn(
        self: Box<Self>,
        spec: &LaunchSpec,
        output: io::PipeWriter,
    ) -> Result<Process, SandboxError>;
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A host operation lambdalite needed failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// The sandbox could not be set up in the child, before the exec.
    #[error("setting up the environment failed at {stage}: {source}")]
    Setup {
        stage: String,
        #[source]
        source: io::Error,
    },
    /// The bootstrap could not be executed (Go's wording, as AWS reports it).
    #[error("fork/exec {program}: {}", errno_text(.source))]
    Exec {
        program: String,
        #[source]
        source: io::Error,
    },
    /// This host can't make the sandbox.
    #[error("{0}")]
    Unsupported(String),
}

impl SandboxError {
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> SandboxError {
        SandboxError::Io {
            what: what.into(),
            source,
        }
    }
}

/// An errno's text the way Go prints it ("permission denied").
fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::EACCES) => "permission denied".into(),
        Some(libc::ENOENT) => "no such file or directory".into(),
        Some(libc::ENOEXEC) => "exec format error".into(),
        Some(libc::ETXTBSY) => "text file busy".into(),
        _ => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            text.to_lowercase()
        }
    }
}

/// Which sandbox to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxKind {
    /// Namespaces where the host can make them, else plain processes.
    Auto,
    Namespaces,
    /// Plain processes: no isolation.
    None,
}

impl SandboxKind {
    pub fn parse(s: &str) -> Option<SandboxKind> {
        match s {
            "auto" => Some(SandboxKind::Auto),
            "namespaces" => Some(SandboxKind::Namespaces),
            "none" => Some(SandboxKind::None),
            _ => None,
        }
    }
}

/// Chooses and checks the sandbox. With [`SandboxKind::Auto`], a host that
/// can't make namespaces gets plain processes and the reason why (to be said
/// loudly); with [`SandboxKind::Namespaces`] that is an error.
pub async fn choose(
    kind: SandboxKind,
    config: NamespacesConfig,
) -> Result<(Arc<dyn Sandbox>, Option<String>), SandboxError> {
    match kind {
        SandboxKind::None => Ok((Arc::new(PlainProcess), None)),
        SandboxKind::Namespaces => {
            let ns = Namespaces::new(config)?;
            ns.probe().await?;
            warn_network(&ns);
            Ok((Arc::new(ns), None))
        }
        SandboxKind::Auto => {
            let made = match Namespaces::new(config) {
                Ok(ns) => ns.probe().await.map(|()| ns),
                Err(e) => Err(e),
            };
            match made {
                Ok(ns) => {
                    warn_network(&ns);
                    Ok((Arc::new(ns), None))
                }
                Err(e) => Ok((Arc::new(PlainProcess), Some(e.to_string()))),
            }
        }
    }
}

fn warn_network(ns: &Namespaces) {
    if let Some(why) = ns.network_warning() {
        tracing::warn!("functions in the default network mode reach only the host: {why}");
    }
}

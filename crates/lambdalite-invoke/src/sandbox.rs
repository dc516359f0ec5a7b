//! Starting the process of an execution environment. The [`Sandbox`] trait
//! is the seam where isolation plugs in; [`PlainProcess`] starts a plain
//! child process with a clean environment, its own process group and its
//! working directory at the function's code.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, Command};

/// Everything needed to start one environment's bootstrap.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// The complete environment: nothing of lambdalite's own is inherited.
    pub env: Vec<(String, String)>,
    /// The unzipped code (`LAMBDA_TASK_ROOT`).
    pub task_root: PathBuf,
    pub memory_mb: u32,
    pub ephemeral_storage_mb: u32,
}

/// Starts environments.
pub trait Sandbox: Send + Sync {
    /// Starts the bootstrap with stdout and stderr going to `output`.
    fn spawn(&self, spec: &LaunchSpec, output: std::io::PipeWriter) -> std::io::Result<Child>;
    /// A name for logs.
    fn name(&self) -> &'static str;
}

/// Plain child processes: a clean environment and a process group of their
/// own (so a timeout kills everything the function started), no isolation.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainProcess;

impl Sandbox for PlainProcess {
    fn spawn(&self, spec: &LaunchSpec, output: std::io::PipeWriter) -> std::io::Result<Child> {
        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args)
            .env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&spec.task_root)
            .stdin(Stdio::null())
            .stdout(Stdio::from(output.try_clone()?))
            .stderr(Stdio::from(output))
            .process_group(0)
            .kill_on_drop(true);
        cmd.spawn()
    }

    fn name(&self) -> &'static str {
        "plain-process"
    }
}

/// Kills a process and its whole process group.
pub fn kill_group(child: &mut Child) {
    if let Some(pid) = child.id() {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (it was started with process_group(0)); no memory is
        // touched.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
    }
    let _ = child.start_kill();
}

/// The peak resident memory of a process in MB (from `VmHWM`).
pub fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

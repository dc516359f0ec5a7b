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
    /// The function's layers merged into one folder: what the function sees
    /// at /opt. `None` when it has no layers.
    pub opt_dir: Option<PathBuf>,
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
        // SAFETY: the closure runs in the forked child before exec and only
        // calls prctl(2), which is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                // If lambdalite dies, however it dies, its environments die too.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
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

/// Reads a process's peak resident memory (`VmHWM`) through a file kept
/// open, so each reading is one `pread` and no path lookup.
pub struct PeakMemory {
    status: Option<std::fs::File>,
    buf: Vec<u8>,
}

impl PeakMemory {
    pub fn open(pid: Option<u32>) -> PeakMemory {
        PeakMemory {
            status: pid.and_then(|p| std::fs::File::open(format!("/proc/{p}/status")).ok()),
            buf: vec![0; 4096],
        }
    }

    /// The peak in MB, rounded up.
    pub fn read_mb(&mut self) -> Option<u64> {
        use std::os::unix::fs::FileExt;
        let n = self.status.as_ref()?.read_at(&mut self.buf, 0).ok()?;
        let text = std::str::from_utf8(&self.buf[..n]).ok()?;
        let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb.div_ceil(1024))
    }
}

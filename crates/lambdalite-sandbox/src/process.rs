//! The running bootstrap of an environment, as its owner sees it: wait for
//! it, kill it with everything it started, read its peak memory.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use tokio::io::unix::AsyncFd;
use tokio::io::AsyncReadExt;

use crate::cgroup::EnvCgroup;
use crate::SandboxError;

/// A started environment's process.
pub struct Process {
    inner: Inner,
    status: Option<ExitStatus>,
    /// Set on the copy that reaps a dropped environment.
    detached: bool,
}

enum Inner {
    Plain {
        child: Box<tokio::process::Child>,
        memory: PeakMemory,
    },
    Isolated(Box<Isolated>),
    /// Moved out to be reaped.
    Gone,
}

/// The parts of an isolated environment that live as long as its process.
pub(crate) struct Isolated {
    pub pid: i32,
    pub pidfd: AsyncFd<OwnedFd>,
    /// Reports how the child's setup ended: 8 bytes (stage, errno) on
    /// failure, nothing (closed at exec) on success.
    pub report: Option<tokio::net::unix::pipe::Receiver>,
    /// Describes a failed stage for the error message.
    pub describe: Box<dyn Fn(u32) -> String + Send + Sync>,
    pub program: String,
    pub cgroup: Option<EnvCgroup>,
    /// Released when the environment ends (its network, for one).
    pub resources: Vec<Box<dyn Send + Sync>>,
    /// Where its code is bound late, if it is.
    pub slot: Option<crate::namespaces::Slot>,
    pub oom_kills_at_start: u64,
    /// The cgroup's last readings, kept when it is removed.
    pub last_peak: Option<u64>,
    pub last_oom: bool,
}

impl Process {
    /// A plain child process (its own process group).
    pub fn from_child(child: tokio::process::Child) -> Process {
        let memory = PeakMemory::open(child.id());
        Process {
            inner: Inner::Plain {
                child: Box::new(child),
                memory,
            },
            status: None,
            detached: false,
        }
    }

    pub(crate) fn isolated(isolated: Isolated) -> Process {
        Process {
            inner: Inner::Isolated(Box::new(isolated)),
            status: None,
            detached: false,
        }
    }

    /// The process id (in lambdalite's pid namespace).
    pub fn id(&self) -> Option<u32> {
        match &self.inner {
            Inner::Plain { child, .. } => child.id(),
            Inner::Isolated(i) => Some(i.pid as u32),
            Inner::Gone => None,
        }
    }

    /// Waits until the bootstrap has been exec'd; a failed setup or exec is
    /// reported here.
    pub async fn started(&mut self) -> Result<(), SandboxError> {
        let Inner::Isolated(iso) = &mut self.inner else {
            return Ok(());
        };
        let Some(mut report) = iso.report.take() else {
            return Ok(());
        };
        let mut buf = [0u8; 8];
        let mut got = 0;
        while got < buf.len() {
            match report.read(&mut buf[got..]).await {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SandboxError::io("reading the setup report", e)),
            }
        }
        if got == 0 {
            return Ok(());
        }
        let stage = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let errno = i32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let error = io::Error::from_raw_os_error(errno);
        // Reap it now: it has exited.
        let _ = self.wait().await;
        let Inner::Isolated(iso) = &self.inner else {
            unreachable!()
        };
        if stage == crate::namespaces::STAGE_EXEC {
            Err(SandboxError::Exec {
                program: iso.program.clone(),
                source: error,
            })
        } else {
            Err(SandboxError::Setup {
                stage: (iso.describe)(stage),
                source: error,
            })
        }
    }

    /// Whether the process has exited (reaping it if so), without waiting.
    pub fn has_exited(&mut self) -> bool {
        if self.status.is_some() {
            return true;
        }
        let status = match &mut self.inner {
            Inner::Plain { child, .. } => match child.try_wait() {
                Ok(Some(s)) => s,
                _ => return false,
            },
            Inner::Isolated(iso) => {
                let mut raw = 0;
                // SAFETY: waitpid(2) on our own child with a valid pointer.
                let rc = unsafe { libc::waitpid(iso.pid, &mut raw, libc::WNOHANG) };
                if rc != iso.pid {
                    return false;
                }
                ExitStatus::from_raw(raw)
            }
            Inner::Gone => return true,
        };
        self.status = Some(status);
        self.release();
        true
    }

    /// Waits for the process to exit. Cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(s) = self.status {
            return Ok(s);
        }
        let status = match &mut self.inner {
            Inner::Plain { child, .. } => child.wait().await?,
            Inner::Isolated(iso) => loop {
                let mut guard = iso.pidfd.readable().await?;
                let mut raw = 0;
                // SAFETY: waitpid(2) on our own child with a valid pointer.
                let rc = unsafe { libc::waitpid(iso.pid, &mut raw, libc::WNOHANG) };
                if rc == iso.pid {
                    break ExitStatus::from_raw(raw);
                }
                if rc < 0 {
                    return Err(io::Error::last_os_error());
                }
                guard.clear_ready();
            },
            Inner::Gone => ExitStatus::from_raw(libc::SIGKILL),
        };
        self.status = Some(status);
        self.release();
        Ok(status)
    }

    /// Frees what the environment held, once its processes are all gone
    /// (the pid namespace's init exits last).
    fn release(&mut self) {
        if let Inner::Isolated(iso) = &mut self.inner {
            if let Some(mut cg) = iso.cgroup.take() {
                iso.last_peak = cg.peak_bytes();
                iso.last_oom = cg.oom_kills() > iso.oom_kills_at_start;
                // Nearly always gone at once; a busy one is retried off the
                // caller's path.
                if !cg.try_remove() {
                    std::thread::spawn(move || {
                        if let Err(e) = cg.remove() {
                            tracing::warn!(error = %e, "removing an environment's cgroup");
                        }
                    });
                }
            }
            iso.resources.clear();
            iso.slot = None;
        }
    }

    /// Makes `code` (and `opt`) appear, read-only, at `/var/task` (and
    /// `/opt`) inside an environment started with
    /// [`crate::LaunchSpec::late_code`].
    pub fn bind_code(
        &self,
        code: &std::path::Path,
        opt: Option<&std::path::Path>,
    ) -> io::Result<()> {
        match &self.inner {
            Inner::Isolated(iso) => match &iso.slot {
                Some(slot) => slot.bind(code, opt),
                None => Err(io::Error::other(
                    "this environment's code is not bound late",
                )),
            },
            _ => Err(io::Error::other(
                "this environment's code is not bound late",
            )),
        }
    }

    /// Kills the environment: every process it started.
    pub fn kill(&mut self) {
        if self.status.is_some() {
            return;
        }
        match &mut self.inner {
            Inner::Plain { child, .. } => {
                if let Some(pid) = child.id() {
                    // SAFETY: kill(2) with a negative pid signals the process
                    // group the child leads; no memory is touched.
                    unsafe {
                        libc::kill(-(pid as i32), libc::SIGKILL);
                    }
                }
                let _ = child.start_kill();
            }
            Inner::Isolated(iso) => {
                // The bootstrap is its pid namespace's init: when it dies,
                // the kernel kills every other process in the namespace.
                // SAFETY: pidfd_send_signal(2) on our own pidfd, no info.
                unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        iso.pidfd.get_ref().as_raw_fd(),
                        libc::SIGKILL,
                        std::ptr::null::<libc::siginfo_t>(),
                        0,
                    );
                }
            }
            Inner::Gone => {}
        }
    }

    /// The environment's peak memory in MB, rounded up.
    pub fn max_memory_used_mb(&mut self) -> Option<u64> {
        match &mut self.inner {
            Inner::Plain { memory, .. } => memory.read_mb(),
            Inner::Isolated(iso) => match &iso.cgroup {
                Some(cg) => cg.peak_bytes(),
                None => iso.last_peak,
            }
            .map(|b| b.div_ceil(1024 * 1024)),
            Inner::Gone => None,
        }
    }

    /// Whether the OOM killer has killed a process of the environment.
    pub fn oom_killed(&self) -> bool {
        match &self.inner {
            Inner::Plain { .. } | Inner::Gone => false,
            Inner::Isolated(iso) => match &iso.cgroup {
                Some(cg) => cg.oom_kills() > iso.oom_kills_at_start,
                None => iso.last_oom,
            },
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        self.kill();
        if !matches!(self.inner, Inner::Isolated(_)) {
            return;
        }
        let inner = std::mem::replace(&mut self.inner, Inner::Gone);
        let mut p = Process {
            inner,
            status: None,
            detached: true,
        };
        match tokio::runtime::Handle::try_current() {
            // Reap it and clean up off the caller's path.
            Ok(handle) if !self.detached => {
                handle.spawn(async move {
                    let _ = p.wait().await;
                });
            }
            // No runtime (or the reaping task itself is being dropped at
            // shutdown): the killed process is gone within milliseconds.
            _ => {
                if let Inner::Isolated(iso) = &p.inner {
                    let mut raw = 0;
                    // SAFETY: blocking waitpid(2) on our own, killed child.
                    unsafe { libc::waitpid(iso.pid, &mut raw, 0) };
                    p.status = Some(ExitStatus::from_raw(raw));
                }
                p.release();
            }
        }
    }
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

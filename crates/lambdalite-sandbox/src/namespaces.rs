//! The namespace sandbox: each environment is one `clone` into new mount,
//! pid, ipc and uts namespaces, joined to its network namespace and its
//! cgroups, that builds its root, drops every privilege and execs the
//! bootstrap — no helper program, nothing exec'd but the bootstrap.
//!
//! The bootstrap is the init (pid 1) of its pid namespace: when it dies,
//! however it dies, the kernel kills every process it left.
//!
//! Everything the child needs is prepared before the clone; the child only
//! makes system calls on it (the parent is multi-threaded: a lock another
//! thread held, such as the allocator's, would never be released in the
//! child).

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use seccompiler::BpfProgram;
use tokio::io::unix::AsyncFd;

use crate::cgroup::{self, Hierarchy, Limits};
use crate::kernel::Libc;
use crate::mounts::{self, HostLayout, RootSpec, Step};
use crate::net::{self, NetNs, Veth};
use crate::process::{Isolated, Process};
use crate::{seccomp, LaunchSpec, NetworkMode, Prepared, Sandbox, SandboxError, View};

/// The user functions run as: AWS's name and ids.
pub const SANDBOX_USER: &str = "sbx_user1051";
pub const SANDBOX_UID: u32 = 993;
pub const SANDBOX_GID: u32 = 990;
/// AWS's limit of open files.
pub const NOFILE: u64 = 1024;

// Stages of the child, reported with the errno when one fails.
const STAGE_SIGNALS: u32 = 1;
const STAGE_CGROUP: u32 = 2;
const STAGE_NETNS: u32 = 3;
const STAGE_SESSION: u32 = 4;
const STAGE_STDIO: u32 = 5;
const STAGE_RLIMIT: u32 = 6;
const STAGE_CAPS: u32 = 7;
const STAGE_IDS: u32 = 8;
const STAGE_WORKDIR: u32 = 9;
const STAGE_NO_NEW_PRIVS: u32 = 10;
const STAGE_SECCOMP: u32 = 11;
pub(crate) const STAGE_EXEC: u32 = 12;
/// Mount step `i` is stage `STAGE_MOUNT + i`.
const STAGE_MOUNT: u32 = 1000;

/// How the namespace sandbox is set up.
#[derive(Debug, Clone)]
pub struct NamespacesConfig {
    /// A folder of lambdalite's own for the sandbox (its staging mount
    /// point and probe live here).
    pub state_dir: PathBuf,
    /// vCPUs per 1,769 MB of memory (AWS: 1); 0 for no CPU limit.
    pub cpu_scale: f64,
    /// The network of environments whose function doesn't choose.
    pub network: NetworkMode,
}

/// Environments in Linux namespaces with cgroup limits.
pub struct Namespaces {
    shared: Arc<Shared>,
    /// Why environments in the default network mode reach only the host.
    forwarding: Option<String>,
}

struct Shared {
    staging: PathBuf,
    /// Where late-bound code folders are made.
    slots: PathBuf,
    probe_dir: PathBuf,
    host: HostLayout,
    cgroups: Box<dyn Hierarchy>,
    seccomp: Vec<BpfProgram>,
    cpu_scale: f64,
    network: NetworkMode,
    /// Network namespaces made ahead of need.
    nets: Arc<net::Pool>,
    host_cpus: usize,
    last_cap: u32,
    devnull: OwnedFd,
}

/// Network namespaces of each mode in use kept ready.
const NETNS_STOCK: usize = 4;

/// Numbers environments within this process (names of cgroups).
static ENV_SEQ: AtomicU64 = AtomicU64::new(0);

impl Namespaces {
    /// Checks what it can without starting anything: root, cgroups, the
    /// seccomp programs. [`Namespaces::probe`] then starts a real one.
    pub fn new(config: NamespacesConfig) -> Result<Namespaces, SandboxError> {
        if !cfg!(target_os = "linux") {
            return Err(SandboxError::Unsupported("namespaces need Linux".into()));
        }
        // SAFETY: geteuid(2) has no failure mode.
        if unsafe { libc::geteuid() } != 0 {
            return Err(SandboxError::Unsupported(
                "lambdalite is not running as root, so it can't make namespaces and cgroups".into(),
            ));
        }
        let cgroups = cgroup::detect_host()
            .map_err(|e| SandboxError::Unsupported(format!("no usable cgroup hierarchy: {e}")))?;
        let seccomp = seccomp::programs()
            .map_err(|e| SandboxError::Unsupported(format!("compiling the seccomp filter: {e}")))?;
        let forwarding = match config.network {
            NetworkMode::Default => net::enable_forwarding().err(),
            NetworkMode::None | NetworkMode::Host => None,
        };
        let staging = config.state_dir.join("root");
        let probe_dir = config.state_dir.join("probe");
        for dir in [&staging, &probe_dir] {
            std::fs::create_dir_all(dir)
                .map_err(|e| SandboxError::io(format!("creating {}", dir.display()), e))?;
        }
        // Mount targets and sources must not depend on the working folder.
        let absolute = |p: &Path| {
            p.canonicalize()
                .map_err(|e| SandboxError::io(format!("resolving {}", p.display()), e))
        };
        let (staging, probe_dir) = (absolute(&staging)?, absolute(&probe_dir)?);
        let last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(40);
        let devnull = std::fs::File::open("/dev/null")
            .map_err(|e| SandboxError::io("opening /dev/null", e))?
            .into();
        let slots = config.state_dir.join("slots");
        // Left over by a lambdalite that died: unmounted, then removed.
        if let Ok(entries) = std::fs::read_dir(&slots) {
            for e in entries.flatten() {
                drop(Slot { dir: e.path() });
            }
        }
        std::fs::create_dir_all(&slots)
            .map_err(|e| SandboxError::io(format!("creating {}", slots.display()), e))?;
        let slots = absolute(&slots)?;
        Ok(Namespaces {
            shared: Arc::new(Shared {
                staging,
                slots,
                probe_dir,
                host: HostLayout::scan(Path::new("/")),
                cgroups,
                seccomp,
                cpu_scale: config.cpu_scale,
                network: config.network,
                nets: net::Pool::start(NETNS_STOCK),
                host_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
                last_cap,
                devnull,
            }),
            forwarding,
        })
    }

    /// Why environments in the default network mode reach the host but not
    /// beyond it, if they do.
    pub fn network_warning(&self) -> Option<&str> {
        self.forwarding.as_deref()
    }

    /// The cgroup version in use, for logs.
    pub fn cgroup_version(&self) -> &'static str {
        self.shared.cgroups.version()
    }

    /// Starts `/bin/sh -c 'exit 0'` in a full environment, with the default
    /// network, and checks it ran.
    pub async fn probe(&self) -> Result<(), SandboxError> {
        let mut prepared = self.prepare(self.shared.network)?;
        let _listener = prepared
            .runtime_api_listener()
            .map_err(|e| SandboxError::io("binding the probe's listener", e))?;
        let spec = LaunchSpec {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), "exit 0".into()],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            code: self.shared.probe_dir.clone(),
            runtime: None,
            layers: Vec::new(),
            memory_mb: 128,
            ephemeral_storage_mb: 1,
            ..LaunchSpec::default()
        };
        let (_reader, writer) = io::pipe().map_err(|e| SandboxError::io("creating a pipe", e))?;
        let mut process = prepared.spawn(&spec, writer)?;
        process.started().await?;
        let status = process
            .wait()
            .await
            .map_err(|e| SandboxError::io("waiting for the probe", e))?;
        if !status.success() {
            return Err(SandboxError::Unsupported(format!(
                "a probe environment ended with {status}"
            )));
        }
        Ok(())
    }
}

impl Sandbox for Namespaces {
    fn name(&self) -> &'static str {
        "namespaces"
    }

    fn view(&self, _code: &Path, runtime: Option<&Path>, _layers: Option<&Path>) -> View {
        View {
            task_root: PathBuf::from("/var/task"),
            runtime_dir: runtime.map(|_| PathBuf::from("/var/runtime")),
            opt: PathBuf::from("/opt"),
        }
    }

    fn binds_code_late(&self) -> bool {
        true
    }

    fn default_network(&self) -> NetworkMode {
        self.shared.network
    }

    fn prepare(&self, network: NetworkMode) -> Result<Box<dyn Prepared>, SandboxError> {
        let made = self.shared.nets.take(network);
        let (net, veth) =
            made.map_err(|e| SandboxError::io("making the environment's network namespace", e))?;
        Ok(Box::new(NsPrepared {
            shared: self.shared.clone(),
            net,
            veth,
            network,
        }))
    }
}

struct NsPrepared {
    shared: Arc<Shared>,
    net: NetNs,
    /// The link to the host in the default network mode.
    veth: Option<Veth>,
    network: NetworkMode,
}

impl Prepared for NsPrepared {
    fn runtime_api_listener(&mut self) -> io::Result<std::net::TcpListener> {
        self.net
            .listener
            .take()
            .ok_or_else(|| io::Error::other("the Runtime API listener was already taken"))
    }

    fn spawn(
        self: Box<Self>,
        spec: &LaunchSpec,
        output: io::PipeWriter,
    ) -> Result<Process, SandboxError> {
        let NsPrepared {
            shared,
            net,
            veth,
            network,
        } = *self;
        let n = ENV_SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}-{n}", std::process::id());
        let limits = Limits::for_memory(spec.memory_mb, shared.cpu_scale, shared.host_cpus);
        let cgroup = shared
            .cgroups
            .create(&name, &limits)
            .map_err(|e| SandboxError::io("making the environment's cgroup", e))?;
        let oom_kills_at_start = cgroup.oom_kills();

        // AWS-like: the hostname is the environment's address.
        let hostname = match &veth {
            Some(v) => v.slot.env().to_string(),
            None => format!("169.254.{}.{}", (n / 254) % 256, n % 254 + 1),
        };
        // The host by name, wherever the host is reached.
        let hosts = match network {
            NetworkMode::Default | NetworkMode::Host => {
                vec![(net::HOST_API_ADDR.to_string(), net::HOST_NAME.to_string())]
            }
            NetworkMode::None => Vec::new(),
        };
        let root = RootSpec {
            staging: shared.staging.clone(),
            host_root: PathBuf::from("/"),
            code: if spec.late_code {
                PathBuf::new()
            } else {
                absolute(&spec.code)?
            },
            runtime: spec.runtime.as_deref().map(absolute).transpose()?,
            layers: spec
                .layers
                .iter()
                .map(|l| absolute(l))
                .collect::<Result<_, _>>()?,
            tmp_mb: spec.ephemeral_storage_mb,
            hostname,
            hosts,
            uid: SANDBOX_UID,
            gid: SANDBOX_GID,
            user: SANDBOX_USER.into(),
            late: None,
            binds: spec.binds.clone(),
        };
        let slot = if spec.late_code {
            Some(
                Slot::new(shared.slots.join(&name))
                    .map_err(|e| SandboxError::io("making the late code folder", e))?,
            )
        } else {
            None
        };
        let root = RootSpec {
            late: slot.as_ref().map(|s| s.dir.clone()),
            ..root
        };
        let steps = mounts::plan(&shared.host, &root);

        let program = cstring(spec.program.as_os_str())?;
        let mut argv_owned = vec![program.clone()];
        for a in &spec.args {
            argv_owned.push(cstring(a)?);
        }
        let env_owned: Vec<CString> = spec
            .env
            .iter()
            .map(|(k, v)| cstring(OsStr::new(&format!("{k}={v}"))))
            .collect::<Result<_, _>>()?;
        let argv = null_terminated(&argv_owned);
        let envp = null_terminated(&env_owned);
        let cgroup_fds: Vec<RawFd> = cgroup.procs().iter().map(|f| f.as_raw_fd()).collect();

        let (report_r, report_w) =
            pipe().map_err(|e| SandboxError::io("creating the setup report pipe", e))?;
        let ctx = ChildCtx {
            cgroup_fds: &cgroup_fds,
            netns: net.ns.as_raw_fd(),
            stdin: spec
                .stdin
                .as_ref()
                .map_or(shared.devnull.as_raw_fd(), |f| f.as_raw_fd()),
            output: output.as_raw_fd(),
            report: report_w.as_raw_fd(),
            steps: &steps,
            workdir: c"/var/task",
            uid: SANDBOX_UID,
            gid: SANDBOX_GID,
            last_cap: shared.last_cap,
            seccomp: &shared.seccomp,
            program: &program,
            argv: &argv,
            envp: &envp,
        };

        let (pid, pidfd) = clone_child(&ctx)?;
        drop(report_w);
        drop(output);
        // SAFETY: the OwnedFd moves into the AsyncFd, which keeps it open
        // and unchanged for its whole life.
        let pidfd =
            unsafe { AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE) }
                .map_err(|e| SandboxError::io("watching the environment's process", e.into()))?;
        let report = tokio::net::unix::pipe::Receiver::from_owned_fd_unchecked(report_r)
            .map_err(|e| SandboxError::io("reading the setup report pipe", e))?;
        let describe = move |stage: u32| describe_stage(stage, &steps);
        Ok(Process::isolated(Isolated {
            pid,
            pidfd,
            report: Some(report),
            describe: Box::new(describe),
            program: spec.program.display().to_string(),
            cgroup: Some(cgroup),
            resources: match veth {
                Some(v) => vec![Box::new(net.ns), Box::new(v)],
                None => vec![Box::new(net.ns)],
            },
            oom_kills_at_start,
            slot,
            last_peak: None,
            last_oom: false,
        }))
    }
}

/// A host folder whose `task` and `opt` an environment sees as its
/// `/var/task` and `/opt`: a shared mount, so what the host mounts there
/// later appears inside.
pub(crate) struct Slot {
    dir: PathBuf,
}

impl Slot {
    fn new(dir: PathBuf) -> io::Result<Slot> {
        std::fs::create_dir_all(dir.join("task"))?;
        std::fs::create_dir_all(dir.join("opt"))?;
        let c = cpath(&dir)?;
        // SAFETY: mount(2) with valid C strings; a bind of the folder onto
        // itself, then made shared.
        unsafe {
            if libc::mount(
                c.as_ptr(),
                c.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND,
                std::ptr::null(),
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            let slot = Slot { dir };
            if libc::mount(
                std::ptr::null(),
                c.as_ptr(),
                std::ptr::null(),
                libc::MS_SHARED,
                std::ptr::null(),
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(slot)
        }
    }

    /// Mounts `code` at `task` and `opt` at `opt`, read-only from the
    /// first moment (a detached copy made read-only, then attached).
    pub(crate) fn bind(&self, code: &Path, opt: Option<&Path>) -> io::Result<()> {
        attach_read_only(code, &self.dir.join("task"))?;
        if let Some(opt) = opt {
            attach_read_only(opt, &self.dir.join("opt"))?;
        }
        Ok(())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        for p in [
            self.dir.join("task"),
            self.dir.join("opt"),
            self.dir.clone(),
        ] {
            if let Ok(c) = cpath(&p) {
                // SAFETY: umount2(2) with a valid C string.
                unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cpath(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other)
}

/// `struct mount_attr` of mount_setattr(2).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

fn attach_read_only(source: &Path, target: &Path) -> io::Result<()> {
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    const MOUNT_ATTR_RDONLY: u64 = 0x1;
    const MOUNT_ATTR_NOSUID: u64 = 0x2;
    const MOUNT_ATTR_NODEV: u64 = 0x4;
    const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;
    let (source, target) = (cpath(source)?, cpath(target)?);
    // SAFETY: open_tree(2), mount_setattr(2) and move_mount(2) with valid
    // C strings and a properly sized attribute struct; the tree's fd is
    // owned (and closed) here.
    unsafe {
        let fd = libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            source.as_ptr(),
            OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint,
        );
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = OwnedFd::from_raw_fd(fd as RawFd);
        let attr = MountAttr {
            attr_set: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
            attr_clr: 0,
            propagation: 0,
            userns_fd: 0,
        };
        if libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        if libc::syscall(
            libc::SYS_move_mount,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn absolute(p: &Path) -> Result<PathBuf, SandboxError> {
    std::path::absolute(p).map_err(|e| SandboxError::io(format!("resolving {}", p.display()), e))
}

fn describe_stage(stage: u32, steps: &[Step]) -> String {
    match stage {
        STAGE_SIGNALS => "resetting signals".into(),
        STAGE_CGROUP => "joining the cgroup".into(),
        STAGE_NETNS => "joining the network namespace".into(),
        STAGE_SESSION => "starting a session".into(),
        STAGE_STDIO => "redirecting stdio".into(),
        STAGE_RLIMIT => "setting rlimits".into(),
        STAGE_CAPS => "dropping capabilities".into(),
        STAGE_IDS => "switching to the sandbox user".into(),
        STAGE_WORKDIR => "entering /var/task".into(),
        STAGE_NO_NEW_PRIVS => "setting no_new_privs".into(),
        STAGE_SECCOMP => "installing the seccomp filter".into(),
        STAGE_EXEC => "exec".into(),
        s if s >= STAGE_MOUNT => steps.get((s - STAGE_MOUNT) as usize).map_or_else(
            || format!("mount step {}", s - STAGE_MOUNT),
            |st| st.to_string(),
        ),
        s => format!("stage {s}"),
    }
}

fn cstring(s: &OsStr) -> Result<CString, SandboxError> {
    CString::new(s.as_bytes()).map_err(|_| {
        SandboxError::io(
            format!("{s:?}"),
            io::Error::new(io::ErrorKind::InvalidInput, "contains a NUL byte"),
        )
    })
}

fn null_terminated(v: &[CString]) -> Vec<*const libc::c_char> {
    v.iter()
        .map(|c| c.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2(2) fills the two-element array; the fds are owned.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])))
    }
}

/// What the child reads; all of it made before the clone.
struct ChildCtx<'a> {
    cgroup_fds: &'a [RawFd],
    netns: RawFd,
    stdin: RawFd,
    output: RawFd,
    report: RawFd,
    steps: &'a [Step],
    workdir: &'a std::ffi::CStr,
    uid: u32,
    gid: u32,
    last_cap: u32,
    seccomp: &'a [BpfProgram],
    program: &'a CString,
    argv: &'a [*const libc::c_char],
    envp: &'a [*const libc::c_char],
}

/// Clones the child into its new namespaces; returns its pid and pidfd.
fn clone_child(ctx: &ChildCtx) -> Result<(i32, OwnedFd), SandboxError> {
    let flags = libc::CLONE_NEWNS
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWUTS
        | libc::CLONE_PIDFD
        | libc::SIGCHLD;
    let mut pidfd: libc::c_int = -1;
    // SAFETY: signals are blocked around the clone so no handler of the
    // parent runs in the child before it resets them; the mask is restored
    // in the parent. The raw clone(2) without a new stack behaves as
    // fork(2): the child runs on a copy of this stack and only calls
    // `child_main`, which never returns.
    let pid = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let pid = libc::syscall(
            libc::SYS_clone,
            flags as libc::c_ulong,
            0usize,
            &mut pidfd as *mut libc::c_int,
            0usize,
            0usize,
        );
        if pid == 0 {
            child_main(ctx);
        }
        let err = io::Error::last_os_error();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        if pid < 0 {
            return Err(SandboxError::io("clone", err));
        }
        pid as i32
    };
    // SAFETY: CLONE_PIDFD stored a new descriptor we now own.
    Ok((pid, unsafe { OwnedFd::from_raw_fd(pidfd) }))
}

/// Reports a failed stage to the parent and exits.
fn fail(ctx: &ChildCtx, stage: u32, errno: i32) -> ! {
    let mut buf = [0u8; 8];
    buf[..4].copy_from_slice(&stage.to_ne_bytes());
    buf[4..].copy_from_slice(&errno.to_ne_bytes());
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(ctx.report, buf.as_ptr().cast(), buf.len());
        libc::_exit(127)
    }
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// The child, between clone and exec: system calls only.
fn child_main(ctx: &ChildCtx) -> ! {
    // SAFETY: every call below is a raw system call (or a libc wrapper of
    // one) on memory prepared before the clone; none allocates or locks.
    unsafe {
        // Default dispositions (Rust ignores SIGPIPE) and an empty mask.
        for sig in 1..=64 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        if libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut()) != 0 {
            fail(ctx, STAGE_SIGNALS, errno());
        }
        // Dies with lambdalite (set again after the uid change clears it).
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);

        for fd in ctx.cgroup_fds {
            if libc::write(*fd, b"0".as_ptr().cast(), 1) != 1 {
                fail(ctx, STAGE_CGROUP, errno());
            }
        }
        // Its own cgroup namespace: /proc/self/cgroup shows "/".
        libc::unshare(libc::CLONE_NEWCGROUP);
        if libc::setns(ctx.netns, libc::CLONE_NEWNET) != 0 {
            fail(ctx, STAGE_NETNS, errno());
        }
        if libc::setsid() < 0 {
            fail(ctx, STAGE_SESSION, errno());
        }

        libc::umask(0);
        if let Err((i, e)) = mounts::run(&Libc, ctx.steps) {
            fail(ctx, STAGE_MOUNT + i as u32, e);
        }
        libc::umask(0o022);

        if libc::dup2(ctx.stdin, 0) < 0
            || libc::dup2(ctx.output, 1) < 0
            || libc::dup2(ctx.output, 2) < 0
        {
            fail(ctx, STAGE_STDIO, errno());
        }
        for (resource, value) in [(libc::RLIMIT_NOFILE, NOFILE), (libc::RLIMIT_CORE, 0)] {
            let lim = libc::rlimit {
                rlim_cur: value,
                rlim_max: value,
            };
            if libc::setrlimit(resource, &lim) != 0 {
                fail(ctx, STAGE_RLIMIT, errno());
            }
        }
        if libc::chdir(ctx.workdir.as_ptr()) != 0 {
            fail(ctx, STAGE_WORKDIR, errno());
        }

        // No capability can come back: empty the bounding set, then leave
        // root (which clears the permitted, effective and ambient sets).
        for cap in 0..=ctx.last_cap {
            if libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) != 0
                && errno() != libc::EINVAL
            {
                fail(ctx, STAGE_CAPS, errno());
            }
        }
        // Raw system calls: the C library's wrappers would first try to
        // change the credentials of every thread it believes the process
        // has (the parent's), and wait for them forever.
        let gid = ctx.gid as libc::gid_t;
        if libc::syscall(libc::SYS_setgroups, 1, &gid as *const libc::gid_t) != 0
            || libc::syscall(libc::SYS_setresgid, gid, gid, gid) != 0
            || libc::syscall(libc::SYS_setresuid, ctx.uid, ctx.uid, ctx.uid) != 0
        {
            fail(ctx, STAGE_IDS, errno());
        }
        let header = CapHeader {
            version: 0x2008_0522,
            pid: 0,
        };
        let data = [CapData {
            effective: 0,
            permitted: 0,
            inheritable: 0,
        }; 2];
        if libc::syscall(libc::SYS_capset, &header as *const CapHeader, data.as_ptr()) != 0 {
            fail(ctx, STAGE_CAPS, errno());
        }
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);

        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            fail(ctx, STAGE_NO_NEW_PRIVS, errno());
        }
        for program in ctx.seccomp {
            if let Err(e) = seccomp::install(program) {
                fail(ctx, STAGE_SECCOMP, e);
            }
        }
        // Nothing of lambdalite's crosses the exec but stdio.
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
        libc::execve(ctx.program.as_ptr(), ctx.argv.as_ptr(), ctx.envp.as_ptr());
        fail(ctx, STAGE_EXEC, errno())
    }
}

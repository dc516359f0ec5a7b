//! Per-environment cgroups: memory = MemorySize without swap, CPU in
//! proportion to memory, a pids limit; the peak memory and OOM kills read
//! back. v1 (a hierarchy per controller) and v2 (one hierarchy), chosen by
//! what the host mounts.
//!
//! Everything goes through files under a cgroupfs root, so tests run on fake
//! trees in temporary folders. Environments' cgroups live in a `lambdalite`
//! folder under lambdalite's own cgroup when the kernel lets it create one
//! there, else under the root of the hierarchy.

mod v1;
mod v2;

use std::fs;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use v1::V1;
pub use v2::V2;

/// AWS gives one vCPU per 1,769 MB.
pub const MB_PER_VCPU: f64 = 1769.0;
/// The CPU accounting period (µs).
pub const CPU_PERIOD_US: u64 = 100_000;
/// AWS's limit of processes and threads per environment.
pub const PIDS_MAX: u32 = 1024;

/// The limits of one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub memory_bytes: u64,
    /// CPU time per [`CPU_PERIOD_US`], or none for no CPU limit.
    pub cpu_quota_us: Option<u64>,
    pub pids: u32,
}

impl Limits {
    /// AWS's limits for a memory size: `cpu_scale` vCPUs per 1,769 MB
    /// (1.0 is AWS; 0 turns the CPU limit off), never above the host's CPUs.
    pub fn for_memory(memory_mb: u32, cpu_scale: f64, host_cpus: usize) -> Limits {
        let cpu_quota_us = (cpu_scale > 0.0).then(|| {
            let vcpus = (f64::from(memory_mb) / MB_PER_VCPU * cpu_scale).min(host_cpus as f64);
            // The kernel's floor is 1 ms per period.
            ((vcpus * CPU_PERIOD_US as f64).round() as u64).max(1000)
        });
        Limits {
            memory_bytes: u64::from(memory_mb) * 1024 * 1024,
            cpu_quota_us,
            pids: PIDS_MAX,
        }
    }
}

/// A cgroup hierarchy lambdalite can make environments' cgroups in.
pub trait Hierarchy: Send + Sync + std::fmt::Debug {
    /// "v1" or "v2", for logs.
    fn version(&self) -> &'static str;
    /// Makes an environment's cgroup with its limits.
    fn create(&self, name: &str, limits: &Limits) -> io::Result<EnvCgroup>;
    /// Where environments' cgroups are made (one folder per controller).
    fn bases(&self) -> Vec<PathBuf>;
}

/// Which kind of counters an environment's cgroup has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    V1,
    V2,
}

/// One environment's cgroup (one folder per v1 controller, one on v2).
#[derive(Debug)]
pub struct EnvCgroup {
    kind: Kind,
    /// Every folder made, the memory one first.
    dirs: Vec<PathBuf>,
    /// `cgroup.procs` of each folder, opened for the child to write itself
    /// into before it execs.
    procs: Vec<OwnedFd>,
}

impl EnvCgroup {
    /// The open `cgroup.procs` files to join.
    pub fn procs(&self) -> &[OwnedFd] {
        &self.procs
    }

    fn memory_dir(&self) -> &Path {
        &self.dirs[0]
    }

    /// The highest memory use so far, in bytes.
    pub fn peak_bytes(&self) -> Option<u64> {
        let dir = self.memory_dir();
        let read = |f: &str| fs::read_to_string(dir.join(f)).ok()?.trim().parse().ok();
        match self.kind {
            Kind::V1 => read("memory.max_usage_in_bytes"),
            Kind::V2 => read("memory.peak").or_else(|| read("memory.current")),
        }
    }

    /// How many processes the OOM killer has killed in this cgroup.
    pub fn oom_kills(&self) -> u64 {
        let file = match self.kind {
            Kind::V1 => "memory.oom_control",
            Kind::V2 => "memory.events",
        };
        fs::read_to_string(self.memory_dir().join(file))
            .ok()
            .and_then(|text| keyed(&text, "oom_kill"))
            .unwrap_or(0)
    }

    /// Removes the folders it can now; true once all are gone. A folder is
    /// busy for a moment after its last process exited.
    pub fn try_remove(&mut self) -> bool {
        self.procs.clear();
        self.dirs.retain(|dir| match fs::remove_dir(dir) {
            Ok(()) => false,
            Err(e) => e.kind() != io::ErrorKind::NotFound,
        });
        self.dirs.is_empty()
    }

    /// Removes the folders (once every process of the environment is
    /// gone), retrying busy ones for a while. Blocks.
    pub fn remove(&mut self) -> io::Result<()> {
        for _ in 0..100 {
            if self.try_remove() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let left: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
        Err(io::Error::other(format!(
            "cgroups still busy: {}",
            left.join(", ")
        )))
    }
}

/// The value of `key` in a `key value` per line file.
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next()? == key).then(|| parts.next()?.parse().ok())?
    })
}

fn write(dir: &Path, file: &str, value: &str) -> io::Result<()> {
    fs::write(dir.join(file), value).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("writing {value:?} to {}/{file}: {e}", dir.display()),
        )
    })
}

fn open_procs(dir: &Path) -> io::Result<OwnedFd> {
    let f = fs::OpenOptions::new()
        .write(true)
        .open(dir.join("cgroup.procs"))
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("opening {}/cgroup.procs: {e}", dir.display()),
            )
        })?;
    Ok(f.into())
}

fn mkdir(dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(io::Error::new(
            e.kind(),
            format!("creating {}: {e}", dir.display()),
        )),
        _ => Ok(()),
    }
}

/// A cgroupfs mount from `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub point: PathBuf,
    /// The cgroup path mounted there (`/` normally).
    pub root: String,
    /// `cgroup2` or `cgroup`.
    pub fstype: String,
    /// v1 controllers of the mount.
    pub controllers: Vec<String>,
}

/// The cgroup mounts listed in a mountinfo text.
pub fn mounts(mountinfo: &str) -> Vec<Mount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let fstype = *right.first()?;
            if fstype != "cgroup" && fstype != "cgroup2" {
                return None;
            }
            let controllers = if fstype == "cgroup" {
                right
                    .get(2)?
                    .split(',')
                    .filter(|o| {
                        !matches!(*o, "rw" | "ro" | "nosuid" | "nodev" | "noexec" | "relatime")
                            && !o.contains('=')
                    })
                    .map(str::to_string)
                    .collect()
            } else {
                Vec::new()
            };
            Some(Mount {
                point: PathBuf::from(unescape(left.get(4)?)),
                root: unescape(left.get(3)?),
                fstype: fstype.to_string(),
                controllers,
            })
        })
        .collect()
}

/// mountinfo escapes spaces and the like as `\040`.
fn unescape(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// lambdalite's own cgroup path for a v1 controller (or `""` for v2), from
/// `/proc/self/cgroup`.
pub fn own_path(self_cgroup: &str, controller: &str) -> Option<String> {
    self_cgroup.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let _id = parts.next()?;
        let ctrls = parts.next()?;
        let path = parts.next()?;
        let matches = if controller.is_empty() {
            ctrls.is_empty()
        } else {
            ctrls.split(',').any(|c| c == controller)
        };
        matches.then(|| path.to_string())
    })
}

/// The folder of cgroup `path` under a mount whose root is `mount_root`.
fn dir_of(mount: &Mount, path: &str) -> PathBuf {
    let rel = path
        .strip_prefix(mount.root.trim_end_matches('/'))
        .unwrap_or(path)
        .trim_start_matches('/');
    mount.point.join(rel)
}

/// Finds the host's cgroup hierarchy: v1 where a v1 memory controller is
/// mounted, else v2 where the unified hierarchy offers memory, cpu and pids.
pub fn detect(mountinfo: &str, self_cgroup: &str) -> io::Result<Box<dyn Hierarchy>> {
    let all = mounts(mountinfo);
    if all
        .iter()
        .any(|m| m.fstype == "cgroup" && m.controllers.iter().any(|c| c == "memory"))
    {
        return Ok(Box::new(V1::new(&all, self_cgroup)?));
    }
    if let Some(m) = all.iter().find(|m| m.fstype == "cgroup2") {
        return Ok(Box::new(V2::new(m, self_cgroup)?));
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "no cgroup hierarchy with a memory controller is mounted",
    ))
}

/// The host's hierarchy, from this process's mountinfo and cgroup files.
pub fn detect_host() -> io::Result<Box<dyn Hierarchy>> {
    let mountinfo = fs::read_to_string("/proc/self/mountinfo")?;
    let own = fs::read_to_string("/proc/self/cgroup")?;
    detect(&mountinfo, &own)
}

/// Removes environments' cgroups left behind by lambdalite processes that
/// are gone (folders are named `<pid>-<n>`). Busy or foreign folders stay.
pub fn remove_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split_once('-'))
            .and_then(|(p, _)| p.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: kill(2) with signal 0 only checks that the pid exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive {
            let _ = fs::remove_dir(e.path());
        }
    }
}

#[cfg(test)]
pub(crate) mod fake {
    //! Fake cgroupfs trees, as the kernel lays them out.
    use super::*;

    pub const V1_MOUNTINFO: &str = "\
25 20 0:22 / ROOT/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory
26 20 0:23 / ROOT/cpu rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu
27 20 0:24 / ROOT/cpuacct rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpuacct
28 20 0:25 / ROOT/pids rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,pids
29 20 0:26 / ROOT/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw
30 20 0:27 / ROOT/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,name=systemd
";

    pub const V1_SELF: &str = "\
9:name=systemd:/
8:pids:/
4:memory:/process_api/abc
2:cpuacct:/
1:cpu:/
0::/
";

    pub const V2_MOUNTINFO: &str = "\
25 20 0:22 / ROOT rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
";

    pub fn with_root(text: &str, root: &Path) -> String {
        text.replace("ROOT", &root.display().to_string())
    }

    /// Makes the files a v1 memory/cpu/pids cgroup folder has.
    pub fn v1_files(dir: &Path, controller: &str) {
        fs::create_dir_all(dir).unwrap();
        let files: &[(&str, &str)] = match controller {
            "memory" => &[
                ("memory.limit_in_bytes", "9223372036854771712\n"),
                ("memory.memsw.limit_in_bytes", "9223372036854771712\n"),
                ("memory.max_usage_in_bytes", "0\n"),
                ("memory.swappiness", "60\n"),
                (
                    "memory.oom_control",
                    "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
                ),
            ],
            "cpu" => &[
                ("cpu.cfs_quota_us", "-1\n"),
                ("cpu.cfs_period_us", "100000\n"),
            ],
            "pids" => &[("pids.max", "max\n")],
            _ => &[],
        };
        fs::write(dir.join("cgroup.procs"), "").unwrap();
        for (f, v) in files {
            fs::write(dir.join(f), v).unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_aws() {
        let l = Limits::for_memory(1769, 1.0, 8);
        assert_eq!(l.memory_bytes, 1769 * 1024 * 1024);
        assert_eq!(l.cpu_quota_us, Some(100_000));
        assert_eq!(l.pids, 1024);
        // 128 MB: 7.2 % of a CPU.
        assert_eq!(Limits::for_memory(128, 1.0, 8).cpu_quota_us, Some(7236));
        // Scaled for local use, capped by the host.
        assert_eq!(Limits::for_memory(1769, 4.0, 2).cpu_quota_us, Some(200_000));
        assert_eq!(Limits::for_memory(128, 0.0, 2).cpu_quota_us, None);
        // Never below the kernel's 1 ms.
        assert_eq!(Limits::for_memory(128, 0.01, 2).cpu_quota_us, Some(1000));
    }

    #[test]
    fn mountinfo_is_parsed() {
        let m = mounts(&fake::with_root(
            fake::V1_MOUNTINFO,
            Path::new("/sys/fs/cgroup"),
        ));
        assert_eq!(m.len(), 6);
        assert_eq!(m[0].point, PathBuf::from("/sys/fs/cgroup/memory"));
        assert_eq!(m[0].controllers, vec!["memory"]);
        assert_eq!(m[4].fstype, "cgroup2");
        assert_eq!(m[5].controllers, Vec::<String>::new());
        let escaped = "1 2 0:3 / /a\\040b rw - cgroup2 cgroup2 rw";
        assert_eq!(mounts(escaped)[0].point, PathBuf::from("/a b"));
    }

    #[test]
    fn own_paths() {
        assert_eq!(
            own_path(fake::V1_SELF, "memory").as_deref(),
            Some("/process_api/abc")
        );
        assert_eq!(own_path(fake::V1_SELF, "cpu").as_deref(), Some("/"));
        assert_eq!(
            own_path("0::/user.slice/x.scope\n", "").as_deref(),
            Some("/user.slice/x.scope")
        );
        assert_eq!(
            own_path("4:cpu,cpuacct:/a\n", "cpuacct").as_deref(),
            Some("/a")
        );
    }

    #[test]
    fn keyed_values() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(keyed(text, "oom_kill"), Some(3));
        assert_eq!(
            keyed("low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n", "oom"),
            Some(1)
        );
    }

    #[test]
    fn stale_cgroups_of_dead_processes_are_removed() {
        let base = tempfile::tempdir().unwrap();
        let mine = format!("{}-1", std::process::id());
        fs::create_dir(base.path().join(&mine)).unwrap();
        // pid 2^22 + 1 is above the kernel's pid_max ceiling: never alive.
        fs::create_dir(base.path().join("4194305-7")).unwrap();
        fs::create_dir(base.path().join("other")).unwrap();
        remove_stale(base.path());
        assert!(base.path().join(&mine).exists());
        assert!(!base.path().join("4194305-7").exists());
        assert!(base.path().join("other").exists());
    }
}

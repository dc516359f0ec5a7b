//! The root an environment sees, as a plan of mount steps.
//!
//! [`plan`] turns the host's layout and one environment's folders into a
//! list of [`Step`]s; [`run`] performs them through a [`Kernel`] in the
//! child, before `execve`. The root is a small tmpfs holding:
//!
//! ```text
//! /usr /bin /sbin /lib* host system folders, read-only (symlinks stay symlinks)
//! /etc                  passwd, group, hosts, hostname and copies of a few host
//!                       files; ssl certificates and alternatives read-only
//! /var/task             the function's code, read-only (shared, never copied)
//! /var/runtime          lambdalite's runtime bootstrap, read-only
//! /opt                  the layers merged read-only (empty without layers)
//! /tmp                  a private tmpfs of EphemeralStorage MB
//! /proc                 the environment's own
//! /dev                  null zero full random urandom tty, fd links
//! ```
//!
//! and is made read-only once built.

use std::ffi::CString;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::kernel::{Errno, Kernel};

/// Host system folders mounted read-only at the same place.
const SYSTEM_DIRS: &[&str] = &["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];
/// Host `/etc` folders mounted read-only, where they exist.
const ETC_DIRS: &[&str] = &[
    "ssl",
    "pki",
    "ca-certificates",
    "alternatives",
    "crypto-policies",
];
/// Host `/etc` files copied into the environment's `/etc`, where they exist.
const ETC_FILES: &[&str] = &[
    "ld.so.cache",
    "resolv.conf",
    "nsswitch.conf",
    "host.conf",
    "gai.conf",
    "protocols",
    "services",
    "mime.types",
];

/// Character devices made in `/dev`: name, major, minor.
const DEVICES: &[(&str, u32, u32)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

/// What the host has where the environment's root borrows from it.
#[derive(Debug, Clone, Default)]
pub struct HostLayout {
    /// `(name, what it is)` for each of [`SYSTEM_DIRS`] the host has.
    pub system: Vec<(String, HostEntry)>,
    /// The [`ETC_DIRS`] the host has.
    pub etc_dirs: Vec<String>,
    /// The [`ETC_FILES`] the host has, with their path.
    pub etc_files: Vec<(String, PathBuf)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEntry {
    Dir,
    /// A symlink and its target, e.g. `/bin -> usr/bin`.
    Symlink(PathBuf),
}

impl HostLayout {
    /// Looks at a host root (`/` outside tests).
    pub fn scan(root: &Path) -> HostLayout {
        let mut layout = HostLayout::default();
        for name in SYSTEM_DIRS {
            let path = root.join(name);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                if let Ok(target) = std::fs::read_link(&path) {
                    layout
                        .system
                        .push((name.to_string(), HostEntry::Symlink(target)));
                }
            } else if meta.is_dir() {
                layout.system.push((name.to_string(), HostEntry::Dir));
            }
        }
        let etc = root.join("etc");
        for name in ETC_DIRS {
            if etc.join(name).is_dir() {
                layout.etc_dirs.push(name.to_string());
            }
        }
        for name in ETC_FILES {
            let path = etc.join(name);
            if path.is_file() {
                layout.etc_files.push((name.to_string(), path));
            }
        }
        layout
    }
}

/// One environment's folders and names.
#[derive(Debug, Clone)]
pub struct RootSpec {
    /// An empty host folder the root tmpfs is mounted on (in the child's
    /// own mount namespace) before `pivot_root`.
    pub staging: PathBuf,
    /// Host root the system folders come from (`/`).
    pub host_root: PathBuf,
    pub code: PathBuf,
    pub runtime: Option<PathBuf>,
    /// Layer folders, the later winning.
    pub layers: Vec<PathBuf>,
    pub tmp_mb: u32,
    pub hostname: String,
    /// Extra `/etc/hosts` lines.
    pub hosts: Vec<(String, String)>,
    pub uid: u32,
    pub gid: u32,
    pub user: String,
    /// A shared host folder whose `task` and `opt` become `/var/task` and
    /// `/opt`, receiving the mounts the host later makes there (code bound
    /// late); `code` and `layers` are then not mounted.
    pub late: Option<PathBuf>,
    /// Host folders shown read-only, each at the place given (an
    /// interpreter installed by a version manager at its own path, e.g.
    /// `/root/.pyenv/versions/3.12.1`). Places in or over the root's own
    /// folders (`/usr`, `/var`, `/tmp`, ...) are left out.
    pub binds: Vec<crate::Bind>,
}

/// The root's own top-level entries: a host path there would shadow them.
const ROOT_OWN: &[&str] = &["etc", "var", "opt", "tmp", "proc", "dev"];

/// One step of building the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Mount {
        source: Option<CString>,
        target: CString,
        fstype: Option<CString>,
        flags: libc::c_ulong,
        data: Option<CString>,
    },
    Mkdir {
        path: CString,
        mode: u32,
    },
    Symlink {
        target: CString,
        link: CString,
    },
    Mknod {
        path: CString,
        mode: u32,
        dev: u64,
    },
    WriteFile {
        path: CString,
        data: Vec<u8>,
        mode: u32,
    },
    PivotRoot {
        new_root: CString,
    },
    Hostname(CString),
}

const RO_BIND_FLAGS: libc::c_ulong =
    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV;

/// Readable names of mount flags, for logs and tests.
pub(crate) fn flag_names(flags: libc::c_ulong) -> String {
    let names = [
        (libc::MS_RDONLY, "ro"),
        (libc::MS_NOSUID, "nosuid"),
        (libc::MS_NODEV, "nodev"),
        (libc::MS_NOEXEC, "noexec"),
        (libc::MS_REMOUNT, "remount"),
        (libc::MS_BIND, "bind"),
        (libc::MS_REC, "rec"),
        (libc::MS_PRIVATE, "private"),
    ];
    let parts: Vec<&str> = names
        .iter()
        .filter(|(f, _)| flags & (*f) != 0)
        .map(|(_, n)| *n)
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join(",")
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |c: &Option<CString>| {
            c.as_ref()
                .map_or("-".to_string(), |c| c.to_string_lossy().into_owned())
        };
        match self {
            Step::Mount {
                source,
                target,
                fstype,
                flags,
                data,
            } => write!(
                f,
                "mount {} on {} ({} {}{})",
                s(source),
                target.to_string_lossy(),
                s(fstype),
                flag_names(*flags),
                data.as_ref()
                    .map_or(String::new(), |d| format!(" {}", d.to_string_lossy()))
            ),
            Step::Mkdir { path, .. } => write!(f, "mkdir {}", path.to_string_lossy()),
            Step::Symlink { target, link } => write!(
                f,
                "symlink {} -> {}",
                link.to_string_lossy(),
                target.to_string_lossy()
            ),
            Step::Mknod { path, .. } => write!(f, "mknod {}", path.to_string_lossy()),
            Step::WriteFile { path, .. } => write!(f, "write {}", path.to_string_lossy()),
            Step::PivotRoot { new_root } => write!(f, "pivot_root {}", new_root.to_string_lossy()),
            Step::Hostname(h) => write!(f, "sethostname {}", h.to_string_lossy()),
        }
    }
}

fn cpath(p: &Path) -> CString {
    // Paths come from the file system or from lambdalite and hold no NUL.
    CString::new(p.as_os_str().as_bytes()).unwrap_or_default()
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

struct Planner {
    steps: Vec<Step>,
    root: PathBuf,
}

impl Planner {
    fn at(&self, inside: &str) -> CString {
        cpath(&self.root.join(inside.trim_start_matches('/')))
    }

    fn mkdir(&mut self, inside: &str, mode: u32) {
        let path = self.at(inside);
        self.steps.push(Step::Mkdir { path, mode });
    }

    fn mount(
        &mut self,
        source: Option<&str>,
        inside: &str,
        fstype: &str,
        flags: libc::c_ulong,
        data: &str,
    ) {
        let target = self.at(inside);
        self.steps.push(Step::Mount {
            source: source.map(cstr),
            target,
            fstype: Some(cstr(fstype)),
            flags,
            data: (!data.is_empty()).then(|| cstr(data)),
        });
    }

    /// A read-only bind mount of a host path (two steps: bind, then
    /// remount read-only, as the kernel wants).
    fn bind_ro(&mut self, host: &Path, inside: &str) {
        let target = self.at(inside);
        self.steps.push(Step::Mount {
            source: Some(cpath(host)),
            target: target.clone(),
            fstype: None,
            flags: libc::MS_BIND,
            data: None,
        });
        self.steps.push(Step::Mount {
            source: None,
            target,
            fstype: None,
            flags: RO_BIND_FLAGS,
            data: None,
        });
    }

    fn write(&mut self, inside: &str, data: Vec<u8>, mode: u32) {
        let path = self.at(inside);
        self.steps.push(Step::WriteFile { path, data, mode });
    }

    fn symlink(&mut self, target: &str, inside: &str) {
        let link = self.at(inside);
        self.steps.push(Step::Symlink {
            target: cstr(target),
            link,
        });
    }
}

/// The steps that build an environment's root and enter it.
pub fn plan(host: &HostLayout, spec: &RootSpec) -> Vec<Step> {
    let nosuid_nodev = libc::MS_NOSUID | libc::MS_NODEV;
    let mut p = Planner {
        steps: Vec::new(),
        root: spec.staging.clone(),
    };
    // Nothing mounted here propagates back to the host. With code bound
    // late, mounts propagate the other way: the host's mounts in the late
    // folder reach the environment (slave), and nothing comes back.
    let propagation = if spec.late.is_some() {
        libc::MS_SLAVE
    } else {
        libc::MS_PRIVATE
    };
    p.steps.push(Step::Mount {
        source: None,
        target: cstr("/"),
        fstype: None,
        flags: (libc::MS_REC | propagation),
        data: None,
    });
    p.steps.push(Step::Mount {
        source: Some(cstr("tmpfs")),
        target: cpath(&spec.staging),
        fstype: Some(cstr("tmpfs")),
        flags: nosuid_nodev | libc::MS_NOEXEC,
        data: Some(cstr("mode=755,size=4m,nr_inodes=4096")),
    });

    for (name, entry) in &host.system {
        match entry {
            HostEntry::Dir => {
                p.mkdir(name, 0o755);
                p.bind_ro(&spec.host_root.join(name), name);
            }
            HostEntry::Symlink(target) => {
                p.symlink(&target.to_string_lossy(), name);
            }
        }
    }

    p.mkdir("etc", 0o755);
    for name in &host.etc_dirs {
        let inside = format!("etc/{name}");
        p.mkdir(&inside, 0o755);
        p.bind_ro(&spec.host_root.join("etc").join(name), &inside);
    }
    for (name, path) in &host.etc_files {
        // A file that vanished since the scan is left out.
        if let Ok(data) = std::fs::read(path) {
            p.write(&format!("etc/{name}"), data, 0o644);
        }
    }
    p.write(
        "etc/passwd",
        format!(
            "root:x:0:0:root:/root:/sbin/nologin\n{user}:x:{uid}:{gid}::/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n",
            user = spec.user,
            uid = spec.uid,
            gid = spec.gid
        )
        .into_bytes(),
        0o644,
    );
    p.write(
        "etc/group",
        format!(
            "root:x:0:\n{user}:x:{gid}:\nnobody:x:65534:\n",
            user = spec.user,
            gid = spec.gid
        )
        .into_bytes(),
        0o644,
    );
    let mut hosts = format!(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{}\n",
        spec.hostname
    );
    for (addr, name) in &spec.hosts {
        hosts.push_str(&format!("{addr}\t{name}\n"));
    }
    p.write("etc/hosts", hosts.into_bytes(), 0o644);
    p.write(
        "etc/hostname",
        format!("{}\n", spec.hostname).into_bytes(),
        0o644,
    );

    p.mkdir("var", 0o755);
    p.mkdir("var/task", 0o755);
    match &spec.late {
        Some(late) => p.bind_ro(&late.join("task"), "var/task"),
        None => p.bind_ro(&spec.code, "var/task"),
    }
    if let Some(runtime) = &spec.runtime {
        p.mkdir("var/runtime", 0o755);
        p.bind_ro(runtime, "var/runtime");
    }

    p.mkdir("opt", 0o755);
    let layers = match &spec.late {
        Some(late) => vec![late.join("opt")],
        None => spec.layers.clone(),
    };
    match layers.as_slice() {
        [] => {}
        [one] => p.bind_ro(one, "opt"),
        many => {
            // overlayfs lists the top layer first; the last layer wins.
            let lower: Vec<String> = many
                .iter()
                .rev()
                .map(|l| escape_overlay_path(&l.to_string_lossy()))
                .collect();
            p.mount(
                Some("overlay"),
                "opt",
                "overlay",
                libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
                &format!("lowerdir={}", lower.join(":")),
            );
        }
    }

    let mut made: Vec<PathBuf> = Vec::new();
    for bind in &spec.binds {
        let Ok(inside) = bind.inside.strip_prefix("/") else {
            continue;
        };
        let Some(std::path::Component::Normal(top)) = inside.components().next() else {
            continue;
        };
        let top = top.to_string_lossy();
        let shadowed = ROOT_OWN.contains(&top.as_ref())
            || host
                .system
                .iter()
                .any(|(name, _)| name.as_str() == top.as_ref());
        let plain = inside
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if shadowed || !plain {
            continue;
        }
        let mut at = PathBuf::new();
        for c in inside.components() {
            at.push(c);
            if !made.contains(&at) {
                p.mkdir(&at.to_string_lossy(), 0o755);
                made.push(at.clone());
            }
        }
        p.bind_ro(&bind.host, &inside.to_string_lossy());
    }

    p.mkdir("tmp", 0o1777);
    p.mount(
        Some("tmpfs"),
        "tmp",
        "tmpfs",
        nosuid_nodev,
        &format!("mode=1777,size={}m", spec.tmp_mb.max(1)),
    );

    p.mkdir("proc", 0o555);
    p.mount(
        Some("proc"),
        "proc",
        "proc",
        nosuid_nodev | libc::MS_NOEXEC,
        "",
    );

    p.mkdir("dev", 0o755);
    p.mount(
        Some("tmpfs"),
        "dev",
        "tmpfs",
        libc::MS_NOSUID | libc::MS_NOEXEC,
        "mode=755,size=64k,nr_inodes=64",
    );
    for (name, major, minor) in DEVICES {
        let path = p.at(&format!("dev/{name}"));
        p.steps.push(Step::Mknod {
            path,
            mode: libc::S_IFCHR | 0o666,
            dev: libc::makedev(*major, *minor),
        });
    }
    p.symlink("/proc/self/fd", "dev/fd");
    p.symlink("/proc/self/fd/0", "dev/stdin");
    p.symlink("/proc/self/fd/1", "dev/stdout");
    p.symlink("/proc/self/fd/2", "dev/stderr");

    p.steps.push(Step::PivotRoot {
        new_root: cpath(&spec.staging),
    });
    // Built: the root itself becomes read-only.
    p.steps.push(Step::Mount {
        source: None,
        target: cstr("/"),
        fstype: None,
        flags: RO_BIND_FLAGS | libc::MS_NOEXEC,
        data: None,
    });
    p.steps.push(Step::Hostname(cstr(&spec.hostname)));
    p.steps
}

/// overlayfs separates lower folders with `:` and options with `,`.
fn escape_overlay_path(path: &str) -> String {
    path.replace('\\', "\\\\")
        .replace(':', "\\:")
        .replace(',', "\\,")
}

/// Performs the steps. On failure, the index of the failed step and its
/// errno. Allocates nothing.
pub(crate) fn run<K: Kernel>(kernel: &K, steps: &[Step]) -> Result<(), (usize, Errno)> {
    for (i, step) in steps.iter().enumerate() {
        let r = match step {
            Step::Mount {
                source,
                target,
                fstype,
                flags,
                data,
            } => kernel.mount(
                source.as_deref(),
                target,
                fstype.as_deref(),
                *flags,
                data.as_deref(),
            ),
            Step::Mkdir { path, mode } => kernel.mkdir(path, *mode),
            Step::Symlink { target, link } => kernel.symlink(target, link),
            Step::Mknod { path, mode, dev } => kernel.mknod(path, *mode, *dev),
            Step::WriteFile { path, data, mode } => kernel.write_file(path, data, *mode),
            Step::PivotRoot { new_root } => kernel.pivot_root(new_root),
            Step::Hostname(name) => kernel.sethostname(name),
        };
        r.map_err(|e| (i, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Recorder;

    fn spec(staging: &Path) -> RootSpec {
        RootSpec {
            late: None,
            binds: Vec::new(),
            staging: staging.to_path_buf(),
            host_root: PathBuf::from("/host"),
            code: PathBuf::from("/data/code/abc"),
            runtime: Some(PathBuf::from("/data/runtimes/python")),
            layers: vec![],
            tmp_mb: 512,
            hostname: "169.254.0.2".into(),
            hosts: vec![],
            uid: 993,
            gid: 990,
            user: "sbx_user1051".into(),
        }
    }

    fn debian_like() -> HostLayout {
        HostLayout {
            system: vec![
                ("usr".into(), HostEntry::Dir),
                ("bin".into(), HostEntry::Symlink("usr/bin".into())),
                ("lib".into(), HostEntry::Symlink("usr/lib".into())),
                ("lib64".into(), HostEntry::Symlink("usr/lib64".into())),
            ],
            etc_dirs: vec!["ssl".into()],
            etc_files: vec![],
        }
    }

    fn recorded(host: &HostLayout, spec: &RootSpec) -> Vec<String> {
        let k = Recorder::default();
        run(&k, &plan(host, spec)).unwrap();
        k.calls.into_inner()
    }

    #[test]
    fn scan_sees_dirs_and_symlinks() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("usr/bin")).unwrap();
        std::os::unix::fs::symlink("usr/bin", root.path().join("bin")).unwrap();
        std::fs::create_dir_all(root.path().join("etc/ssl")).unwrap();
        std::fs::write(root.path().join("etc/resolv.conf"), "nameserver 1.1.1.1\n").unwrap();
        std::fs::write(root.path().join("etc/shadow"), "root:secret").unwrap();
        let host = HostLayout::scan(root.path());
        assert_eq!(
            host.system,
            vec![
                ("usr".to_string(), HostEntry::Dir),
                ("bin".to_string(), HostEntry::Symlink("usr/bin".into()))
            ]
        );
        assert_eq!(host.etc_dirs, vec!["ssl".to_string()]);
        assert_eq!(host.etc_files.len(), 1, "only known files, never shadow");
        assert_eq!(host.etc_files[0].0, "resolv.conf");
    }

    #[test]
    fn system_dirs_are_read_only_binds_and_symlinks_stay_symlinks() {
        let calls = recorded(&debian_like(), &spec(Path::new("/s")));
        let i = calls
            .iter()
            .position(|c| c == "mount /host/usr /s/usr - bind -")
            .expect("usr bound");
        assert_eq!(
            calls[i + 1],
            "mount - /s/usr - ro,nosuid,nodev,remount,bind -"
        );
        assert!(calls.contains(&"symlink /s/bin -> usr/bin".to_string()));
        assert!(!calls.iter().any(|c| c.contains("/host/bin")));
    }

    #[test]
    fn the_root_is_private_tmpfs_then_pivoted_and_read_only() {
        let calls = recorded(&debian_like(), &spec(Path::new("/s")));
        assert_eq!(calls[0], "mount - / - rec,private -");
        assert!(calls[1].starts_with("mount tmpfs /s tmpfs nosuid,nodev,noexec"));
        let pivot = calls.iter().position(|c| c == "pivot_root /s").unwrap();
        assert_eq!(
            calls[pivot + 1],
            "mount - / - ro,nosuid,nodev,noexec,remount,bind -"
        );
        // Everything but the hostname happens before the pivot.
        assert_eq!(calls[pivot + 2], "sethostname 169.254.0.2");
        assert_eq!(calls.len(), pivot + 3);
    }

    #[test]
    fn code_and_runtime_are_read_only_at_aws_paths() {
        let calls = recorded(&debian_like(), &spec(Path::new("/s")));
        for (host, inside) in [
            ("/data/code/abc", "/s/var/task"),
            ("/data/runtimes/python", "/s/var/runtime"),
        ] {
            let i = calls
                .iter()
                .position(|c| c == &format!("mount {host} {inside} - bind -"))
                .unwrap_or_else(|| panic!("{host} not bound: {calls:#?}"));
            assert_eq!(
                calls[i + 1],
                format!("mount - {inside} - ro,nosuid,nodev,remount,bind -")
            );
        }
    }

    #[test]
    fn tmp_is_sized_by_ephemeral_storage() {
        let calls = recorded(&debian_like(), &spec(Path::new("/s")));
        assert!(calls.contains(&"mount tmpfs /s/tmp tmpfs nosuid,nodev mode=1777,size=512m".into()));
    }

    #[test]
    fn proc_dev_and_etc() {
        let calls = recorded(&debian_like(), &spec(Path::new("/s")));
        assert!(calls.contains(&"mount proc /s/proc proc nosuid,nodev,noexec -".into()));
        for dev in [
            "null 666 1:3",
            "zero 666 1:5",
            "urandom 666 1:9",
            "random 666 1:8",
        ] {
            assert!(
                calls.contains(&format!("mknod /s/dev/{dev}")),
                "{dev}: {calls:#?}"
            );
        }
        assert!(calls
            .iter()
            .any(|c| c.starts_with("write /s/etc/passwd 644")
                && c.contains("sbx_user1051:x:993:990:")));
        assert!(calls
            .iter()
            .any(|c| c.starts_with("write /s/etc/hosts") && c.contains("169.254.0.2")));
        assert!(calls.contains(&"mount /host/etc/ssl /s/etc/ssl - bind -".into()));
    }

    #[test]
    fn layers_empty_one_and_many() {
        let mut s = spec(Path::new("/s"));
        let calls = recorded(&debian_like(), &s);
        assert!(calls.contains(&"mkdir /s/opt 755".into()));
        assert!(!calls
            .iter()
            .any(|c| c.contains("/s/opt ") && c.starts_with("mount")));

        s.layers = vec!["/l/one".into()];
        let calls = recorded(&debian_like(), &s);
        assert!(calls.contains(&"mount /l/one /s/opt - bind -".into()));

        s.layers = vec!["/l/one".into(), "/l/two:x".into()];
        let calls = recorded(&debian_like(), &s);
        assert!(
            calls.contains(
                &"mount overlay /s/opt overlay ro,nosuid,nodev lowerdir=/l/two\\:x:/l/one".into()
            ),
            "{calls:#?}"
        );
    }

    #[test]
    fn a_failed_step_is_reported_by_index() {
        let k = Recorder {
            fail_on: Some("mount proc".into()),
            ..Default::default()
        };
        let steps = plan(&debian_like(), &spec(Path::new("/s")));
        let (i, errno) = run(&k, &steps).unwrap_err();
        assert_eq!(errno, libc::EPERM);
        assert_eq!(
            steps[i].to_string(),
            "mount proc on /s/proc (proc nosuid,nodev,noexec)"
        );
    }
}

//! cgroup v2: one unified hierarchy; controllers are enabled top-down
//! through `cgroup.subtree_control`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{
    dir_of, mkdir, open_procs, own_path, remove_stale, write, EnvCgroup, Hierarchy, Kind, Limits,
    Mount,
};

const WANTED: &[&str] = &["memory", "cpu", "pids"];

#[derive(Debug)]
pub struct V2 {
    base: PathBuf,
    /// The wanted controllers the host offers.
    controllers: Vec<String>,
    swap: bool,
}

fn offered(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("cgroup.controllers"))
        .unwrap_or_default()
        .split_whitespace()
        .filter(|c| WANTED.contains(c))
        .map(str::to_string)
        .collect()
}

fn enable(dir: &Path, controllers: &[String]) -> io::Result<()> {
    let line: Vec<String> = controllers.iter().map(|c| format!("+{c}")).collect();
    write(dir, "cgroup.subtree_control", &line.join(" "))
}

/// Makes `parent/lambdalite` with the controllers enabled for its children.
/// A parent that holds processes (other than the root) can't enable
/// controllers: that candidate fails.
fn try_base(parent: &Path) -> io::Result<(PathBuf, Vec<String>)> {
    let controllers = offered(parent);
    if !controllers.iter().any(|c| c == "memory") {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{} offers no memory controller", parent.display()),
        ));
    }
    enable(parent, &controllers)?;
    let base = parent.join("lambdalite");
    mkdir(&base)?;
    enable(&base, &controllers)?;
    Ok((base, controllers))
}

impl V2 {
    pub fn new(mount: &Mount, self_cgroup: &str) -> io::Result<V2> {
        let own = own_path(self_cgroup, "").unwrap_or_else(|| "/".into());
        let mut candidates = vec![dir_of(mount, &own)];
        if own != "/" {
            candidates.push(mount.point.clone());
        }
        let mut last = None;
        for parent in candidates {
            match try_base(&parent) {
                Ok((base, controllers)) => {
                    remove_stale(&base);
                    let swap = base.join("memory.swap.max").exists()
                        || parent.join("memory.swap.max").exists()
                        || fs::read_to_string("/proc/swaps").is_ok_and(|s| s.lines().count() > 1);
                    return Ok(V2 {
                        base,
                        controllers,
                        swap,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no place for cgroups")))
    }

    fn has(&self, c: &str) -> bool {
        self.controllers.iter().any(|x| x == c)
    }
}

impl Hierarchy for V2 {
    fn version(&self) -> &'static str {
        "v2"
    }

    fn create(&self, name: &str, limits: &Limits) -> io::Result<EnvCgroup> {
        let dir = self.base.join(name);
        mkdir(&dir)?;
        let mut cg = EnvCgroup {
            kind: Kind::V2,
            dirs: vec![dir.clone()],
            procs: Vec::new(),
        };
        let made = (|| {
            write(&dir, "memory.max", &limits.memory_bytes.to_string())?;
            if self.swap {
                write(&dir, "memory.swap.max", "0")?;
            }
            if self.has("cpu") {
                let quota = limits
                    .cpu_quota_us
                    .map_or("max".to_string(), |q| q.to_string());
                write(
                    &dir,
                    "cpu.max",
                    &format!("{quota} {}", super::CPU_PERIOD_US),
                )?;
            }
            if self.has("pids") {
                write(&dir, "pids.max", &limits.pids.to_string())?;
            }
            open_procs(&dir)
        })();
        match made {
            Ok(procs) => {
                cg.procs = vec![procs];
                Ok(cg)
            }
            Err(e) => {
                let _ = cg.remove();
                Err(e)
            }
        }
    }

    fn bases(&self) -> Vec<PathBuf> {
        vec![self.base.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::super::{detect, fake};
    use super::*;

    fn tree(own_procs: bool) -> (tempfile::TempDir, String) {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::write(
            r.join("cgroup.controllers"),
            "cpuset cpu io memory hugetlb pids rdma misc\n",
        )
        .unwrap();
        fs::write(r.join("cgroup.subtree_control"), "").unwrap();
        let own = r.join("user.slice/session.scope");
        fs::create_dir_all(&own).unwrap();
        fs::write(own.join("cgroup.controllers"), "cpu memory pids\n").unwrap();
        if own_procs {
            // A cgroup with processes refuses to enable controllers: the
            // fake makes that a folder where the file can't be written.
            fs::create_dir(own.join("cgroup.subtree_control")).unwrap();
        } else {
            fs::write(own.join("cgroup.subtree_control"), "").unwrap();
        }
        let mountinfo = fake::with_root(fake::V2_MOUNTINFO, r);
        (root, mountinfo)
    }

    #[test]
    fn base_under_own_cgroup_with_controllers_enabled() {
        let (root, mountinfo) = tree(false);
        let h = detect(&mountinfo, "0::/user.slice/session.scope\n").unwrap();
        assert_eq!(h.version(), "v2");
        let base = root.path().join("user.slice/session.scope/lambdalite");
        assert_eq!(h.bases(), vec![base.clone()]);
        assert_eq!(
            fs::read_to_string(
                root.path()
                    .join("user.slice/session.scope/cgroup.subtree_control")
            )
            .unwrap(),
            "+cpu +memory +pids"
        );
        assert_eq!(
            fs::read_to_string(base.join("cgroup.subtree_control")).unwrap(),
            "+cpu +memory +pids"
        );
    }

    #[test]
    fn busy_own_cgroup_falls_back_to_the_root() {
        let (root, mountinfo) = tree(true);
        let h = detect(&mountinfo, "0::/user.slice/session.scope\n").unwrap();
        assert_eq!(h.bases(), vec![root.path().join("lambdalite")]);
        assert_eq!(
            fs::read_to_string(root.path().join("cgroup.subtree_control")).unwrap(),
            "+cpu +memory +pids"
        );
    }

    #[test]
    fn create_writes_limits() {
        let (_root, mountinfo) = tree(false);
        let h = detect(&mountinfo, "0::/user.slice/session.scope\n").unwrap();
        let dir = h.bases()[0].join("9-1");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("cgroup.procs"), "").unwrap();
        fs::write(dir.join("memory.swap.max"), "max").unwrap();
        let cg = h.create("9-1", &Limits::for_memory(512, 1.0, 2)).unwrap();
        let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap();
        assert_eq!(read("memory.max"), (512u64 << 20).to_string());
        assert_eq!(read("cpu.max"), "28943 100000");
        assert_eq!(read("pids.max"), "1024");
        fs::write(dir.join("memory.peak"), "1048576\n").unwrap();
        fs::write(
            dir.join("memory.events"),
            "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n",
        )
        .unwrap();
        assert_eq!(cg.peak_bytes(), Some(1 << 20));
        assert_eq!(cg.oom_kills(), 1);
    }

    #[test]
    fn no_cpu_limit_is_max() {
        let (_root, mountinfo) = tree(false);
        let h = detect(&mountinfo, "0::/user.slice/session.scope\n").unwrap();
        let dir = h.bases()[0].join("9-2");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("cgroup.procs"), "").unwrap();
        h.create("9-2", &Limits::for_memory(128, 0.0, 2)).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("cpu.max")).unwrap(),
            "max 100000"
        );
    }
}

//! cgroup v1: one hierarchy per controller (`memory`, `cpu`, `pids` under
//! /sys/fs/cgroup/NAME).

use std::io;
use std::path::PathBuf;

use super::{
    dir_of, mkdir, open_procs, own_path, remove_stale, write, EnvCgroup, Hierarchy, Kind, Limits,
    Mount,
};

#[derive(Debug)]
pub struct V1 {
    memory: PathBuf,
    cpu: Option<PathBuf>,
    pids: Option<PathBuf>,
    /// Whether swap is accounted (`memory.memsw.*`), so it can be turned off.
    memsw: bool,
}

/// The folder environments' cgroups go in: under lambdalite's own cgroup,
/// else under the hierarchy's root.
fn base_for(mount: &Mount, own: &str) -> io::Result<PathBuf> {
    let candidates = [
        dir_of(mount, own).join("lambdalite"),
        mount.point.join("lambdalite"),
    ];
    let mut last = None;
    for base in candidates {
        match mkdir(&base) {
            Ok(()) => {
                remove_stale(&base);
                return Ok(base);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no place for cgroups")))
}

impl V1 {
    pub fn new(mounts: &[Mount], self_cgroup: &str) -> io::Result<V1> {
        let find = |controller: &str| {
            mounts
                .iter()
                .find(|m| m.fstype == "cgroup" && m.controllers.iter().any(|c| c == controller))
        };
        let base = |controller: &str| -> io::Result<Option<PathBuf>> {
            let Some(mount) = find(controller) else {
                return Ok(None);
            };
            let own = own_path(self_cgroup, controller).unwrap_or_else(|| "/".into());
            base_for(mount, &own).map(Some)
        };
        let memory = base("memory")?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "the v1 memory controller is not mounted",
            )
        })?;
        let memsw = memory.join("memory.memsw.limit_in_bytes").exists();
        Ok(V1 {
            memsw,
            cpu: base("cpu")?,
            pids: base("pids")?,
            memory,
        })
    }

    fn make(&self, name: &str, limits: &Limits, dirs: &mut Vec<PathBuf>) -> io::Result<()> {
        let mem = self.memory.join(name);
        mkdir(&mem)?;
        dirs.push(mem.clone());
        let bytes = limits.memory_bytes.to_string();
        write(&mem, "memory.limit_in_bytes", &bytes)?;
        if self.memsw {
            // Memory plus swap = memory: no swap.
            write(&mem, "memory.memsw.limit_in_bytes", &bytes)?;
        }
        let _ = write(&mem, "memory.swappiness", "0");
        if let Some(cpu) = &self.cpu {
            let dir = cpu.join(name);
            mkdir(&dir)?;
            dirs.push(dir.clone());
            write(&dir, "cpu.cfs_period_us", &super::CPU_PERIOD_US.to_string())?;
            let quota = limits
                .cpu_quota_us
                .map_or("-1".to_string(), |q| q.to_string());
            write(&dir, "cpu.cfs_quota_us", &quota)?;
        }
        if let Some(pids) = &self.pids {
            let dir = pids.join(name);
            mkdir(&dir)?;
            dirs.push(dir.clone());
            write(&dir, "pids.max", &limits.pids.to_string())?;
        }
        Ok(())
    }
}

impl Hierarchy for V1 {
    fn version(&self) -> &'static str {
        "v1"
    }

    fn create(&self, name: &str, limits: &Limits) -> io::Result<EnvCgroup> {
        let mut dirs = Vec::new();
        let made = self.make(name, limits, &mut dirs).and_then(|()| {
            dirs.iter()
                .map(|d| open_procs(d))
                .collect::<io::Result<Vec<_>>>()
        });
        let mut cg = EnvCgroup {
            kind: Kind::V1,
            dirs,
            procs: Vec::new(),
        };
        match made {
            Ok(procs) => {
                cg.procs = procs;
                Ok(cg)
            }
            Err(e) => {
                let _ = cg.remove();
                Err(e)
            }
        }
    }

    fn bases(&self) -> Vec<PathBuf> {
        let mut v = vec![self.memory.clone()];
        v.extend(self.cpu.clone());
        v.extend(self.pids.clone());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::super::{detect, fake};
    use super::*;
    use std::fs;

    fn tree() -> (tempfile::TempDir, String) {
        let root = tempfile::tempdir().unwrap();
        for c in ["memory", "cpu", "pids"] {
            fake::v1_files(&root.path().join(c), c);
        }
        fake::v1_files(&root.path().join("memory/process_api/abc"), "memory");
        // The kernel fills a new folder with its files; the fake does it
        // ahead for the folders lambdalite makes.
        fake::v1_files(
            &root.path().join("memory/process_api/abc/lambdalite"),
            "memory",
        );
        fake::v1_files(&root.path().join("cpu/lambdalite"), "cpu");
        fake::v1_files(&root.path().join("pids/lambdalite"), "pids");
        let mountinfo = fake::with_root(fake::V1_MOUNTINFO, root.path());
        (root, mountinfo)
    }

    #[test]
    fn bases_are_under_own_cgroup_per_controller() {
        let (root, mountinfo) = tree();
        let h = detect(&mountinfo, fake::V1_SELF).unwrap();
        assert_eq!(h.version(), "v1");
        assert_eq!(
            h.bases(),
            vec![
                root.path().join("memory/process_api/abc/lambdalite"),
                root.path().join("cpu/lambdalite"),
                root.path().join("pids/lambdalite"),
            ]
        );
    }

    /// The kernel makes `cgroup.procs` in a new folder; the fake needs it
    /// made beforehand.
    fn precreate(h: &dyn Hierarchy, name: &str) {
        for b in h.bases() {
            fake::v1_files(&b.join(name), "");
        }
    }

    #[test]
    fn create_writes_limits_and_opens_procs() {
        let (root, mountinfo) = tree();
        let h = detect(&mountinfo, fake::V1_SELF).unwrap();
        precreate(&*h, "42-1");
        let limits = Limits::for_memory(128, 1.0, 2);
        let cg = h.create("42-1", &limits).unwrap();
        let mem = root.path().join("memory/process_api/abc/lambdalite/42-1");
        let read = |p: PathBuf| fs::read_to_string(p).unwrap();
        assert_eq!(read(mem.join("memory.limit_in_bytes")), "134217728");
        assert_eq!(read(mem.join("memory.memsw.limit_in_bytes")), "134217728");
        assert_eq!(read(mem.join("memory.swappiness")), "0");
        let cpu = root.path().join("cpu/lambdalite/42-1");
        assert_eq!(read(cpu.join("cpu.cfs_quota_us")), "7236");
        assert_eq!(read(cpu.join("cpu.cfs_period_us")), "100000");
        assert_eq!(
            read(root.path().join("pids/lambdalite/42-1/pids.max")),
            "1024"
        );
        assert_eq!(cg.procs().len(), 3);
    }

    #[test]
    fn without_swap_accounting_memsw_is_left_alone() {
        let (_root, mountinfo) = tree();
        let h = detect(&mountinfo, fake::V1_SELF).unwrap();
        let base = h.bases()[0].clone();
        fs::remove_file(base.join("memory.memsw.limit_in_bytes")).unwrap();
        let h = detect(&mountinfo, fake::V1_SELF).unwrap();
        precreate(&*h, "42-2");
        h.create("42-2", &Limits::for_memory(256, 1.0, 2)).unwrap();
        assert!(base.join("42-2/memory.limit_in_bytes").exists());
        assert!(!base.join("42-2/memory.memsw.limit_in_bytes").exists());
    }

    #[test]
    fn a_half_made_cgroup_is_removed() {
        let (_root, mountinfo) = tree();
        let h = detect(&mountinfo, fake::V1_SELF).unwrap();
        // No cgroup.procs in the fake folders: opening it fails.
        let err = h
            .create("42-3", &Limits::for_memory(128, 1.0, 2))
            .unwrap_err();
        assert!(err.to_string().contains("cgroup.procs"), "{err}");
        for b in h.bases() {
            assert!(!b.join("42-3").exists() || fs::read_dir(b.join("42-3")).unwrap().count() > 0);
        }
    }

    #[test]
    fn peak_and_oom_are_read_back() {
        let (root, mountinfo) = tree();
        let h = detect(&mountinfo, fake::V1_SELF).unwrap();
        precreate(&*h, "7-1");
        let cg = h.create("7-1", &Limits::for_memory(128, 0.0, 2)).unwrap();
        let mem = h.bases()[0].join("7-1");
        fs::write(mem.join("memory.max_usage_in_bytes"), "52428800\n").unwrap();
        fs::write(
            mem.join("memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
        )
        .unwrap();
        assert_eq!(cg.peak_bytes(), Some(50 * 1024 * 1024));
        assert_eq!(cg.oom_kills(), 1);
        assert_eq!(
            fs::read_to_string(root.path().join("cpu/lambdalite/7-1/cpu.cfs_quota_us")).unwrap(),
            "-1"
        );
    }
}

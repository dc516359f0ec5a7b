//! Which program starts an environment of each runtime: the host's
//! interpreters for python and node (with lambdalite's bootstraps), the
//! function's own `bootstrap` for `provided`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lambdalite_model::{Runtime, RuntimeFamily};

/// The python bootstrap, shipped inside the binary.
pub const PYTHON_BOOTSTRAP: &str = include_str!("../../../runtimes/python/bootstrap.py");
/// The node bootstrap, shipped inside the binary.
pub const NODE_BOOTSTRAP: &str = include_str!("../../../runtimes/nodejs/bootstrap.mjs");

/// The interpreters found on the host, by language version.
#[derive(Debug, Clone, Default)]
pub struct Interpreters {
    /// python minor version → interpreter.
    pub python: BTreeMap<u32, PathBuf>,
    /// node major version → interpreter.
    pub node: BTreeMap<u32, PathBuf>,
}

impl Interpreters {
    /// Looks for interpreters in the usual system folders. Version managers'
    /// shims (pyenv, nvm) are skipped: they cost 100 ms a start.
    pub fn discover() -> Interpreters {
        let mut found = Interpreters::default();
        let dirs = ["/usr/local/bin", "/usr/bin", "/bin"];
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if let Some(minor) = name.strip_prefix("python3.").and_then(|m| m.parse().ok()) {
                    if is_native_executable(&entry.path()) {
                        found.python.entry(minor).or_insert(entry.path());
                    }
                }
            }
            let node = Path::new(dir).join("node");
            if is_native_executable(&node) {
                if let Some(major) = node_major(&node) {
                    found.node.entry(major).or_insert(node);
                }
            }
        }
        found
    }

    /// Adds an interpreter given by the user, e.g. from `--python`.
    pub fn add_python(&mut self, minor: u32, path: PathBuf) {
        self.python.insert(minor, path);
    }

    pub fn add_node(&mut self, major: u32, path: PathBuf) {
        self.node.insert(major, path);
    }

    /// The interpreter for a runtime: the exact version if installed, else
    /// the nearest of the same language (and whether it is exact).
    pub fn for_runtime(&self, runtime: &Runtime) -> Option<(PathBuf, bool)> {
        let nearest = |map: &BTreeMap<u32, PathBuf>, want: u32| {
            map.get(&want).map(|p| (p.clone(), true)).or_else(|| {
                map.iter()
                    .min_by_key(|(v, _)| (i64::from(**v) - i64::from(want)).abs())
                    .map(|(_, p)| (p.clone(), false))
            })
        };
        match runtime.family() {
            RuntimeFamily::Python { minor } => nearest(&self.python, minor),
            RuntimeFamily::Node { major } => nearest(&self.node, major),
            RuntimeFamily::Provided | RuntimeFamily::Unsupported => None,
        }
    }
}

fn is_native_executable(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut magic = [0u8; 4];
    f.read_exact(&mut magic).is_ok() && magic == *b"\x7fELF"
}

fn node_major(node: &Path) -> Option<u32> {
    let out = std::process::Command::new(node)
        .arg("--version")
        .env_clear()
        .output()
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Writes the bootstraps into `dir` (the `LAMBDA_RUNTIME_DIR` of python and
/// node environments), replacing stale copies.
pub fn install_bootstraps(dir: &Path) -> std::io::Result<()> {
    for (sub, file, text) in [
        ("python", "bootstrap.py", PYTHON_BOOTSTRAP),
        ("nodejs", "bootstrap.mjs", NODE_BOOTSTRAP),
    ] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d)?;
        let path = d.join(file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            let tmp = d.join(format!(".{file}.tmp"));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &path)?;
        }
    }
    Ok(())
}

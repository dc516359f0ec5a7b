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
/// Starts node before its function is known (a pre-started environment).
pub const NODE_PREWARM: &str = include_str!("../../../runtimes/nodejs/prewarm.mjs");

/// Runs the python bootstrap from its cached bytecode (a script's is never
/// cached), given the runtime folder as seen inside the environment.
pub fn python_launcher(runtime_dir: &Path) -> String {
    format!(
        "import sys; sys.path[0] = {dir:?}; import bootstrap; bootstrap.main()",
        dir = runtime_dir.display().to_string()
    )
}

/// Starts python before its function is known: the interpreter and the
/// runtime's standard modules load now; the assignment (one JSON line on
/// stdin: the environment variables, the code already mounted) sets the
/// environment, then the bootstrap runs.
pub fn python_prewarm_launcher(runtime_dir: &Path) -> String {
    format!(
        r#"import sys, os, json, time, _socket
line = sys.stdin.buffer.readline()
if not line:
    raise SystemExit(0)
env = json.loads(line)["env"]
os.environ.clear()
os.environ.update(env)
null = os.open("/dev/null", os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
os.chdir(env.get("LAMBDA_TASK_ROOT", "/var/task"))
sys.path[0] = {dir:?}
sys.path[1:1] = [p for p in env.get("PYTHONPATH", "").split(":") if p]
import bootstrap
bootstrap.main()
"#,
        dir = runtime_dir.display().to_string()
    )
}

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
        ("nodejs", "prewarm.mjs", NODE_PREWARM),
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

/// Compiles the python bootstrap's bytecode with each python interpreter,
/// so environments (which can't write it) load it instead of compiling it
/// at every start.
pub fn compile_python_bootstrap(dir: &Path, interpreters: &Interpreters) {
    let source = dir.join("python").join("bootstrap.py");
    for python in interpreters.python.values() {
        let out = std::process::Command::new(python)
            .env_clear()
            .args([
                "-c",
                "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True)",
            ])
            .arg(&source)
            .output();
        if !matches!(&out, Ok(o) if o.status.success()) {
            tracing::warn!(interpreter = %python.display(), "could not compile the python bootstrap's bytecode");
        }
    }
}

//! Which program starts an environment of each runtime: the host's
//! interpreters for python and node (with lambdalite's bootstraps), the
//! function's own `bootstrap` for `provided`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lambdalite_model::{Runtime, RuntimeFamily};
use lambdalite_sandbox::Bind;

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

/// The system folders of interpreters, searched first.
const SYSTEM_BIN_DIRS: &[&str] = &["/usr/local/bin", "/usr/bin", "/bin"];

/// Where version managers install interpreters, relative to `$HOME` (or to
/// the manager's own variable): each holds one folder per installed
/// version, whose `bin/` has the real interpreter (never a shim, which
/// costs 100 ms a start).
const PYTHON_MANAGERS: &[(&str, &str, &str)] = &[
    // (variable, default under $HOME, folder of versions under it)
    ("PYENV_ROOT", ".pyenv", "versions"),
    ("UV_PYTHON_INSTALL_DIR", ".local/share/uv/python", ""),
    ("ASDF_DATA_DIR", ".asdf", "installs/python"),
    ("MISE_DATA_DIR", ".local/share/mise", "installs/python"),
];
const NODE_MANAGERS: &[(&str, &str, &str)] = &[
    ("NVM_DIR", ".nvm", "versions/node"),
    ("ASDF_DATA_DIR", ".asdf", "installs/nodejs"),
    ("MISE_DATA_DIR", ".local/share/mise", "installs/node"),
    ("VOLTA_HOME", ".volta", "tools/image/node"),
    ("FNM_DIR", ".local/share/fnm", "node-versions"),
];

impl Interpreters {
    /// Looks for interpreters in the system folders, then where version
    /// managers (pyenv, uv, asdf, mise, nvm, volta, fnm) install them, so
    /// that each runtime runs on its exact version where one is installed.
    /// A system interpreter wins over a manager's of the same version, and
    /// a newer patch release over an older one.
    pub fn discover() -> Interpreters {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .or_else(home_of_user);
        Interpreters::discover_in(SYSTEM_BIN_DIRS, home.as_deref(), &|v| std::env::var_os(v))
    }

    /// [`Interpreters::discover`] with its places given (for tests).
    pub fn discover_in(
        system: &[&str],
        home: Option<&Path>,
        var: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Interpreters {
        let mut found = Interpreters::default();
        let mut bin_dirs: Vec<PathBuf> = system.iter().map(PathBuf::from).collect();
        let mut node_dirs = bin_dirs.clone();
        bin_dirs.extend(manager_bin_dirs(PYTHON_MANAGERS, home, var));
        node_dirs.extend(manager_bin_dirs(NODE_MANAGERS, home, var));
        for dir in &bin_dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            names.sort();
            for path in names {
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if let Some(minor) = name.strip_prefix("python3.").and_then(|m| m.parse().ok()) {
                    if is_native_executable(&path) {
                        found.python.entry(minor).or_insert(path);
                    }
                }
            }
        }
        for dir in &node_dirs {
            let node = dir.join("node");
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

/// The home folder of the user lambdalite runs as, from the password
/// database (a service started without `$HOME`).
fn home_of_user() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: getpwuid returns a pointer into static storage or null; the
    // home folder is copied out at once, on this thread, before any other
    // call that could reuse that storage.
    unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if pw.is_null() || (*pw).pw_dir.is_null() {
            return None;
        }
        let dir = std::ffi::CStr::from_ptr((*pw).pw_dir);
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(dir.to_bytes())))
    }
}

/// The `bin/` folders of every version the managers installed, newest
/// version first within each manager.
fn manager_bin_dirs(
    managers: &[(&str, &str, &str)],
    home: Option<&Path>,
    var: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for (variable, default, versions) in managers {
        let Some(root) = var(variable)
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(default)))
        else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(root.join(versions)) else {
            continue;
        };
        let mut installs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        installs.sort_by_key(|p| std::cmp::Reverse(version_key(p)));
        for install in installs {
            // fnm keeps each version's files one folder further down.
            for bin in [install.join("bin"), install.join("installation/bin")] {
                if bin.is_dir() {
                    dirs.push(bin);
                }
            }
        }
    }
    dirs
}

/// The numbers in a version folder's name (`v20.11.1`, `3.12.1`,
/// `cpython-3.12.4-linux-x86_64-gnu`), for ordering newest first.
fn version_key(path: &Path) -> Vec<u64> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The installation an interpreter outside the system folders belongs to
/// (the folder above its `bin/`), which its environment must see: its
/// standard library and shared libraries are there.
pub fn installation(interpreter: &Path) -> Option<PathBuf> {
    let system = ["/usr/", "/bin/", "/sbin/", "/lib"];
    let s = interpreter.to_string_lossy();
    if system.iter().any(|p| s.starts_with(p)) || !interpreter.is_absolute() {
        return None;
    }
    let bin = interpreter.parent()?;
    (bin.file_name()? == "bin").then(|| bin.parent().map(Path::to_path_buf))?
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

/// The languages whose runtimes carry AWS's SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkLang {
    Python,
    Node,
}

impl SdkLang {
    pub fn name(self) -> &'static str {
        match self {
            SdkLang::Python => "python",
            SdkLang::Node => "nodejs",
        }
    }
}

/// The file in an SDK folder that says what was installed.
pub const SDK_MANIFEST: &str = "lambdalite-sdk.txt";

/// Where `lambdalite runtimes install` puts a language's SDK: `sdk/` in the
/// runtime folder, which environments see as `/var/runtime/sdk` (python's
/// packages there; node's under `node_modules/`).
pub fn sdk_dir(runtime_dir: &Path, lang: SdkLang) -> PathBuf {
    runtime_dir.join(lang.name()).join("sdk")
}

/// The host folders an interpreter's environments must see: its own
/// installation, when outside the system folders, and for node the SDK's
/// `node_modules` at `/node_modules`, where an ES module's `import` finds it
/// after the function's own `node_modules` (NODE_PATH serves `require`).
pub fn binds(interpreter: &Path, lang: Option<SdkLang>, runtime_dir: &Path) -> Vec<Bind> {
    let mut binds: Vec<Bind> = installation(interpreter)
        .map(Bind::same)
        .into_iter()
        .collect();
    if lang == Some(SdkLang::Node) {
        let modules = sdk_dir(runtime_dir, SdkLang::Node).join("node_modules");
        if modules.is_dir() {
            binds.push(Bind {
                host: modules,
                inside: PathBuf::from("/node_modules"),
            });
        }
    }
    binds
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_python(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"\x7fELF fake").unwrap();
    }

    #[test]
    fn version_managers_fill_in_missing_versions_newest_patch_first() {
        let tmp = tempfile::tempdir().unwrap();
        let system = tmp.path().join("usr/bin");
        fake_python(&system.join("python3.11"));
        let home = tmp.path().join("home");
        for v in ["3.11.7", "3.12.1", "3.12.10"] {
            let minor = v.rsplit_once('.').unwrap().0;
            fake_python(&home.join(format!(".pyenv/versions/{v}/bin/python{minor}")));
        }
        let uv = tmp.path().join("uv");
        fake_python(&uv.join("cpython-3.13.2-linux-x86_64-gnu/bin/python3.13"));
        // A shim folder is never read.
        fake_python(&home.join(".pyenv/shims/python3.9"));
        let system_dirs = [system.to_str().unwrap()];
        let uv_dir = uv.clone().into_os_string();
        let found = Interpreters::discover_in(&system_dirs, Some(&home), &|v| {
            (v == "UV_PYTHON_INSTALL_DIR").then(|| uv_dir.clone())
        });
        assert_eq!(found.python[&11], system.join("python3.11"));
        assert_eq!(
            found.python[&12],
            home.join(".pyenv/versions/3.12.10/bin/python3.12")
        );
        assert_eq!(
            found.python[&13],
            uv.join("cpython-3.13.2-linux-x86_64-gnu/bin/python3.13")
        );
        assert!(!found.python.contains_key(&9));
    }

    #[test]
    fn an_interpreter_outside_the_system_folders_brings_its_installation() {
        assert_eq!(installation(Path::new("/usr/bin/python3.11")), None);
        assert_eq!(installation(Path::new("/usr/local/bin/node")), None);
        assert_eq!(
            installation(Path::new("/root/.pyenv/versions/3.12.1/bin/python3.12")),
            Some(PathBuf::from("/root/.pyenv/versions/3.12.1"))
        );
        assert_eq!(
            installation(Path::new("/home/u/.nvm/versions/node/v22.1.0/bin/node")),
            Some(PathBuf::from("/home/u/.nvm/versions/node/v22.1.0"))
        );
        assert_eq!(installation(Path::new("relative/bin/node")), None);
    }
}

//! Plain child processes: a clean environment and a process group of their
//! own (so a timeout kills everything the function started), no isolation.
//! The fallback where the host can't make namespaces.

use std::io;
use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

use crate::{LaunchSpec, NetworkMode, Prepared, Process, Sandbox, SandboxError, View};

#[derive(Debug, Default, Clone, Copy)]
pub struct PlainProcess;

impl Sandbox for PlainProcess {
    fn name(&self) -> &'static str {
        "plain-process"
    }

    fn view(&self, code: &Path, runtime: Option<&Path>, layers: Option<&Path>) -> View {
        View {
            task_root: code.to_path_buf(),
            runtime_dir: runtime.map(Path::to_path_buf),
            opt: layers.map_or_else(|| "/opt".into(), Path::to_path_buf),
        }
    }

    /// Plain processes share the host's network.
    fn default_network(&self) -> NetworkMode {
        NetworkMode::Default
    }

    fn prepare(&self, _network: NetworkMode) -> Result<Box<dyn Prepared>, SandboxError> {
        Ok(Box::new(PlainPrepared { bound: false }))
    }
}

struct PlainPrepared {
    bound: bool,
}

impl Prepared for PlainPrepared {
    fn runtime_api_listener(&mut self) -> io::Result<std::net::TcpListener> {
        if std::mem::replace(&mut self.bound, true) {
            return Err(io::Error::other(
                "the Runtime API listener was already taken",
            ));
        }
        // No network of its own: a fresh loopback port on the host.
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    }

    fn spawn(
        self: Box<Self>,
        spec: &LaunchSpec,
        output: io::PipeWriter,
    ) -> Result<Process, SandboxError> {
        let mut cmd = Command::new(&spec.program);
        let stdout = output
            .try_clone()
            .map_err(|e| SandboxError::io("duplicating the output pipe", e))?;
        cmd.args(&spec.args)
            .env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&spec.code)
            .stdin(match &spec.stdin {
                Some(fd) => Stdio::from(
                    fd.try_clone()
                        .map_err(|e| SandboxError::io("duplicating stdin", e))?,
                ),
                None => Stdio::null(),
            })
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(output))
            .process_group(0)
            .kill_on_drop(true);
        // SAFETY: the closure runs in the forked child before exec and only
        // calls prctl(2), which is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                // If lambdalite dies, however it dies, its environments die too.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| SandboxError::Exec {
            program: spec.program.display().to_string(),
            source: e,
        })?;
        Ok(Process::from_child(child))
    }
}

//! The namespace sandbox on the real kernel. These need root (CI is root);
//! elsewhere each test says why it is skipped and passes.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use lambdalite_sandbox::{
    LaunchSpec, Namespaces, NamespacesConfig, NetworkMode, Prepared, Process, Sandbox,
};

fn sandbox(state: &Path) -> Option<Namespaces> {
    // SAFETY: geteuid(2) has no failure mode.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: the namespace sandbox needs root");
        return None;
    }
    Some(
        Namespaces::new(NamespacesConfig {
            state_dir: state.to_path_buf(),
            cpu_scale: 0.0,
            network: NetworkMode::None,
        })
        .expect("root can make the namespace sandbox"),
    )
}

struct Run {
    output: String,
    status: std::process::ExitStatus,
    max_memory_mb: Option<u64>,
    oom: bool,
}

/// Runs a shell script in a fresh environment and collects its output.
async fn run_in(
    ns: &Namespaces,
    code: &Path,
    memory_mb: u32,
    script: &str,
    limit: Duration,
) -> Run {
    let prepared: Box<dyn Prepared> = ns.prepare(NetworkMode::None).unwrap();
    run_prepared(prepared, code, memory_mb, script, limit).await
}

async fn run_prepared(
    mut prepared: Box<dyn Prepared>,
    code: &Path,
    memory_mb: u32,
    script: &str,
    limit: Duration,
) -> Run {
    let listener = prepared.runtime_api_listener().unwrap();
    let api = listener.local_addr().unwrap().to_string();
    let spec = LaunchSpec {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        env: vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("AWS_LAMBDA_RUNTIME_API".into(), api),
        ],
        code: code.to_path_buf(),
        runtime: None,
        layers: Vec::new(),
        memory_mb,
        ephemeral_storage_mb: 16,
        ..LaunchSpec::default()
    };
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut process: Process = prepared.spawn(&spec, writer).unwrap();
    process.started().await.unwrap();
    let collect = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = reader.read_to_string(&mut s);
        s
    });
    let status = match tokio::time::timeout(limit, process.wait()).await {
        Ok(s) => s.unwrap(),
        Err(_) => {
            process.kill();
            process.wait().await.unwrap()
        }
    };
    let max_memory_mb = process.max_memory_used_mb();
    let oom = process.oom_killed();
    drop(listener);
    Run {
        output: collect.join().unwrap(),
        status,
        max_memory_mb,
        oom,
    }
}

fn code_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("handler.txt"), "code\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

#[tokio::test]
async fn inside_is_aws_like_and_locked_down() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    let script = r#"
echo "id=$(id -u):$(id -g)"
echo "pwd=$(pwd)"
echo "host=$(cat /proc/sys/kernel/hostname)"
echo "task=$(cat /var/task/handler.txt)"
echo "pid=$$"
echo "procs=$(cd /proc && ls -d [0-9]* | sort -n | tail -1)"
echo "root=$(ls / | tr '\n' ' ')"
touch /var/task/x 2>/dev/null && echo "task-writable" || echo "task-ro"
touch /usr/x 2>/dev/null && echo "usr-writable" || echo "usr-ro"
touch /etc/x 2>/dev/null && echo "etc-writable" || echo "etc-ro"
echo hi > /tmp/x && echo "tmp=$(cat /tmp/x)"
cat /etc/shadow >/dev/null 2>&1 && echo "shadow-read" || echo "no-shadow"
grep -q '^CapEff:\s*0*$' /proc/self/status && echo "no-caps"
grep '^NoNewPrivs' /proc/self/status
grep '^Seccomp:' /proc/self/status
echo "nofile=$(ulimit -n)"
echo "net=$(cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "cgroup=$(cat /proc/self/cgroup | head -1)"
"#;
    let run = run_in(&ns, code.path(), 128, script, Duration::from_secs(10)).await;
    let out = &run.output;
    assert!(run.status.success(), "{out}");
    for want in [
        "id=993:990",
        "pwd=/var/task",
        "host=169.254.",
        "task=code",
        "pid=1",
        "task-ro",
        "usr-ro",
        "etc-ro",
        "tmp=hi",
        "no-shadow",
        "no-caps",
        "NoNewPrivs:\t1",
        "Seccomp:\t2",
        "nofile=1024",
        "net=lo ",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let max_pid: u32 = out
        .lines()
        .find_map(|l| l.strip_prefix("procs="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_pid < 20, "host processes visible: pid {max_pid}");
    let root_line = out.lines().find(|l| l.starts_with("root=")).unwrap();
    for name in ["var", "tmp", "proc", "dev", "usr", "etc", "opt"] {
        assert!(root_line.contains(name), "{root_line}");
    }
    for name in ["home", "root", "work", "data", "boot", "sys"] {
        assert!(
            !root_line.split(' ').any(|n| n == name),
            "{name} visible: {root_line}"
        );
    }
}

#[tokio::test]
async fn privileged_calls_are_refused() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    // unshare(1) and the like are not on every host; python is.
    let script = r#"
python3 - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def check(name, rc):
    print(name, "refused" if rc != 0 else "ALLOWED", os.strerror(ctypes.get_errno()))
check("mount", libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, None))
check("unshare-user", libc.unshare(0x10000000))
check("unshare-ns", libc.unshare(0x00020000))
check("ptrace", libc.ptrace(16, 1, 0, 0))
check("setuid", libc.setuid(0))
check("chroot", libc.chroot(b"/tmp"))
check("sethostname", libc.sethostname(b"x", 1))
EOF
"#;
    let run = run_in(&ns, code.path(), 256, script, Duration::from_secs(10)).await;
    let out = &run.output;
    for name in [
        "mount",
        "unshare-user",
        "unshare-ns",
        "ptrace",
        "setuid",
        "chroot",
        "sethostname",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{name} refused"))),
            "{name} not refused:\n{out}"
        );
    }
    assert!(!out.contains("ALLOWED"), "{out}");
}

#[tokio::test]
async fn memory_limit_kills_and_is_reported() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    let script = "exec python3 -c 'x = bytearray(400 * 1024 * 1024); print(len(x))'";
    let run = run_in(&ns, code.path(), 128, script, Duration::from_secs(20)).await;
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(run.status.signal(), Some(libc::SIGKILL), "{}", run.output);
    assert!(run.oom, "OOM kill not seen");
    let peak = run.max_memory_mb.unwrap();
    assert!((100..=130).contains(&peak), "peak {peak} MB");
}

#[tokio::test]
async fn pids_limit_stops_a_fork_bomb() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    let script = r#"
python3 - <<'EOF'
import os, time
n = 0
try:
    for _ in range(5000):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as e:
    print("stopped after", n, e.strerror)
EOF
"#;
    let run = run_in(&ns, code.path(), 512, script, Duration::from_secs(30)).await;
    let line = run
        .output
        .lines()
        .find(|l| l.starts_with("stopped after"))
        .unwrap_or_else(|| panic!("not stopped: {}", run.output));
    let n: u32 = line.split(' ').nth(2).unwrap().parse().unwrap();
    assert!(n < 1024, "{line}");
}

#[tokio::test]
async fn killing_the_bootstrap_ends_every_process() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    let script = "sleep 300 & exec sleep 301";
    let started = std::time::Instant::now();
    let run = run_in(&ns, code.path(), 128, script, Duration::from_millis(500)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(run.status.signal(), Some(libc::SIGKILL));
    // No sleeper is left on the host. The kernel kills the rest of the pid
    // namespace asynchronously: give it a moment on a busy machine.
    let sleepers = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .filter(|c| c == b"sleep\x00300\x00" || c == b"sleep\x00301\x00")
            .count()
    };
    let mut left = sleepers();
    for _ in 0..100 {
        if left == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        left = sleepers();
    }
    assert_eq!(left, 0, "sleepers survived");
}

#[tokio::test]
async fn a_missing_program_is_an_exec_error() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    let mut prepared = ns.prepare(NetworkMode::None).unwrap();
    let _l = prepared.runtime_api_listener().unwrap();
    let spec = LaunchSpec {
        program: "/var/task/bootstrap".into(),
        args: vec![],
        env: vec![],
        code: code.path().to_path_buf(),
        runtime: None,
        layers: vec![],
        memory_mb: 128,
        ephemeral_storage_mb: 16,
        ..LaunchSpec::default()
    };
    let (_r, w) = std::io::pipe().unwrap();
    let mut p = prepared.spawn(&spec, w).unwrap();
    let err = p.started().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "fork/exec /var/task/bootstrap: no such file or directory"
    );
}

#[tokio::test]
async fn default_network_reaches_the_host_but_no_runtime_api() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    // A service on the host, on every address.
    let host = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = host.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Some(Ok(mut conn)) = host.incoming().next() {
            use std::io::Write;
            let _ = conn.write_all(b"hello from the host\n");
        }
    });
    // Another environment: its Runtime API must stay out of reach.
    let mut other = ns.prepare(NetworkMode::Default).unwrap();
    let _other_api = other.runtime_api_listener().unwrap();
    let script = format!(
        r#"
python3 - <<'EOF'
import socket
c = socket.create_connection(("host.lambdalite.internal", {port}), timeout=5)
print("host says", c.recv(100).decode().strip())
socket.create_connection(("127.0.0.1", 9001), timeout=5)
print("own api reachable")
try:
    socket.create_connection(("host.lambdalite.internal", 9001), timeout=2)
    print("REACHED the host's port 9001")
except OSError as e:
    print("no api on the host", e.strerror)
print("hostname", socket.gethostname())
EOF
"#
    );
    let prepared = ns.prepare(NetworkMode::Default).unwrap();
    let run = run_prepared(prepared, code.path(), 256, &script, Duration::from_secs(10)).await;
    let out = &run.output;
    assert!(out.contains("host says hello from the host"), "{out}");
    assert!(out.contains("own api reachable"), "{out}");
    assert!(out.contains("no api on the host"), "{out}");
    assert!(!out.contains("REACHED"), "{out}");
    assert!(out.contains("hostname 169.254."), "{out}");
    drop(other);
}

#[tokio::test]
async fn code_bound_late_appears_read_only_and_only_in_its_environment() {
    let state = tempfile::tempdir().unwrap();
    let Some(ns) = sandbox(state.path()) else {
        return;
    };
    let code = code_dir();
    let layer = tempfile::tempdir().unwrap();
    std::fs::write(layer.path().join("lib.txt"), "layer\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(layer.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut prepared = ns.prepare(NetworkMode::None).unwrap();
    let _listener = prepared.runtime_api_listener().unwrap();
    let (stdin_r, mut stdin_w) = std::io::pipe().unwrap();
    let script = "ls -A /var/task | wc -l; read go; cd /var/task; cat handler.txt /opt/lib.txt; \
                  touch /var/task/new 2>/dev/null && echo wrote-code; \
                  touch /opt/new 2>/dev/null && echo wrote-opt; echo done";
    let spec = LaunchSpec {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        memory_mb: 128,
        ephemeral_storage_mb: 16,
        late_code: true,
        stdin: Some(std::sync::Arc::new(stdin_r.into())),
        ..LaunchSpec::default()
    };
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut process = prepared.spawn(&spec, writer).unwrap();
    drop(spec);
    process.started().await.unwrap();
    // Another environment started meanwhile sees none of it.
    let other = run_in(
        &ns,
        code.path(),
        128,
        "ls /var/task; ls /opt",
        Duration::from_secs(10),
    )
    .await;
    process.bind_code(code.path(), Some(layer.path())).unwrap();
    use std::io::Write;
    stdin_w.write_all(b"go\n").unwrap();
    drop(stdin_w);
    let status = tokio::time::timeout(Duration::from_secs(10), process.wait())
        .await
        .unwrap()
        .unwrap();
    let mut out = String::new();
    reader.read_to_string(&mut out).unwrap();
    assert!(status.success(), "{out}");
    assert_eq!(out, "0\ncode\nlayer\ndone\n");
    assert_eq!(other.output, "handler.txt\n");
    // The host's code folder is untouched, and the slot is gone.
    assert!(!code.path().join("new").exists());
    let slots = state.path().join("slots");
    assert_eq!(std::fs::read_dir(&slots).unwrap().count(), 0);
}

"""Escape tests: a probe function tries to break out of its execution
environment, through boto3 against the real binary, and every attempt must
fail. Plus what the environment should look like from inside (AWS's paths,
user and hostname).

They need the namespace sandbox, so lambdalite must run as root on Linux
(CI does); elsewhere they are skipped with the reason."""

import base64
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import create, make_zip, unique

PROBE = r'''
import ctypes, errno, json, os, pwd, socket, subprocess, time

libc = ctypes.CDLL(None, use_errno=True)


def oserror(e):
    return {"ok": False, "errno": errno.errorcode.get(e.errno, str(e.errno)), "error": str(e)}


def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except OSError as e:
        return oserror(e)


def call(rc):
    """A libc call's result: ok, or the errno it failed with."""
    if rc == 0:
        return {"ok": True}
    e = ctypes.get_errno()
    return {"ok": False, "errno": errno.errorcode.get(e, str(e))}


def read(path):
    with open(path, "rb") as f:
        return len(f.read())


def write(path):
    with open(path, "w") as f:
        f.write("escaped")
    return True


def connect(host, port, timeout=2):
    s = socket.create_connection((host, port), timeout=timeout)
    data = s.recv(100).decode(errors="replace")
    s.close()
    return data


def fill_tmp(limit_mb):
    written = 0
    chunk = b"x" * (1 << 20)
    try:
        with open("/tmp/fill", "wb") as f:
            while written < limit_mb:
                f.write(chunk)
                f.flush()
                written += 1
    except OSError as e:
        out = oserror(e)
        out["written_mb"] = written
        return out
    finally:
        try:
            os.remove("/tmp/fill")
        except OSError:
            pass
    return {"ok": True, "written_mb": written}


def fork_bomb():
    n = 0
    try:
        for _ in range(4000):
            pid = os.fork()
            if pid == 0:
                time.sleep(20)
                os._exit(0)
            n += 1
    except OSError as e:
        out = oserror(e)
        out["forked"] = n
        return out
    return {"ok": True, "forked": n}


def setuid_binary():
    """Runs a setuid-root program and looks at its effective uid."""
    found = [p for p in ("/usr/bin/passwd", "/usr/bin/chfn", "/usr/bin/su", "/usr/bin/mount")
             if os.path.exists(p) and os.stat(p).st_mode & 0o4000]
    if not found:
        return {"found": []}
    euids = []
    for path in found:
        p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.05)
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("Uid:"):
                    euids.append(int(line.split()[2]))
        except OSError:
            pass
        p.kill()
        p.wait()
    mount = subprocess.run(["/usr/bin/mount", "-t", "tmpfs", "none", "/tmp"], capture_output=True, text=True)
    return {"found": found, "euids": euids, "mount_rc": mount.returncode}


def whoami():
    procs = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    cmdlines = []
    for p in procs:
        try:
            cmdlines.append(open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode())
        except OSError:
            pass
    tmp = os.statvfs("/tmp")
    return {
        "uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(),
        "user": pwd.getpwuid(os.getuid()).pw_name,
        "hostname": socket.gethostname(),
        "cwd": os.getcwd(),
        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
        "runtime_dir": os.environ.get("LAMBDA_RUNTIME_DIR"),
        "runtime_api": os.environ.get("AWS_LAMBDA_RUNTIME_API"),
        "tmp_mb": tmp.f_blocks * tmp.f_frsize // (1 << 20),
        "pid": os.getpid(),
        "procs": procs,
        "cmdlines": cmdlines,
        "root": sorted(os.listdir("/")),
        "interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]],
        "status": {l.split(":")[0]: l.split(":", 1)[1].strip() for l in open("/proc/self/status") if ":" in l},
        "nosuid": {p: bool(os.statvfs(p).f_flag & os.ST_NOSUID) for p in ("/usr", "/var/task", "/tmp")},
    }


def handler(event, context):
    op = event["op"]
    if op == "whoami":
        return whoami()
    if op == "read":
        return attempt(lambda: read(event["path"]))
    if op == "write":
        return attempt(lambda: write(event["path"]))
    if op == "listdir":
        return attempt(lambda: os.listdir(event["path"]))
    if op == "fill_tmp":
        return fill_tmp(event["mb"])
    if op == "alloc":
        block = bytearray(event["mb"] << 20)
        return len(block)
    if op == "fork_bomb":
        return fork_bomb()
    if op == "hang_with_child":
        subprocess.Popen(["sleep", str(event["seconds"])], start_new_session=True)
        time.sleep(60)
        return "not reached"
    if op == "connect":
        return attempt(lambda: connect(event["host"], event["port"]))
    if op == "kill":
        return attempt(lambda: os.kill(event["pid"], event["signal"]))
    if op == "ptrace":
        return call(libc.ptrace(16, event["pid"], 0, 0))
    if op == "mount":
        return call(libc.mount(b"tmpfs", b"/var/task", b"tmpfs", 0, None))
    if op == "unshare":
        return call(libc.unshare(0x10000000))
    if op == "setuid_binary":
        return setuid_binary()
    raise ValueError(op)
'''

PROBE_ZIP = make_zip({"probe.py": PROBE})


def probe_fn(lam, **kw):
    name = unique("probe")
    kw.setdefault("Timeout", 30)
    kw.setdefault("MemorySize", 512)
    create(lam, name, zip_bytes=PROBE_ZIP, handler="probe.handler", runtime="python3.11", **kw)
    return name


def call(lam, name, event, tail=False):
    kw = {"LogType": "Tail"} if tail else {}
    out = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kw)
    body = json.loads(out["Payload"].read() or b"null")
    log = base64.b64decode(out["LogResult"]).decode() if tail else ""
    return out.get("FunctionError"), body, log


@pytest.fixture(scope="module")
def probe(lam):
    """A probe function, or a skip where lambdalite runs unsandboxed."""
    name = probe_fn(lam)
    err, me, _ = call(lam, name, {"op": "whoami"})
    assert err is None, me
    if me["uid"] != 993:
        pytest.skip("lambdalite runs functions unsandboxed here (the namespace sandbox needs root on Linux)")
    return name


@pytest.fixture(scope="module")
def me(lam, probe):
    return call(lam, probe, {"op": "whoami"})[1]


def host_listener():
    """A TCP service on every host address that greets and closes."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", 0))
    srv.listen(16)
    srv.settimeout(30)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.sendall(b"hello from the host\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv


# ------------------------------------------------------------ what it looks like


def test_runs_as_the_sandbox_user(me):
    assert (me["uid"], me["gid"], me["euid"]) == (993, 990, 993)
    assert me["user"] == "sbx_user1051"
    assert me["status"]["CapEff"].strip("0") == ""
    assert me["status"]["CapBnd"].strip("0") == ""
    assert me["status"]["NoNewPrivs"] == "1"
    assert me["status"]["Seccomp"] == "2"


def test_aws_paths_and_hostname(me):
    assert me["cwd"] == "/var/task" == me["task_root"]
    assert me["runtime_dir"] == "/var/runtime"
    assert me["runtime_api"] == "127.0.0.1:9001"
    assert me["hostname"].startswith("169.254.")
    # EphemeralStorage defaults to 512 MB.
    assert 500 <= me["tmp_mb"] <= 512
    assert set(me["root"]) >= {"var", "tmp", "proc", "dev", "usr", "etc", "opt"}
    for host_only in ("home", "root", "work", "boot", "sys", "srv", "mnt"):
        assert host_only not in me["root"]


def test_sees_only_its_own_processes(me):
    # The bootstrap is its namespace's pid 1; no lambdalite, no host process.
    assert me["procs"][0] == 1
    assert max(me["procs"]) < 100, me["procs"]
    assert not any("lambdalite" in c for c in me["cmdlines"]), me["cmdlines"]


# ------------------------------------------------------------ escape attempts


def test_cannot_read_host_files(server, lam, probe):
    other = probe_fn(lam, Description="another function")
    sha = base64.b64decode(lam.get_function(FunctionName=other)["Configuration"]["CodeSha256"]).hex()
    data = Path(server.data_dir).resolve()
    for path in [
        "/etc/shadow",
        "/root/.bashrc",
        str(data / "lambdalite.db"),
        str(data / "code" / sha / "probe.py"),
        str(Path(__file__).resolve()),
        "/proc/1/root/etc/shadow",
    ]:
        err, out, _ = call(lam, probe, {"op": "read", "path": path})
        assert err is None
        assert out["ok"] is False, f"read {path}"
    err, out, _ = call(lam, probe, {"op": "listdir", "path": str(data)})
    assert out["ok"] is False


def test_cannot_write_code_or_system_folders(lam, probe):
    for path in ["/var/task/x", "/var/task/probe.py", "/usr/x", "/usr/bin/python3", "/etc/passwd", "/opt/x", "/x"]:
        err, out, _ = call(lam, probe, {"op": "write", "path": path})
        assert out["ok"] is False, f"wrote {path}"
        assert out["errno"] in ("EROFS", "EACCES", "EPERM"), out


def test_tmp_is_private_and_limited_by_ephemeral_storage(lam):
    # /tmp is memory: give the function more memory than its /tmp.
    name = probe_fn(lam, MemorySize=1024, EphemeralStorage={"Size": 512})
    err, out, _ = call(lam, name, {"op": "fill_tmp", "mb": 700})
    assert err is None, out
    assert out["ok"] is False and out["errno"] == "ENOSPC", out
    assert 500 <= out["written_mb"] <= 512, out


def test_memory_limit_kills_and_lambdalite_goes_on(lam, probe):
    name = probe_fn(lam, MemorySize=128)
    err, body, log = call(lam, name, {"op": "alloc", "mb": 400}, tail=True)
    assert err == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed"), body
    report = [l for l in log.splitlines() if l.startswith("REPORT")][0]
    assert "Memory Size: 128 MB" in report
    used = int(report.split("Max Memory Used: ")[1].split(" ")[0])
    assert 100 <= used <= 128, report
    # The next invocation gets a fresh environment; the server is fine.
    err, me, _ = call(lam, name, {"op": "whoami"})
    assert err is None and me["uid"] == 993
    assert call(lam, probe, {"op": "whoami"})[0] is None


def test_fork_bomb_hits_the_pids_limit(lam):
    name = probe_fn(lam, MemorySize=1024)
    err, out, _ = call(lam, name, {"op": "fork_bomb"})
    assert err is None, out
    assert out["ok"] is False and out["errno"] == "EAGAIN", out
    assert out["forked"] < 1024


def test_timeout_leaves_no_process_behind(lam):
    name = probe_fn(lam, Timeout=1)
    seconds = 3000 + os.getpid() % 997
    err, body, _ = call(lam, name, {"op": "hang_with_child", "seconds": seconds})
    assert err == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    wanted = f"sleep\0{seconds}\0".encode()
    deadline = time.time() + 5
    while time.time() < deadline:
        left = []
        for p in Path("/proc").iterdir():
            try:
                if (p / "cmdline").read_bytes() == wanted:
                    left.append(p.name)
            except OSError:
                pass
        if not left:
            break
        time.sleep(0.1)
    assert not left, f"the background child survived: {left}"


def test_cannot_reach_another_environments_runtime_api(lam, probe, me):
    other = probe_fn(lam)
    err, other_me, _ = call(lam, other, {"op": "whoami"})
    assert other_me["hostname"] != me["hostname"]
    # The other environment is warm: its Runtime API listens, on its own
    # loopback. From here, its address and the host are no way in.
    for host in [other_me["hostname"], "host.lambdalite.internal"]:
        err, out, _ = call(lam, probe, {"op": "connect", "host": host, "port": 9001})
        assert out["ok"] is False, f"reached {host}:9001"


def test_default_network_reaches_the_host(lam, probe):
    srv = host_listener()
    try:
        port = srv.getsockname()[1]
        err, out, _ = call(lam, probe, {"op": "connect", "host": "host.lambdalite.internal", "port": port})
        assert out == {"ok": True, "value": "hello from the host\n"}, out
    finally:
        srv.close()


def test_no_network_in_none_mode(lam, probe):
    name = probe_fn(lam, Environment={"Variables": {"LAMBDALITE_NETWORK": "none"}})
    err, me, _ = call(lam, name, {"op": "whoami"})
    assert me["interfaces"] == ["lo"], me["interfaces"]
    srv = host_listener()
    try:
        port = srv.getsockname()[1]
        for host in ["127.0.0.1", "169.254.64.1"]:
            err, out, _ = call(lam, name, {"op": "connect", "host": host, "port": port})
            assert out["ok"] is False, f"reached {host}"
            assert out["errno"] in ("ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH"), out
    finally:
        srv.close()


def test_cannot_signal_or_trace_outside(lam, probe):
    server_pid = os.getppid()  # any host process: pytest's parent
    for pid in [os.getpid(), server_pid]:
        err, out, _ = call(lam, probe, {"op": "kill", "pid": pid, "signal": 0})
        assert out["ok"] is False and out["errno"] == "ESRCH", out
    err, out, _ = call(lam, probe, {"op": "ptrace", "pid": 1})
    assert out == {"ok": False, "errno": "EPERM"}


def test_cannot_mount_or_make_namespaces(lam, probe):
    assert call(lam, probe, {"op": "mount"})[1] == {"ok": False, "errno": "EPERM"}
    assert call(lam, probe, {"op": "unshare"})[1] == {"ok": False, "errno": "EPERM"}


def test_setuid_binaries_give_nothing(lam, probe, me):
    assert all(me["nosuid"].values()), me["nosuid"]
    err, out, _ = call(lam, probe, {"op": "setuid_binary"})
    assert err is None, out
    if not out["found"]:
        pytest.skip("no setuid-root program on this host to try")
    assert out["euids"], "no setuid program was caught running"
    assert 0 not in out["euids"], out
    assert out["mount_rc"] != 0


# ------------------------------------------------------------ NAT to the outside

TEST_HOST_NET = "198.51.100"  # TEST-NET-2: a documentation range, routed nowhere


@pytest.fixture
def test_host():
    """A host of the test's own, in a network namespace linked to this one
    by a veth pair, with no route back to the environments' addresses: only
    traffic lambdalite masquerades reaches it and gets an answer. It answers
    each connection with the address it came from."""
    import shutil
    import subprocess

    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("test hosts need root and iproute2")
    ns = f"lltest{os.getpid() % 100000}"
    host_if, peer_if = f"llth{os.getpid() % 10000}", f"lltp{os.getpid() % 10000}"

    def ip(*args, netns=None):
        cmd = ["ip", "netns", "exec", netns, "ip", *args] if netns else ["ip", *args]
        subprocess.run(cmd, check=True, capture_output=True)

    ip("netns", "add", ns)
    try:
        ip("link", "add", host_if, "type", "veth", "peer", "name", peer_if, "netns", ns)
        ip("addr", "add", f"{TEST_HOST_NET}.1/24", "dev", host_if)
        ip("link", "set", host_if, "up")
        ip("addr", "add", f"{TEST_HOST_NET}.2/24", "dev", peer_if, netns=ns)
        ip("link", "set", peer_if, "up", netns=ns)
        ip("link", "set", "lo", "up", netns=ns)
        server = subprocess.Popen(
            ["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", (
                "import socket\n"
                "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                f"s.bind(('{TEST_HOST_NET}.2', 8080)); s.listen(8); print('ready', flush=True)\n"
                "while True:\n"
                "    c, peer = s.accept(); c.sendall(('peer=%s\\n' % peer[0]).encode()); c.close()\n"
            )],
            stdout=subprocess.PIPE,
        )
        assert server.stdout.readline().strip() == b"ready"
        try:
            yield f"{TEST_HOST_NET}.2"
        finally:
            server.kill()
            server.wait()
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_default_network_reaches_beyond_the_host_through_nat(tmp_path, test_host):
    import shutil

    from conftest import Server

    if not shutil.which("nft"):
        if os.environ.get("CI"):
            pytest.fail("nftables is not installed, so NAT can't be tested (.ci/run installs it)")
        pytest.skip("nftables is not installed")
    server = Server(tmp_path).start()
    try:
        lam = server.client()
        name = probe_fn(lam)
        err, me, _ = call(lam, name, {"op": "whoami"})
        if me["uid"] != 993:
            pytest.skip("no namespace sandbox here")
        err, out, _ = call(lam, name, {"op": "connect", "host": test_host, "port": 8080})
        assert err is None and out["ok"] is True, out
        # The test host saw the host's own address on its link, not the
        # environment's link-local one: the connection was masqueraded.
        assert out["value"].strip() == f"peer={TEST_HOST_NET}.1", out
    finally:
        server.stop()

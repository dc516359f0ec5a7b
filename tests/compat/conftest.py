"""Fixtures that start the real lambdalite binary and point AWS clients at it."""

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import botocore.config
import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
BINARY = Path(os.environ.get("LAMBDALITE_BIN", TARGET / "debug" / "lambdalite"))
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One lambdalite process on a free port with its own data directory."""

    def __init__(self, data_dir, extra_env=None, listen_host="127.0.0.1", extra_args=None):
        self.data_dir = data_dir
        self.extra_env = extra_env or {}
        self.extra_args = list(extra_args or [])
        self.listen_host = listen_host
        self.port = None
        self.proc = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LAMBDALITE_LOG": "warn"}
        env.update(self.extra_env)
        self.log = open(Path(self.data_dir) / "server.log", "ab")
        self.proc = subprocess.Popen(
            [str(BINARY), "serve", "--listen", f"{self.listen_host}:{self.port}", "--data-dir", str(self.data_dir)]
            + self.extra_args,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
        )
        line = self.proc.stdout.readline().decode()
        assert "listening on" in line, f"lambdalite did not start: {line!r}"
        return self

    def stop(self, sig_kill=False):
        if self.proc and self.proc.poll() is None:
            if sig_kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()

    def client(self, service="lambda"):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=120),
        )

    def aws(self, *args, check=True):
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_PAGER="",
        )
        venv_aws = Path(sys.executable).parent / "aws"
        aws_bin = str(venv_aws) if venv_aws.exists() else shutil.which("aws")
        out = subprocess.run(
            [aws_bin, "--endpoint-url", self.endpoint, "--output", "json", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if check and out.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {out.stderr}")
        return out


@pytest.fixture(scope="session")
def server():
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    s = Server(d).start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fresh_server():
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    s = Server(d).start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def lam(server):
    return server.client()


def make_zip(files):
    """A zip of {name: text or (bytes, mode)}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            mode = 0o644
            if isinstance(content, tuple):
                content, mode = content
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


PY_ECHO = make_zip({"app.py": "def handler(event, context):\n    return event\n"})

_counter = [0]


def unique(prefix="fn"):
    _counter[0] += 1
    return f"{prefix}-{os.getpid()}-{_counter[0]}-{int(time.time() * 1000) % 100000}"


def create(lam, name=None, zip_bytes=PY_ECHO, runtime="python3.12", handler="app.handler", **kw):
    name = name or unique()
    return lam.create_function(
        FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler, Code={"ZipFile": zip_bytes}, **kw
    )


# Keys of the server that checks signatures: the account's own, and one of
# another account (from a credentials file).
OWN_KEY = ("AKIAOWNKEY000000TEST", "own-secret/+key")
OTHER_KEY = ("AKIAOTHERKEY0000TEST", "other-secret")
OTHER_ACCOUNT = "111111111111"


class AuthedServer(Server):
    """A server with credentials configured; its `client()` signs with the
    account's own key, `client_with(id, secret)` with any."""

    def client(self, service="lambda"):
        return self.client_with(*OWN_KEY)

    def client_with(self, key_id, secret, region="us-east-1"):
        return boto3.client(
            "lambda",
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=120),
        )

    def aws_with(self, key_id, secret, *args):
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID=key_id,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_PAGER="",
        )
        env.pop("AWS_SESSION_TOKEN", None)
        venv_aws = Path(sys.executable).parent / "aws"
        aws_bin = str(venv_aws) if venv_aws.exists() else shutil.which("aws")
        return subprocess.run(
            [aws_bin, "--endpoint-url", self.endpoint, "--output", "json", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )


@pytest.fixture(scope="session")
def authed_server():
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    creds = Path(d) / "credentials"
    creds.write_text(
        f"[other]\naws_access_key_id = {OTHER_KEY[0]}\naws_secret_access_key = {OTHER_KEY[1]}\n"
        f"account_id = {OTHER_ACCOUNT}\n"
    )
    s = AuthedServer(
        d,
        extra_env={
            "LAMBDALITE_ACCESS_KEY_ID": OWN_KEY[0],
            "LAMBDALITE_SECRET_ACCESS_KEY": OWN_KEY[1],
            "LAMBDALITE_CREDENTIALS_FILE": str(creds),
        },
    ).start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)

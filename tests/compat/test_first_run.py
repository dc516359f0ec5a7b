"""What a new user meets in the first hour: the README's command, one
request id per invocation everywhere, and functions that call lambdalite's
own API with the SDK, as on AWS."""

import base64
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.config
import pytest

from conftest import ROOT, Server, create, make_zip, unique


def readme_command(heading):
    """The first shell block after the README line that starts with `heading`."""
    text = (ROOT / "README.md").read_text()
    at = text.index(heading)
    block = re.search(r"```sh\n(.*?)```", text[at:], re.S)
    assert block, f"no command after {heading!r} in README.md"
    return block.group(1).strip()


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_readme_run_command_serves_the_api():
    command = readme_command("Run lambdalite")
    assert command == "cargo run --release -- serve", command
    if not port_free(9001):
        if os.environ.get("CI"):
            pytest.fail("port 9001 is taken, so the README's command can't be checked")
        pytest.skip("port 9001 is taken on this machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAMBDALITE_")}
    proc = subprocess.Popen(
        command, shell=True, cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        # A build may come first (scripts/test builds it ahead).
        deadline = time.time() + 1200
        line = b""
        while time.time() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            if b"listening on" in line:
                break
        assert b"listening on http://127.0.0.1:9001" in line, f"README's command did not start: {line!r}"
        lam = boto3.client(
            "lambda", endpoint_url="http://127.0.0.1:9001", region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )
        assert "Functions" in lam.list_functions()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_readme_test_command_is_the_one_ci_runs():
    assert readme_command("Run the tests") == "scripts/test"
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


# One request id per invocation (AWS: the Invoke answer's x-amzn-RequestId,
# the context, the Runtime API header, START/END/REPORT and the error body).

REQUEST_ID_PY = make_zip({
    "app.py": (
        "import os\n"
        "def handler(event, context):\n"
        "    print('inside', context.aws_request_id)\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('no')\n"
        "    return {'id': context.aws_request_id}\n"
    )
})


def test_one_request_id_for_a_synchronous_invoke(lam):
    name = create(lam, zip_bytes=REQUEST_ID_PY)["FunctionName"]
    r = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    header = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert json.loads(r["Payload"].read()) == {"id": header}
    tail = base64.b64decode(r["LogResult"]).decode()
    assert f"START RequestId: {header} Version: $LATEST" in tail
    assert f"inside {header}" in tail
    assert f"END RequestId: {header}" in tail
    assert f"REPORT RequestId: {header}\t" in tail


def test_one_request_id_for_a_failed_invoke(lam):
    name = create(lam, zip_bytes=REQUEST_ID_PY)["FunctionName"]
    r = lam.invoke(FunctionName=name, Payload=b'{"fail": true}', LogType="Tail")
    header = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert r["FunctionError"] == "Unhandled"
    body = json.loads(r["Payload"].read())
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == header
    assert f"START RequestId: {header}" in base64.b64decode(r["LogResult"]).decode()


def test_a_timeout_names_the_invocations_request_id(lam):
    name = create(
        lam, Timeout=1,
        zip_bytes=make_zip({"app.py": "import time\ndef handler(e, c):\n    time.sleep(5)\n"}),
    )["FunctionName"]
    r = lam.invoke(FunctionName=name, Payload=b"{}")
    header = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    body = json.loads(r["Payload"].read())
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"] == f"RequestId: {header} Error: Task timed out after 1.00 seconds"


def read_log_lines(data_dir, function):
    lines = []
    root = Path(data_dir) / "logs"
    for path in root.rglob("*.jsonl"):
        if function in str(path):
            for row in path.read_text().splitlines():
                try:
                    lines.append(json.loads(row)["message"])
                except (ValueError, KeyError):
                    pass
    return lines


def test_event_retries_keep_the_request_id(tmp_path):
    server = Server(tmp_path, extra_env={"LAMBDALITE_ASYNC_RETRY_DELAY": "0.2"}).start()
    try:
        lam = server.client()
        code = make_zip({
            "app.py": (
                "import os\n"
                "def handler(event, context):\n"
                "    print('attempt', context.aws_request_id)\n"
                "    if not os.path.exists('/tmp/seen'):\n"
                "        open('/tmp/seen', 'w').close()\n"
                "        raise RuntimeError('first attempt fails')\n"
            )
        })
        name = create(lam, zip_bytes=code)["FunctionName"]
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        r = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        assert r["StatusCode"] == 202
        accepted = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
        deadline = time.time() + 60
        attempts = []
        while time.time() < deadline:
            attempts = [m for m in read_log_lines(tmp_path, name) if m.startswith("attempt ")]
            if len(attempts) >= 2:
                break
            time.sleep(0.2)
        assert len(attempts) == 2, attempts
        assert all(a.strip() == f"attempt {accepted}" for a in attempts), (accepted, attempts)
        starts = [m for m in read_log_lines(tmp_path, name) if m.startswith("START ")]
        assert all(f"RequestId: {accepted} " in s for s in starts), starts
    finally:
        server.stop()


def test_a_function_urls_request_id_is_the_invocations(lam, server):
    name = create(lam, zip_bytes=REQUEST_ID_PY)["FunctionName"]
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    with urllib.request.urlopen(f"{server.endpoint}/_lambdalite/url/{url_id}/", timeout=60) as resp:
        header = resp.headers["x-amzn-RequestId"]
        assert json.loads(resp.read()) == {"id": header}


# Functions call lambdalite's own API with the SDK, with no flags anywhere.

def sdk_zip(handler_source):
    """A package with boto3 bundled, as users build them for AWS."""
    import boto3 as b3
    site = Path(b3.__file__).resolve().parents[1]
    files = {"app.py": handler_source}
    for package in ["boto3", "botocore", "jmespath", "dateutil", "s3transfer", "urllib3"]:
        base = site / package
        for path in base.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path.relative_to(site))] = path.read_bytes()
    files["six.py"] = (site / "six.py").read_bytes()
    return make_zip(files)


SDK_CALLER = """
import json, os, boto3
def handler(event, context):
    lam = boto3.client("lambda")
    out = lam.invoke(FunctionName=event["target"], Payload=json.dumps({"from": context.function_name}))
    return {
        "answer": json.loads(out["Payload"].read()),
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "lambda_endpoint": os.environ["AWS_ENDPOINT_URL_LAMBDA"],
        "target": lam.get_function(FunctionName=event["target"])["Configuration"]["FunctionName"],
    }
"""


@pytest.fixture(scope="module")
def boto3_package():
    return sdk_zip(SDK_CALLER)


def test_a_function_invokes_another_with_bundled_boto3(lam, boto3_package):
    target = create(lam, zip_bytes=make_zip({"app.py": "def handler(e, c):\n    return {'got': e}\n"}))
    caller = create(lam, zip_bytes=boto3_package, MemorySize=1769, Timeout=60)
    r = lam.invoke(FunctionName=caller["FunctionName"], Payload=json.dumps({"target": target["FunctionName"]}))
    body = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, body
    assert body["answer"] == {"got": {"from": caller["FunctionName"]}}
    assert body["endpoint"] == body["lambda_endpoint"]
    assert body["target"] == target["FunctionName"]


def test_the_functions_listener_wants_a_signature(server):
    """lambdalite's API as environments see it, from the host: unsigned
    requests are refused there even though the server has no keys."""
    try:
        urllib.request.urlopen(f"http://169.254.63.1:{server.port}/2015-03-31/functions/", timeout=5)
    except urllib.error.HTTPError as e:
        assert e.code == 403
        assert e.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    except urllib.error.URLError:
        pytest.skip("no functions' listener (no namespace sandbox here)")
    else:
        pytest.fail("an unsigned request was served on the functions' listener")


# --network host: localhost in a function is the host.

def test_host_network_reaches_host_loopback(tmp_path):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    server = Server(tmp_path, extra_env={"LAMBDALITE_NETWORK": "host"}).start()
    try:
        lam = server.client()
        code = make_zip({
            "app.py": (
                "import socket, os\n"
                "def handler(event, context):\n"
                "    c = socket.create_connection(('127.0.0.1', event['port']), timeout=5)\n"
                "    c.sendall(b'hi')\n"
                "    c.close()\n"
                "    return {'endpoint': os.environ['AWS_ENDPOINT_URL'], 'api': os.environ['AWS_LAMBDA_RUNTIME_API']}\n"
            )
        })
        name = create(lam, zip_bytes=code)["FunctionName"]
        r = lam.invoke(FunctionName=name, Payload=json.dumps({"port": port}))
        body = json.loads(r["Payload"].read())
        assert "FunctionError" not in r, body
        conn, _ = srv.accept()
        assert conn.recv(10) == b"hi"
        conn.close()
        # Its Runtime API is a port of the host's loopback, not 9001.
        assert body["api"].startswith("127.0.0.1:") and body["api"] != "127.0.0.1:9001"
    finally:
        server.stop()
        srv.close()

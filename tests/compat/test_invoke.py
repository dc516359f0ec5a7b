"""Invoke, end to end: python, node and provided functions, run by the real
server, driven by boto3; real runtime clients (awslambdaric, the Rust
lambda_runtime crate, a curl shell script) as provided bootstraps."""

import base64
import concurrent.futures
import json
import os
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import TARGET, create, make_zip, unique


def invoke(lam, name, event=None, **kw):
    args = dict(FunctionName=name)
    if event is not None:
        args["Payload"] = json.dumps(event).encode()
    args.update(kw)
    out = lam.invoke(**args)
    body = out["Payload"].read()
    out["Body"] = json.loads(body) if body else None
    out["Raw"] = body
    if "LogResult" in out:
        out["Log"] = base64.b64decode(out["LogResult"]).decode()
    return out


def py_fn(lam, source, handler="app.handler", **kw):
    name = unique("py")
    create(lam, name, zip_bytes=make_zip({"app.py": source}), handler=handler, **kw)
    return name


def node_fn(lam, files, handler="index.handler", runtime="nodejs20.x", **kw):
    name = unique("node")
    create(lam, name, zip_bytes=make_zip(files), handler=handler, runtime=runtime, **kw)
    return name


def provided_fn(lam, files, **kw):
    name = unique("prov")
    create(lam, name, zip_bytes=make_zip(files), handler="bootstrap", runtime="provided.al2023", **kw)
    return name


# ---------------------------------------------------------------- python


def test_python_echo(lam):
    name = py_fn(lam, "def handler(event, context):\n    return event\n")
    out = invoke(lam, name, {"hello": "world"})
    assert out["StatusCode"] == 200
    assert out["Body"] == {"hello": "world"}
    assert out["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in out


def test_python_empty_payload_is_empty_object(lam):
    name = py_fn(lam, "def handler(event, context):\n    return {'got': event}\n")
    assert invoke(lam, name)["Body"] == {"got": {}}


def test_python_none_result_is_null(lam):
    name = py_fn(lam, "def handler(event, context):\n    return None\n")
    assert invoke(lam, name, {})["Raw"] == b"null"


def test_python_context(lam):
    src = (
        "def handler(event, context):\n"
        "    return {'fn': context.function_name, 'ver': context.function_version,\n"
        "            'arn': context.invoked_function_arn, 'mem': context.memory_limit_in_mb,\n"
        "            'id': context.aws_request_id, 'group': context.log_group_name,\n"
        "            'stream': context.log_stream_name, 'left': context.get_remaining_time_in_millis()}\n"
    )
    name = py_fn(lam, src, Timeout=7, MemorySize=256)
    out = invoke(lam, name, {})
    b = out["Body"]
    assert b["fn"] == name
    assert b["ver"] == "$LATEST"
    assert b["arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert int(b["mem"]) == 256
    assert b["group"] == f"/aws/lambda/{name}"
    assert b["stream"].count("/") == 3 and "[$LATEST]" in b["stream"]
    assert 0 < b["left"] <= 7000
    assert len(b["id"]) == 36


def test_python_environment_is_clean_and_complete(lam):
    src = "import os\ndef handler(event, context):\n    return dict(os.environ)\n"
    name = py_fn(lam, src, Environment={"Variables": {"MY_SETTING": "on"}})
    env = invoke(lam, name, {})["Body"]
    assert env["MY_SETTING"] == "on"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["TZ"] == ":UTC"
    assert ":" in env["AWS_LAMBDA_RUNTIME_API"]
    for key in ("LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "PATH", "LANG", "LD_LIBRARY_PATH", "_X_AMZN_TRACE_ID"):
        assert key in env, key
    # Nothing of the host's (or the test runner's) environment leaks in.
    assert "LAMBDALITE_LOG" not in env
    assert "HOME" not in env and "VIRTUAL_ENV" not in env


def test_python_warm_environment_keeps_module_state(lam):
    src = "count = 0\ndef handler(event, context):\n    global count\n    count += 1\n    return count\n"
    name = py_fn(lam, src)
    assert [invoke(lam, name, {})["Body"] for _ in range(3)] == [1, 2, 3]


def test_python_handler_in_a_package(lam):
    name = unique("py")
    files = {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": "def fn(e, c):\n    return 'deep'\n"}
    create(lam, name, zip_bytes=make_zip(files), handler="pkg/sub/mod.fn")
    assert invoke(lam, name, {})["Body"] == "deep"


def test_python_error(lam):
    src = "def handler(event, context):\n    raise ValueError('boom')\n"
    name = py_fn(lam, src)
    out = invoke(lam, name, {})
    assert out["StatusCode"] == 200
    assert out["FunctionError"] == "Unhandled"
    b = out["Body"]
    assert b["errorType"] == "ValueError"
    assert b["errorMessage"] == "boom"
    assert isinstance(b["stackTrace"], list) and "raise ValueError('boom')" in "".join(b["stackTrace"])
    assert len(b["requestId"]) == 36
    # The environment survives a handled error.
    again = invoke(lam, name, {}, LogType="Tail")
    assert "Init Duration" not in again["Log"]


def test_python_import_error(lam):
    name = py_fn(lam, "def handler(e, c):\n    return 1\n", handler="missing.handler")
    out = invoke(lam, name, {})
    assert out["FunctionError"] == "Unhandled"
    assert out["Body"]["errorType"] == "Runtime.ImportModuleError"
    assert out["Body"]["errorMessage"] == "Unable to import module 'missing': No module named 'missing'"


def test_python_handler_not_found(lam):
    name = py_fn(lam, "def handler(e, c):\n    return 1\n", handler="app.nope")
    out = invoke(lam, name, {})
    assert out["Body"]["errorType"] == "Runtime.HandlerNotFound"
    assert out["Body"]["errorMessage"] == "Handler 'nope' missing on module 'app'"


def test_python_timeout(lam):
    src = "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'done'\n"
    name = py_fn(lam, src, Timeout=1)
    out = invoke(lam, name, {"sleep": 5}, LogType="Tail")
    assert out["FunctionError"] == "Unhandled"
    b = out["Body"]
    assert b["errorType"] == "Sandbox.Timedout"
    assert b["errorMessage"].startswith("RequestId: ")
    assert b["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    assert "Task timed out after 1.00 seconds" in out["Log"]
    assert "Status: timeout" in out["Log"]
    # The next invocation gets a fresh environment and works.
    again = invoke(lam, name, {"sleep": 0}, LogType="Tail")
    assert again["Body"] == "done"
    assert "Init Duration" in again["Log"]


def test_python_exit_is_runtime_exit_error(lam):
    src = "import sys\ndef handler(event, context):\n    sys.exit(3)\n"
    name = py_fn(lam, src)
    out = invoke(lam, name, {})
    assert out["FunctionError"] == "Unhandled"
    assert out["Body"]["errorType"] == "Runtime.ExitError"
    assert out["Body"]["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")


def test_python_logs_tail_and_report(lam):
    src = "def handler(event, context):\n    print('hello from the function')\n    return 1\n"
    name = py_fn(lam, src, MemorySize=512)
    out = invoke(lam, name, {}, LogType="Tail")
    log = out["Log"]
    lines = log.splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[0].endswith(" Version: $LATEST")
    assert "hello from the function" in log
    end = [l for l in lines if l.startswith("END RequestId: ")]
    report = [l for l in lines if l.startswith("REPORT RequestId: ")]
    assert len(end) == 1 and len(report) == 1
    fields = report[0].split("\t")
    assert fields[1].startswith("Duration: ") and fields[1].endswith(" ms")
    assert fields[2].startswith("Billed Duration: ")
    assert fields[3] == "Memory Size: 512 MB"
    assert fields[4].startswith("Max Memory Used: ")
    assert fields[5].startswith("Init Duration: ")
    warm = invoke(lam, name, {}, LogType="Tail")["Log"]
    assert "Init Duration" not in warm
    request_id = lines[0].split()[2]
    assert end[0] == f"END RequestId: {request_id}"


def test_logs_are_stored_under_the_data_dir(server, lam):
    name = py_fn(lam, "def handler(event, context):\n    print('stored line')\n    return 1\n")
    invoke(lam, name, {})
    group_dir = Path(server.data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    deadline = time.time() + 5
    text = ""
    while time.time() < deadline:
        files = list(group_dir.glob("*.jsonl"))
        text = "".join(f.read_text() for f in files)
        if "REPORT RequestId" in text:
            break
        time.sleep(0.05)
    messages = [json.loads(l)["message"] for l in text.splitlines()]
    assert any(m.startswith("START RequestId") for m in messages)
    assert any("stored line" in m for m in messages)
    assert any(m.startswith("REPORT RequestId") for m in messages)


def test_concurrent_invocations_get_their_own_environments(lam):
    src = (
        "import os, time, uuid\nENV = str(uuid.uuid4())\n"
        "def handler(event, context):\n    time.sleep(1)\n    return ENV\n"
    )
    name = py_fn(lam, src, Timeout=10)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        envs = list(pool.map(lambda _: invoke(lam, name, {})["Body"], range(3)))
    assert len(set(envs)) == 3


def test_update_retires_old_environments(lam):
    src = "import os, uuid\nENV = str(uuid.uuid4())\ndef handler(e, c):\n    return [ENV, os.environ.get('COLOR')]\n"
    name = py_fn(lam, src, Environment={"Variables": {"COLOR": "red"}})
    first = invoke(lam, name, {})["Body"]
    assert invoke(lam, name, {})["Body"] == first
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"COLOR": "blue"}})
    second = invoke(lam, name, {})["Body"]
    assert second[1] == "blue" and second[0] != first[0]
    lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 'v2'\n"}))
    assert invoke(lam, name, {})["Body"] == "v2"


def test_client_context_reaches_the_function(lam):
    src = "def handler(event, context):\n    return context.client_context.custom\n"
    name = py_fn(lam, src)
    ctx = base64.b64encode(json.dumps({"custom": {"k": "v"}, "env": {}, "client": {}}).encode()).decode()
    assert invoke(lam, name, {}, ClientContext=ctx)["Body"] == {"k": "v"}


def test_response_too_large(lam):
    src = "def handler(event, context):\n    return 'x' * (7 * 1024 * 1024)\n"
    name = py_fn(lam, src)
    out = invoke(lam, name, {})
    assert out["FunctionError"] == "Unhandled"
    assert out["Body"]["errorType"] == "Function.ResponseSizeTooLarge"


# ------------------------------------------------------------ invoke API


def test_dry_run(lam):
    name = py_fn(lam, "def handler(e, c):\n    return 1\n")
    out = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert out["StatusCode"] == 204
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="no-such-function", InvocationType="DryRun")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def wait_for_log_line(server, name, needle, timeout=10):
    """The function's stored log, once a line containing `needle` is there.

    Functions run sandboxed and can't write the test's files: their log is
    the side channel."""
    group_dir = Path(server.data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    deadline = time.time() + timeout
    messages = []
    while time.time() < deadline:
        text = "".join(f.read_text() for f in group_dir.glob("*.jsonl"))
        messages = [json.loads(l)["message"] for l in text.splitlines()]
        if any(needle in m for m in messages):
            return messages
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never logged by {name}: {messages}")


def test_event_invocation_runs(server, lam):
    src = "def handler(event, context):\n    print('event ran', event['token'], context.aws_request_id)\n"
    name = py_fn(lam, src)
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"token": "t-123"}))
    assert out["StatusCode"] == 202
    messages = wait_for_log_line(server, name, "event ran t-123")


def test_legacy_invoke_async(server, lam):
    src = "def handler(event, context):\n    print('async ran', event['token'])\n"
    name = py_fn(lam, src)
    out = lam.invoke_async(FunctionName=name, InvokeArgs=json.dumps({"token": "t-456"}))
    assert out["Status"] == 202
    wait_for_log_line(server, name, "async ran t-456")


def test_payload_limits(lam):
    name = py_fn(lam, "def handler(e, c):\n    return 1\n")
    big = json.dumps({"x": "a" * (6 * 1024 * 1024)})
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=big)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    medium = json.dumps({"x": "a" * (1024 * 1024 + 10)})
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=medium, InvocationType="Event")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    # Just under the synchronous limit passes.
    ok = json.dumps({"x": "a" * (5 * 1024 * 1024)})
    assert lam.invoke(FunctionName=name, Payload=ok)["StatusCode"] == 200


def test_invalid_payload_and_headers(lam):
    name = py_fn(lam, "def handler(e, c):\n    return 1\n")
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{}", ClientContext="***")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="nope-" + name, Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_unsupported_runtime_is_a_clear_error(lam):
    name = unique("java")
    create(lam, name, runtime="java21", handler="example.Handler::handleRequest")
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "java21" in e.value.response["Error"]["Message"]


# ------------------------------------------------------------------ node

SNS_EVENT = {
    "Records": [
        {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:cooking:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
            "Sns": {
                "Type": "Notification",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": "arn:aws:sns:us-east-1:000000000000:cooking",
                "Subject": None,
                "Message": json.dumps({"cook_secs": 10, "req_secs": 20, "pre": "pizza"}),
                "Timestamp": "2026-11-26T13:47:05.123Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {},
            },
        }
    ]
}

SEED = """exports.handler = function(event, context) {
  const message = JSON.parse(event.Records[0].Sns.Message);
  if (message.cook_secs < message.req_secs) {
    if (message.pre) { context.succeed("User ended " + message.pre + " preset early"); }
    else { context.succeed("User ended custom cook time early"); }
  }
  context.succeed();
};
"""


def test_node_seed_sns_example(lam):
    name = node_fn(lam, {"index.js": SEED})
    out = invoke(lam, name, SNS_EVENT)
    assert out["Body"] == "User ended pizza preset early"
    assert "FunctionError" not in out


def test_node_async_handler_and_state(lam):
    src = "let n = 0;\nexports.handler = async (event, context) => ({ n: ++n, id: context.awsRequestId, fn: context.functionName, event });\n"
    name = node_fn(lam, {"index.js": src})
    a = invoke(lam, name, {"x": 1})["Body"]
    b = invoke(lam, name, {"x": 2})["Body"]
    assert (a["n"], b["n"]) == (1, 2)
    assert a["fn"] == name and a["event"] == {"x": 1} and a["id"] != b["id"]


def test_node_callback_handler(lam):
    src = "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, {ok: event.v}), 10); };\n"
    name = node_fn(lam, {"index.js": src})
    assert invoke(lam, name, {"v": 7})["Body"] == {"ok": 7}


def test_node_es_module(lam):
    src = "export const handler = async (event) => ({ esm: true, v: event.v });\n"
    name = node_fn(lam, {"index.mjs": src}, runtime="nodejs22.x")
    assert invoke(lam, name, {"v": 3})["Body"] == {"esm": True, "v": 3}


def test_node_error(lam):
    src = "exports.handler = async () => { throw new TypeError('bad thing'); };\n"
    name = node_fn(lam, {"index.js": src})
    out = invoke(lam, name, {})
    assert out["FunctionError"] == "Unhandled"
    assert out["Body"]["errorType"] == "TypeError"
    assert out["Body"]["errorMessage"] == "bad thing"
    assert isinstance(out["Body"]["trace"], list)


def test_node_missing_handler(lam):
    name = node_fn(lam, {"index.js": "exports.other = () => 1;\n"})
    out = invoke(lam, name, {})
    assert out["Body"]["errorType"] == "Runtime.HandlerNotFound"


def test_node_console_log_format(lam):
    src = "exports.handler = async (e, ctx) => { console.log('node says', 42); return ctx.awsRequestId; };\n"
    name = node_fn(lam, {"index.js": src})
    out = invoke(lam, name, {}, LogType="Tail")
    rid = out["Body"]
    line = [l for l in out["Log"].splitlines() if "node says 42" in l][0]
    parts = line.split("\t")
    assert parts[1] == rid and parts[2] == "INFO" and parts[3] == "node says 42"


# -------------------------------------------------------------- provided

CURL_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  HEADERS="/tmp/headers.$$"
  EVENT=$(curl -sS -D "$HEADERS" "$API/next")
  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "shell runtime got $EVENT"
  curl -sS -X POST "$API/$ID/response" -d "{\\"shell\\":$EVENT}" > /dev/null
done
"""


def test_provided_shell_bootstrap_with_curl(lam):
    name = provided_fn(lam, {"bootstrap": (CURL_BOOTSTRAP, 0o755)})
    out = invoke(lam, name, {"a": 1}, LogType="Tail")
    assert out["Body"] == {"shell": {"a": 1}}
    assert "shell runtime got" in out["Log"]
    assert invoke(lam, name, {"b": 2})["Body"] == {"shell": {"b": 2}}


def rust_echo_binary():
    for profile in ("debug", "release"):
        p = TARGET / profile / "bootstrap"
        if p.exists():
            return p.read_bytes()
    pytest.fail("the rust-echo fixture is not built (cargo build --workspace)")


def test_provided_rust_lambda_runtime(lam):
    name = provided_fn(lam, {"bootstrap": (rust_echo_binary(), 0o755)})
    assert invoke(lam, name, {"hi": [1, 2]})["Body"] == {"hi": [1, 2]}
    ctx = invoke(lam, name, {"context": True})["Body"]
    assert ctx["arn"].endswith(f":function:{name}") and len(ctx["request_id"]) == 36
    assert ctx["deadline"] > time.time() * 1000
    failed = invoke(lam, name, {"fail": True})
    assert failed["FunctionError"] == "Unhandled"
    assert failed["Body"]["errorMessage"] == "asked to fail"


def ric_package():
    """awslambdaric and what it imports, from the test's own environment, as
    a custom runtime's zip carries them (`pip install -t`)."""
    import awslambdaric

    site = Path(awslambdaric.__file__).parents[1]
    files = {}
    for pattern in ["awslambdaric/**/*", "simplejson/**/*", "runtime_client*.so", "snapshot_restore_py.py"]:
        for f in site.glob(pattern):
            if f.is_file() and "__pycache__" not in f.parts:
                files[str(f.relative_to(site))] = (f.read_bytes(), 0o755 if f.suffix == ".so" else 0o644)
    return files


def test_provided_awslambdaric(lam):
    # The host interpreter the test's venv is made from: functions see the
    # host's /usr, not the venv.
    python = Path(sys.executable).resolve()
    bootstrap = f"#!/bin/sh\nexec {python} -m awslambdaric app.handler\n"
    app = "def handler(event, context):\n    return {'ric': event, 'fn': context.function_name}\n"
    name = provided_fn(lam, {"bootstrap": (bootstrap, 0o755), "app.py": app, **ric_package()})
    out = invoke(lam, name, {"z": 9})
    assert out["Body"] == {"ric": {"z": 9}, "fn": name}
    err_app = "def handler(event, context):\n    raise KeyError('k')\n"
    name2 = provided_fn(lam, {"bootstrap": (bootstrap, 0o755), "app.py": err_app, **ric_package()})
    out = invoke(lam, name2, {})
    assert out["FunctionError"] == "Unhandled"
    assert out["Body"]["errorType"] == "KeyError"


def test_provided_without_bootstrap(lam):
    name = provided_fn(lam, {"readme.txt": "no bootstrap here"})
    out = invoke(lam, name, {})
    assert out["FunctionError"] == "Unhandled"
    assert out["Body"]["errorType"] == "Runtime.InvalidEntrypoint"


def test_provided_runtime_crash(lam):
    name = provided_fn(lam, {"bootstrap": ("#!/bin/sh\necho dying\nexit 7\n", 0o755)})
    out = invoke(lam, name, {}, LogType="Tail")
    assert out["Body"]["errorType"] == "Runtime.ExitError"
    assert "exit status 7" in out["Body"]["errorMessage"]
    assert "dying" in out["Log"]

"""The function control plane driven by the unmodified aws CLI."""

import json

from conftest import PY_ECHO, ROLE, unique


def test_cli_walkthrough(server, tmp_path):
    name = unique("cli")
    zip_path = tmp_path / "f.zip"
    zip_path.write_bytes(PY_ECHO)
    out = server.aws(
        "lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
        "--role", ROLE, "--handler", "app.handler", "--zip-file", f"fileb://{zip_path}",
    )
    created = json.loads(out.stdout)
    assert created["FunctionName"] == name and created["State"] == "Pending"
    server.aws("lambda", "wait", "function-active-v2", "--function-name", name)

    listed = json.loads(server.aws("lambda", "list-functions").stdout)
    assert name in [f["FunctionName"] for f in listed["Functions"]]

    got = json.loads(server.aws("lambda", "get-function", "--function-name", name).stdout)
    assert got["Configuration"]["Runtime"] == "python3.12"

    upd = json.loads(
        server.aws(
            "lambda", "update-function-configuration", "--function-name", name,
            "--memory-size", "512", "--environment", "Variables={GREETING=hi}",
        ).stdout
    )
    assert upd["MemorySize"] == 512
    assert upd["Environment"] == {"Variables": {"GREETING": "hi"}}

    server.aws("lambda", "update-function-code", "--function-name", name, "--zip-file", f"fileb://{zip_path}")
    server.aws("lambda", "delete-function", "--function-name", name)
    missing = server.aws("lambda", "get-function", "--function-name", name, check=False)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr
    assert f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}" in missing.stderr


def test_cli_reports_validation_errors(server, tmp_path):
    zip_path = tmp_path / "f.zip"
    zip_path.write_bytes(PY_ECHO)
    out = server.aws(
        "lambda", "create-function", "--function-name", unique("cli"), "--runtime", "python3.12",
        "--role", ROLE, "--handler", "app.handler", "--zip-file", f"fileb://{zip_path}",
        "--memory-size", "20000", check=False,
    )
    assert out.returncode != 0
    assert "InvalidParameterValueException" in out.stderr
    assert "less than or equal to 10240" in out.stderr


def test_cli_account_settings(server):
    out = json.loads(server.aws("lambda", "get-account-settings").stdout)
    assert out["AccountLimit"]["ConcurrentExecutions"] == 1000


def test_cli_invoke(server, tmp_path):
    name = unique("cli")
    zip_path = tmp_path / "f.zip"
    zip_path.write_bytes(PY_ECHO)
    server.aws(
        "lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
        "--role", ROLE, "--handler", "app.handler", "--zip-file", f"fileb://{zip_path}",
    )
    out_file = tmp_path / "out.json"
    out = server.aws(
        "lambda", "invoke", "--function-name", name,
        "--payload", '{"from": "cli"}', "--log-type", "Tail", str(out_file),
    )
    meta = json.loads(out.stdout)
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert "LogResult" in meta
    assert json.loads(out_file.read_text()) == {"from": "cli"}

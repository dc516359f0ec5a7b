"""Traffic-shifting deployments of an alias: all at once, linear and canary,
with hook functions and rollback on errors, through lambdalite's deployment
API and the `lambdalite deploy` command."""

import json
import subprocess
import time
import urllib.request

from conftest import BINARY, create, make_zip, unique


def versioned_function(lam, v2_source="def handler(e, c):\n    return 'two'\n"):
    name = unique("dep")
    create(lam, name, zip_bytes=make_zip({"app.py": "def handler(e, c):\n    return 'one'\n"}), Publish=True)
    lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": v2_source}), Publish=True)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name


def hook(lam, source):
    name = unique("hook")
    create(lam, name, zip_bytes=make_zip({"app.py": source}))
    return name


def api(server, method, path, body=None):
    req = urllib.request.Request(
        server.endpoint + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def wait_done(server, deployment_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        _, d = api(server, "GET", f"/_lambdalite/deployments/{deployment_id}")
        if d["Status"] != "InProgress":
            return d
        time.sleep(0.1)
    raise AssertionError(f"deployment {deployment_id} did not end")


def test_cli_all_at_once(server, lam):
    name = versioned_function(lam)
    out = subprocess.run(
        [str(BINARY), "deploy", "--endpoint", server.endpoint, "--function", name, "--alias", "live", "--version", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Deployment succeeded" in out.stdout
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"
    assert json.loads(lam.invoke(FunctionName=f"{name}:live")["Payload"].read()) == "two"


def test_linear_shift_is_visible_while_it_runs(server, lam):
    name = versioned_function(lam)
    status, d = api(
        server,
        "POST",
        "/_lambdalite/deployments",
        {
            "FunctionName": name,
            "AliasName": "live",
            "TargetVersion": "2",
            "DeploymentConfig": {"Type": "Linear", "Percentage": 50, "IntervalSeconds": 1},
        },
    )
    assert status == 201 and d["Status"] == "InProgress"
    seen_split = False
    deadline = time.time() + 20
    while time.time() < deadline:
        alias = lam.get_alias(FunctionName=name, Name="live")
        if alias.get("RoutingConfig", {}).get("AdditionalVersionWeights") == {"2": 0.5}:
            seen_split = True
        _, progress = api(server, "GET", f"/_lambdalite/deployments/{d['DeploymentId']}")
        if progress["Status"] != "InProgress":
            break
        time.sleep(0.05)
    assert seen_split, "the half-way routing was never visible"
    done = wait_done(server, d["DeploymentId"])
    assert done["Status"] == "Succeeded"
    assert done["TargetWeight"] == 1.0
    assert any("50% of traffic" in e["Message"] for e in done["Events"])
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "2" and "RoutingConfig" not in alias


def test_failing_before_hook_rolls_back(server, lam):
    name = versioned_function(lam)
    bad = hook(lam, "def handler(e, c):\n    raise RuntimeError('not ready')\n")
    _, d = api(
        server,
        "POST",
        "/_lambdalite/deployments",
        {"FunctionName": name, "AliasName": "live", "TargetVersion": "2", "Hooks": {"BeforeAllowTraffic": bad}},
    )
    done = wait_done(server, d["DeploymentId"])
    assert done["Status"] == "RolledBack"
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"


def test_after_hook_reporting_failed_rolls_back(server, lam):
    name = versioned_function(lam)
    bad = hook(lam, "def handler(e, c):\n    return {'status': 'Failed'}\n")
    good = hook(lam, "def handler(e, c):\n    assert e['LifecycleEvent'] == 'BeforeAllowTraffic'\n    return {'status': 'Succeeded'}\n")
    _, d = api(
        server,
        "POST",
        "/_lambdalite/deployments",
        {
            "FunctionName": name,
            "AliasName": "live",
            "TargetVersion": "2",
            "Hooks": {"BeforeAllowTraffic": good, "AfterAllowTraffic": bad},
        },
    )
    done = wait_done(server, d["DeploymentId"])
    assert done["Status"] == "RolledBack"
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"


def test_error_rate_rolls_back_a_canary(server, lam):
    name = versioned_function(lam, v2_source="def handler(e, c):\n    raise ValueError('broken release')\n")
    _, d = api(
        server,
        "POST",
        "/_lambdalite/deployments",
        {
            "FunctionName": name,
            "AliasName": "live",
            "TargetVersion": "2",
            "DeploymentConfig": {"Type": "Canary", "Percentage": 50, "IntervalSeconds": 30},
            "ErrorRateThreshold": 0.2,
            "MinimumInvocations": 3,
        },
    )
    deadline = time.time() + 25
    status = "InProgress"
    while time.time() < deadline and status == "InProgress":
        lam.invoke(FunctionName=f"{name}:live", Payload=b"{}")
        _, progress = api(server, "GET", f"/_lambdalite/deployments/{d['DeploymentId']}")
        status = progress["Status"]
    assert status == "RolledBack"
    assert any("Rolling back" in e["Message"] for e in progress["Events"])
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "1" and "RoutingConfig" not in alias


def test_bad_deployments_are_refused(server, lam):
    name = versioned_function(lam)
    status, body = api(server, "POST", "/_lambdalite/deployments", {"FunctionName": name, "AliasName": "live", "TargetVersion": "9"})
    assert status == 404
    status, body = api(
        server,
        "POST",
        "/_lambdalite/deployments",
        {"FunctionName": name, "AliasName": "live", "TargetVersion": "2", "DeploymentConfig": "Sometimes"},
    )
    assert status == 400
    status, body = api(server, "POST", "/_lambdalite/deployments", {"FunctionName": name, "AliasName": "nope", "TargetVersion": "2"})
    assert status == 404

"""Function, version and alias control plane checked against responses
recorded on real AWS.

Every expected value here comes from LocalStack's parity snapshots
(tests/aws/services/lambda_/test_lambda_api.snapshot.json), which are
captured against real AWS; each test names the snapshot entry
("TestClass::test_name[param] / key") its facts come from. Snapshot
placeholders (<function-name:1>, account 111111111111, <region>) are mapped to
this server's names, account 000000000000 and region us-east-1.

Error bodies: botocore copies the members of a *modeled* error shape into the
response, so `response["Type"]` and `response["message"]` (or `"Message"`)
show which keys the server's JSON body carried. AWS sends
`{"Type": "User", "message": ...}` for InvalidParameterValueException,
PreconditionFailedException and ResourceConflictException, and
`{"Type": "User", "Message": ...}` for ResourceNotFoundException.
ValidationException is not modeled, so nothing beyond Code/Message shows.
"""

import base64
import hashlib
import io
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import PY_ECHO, ROLE, Server, create, make_zip, unique

ACCOUNT = "000000000000"
REGION = "us-east-1"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"

# Patterns quoted verbatim in AWS's validation messages (recorded 2025-11 /
# 2026-01). GetFunction, DeleteFunction and Invoke (NamespacedFunctionName)
# share one, CreateFunction (FunctionName) has its own.
NS_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
CREATE_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
QUALIFIER_PATTERN = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"

# Keys of the responses as recorded (ResponseMetadata aside). SnapStart and
# RuntimeVersionConfig are recorded everywhere too but checked on their own
# (test_runtime_version_config_*, test_snapstart_default_*) so that one
# missing key does not hide everything else.
CREATE_KEYS = {
    "Architectures", "CodeSha256", "CodeSize", "Description", "EphemeralStorage", "FunctionArn",
    "FunctionName", "Handler", "LastModified", "LoggingConfig", "MemorySize", "PackageType",
    "RevisionId", "Role", "Runtime", "State", "StateReason", "StateReasonCode", "Timeout",
    "TracingConfig", "Version",
}  # fmt: skip
CONFIG_KEYS = (CREATE_KEYS - {"StateReason", "StateReasonCode"}) | {"LastUpdateStatus"}
UPDATE_KEYS = CONFIG_KEYS | {"LastUpdateStatusReason", "LastUpdateStatusReasonCode"}
LIST_KEYS = CREATE_KEYS - {"State", "StateReason", "StateReasonCode"}
SEPARATELY_CHECKED = {"SnapStart", "RuntimeVersionConfig", "ResponseMetadata"}

CREATING = "The function is being created."
REVISION_MISMATCH = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


# ------------------------------------------------------------------ helpers


def sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def keys(d):
    return set(d) - SEPARATELY_CHECKED


def observed(excinfo):
    """What an error response carries, in a form that diffs well."""
    r = excinfo.value.response
    if "message" in r:
        key = "message"
    elif "Message" in r:
        key = "Message"
    else:
        key = None
    return {
        "Code": r["Error"]["Code"],
        "Message": r["Error"]["Message"],
        "Status": r["ResponseMetadata"]["HTTPStatusCode"],
        "Type": r.get("Type"),
        "BodyKey": key,
    }


def expected(code, message, status=None, key="default", typ="default"):
    status = status or {
        "ResourceNotFoundException": 404,
        "ResourceConflictException": 409,
        "PreconditionFailedException": 412,
        "RequestEntityTooLargeException": 413,
        "AccessDeniedException": 403,
    }.get(code, 400)
    if key == "default":
        key = {
            "ValidationException": None,
            "RequestEntityTooLargeException": None,
            "ResourceNotFoundException": "Message",
        }.get(code, "message")
    if typ == "default":
        typ = None if key is None else "User"
    return {"Code": code, "Message": message, "Status": status, "Type": typ, "BodyKey": key}


def not_found(arn):
    return expected("ResourceNotFoundException", f"Function not found: {arn}")


def ipve(message, **kw):
    return expected("InvalidParameterValueException", message, **kw)


def validation(*errors):
    n = len(errors)
    head = f"{n} validation error{'s' if n > 1 else ''} detected: "
    return expected("ValidationException", head + "; ".join(errors))


def assert_validation(excinfo, *errors):
    """ValidationException with exactly these errors, in any order."""
    got = observed(excinfo)
    want = validation(*errors)
    if got["Code"] == "ValidationException" and len(errors) > 1:
        head = f"{len(errors)} validation errors detected: "
        if got["Message"].startswith(head):
            parts = sorted(got["Message"][len(head):].split("; "))
            got["Message"] = head + "; ".join(parts)
            want["Message"] = head + "; ".join(sorted(errors))
    assert got == want


def pattern_error(value, field, pattern):
    return f"Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"


def length_error(value, field, limit):
    return f"Value '{value}' at '{field}' failed to satisfy constraint: Member must have length less than or equal to {limit}"


class Soft:
    """Collects every mismatch of a multi-step test, so one failure report
    lists all the differences instead of the first."""

    def __init__(self):
        self.problems = []

    def eq(self, label, got, want):
        if got != want:
            self.problems.append(f"{label}:\n    got  {got!r}\n    want {want!r}")

    def ne(self, label, got, other):
        if got == other:
            self.problems.append(f"{label}: both are {got!r} (must differ)")

    def keys(self, label, d, want):
        got = keys(d)
        if got != want:
            self.problems.append(
                f"{label} keys: missing {sorted(want - got)}, unexpected {sorted(got - want)}"
            )

    def error(self, label, call, want):
        """`call` must fail with the `expected(...)` error `want`; returns it."""
        try:
            call()
        except ClientError as exc:

            class _E:
                value = exc

            got = observed(_E)
            self.eq(label, got, want)
            return got
        self.problems.append(f"{label}: no error (want {want['Code']}: {want['Message']})")

    def done(self):
        assert not self.problems, "\n" + "\n".join(self.problems)


def wait_active(lam, name):
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def wait_updated(lam, name):
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def unvalidated(server):
    return boto3.client(
        "lambda",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False, read_timeout=300),
    )


@pytest.fixture(scope="module")
def iso():
    """A server of this module's own, for tests that use fixed function names
    ("my-function", "function") that must not exist."""
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    s = Server(d).start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def iso_lam(iso):
    return iso.client()


# ============================================================ TestLambdaFunction


def test_function_lifecycle_create_response(lam):
    # TestLambdaFunction::test_function_lifecycle / create_response (the
    # fixture always sends Environment={"Variables": {}}).
    name = unique()
    out = create(lam, name, MemorySize=256, Timeout=5, Environment={"Variables": {}})
    c = Soft()
    c.eq("status", out["ResponseMetadata"]["HTTPStatusCode"], 201)
    c.keys("CreateFunction", out, CREATE_KEYS | {"Environment"})
    c.eq("Environment", out.get("Environment"), {"Variables": {}})
    c.eq("State/Reason/Code", (out.get("State"), out.get("StateReason"), out.get("StateReasonCode")),
         ("Pending", CREATING, "Creating"))  # fmt: skip
    c.eq("FunctionArn", out["FunctionArn"], ARN + name)
    c.eq("MemorySize/Timeout/Version", (out["MemorySize"], out["Timeout"], out["Version"]), (256, 5, "$LATEST"))
    c.eq("LoggingConfig", out["LoggingConfig"], {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"})
    c.done()


def test_function_lifecycle_get_update_delete(lam):
    # TestLambdaFunction::test_function_lifecycle / get_function_response,
    # update_func_conf_response, get_function_response_postupdate,
    # update_code_response, get_function_response_postcodeupdate,
    # delete_response, delete_postdelete.
    c = Soft()
    name = unique()
    created = create(lam, name, MemorySize=256, Timeout=5, Environment={"Variables": {}})
    wait_active(lam, name)

    got = lam.get_function(FunctionName=name)
    c.eq("GetFunction top-level keys (no Tags without tags)", set(got) - {"ResponseMetadata"}, {"Code", "Configuration"})
    c.eq("Code keys", set(got["Code"]), {"Location", "RepositoryType"})
    c.eq("Code.RepositoryType", got["Code"]["RepositoryType"], "S3")
    cfg = got["Configuration"]
    c.keys("GetFunction.Configuration", cfg, CONFIG_KEYS | {"Environment"})
    c.eq("State/LastUpdateStatus", (cfg["State"], cfg.get("LastUpdateStatus")), ("Active", "Successful"))
    c.eq("GetFunction Environment", cfg.get("Environment"), {"Variables": {}})

    upd = lam.update_function_configuration(
        FunctionName=name,
        Runtime="python3.11",
        Description="Changed-Description",
        MemorySize=512,
        Timeout=10,
        Environment={"Variables": {"ENV_A": "a"}},
    )
    c.eq("update status", upd["ResponseMetadata"]["HTTPStatusCode"], 200)
    c.keys("UpdateFunctionConfiguration", upd, UPDATE_KEYS | {"Environment"})
    c.eq("update State/LastUpdateStatus", (upd["State"], upd.get("LastUpdateStatus")), ("Active", "InProgress"))
    c.eq("update LastUpdateStatusReason/Code",
         (upd.get("LastUpdateStatusReason"), upd.get("LastUpdateStatusReasonCode")), (CREATING, "Creating"))  # fmt: skip
    c.eq("update values", (upd["Runtime"], upd["MemorySize"], upd["Timeout"], upd.get("Environment")),
         ("python3.11", 512, 10, {"Variables": {"ENV_A": "a"}}))  # fmt: skip
    wait_updated(lam, name)
    cfg = lam.get_function(FunctionName=name)["Configuration"]
    c.keys("GetFunction after update", cfg, CONFIG_KEYS | {"Environment"})
    c.eq("after update", (cfg.get("LastUpdateStatus"), cfg["Description"]), ("Successful", "Changed-Description"))

    new_zip = make_zip({"app.py": "def handler(event, context):\n    return 'v2'\n"})
    code = lam.update_function_code(FunctionName=name, ZipFile=new_zip)
    c.eq("code status", code["ResponseMetadata"]["HTTPStatusCode"], 200)
    c.keys("UpdateFunctionCode", code, UPDATE_KEYS | {"Environment"})
    c.eq("code State/LastUpdateStatus", (code["State"], code.get("LastUpdateStatus")), ("Active", "InProgress"))
    c.eq("code LastUpdateStatusReason/Code",
         (code.get("LastUpdateStatusReason"), code.get("LastUpdateStatusReasonCode")), (CREATING, "Creating"))  # fmt: skip
    c.eq("code CodeSha256", code["CodeSha256"], sha(new_zip))
    c.ne("CodeSha256 changed", code["CodeSha256"], created["CodeSha256"])
    wait_updated(lam, name)
    cfg = lam.get_function(FunctionName=name)["Configuration"]
    c.eq("after code update", (cfg["CodeSha256"], cfg.get("LastUpdateStatus")), (sha(new_zip), "Successful"))

    out = lam.delete_function(FunctionName=name)
    c.eq("delete status", (out["ResponseMetadata"]["HTTPStatusCode"], out.get("StatusCode")), (204, 204))
    c.error("second delete", lambda: lam.delete_function(FunctionName=name), not_found(ARN + name))
    c.done()


def test_runtime_version_config_is_reported(lam):
    # TestLambdaFunction::test_function_lifecycle: every create/get/update/
    # publish response carries RuntimeVersionConfig.RuntimeVersionArn
    # "arn:aws:lambda:<region>::runtime:<id>", and a runtime change changes it
    # (<resource:2> -> <resource:3>). List items carry none (test_list_functions).
    name = unique()
    out = create(lam, name)
    prefix = f"arn:aws:lambda:{REGION}::runtime:"
    assert out.get("RuntimeVersionConfig", {}).get("RuntimeVersionArn", "").startswith(prefix)
    first = out["RuntimeVersionConfig"]["RuntimeVersionArn"]
    assert len(first) > len(prefix)
    wait_active(lam, name)
    assert lam.get_function(FunctionName=name)["Configuration"]["RuntimeVersionConfig"]["RuntimeVersionArn"] == first
    upd = lam.update_function_configuration(FunctionName=name, Runtime="python3.11")
    assert upd["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith(prefix)
    assert upd["RuntimeVersionConfig"]["RuntimeVersionArn"] != first
    wait_updated(lam, name)
    listed = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"] if f["FunctionName"] == name]
    assert "RuntimeVersionConfig" not in listed[0]


def test_snapstart_default_is_reported(lam):
    # Every recorded function configuration (create, get, update, publish,
    # list items) carries SnapStart {"ApplyOn": "None", "OptimizationStatus": "Off"}.
    name = unique()
    none = {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert create(lam, name).get("SnapStart") == none
    wait_active(lam, name)
    assert lam.get_function_configuration(FunctionName=name).get("SnapStart") == none
    listed = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"] if f["FunctionName"] == name]
    assert listed[0].get("SnapStart") == none


def test_redundant_updates(lam):
    # TestLambdaFunction::test_redundant_updates: an update that changes
    # nothing still answers InProgress and gives a new RevisionId (<uuid:3> ->
    # <uuid:4>), and its completion another (<uuid:5>); an empty environment
    # stays {"Variables": {}} throughout.
    c = Soft()
    name = unique()
    created = create(lam, name, Description="Initial description", Environment={"Variables": {}})
    first = lam.update_function_configuration(FunctionName=name, Description="1st update description")
    c.eq("first update LastUpdateStatus", first.get("LastUpdateStatus"), "InProgress")
    c.eq("first update Environment", first.get("Environment"), {"Variables": {}})
    wait_updated(lam, name)
    cfg = lam.get_function_configuration(FunctionName=name)
    c.eq("get Description", cfg["Description"], "1st update description")
    c.eq("get Environment", cfg.get("Environment"), {"Variables": {}})
    c.eq("GetFunction/GetFunctionConfiguration RevisionId",
         lam.get_function(FunctionName=name)["Configuration"]["RevisionId"], cfg["RevisionId"])  # fmt: skip
    again = lam.update_function_configuration(FunctionName=name, Description="1st update description")
    c.eq("redundant update status", again["ResponseMetadata"]["HTTPStatusCode"], 200)
    c.eq("redundant update LastUpdateStatus/ReasonCode",
         (again.get("LastUpdateStatus"), again.get("LastUpdateStatusReasonCode")), ("InProgress", "Creating"))  # fmt: skip
    c.ne("redundant update RevisionId vs before", again["RevisionId"], cfg["RevisionId"])
    c.ne("create RevisionId vs after first update completed", created["RevisionId"], cfg["RevisionId"])
    c.ne("first update response RevisionId vs after it completed", first["RevisionId"], cfg["RevisionId"])
    wait_updated(lam, name)
    after = lam.get_function(FunctionName=name)["Configuration"]
    c.eq("after Description/Environment", (after["Description"], after.get("Environment")),
         ("1st update description", {"Variables": {}}))  # fmt: skip
    c.ne("RevisionId after redundant update completed", after["RevisionId"], again["RevisionId"])
    c.done()


@pytest.mark.parametrize("op", ["delete_function", "get_function", "get_function_configuration"])
def test_ops_with_arn_qualifier_mismatch(lam, op):
    # TestLambdaFunction::test_ops_with_arn_qualifier_mismatch[op]
    # / not_match_exception, match_exception (function does not exist).
    name = unique("some-function")
    call = getattr(lam, op)
    with pytest.raises(ClientError) as e:
        call(FunctionName=f"{ARN}{name}:1", Qualifier="$LATEST")
    assert observed(e) == ipve("The derived qualifier from the function name does not match the specified qualifier.")
    with pytest.raises(ClientError) as e:
        call(FunctionName=f"{ARN}{name}:$LATEST", Qualifier="$LATEST")
    if op == "delete_function":
        assert observed(e) == ipve("$LATEST version cannot be deleted without deleting the function.")
    else:
        assert observed(e) == not_found(f"{ARN}{name}:$LATEST")


@pytest.mark.parametrize("op", ["get_function", "get_function_configuration", "get_function_event_invoke_config"])
def test_ops_on_nonexisting_version(lam, op):
    # TestLambdaFunction::test_ops_on_nonexisting_version[op] / version_not_found_exception
    name = unique("i-exist")
    create(lam, name, Description="Initial description")
    with pytest.raises(ClientError) as e:
        getattr(lam, op)(FunctionName=name, Qualifier="1221")
    if op == "get_function_event_invoke_config":
        want = expected(
            "ResourceNotFoundException", f"The function {ARN}{name}:1221 doesn't have an EventInvokeConfig"
        )
    else:
        want = not_found(f"{ARN}{name}:1221")
    assert observed(e) == want


def test_delete_on_nonexisting_version(lam):
    # TestLambdaFunction::test_delete_on_nonexisting_version: deleting a
    # version that does not exist, of a function that does, succeeds (twice);
    # once the function is gone, both forms name the unqualified ARN.
    c = Soft()
    name = unique("i-exist")
    create(lam, name, Description="Initial description")
    for attempt in ("first", "second"):
        try:
            lam.delete_function(FunctionName=name, Qualifier="1233")
        except ClientError as exc:
            r = exc.response
            c.problems.append(f"{attempt} delete of version 1233: {r['Error']['Code']}: {r['Error']['Message']} (want success)")
    lam.delete_function(FunctionName=name)
    c.error("delete of the deleted function", lambda: lam.delete_function(FunctionName=name), not_found(ARN + name))
    c.error("delete of version 1233 of the deleted function",
            lambda: lam.delete_function(FunctionName=name, Qualifier="1233"), not_found(ARN + name))  # fmt: skip
    c.done()


@pytest.mark.parametrize(
    "op",
    [
        "delete_function",
        "get_function",
        "get_function_configuration",
        "get_function_url_config",
        "get_function_event_invoke_config",
        "get_function_concurrency",
    ],
)
def test_ops_on_nonexisting_fn(lam, op):
    # TestLambdaFunction::test_ops_on_nonexisting_fn[op] / not_found_exception
    name = unique("i-dont-exist")
    with pytest.raises(ClientError) as e:
        getattr(lam, op)(FunctionName=name)
    if op == "get_function_url_config":
        want = expected("ResourceNotFoundException", "The resource you requested does not exist.")
    elif op == "get_function_event_invoke_config":
        want = expected(
            "ResourceNotFoundException", f"The function {ARN}{name}:$LATEST doesn't have an EventInvokeConfig"
        )
    else:
        want = not_found(ARN + name)
    assert observed(e) == want


@pytest.mark.parametrize(
    "op",
    [
        "get_function",
        "get_function_configuration",
        "get_function_url_config",
        "get_function_event_invoke_config",
        "get_function_concurrency",
        "delete_function",
        "invoke",
    ],
)
def test_get_function_wrong_region(lam, op):
    # TestLambdaFunction::test_get_function_wrong_region[op] / wrong_region_exception
    name = unique("i-exist")
    create(lam, name, Description="Initial description")
    kw = {"Payload": b"{}"} if op == "invoke" else {}
    with pytest.raises(ClientError) as e:
        getattr(lam, op)(FunctionName=f"arn:aws:lambda:eu-central-1:{ACCOUNT}:function:{name}", **kw)
    assert observed(e) == expected(
        "ResourceNotFoundException", f"Functions from 'eu-central-1' are not reachable in this region ('{REGION}')"
    )
    # The function itself is untouched.
    assert lam.get_function_configuration(FunctionName=name)["FunctionName"] == name


def test_lambda_code_location_zipfile(lam):
    # TestLambdaFunction::test_lambda_code_location_zipfile: without an
    # Environment parameter there is no Environment key anywhere; Timeout 3.
    name = unique("code-function")
    zip1 = PY_ECHO
    out = lam.create_function(
        FunctionName=name, Handler="app.handler", Code={"ZipFile": zip1}, PackageType="Zip", Role=ROLE,
        Runtime="python3.12",
    )  # fmt: skip
    assert keys(out) == CREATE_KEYS
    assert out["Timeout"] == 3
    got = lam.get_function(FunctionName=name)
    assert keys(got["Configuration"]) == CONFIG_KEYS
    assert got["Code"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(got["Code"]["Location"]) as r:
        assert r.read() == zip1
    assert (got["Configuration"]["CodeSha256"], got["Configuration"]["CodeSize"]) == (sha(zip1), len(zip1))
    zip2 = make_zip({"app.py": "def handler(event, context):\n    return 'two'\n"})
    upd = lam.update_function_code(FunctionName=name, ZipFile=zip2)
    assert keys(upd) == UPDATE_KEYS
    got = lam.get_function(FunctionName=name)
    with urllib.request.urlopen(got["Code"]["Location"]) as r:
        assert r.read() == zip2
    assert (got["Configuration"]["CodeSha256"], got["Configuration"]["CodeSize"]) == (sha(zip2), len(zip2))


# ------------------------------------------------------------ function ARNs


def test_create_by_full_and_partial_arn(lam):
    # TestLambdaFunction::test_function_arns / create-function-arn-response,
    # create-function-partial-arn-response
    name1 = unique("test-function-arn")
    out = create(lam, name=ARN + name1, Environment={"Variables": {}})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (out["FunctionName"], out["FunctionArn"]) == (name1, ARN + name1)
    assert out["LoggingConfig"]["LogGroup"] == f"/aws/lambda/{name1}"
    name2 = unique("test-partial-arn")
    out = create(lam, name=f"{ACCOUNT}:function:{name2}", Environment={"Variables": {}})
    assert (out["FunctionName"], out["FunctionArn"]) == (name2, ARN + name2)


def test_create_invalid_function_name(lam):
    # TestLambdaFunction::test_function_arns / invalid_function_name_exc
    with pytest.raises(ClientError) as e:
        create(lam, name="invalid:function:name")
    assert_validation(e, pattern_error("invalid:function:name", "functionName", CREATE_PATTERN))


def test_create_function_name_too_long(lam):
    # TestLambdaFunction::test_function_arns / long_function_name_exc: a plain
    # name over 64 characters is InvalidParameterValueException (not
    # ValidationException) with a validation-style message.
    with pytest.raises(ClientError) as e:
        create(lam, name="a" * 65)
    assert observed(e) == ipve("1 validation error detected: " + length_error("a" * 65, "functionName", 64))


def test_create_function_arn_too_long(lam):
    # TestLambdaFunction::test_function_arns / long_function_arn_exc: a full
    # ARN of 141 characters.
    arn = ARN + "a" * (140 - len(ARN) + 1)
    assert len(arn) == 141
    with pytest.raises(ClientError) as e:
        create(lam, name=arn)
    assert_validation(e, length_error(arn, "functionName", 140))


def test_create_function_arn_other_region(lam):
    # TestLambdaFunction::test_function_arns / function_arn_other_region_exc
    name = unique("test-function-arn")
    with pytest.raises(ClientError) as e:
        create(lam, name=f"arn:aws:lambda:ap-southeast-1:{ACCOUNT}:function:{name}")
    assert observed(e) == expected(
        "ResourceNotFoundException", f"Functions from 'ap-southeast-1' are not reachable in this region ('{REGION}')"
    )


def test_create_function_arn_other_account(lam):
    # TestLambdaFunction::test_function_arns / function_arn_other_account_exc
    # (AccessDeniedException, 403; AWS's message is not pinned down).
    name = unique("test-function-arn")
    with pytest.raises(ClientError) as e:
        create(lam, name=f"arn:aws:lambda:{REGION}:123456789012:function:{name}")
    got = observed(e)
    assert (got["Code"], got["Status"]) == ("AccessDeniedException", 403)


def test_invalid_invoke(lam):
    # TestLambdaFunction::test_invalid_invoke / invoke_function_name_pattern_exc
    bad = f"arn:aws:lambda:{REGION}:123400000000@function:myfn"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=bad, Payload=b"{}")
    assert_validation(e, pattern_error(bad, "functionName", NS_PATTERN))


# ------------------------------------ function_name_and_qualifier_validation

A65 = "a" * 65
A129 = "a" * 129
A170 = "a" * 170
LONG_BAD_REGION = f"arn:aws:lambda:invalid-region:{ACCOUNT}:function:my-function{A170}"
LONG_BAD_REGION_DASH = f"arn:aws:lambda:invalid-region:{ACCOUNT}:function:my-function-{A170}"


def _pat(op, sent):
    return ("V", [pattern_error(sent, "functionName", CREATE_PATTERN if op == "create_function" else NS_PATTERN)])


def _all_pattern(op, sent, kw):
    return _pat(op, sent)


def _qualifier_chars(op, sent, kw):
    if op == "create_function":
        return _pat(op, sent)
    return ("V", [pattern_error("invalid!", "qualifier", QUALIFIER_PATTERN)])


def _qualifier_long(op, sent, kw):
    if op == "create_function":
        return ("V", [length_error(sent, "functionName", 140)])
    return ("V", [length_error(A129, "qualifier", 128)])


def _name_long(op, sent, kw):
    if op == "create_function":
        return ("E", ipve("1 validation error detected: " + length_error(A65, "functionName", 64)))
    suffix = ":$LATEST" if op == "invoke" else ""
    return ("E", not_found(f"{ARN}{A65}{suffix}"))


def _name_long_bad_region(op, sent, kw):
    if op == "create_function":
        return ("V", [length_error(sent, "functionName", 140), _pat(op, sent)[1][0]])
    return _pat(op, sent)


def _arn_and_qualifier_long(op, sent, kw):
    if op == "create_function":
        return ("V", [length_error(sent, "functionName", 140), _pat(op, sent)[1][0]])
    return ("V", [length_error(A129, "qualifier", 128), _pat(op, sent)[1][0]])


def _incomplete(op, sent, kw):
    suffix = ":$LATEST" if op == "invoke" else ""
    return ("E", not_found(f"{ARN}function{suffix}"))


def _latest_plus_qualifier(op, sent, kw):
    if op == "create_function":
        return _pat(op, sent)
    return ("E", ipve("The derived qualifier from the function name does not match the specified qualifier."))


def _lowercase_latest(op, sent, kw):
    if op == "create_function":
        return _pat(op, sent)
    if op == "delete_function":
        return ("E", not_found(f"{ARN}my-function"))
    return ("E", not_found(f"{ARN}my-function:$latest"))


def _alias_like_qualifier(op, sent, kw):
    if op == "delete_function":
        return ("E", ipve("Deletion of aliases is not currently supported."))
    return ("E", not_found(f"{ARN}my-function:{A65}"))


NAME_CASES = {
    "invalid_characters_in_function_name": ({"FunctionName": "my-function!"}, _all_pattern),
    "function_name_is_single_invalid": ({"FunctionName": "*"}, _all_pattern),
    "invalid_characters_in_qualifier": ({"FunctionName": "my-function", "Qualifier": "invalid!"}, _qualifier_chars),
    "qualifier_too_long": ({"FunctionName": "my-function", "Qualifier": A129}, _qualifier_long),
    "invalid_account_id_in_partial_arn": ({"FunctionName": "invalid-account:function:my-function"}, _all_pattern),
    "invalid_region_in_arn": (
        {"FunctionName": f"arn:aws:lambda:invalid-region:{ACCOUNT}:function:my-function"},
        _all_pattern,
    ),
    "non_lambda_arn": ({"FunctionName": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance:i-1234567890abcdef0"}, _all_pattern),
    "function_name_too_long": ({"FunctionName": A65}, _name_long),
    "function_name_too_long_and_invalid_region": ({"FunctionName": LONG_BAD_REGION}, _name_long_bad_region),
    "full_arn_and_qualifier_too_long_and_invalid_region": (
        {"FunctionName": LONG_BAD_REGION_DASH, "Qualifier": A129},
        _arn_and_qualifier_long,
    ),
    "full_arn_with_multiple_qualifiers": ({"FunctionName": f"{ARN}my-function:1:2"}, _all_pattern),
    "incomplete_arn": ({"FunctionName": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"}, _incomplete),
    "partial_arn_with_extra_qualifier": ({"FunctionName": "function:my-function:$LATEST:extra"}, _all_pattern),
    "latest_version_with_additional_qualifier": (
        {"FunctionName": f"{ARN}my-function:$LATEST", "Qualifier": "1"},
        _latest_plus_qualifier,
    ),
    "lowercase_latest_qualifier": ({"FunctionName": f"{ARN}my-function", "Qualifier": "$latest"}, _lowercase_latest),
    "missing_region_in_arn": ({"FunctionName": f"arn:aws:lambda::{ACCOUNT}:function:my-function"}, _all_pattern),
    "missing_account_id_in_arn": ({"FunctionName": f"arn:aws:lambda:{REGION}::function:my-function"}, _all_pattern),
    "misspelled_latest_in_arn": ({"FunctionName": f"{ARN}my-function:$LATES"}, _all_pattern),
    # Recorded 2024-08 as qualifier_too_long1 / function_name_and_qualifier_too_long:
    # a 65-character (valid) qualifier on a function that does not exist.
    "alias_like_qualifier_65": ({"FunctionName": "my-function", "Qualifier": A65}, _alias_like_qualifier),
}

# Not recorded: CreateFunction with these names succeeds on AWS (or was not captured).
NAME_CASE_SKIPS = {("incomplete_arn", "create_function"), ("alias_like_qualifier_65", "create_function")}


@pytest.mark.parametrize("op", ["get_function", "delete_function", "invoke", "create_function"])
@pytest.mark.parametrize("case", list(NAME_CASES))
def test_function_name_and_qualifier_validation(iso_lam, case, op):
    # TestLambdaFunction::test_function_name_and_qualifier_validation[case-op]
    # / {op}_exception. AWS checks every constraint and reports all
    # violations; CreateFunction gets FunctionName "NAME:QUALIFIER".
    if (case, op) in NAME_CASE_SKIPS:
        pytest.skip("no recorded error for this combination")
    lam = iso_lam
    kw, expect = NAME_CASES[case]
    kw = dict(kw)
    if op == "create_function":
        sent = f"{kw['FunctionName']}:{kw['Qualifier']}" if "Qualifier" in kw else kw["FunctionName"]
        call = lambda: create(lam, name=sent)  # noqa: E731
    else:
        sent = kw["FunctionName"]
        extra = {"Payload": b"{}"} if op == "invoke" else {}
        call = lambda: getattr(lam, op)(**kw, **extra)  # noqa: E731
    kind, want = expect(op, sent, kw)
    with pytest.raises(ClientError) as e:
        out = call()
        if op == "create_function":  # unexpectedly created: clean up for the other cases
            lam.delete_function(FunctionName=out["FunctionName"])
    if kind == "V":
        assert_validation(e, *want)
    else:
        assert observed(e) == want


# ------------------------------------------------------ create/update errors


RECORDED_RUNTIME_ENUM = {
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x", "nodejs22.x",
    "java25", "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4", "ruby3.2", "python3.8", "python3.9",
    "java17", "nodejs16.x", "dotnet10", "dotnet8", "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2",
}  # fmt: skip
ENUM_HEAD = "at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["
ENUM_TAIL = "] or be a valid ARN"


def assert_runtime_enum_error(e, runtime):
    # Message: "Value RUNTIME at 'runtime' failed to satisfy constraint: Member
    # must satisfy enum value set: [...] or be a valid ARN" (no quotes around
    # the value, no "1 validation error detected: " prefix).
    got = observed(e)
    msg = got["Message"]
    head = f"Value {runtime} {ENUM_HEAD}"
    shape_ok = msg.startswith(head) and msg.endswith(ENUM_TAIL)
    got["Message"] = "<Value RUNTIME at 'runtime' ... enum value set: [...] or be a valid ARN>" if shape_ok else msg
    assert got == ipve("<Value RUNTIME at 'runtime' ... enum value set: [...] or be a valid ARN>")


@pytest.mark.parametrize("runtime", ["non-existent-runtime", "PYTHON3.9", "PYTHON3.12"])
def test_create_unknown_runtime(lam, runtime):
    # TestLambdaFunction::test_create_lambda_exceptions / invalid_runtime_exc,
    # uppercase_runtime_exc (recorded with PYTHON3.9; PYTHON3.12 is the same case).
    with pytest.raises(ClientError) as e:
        create(lam, runtime=runtime)
    assert_runtime_enum_error(e, runtime)


@pytest.mark.parametrize("runtime", ["non-existent-runtime", "PYTHON3.9", "PYTHON3.12"])
def test_update_unknown_runtime(lam, runtime):
    # TestLambdaFunction::test_update_lambda_exceptions / invalid_runtime_exc, uppercase_runtime_exc
    name = unique("invalid-function")
    create(lam, name)
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Runtime=runtime)
    assert_runtime_enum_error(e, runtime)
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == "python3.12"


def test_runtime_enum_list_matches_recorded(lam):
    # TestLambdaFunction::test_create_lambda_exceptions / invalid_runtime_exc
    # (recorded 2026-01-12): the runtimes listed in the message.
    with pytest.raises(ClientError) as e:
        create(lam, runtime="non-existent-runtime")
    msg = e.value.response["Error"]["Message"]
    head = "enum value set: ["
    assert head in msg, msg
    listed = set(msg.split(head, 1)[1].split("]", 1)[0].split(", "))
    assert {"missing": sorted(RECORDED_RUNTIME_ENUM - listed), "extra": sorted(listed - RECORDED_RUNTIME_ENUM)} == {
        "missing": [],
        "extra": [],
    }


def test_create_invalid_role(lam):
    # TestLambdaFunction::test_create_lambda_exceptions / invalid_role_arn_exc
    with pytest.raises(ClientError) as e:
        lam.create_function(
            FunctionName=unique("invalid-function"), Handler="app.handler", Code={"ZipFile": PY_ECHO},
            PackageType="Zip", Role="r1", Runtime="python3.12",
        )  # fmt: skip
    assert_validation(e, pattern_error("r1", "role", ROLE_PATTERN))


def test_update_invalid_role(lam):
    # TestLambdaFunction::test_update_lambda_exceptions / invalid_role_arn_exc
    name = unique("invalid-function")
    create(lam, name)
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Role="r1")
    assert_validation(e, pattern_error("r1", "role", ROLE_PATTERN))


def test_create_multiple_architectures(lam):
    # TestLambdaFunction::test_create_lambda_exceptions / multiple_architectures
    with pytest.raises(ClientError) as e:
        create(lam, Architectures=["x86_64", "arm64"])
    assert_validation(
        e,
        "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: "
        "Member must have length less than or equal to 1",
    )


def test_create_uppercase_architecture(lam):
    # TestLambdaFunction::test_create_lambda_exceptions / uppercase_architecture
    with pytest.raises(ClientError) as e:
        create(lam, Architectures=["X86_64"])
    assert_validation(
        e,
        "Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: "
        "[Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    )


def test_create_invalid_zip(lam):
    # TestLambdaFunction::test_create_lambda_exceptions / invalid_zip_exc
    with pytest.raises(ClientError) as e:
        create(lam, zip_bytes=b"this is not a zipfile, just a random string", runtime="python3.9")
    assert observed(e) == ipve("Could not unzip uploaded file. Please check your file, then try to upload again.")


# ---------------------------------------------------------- list_functions


def test_list_functions_invalid_function_version(lam):
    # TestLambdaFunction::test_list_functions / list_functions_invalid_functionversion
    with pytest.raises(ClientError) as e:
        lam.list_functions(FunctionVersion="invalid")
    assert_validation(
        e,
        "Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
    )


def test_list_functions(lam):
    # TestLambdaFunction::test_list_functions / create_response_1,
    # create_response_2, list_all, list_default
    c = Soft()
    n1, n2 = unique("list-fn-1"), unique("list-fn-2")
    c1 = create(lam, n1, Publish=True, Environment={"Variables": {}})
    c.eq("create Publish=True Version/FunctionArn/State", (c1["Version"], c1["FunctionArn"], c1["State"]),
         ("1", ARN + n1, "Pending"))  # fmt: skip
    c.eq("create Environment", c1.get("Environment"), {"Variables": {}})
    c2 = create(lam, n2, Environment={"Variables": {}})
    c.eq("create 2 Version", c2["Version"], "$LATEST")
    wait_active(lam, n1)
    wait_active(lam, n2)

    def collect(**kw):
        out = []
        for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}, **kw):
            out += [f for f in page["Functions"] if f["FunctionName"] in (n1, n2)]
        return sorted(out, key=lambda f: f["FunctionArn"])

    every = collect(FunctionVersion="ALL")
    c.eq("ALL FunctionArns", [f["FunctionArn"] for f in every],
         [f"{ARN}{n1}:$LATEST", f"{ARN}{n1}:1", f"{ARN}{n2}:$LATEST"])  # fmt: skip
    c.eq("ALL Versions", [f["Version"] for f in every], ["$LATEST", "1", "$LATEST"])
    default = collect()
    c.eq("default FunctionArns", [f["FunctionArn"] for f in default], [ARN + n1, ARN + n2])
    for f in every + default:
        label = f"list item {f['FunctionArn'][len(ARN):]}"
        c.keys(label, f, LIST_KEYS | {"Environment"})
        c.eq(f"{label} Environment", f.get("Environment"), {"Variables": {}})
    c.done()


# ============================================================ TestLambdaVersions


def test_publish_version_on_create(lam):
    # TestLambdaVersions::test_publish_version_on_create
    name = unique()
    out = lam.create_function(
        FunctionName=name, Handler="app.handler", Code={"ZipFile": PY_ECHO}, PackageType="Zip", Role=ROLE,
        Runtime="python3.12", Publish=True,
    )  # fmt: skip
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert keys(out) == CREATE_KEYS
    assert (out["Version"], out["FunctionArn"], out["State"]) == ("1", ARN + name, "Pending")
    wait_active(lam, name)
    plain = lam.get_function(FunctionName=name)["Configuration"]
    assert (plain["Version"], plain["FunctionArn"]) == ("$LATEST", ARN + name)
    v1 = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    assert keys(v1) == CONFIG_KEYS
    assert (v1["Version"], v1["FunctionArn"], v1["State"], v1["LastUpdateStatus"]) == (
        "1", f"{ARN}{name}:1", "Active", "Successful",
    )  # fmt: skip
    latest = lam.get_function(FunctionName=name, Qualifier="$LATEST")["Configuration"]
    assert (latest["Version"], latest["FunctionArn"]) == ("$LATEST", f"{ARN}{name}:$LATEST")
    assert latest["RevisionId"] == plain["RevisionId"]
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["FunctionArn"] for v in versions] == [f"{ARN}{name}:$LATEST", f"{ARN}{name}:1"]
    assert [v["RevisionId"] for v in versions] == [plain["RevisionId"], v1["RevisionId"]]
    for v in versions:
        assert keys(v) == LIST_KEYS
    # Nothing changed: publishing again returns version 1 as it is, ignoring
    # the new description.
    again = lam.publish_version(FunctionName=name, Description="Repeated version description :)")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (again["Version"], again["Description"], again["RevisionId"]) == ("1", "", v1["RevisionId"])
    assert keys(again) == CONFIG_KEYS
    assert len(lam.list_versions_by_function(FunctionName=name)["Versions"]) == 2


def test_version_lifecycle(lam):
    # TestLambdaVersions::test_version_lifecycle: a Description change is a
    # change (the next publish makes version 2); a publish with nothing
    # changed returns the last version, ignoring its Description parameter.
    c = Soft()
    name = unique()
    lam.create_function(
        FunctionName=name, Handler="app.handler", Code={"ZipFile": PY_ECHO}, PackageType="Zip", Role=ROLE,
        Runtime="python3.12", Description="No version :(",
    )  # fmt: skip
    wait_active(lam, name)
    c.eq("versions at start", [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]],
         ["$LATEST"])  # fmt: skip
    lam.update_function_configuration(FunctionName=name, Description="First version :)")
    wait_updated(lam, name)
    p1 = lam.publish_version(FunctionName=name, Description="First version description :)")
    c.eq("publish 1 status", p1["ResponseMetadata"]["HTTPStatusCode"], 201)
    c.keys("PublishVersion", p1, CONFIG_KEYS)
    c.eq("publish 1", (p1["Version"], p1["Description"], p1["State"], p1.get("LastUpdateStatus")),
         ("1", "First version description :)", "Active", "Successful"))  # fmt: skip
    g1 = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    c1 = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    c.eq("version 1 RevisionId (GetFunction, GetFunctionConfiguration, publish)",
         (g1["RevisionId"], c1["RevisionId"]), (p1["RevisionId"], p1["RevisionId"]))  # fmt: skip
    lam.update_function_configuration(FunctionName=name, Description="Second version :))")
    wait_updated(lam, name)
    after = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    c.eq("version 1 after $LATEST update", (after["Description"], after["RevisionId"]),
         ("First version description :)", p1["RevisionId"]))  # fmt: skip
    p2 = lam.publish_version(FunctionName=name)
    c.eq("publish after Description update", (p2["Version"], p2["Description"], p2["FunctionArn"]),
         ("2", "Second version :))", f"{ARN}{name}:2"))  # fmt: skip
    p3 = lam.publish_version(FunctionName=name, Description="Third version description :)))")
    c.eq("publish with nothing changed", (p3["ResponseMetadata"]["HTTPStatusCode"], p3["Version"], p3["Description"],
         p3["RevisionId"]), (201, p2["Version"], p2["Description"], p2["RevisionId"]))  # fmt: skip
    listed = lam.list_versions_by_function(FunctionName=name)["Versions"]
    c.eq("versions", [(v["Version"], v["Description"]) for v in listed],
         [("$LATEST", "Second version :))"), ("1", "First version description :)"), ("2", "Second version :))")])  # fmt: skip
    lam.delete_function(FunctionName=f"{name}:1")
    listed = lam.list_versions_by_function(FunctionName=name)["Versions"]
    c.eq("versions after deleting 1", [v["FunctionArn"] for v in listed],
         [f"{ARN}{name}:$LATEST"] + ([f"{ARN}{name}:2"] if p2["Version"] == "2" else []))  # fmt: skip
    c.done()


def test_publish_with_wrong_revisionid(lam):
    # TestLambdaVersions::test_publish_with_wrong_revisionid / publish_wrong_revisionid_exc
    name = unique()
    create(lam, name)
    wait_active(lam, name)
    with pytest.raises(ClientError) as e:
        lam.publish_version(FunctionName=name, RevisionId="somenonexistentrevisionid")
    assert observed(e) == expected("PreconditionFailedException", REVISION_MISMATCH)
    rev = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    assert lam.publish_version(FunctionName=name, RevisionId=rev)["Version"] == "1"


def test_publish_with_wrong_sha256(lam):
    # TestLambdaVersions::test_publish_with_wrong_sha256 / publish_wrong_sha256_exc, publish_result
    name = unique()
    create(lam, name)
    wait_active(lam, name)
    current = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    with pytest.raises(ClientError) as e:
        lam.publish_version(FunctionName=name, CodeSha256="somenonexistentsha256")
    assert observed(e) == ipve(
        f"CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST ({current}). "
        "Please try again with the CodeSHA256 in $LATEST."
    )
    out = lam.publish_version(FunctionName=name, CodeSha256=current)
    assert (out["Version"], out["FunctionArn"]) == ("1", f"{ARN}{name}:1")


def test_publish_with_update(lam):
    # TestLambdaVersions::test_publish_with_update / update_function_code_result,
    # get_function_version_result: the response describes the new version,
    # Pending (StateReason/StateReasonCode, no LastUpdateStatus keys).
    c = Soft()
    name = unique()
    create(lam, name)
    wait_active(lam, name)
    zip2 = make_zip({"app.py": "def handler(event, context):\n    return 'v2'\n"})
    out = lam.update_function_code(FunctionName=name, ZipFile=zip2, Publish=True)
    c.eq("status", out["ResponseMetadata"]["HTTPStatusCode"], 200)
    c.eq("Version/FunctionArn/CodeSha256", (out["Version"], out["FunctionArn"], out["CodeSha256"]),
         ("1", f"{ARN}{name}:1", sha(zip2)))  # fmt: skip
    c.keys("UpdateFunctionCode(Publish=True)", out, CREATE_KEYS)
    c.eq("State/StateReason/StateReasonCode", (out["State"], out.get("StateReason"), out.get("StateReasonCode")),
         ("Pending", CREATING, "Creating"))  # fmt: skip
    v1 = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    c.eq("version 1 RevisionId/CodeSha256", (v1["RevisionId"], v1["CodeSha256"]), (out["RevisionId"], sha(zip2)))
    c.done()


# ============================================================== TestLambdaAlias


def _two_versions(lam, publish_on_create=False):
    name = unique("alias-fn")
    lam.create_function(
        FunctionName=name, Handler="app.handler", Code={"ZipFile": PY_ECHO}, PackageType="Zip", Role=ROLE,
        Runtime="python3.12", Environment={"Variables": {"testenv": "staging"}}, Publish=publish_on_create,
    )  # fmt: skip
    wait_active(lam, name)
    v1 = lam.publish_version(FunctionName=name)
    assert v1["Version"] == "1"
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"testenv": "prod"}})
    wait_updated(lam, name)
    v2 = lam.publish_version(FunctionName=name)
    assert v2["Version"] == "2"
    return name, v1, v2


def test_alias_lifecycle(lam):
    # TestLambdaAlias::test_alias_lifecycle
    name, v1, _ = _two_versions(lam)
    a11 = lam.create_alias(
        FunctionName=name, Name="aliasname1_1", FunctionVersion="1", Description="custom-alias",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}},
    )  # fmt: skip
    assert a11["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert set(a11) - {"ResponseMetadata"} == {
        "AliasArn", "Description", "FunctionVersion", "Name", "RevisionId", "RoutingConfig",
    }  # fmt: skip
    assert a11["AliasArn"] == f"{ARN}{name}:aliasname1_1"
    got = lam.get_alias(FunctionName=name, Name="aliasname1_1")
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == {
        k: v for k, v in a11.items() if k != "ResponseMetadata"
    }
    # GetFunction through the alias: the alias ARN, the version's RevisionId.
    for kw in (dict(FunctionName=name, Qualifier="aliasname1_1"), dict(FunctionName=a11["AliasArn"])):
        cfg = lam.get_function(**kw)["Configuration"]
        assert (cfg["FunctionArn"], cfg["Version"], cfg["RevisionId"]) == (a11["AliasArn"], "1", v1["RevisionId"])
        assert cfg["Environment"] == {"Variables": {"testenv": "staging"}}
    for kw in (
        dict(FunctionName=name, Qualifier="aliasdoesnotexist"),
        dict(FunctionName=a11["AliasArn"].replace("aliasname1_1", "aliasdoesnotexist")),
    ):
        with pytest.raises(ClientError) as e:
            lam.get_function(**kw)
        assert observed(e) == not_found(f"{ARN}{name}:aliasdoesnotexist")

    a12 = lam.create_alias(FunctionName=name, Name="aliasname1_2", FunctionVersion="1", Description="custom-alias")
    assert "RoutingConfig" not in a12
    a13 = lam.create_alias(FunctionName=name, Name="aliasname1_3", FunctionVersion="1")
    assert a13["Description"] == ""
    lam.create_alias(FunctionName=name, Name="aliasname2", FunctionVersion="2", Description="custom-alias")
    listed = []
    for page in lam.get_paginator("list_aliases").paginate(FunctionName=name, PaginationConfig={"PageSize": 1}):
        listed += page["Aliases"]
    assert sorted(a["Name"] for a in listed) == ["aliasname1_1", "aliasname1_2", "aliasname1_3", "aliasname2"]

    cleared = lam.update_alias(FunctionName=name, Name="aliasname1_1", RoutingConfig={"AdditionalVersionWeights": {}})
    assert cleared["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "RoutingConfig" not in cleared
    assert cleared["RevisionId"] != a11["RevisionId"]
    assert "RoutingConfig" not in lam.get_alias(FunctionName=name, Name="aliasname1_1")
    # An update that changes nothing still gives a new RevisionId (<uuid:5> -> <uuid:9>).
    same = lam.update_alias(FunctionName=name, Name="aliasname1_2")
    assert (same["FunctionVersion"], same["Description"]) == ("1", "custom-alias")
    assert same["RevisionId"] != a12["RevisionId"]
    assert lam.get_alias(FunctionName=name, Name="aliasname1_2")["RevisionId"] == same["RevisionId"]

    for_v1 = lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]
    assert sorted(a["Name"] for a in for_v1) == ["aliasname1_1", "aliasname1_2", "aliasname1_3"]
    out = lam.delete_alias(FunctionName=name, Name="aliasname1_1")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    rest = lam.list_aliases(FunctionName=name)["Aliases"]
    assert sorted(a["Name"] for a in rest) == ["aliasname1_2", "aliasname1_3", "aliasname2"]


def test_non_existent_alias_deletion(lam):
    # TestLambdaAlias::test_non_existent_alias_deletion / delete_alias_response: no error, 204.
    name = unique("alias-fn")
    create(lam, name, Environment={"Variables": {"testenv": "staging"}})
    out = lam.delete_alias(FunctionName=name, Name="non-existent")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_non_existent_alias_update(lam):
    # TestLambdaAlias::test_non_existent_alias_update / update_alias_response
    name = unique("alias-fn")
    create(lam, name, Environment={"Variables": {"testenv": "staging"}})
    with pytest.raises(ClientError) as e:
        lam.update_alias(FunctionName=name, Name="non-existent")
    assert observed(e) == expected("ResourceNotFoundException", f"Alias not found: {ARN}{name}:non-existent")


ROUTING_RANGE = (
    "failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or "
    "equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"
)


def test_notfound_and_invalid_routingconfigs(server, lam):
    # TestLambdaAlias::test_notfound_and_invalid_routingconfigs (sent without
    # client-side validation, so out-of-range weights reach the server).
    c = Soft()
    raw = unvalidated(server)
    name, _, _ = _two_versions(lam, publish_on_create=True)

    def attempt(label, want, **kw):
        args = dict(FunctionName=name, Name="custom", FunctionVersion="1")
        args.update(kw)
        c.error(label, lambda: raw.create_alias(**args), want)

    attempt("routing_config_exc_toomany",
            ipve("Number of items in AdditionalVersionWeights cannot be greater than 1"),
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.8, "2": 0.2}})  # fmt: skip
    attempt("routing_config_exc_toohigh",
            validation(f"Value '{{2=2.0}}' at 'routingConfig.additionalVersionWeights' {ROUTING_RANGE}"),
            RoutingConfig={"AdditionalVersionWeights": {"2": 2}})  # fmt: skip
    attempt("routing_config_exc_subzero",
            validation(f"Value '{{2=-1.0}}' at 'routingConfig.additionalVersionWeights' {ROUTING_RANGE}"),
            RoutingConfig={"AdditionalVersionWeights": {"2": -1}})  # fmt: skip
    attempt("routing_config_exc_sameversion",
            ipve("Invalid function version 1. Function version 1 is already included in routing configuration."),
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})  # fmt: skip
    attempt("target_version_doesnotexist", not_found(f"{ARN}{name}:10"),
            FunctionVersion="10", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})  # fmt: skip
    attempt("routing_config_exc_version_doesnotexist", not_found(f"{ARN}{name}:10"),
            RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}})  # fmt: skip
    # Recorded body: "message" but no "Type".
    attempt("target_version_exc_version_latest",
            ipve("$LATEST is not supported for an alias pointing to more than 1 version", typ=None),
            FunctionVersion="$LATEST", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})  # fmt: skip
    attempt("routing_config_exc_version_latest",
            validation("Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy "
                       "constraint: Map keys must satisfy constraint: [Member must have length less than or equal "
                       "to 1024, Member must have length greater than or equal to 1, Member must satisfy regular "
                       "expression pattern: [0-9]+]"),
            RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.5}})  # fmt: skip
    latest = raw.create_alias(FunctionName=name, Name="custom-latest", FunctionVersion="$LATEST")
    c.eq("create-alias-latest", (latest["FunctionVersion"], latest["Description"], "RoutingConfig" in latest),
         ("$LATEST", "", False))  # fmt: skip
    c.error("routing_config_exc_fn_doesnotexist",
            lambda: raw.create_alias(FunctionName=f"{name}-unknown", Name="custom", FunctionVersion="1",
                                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}),
            not_found(f"{ARN}{name}-unknown:1"))  # fmt: skip
    empty = raw.create_alias(FunctionName=name, Name="custom-empty-routingconfig", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip
    c.eq("create_alias_empty_routingconfig has RoutingConfig", "RoutingConfig" in empty, False)
    ok = raw.create_alias(FunctionName=name, Name="custom", FunctionVersion="1",
                          RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})  # fmt: skip
    c.eq("create_alias_response", (ok.get("RoutingConfig"), ok["Description"]),
         ({"AdditionalVersionWeights": {"2": 0.5}}, ""))  # fmt: skip
    attempt("routing_config_exc_already_exist",
            expected("ResourceConflictException", f"Alias already exists: {ARN}{name}:custom"),
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})  # fmt: skip
    c.error("alias_does_not_exist_esc", lambda: raw.get_alias(FunctionName=name, Name="non-existent"),
            expected("ResourceNotFoundException", f"Cannot find alias arn: {ARN}{name}:non-existent"))  # fmt: skip
    c.done()


def test_alias_naming(lam):
    # TestLambdaAlias::test_alias_naming / create_alias_date, get_alias_date,
    # create_alias_number_exception
    name = unique("alias-fn")
    create(lam, name, Environment={"Variables": {"testenv": "staging"}})
    wait_active(lam, name)
    lam.publish_version(FunctionName=name)
    out = lam.create_alias(FunctionName=name, Name="2024-01-02", FunctionVersion="1", Description="custom-alias")
    assert (out["AliasArn"], out["Name"]) == (f"{ARN}{name}:2024-01-02", "2024-01-02")
    assert lam.get_alias(FunctionName=name, Name="2024-01-02")["RevisionId"] == out["RevisionId"]
    assert lam.invoke(FunctionName=f"{name}:2024-01-02", Payload=b"{}")["StatusCode"] == 200
    with pytest.raises(ClientError) as e:
        lam.create_alias(FunctionName=name, Name="2024", FunctionVersion="1", Description="custom-alias")
    assert_validation(e, pattern_error("2024", "name", "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"))


# =========================================================== TestLambdaSizeLimits


def test_oversized_zipped_create_lambda(server):
    # TestLambdaSizeLimits::test_oversized_zipped_create_lambda / invalid_param_exc:
    # a zip just over 50 MB (within the request limit) is refused on its size.
    raw = unvalidated(server)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("app.py", "def handler(event, context):\n    return event\n")
        z.writestr("pad.bin", os.urandom(52_428_800))
    data = buf.getvalue()
    assert 52_428_800 < len(data) < 52_428_800 + 1000
    with pytest.raises(ClientError) as e:
        raw.create_function(
            FunctionName=unique("test_lambda"), Runtime="python3.12", Handler="app.handler", Role=ROLE,
            Code={"ZipFile": data}, Timeout=10,
        )  # fmt: skip
    assert observed(e) == expected("RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes")


def test_oversized_request_create_lambda(server):
    # TestLambdaSizeLimits::test_oversized_request_create_lambda / invalid_param_exc:
    # a request over 70167211 bytes (the size is checked before the content).
    raw = unvalidated(server)
    with pytest.raises(ClientError) as e:
        raw.create_function(
            FunctionName=unique("test_lambda"), Runtime="python3.12", Handler="app.handler", Role=ROLE,
            Code={"ZipFile": PY_ECHO}, Timeout=10, Environment={"Variables": {"largeKey": "#" * 71_000_000}},
        )  # fmt: skip
    assert observed(e) == expected(
        "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    )


def test_oversized_unzipped_lambda_body(lam):
    # TestLambdaSizeLimits::test_oversized_unzipped_lambda / invalid_param_exc
    # (recorded with S3 code; the limit and message are the package's):
    # message and body keys.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.py", "def handler(event, context):\n    return event\n")
        with z.open("big.bin", "w", force_zip64=True) as f:
            chunk = b"#" * (1 << 20)
            for _ in range(251):
                f.write(chunk)
    with pytest.raises(ClientError) as e:
        create(lam, zip_bytes=buf.getvalue())
    assert observed(e) == ipve("Unzipped size must be smaller than 262144000 bytes")


def _env_too_big(value_env):
    return (
        "Lambda was unable to configure your environment variables because the environment variables you have "
        f"provided exceeded the 4KB limit. String measured: {json.dumps(value_env, separators=(',', ':'))}"
    )


def test_large_environment_variables_fails(lam):
    # TestLambdaSizeLimits::test_large_environment_variables_fails / failed_create_fn_result:
    # {"LARGE_VAR":"x..."} of 4097 bytes.
    env = {"LARGE_VAR": "x" * (4 * 1024 - 6 - len("LARGE_VAR"))}
    assert len(json.dumps(env, separators=(",", ":"))) == 4097
    name = unique("large-envvar-lambda")
    with pytest.raises(ClientError) as e:
        create(lam, name, Environment={"Variables": env})
    assert observed(e) == ipve(_env_too_big(env))
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName=name)
    assert observed(e)["Code"] == "ResourceNotFoundException"


def test_large_environment_fails_multiple_keys(lam):
    # TestLambdaSizeLimits::test_large_environment_fails_multiple_keys /
    # failured_create_fn_result_multi_key: keys measured in the order sent.
    env = {"SMALL_VAR": "ok", "LARGE_VAR": "x" * 4064}
    assert len(json.dumps(env, separators=(",", ":"))) == 4097
    name = unique("large-envvar-lambda")
    with pytest.raises(ClientError) as e:
        create(lam, name, Environment={"Variables": env})
    assert observed(e) == ipve(_env_too_big(env))
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName=name)
    assert observed(e)["Code"] == "ResourceNotFoundException"


def test_lambda_envvars_near_limit_succeeds(lam):
    # TestLambdaSizeLimits::test_lambda_envvars_near_limit_succeeds / successful_create_fn_result
    env = {"LARGE_VAR": "x" * (4 * 1024 - 7 - len("LARGE_VAR"))}
    assert len(json.dumps(env, separators=(",", ":"))) == 4096
    name = unique("large-envvar-lambda")
    out = create(lam, name, Environment={"Variables": env})
    assert out["Environment"] == {"Variables": env}
    lam.get_function(FunctionName=name)


# ========================================================= TestRuntimeValidation


@pytest.mark.parametrize(
    "runtime", ["java8", "go1.x", "provided", "ruby2.7", "nodejs14.x", "python3.7", "dotnetcore3.1", "nodejs12.x"]
)
def test_create_deprecated_function_runtime(lam, runtime):
    # TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled[runtime]
    # / deprecation_error (recorded 2026-01-12)
    with pytest.raises(ClientError) as e:
        create(lam, runtime=runtime)
    assert observed(e) == ipve(
        f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
        "functions. We recommend you use a supported runtime while creating or updating functions."
    )


# ======================================================== TestPartialARNMatching


def test_update_function_configuration_full_arn(lam):
    # TestPartialARNMatching::test_update_function_configuration_full_arn:
    # the full ARN, the name and "ACCOUNT:function:NAME" all address the function.
    name = unique()
    out = create(lam, name, MemorySize=256, Timeout=5)
    wait_active(lam, name)
    full = out["FunctionArn"]
    partial = ":".join(full.split(":")[-3:])
    assert partial == f"{ACCOUNT}:function:{name}"
    for i, ref in enumerate([full, name, partial]):
        upd = lam.update_function_configuration(
            FunctionName=ref, Description=f"Changed-Description-{i}", MemorySize=512, Timeout=10,
            Environment={"Variables": {"ENV_A": "a"}},
        )  # fmt: skip
        assert upd["FunctionArn"] == ARN + name
        wait_updated(lam, name)
        assert lam.get_function_configuration(FunctionName=name)["Description"] == f"Changed-Description-{i}"


# ============================================================== TestLoggingConfig


def test_function_advanced_logging_configuration(lam):
    # TestLoggingConfig::test_function_advanced_logging_configuration
    name = unique()
    out = create(lam, name, MemorySize=256, Timeout=5, LoggingConfig={"LogFormat": "JSON"})
    json_default = {
        "ApplicationLogLevel": "INFO", "LogFormat": "JSON", "LogGroup": f"/aws/lambda/{name}", "SystemLogLevel": "INFO",
    }  # fmt: skip
    assert out["LoggingConfig"] == json_default
    wait_active(lam, name)
    assert lam.get_function(FunctionName=name)["Configuration"]["LoggingConfig"] == json_default
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == json_default
    advanced = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO", "LogGroup": "cool_lambda"}
    upd = lam.update_function_configuration(FunctionName=name, LoggingConfig=advanced)
    assert upd["LoggingConfig"] == advanced
    assert upd["LastUpdateStatus"] == "InProgress"
    wait_updated(lam, name)
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == advanced


def test_advanced_logging_configuration_format_switch(lam):
    # TestLoggingConfig::test_advanced_logging_configuration_format_switch:
    # Text -> JSON adds the INFO levels, JSON -> Text drops them.
    name = unique()
    group = f"/aws/lambda/{name}"
    out = create(lam, name, MemorySize=256, Timeout=5)
    assert out["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": group}
    wait_active(lam, name)
    as_json = {"ApplicationLogLevel": "INFO", "LogFormat": "JSON", "LogGroup": group, "SystemLogLevel": "INFO"}
    assert lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON"})[
        "LoggingConfig"
    ] == as_json
    wait_updated(lam, name)
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == as_json
    assert lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})[
        "LoggingConfig"
    ] == {"LogFormat": "Text", "LogGroup": group}
    wait_updated(lam, name)
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": group}


@pytest.mark.parametrize(
    "partial,result",
    [
        ({"LogFormat": "JSON"}, {"ApplicationLogLevel": "INFO", "LogFormat": "JSON", "SystemLogLevel": "INFO"}),
        (
            {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
            {"ApplicationLogLevel": "DEBUG", "LogFormat": "JSON", "SystemLogLevel": "INFO"},
        ),
        (
            {"LogFormat": "JSON", "SystemLogLevel": "DEBUG"},
            {"ApplicationLogLevel": "INFO", "LogFormat": "JSON", "SystemLogLevel": "DEBUG"},
        ),
        ({"LogGroup": "cool_lambda"}, {"LogFormat": "Text", "LogGroup": "cool_lambda"}),
    ],
    ids=["partial_config0", "partial_config1", "partial_config2", "partial_config3"],
)
def test_function_partial_advanced_logging_configuration_update(lam, partial, result):
    # TestLoggingConfig::test_function_partial_advanced_logging_configuration_update[partial_configN]
    # / updated_config, received_config
    name = unique()
    result = dict(result)
    result.setdefault("LogGroup", f"/aws/lambda/{name}")
    create(lam, name, MemorySize=256, Timeout=5)
    wait_active(lam, name)
    upd = lam.update_function_configuration(FunctionName=name, LoggingConfig=partial)
    assert upd["LoggingConfig"] == result
    wait_updated(lam, name)
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == result


# ============================================================ TestLambdaRevisions


def test_function_revisions_basic(lam):
    # TestLambdaRevisions::test_function_revisions_basic: every state change
    # gives $LATEST a new RevisionId: create (rev1) -> Active (rev2) -> code
    # update (rev3) -> update done (rev4) -> config update (rev5) -> done (rev6).
    # (Recorded with Runtime python3.8 for rev5; python3.11 here.)
    name = unique()
    rev1 = create(lam, name)["RevisionId"]
    wait_active(lam, name)
    rev2 = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    with pytest.raises(ClientError) as e:
        lam.update_function_code(FunctionName=name, ZipFile=PY_ECHO, RevisionId="wrong")
    assert observed(e) == expected("PreconditionFailedException", REVISION_MISMATCH)
    rev3 = lam.update_function_code(FunctionName=name, ZipFile=PY_ECHO, RevisionId=rev2)["RevisionId"]
    wait_updated(lam, name)
    rev4 = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Runtime="python3.11", RevisionId="wrong")
    assert observed(e) == expected("PreconditionFailedException", REVISION_MISMATCH)
    rev5 = lam.update_function_configuration(FunctionName=name, Runtime="python3.11", RevisionId=rev4)["RevisionId"]
    wait_updated(lam, name)
    rev6 = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    revs = [rev1, rev2, rev3, rev4, rev5, rev6]
    assert {"distinct": len(set(revs)), "same_as_previous": [i + 1 for i in range(5) if revs[i] == revs[i + 1]]} == {
        "distinct": 6,
        "same_as_previous": [],
    }


def test_function_revisions_version_and_alias(lam):
    # TestLambdaRevisions::test_function_revisions_version_and_alias
    c = Soft()
    name = unique()
    rev1 = create(lam, name)["RevisionId"]
    wait_active(lam, name)
    rev2 = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    c.ne("create response vs Active (rev1/rev2)", rev1, rev2)
    c.error("publish with wrong RevisionId", lambda: lam.publish_version(FunctionName=name, RevisionId="wrong"),
            expected("PreconditionFailedException", REVISION_MISMATCH))  # fmt: skip
    v = lam.publish_version(FunctionName=name, RevisionId=rev2)
    rev_v1 = v["RevisionId"]
    c.ne("$LATEST before publish vs version 1 (rev2/rev_v1)", rev2, rev_v1)
    c.eq("version 1 RevisionId once active",
         lam.get_function(FunctionName=name, Qualifier=v["Version"])["Configuration"]["RevisionId"], rev_v1)  # fmt: skip
    rev3 = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    c.ne("$LATEST RevisionId before vs after publish (rev2/rev3)", rev2, rev3)
    alias = lam.create_alias(FunctionName=name, Name="revision_alias", FunctionVersion=v["Version"])
    rev_a1 = alias["RevisionId"]
    c.ne("alias vs version RevisionId", rev_a1, rev_v1)
    c.eq("$LATEST RevisionId after CreateAlias", lam.get_function(FunctionName=name)["Configuration"]["RevisionId"],
         rev3)  # fmt: skip
    c.eq("version RevisionId after CreateAlias",
         lam.get_function(FunctionName=name, Qualifier=v["Version"])["Configuration"]["RevisionId"], rev_v1)  # fmt: skip
    c.error("update_alias with wrong RevisionId",
            lambda: lam.update_alias(FunctionName=name, Name="revision_alias", RevisionId="wrong"),
            expected("PreconditionFailedException", REVISION_MISMATCH))  # fmt: skip
    upd = lam.update_alias(FunctionName=name, Name="revision_alias", Description="something changed",
                           RevisionId=rev_a1)  # fmt: skip
    c.ne("alias RevisionId after update", upd["RevisionId"], rev_a1)
    c.done()

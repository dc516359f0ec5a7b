"""Function versions, driven by boto3: PublishVersion, Publish=True on create
and code update, ListVersionsByFunction, qualifiers on Get/Invoke/Delete,
immutability of published versions.

Sources for the exact behaviour asserted here:
- the API model (../shared/reference/lambda-2015-03-31.api.json) for shapes,
  status codes and error codes;
- AWS's documentation (developer guide "Lambda function versions", API reference);
- recorded AWS responses: LocalStack's parity snapshots of its Lambda API tests
  (tests/aws/services/lambda_/test_lambda_api.snapshot.json), which are
  captured against real AWS. Messages marked "recorded" come from there;
- error messages quoted verbatim by users of real AWS (marked "seen on AWS").
Where neither pins a message down, only the code and a stable fragment are
asserted.
"""

import base64
import hashlib
import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import make_zip, unique

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def invoke(lam, name=None, event=None, **kw):
    args = dict(Payload=json.dumps(event if event is not None else {}).encode())
    if name is not None:
        args["FunctionName"] = name
    args.update(kw)
    out = lam.invoke(**args)
    body = out["Payload"].read()
    out["Body"] = json.loads(body) if body else None
    if "LogResult" in out:
        out["Log"] = base64.b64decode(out["LogResult"]).decode()
    return out


def tagged_zip(tag):
    """A python function that says which code it is and what it runs as."""
    return make_zip(
        {
            "app.py": (
                "import os\n"
                "def handler(event, context):\n"
                f"    return {{'tag': {tag!r}, 'version': context.function_version,\n"
                "            'arn': context.invoked_function_arn,\n"
                "            'stream': context.log_stream_name,\n"
                "            'env_version': os.environ.get('AWS_LAMBDA_FUNCTION_VERSION'),\n"
                "            'color': os.environ.get('COLOR')}\n"
            )
        }
    )


def make_fn(lam, tag="one", **kw):
    name = unique("ver")
    zip_bytes = tagged_zip(tag)
    out = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": zip_bytes},
        **kw,
    )
    settled(lam, name)
    return name, zip_bytes, out


def settled(lam, name, timeout=10):
    """$LATEST once it is Active and no update is in progress (on AWS, publishing
    or updating before that is refused with ResourceConflictException)."""
    deadline = time.time() + timeout
    while True:
        cfg = lam.get_function_configuration(FunctionName=name)
        if cfg.get("State") != "Pending" and cfg.get("LastUpdateStatus") != "InProgress":
            return cfg
        assert time.time() < deadline, f"{name} did not settle: {cfg.get('State')} {cfg.get('LastUpdateStatus')}"
        time.sleep(0.05)


def bump(lam, name, value):
    """Changes $LATEST's configuration so that a new version can be published."""
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"BUMP": str(value)}})
    settled(lam, name)


def current_revision(lam, name):
    return settled(lam, name)["RevisionId"]


def version_numbers(lam, name):
    return [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]


# ------------------------------------------------------------ PublishVersion


def test_publish_version_shape(lam):
    name, zip1, created = make_fn(lam, Description="first", MemorySize=256, Timeout=7)
    out = lam.publish_version(FunctionName=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["Version"] == "1"
    assert out["FunctionName"] == name
    assert out["FunctionArn"] == f"{ARN}{name}:1"
    assert out["CodeSha256"] == created["CodeSha256"] == sha(zip1)
    assert out["CodeSize"] == len(zip1)
    assert out["RevisionId"]
    # The version is a copy of $LATEST's configuration (developer guide); its
    # description is $LATEST's unless PublishVersion overrides it (recorded).
    assert out["Description"] == "first"
    assert (out["Runtime"], out["Handler"], out["MemorySize"], out["Timeout"]) == (
        "python3.12",
        "app.handler",
        256,
        7,
    )
    # GetFunctionConfiguration of the version echoes the publish response (recorded).
    got = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert got["Version"] == "1"
    assert got["FunctionArn"] == f"{ARN}{name}:1"
    assert got["RevisionId"] == out["RevisionId"]


def test_publish_numbers_versions_and_description_overrides(lam):
    name, _, _ = make_fn(lam, Description="latest description")
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    bump(lam, name, 1)
    second = lam.publish_version(FunctionName=name, Description="release two")
    assert second["Version"] == "2"
    assert second["FunctionArn"] == f"{ARN}{name}:2"
    assert second["Description"] == "release two"
    assert lam.get_function_configuration(FunctionName=name, Qualifier="2")["Description"] == "release two"
    # The override belongs to the version only; $LATEST and version 1 keep theirs.
    assert lam.get_function_configuration(FunctionName=name)["Description"] == "latest description"
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["Description"] == "latest description"


def test_publish_when_nothing_changed_returns_the_last_version(lam):
    # API reference: "Lambda doesn't publish a version if the function's
    # configuration and code haven't changed since the last version."
    # Recorded: the repeated publish answers 201 with the existing version.
    name, _, _ = make_fn(lam)
    first = lam.publish_version(FunctionName=name)
    again = lam.publish_version(FunctionName=name)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert again["Version"] == "1"
    assert again["FunctionArn"] == first["FunctionArn"]
    assert again["RevisionId"] == first["RevisionId"]
    assert version_numbers(lam, name) == ["$LATEST", "1"]
    # Any change to $LATEST makes the next publish a new version.
    bump(lam, name, "x")
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    assert version_numbers(lam, name) == ["$LATEST", "1", "2"]


def test_publish_code_sha256_precondition(lam):
    name, zip1, _ = make_fn(lam)
    wrong = sha(b"something else")
    with pytest.raises(ClientError) as e:
        lam.publish_version(FunctionName=name, CodeSha256=wrong)
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # Recorded verbatim.
    assert msg == (
        f"CodeSHA256 ({wrong}) is different from current CodeSHA256 in $LATEST ({sha(zip1)}). "
        "Please try again with the CodeSHA256 in $LATEST."
    )
    assert version_numbers(lam, name) == ["$LATEST"]
    assert lam.publish_version(FunctionName=name, CodeSha256=sha(zip1))["Version"] == "1"


def test_publish_revision_precondition(lam):
    name, _, _ = make_fn(lam)
    stale = current_revision(lam, name)
    bump(lam, name, 1)
    fresh = current_revision(lam, name)
    assert fresh != stale
    with pytest.raises(ClientError) as e:
        lam.publish_version(FunctionName=name, RevisionId=stale)
    code, msg, status = error_of(e)
    assert (code, status) == ("PreconditionFailedException", 412)
    # Recorded verbatim.
    assert msg == (
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    )
    assert version_numbers(lam, name) == ["$LATEST"]
    published = lam.publish_version(FunctionName=name, RevisionId=fresh)
    assert published["Version"] == "1"
    # Recorded: publishing gives $LATEST a new RevisionId (and the version its own).
    after = lam.get_function_configuration(FunctionName=name)["RevisionId"]
    assert after != fresh
    assert published["RevisionId"] != after


def test_publish_unknown_function(lam):
    with pytest.raises(ClientError) as e:
        lam.publish_version(FunctionName="no-such-function-" + unique())
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert error_of(e)[2] == 404


def test_create_with_publish(lam):
    name, zip1, out = make_fn(lam, Publish=True)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    # Recorded: the response describes version 1 but keeps the unqualified ARN.
    assert out["Version"] == "1"
    assert out["FunctionArn"] == f"{ARN}{name}"
    assert version_numbers(lam, name) == ["$LATEST", "1"]
    v1 = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert v1["CodeSha256"] == sha(zip1)
    assert v1["FunctionArn"] == f"{ARN}{name}:1"
    # Nothing changed since: publishing again gives back version 1 (recorded).
    assert lam.publish_version(FunctionName=name)["Version"] == "1"


def test_update_code_with_publish(lam):
    name, _, _ = make_fn(lam)
    zip2 = tagged_zip("two")
    out = lam.update_function_code(FunctionName=name, ZipFile=zip2, Publish=True)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    # Recorded: the response is the published version's.
    assert out["Version"] == "1"
    assert out["FunctionArn"] == f"{ARN}{name}:1"
    assert out["CodeSha256"] == sha(zip2)
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["CodeSha256"] == sha(zip2)
    settled(lam, name)
    zip3 = tagged_zip("three")
    again = lam.update_function_code(FunctionName=name, ZipFile=zip3, Publish=True)
    assert again["Version"] == "2"
    assert lam.get_function_configuration(FunctionName=name, Qualifier="2")["CodeSha256"] == sha(zip3)
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["CodeSha256"] == sha(zip2)
    assert version_numbers(lam, name) == ["$LATEST", "1", "2"]


# ---------------------------------------------------- ListVersionsByFunction


def test_list_versions_ascending_and_paginated(lam):
    name, _, _ = make_fn(lam)
    for i in range(1, 12):
        bump(lam, name, i)
        assert lam.publish_version(FunctionName=name)["Version"] == str(i)
    expected = ["$LATEST"] + [str(i) for i in range(1, 12)]
    page = lam.list_versions_by_function(FunctionName=name)
    # $LATEST first, then by number ("10" after "9", not after "1").
    assert [v["Version"] for v in page["Versions"]] == expected
    assert "NextMarker" not in page
    # Recorded: every item carries a qualified ARN, $LATEST's too, and no state.
    assert page["Versions"][0]["FunctionArn"] == f"{ARN}{name}:$LATEST"
    assert page["Versions"][10]["FunctionArn"] == f"{ARN}{name}:10"
    assert all("State" not in v for v in page["Versions"])

    first = lam.list_versions_by_function(FunctionName=name, MaxItems=5)
    assert [v["Version"] for v in first["Versions"]] == expected[:5]
    rest = lam.list_versions_by_function(FunctionName=name, Marker=first["NextMarker"], MaxItems=50)
    assert [v["Version"] for v in rest["Versions"]] == expected[5:]
    assert "NextMarker" not in rest

    seen = []
    for p in lam.get_paginator("list_versions_by_function").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 2}
    ):
        assert len(p["Versions"]) <= 2
        seen += [v["Version"] for v in p["Versions"]]
    assert seen == expected


def test_list_versions_unknown_function(lam):
    with pytest.raises(ClientError) as e:
        lam.list_versions_by_function(FunctionName="no-such-function-" + unique())
    assert error_of(e)[0] == "ResourceNotFoundException"


# ----------------------------------------------------------------- qualifiers


def test_get_with_every_qualifier_form(lam):
    name, zip1, _ = make_fn(lam)
    lam.publish_version(FunctionName=name)
    zip2 = tagged_zip("two")
    lam.update_function_code(FunctionName=name, ZipFile=zip2)
    settled(lam, name)
    forms = [
        dict(FunctionName=name, Qualifier="1"),
        dict(FunctionName=f"{name}:1"),
        dict(FunctionName=f"{ARN}{name}:1"),
        dict(FunctionName=f"000000000000:function:{name}:1"),
        dict(FunctionName=f"{ARN}{name}", Qualifier="1"),
    ]
    for form in forms:
        cfg = lam.get_function_configuration(**form)
        assert (cfg["Version"], cfg["FunctionArn"], cfg["CodeSha256"]) == ("1", f"{ARN}{name}:1", sha(zip1)), form
        got = lam.get_function(**form)
        assert got["Configuration"]["Version"] == "1", form
        assert got["Configuration"]["FunctionArn"] == f"{ARN}{name}:1", form
        with urllib.request.urlopen(got["Code"]["Location"]) as r:
            assert r.read() == zip1, form
    latest = lam.get_function_configuration(FunctionName=name)
    assert (latest["Version"], latest["FunctionArn"], latest["CodeSha256"]) == ("$LATEST", f"{ARN}{name}", sha(zip2))
    # Recorded: asking for $LATEST by name gives the ARN qualified with it.
    explicit = lam.get_function(FunctionName=name, Qualifier="$LATEST")["Configuration"]
    assert explicit["Version"] == "$LATEST"
    assert explicit["FunctionArn"] == f"{ARN}{name}:$LATEST"


def test_unknown_version_is_not_found(lam):
    name, _, _ = make_fn(lam)
    lam.publish_version(FunctionName=name)
    for call in (lam.get_function, lam.get_function_configuration):
        with pytest.raises(ClientError) as e:
            call(FunctionName=name, Qualifier="9")
        code, msg, status = error_of(e)
        assert (code, status) == ("ResourceNotFoundException", 404)
        assert msg == f"Function not found: {ARN}{name}:9"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=f"{name}:9", Payload=b"{}")
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert error_of(e)[1].endswith(f":function:{name}:9")


def test_qualifier_in_name_and_parameter_must_agree(lam):
    name, _, _ = make_fn(lam)
    lam.publish_version(FunctionName=name)
    bump(lam, name, 1)
    lam.publish_version(FunctionName=name)
    with pytest.raises(ClientError) as e:
        lam.get_function_configuration(FunctionName=f"{name}:1", Qualifier="2")
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # The message AWS gives (quoted in AWS's EventBridge Scheduler docs and by
    # AWS-parity emulators).
    assert msg == "The derived qualifier from the function name does not match the specified qualifier."


# --------------------------------------------------------------------- invoke


def test_invoke_a_version_by_every_form(lam):
    name, _, _ = make_fn(lam, Environment={"Variables": {"COLOR": "red"}})
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=tagged_zip("two"))
    settled(lam, name)
    for kw in (
        dict(FunctionName=name, Qualifier="1"),
        dict(FunctionName=f"{name}:1"),
        dict(FunctionName=f"{ARN}{name}:1"),
    ):
        out = invoke(lam, **kw)
        assert out["StatusCode"] == 200
        assert out["ExecutedVersion"] == "1", kw
        b = out["Body"]
        assert b["tag"] == "one", kw
        # The context and environment name the version that runs; the invoked
        # ARN is the one the caller used (developer guide, context object).
        assert b["version"] == "1" and b["env_version"] == "1"
        assert b["arn"] == f"{ARN}{name}:1"
        assert "[1]" in b["stream"]
    latest = invoke(lam, name)
    assert latest["ExecutedVersion"] == "$LATEST"
    assert latest["Body"]["tag"] == "two"
    assert latest["Body"]["version"] == "$LATEST"
    assert latest["Body"]["arn"] == f"{ARN}{name}"
    explicit = invoke(lam, name, Qualifier="$LATEST")
    assert explicit["ExecutedVersion"] == "$LATEST"
    assert explicit["Body"]["tag"] == "two"


def test_version_log_lines_name_the_version(lam):
    name, _, _ = make_fn(lam, Publish=True)
    out = invoke(lam, f"{name}:1", LogType="Tail")
    first = out["Log"].splitlines()[0]
    assert first.startswith("START RequestId: ") and first.endswith(" Version: 1")


# --------------------------------------------------------------- immutability


def test_published_version_keeps_code_and_configuration(lam):
    name, zip1, _ = make_fn(lam, Environment={"Variables": {"COLOR": "red"}}, Description="v1 era")
    lam.publish_version(FunctionName=name)
    # Warm version 1 up before $LATEST changes under it.
    assert invoke(lam, name, Qualifier="1")["Body"]["tag"] == "one"
    zip2 = tagged_zip("two")
    lam.update_function_code(FunctionName=name, ZipFile=zip2)
    settled(lam, name)
    lam.update_function_configuration(
        FunctionName=name,
        Environment={"Variables": {"COLOR": "blue"}},
        MemorySize=512,
        Timeout=20,
        Description="v2 era",
    )
    settled(lam, name)
    v1 = invoke(lam, name, Qualifier="1")["Body"]
    assert (v1["tag"], v1["color"]) == ("one", "red")
    latest = invoke(lam, name)["Body"]
    assert (latest["tag"], latest["color"]) == ("two", "blue")
    cfg = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert cfg["CodeSha256"] == sha(zip1)
    assert cfg["Environment"] == {"Variables": {"COLOR": "red"}}
    assert (cfg["MemorySize"], cfg["Timeout"], cfg["Description"]) == (128, 3, "v1 era")
    # A second version snapshots the new state; the first is untouched.
    lam.publish_version(FunctionName=name)
    v2 = invoke(lam, name, Qualifier="2")["Body"]
    assert (v2["tag"], v2["color"], v2["version"]) == ("two", "blue", "2")
    assert invoke(lam, name, Qualifier="1")["Body"]["tag"] == "one"


@pytest.mark.parametrize("form", ["{name}:1", ARN + "{name}:1"])
def test_updating_a_version_is_refused(lam, form):
    name, zip1, _ = make_fn(lam, Description="before")
    lam.publish_version(FunctionName=name)
    target = form.format(name=name)
    # AWS refuses updates of anything but $LATEST; the message seen on AWS is
    # "Current operation does not support versions other than $LATEST. Please
    # set the version to $LATEST or do not set a version in your request." but
    # its error code is not confirmed, so only a 4xx is asserted.
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=target, Description="after")
    assert 400 <= error_of(e)[2] < 500
    with pytest.raises(ClientError) as e:
        lam.update_function_code(FunctionName=target, ZipFile=tagged_zip("changed"))
    assert 400 <= error_of(e)[2] < 500
    v1 = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (v1["Description"], v1["CodeSha256"]) == ("before", sha(zip1))
    latest = lam.get_function_configuration(FunctionName=name)
    assert (latest["Description"], latest["CodeSha256"]) == ("before", sha(zip1))


# ------------------------------------------------------------------- deletion


def test_delete_one_version(lam):
    name, _, _ = make_fn(lam)
    lam.publish_version(FunctionName=name)
    bump(lam, name, 1)
    lam.publish_version(FunctionName=name)
    bump(lam, name, 2)
    lam.publish_version(FunctionName=name)
    out = lam.delete_function(FunctionName=name, Qualifier="1")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName=name, Qualifier="1")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert msg.endswith(f":function:{name}:1")
    assert msg == f"Function not found: {ARN}{name}:1"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Qualifier="1", Payload=b"{}")
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert version_numbers(lam, name) == ["$LATEST", "2", "3"]
    # The qualifier can also ride on the name.
    assert lam.delete_function(FunctionName=f"{name}:3")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert version_numbers(lam, name) == ["$LATEST", "2"]
    assert lam.get_function_configuration(FunctionName=name, Qualifier="2")["Version"] == "2"
    assert lam.get_function_configuration(FunctionName=name)["Version"] == "$LATEST"


def test_delete_latest_by_qualifier_is_refused(lam):
    name, _, _ = make_fn(lam, Publish=True)
    for kw in (dict(FunctionName=name, Qualifier="$LATEST"), dict(FunctionName=f"{name}:$LATEST")):
        with pytest.raises(ClientError) as e:
            lam.delete_function(**kw)
        code, msg, status = error_of(e)
        assert (code, status) == ("InvalidParameterValueException", 400)
        # "$LATEST version cannot be deleted without deleting the function."
        # (the message AWS-parity emulators reproduce; fragment only).
        assert "cannot be deleted without deleting the function" in msg
    assert version_numbers(lam, name) == ["$LATEST", "1"]


def test_delete_version_an_alias_points_to_is_refused(lam):
    name, _, _ = make_fn(lam, Publish=True)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as e:
        lam.delete_function(FunctionName=name, Qualifier="1")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceConflictException", 409)
    # Seen on AWS verbatim.
    assert msg == "Unable to delete version because the following aliases reference it: [live]"
    assert version_numbers(lam, name) == ["$LATEST", "1"]
    # Once the alias is gone the version can go.
    lam.delete_alias(FunctionName=name, Name="live")
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert version_numbers(lam, name) == ["$LATEST"]


def test_version_numbers_are_never_reused(lam):
    # Widely observed on AWS; not stated as such in the documentation.
    name, _, _ = make_fn(lam)
    lam.publish_version(FunctionName=name)
    bump(lam, name, 1)
    lam.publish_version(FunctionName=name)
    lam.delete_function(FunctionName=name, Qualifier="2")
    bump(lam, name, 2)
    assert lam.publish_version(FunctionName=name)["Version"] == "3"
    lam.delete_function(FunctionName=name, Qualifier="3")
    lam.delete_function(FunctionName=name, Qualifier="1")
    bump(lam, name, 3)
    assert lam.publish_version(FunctionName=name)["Version"] == "4"
    assert version_numbers(lam, name) == ["$LATEST", "4"]


def test_delete_function_removes_versions_and_aliases(lam):
    # API reference (DeleteFunction): without a qualifier "all versions and
    # aliases are deleted".
    name, _, _ = make_fn(lam, Publish=True)
    bump(lam, name, 1)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert lam.delete_function(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    for qualifier in ("1", "2", "live"):
        with pytest.raises(ClientError) as e:
            lam.get_function_configuration(FunctionName=name, Qualifier=qualifier)
        assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        lam.get_alias(FunctionName=name, Name="live")
    assert error_of(e)[0] == "ResourceNotFoundException"
    # A new function of the same name starts from nothing.
    reborn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": tagged_zip("reborn")},
    )
    assert reborn["Version"] == "$LATEST"
    settled(lam, name)
    assert version_numbers(lam, name) == ["$LATEST"]
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    assert invoke(lam, name, Qualifier="1")["Body"]["tag"] == "reborn"


def test_list_functions_with_all_versions(fresh_server):
    lam = fresh_server.client()
    name, _, _ = make_fn(lam, Publish=True)
    bump(lam, name, "x")
    lam.publish_version(FunctionName=name)
    plain = lam.list_functions()["Functions"]
    assert [f["Version"] for f in plain] == ["$LATEST"]
    every = lam.list_functions(FunctionVersion="ALL")["Functions"]
    assert [f["Version"] for f in every] == ["$LATEST", "1", "2"]
    assert every[0]["FunctionArn"].endswith(f"{name}:$LATEST")
    assert every[2]["FunctionArn"].endswith(f"{name}:2")
    paged = []
    for p in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL", PaginationConfig={"PageSize": 1}):
        paged += [f["Version"] for f in p["Functions"]]
    assert paged == ["$LATEST", "1", "2"]

"""Aliases, driven by boto3: CreateAlias, GetAlias, UpdateAlias, ListAliases,
DeleteAlias, invoking through an alias, and weighted routing between two
versions (RoutingConfig.AdditionalVersionWeights).

Messages marked "recorded" are real AWS responses as captured in LocalStack's
parity snapshots (tests/aws/services/lambda_/test_lambda_api.snapshot.json,
TestLambdaAlias / TestLambdaRevisions); shapes and codes follow the API model.
Where AWS's text is not known, only the code and a stable fragment are checked.
"""

import base64
import collections
import json
import time

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import make_zip, unique

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


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
    return make_zip(
        {
            "app.py": (
                "def handler(event, context):\n"
                f"    return {{'tag': {tag!r}, 'version': context.function_version,\n"
                "            'arn': context.invoked_function_arn}\n"
            )
        }
    )


def settled(lam, name, timeout=10):
    deadline = time.time() + timeout
    while True:
        cfg = lam.get_function_configuration(FunctionName=name)
        if cfg.get("State") != "Pending" and cfg.get("LastUpdateStatus") != "InProgress":
            return cfg
        assert time.time() < deadline, f"{name} did not settle"
        time.sleep(0.05)


TAGS = ["one", "two", "three", "four"]


def fn_with_versions(lam, count=2):
    """A function whose version N returns tag TAGS[N-1]; $LATEST is the last."""
    name = unique("alias")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": tagged_zip(TAGS[0])},
    )
    settled(lam, name)
    for i in range(count):
        if i:
            lam.update_function_code(FunctionName=name, ZipFile=tagged_zip(TAGS[i]))
            settled(lam, name)
        assert lam.publish_version(FunctionName=name)["Version"] == str(i + 1)
    return name


def unvalidated_client(server):
    """A client that lets out-of-range values through to the server (botocore
    itself rejects a negative Weight before sending)."""
    return boto3.client(
        "lambda",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


# ------------------------------------------------------------------- control


def test_create_alias_shape(lam):
    name = fn_with_versions(lam, 1)
    out = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="production")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["AliasArn"] == f"{ARN}{name}:live"
    assert out["Name"] == "live"
    assert out["FunctionVersion"] == "1"
    assert out["Description"] == "production"
    assert out["RevisionId"]
    # Recorded: no RoutingConfig key when there is no routing.
    assert "RoutingConfig" not in out
    # Recorded: a missing Description is an empty string.
    plain = lam.create_alias(FunctionName=name, Name="plain", FunctionVersion="1")
    assert plain["Description"] == ""
    # An empty routing configuration is no routing (recorded).
    empty = lam.create_alias(
        FunctionName=name, Name="empty", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}}
    )
    assert "RoutingConfig" not in empty


def test_get_alias(lam):
    name = fn_with_versions(lam, 1)
    created = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="d")
    for fn in (name, f"{ARN}{name}"):
        got = lam.get_alias(FunctionName=fn, Name="live")
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
        for key in ("AliasArn", "Name", "FunctionVersion", "Description", "RevisionId"):
            assert got[key] == created[key], key
    with pytest.raises(ClientError) as e:
        lam.get_alias(FunctionName=name, Name="nope")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    # Recorded verbatim.
    assert msg == f"Cannot find alias arn: {ARN}{name}:nope"


def test_alias_to_latest_is_allowed(lam):
    name = fn_with_versions(lam, 1)
    out = lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    assert out["FunctionVersion"] == "$LATEST"
    assert invoke(lam, f"{name}:edge")["ExecutedVersion"] == "$LATEST"


def test_update_alias(lam):
    name = fn_with_versions(lam, 2)
    created = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="keep me")
    moved = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert moved["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert moved["FunctionVersion"] == "2"
    assert moved["Description"] == "keep me"
    assert moved["AliasArn"] == f"{ARN}{name}:live"
    assert moved["RevisionId"] != created["RevisionId"]
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"

    described = lam.update_alias(FunctionName=name, Name="live", Description="changed")
    assert (described["FunctionVersion"], described["Description"]) == ("2", "changed")

    routed = lam.update_alias(
        FunctionName=name, Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}}
    )
    assert routed["FunctionVersion"] == "1"
    assert routed["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    got = lam.get_alias(FunctionName=name, Name="live")
    assert got["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    assert got["RevisionId"] == routed["RevisionId"]

    cleared = lam.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in cleared
    assert "RoutingConfig" not in lam.get_alias(FunctionName=name, Name="live")


def test_update_alias_revision_precondition(lam):
    name = fn_with_versions(lam, 2)
    created = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    current = lam.update_alias(FunctionName=name, Name="live", Description="x", RevisionId=created["RevisionId"])
    with pytest.raises(ClientError) as e:
        lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RevisionId=created["RevisionId"])
    code, msg, status = error_of(e)
    assert (code, status) == ("PreconditionFailedException", 412)
    # Recorded verbatim.
    assert msg == (
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    )
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
    ok = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RevisionId=current["RevisionId"])
    assert ok["FunctionVersion"] == "2"


def test_update_unknown_alias_or_version(lam):
    name = fn_with_versions(lam, 1)
    with pytest.raises(ClientError) as e:
        lam.update_alias(FunctionName=name, Name="ghost", FunctionVersion="1")
    assert error_of(e)[0] == "ResourceNotFoundException"
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as e:
        lam.update_alias(FunctionName=name, Name="live", FunctionVersion="7")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert msg == f"Function not found: {ARN}{name}:7"
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"


def test_list_aliases(lam):
    name = fn_with_versions(lam, 2)
    lam.create_alias(FunctionName=name, Name="b-stable", FunctionVersion="1", Description="b")
    lam.create_alias(FunctionName=name, Name="a-canary", FunctionVersion="2")
    lam.create_alias(
        FunctionName=name, Name="c-split", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}
    )
    out = lam.list_aliases(FunctionName=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    items = {a["Name"]: a for a in out["Aliases"]}
    assert set(items) == {"a-canary", "b-stable", "c-split"}
    assert "NextMarker" not in out
    assert items["b-stable"] == {
        "AliasArn": f"{ARN}{name}:b-stable",
        "Name": "b-stable",
        "FunctionVersion": "1",
        "Description": "b",
        "RevisionId": items["b-stable"]["RevisionId"],
    }
    assert items["c-split"]["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}

    only_one = lam.list_aliases(FunctionName=name, FunctionVersion="1")
    assert sorted(a["Name"] for a in only_one["Aliases"]) == ["b-stable", "c-split"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]] == ["a-canary"]

    page = lam.list_aliases(FunctionName=name, MaxItems=2)
    assert len(page["Aliases"]) == 2 and page["NextMarker"]
    rest = lam.list_aliases(FunctionName=name, Marker=page["NextMarker"])
    assert len(rest["Aliases"]) == 1 and "NextMarker" not in rest
    paged = [a["Name"] for a in page["Aliases"] + rest["Aliases"]]
    assert sorted(paged) == ["a-canary", "b-stable", "c-split"]

    seen = []
    for p in lam.get_paginator("list_aliases").paginate(FunctionName=name, PaginationConfig={"PageSize": 1}):
        assert len(p["Aliases"]) <= 1
        seen += [a["Name"] for a in p["Aliases"]]
    assert sorted(seen) == ["a-canary", "b-stable", "c-split"]
    assert seen == paged

    with pytest.raises(ClientError) as e:
        lam.list_aliases(FunctionName="no-such-function-" + unique())
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_delete_alias(lam):
    name = fn_with_versions(lam, 1)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    out = lam.delete_alias(FunctionName=name, Name="live")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        lam.get_alias(FunctionName=name, Name="live")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert msg == f"Cannot find alias arn: {ARN}{name}:live"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=f"{name}:live", Payload=b"{}")
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    # The version it pointed to is untouched.
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["Version"] == "1"


def test_duplicate_alias_conflicts(lam):
    name = fn_with_versions(lam, 1)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as e:
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceConflictException", 409)
    # Recorded verbatim.
    assert msg == f"Alias already exists: {ARN}{name}:live"


def test_alias_to_missing_version_or_function(lam):
    name = fn_with_versions(lam, 1)
    with pytest.raises(ClientError) as e:
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="10")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    # Recorded verbatim.
    assert msg == f"Function not found: {ARN}{name}:10"
    ghost = "no-such-function-" + unique()
    with pytest.raises(ClientError) as e:
        lam.create_alias(FunctionName=ghost, Name="live", FunctionVersion="1")
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []


@pytest.mark.parametrize("alias", ["123", "7"])
def test_all_digit_alias_name_is_refused(lam, alias):
    # The model's Alias pattern (?!^[0-9]+$)([a-zA-Z0-9-_]+): a name that could
    # be a version number is not an alias name. Message format inferred from
    # AWS's other validation errors.
    name = fn_with_versions(lam, 1)
    with pytest.raises(ClientError) as e:
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
    code, msg, status = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    assert f"'{alias}'" in msg


# ------------------------------------------------------- invoking an alias


def test_invoke_through_alias_every_form(lam):
    name = fn_with_versions(lam, 2)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    alias_arn = f"{ARN}{name}:live"
    for kw in (
        dict(FunctionName=f"{name}:live"),
        dict(FunctionName=name, Qualifier="live"),
        dict(FunctionName=alias_arn),
        dict(FunctionName=f"000000000000:function:{name}:live"),
    ):
        out = invoke(lam, **kw)
        assert out["StatusCode"] == 200
        # X-Amz-Executed-Version: "When you invoke a function with an alias,
        # this indicates which version the alias resolved to." (API model)
        assert out["ExecutedVersion"] == "1", kw
        assert out["Body"]["tag"] == "one", kw
        assert out["Body"]["version"] == "1"
        # The invoked ARN is the alias ARN (developer guide, context object).
        assert out["Body"]["arn"] == alias_arn
    # Moving the alias moves what runs.
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    moved = invoke(lam, f"{name}:live", LogType="Tail")
    assert moved["ExecutedVersion"] == "2"
    assert moved["Body"]["tag"] == "two"
    assert moved["Log"].splitlines()[0].endswith(" Version: 2")
    assert invoke(lam, name)["ExecutedVersion"] == "$LATEST"


def test_configuration_through_alias(lam):
    name = fn_with_versions(lam, 2)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    v1 = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    for kw in (
        dict(FunctionName=name, Qualifier="live"),
        dict(FunctionName=f"{name}:live"),
        dict(FunctionName=f"{ARN}{name}:live"),
    ):
        cfg = lam.get_function_configuration(**kw)
        # Recorded: the alias ARN, and the version the alias points to.
        assert cfg["FunctionArn"] == f"{ARN}{name}:live", kw
        assert cfg["Version"] == "1"
        assert cfg["CodeSha256"] == v1["CodeSha256"]
        got = lam.get_function(**kw)
        assert got["Configuration"]["FunctionArn"] == f"{ARN}{name}:live"
        assert got["Configuration"]["Version"] == "1"
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName=name, Qualifier="nothere")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    # Recorded verbatim.
    assert msg == f"Function not found: {ARN}{name}:nothere"


# ----------------------------------------------------------- weighted routing


def test_routing_splits_traffic_by_weight(lam):
    name = fn_with_versions(lam, 2)
    out = lam.create_alias(
        FunctionName=name, Name="canary", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}}
    )
    assert out["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.3}}
    runs = 300
    counts = collections.Counter()
    for _ in range(runs):
        r = invoke(lam, f"{name}:canary")
        executed = r["ExecutedVersion"]
        counts[executed] += 1
        # The header tells the truth about the code that ran.
        assert r["Body"]["tag"] == {"1": "one", "2": "two"}[executed]
        assert r["Body"]["version"] == executed
    assert set(counts) == {"1", "2"}, counts
    share = counts["2"] / runs
    # Expected 0.3; the standard deviation of the share is about 0.026, so
    # this band fails by chance far less than once in a million runs.
    assert 0.15 <= share <= 0.45, counts


@pytest.mark.parametrize("weight", [1.5, 2.0, -0.5, -1.0])
def test_routing_weight_out_of_range(server, lam, weight):
    name = fn_with_versions(lam, 2)
    raw = unvalidated_client(server)
    with pytest.raises(ClientError) as e:
        raw.create_alias(
            FunctionName=name,
            Name="bad",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": weight}},
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    # Recorded form: "1 validation error detected: Value '{2=2.0}' at
    # 'routingConfig.additionalVersionWeights' failed to satisfy constraint:
    # Map value must satisfy constraint: [...]"
    assert "at 'routingConfig.additionalVersionWeights' failed to satisfy constraint" in msg
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    lam.create_alias(FunctionName=name, Name="ok", FunctionVersion="1")
    with pytest.raises(ClientError) as e:
        raw.update_alias(FunctionName=name, Name="ok", RoutingConfig={"AdditionalVersionWeights": {"2": weight}})
    assert error_of(e)[0] == "ValidationException"
    assert "RoutingConfig" not in lam.get_alias(FunctionName=name, Name="ok")


def test_routing_more_than_one_additional_version(lam):
    name = fn_with_versions(lam, 3)
    with pytest.raises(ClientError) as e:
        lam.create_alias(
            FunctionName=name,
            Name="wide",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}},
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # Recorded verbatim.
    assert msg == "Number of items in AdditionalVersionWeights cannot be greater than 1"


def test_routing_with_latest_primary_is_refused(lam):
    name = fn_with_versions(lam, 1)
    with pytest.raises(ClientError) as e:
        lam.create_alias(
            FunctionName=name,
            Name="mixed",
            FunctionVersion="$LATEST",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # Recorded verbatim.
    assert msg == "$LATEST is not supported for an alias pointing to more than 1 version"
    # Same on update of an alias that points to $LATEST.
    lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    with pytest.raises(ClientError) as e:
        lam.update_alias(FunctionName=name, Name="edge", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    assert error_of(e)[0] == "InvalidParameterValueException"


def test_routing_to_latest_as_additional_version_is_refused(lam):
    # Recorded: AWS rejects this at the model level (the AdditionalVersion key
    # pattern is [0-9]+), so the code is ValidationException, not
    # InvalidParameterValueException.
    name = fn_with_versions(lam, 1)
    with pytest.raises(ClientError) as e:
        lam.create_alias(
            FunctionName=name,
            Name="mixed",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.5}},
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    assert "Map keys must satisfy constraint" in msg
    assert "[0-9]+" in msg


def test_routing_to_the_primary_version_is_refused(lam):
    name = fn_with_versions(lam, 2)
    with pytest.raises(ClientError) as e:
        lam.create_alias(
            FunctionName=name,
            Name="self",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # Recorded verbatim.
    assert msg == "Invalid function version 1. Function version 1 is already included in routing configuration."
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    with pytest.raises(ClientError) as e:
        lam.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    code, msg, _ = error_of(e)
    assert code == "InvalidParameterValueException"
    assert msg == "Invalid function version 2. Function version 2 is already included in routing configuration."


def test_routing_to_a_missing_version_is_refused(lam):
    name = fn_with_versions(lam, 1)
    with pytest.raises(ClientError) as e:
        lam.create_alias(
            FunctionName=name,
            Name="ghost",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}},
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    # Recorded verbatim.
    assert msg == f"Function not found: {ARN}{name}:10"

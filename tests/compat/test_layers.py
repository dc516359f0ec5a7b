"""Layers, driven by boto3: PublishLayerVersion, GetLayerVersion(ByArn),
ListLayers, ListLayerVersions, DeleteLayerVersion, layer version permissions,
functions that use layers, and what a layer puts in a running function
(python, node, a provided runtime's bootstrap, bin/ on PATH, layer order).

Messages marked "recorded" are real AWS responses as captured in LocalStack's
parity snapshots (tests/aws/services/lambda_/test_lambda_api.snapshot.json,
TestLambdaLayer); "docs" means AWS's developer guide ("Adding layers to
functions", "Packaging your layer content") or API reference. Where AWS's
text is not known, only the code and a stable fragment are checked.
"""

import base64
import hashlib
import io
import json
import time
import urllib.request
import zipfile

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, make_zip, unique
from test_invoke import CURL_BOOTSTRAP

LAYER_ARN = "arn:aws:lambda:us-east-1:000000000000:layer:"


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


def publish(lam, files=None, name=None, **kw):
    name = name or unique("layer")
    zip_bytes = make_zip(files or {"python/placeholder.py": "X = 1\n"})
    out = lam.publish_layer_version(LayerName=name, Content={"ZipFile": zip_bytes}, **kw)
    out["_zip"] = zip_bytes
    out["_name"] = name
    return out


def settled(lam, name, timeout=10):
    deadline = time.time() + timeout
    while True:
        cfg = lam.get_function_configuration(FunctionName=name)
        if cfg.get("State") != "Pending" and cfg.get("LastUpdateStatus") != "InProgress":
            return cfg
        assert time.time() < deadline, f"{name} did not settle"
        time.sleep(0.05)


def function(lam, files, layers, runtime="python3.12", handler="app.handler", **kw):
    name = unique("lfn")
    out = lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE,
        Handler=handler,
        Code={"ZipFile": make_zip(files)},
        Layers=layers,
        **kw,
    )
    settled(lam, name)
    return name, out


def zeros_zip(path, mib):
    """A zip holding MIB mebibytes of zeros: tiny zipped, big unzipped."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(path, "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(mib):
                f.write(chunk)
    return buf.getvalue()


def lambda_date(s):
    # e.g. 2018-11-27T15:10:45.123+0000 (API reference, CreatedDate)
    return len(s) == 28 and s[10] == "T" and s[19] == "." and s.endswith("+0000")


# ---------------------------------------------------------- publish and get


def test_publish_layer_version_shape(lam):
    name = unique("layer")
    files = {"python/mylib.py": "X = 1\n"}
    out = publish(
        lam,
        files,
        name=name,
        Description="my layer",
        CompatibleRuntimes=["python3.12", "nodejs20.x"],
        CompatibleArchitectures=["x86_64", "arm64"],
        LicenseInfo="MIT",
    )
    z = out["_zip"]
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["LayerArn"] == f"{LAYER_ARN}{name}"
    assert out["LayerVersionArn"] == f"{LAYER_ARN}{name}:1"
    assert out["Version"] == 1
    assert out["Description"] == "my layer"
    assert out["CompatibleRuntimes"] == ["python3.12", "nodejs20.x"]
    assert out["CompatibleArchitectures"] == ["x86_64", "arm64"]
    assert out["LicenseInfo"] == "MIT"
    assert lambda_date(out["CreatedDate"]), out["CreatedDate"]
    assert out["Content"]["CodeSha256"] == sha(z)
    assert out["Content"]["CodeSize"] == len(z)
    with urllib.request.urlopen(out["Content"]["Location"]) as r:
        assert r.read() == z

    second = publish(lam, {"python/mylib.py": "X = 2\n"}, name=name)
    assert second["Version"] == 2
    assert second["LayerVersionArn"] == f"{LAYER_ARN}{name}:2"
    assert second["LayerArn"] == f"{LAYER_ARN}{name}"
    # Recorded: a missing Description is "", missing LicenseInfo is absent.
    assert second["Description"] == ""
    assert "LicenseInfo" not in second


def test_get_layer_version_and_by_arn(lam):
    out = publish(lam, Description="d", CompatibleRuntimes=["python3.12"], LicenseInfo="Apache-2.0")
    name = out["_name"]
    wanted = {k: out[k] for k in ("LayerArn", "LayerVersionArn", "Version", "Description", "CreatedDate",
                                  "CompatibleRuntimes", "LicenseInfo")}
    for got in (
        lam.get_layer_version(LayerName=name, VersionNumber=1),
        lam.get_layer_version(LayerName=f"{LAYER_ARN}{name}", VersionNumber=1),
        lam.get_layer_version_by_arn(Arn=f"{LAYER_ARN}{name}:1"),
    ):
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert {k: got.get(k) for k in wanted} == wanted
        assert got["Content"]["CodeSha256"] == sha(out["_zip"])
        assert got["Content"]["CodeSize"] == len(out["_zip"])
        with urllib.request.urlopen(got["Content"]["Location"]) as r:
            assert r.read() == out["_zip"]


def test_missing_layer_versions_are_not_found(lam):
    out = publish(lam)
    name = out["_name"]
    calls = [
        lambda: lam.get_layer_version(LayerName=name, VersionNumber=2),
        lambda: lam.get_layer_version(LayerName="no-such-layer-" + unique(), VersionNumber=1),
        lambda: lam.get_layer_version_by_arn(Arn=f"{LAYER_ARN}{name}:5"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        code, msg, status = error_of(e)
        assert (code, status) == ("ResourceNotFoundException", 404)
        # Recorded verbatim.
        assert msg == "The resource you requested does not exist."


# ------------------------------------------------------------------- listing


def test_list_layer_versions_newest_first(lam):
    name = unique("layer")
    publish(lam, name=name, CompatibleRuntimes=["python3.12"], Description="v1")
    publish(lam, name=name, CompatibleRuntimes=["nodejs20.x"], Description="v2")
    publish(lam, name=name, CompatibleRuntimes=["python3.12"], Description="v3", LicenseInfo="MIT")
    out = lam.list_layer_versions(LayerName=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [v["Version"] for v in out["LayerVersions"]] == [3, 2, 1]
    top = out["LayerVersions"][0]
    assert top["LayerVersionArn"] == f"{LAYER_ARN}{name}:3"
    assert (top["Description"], top["LicenseInfo"], top["CompatibleRuntimes"]) == ("v3", "MIT", ["python3.12"])
    assert lambda_date(top["CreatedDate"])
    assert "Content" not in top
    python_only = lam.list_layer_versions(LayerName=name, CompatibleRuntime="python3.12")
    assert [v["Version"] for v in python_only["LayerVersions"]] == [3, 1]
    seen = []
    for p in lam.get_paginator("list_layer_versions").paginate(LayerName=name, PaginationConfig={"PageSize": 1}):
        assert len(p["LayerVersions"]) <= 1
        seen += [v["Version"] for v in p["LayerVersions"]]
    assert seen == [3, 2, 1]
    # Recorded: an unknown layer lists no versions rather than failing.
    assert lam.list_layer_versions(LayerName="no-such-layer-" + unique())["LayerVersions"] == []


def all_layers(lam, **kw):
    found = {}
    for p in lam.get_paginator("list_layers").paginate(PaginationConfig={"PageSize": 3}, **kw):
        for item in p["Layers"]:
            found[item["LayerName"]] = item
    return found


def test_list_layers_latest_matching_version(lam):
    a = unique("layer")
    b = unique("layer")
    publish(lam, name=a, CompatibleRuntimes=["python3.12"], Description="a1")
    publish(lam, name=a, CompatibleRuntimes=["nodejs20.x"], Description="a2")
    publish(lam, name=b, CompatibleRuntimes=["nodejs20.x"], Description="b1")

    everything = all_layers(lam)
    assert everything[a]["LayerArn"] == f"{LAYER_ARN}{a}"
    latest = everything[a]["LatestMatchingVersion"]
    assert latest["Version"] == 2
    assert latest["LayerVersionArn"] == f"{LAYER_ARN}{a}:2"
    assert latest["Description"] == "a2"
    assert everything[b]["LatestMatchingVersion"]["Version"] == 1

    # With a runtime, the newest version compatible with it (API reference:
    # "list only layers that indicate that they're compatible with that runtime").
    python = all_layers(lam, CompatibleRuntime="python3.12")
    assert python[a]["LatestMatchingVersion"]["Version"] == 1
    assert b not in python
    node = all_layers(lam, CompatibleRuntime="nodejs20.x")
    assert node[a]["LatestMatchingVersion"]["Version"] == 2
    assert node[b]["LatestMatchingVersion"]["Version"] == 1


# ------------------------------------------------------------------ deletion


def test_delete_layer_version(lam):
    name = unique("layer")
    publish(lam, name=name)
    publish(lam, name=name)
    out = lam.delete_layer_version(LayerName=name, VersionNumber=1)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        lam.get_layer_version(LayerName=name, VersionNumber=1)
    code, _, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert [v["Version"] for v in lam.list_layer_versions(LayerName=name)["LayerVersions"]] == [2]
    # Recorded: deleting again, or something that never existed, is a 204 too.
    assert lam.delete_layer_version(LayerName=name, VersionNumber=1)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.delete_layer_version(LayerName=name, VersionNumber=9)["ResponseMetadata"]["HTTPStatusCode"] == 204
    # Recorded: numbers are not reused after deletion.
    lam.delete_layer_version(LayerName=name, VersionNumber=2)
    assert lam.list_layer_versions(LayerName=name)["LayerVersions"] == []
    assert publish(lam, name=name)["Version"] == 3


# --------------------------------------------------------------- permissions


def test_layer_version_permissions(lam):
    out = publish(lam)
    name = out["_name"]
    arn1 = f"{LAYER_ARN}{name}:1"
    with pytest.raises(ClientError) as e:
        lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    # Recorded verbatim.
    assert msg == "No policy is associated with the given resource."

    added = lam.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="everyone", Action="lambda:GetLayerVersion", Principal="*"
    )
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert added["RevisionId"]
    # The statement is a JSON string (API model); its content is recorded.
    assert json.loads(added["Statement"]) == {
        "Sid": "everyone",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:GetLayerVersion",
        "Resource": arn1,
    }
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert policy["RevisionId"] == added["RevisionId"]
    doc = json.loads(policy["Policy"])
    assert (doc["Version"], doc["Id"]) == ("2012-10-17", "default")
    assert [s["Sid"] for s in doc["Statement"]] == ["everyone"]

    account = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="one-account",
        Action="lambda:GetLayerVersion",
        Principal="123456789012",
        RevisionId=policy["RevisionId"],
    )
    stmt = json.loads(account["Statement"])
    assert (stmt["Sid"], stmt["Action"], stmt["Resource"]) == ("one-account", "lambda:GetLayerVersion", arn1)
    assert "123456789012" in json.dumps(stmt["Principal"])
    assert account["RevisionId"] != added["RevisionId"]
    doc = json.loads(lam.get_layer_version_policy(LayerName=name, VersionNumber=1)["Policy"])
    assert [s["Sid"] for s in doc["Statement"]] == ["everyone", "one-account"]

    with pytest.raises(ClientError) as e:
        lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="everyone", Action="lambda:GetLayerVersion", Principal="*"
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceConflictException", 409)
    # Recorded verbatim.
    assert msg == (
        "The statement id (everyone) provided already exists. "
        "Please provide a new statement id, or remove the existing statement."
    )

    with pytest.raises(ClientError) as e:
        lam.add_layer_version_permission(
            LayerName=name,
            VersionNumber=1,
            StatementId="late",
            Action="lambda:GetLayerVersion",
            Principal="*",
            RevisionId=added["RevisionId"],
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("PreconditionFailedException", 412)
    # Recorded verbatim (note: GetLayerPolicy, unlike the function message).
    assert msg == (
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetLayerPolicy API to retrieve the latest Revision Id"
    )

    removed = lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="one-account")
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    after = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert [s["Sid"] for s in json.loads(after["Policy"])["Statement"]] == ["everyone"]
    assert after["RevisionId"] != account["RevisionId"]

    with pytest.raises(ClientError) as e:
        lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="doesnotexist")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    # Recorded verbatim.
    assert msg == "Statement doesnotexist is not found in resource policy."

    # Permissions belong to one version: version 2 has none.
    publish(lam, name=name)
    with pytest.raises(ClientError) as e:
        lam.get_layer_version_policy(LayerName=name, VersionNumber=2)
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_layer_permission_errors(lam):
    name = publish(lam)["_name"]
    for version, layer in ((7, name), (1, name + "-doesnotexist")):
        with pytest.raises(ClientError) as e:
            lam.add_layer_version_permission(
                LayerName=layer, VersionNumber=version, StatementId="s", Action="lambda:GetLayerVersion", Principal="*"
            )
        code, msg, status = error_of(e)
        assert (code, status) == ("ResourceNotFoundException", 404)
        # Recorded verbatim.
        assert msg == f"Layer version {LAYER_ARN}{layer}:{version} does not exist."
        with pytest.raises(ClientError) as e:
            lam.get_layer_version_policy(LayerName=layer, VersionNumber=version)
        assert error_of(e)[1] == f"Layer version {LAYER_ARN}{layer}:{version} does not exist."
    with pytest.raises(ClientError) as e:
        lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="s", Action="lambda:InvokeFunction", Principal="*"
        )
    code, msg, status = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    # Recorded form: "... Value '*' at 'action' failed to satisfy constraint: ..."
    assert "at 'action' failed to satisfy constraint" in msg


# ----------------------------------------------------- functions with layers


def test_function_reports_its_layers(lam):
    l1 = publish(lam, {"python/a.py": "A = 1\n"})
    l2 = publish(lam, {"python/b.py": "B = 2\n" * 50})
    arns = [l1["LayerVersionArn"], l2["LayerVersionArn"]]
    name, created = function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, arns)
    expected = [
        {"Arn": l1["LayerVersionArn"], "CodeSize": len(l1["_zip"])},
        {"Arn": l2["LayerVersionArn"], "CodeSize": len(l2["_zip"])},
    ]
    assert created["Layers"] == expected
    assert lam.get_function_configuration(FunctionName=name)["Layers"] == expected
    assert lam.get_function(FunctionName=name)["Configuration"]["Layers"] == expected
    updated = lam.update_function_configuration(FunctionName=name, Layers=[l2["LayerVersionArn"]])
    assert updated["Layers"] == expected[1:]
    settled(lam, name)
    assert lam.get_function_configuration(FunctionName=name)["Layers"] == expected[1:]
    lam.update_function_configuration(FunctionName=name, Layers=[])
    settled(lam, name)
    assert lam.get_function_configuration(FunctionName=name).get("Layers", []) == []


def test_missing_layer_version_is_refused(lam):
    real = publish(lam)
    name = real["_name"]
    for arn in (f"{LAYER_ARN}{name}:9", f"{LAYER_ARN}no-such-layer-{unique()}:1"):
        with pytest.raises(ClientError) as e:
            function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, [arn])
        code, msg, status = error_of(e)
        assert (code, status) == ("InvalidParameterValueException", 400)
        # Recorded verbatim.
        assert msg == f"Layer version {arn} does not exist."
    fn, _ = function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, [])
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=fn, Layers=[f"{LAYER_ARN}{name}:9"])
    assert error_of(e)[0] == "InvalidParameterValueException"
    assert lam.get_function_configuration(FunctionName=fn).get("Layers", []) == []


def test_more_than_five_layers_is_refused(lam):
    arns = [publish(lam)["LayerVersionArn"] for _ in range(6)]
    with pytest.raises(ClientError) as e:
        function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, arns)
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # Recorded verbatim.
    assert msg == "Cannot reference more than 5 layers."
    # Five is fine.
    name, out = function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, arns[:5])
    assert [l["Arn"] for l in out["Layers"]] == arns[:5]
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Layers=arns)
    assert error_of(e)[:2] == ("InvalidParameterValueException", "Cannot reference more than 5 layers.")


def test_two_versions_of_one_layer_are_refused(lam):
    name = unique("layer")
    v1 = publish(lam, name=name)["LayerVersionArn"]
    v2 = publish(lam, name=name)["LayerVersionArn"]
    with pytest.raises(ClientError) as e:
        function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, [v1, v2])
    code, msg, status = error_of(e)
    assert (code, status) == ("InvalidParameterValueException", 400)
    # Recorded verbatim.
    assert msg == (
        "Two different versions of the same layer are not allowed to be referenced in the same function. "
        f"{v1} and {v2} are versions of the same layer."
    )


def test_layer_arn_without_version_is_invalid(lam):
    name = publish(lam)["_name"]
    with pytest.raises(ClientError) as e:
        function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, [f"{LAYER_ARN}{name}"])
    code, msg, status = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    # Recorded form: "1 validation error detected: Value '[arn...]' at 'layers' failed to satisfy constraint: ..."
    assert "at 'layers' failed to satisfy constraint" in msg


def test_code_and_layers_share_the_unzipped_limit(lam):
    # Docs: "The total unzipped size of the function and all layers cannot
    # exceed the unzipped deployment package size quota of 250 MB." The message
    # is the one seen on AWS: "Function code combined with layers exceeds the
    # maximum allowed size of 262144000 bytes. The actual size is N bytes."
    big = [
        lam.publish_layer_version(LayerName=unique("big"), Content={"ZipFile": zeros_zip(f"blob{i}.bin", 131)})
        for i in range(2)
    ]
    fits = None
    try:
        with pytest.raises(ClientError) as e:
            function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, [b["LayerVersionArn"] for b in big])
        code, msg, status = error_of(e)
        assert (code, status) == ("InvalidParameterValueException", 400)
        assert msg.startswith("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes.")
        # Either one alone fits.
        fits, _ = function(lam, {"app.py": "def handler(e, c):\n    return 1\n"}, [big[0]["LayerVersionArn"]])
    finally:
        if fits:
            lam.delete_function(FunctionName=fits)
        for b in big:
            lam.delete_layer_version(LayerName=b["LayerArn"], VersionNumber=b["Version"])


# ------------------------------------------------------------------- runtime


def test_python_imports_from_a_layer(lam):
    # Docs: python finds layer code in python/ and python/lib/python3.x/site-packages.
    layer = publish(
        lam,
        {
            "python/mylib.py": "GREETING = 'hello from the layer'\n",
            "python/lib/python3.12/site-packages/sitelib.py": "WHERE = 'site-packages'\n",
            "python/shadowed.py": "WHO = 'layer'\n",
        },
        CompatibleRuntimes=["python3.12"],
    )
    src = (
        "import mylib, sitelib, shadowed\n"
        "def handler(event, context):\n"
        "    return [mylib.GREETING, mylib.__file__, sitelib.WHERE, shadowed.WHO]\n"
    )
    name, _ = function(lam, {"app.py": src, "shadowed.py": "WHO = 'function'\n"}, [layer["LayerVersionArn"]])
    out = invoke(lam, name)
    assert "FunctionError" not in out, out["Body"]
    greeting, path, where, who = out["Body"]
    assert greeting == "hello from the layer"
    assert path.endswith("/python/mylib.py")
    assert where == "site-packages"
    # The function's own code comes first on the path.
    assert who == "function"


def test_node_requires_from_a_layer(lam):
    # Docs: node finds layer packages in nodejs/node_modules.
    layer = publish(
        lam,
        {
            "nodejs/node_modules/greeter/package.json": '{"name": "greeter", "main": "index.js"}\n',
            "nodejs/node_modules/greeter/index.js": "exports.greet = (who) => 'hello ' + who + ' from the layer';\n",
        },
        CompatibleRuntimes=["nodejs20.x"],
    )
    src = "const greeter = require('greeter');\nexports.handler = async (event) => greeter.greet(event.who);\n"
    name, _ = function(
        lam, {"index.js": src}, [layer["LayerVersionArn"]], runtime="nodejs20.x", handler="index.handler"
    )
    out = invoke(lam, name, {"who": "node"})
    assert "FunctionError" not in out, out["Body"]
    assert out["Body"] == "hello node from the layer"


def test_provided_runtime_bootstrap_from_a_layer(lam):
    # Docs: a custom runtime's bootstrap may come from a layer (/opt/bootstrap).
    layer = publish(lam, {"bootstrap": (CURL_BOOTSTRAP, 0o755)}, CompatibleRuntimes=["provided.al2023"])
    name, _ = function(
        lam,
        {"README.txt": "the runtime comes from a layer\n"},
        [layer["LayerVersionArn"]],
        runtime="provided.al2023",
        handler="not.used",
    )
    out = invoke(lam, name, {"a": 1}, LogType="Tail")
    assert "FunctionError" not in out, out["Body"]
    assert out["Body"] == {"shell": {"a": 1}}
    assert "shell runtime got" in out["Log"]
    assert invoke(lam, name, {"b": 2})["Body"] == {"shell": {"b": 2}}


def test_layer_bin_is_on_path(lam):
    # Docs: bin/ of every layer is on PATH for all runtimes.
    layer = publish(lam, {"bin/layertool": ("#!/bin/sh\necho tool says $1\n", 0o755)})
    src = (
        "import shutil, subprocess\n"
        "def handler(event, context):\n"
        "    found = shutil.which('layertool')\n"
        "    if not found:\n"
        "        return [None, None]\n"
        "    ran = subprocess.run(['layertool', 'hi'], capture_output=True, text=True)\n"
        "    return [found, ran.stdout.strip()]\n"
    )
    name, _ = function(lam, {"app.py": src}, [layer["LayerVersionArn"]])
    found, ran = invoke(lam, name)["Body"]
    assert found and found.endswith("/bin/layertool")
    assert ran == "tool says hi"


def test_later_layers_win(lam):
    first = publish(lam, {"python/shared.py": "WHO = 'first'\n", "python/only_first.py": "X = 'f'\n"})
    second = publish(lam, {"python/shared.py": "WHO = 'second'\n"})
    src = "import shared, only_first\ndef handler(event, context):\n    return [shared.WHO, only_first.X]\n"
    a, _ = function(lam, {"app.py": src}, [first["LayerVersionArn"], second["LayerVersionArn"]])
    b, _ = function(lam, {"app.py": src}, [second["LayerVersionArn"], first["LayerVersionArn"]])
    # Layers are merged in order; a file in a later layer replaces the same
    # file of an earlier one, and the rest of the earlier layer stays.
    assert invoke(lam, a)["Body"] == ["second", "f"]
    assert invoke(lam, b)["Body"] == ["first", "f"]


def test_deleted_layer_version_keeps_working_for_its_functions(lam):
    # Docs: "Your functions can continue to use any layer version that you've
    # already added, even after that layer version has been deleted [...]
    # However, you cannot create a new function that uses a deleted layer version."
    layer = publish(lam, {"python/kept.py": "VALUE = 'still here'\n"})
    arn = layer["LayerVersionArn"]
    src = "import os, kept\ndef handler(event, context):\n    return [kept.VALUE, os.environ.get('ROUND')]\n"
    name, _ = function(lam, {"app.py": src}, [arn], Environment={"Variables": {"ROUND": "1"}})
    assert invoke(lam, name)["Body"] == ["still here", "1"]
    lam.delete_layer_version(LayerName=layer["_name"], VersionNumber=1)
    # A configuration change forces a fresh environment, which must still get the layer.
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"ROUND": "2"}})
    settled(lam, name)
    assert invoke(lam, name)["Body"] == ["still here", "2"]
    # Recorded: the function still reports the deleted version.
    assert lam.get_function_configuration(FunctionName=name)["Layers"][0]["Arn"] == arn
    with pytest.raises(ClientError) as e:
        function(lam, {"app.py": src}, [arn])
    code, msg, _ = error_of(e)
    assert code == "InvalidParameterValueException"
    assert msg == f"Layer version {arn} does not exist."


def test_published_function_version_keeps_its_layers(lam):
    old = publish(lam, {"python/which.py": "LAYER = 'old'\n"})
    new = publish(lam, {"python/which.py": "LAYER = 'new'\n"})
    src = "import which\ndef handler(event, context):\n    return which.LAYER\n"
    name, _ = function(lam, {"app.py": src}, [old["LayerVersionArn"]], Publish=True)
    lam.update_function_configuration(FunctionName=name, Layers=[new["LayerVersionArn"]])
    settled(lam, name)
    assert invoke(lam, name, Qualifier="1")["Body"] == "old"
    assert invoke(lam, name)["Body"] == "new"
    v1 = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert [l["Arn"] for l in v1["Layers"]] == [old["LayerVersionArn"]]

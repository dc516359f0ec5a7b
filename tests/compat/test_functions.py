"""The function control plane, driven by boto3 as a user would."""

import base64
import concurrent.futures
import hashlib
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import PY_ECHO, ROLE, create, make_zip, unique


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def test_create_returns_aws_defaults(lam):
    name = unique()
    out = create(lam, name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["FunctionName"] == name
    assert out["FunctionArn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert out["Timeout"] == 3
    assert out["MemorySize"] == 128
    assert out["Version"] == "$LATEST"
    assert out["PackageType"] == "Zip"
    assert out["Architectures"] == ["x86_64"]
    assert out["EphemeralStorage"] == {"Size": 512}
    assert out["TracingConfig"] == {"Mode": "PassThrough"}
    assert out["Description"] == ""
    assert out["State"] == "Pending"
    assert out["StateReasonCode"] == "Creating"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(PY_ECHO).digest()).decode()
    assert out["CodeSize"] == len(PY_ECHO)
    assert out["RevisionId"]
    assert out["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    # LastModified like 2026-11-26T13:47:05.123+0000
    lm = out["LastModified"]
    assert len(lm) == 28 and lm[10] == "T" and lm.endswith("+0000") and lm[19] == "."
    assert out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_function_becomes_active_for_the_waiter(lam):
    name = unique()
    create(lam, name)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    cfg = lam.get_function_configuration(FunctionName=name)
    assert cfg["State"] == "Active"
    assert cfg["LastUpdateStatus"] == "Successful"


def test_get_function_code_location_downloads_the_zip(lam):
    name = unique()
    create(lam, name, Tags={"team": "a"})
    out = lam.get_function(FunctionName=name)
    assert out["Code"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(out["Code"]["Location"]) as r:
        assert r.read() == PY_ECHO
    assert out["Tags"] == {"team": "a"}
    assert out["Configuration"]["FunctionName"] == name


@pytest.mark.parametrize(
    "form",
    [
        "{name}",
        "{name}:$LATEST",
        "000000000000:function:{name}",
        "arn:aws:lambda:us-east-1:000000000000:function:{name}",
        "arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST",
    ],
)
def test_every_name_form(lam, form):
    name = unique()
    create(lam, name)
    cfg = lam.get_function_configuration(FunctionName=form.format(name=name))
    assert cfg["FunctionName"] == name
    assert lam.get_function(FunctionName=form.format(name=name))["Configuration"]["FunctionName"] == name


def test_not_found_names_the_arn(lam):
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName="does-not-exist")
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert msg == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist"
    with pytest.raises(ClientError) as e:
        lam.get_function_configuration(FunctionName="does-not-exist", Qualifier="7")
    assert error_of(e)[1].endswith(":function:does-not-exist:7")


def test_duplicate_create_conflicts(lam):
    name = unique()
    create(lam, name)
    with pytest.raises(ClientError) as e:
        create(lam, name)
    code, msg, status = error_of(e)
    assert (code, status) == ("ResourceConflictException", 409)
    assert msg == f"Function already exist: {name}"


def test_list_functions_paginates(fresh_server):
    lam = fresh_server.client()
    names = sorted(unique("list") for _ in range(7))
    for n in names:
        create(lam, n)
    page = lam.list_functions(MaxItems=3)
    assert [f["FunctionName"] for f in page["Functions"]] == names[:3]
    assert "State" not in page["Functions"][0]
    seen = []
    for p in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}):
        seen += [f["FunctionName"] for f in p["Functions"]]
    assert seen == names
    last = lam.list_functions(Marker=page["NextMarker"], MaxItems=50)
    assert [f["FunctionName"] for f in last["Functions"]] == names[3:]
    assert "NextMarker" not in last


def test_update_configuration(lam):
    name = unique()
    first = create(lam, name)
    out = lam.update_function_configuration(
        FunctionName=name,
        Description="new",
        Handler="app.other",
        Runtime="python3.11",
        MemorySize=256,
        Timeout=30,
        Environment={"Variables": {"AA": "1", "B_2": "x"}},
        EphemeralStorage={"Size": 1024},
        Role="arn:aws:iam::000000000000:role/other",
    )
    assert out["LastUpdateStatus"] == "InProgress"
    assert out["RevisionId"] != first["RevisionId"]
    cfg = lam.get_function_configuration(FunctionName=name)
    assert cfg["Description"] == "new"
    assert cfg["Handler"] == "app.other"
    assert cfg["Runtime"] == "python3.11"
    assert (cfg["MemorySize"], cfg["Timeout"]) == (256, 30)
    assert cfg["Environment"] == {"Variables": {"AA": "1", "B_2": "x"}}
    assert cfg["EphemeralStorage"] == {"Size": 1024}
    assert cfg["Role"].endswith("role/other")
    assert cfg["LastUpdateStatus"] == "Successful"
    # Clearing the environment.
    # Cleared, the variables are echoed empty, as AWS echoes an empty map.
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
    assert lam.get_function_configuration(FunctionName=name)["Environment"] == {"Variables": {}}


def test_stale_revision_is_refused(lam):
    name = unique()
    create(lam, name)
    # The RevisionId once the function is Active (AWS's create answer
    # carries one that changes when the creation completes).
    first = lam.get_function_configuration(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Description="x", RevisionId=first["RevisionId"])
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Description="y", RevisionId=first["RevisionId"])
    code, msg, status = error_of(e)
    assert (code, status) == ("PreconditionFailedException", 412)
    with pytest.raises(ClientError) as e:
        lam.update_function_code(FunctionName=name, ZipFile=PY_ECHO, RevisionId=first["RevisionId"])
    assert error_of(e)[0] == "PreconditionFailedException"
    assert lam.get_function_configuration(FunctionName=name)["Description"] == "x"


def test_update_code(lam):
    name = unique()
    first = create(lam, name)
    new_zip = make_zip({"app.py": "def handler(e, c):\n    return 2\n"})
    out = lam.update_function_code(FunctionName=name, ZipFile=new_zip)
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(new_zip).digest()).decode()
    assert out["CodeSha256"] != first["CodeSha256"]
    assert out["RevisionId"] != first["RevisionId"]
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"]["CodeSize"] == len(new_zip)
    with urllib.request.urlopen(got["Code"]["Location"]) as r:
        assert r.read() == new_zip


def test_delete(lam):
    name = unique()
    create(lam, name)
    out = lam.delete_function(FunctionName=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName=name)
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        lam.delete_function(FunctionName=name)
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_delete_latest_qualifier_refused(lam):
    name = unique()
    create(lam, name)
    with pytest.raises(ClientError) as e:
        lam.delete_function(FunctionName=name, Qualifier="$LATEST")
    assert error_of(e)[0] == "InvalidParameterValueException"


def test_account_settings(fresh_server):
    lam = fresh_server.client()
    create(lam)
    out = lam.get_account_settings()
    assert out["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert out["AccountLimit"]["CodeSizeZipped"] == 52428800
    assert out["AccountLimit"]["CodeSizeUnzipped"] == 262144000
    assert out["AccountUsage"]["FunctionCount"] == 1
    assert out["AccountUsage"]["TotalCodeSize"] == len(PY_ECHO)


@pytest.mark.parametrize(
    "kwargs,code,fragment",
    [
        ({"FunctionName": "bad name!"}, "ValidationException", "at 'functionName' failed to satisfy constraint"),
        ({"FunctionName": "x" * 141}, "ValidationException", "length less than or equal to 140"),
        ({"Runtime": "cobol1"}, "InvalidParameterValueException", "Value cobol1 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set"),
        ({"Role": "not-a-role"}, "ValidationException", "at 'role' failed to satisfy constraint"),
        ({"MemorySize": 10241}, "InvalidParameterValueException", "less than or equal to 10240"),
        ({"Timeout": 901}, "InvalidParameterValueException", "less than or equal to 900"),
        ({"EphemeralStorage": {"Size": 20000}}, "ValidationException", "ephemeralStorage.size"),
        ({"Runtime": "python3.7"}, "InvalidParameterValueException", "no longer supported"),
        ({"Handler": "has space"}, "ValidationException", "at 'handler'"),
        ({"Description": "d" * 257}, "ValidationException", "at 'description'"),
        ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "InvalidParameterValueException", "reserved keys"),
        ({"Environment": {"Variables": {"BIG": "v" * 5000}}}, "InvalidParameterValueException", "4KB"),
        ({"Environment": {"Variables": {"9bad": "v"}}}, "ValidationException", "environment.variables"),
        ({"Code": {"ZipFile": b"this is not a zip"}}, "InvalidParameterValueException", "Could not unzip uploaded file"),
        ({"Code": {"ZipFile": make_zip({"../escape.py": "x"})}}, "InvalidParameterValueException", "Could not unzip uploaded file"),
        ({"Code": {"ZipFile": make_zip({"/abs.py": "x"})}}, "InvalidParameterValueException", "Could not unzip uploaded file"),
    ],
)
def test_bad_input_gets_aws_errors(lam, kwargs, code, fragment):
    args = dict(
        FunctionName=unique(), Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": PY_ECHO}
    )
    args.update(kwargs)
    with pytest.raises(ClientError) as e:
        lam.create_function(**args)
    got_code, msg, status = error_of(e)
    assert got_code == code, msg
    assert status in (400, 413)
    assert fragment in msg
    if code == "ValidationException":
        assert msg.startswith("1 validation error detected: Value ")


def test_several_violations_reported_together(lam):
    with pytest.raises(ClientError) as e:
        lam.create_function(
            FunctionName="bad name", Runtime="python3.12", Role="nope", Handler="a.b", Code={"ZipFile": PY_ECHO}
        )
    assert error_of(e)[1].startswith("2 validation errors detected: ")


def test_missing_runtime_and_handler(lam):
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique(), Role=ROLE, Code={"ZipFile": PY_ECHO})
    code, msg, _ = error_of(e)
    assert code == "InvalidParameterValueException"
    assert msg == "Runtime and Handler are mandatory parameters for functions created with deployment packages."


def test_unzipped_limit(lam):
    # 300 MB of zeros compress to a few hundred KB.
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("big.bin", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(chunk)
    with pytest.raises(ClientError) as e:
        create(lam, zip_bytes=buf.getvalue())
    code, msg, _ = error_of(e)
    assert code == "InvalidParameterValueException"
    assert msg == "Unzipped size must be smaller than 262144000 bytes"


def test_oversized_request(server):
    import urllib.error

    body = b'{"FunctionName":"big","Code":{"ZipFile":"' + b"A" * 70_200_000 + b'"}}'
    req = urllib.request.Request(server.endpoint + "/2015-03-31/functions", data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 413
    assert e.value.headers["x-amzn-ErrorType"] == "RequestEntityTooLargeException"


def test_malformed_requests_get_4xx(server):
    import json
    import urllib.error

    def call(method, path, data=None, ctype="application/json"):
        req = urllib.request.Request(server.endpoint + path, data=data, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    status, headers, body = call("POST", "/2015-03-31/functions", b"{not json")
    assert status == 400 and headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    status, headers, body = call("POST", "/2015-03-31/functions", b'{"MemorySize": "lots"}')
    assert status == 400 and headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    status, headers, body = call("POST", "/2015-03-31/functions", b"<xml/>", "application/xml")
    assert status == 415
    status, headers, body = call("GET", "/2015-03-31/nothing-here")
    assert status == 404 and headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert json.loads(body)["message"]
    status, headers, body = call("PATCH", "/2015-03-31/functions")
    assert 400 <= status < 500
    status, headers, body = call("GET", "/2015-03-31/functions?MaxItems=0")
    assert status == 400 and headers["x-amzn-ErrorType"] == "ValidationException"
    for status_headers in [headers]:
        assert status_headers["x-amzn-RequestId"]


def test_concurrent_creates_of_one_name_one_wins(lam):
    name = unique()

    def attempt(_):
        try:
            create(lam, name)
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count("ok") == 1, results
    assert results.count("ResourceConflictException") == 7, results


def test_restart_keeps_everything(fresh_server):
    lam = fresh_server.client()
    name = unique()
    create(lam, name, Tags={"k": "v"}, Environment={"Variables": {"XX": "1"}})
    before = lam.get_function(FunctionName=name)
    fresh_server.stop(sig_kill=True)
    fresh_server.start()
    lam = fresh_server.client()
    after = lam.get_function(FunctionName=name)
    assert after["Configuration"] == before["Configuration"]
    assert after["Tags"] == {"k": "v"}
    with urllib.request.urlopen(after["Code"]["Location"]) as r:
        assert r.read() == PY_ECHO


def test_create_function_tag_rules(lam):
    with pytest.raises(ClientError) as e:
        create(lam, Tags={"aws:owner": "x"})
    assert error_of(e)[0] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        create(lam, Tags={f"k{i}": "v" for i in range(51)})
    assert error_of(e)[0] == "InvalidParameterValueException"
    name = unique()
    create(lam, name, Tags={f"k{i}": "v" for i in range(50)})
    assert len(lam.get_function(FunctionName=name)["Tags"]) == 50

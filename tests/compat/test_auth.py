"""Signature Version 4: boto3 and the aws CLI against a server with keys."""

import datetime
import json
import subprocess
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import BINARY, OTHER_KEY, OWN_KEY, create, free_port, unique

BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def send(req):
    """Sends a prepared botocore request with urllib: (status, headers, body)."""
    p = req.prepare()
    r = urllib.request.Request(p.url, data=p.body or None, method=p.method, headers=dict(p.headers))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def signed_at(server, when, method="GET", path="/2015-03-31/functions/", body=b"", key=OWN_KEY):
    """A request signed by botocore's SigV4Auth as of `when`."""
    req = AWSRequest(method=method, url=server.endpoint + path, data=body)
    auth = SigV4Auth(Credentials(*key), "lambda", "us-east-1")
    req.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
    auth._modify_request_before_signing(req)
    canonical = auth.canonical_request(req)
    auth._inject_signature_to_request(req, auth.signature(auth.string_to_sign(req, canonical), req))
    return req


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def test_right_key_works_with_boto3(authed_server):
    lam = authed_server.client()
    name = unique()
    create(lam, name)
    assert lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    out = lam.invoke(FunctionName=name, Payload=json.dumps({"k": "v" * 1000}))
    assert json.loads(out["Payload"].read()) == {"k": "v" * 1000}


def test_wrong_secret_is_refused_and_changes_nothing(authed_server):
    bad = authed_server.client_with(OWN_KEY[0], "not-the-secret")
    name = unique()
    with pytest.raises(ClientError) as e:
        create(bad, name)
    assert error_of(e) == ("InvalidSignatureException", BAD_SIGNATURE, 403)
    with pytest.raises(ClientError) as e:
        authed_server.client().get_function(FunctionName=name)
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_unknown_key_is_unrecognized(authed_server):
    with pytest.raises(ClientError) as e:
        authed_server.client_with("AKIAUNKNOWN000000000", "x").list_functions()
    assert error_of(e) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        403,
    )


def test_unsigned_request_is_refused(authed_server):
    status, headers, body = send(AWSRequest(method="GET", url=authed_server.endpoint + "/2015-03-31/functions/"))
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(body)["message"] == "Missing Authentication Token"


def test_other_region_is_refused(authed_server):
    with pytest.raises(ClientError) as e:
        authed_server.client_with(*OWN_KEY, region="eu-west-1").list_functions()
    assert error_of(e)[0] == "InvalidSignatureException"
    assert "region" in error_of(e)[1]


def test_skewed_clocks(authed_server):
    now = utcnow()
    assert send(signed_at(authed_server, now - datetime.timedelta(minutes=10)))[0] == 200
    status, headers, body = send(signed_at(authed_server, now - datetime.timedelta(minutes=20)))
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    message = json.loads(body)["message"]
    assert message.startswith("Signature expired: ") and "is now earlier than" in message
    assert message.endswith(" - 15 min.)")
    status, headers, body = send(signed_at(authed_server, now + datetime.timedelta(minutes=20)))
    assert status == 403
    assert json.loads(body)["message"].startswith("Signature not yet current: ")


def test_tampered_body_is_refused(authed_server):
    req = signed_at(authed_server, utcnow(), method="POST", path="/2015-03-31/functions", body=b'{"a":1}')
    req.data = b'{"a":2}'
    status, headers, _ = send(req)
    assert status == 403 and headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_presigned_url(authed_server):
    lam = authed_server.client()
    name = unique()
    create(lam, name)
    url = lam.generate_presigned_url("get_function", Params={"FunctionName": name}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url) as resp:
        assert json.loads(resp.read())["Configuration"]["FunctionName"] == name
    # The code location it gives is downloadable as it is.
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    with urllib.request.urlopen(location) as resp:
        assert resp.status == 200
    tampered = url.replace(name, name + "x")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered)
    assert e.value.code == 403
    assert e.value.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_aws_cli_right_and_wrong_keys(authed_server):
    ok = authed_server.aws_with(*OWN_KEY, "lambda", "list-functions")
    assert ok.returncode == 0, ok.stderr
    assert "Functions" in json.loads(ok.stdout)
    bad = authed_server.aws_with(OWN_KEY[0], "wrong", "lambda", "list-functions")
    assert bad.returncode != 0
    assert "InvalidSignatureException" in bad.stderr
    unknown = authed_server.aws_with("AKIAUNKNOWN000000000", "x", "lambda", "list-functions")
    assert "UnrecognizedClientException" in unknown.stderr


def test_other_accounts_key_may_not_manage_functions(authed_server):
    other = authed_server.client_with(*OTHER_KEY)
    with pytest.raises(ClientError) as e:
        other.list_functions()
    code, _, status = error_of(e)
    assert (code, status) == ("AccessDeniedException", 403)


def test_non_loopback_without_credentials_refuses_to_start(tmp_path):
    out = subprocess.run(
        [str(BINARY), "serve", "--listen", f"0.0.0.0:{free_port()}", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.returncode != 0
    assert "without credentials" in out.stderr
    assert "--allow-unauthenticated" in out.stderr


def test_non_loopback_with_override_starts(tmp_path):
    proc = subprocess.Popen(
        [
            str(BINARY),
            "serve",
            "--listen",
            f"0.0.0.0:{free_port()}",
            "--data-dir",
            str(tmp_path),
            "--allow-unauthenticated",
            "--sandbox",
            "none",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin"},
    )
    try:
        assert "listening on" in proc.stdout.readline().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


CALLER = """
import json, os, sys

def handler(event, context):
    if "AWS_SESSION_TOKEN" not in os.environ:
        return {"skip": "no credentials in the environment"}
    sys.path.insert(0, event["site"])
    import boto3
    from botocore.exceptions import ClientError
    lam = boto3.client("lambda")
    try:
        out = lam.invoke(FunctionName=event["target"], Payload=json.dumps({"from": "inside"}))
        return {"payload": json.loads(out["Payload"].read())}
    except ClientError as e:
        return {"error": e.response["Error"]["Code"]}
"""


@pytest.fixture
def plain_authed_server(tmp_path):
    from conftest import AuthedServer

    s = AuthedServer(
        str(tmp_path),
        extra_env={
            "LAMBDALITE_ACCESS_KEY_ID": OWN_KEY[0],
            "LAMBDALITE_SECRET_ACCESS_KEY": OWN_KEY[1],
            "LAMBDALITE_SANDBOX": "none",
        },
    ).start()
    yield s
    s.stop()


def test_function_calls_lambdalite_with_its_credentials(plain_authed_server):
    import pathlib

    import boto3

    from conftest import make_zip

    lam = plain_authed_server.client()
    target = unique()
    create(lam, target)
    caller = unique()
    create(lam, caller, zip_bytes=make_zip({"app.py": CALLER}), Timeout=60)
    site = str(pathlib.Path(boto3.__file__).parents[1])
    out = json.loads(lam.invoke(FunctionName=caller, Payload=json.dumps({"site": site, "target": target}))["Payload"].read())
    if "skip" in out:
        pytest.skip(out["skip"] + " (env.rs does not yet add InvokerSettings.extra_env)")
    assert out == {"payload": {"from": "inside"}}

    # A role of another account acts as that account: invoke needs a policy.
    stranger = unique()
    lam.create_function(
        FunctionName=stranger,
        Runtime="python3.12",
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": CALLER})},
        Timeout=60,
        Role="arn:aws:iam::111111111111:role/elsewhere",
    )
    payload = json.dumps({"site": site, "target": target})
    out = json.loads(lam.invoke(FunctionName=stranger, Payload=payload)["Payload"].read())
    assert out == {"error": "AccessDeniedException"}
    lam.add_permission(FunctionName=target, StatementId="x", Action="lambda:InvokeFunction", Principal="111111111111")
    out = json.loads(lam.invoke(FunctionName=stranger, Payload=payload)["Payload"].read())
    assert out == {"payload": {"from": "inside"}}


def test_oversized_headers_are_refused(server):
    req = AWSRequest(method="GET", url=server.endpoint + "/2015-03-31/functions/", headers={"X-Big": "a" * 70_000})
    status, headers, _ = send(req)
    assert status == 413
    assert headers["x-amzn-ErrorType"] == "RequestEntityTooLargeException"

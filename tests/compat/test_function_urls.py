"""Function URLs: the config API through boto3, and HTTP requests to the
URL becoming payload format 2.0 events, answered as AWS interprets the
function's result."""

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique

ECHO = """import json
def handler(event, context):
    if event['rawPath'] == '/shaped':
        return {'statusCode': 201, 'headers': {'x-made-by': 'lambdalite'}, 'cookies': ['a=1', 'b=2'], 'body': 'made'}
    if event['rawPath'] == '/string':
        return 'just a string'
    if event['rawPath'] == '/fail':
        raise RuntimeError('boom')
    return {'event': event}
"""


def url_function(lam, **kw):
    name = unique("url")
    create(lam, name, zip_bytes=make_zip({"app.py": ECHO}))
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE", **kw)
    return name, out


def call(server, out, path="/", method="GET", body=None, headers=None):
    url_id = out["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
    req = urllib.request.Request(
        f"{server.endpoint}/_lambdalite/url/{url_id}{path}", data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_url_config_api(lam):
    name, out = url_function(lam, Cors={"AllowOrigins": ["https://example.com"]})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["AuthType"] == "NONE"
    # AWS echoes InvokeMode only when it was given; the mode is BUFFERED.
    assert "InvokeMode" not in out
    assert out["FunctionArn"].endswith(f":function:{name}")
    assert ".lambda-url.us-east-1." in out["FunctionUrl"]
    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == out["FunctionUrl"]
    assert got["Cors"] == {"AllowOrigins": ["https://example.com"]}
    assert got["InvokeMode"] == "BUFFERED"
    upd = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert upd["AuthType"] == "AWS_IAM" and upd["FunctionUrl"] == out["FunctionUrl"]
    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [out["FunctionUrl"]]
    with pytest.raises(ClientError) as e:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"
    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(ClientError) as e:
        lam.get_function_url_config(FunctionName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        lam.create_function_url_config(FunctionName=name, AuthType="SOMETIMES")
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_requests_become_v2_events(server, lam):
    _, out = url_function(lam)
    status, headers, body = call(
        server,
        out,
        "/some/path?a=1&a=2&b=x%20y",
        method="POST",
        body=b'{"hello": "url"}',
        headers={"Content-Type": "application/json", "Cookie": "c1=v1; c2=v2", "X-Custom": "yes"},
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/some/path"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-custom"] == "yes"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["path"] == "/some/path"
    assert event["body"] == '{"hello": "url"}' and event["isBase64Encoded"] is False
    binary = call(server, out, "/bin", method="POST", body=b"\xff\x00", headers={"Content-Type": "application/octet-stream"})
    ev = json.loads(binary[2])["event"]
    assert ev["isBase64Encoded"] is True and ev["body"] == "/wA="


def test_responses_are_interpreted_as_aws_does(server, lam):
    _, out = url_function(lam)
    status, headers, body = call(server, out, "/shaped")
    assert status == 201 and body == b"made"
    assert headers["x-made-by"] == "lambdalite"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    status, headers, body = call(server, out, "/string")
    assert status == 200 and body == b"just a string"
    status, _, body = call(server, out, "/fail")
    assert (status, body) == (502, b"Internal Server Error")


def test_cors_preflight_and_headers(server, lam):
    _, out = url_function(
        lam,
        Cors={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-token"], "MaxAge": 60},
    )
    status, headers, _ = call(
        server, out, "/", method="OPTIONS", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert headers["Access-Control-Max-Age"] == "60"
    status, headers, _ = call(server, out, "/", headers={"Origin": "https://app.example"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.example"
    status, headers, _ = call(server, out, "/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


def test_unknown_url_is_404(server):
    req = urllib.request.Request(f"{server.endpoint}/_lambdalite/url/doesnotexist/")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 404


def test_host_name_form(server, lam):
    import http.client

    _, out = url_function(lam)
    host = out["FunctionUrl"].split("//", 1)[1].rstrip("/")
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    conn.request("GET", "/by/host?x=1", headers={"Host": host})
    r = conn.getresponse()
    assert r.status == 200
    event = json.loads(r.read())["event"]
    assert event["rawPath"] == "/by/host"
    assert event["requestContext"]["domainName"] == host

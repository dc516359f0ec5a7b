"""API Gateway-style APIs: definitions imported through /_lambdalite/apis (and
--apis at start), requests becoming payload 1.0 and 2.0 events, AWS's
answers when the function can't give one, stage variables, binary bodies,
and TOKEN, REQUEST and simple-response Lambda authorizers."""

import base64
import http.client
import json
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import Server, create, make_zip, unique

ECHO = """import base64, json, time
def handler(event, context):
    path = event.get('path') or event.get('rawPath') or ''
    if path.endswith('/malformed'):
        return 'not a proxy response'
    if path.endswith('/fail'):
        raise RuntimeError('boom')
    if path.endswith('/slow'):
        time.sleep(3)
    if path.endswith('/png'):
        return {'statusCode': 200, 'headers': {'Content-Type': 'image/png'},
                'body': base64.b64encode(b'\\x89PNG\\x00\\xff').decode(), 'isBase64Encoded': True}
    return {'statusCode': 200, 'headers': {'Content-Type': 'application/json', 'X-Echo': 'yes'},
            'multiValueHeaders': {'X-Multi': ['a', 'b']}, 'body': json.dumps(event)}
"""

VERSIONED = """import json
def handler(event, context):
    return {'statusCode': 200, 'body': json.dumps({'version': context.function_version,
            'arn': context.invoked_function_arn, 'colour': COLOUR})}
COLOUR = '%s'
"""

# The authorizers count their calls in a global (one warm environment
# serves these sequential requests), and pass the count on in the context.
TOKEN_AUTH = """calls = 0
def handler(event, context):
    global calls
    calls += 1
    token = event['authorizationToken'].split(' ', 1)[-1]
    arn = event['methodArn']
    if token == 'unauthorized':
        raise Exception('Unauthorized')
    if token == 'broken':
        return {'no': 'policy'}
    effect = 'Deny' if token == 'deny' else 'Allow'
    resource = arn.rsplit('/', 2)[0] + '/*' if token != 'elsewhere' else 'arn:aws:execute-api:*:*:other/*'
    return {'principalId': 'user-' + token, 'policyDocument': {'Version': '2012-10-17', 'Statement': [
        {'Action': 'execute-api:Invoke', 'Effect': effect, 'Resource': resource}]},
        'context': {'calls': calls, 'token': token, 'flag': True}}
"""

REQUEST_AUTH = """import json
calls = 0
def handler(event, context):
    global calls
    calls += 1
    user = event['headers'].get('x-user')
    stage = event['requestContext']['stage']
    return {'principalId': user, 'policyDocument': {'Version': '2012-10-17', 'Statement': [
        {'Action': 'execute-api:Invoke', 'Effect': 'Allow' if user == 'alice' else 'Deny',
         'Resource': event['methodArn']}]},
        'context': {'calls': calls, 'user': user, 'event': json.dumps(event)}}
"""

SIMPLE_AUTH = """import json
calls = 0
def handler(event, context):
    global calls
    calls += 1
    user = event['headers'].get('x-user')
    return {'isAuthorized': user == 'alice', 'context': {'calls': calls, 'user': user,
            'event': json.dumps(event)}}
"""


def integration(function, **extra):
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations"
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": uri, **extra}


def op(function, **extra):
    security = extra.pop("security", None)
    o = {"x-amazon-apigateway-integration": integration(function, **extra)}
    if security is not None:
        o["security"] = security
    return o


def arn(name):
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"


def request(server, method, url, body=None, headers=None):
    req = urllib.request.Request(f"{server.endpoint}{url}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def put_api(server, api_id, definition, content_type="application/json"):
    body = definition if isinstance(definition, (bytes, str)) else json.dumps(definition)
    if isinstance(body, str):
        body = body.encode()
    return request(server, "PUT", f"/_lambdalite/apis/{api_id}", body, {"Content-Type": content_type})


def call(server, api_id, path, method="GET", body=None, headers=None):
    return request(server, method, f"/_lambdalite/execute-api/{api_id}{path}", body, headers)


def event_of(result):
    status, _, body = result
    assert status == 200, (status, body)
    return json.loads(body)


@pytest.fixture(scope="module")
def fns(lam):
    names = {k: unique(k) for k in ["echo", "versioned", "tok", "req", "simple", "throttled"]}
    create(lam, names["echo"], zip_bytes=make_zip({"app.py": ECHO}))
    create(lam, names["throttled"], zip_bytes=make_zip({"app.py": ECHO}))
    lam.put_function_concurrency(FunctionName=names["throttled"], ReservedConcurrentExecutions=0)
    create(lam, names["tok"], zip_bytes=make_zip({"app.py": TOKEN_AUTH}))
    create(lam, names["req"], zip_bytes=make_zip({"app.py": REQUEST_AUTH}))
    create(lam, names["simple"], zip_bytes=make_zip({"app.py": SIMPLE_AUTH}))
    v = names["versioned"]
    create(lam, v, zip_bytes=make_zip({"app.py": VERSIONED % "blue"}), Publish=True)
    lam.get_waiter("function_active_v2").wait(FunctionName=v)
    lam.update_function_code(FunctionName=v, ZipFile=make_zip({"app.py": VERSIONED % "green"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName=v)
    lam.publish_version(FunctionName=v)
    lam.create_alias(FunctionName=v, Name="blue", FunctionVersion="1")
    lam.create_alias(FunctionName=v, Name="green", FunctionVersion="2")
    return names


def rest_definition(fns):
    echo = arn(fns["echo"])
    authorizer = {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "custom",
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "rest test"},
        "x-lambdalite": {
            "protocol": "REST",
            "stages": {"prod": {"variables": {"alias": "green", "colour": "g"}}, "dev": {"variables": {"alias": "blue"}}},
        },
        "x-amazon-apigateway-binary-media-types": ["image/png", "application/octet-stream"],
        "x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {}},
        "paths": {
            "/items/{id}": {"get": {**op(echo), "operationId": "getItem"}},
            "/items/special": {"get": op(echo)},
            "/files/{proxy+}": {"x-amazon-apigateway-any-method": op(echo)},
            "/bad/malformed": {"get": op(echo)},
            "/bad/fail": {"get": op(echo)},
            "/bad/slow": {"get": op(echo, timeoutInMillis=1000)},
            "/bad/png": {"get": op(echo)},
            "/upload": {"post": op(echo)},
            "/throttled": {"get": op(arn(fns["throttled"]))},
            "/missing": {"get": op(arn("no-such-function"))},
            "/versioned": {"get": op(arn(fns["versioned"]) + ":${stageVariables.alias}")},
            "/secure": {"get": op(echo, security=[{"tok": []}])},
            "/secure/{thing}": {"get": op(echo, security=[{"tok": []}])},
            "/nocache": {"get": op(echo, security=[{"tok0": []}])},
            "/req": {"get": op(echo, security=[{"req": []}])},
        },
        "components": {
            "securitySchemes": {
                "tok": {
                    **authorizer,
                    "x-amazon-apigateway-authorizer": {
                        "type": "token",
                        "authorizerUri": integration(arn(fns["tok"]))["uri"],
                        "identitySource": "method.request.header.Authorization",
                        "identityValidationExpression": "Bearer .+",
                        "authorizerResultTtlInSeconds": 300,
                    },
                },
                "tok0": {
                    **authorizer,
                    "x-amazon-apigateway-authorizer": {
                        "type": "token",
                        "authorizerUri": fns["tok"],
                        "authorizerResultTtlInSeconds": 0,
                    },
                },
                "req": {
                    **authorizer,
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "authorizerUri": arn(fns["req"]),
                        "identitySource": "method.request.header.X-User, stageVariables.colour",
                        "authorizerResultTtlInSeconds": 300,
                    },
                },
            }
        },
    }


def http_definition_yaml(fns):
    echo = arn(fns["echo"])
    return f"""
openapi: "3.0.1"
info:
  title: http test
x-lambdalite:
  protocol: HTTP
  stages:
    $default:
      variables:
        where: default
    beta:
      variables:
        where: beta
paths:
  /items/{{id}}:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: {echo}
        payloadFormatVersion: "2.0"
  /v1/{{proxy+}}:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: {echo}
        payloadFormatVersion: "1.0"
  /bad/malformed:
    get:
      x-amazon-apigateway-integration: {{type: aws_proxy, uri: {echo}}}
  /bad/fail:
    get:
      x-amazon-apigateway-integration: {{type: aws_proxy, uri: {echo}}}
  /simple:
    get:
      security:
        - simple: []
      x-amazon-apigateway-integration: {{type: aws_proxy, uri: {echo}}}
  $default:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {{type: aws_proxy, uri: {echo}}}
components:
  securitySchemes:
    simple:
      type: apiKey
      name: X-User
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: {arn(fns["simple"])}
        identitySource: $request.header.X-User
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 0
"""


@pytest.fixture(scope="module")
def rest(server, fns):
    api_id = unique("rest").lower()
    status, _, body = put_api(server, api_id, rest_definition(fns))
    assert status == 201, body
    return api_id


@pytest.fixture(scope="module")
def httpapi(server, fns):
    api_id = unique("http").lower()
    status, _, body = put_api(server, api_id, http_definition_yaml(fns), "application/yaml")
    assert status == 201, body
    return api_id


def test_management_api(server, rest, httpapi):
    status, _, body = request(server, "GET", f"/_lambdalite/apis/{rest}")
    assert status == 200
    got = json.loads(body)
    assert got["protocol"] == "REST" and got["name"] == "rest test"
    assert got["stages"]["prod"]["variables"]["alias"] == "green"
    assert got["stages"]["prod"]["url"].startswith(f"http://{rest}.execute-api.localhost:")
    assert "GET /items/{id}" in got["routes"]
    assert got["definition"]["info"]["title"] == "rest test"
    assert got["ignored"] == ["x-amazon-apigateway-gateway-responses"]
    listed = json.loads(request(server, "GET", "/_lambdalite/apis")[2])["items"]
    assert {rest, httpapi} <= {a["id"] for a in listed}
    h = json.loads(request(server, "GET", f"/_lambdalite/apis/{httpapi}")[2])
    assert h["protocol"] == "HTTP" and set(h["stages"]) == {"$default", "beta"}
    assert h["stages"]["$default"]["pathUrl"].endswith(f"/_lambdalite/execute-api/{httpapi}/")

    # Replacing is 200; a new id through POST; delete; then it's gone.
    doc = {"openapi": "3.0.1", "paths": {"/": {"get": op("whatever")}}}
    tmp = unique("tmp").lower()
    assert put_api(server, tmp, doc)[0] == 201
    assert put_api(server, tmp, doc)[0] == 200
    status, _, body = request(server, "POST", "/_lambdalite/apis", json.dumps(doc).encode())
    assert status == 201
    new_id = json.loads(body)["id"]
    for i in [tmp, new_id]:
        assert request(server, "DELETE", f"/_lambdalite/apis/{i}")[0] == 204
        assert request(server, "GET", f"/_lambdalite/apis/{i}")[0] == 404
    assert request(server, "DELETE", f"/_lambdalite/apis/{tmp}")[0] == 404


def test_bad_definitions_are_400(server):
    bad = [
        b"{ not json",
        b"a: [unclosed",
        json.dumps({"openapi": "3.0.1", "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "http"}}}}}).encode(),
        json.dumps({"openapi": "3.0.1", "paths": {"/{a": {"get": op("f")}}}).encode(),
        json.dumps({"openapi": "3.0.1", "paths": {"/": {"get": op("f", security=[{"missing": []}])}}}).encode(),
        json.dumps([1, 2]).encode(),
        b"\xff\xfe",
    ]
    for body in bad:
        status, _, out = put_api(server, "bad-one", body)
        assert status == 400, (body, out)
        assert json.loads(out)["message"]
    status, _, out = put_api(server, "Not_An_Id", {"openapi": "3.0.1", "paths": {"/": {"get": op("f")}}})
    assert status == 400
    assert request(server, "GET", "/_lambdalite/apis/bad-one")[0] == 404


def test_rest_v1_event_field_by_field(server, rest):
    result = call(
        server,
        rest,
        "/prod/items/42?a=1&a=2&b=x%20y",
        headers={"X-Custom": "yes", "User-Agent": "gw-test", "Content-Type": "application/json"},
    )
    status, headers, body = result
    assert headers["X-Echo"] == "yes"
    assert headers.get_all("X-Multi") == ["a", "b"]
    assert headers["x-amzn-RequestId"]
    e = event_of(result)
    assert e["resource"] == "/items/{id}"
    assert e["path"] == "/items/42"
    assert e["httpMethod"] == "GET"
    assert e["headers"]["x-custom"] == "yes"
    assert e["multiValueHeaders"]["x-custom"] == ["yes"]
    assert e["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert e["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert e["pathParameters"] == {"id": "42"}
    assert e["stageVariables"] == {"alias": "green", "colour": "g"}
    assert e["body"] is None and e["isBase64Encoded"] is False
    rc = e["requestContext"]
    assert rc["resourcePath"] == "/items/{id}"
    assert rc["httpMethod"] == "GET"
    assert rc["stage"] == "prod"
    assert rc["path"] == "/prod/items/42"
    assert rc["accountId"] == "000000000000"
    assert rc["apiId"] == rest
    assert rc["domainName"] == f"{rest}.execute-api.localhost"
    assert rc["domainPrefix"] == rest
    assert rc["operationName"] == "getItem"
    assert rc["requestId"] == headers["x-amzn-RequestId"]
    assert rc["identity"]["sourceIp"] == "127.0.0.1"
    assert rc["identity"]["userAgent"] == "gw-test"
    assert rc["identity"]["user"] is None and rc["identity"]["caller"] is None
    assert isinstance(rc["requestTimeEpoch"], int) and rc["requestTime"].endswith("+0000")
    assert rc["protocol"] == "HTTP/1.1"
    assert "authorizer" not in rc


def test_rest_routes_greedy_paths_and_misses(server, rest):
    e = event_of(call(server, rest, "/prod/items/special"))
    assert e["resource"] == "/items/special" and e["pathParameters"] is None
    e = event_of(call(server, rest, "/prod/files/a/b/c.txt", method="DELETE"))
    assert e["resource"] == "/files/{proxy+}"
    assert e["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert e["httpMethod"] == "DELETE"
    for path, method in [("/prod/nothing", "GET"), ("/prod/items/42", "POST"), ("/prod/files", "GET")]:
        status, headers, body = call(server, rest, path, method=method)
        assert status == 403, path
        assert json.loads(body) == {"message": "Missing Authentication Token"}
        assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    # An unknown stage.
    assert call(server, rest, "/staging/items/1")[0] == 403


def test_host_name_form(server, rest):
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    host = f"{rest}.execute-api.localhost:{server.port}"
    conn.request("GET", "/dev/items/7?q=1", headers={"Host": host})
    r = conn.getresponse()
    assert r.status == 200
    e = json.loads(r.read())
    assert e["path"] == "/items/7" and e["requestContext"]["stage"] == "dev"
    assert e["requestContext"]["path"] == "/dev/items/7"
    assert e["requestContext"]["domainName"] == f"{rest}.execute-api.localhost"
    assert e["stageVariables"] == {"alias": "blue"}


def test_stage_variables_pick_the_alias(server, rest, fns):
    prod = event_of(call(server, rest, "/prod/versioned"))
    dev = event_of(call(server, rest, "/dev/versioned"))
    assert prod == {"version": "2", "arn": arn(fns["versioned"]) + ":green", "colour": "green"}
    assert dev == {"version": "1", "arn": arn(fns["versioned"]) + ":blue", "colour": "blue"}


def test_rest_errors_as_aws(server, rest):
    for path in ["/prod/bad/malformed", "/prod/bad/fail"]:
        status, headers, body = call(server, rest, path)
        assert status == 502, path
        assert json.loads(body) == {"message": "Internal server error"}
    status, _, body = call(server, rest, "/prod/bad/slow")
    assert status == 504
    assert json.loads(body) == {"message": "Endpoint request timed out"}
    status, _, body = call(server, rest, "/prod/throttled")
    assert status == 429
    assert json.loads(body) == {"message": "Too Many Requests"}
    status, _, body = call(server, rest, "/prod/missing")
    assert status == 500
    assert json.loads(body) == {"message": "Internal server error"}


def test_binary_bodies(server, rest):
    raw = b"\x89PNG\r\n\x1a\n\x00\xff"
    e = event_of(call(server, rest, "/prod/upload", "POST", raw, {"Content-Type": "image/png"}))
    assert e["isBase64Encoded"] is True
    assert base64.b64decode(e["body"]) == raw
    e = event_of(call(server, rest, "/prod/upload", "POST", b"plain text", {"Content-Type": "text/plain"}))
    assert e["isBase64Encoded"] is False and e["body"] == "plain text"
    status, headers, body = call(server, rest, "/prod/bad/png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert body == b"\x89PNG\x00\xff"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_authorizer(server, rest):
    # Allowed: the principal and context reach the function.
    e = event_of(call(server, rest, "/prod/secure", headers=auth("alpha")))
    a = e["requestContext"]["authorizer"]
    assert a["principalId"] == "user-alpha"
    assert a["token"] == "alpha" and a["flag"] is True
    first_calls = a["calls"]
    # Cached by token for the TTL: the authorizer isn't asked again, and
    # its policy (for the whole stage) covers another resource too.
    e = event_of(call(server, rest, "/prod/secure/other", headers=auth("alpha")))
    assert e["requestContext"]["authorizer"]["calls"] == first_calls
    # Another token is another cache entry.
    e = event_of(call(server, rest, "/prod/secure", headers=auth("beta")))
    assert e["requestContext"]["authorizer"]["calls"] == first_calls + 1

    status, headers, body = call(server, rest, "/prod/secure", headers=auth("deny"))
    assert status == 403
    assert json.loads(body) == {"Message": "User is not authorized to access this resource with an explicit deny"}
    status, _, body = call(server, rest, "/prod/secure", headers=auth("elsewhere"))
    assert status == 403
    assert json.loads(body) == {"Message": "User is not authorized to access this resource"}
    status, _, body = call(server, rest, "/prod/secure")
    assert status == 401 and json.loads(body) == {"message": "Unauthorized"}
    # Fails the validation expression: refused without asking the authorizer.
    status, _, _ = call(server, rest, "/prod/secure", headers={"Authorization": "Basic abc"})
    assert status == 401
    status, _, _ = call(server, rest, "/prod/secure", headers=auth("unauthorized"))
    assert status == 401
    status, headers, body = call(server, rest, "/prod/secure", headers=auth("broken"))
    assert status == 500
    assert headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_token_authorizer_without_cache(server, rest):
    calls = []
    for _ in range(3):
        e = event_of(call(server, rest, "/prod/nocache", headers={"Authorization": "gamma"}))
        calls.append(e["requestContext"]["authorizer"]["calls"])
    assert calls[1] == calls[0] + 1 and calls[2] == calls[1] + 1


def test_request_authorizer(server, rest):
    e = event_of(call(server, rest, "/prod/req?k=v", headers={"X-User": "alice"}))
    a = e["requestContext"]["authorizer"]
    assert a["principalId"] == "alice" and a["user"] == "alice"
    seen = json.loads(a["event"])
    assert seen["type"] == "REQUEST"
    assert seen["methodArn"] == f"arn:aws:execute-api:us-east-1:000000000000:{e['requestContext']['apiId']}/prod/GET/req"
    assert seen["resource"] == "/req" and seen["path"] == "/req" and seen["httpMethod"] == "GET"
    assert seen["headers"]["x-user"] == "alice"
    assert seen["queryStringParameters"] == {"k": "v"}
    assert seen["stageVariables"]["colour"] == "g"
    assert seen["requestContext"]["stage"] == "prod"
    # Cached by (header, stage variable).
    again = event_of(call(server, rest, "/prod/req", headers={"X-User": "alice"}))
    assert again["requestContext"]["authorizer"]["calls"] == a["calls"]
    status, _, body = call(server, rest, "/prod/req", headers={"X-User": "mallory"})
    assert status == 403
    assert "explicit deny" in json.loads(body)["Message"]
    # The stage variable is missing in dev: no identity, 401.
    assert call(server, rest, "/dev/req", headers={"X-User": "alice"})[0] == 401
    assert call(server, rest, "/prod/req")[0] == 401


def test_http_v2_event_field_by_field(server, httpapi):
    result = call(
        server,
        httpapi,
        "/items/9?a=1&a=2",
        headers={"X-Custom": "yes", "Cookie": "c1=v1; c2=v2", "User-Agent": "gw-test"},
    )
    _, headers, _ = result
    assert headers["apigw-requestid"]
    e = event_of(result)
    assert e["version"] == "2.0"
    assert e["routeKey"] == "GET /items/{id}"
    assert e["rawPath"] == "/items/9"
    assert e["rawQueryString"] == "a=1&a=2"
    assert e["queryStringParameters"] == {"a": "1,2"}
    assert e["cookies"] == ["c1=v1", "c2=v2"]
    assert e["headers"]["x-custom"] == "yes"
    assert e["pathParameters"] == {"id": "9"}
    assert e["stageVariables"] == {"where": "default"}
    assert e["isBase64Encoded"] is False and "body" not in e
    rc = e["requestContext"]
    assert rc["routeKey"] == "GET /items/{id}" and rc["stage"] == "$default"
    assert rc["apiId"] == httpapi and rc["accountId"] == "000000000000"
    assert rc["http"] == {"method": "GET", "path": "/items/9", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "gw-test"}
    assert rc["requestId"] == headers["apigw-requestid"]
    assert isinstance(rc["timeEpoch"], int)

    beta = event_of(call(server, httpapi, "/beta/items/9"))
    assert beta["requestContext"]["stage"] == "beta"
    assert beta["rawPath"] == "/beta/items/9"
    assert beta["stageVariables"] == {"where": "beta"}

    d = event_of(call(server, httpapi, "/anything/else", method="PUT", body=b"\x00\x01", headers={"Content-Type": "application/octet-stream"}))
    assert d["routeKey"] == "$default" and "pathParameters" not in d
    assert d["isBase64Encoded"] is True and base64.b64decode(d["body"]) == b"\x00\x01"


def test_http_payload_1_0(server, httpapi):
    e = event_of(call(server, httpapi, "/v1/a/b?x=1", "POST", b'{"k": 1}', {"Content-Type": "application/json"}))
    assert e["version"] == "1.0"
    assert e["resource"] == "/v1/{proxy+}"
    assert e["path"] == "/v1/a/b"
    assert e["pathParameters"] == {"proxy": "a/b"}
    assert e["multiValueQueryStringParameters"] == {"x": ["1"]}
    assert e["body"] == '{"k": 1}'


def test_http_errors_as_aws(server, httpapi):
    for path in ["/bad/malformed", "/bad/fail"]:
        status, _, body = call(server, httpapi, path)
        # Payload 2.0 takes a string as the body of a 200; a failure is 500.
        if path.endswith("malformed"):
            assert status == 200 and body == b"not a proxy response"
        else:
            assert status == 500 and json.loads(body) == {"message": "Internal Server Error"}


def test_http_simple_authorizer(server, httpapi):
    e = event_of(call(server, httpapi, "/simple", headers={"X-User": "alice"}))
    lam_ctx = e["requestContext"]["authorizer"]["lambda"]
    assert lam_ctx["user"] == "alice"
    seen = json.loads(lam_ctx["event"])
    assert seen["version"] == "2.0" and seen["type"] == "REQUEST"
    assert seen["identitySource"] == ["alice"]
    assert seen["routeArn"].endswith(f"{httpapi}/$default/GET/simple")
    assert seen["routeKey"] == "GET /simple"
    # TTL 0: asked every time.
    e2 = event_of(call(server, httpapi, "/simple", headers={"X-User": "alice"}))
    assert e2["requestContext"]["authorizer"]["lambda"]["calls"] == lam_ctx["calls"] + 1
    status, _, body = call(server, httpapi, "/simple", headers={"X-User": "bob"})
    assert status == 403 and json.loads(body) == {"message": "Forbidden"}
    status, _, body = call(server, httpapi, "/simple")
    assert status == 401 and json.loads(body) == {"message": "Unauthorized"}


def test_unknown_api(server):
    status, _, body = call(server, "no-such-api", "/prod/x")
    assert status == 404


def test_apis_imported_at_start(fns):
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    apis = Path(d) / "apis"
    apis.mkdir()
    (apis / "started.yaml").write_text(
        f"""openapi: "3.0.1"
info: {{title: from a file}}
x-lambdalite: {{protocol: HTTP}}
paths:
  /hello:
    get:
      x-amazon-apigateway-integration: {{type: aws_proxy, uri: {fns["echo"]}}}
"""
    )
    s = Server(d, extra_env={"LAMBDALITE_APIS": str(apis)}).start()
    try:
        status, _, body = request(s, "GET", "/_lambdalite/apis/started")
        assert status == 200 and json.loads(body)["name"] == "from a file"
    finally:
        s.stop()
    # A broken file stops the server from starting, saying which file.
    (apis / "broken.json").write_text("{")
    s = Server(d, extra_env={"LAMBDALITE_APIS": str(apis)})
    with pytest.raises(AssertionError):
        s.start()
    s.proc.wait(timeout=10)
    s.log.close()
    assert "broken.json" in (Path(d) / "server.log").read_text()
    shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------- WebSocket APIs

WS_HANDLER = """import json
connects = {}
disconnects = []
def handler(event, context):
    rc = event['requestContext']
    cid = rc['connectionId']
    if rc['eventType'] == 'CONNECT':
        if (event.get('queryStringParameters') or {}).get('reject'):
            return {'statusCode': 401}
        connects[cid] = event
        return {'statusCode': 200}
    if rc['eventType'] == 'DISCONNECT':
        disconnects.append(event)
        print('DISCONNECT ' + json.dumps(event))
        return {'statusCode': 200}
    try:
        body = json.loads(event['body'])
    except ValueError:
        body = {}
    if body.get('action') == 'whoami':
        return {'statusCode': 200, 'body': json.dumps({'connect': connects.get(cid), 'message': event})}
    if body.get('action') == 'disconnects':
        return {'statusCode': 200, 'body': json.dumps(disconnects)}
    if body.get('action') == 'fail':
        raise RuntimeError('boom')
    return {'statusCode': 200, 'body': json.dumps({'default': event})}
"""


@pytest.fixture(scope="module")
def wsapi(server, lam):
    fn = unique("ws")
    create(lam, fn, zip_bytes=make_zip({"app.py": WS_HANDLER}))
    route = lambda two_way=True: {  # noqa: E731
        "x-amazon-apigateway-any-method": {
            "x-amazon-apigateway-integration": integration(arn(fn)),
            **({"x-lambdalite-route-response": True} if two_way else {}),
        }
    }
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "chat"},
        "x-lambdalite": {"protocol": "WEBSOCKET", "stages": {"prod": {"variables": {"room": "lobby"}}}},
        "paths": {
            "$connect": route(False),
            "$disconnect": route(False),
            "$default": route(),
            "whoami": route(),
            "disconnects": route(),
            "fail": route(),
            "quiet": route(False),
        },
    }
    api_id = unique("ws").lower()
    status, _, body = put_api(server, api_id, definition)
    assert status == 201, body
    return api_id


def ws_connect(server, api_id, query=""):
    import websocket

    url = f"ws://127.0.0.1:{server.port}/_lambdalite/execute-api/{api_id}/prod{query}"
    return websocket.create_connection(url, timeout=30, header=["User-Agent: ws-test"])


def test_websocket_events_and_routes(server, wsapi):
    ws = ws_connect(server, wsapi, "?name=me")
    try:
        ws.send(json.dumps({"action": "whoami"}))
        got = json.loads(ws.recv())
        connect, message = got["connect"], got["message"]
        rc = connect["requestContext"]
        assert rc["eventType"] == "CONNECT" and rc["routeKey"] == "$connect"
        assert rc["stage"] == "prod" and rc["apiId"] == wsapi
        assert rc["messageDirection"] == "IN"
        assert rc["identity"] == {"userAgent": "ws-test", "sourceIp": "127.0.0.1"}
        assert connect["queryStringParameters"] == {"name": "me"}
        assert connect["headers"]["sec-websocket-version"] == "13"
        assert connect["stageVariables"] == {"room": "lobby"}
        mc = message["requestContext"]
        assert mc["eventType"] == "MESSAGE" and mc["routeKey"] == "whoami"
        assert mc["connectionId"] == rc["connectionId"]
        assert mc["connectedAt"] == rc["connectedAt"]
        assert mc["messageId"]
        assert json.loads(message["body"]) == {"action": "whoami"}

        ws.send("not json at all")
        d = json.loads(ws.recv())["default"]
        assert d["requestContext"]["routeKey"] == "$default" and d["body"] == "not json at all"

        ws.send(json.dumps({"action": "fail"}))
        err = json.loads(ws.recv())
        assert err["message"] == "Internal server error"
        assert err["connectionId"] == rc["connectionId"]
    finally:
        ws.close()


def test_websocket_connect_refused(server, wsapi):
    import websocket

    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        ws_connect(server, wsapi, "?reject=1")
    assert e.value.status_code == 401


def test_websocket_connections_api(server, wsapi):
    import boto3

    ws = ws_connect(server, wsapi)
    ws.send(json.dumps({"action": "whoami"}))
    cid = json.loads(ws.recv())["message"]["requestContext"]["connectionId"]
    mgmt = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"{server.endpoint}/_lambdalite/execute-api/{wsapi}/prod",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    mgmt.post_to_connection(ConnectionId=cid, Data=b"pushed to you")
    assert ws.recv() == "pushed to you"
    info = mgmt.get_connection(ConnectionId=cid)
    assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "ws-test"}
    assert info["ConnectedAt"] <= info["LastActiveAt"]
    mgmt.delete_connection(ConnectionId=cid)
    import websocket

    ended = False
    try:
        for _ in range(3):
            if ws.recv() in ("", b""):
                ended = True
                break
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        ended = True
    assert ended
    with pytest.raises(mgmt.exceptions.GoneException):
        mgmt.post_to_connection(ConnectionId=cid, Data=b"anyone?")

    # $disconnect ran with the connection's id and why it closed (read from
    # the function's log: the environment that ran it may not be the one a
    # later message reaches).
    gone = []
    for _ in range(100):
        gone = [e for e in logged_disconnects(server) if e["requestContext"]["connectionId"] == cid]
        if gone:
            break
        time.sleep(0.1)
    assert gone, "no $disconnect was logged for the connection"
    rc = gone[0]["requestContext"]
    assert rc["eventType"] == "DISCONNECT" and rc["routeKey"] == "$disconnect"
    assert rc["disconnectStatusCode"] == 1000


def logged_disconnects(server):
    events = []
    for f in Path(server.data_dir, "logs").rglob("*.jsonl"):
        for line in f.read_text().splitlines():
            message = json.loads(line)["message"]
            if message.startswith("DISCONNECT "):
                events.append(json.loads(message[len("DISCONNECT "):]))
    return events


# A chat: the function keeps the room's connections and, on each message,
# pushes it to every other member through the management API, as AWS's
# sample chat does (with the endpoint of lambdalite's listener).
CHAT_HANDLER = """import json, os, urllib.request
members = []
def push(rc, cid, data):
    url = '%s/_lambdalite/execute-api/%s/%s/@connections/%s' % (
        os.environ['AWS_ENDPOINT_URL_LAMBDA'], rc['apiId'], rc['stage'], cid)
    req = urllib.request.Request(url, data=data.encode(), method='POST')
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except urllib.error.HTTPError as e:
        if e.code != 410:
            raise
        members.remove(cid)
def handler(event, context):
    rc = event['requestContext']
    if rc['routeKey'] == '$connect':
        members.append(rc['connectionId'])
    elif rc['routeKey'] == '$disconnect':
        if rc['connectionId'] in members:
            members.remove(rc['connectionId'])
    elif rc['routeKey'] == 'sendmessage':
        text = json.loads(event['body'])['data']
        for cid in list(members):
            if cid != rc['connectionId']:
                push(rc, cid, text)
    return {'statusCode': 200}
"""


@pytest.fixture
def reachable_server():
    """A server functions can reach (it listens beyond loopback)."""
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    s = Server(d, extra_env={"LAMBDALITE_ALLOW_UNAUTHENTICATED": "true"}, listen_host="0.0.0.0").start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


def test_websocket_chat(reachable_server):
    server = reachable_server
    lam = server.client()
    fn = unique("chat")
    create(lam, fn, zip_bytes=make_zip({"app.py": CHAT_HANDLER}), Timeout=30)
    lam.put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=1)
    route = {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": integration(arn(fn))}}
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "chat"},
        "x-amazon-apigateway-route-selection-expression": "$request.body.action",
        "x-lambdalite": {"protocol": "WEBSOCKET", "stages": {"production": {}}},
        "paths": {"$connect": route, "$disconnect": route, "sendmessage": route},
    }
    api_id = unique("chat").lower()
    status, _, body = put_api(server, api_id, definition)
    assert status == 201, body
    alice = websocket_client(server, api_id)
    bob = websocket_client(server, api_id)
    carol = websocket_client(server, api_id)
    try:
        alice.send(json.dumps({"action": "sendmessage", "data": "hello from alice"}))
        assert bob.recv() == "hello from alice"
        assert carol.recv() == "hello from alice"
        # The room lives in the function's memory (AWS's sample keeps it in
        # a table), so the test keeps one environment (reserved concurrency
        # 1) and lets each event end before the next.
        time.sleep(1)
        carol.close()
        time.sleep(1)
        bob.send(json.dumps({"action": "sendmessage", "data": "bob here"}))
        assert alice.recv() == "bob here"
    finally:
        for ws in (alice, bob, carol):
            ws.close()


def websocket_client(server, api_id):
    ws = ws_connect_stage(server, api_id, "production")
    time.sleep(0.2)
    return ws


def ws_connect_stage(server, api_id, stage):
    import websocket

    url = f"ws://127.0.0.1:{server.port}/_lambdalite/execute-api/{api_id}/{stage}"
    return websocket.create_connection(url, timeout=30)

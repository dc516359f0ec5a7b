"""Response streaming: InvokeWithResponseStream through boto3 (an event
stream of PayloadChunk events and one InvokeComplete), node handlers wrapped
in awslambda.streamifyResponse, and RESPONSE_STREAM function URLs whose
bytes reach the client while the function still runs."""

import base64
import http.client
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique

STREAMER = """
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  if (event.contentType) responseStream.setContentType(event.contentType);
  if (event.http) {
    responseStream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 201,
      headers: { 'x-streamed': 'yes', 'content-type': 'text/plain' },
      cookies: ['a=1', 'b=2'],
    });
  }
  const parts = event.parts || ['one ', 'two ', 'three'];
  for (const [i, p] of parts.entries()) {
    if (i > 0 && event.pause) await new Promise((r) => setTimeout(r, event.pause));
    responseStream.write(p);
  }
  if (event.hang) await new Promise((r) => setTimeout(r, 60000));
  if (event.fail) throw new TypeError('broke mid-stream');
  responseStream.end();
});
"""

PY_BUFFERED = """
def handler(event, context):
    if event.get('fail'):
        raise ValueError('nope')
    return {'got': event}
"""


@pytest.fixture(scope="module")
def streamer(lam):
    name = unique("stream")
    create(lam, name, zip_bytes=make_zip({"index.mjs": STREAMER}), runtime="nodejs20.x", handler="index.handler",
           Timeout=3)
    return name


@pytest.fixture(scope="module")
def buffered(lam):
    name = unique("buffered")
    create(lam, name, zip_bytes=make_zip({"app.py": PY_BUFFERED}))
    return name


def stream(lam, name, payload, **kw):
    """(events with their arrival times, the response)."""
    t0 = time.monotonic()
    r = lam.invoke_with_response_stream(FunctionName=name, Payload=json.dumps(payload), **kw)
    events = [(time.monotonic() - t0, e) for e in r["EventStream"]]
    return events, r


def chunks(events):
    return b"".join(e["PayloadChunk"]["Payload"] for _, e in events if "PayloadChunk" in e)


def test_streamed_chunks_arrive_in_order_then_invoke_complete(lam, streamer):
    events, r = stream(lam, streamer, {})
    assert r["StatusCode"] == 200
    assert r["ExecutedVersion"] == "$LATEST"
    assert r["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    assert chunks(events) == b"one two three"
    assert "InvokeComplete" in events[-1][1]
    assert events[-1][1]["InvokeComplete"].get("ErrorCode") is None
    assert all("PayloadChunk" in e for _, e in events[:-1])


def test_first_bytes_arrive_before_the_function_ends(lam, streamer):
    events, _ = stream(lam, streamer, {"parts": ["early", "late"], "pause": 1500})
    first = next(t for t, e in events if "PayloadChunk" in e)
    end = events[-1][0]
    assert end - first >= 1.0, events


def test_error_after_streaming_ends_with_its_code_and_details(lam, streamer):
    events, _ = stream(lam, streamer, {"parts": ["partial"], "fail": True})
    assert chunks(events) == b"partial"
    done = events[-1][1]["InvokeComplete"]
    assert done["ErrorCode"] == "TypeError"
    assert done["ErrorDetails"] == "broke mid-stream"


def test_timeout_mid_stream(lam, streamer):
    events, _ = stream(lam, streamer, {"parts": ["before"], "hang": True})
    assert chunks(events) == b"before"
    done = events[-1][1]["InvokeComplete"]
    assert done["ErrorCode"] == "Sandbox.Timedout"
    assert done["ErrorDetails"] == "Task timed out after 3.00 seconds"


def test_log_tail_in_invoke_complete(lam, streamer):
    events, _ = stream(lam, streamer, {}, LogType="Tail")
    log = base64.b64decode(events[-1][1]["InvokeComplete"]["LogResult"]).decode()
    assert "START RequestId:" in log and "REPORT RequestId:" in log


def test_plain_invoke_of_a_streaming_function_buffers_the_whole_body(lam, streamer):
    r = lam.invoke(FunctionName=streamer, Payload=json.dumps({"parts": ["a", "b", "c"]}))
    assert "FunctionError" not in r
    assert r["Payload"].read() == b"abc"
    r = lam.invoke(FunctionName=streamer, Payload=json.dumps({"fail": True}))
    assert r["FunctionError"] == "Unhandled"
    err = json.loads(r["Payload"].read())
    assert err["errorType"] == "TypeError" and err["errorMessage"] == "broke mid-stream"


def test_buffered_function_streams_as_one_chunk(lam, buffered):
    events, r = stream(lam, buffered, {"k": "v"})
    assert json.loads(chunks(events)) == {"got": {"k": "v"}}
    assert len(events) == 2 and "InvokeComplete" in events[1][1]
    events, _ = stream(lam, buffered, {"fail": True})
    assert chunks(events) == b""
    done = events[-1][1]["InvokeComplete"]
    assert done["ErrorCode"] == "ValueError" and done["ErrorDetails"] == "nope"


def test_dry_run_and_bad_requests(lam, buffered):
    r = lam.invoke_with_response_stream(FunctionName=buffered, InvocationType="DryRun", Payload=b"{}")
    assert r["StatusCode"] == 204
    with pytest.raises(ClientError) as e:
        lam.invoke_with_response_stream(FunctionName=unique("missing"), Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        lam.invoke_with_response_stream(FunctionName=buffered, Payload=b"{not json")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"


def url_of(lam, name):
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    assert out["InvokeMode"] == "RESPONSE_STREAM"
    return out["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]


def test_response_stream_url_sends_prelude_then_progressive_body(server, lam):
    name = unique("streamurl")
    create(lam, name, zip_bytes=make_zip({"index.mjs": STREAMER.replace(
        "export const handler = awslambda.streamifyResponse(async (event,",
        "export const handler = awslambda.streamifyResponse(async (request,",
    ).replace("responseStream, context) => {", "responseStream, context) => {\n  const event = JSON.parse(request.body || '{}');")}),
        runtime="nodejs20.x", handler="index.handler")
    url_id = url_of(lam, name)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    body = json.dumps({"http": True, "parts": ["head-", "tail"], "pause": 1500})
    t0 = time.monotonic()
    conn.request("POST", f"/_lambdalite/url/{url_id}/", body=body, headers={"content-type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 201
    assert resp.getheader("x-streamed") == "yes"
    assert resp.getheader("content-type") == "text/plain"
    assert resp.msg.get_all("set-cookie") == ["a=1", "b=2"]
    first = resp.read1()
    t_first = time.monotonic() - t0
    rest = resp.read()
    t_end = time.monotonic() - t0
    assert first + rest == b"head-tail"
    assert first.startswith(b"head-")
    assert t_end - t_first >= 1.0
    conn.close()

    # Without a prelude: status 200 and the stream's own content type.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", f"/_lambdalite/url/{url_id}/", body=json.dumps({"contentType": "text/csv", "parts": ["a,b\n"]}))
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("content-type") == "text/csv"
    assert resp.read() == b"a,b\n"
    conn.close()

"""Asynchronous invocation: durable acceptance, retries, destinations, event
invoke configs, and no lost events across a crash. Functions report through
their own stored log, which the tests read."""

import concurrent.futures
import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import Server, create, make_zip, unique

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


@pytest.fixture
def quick_retries():
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    s = Server(d, extra_env={"LAMBDALITE_ASYNC_RETRY_DELAY": "0.2"}).start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


def log_messages(server, name):
    group_dir = Path(server.data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    text = "".join(f.read_text() for f in group_dir.glob("*.jsonl"))
    return [json.loads(l)["message"] for l in text.splitlines()]


def wait_until(predicate, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def py(lam, source, **kw):
    name = unique("async")
    create(lam, name, zip_bytes=make_zip({"app.py": source}), **kw)
    return name


FAILING = "def handler(event, context):\n    print('attempt', event['token'])\n    raise RuntimeError('nope')\n"
RECORDER = "import json\ndef handler(event, context):\n    print('RECORD ' + json.dumps(event))\n"


def records(server, name):
    return [json.loads(m.split("RECORD ", 1)[1]) for m in log_messages(server, name) if m.startswith("RECORD ")]


def test_event_is_accepted_with_its_request_id(quick_retries):
    lam = quick_retries.client()
    name = py(lam, "def handler(event, context):\n    print('ran with', context.aws_request_id)\n")
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert out["StatusCode"] == 202
    assert out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    wait_until(lambda: any(m.startswith("ran with") for m in log_messages(quick_retries, name)), what="the run")


def test_function_errors_are_retried_per_config(quick_retries):
    lam = quick_retries.client()
    name = py(lam, FAILING)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"token": "r1"}))
    count = lambda: sum(1 for m in log_messages(quick_retries, name) if m.startswith("attempt r1"))
    wait_until(lambda: count() >= 2, what="a retry")
    time.sleep(1.0)
    assert count() == 2
    # Default: two retries, three attempts in all.
    other = py(lam, FAILING)
    lam.invoke(FunctionName=other, InvocationType="Event", Payload=json.dumps({"token": "r2"}))
    count2 = lambda: sum(1 for m in log_messages(quick_retries, other) if m.startswith("attempt r2"))
    wait_until(lambda: count2() >= 3, what="two retries")
    time.sleep(1.0)
    assert count2() == 3


def test_destinations_receive_invocation_records(quick_retries):
    lam = quick_retries.client()
    ok_dest = py(lam, RECORDER)
    fail_dest = py(lam, RECORDER)
    good = py(lam, "def handler(event, context):\n    return {'echo': event}\n")
    bad = py(lam, FAILING)
    for fn in (good, bad):
        lam.put_function_event_invoke_config(
            FunctionName=fn,
            MaximumRetryAttempts=0,
            DestinationConfig={"OnSuccess": {"Destination": ARN + ok_dest}, "OnFailure": {"Destination": ARN + fail_dest}},
        )
    lam.invoke(FunctionName=good, InvocationType="Event", Payload=json.dumps({"n": 1}))
    lam.invoke(FunctionName=bad, InvocationType="Event", Payload=json.dumps({"token": "d"}))
    success = wait_until(lambda: records(quick_retries, ok_dest), what="the success record")[0]
    assert success["version"] == "1.0"
    assert success["requestContext"]["condition"] == "Success"
    assert success["requestContext"]["functionArn"] == f"{ARN}{good}:$LATEST"
    assert success["requestContext"]["approximateInvokeCount"] == 1
    assert success["requestPayload"] == {"n": 1}
    assert success["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert success["responsePayload"] == {"echo": {"n": 1}}
    failure = wait_until(lambda: records(quick_retries, fail_dest), what="the failure record")[0]
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["responsePayload"]["errorType"] == "RuntimeError"


def test_event_invoke_config_api(lam):
    name = py(lam, "def handler(e, c):\n    return 1\n")
    out = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120)
    assert out["FunctionArn"] == f"{ARN}{name}:$LATEST"
    assert (out["MaximumRetryAttempts"], out["MaximumEventAgeInSeconds"]) == (1, 120)
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert got["MaximumRetryAttempts"] == 1
    upd = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert (upd["MaximumRetryAttempts"], upd["MaximumEventAgeInSeconds"]) == (0, 120)
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{ARN}{name}:$LATEST"]
    # Put replaces the whole config: an unspecified field is unset (AWS
    # reports only what was given; the defaults still apply to delivery).
    again = lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    assert again["MaximumEventAgeInSeconds"] == 60
    assert "MaximumRetryAttempts" not in again
    assert "MaximumRetryAttempts" not in lam.get_function_event_invoke_config(FunctionName=name)
    with pytest.raises(ClientError) as e:
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as e:
        lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:topic"}},
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(ClientError) as e:
        lam.get_function_event_invoke_config(FunctionName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_no_accepted_event_is_lost_across_a_crash(tmp_path):
    d = tempfile.mkdtemp(prefix="lambdalite-crash-")
    server = Server(d).start()
    try:
        lam = server.client()
        # A full vCPU's share (1,769 MB) so hundreds of runs don't crawl at
        # 128 MB's 7 % of a CPU on a small CI machine.
        name = py(
            lam,
            "import time\ndef handler(event, context):\n    time.sleep(0.01)\n    print('ran', event['id'])\n",
            MemorySize=1769,
        )
        accepted = []
        stop = False

        def send(i):
            if stop:
                return None
            try:
                lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"id": i}))
                return i
            except Exception:
                return None

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, i) for i in range(400)]
            for n, f in enumerate(futures):
                if n == 200:
                    server.stop(sig_kill=True)
                    stop = True
                r = f.result()
                if r is not None:
                    accepted.append(r)
        assert len(accepted) >= 150, len(accepted)
        server.start()
        lam = server.client()

        def ran():
            seen = {int(m.split()[1]) for m in log_messages(server, name) if m.startswith("ran ")}
            return set(accepted) <= seen

        wait_until(ran, timeout=180, what="every accepted event to run")
    finally:
        server.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_events_too_old_go_to_the_failure_destination(quick_retries):
    # A function whose only reserved slot is held by a long synchronous run
    # throttles its event, which keeps retrying until MaximumEventAgeInSeconds
    # (at least 60 s) has passed. (With reserved concurrency 0 AWS fails the
    # event at once instead, condition ZeroReservedConcurrency.)
    lam = quick_retries.client()
    dest = py(lam, RECORDER)
    stuck = py(
        lam,
        "import time\ndef handler(e, c):\n    if e.get('hold'):\n        time.sleep(80)\n    return 1\n",
        Timeout=100,
    )
    lam.put_function_concurrency(FunctionName=stuck, ReservedConcurrentExecutions=1)
    lam.put_function_event_invoke_config(
        FunctionName=stuck,
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": ARN + dest}},
    )
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        holder = pool.submit(lam.invoke, FunctionName=stuck, Payload=json.dumps({"hold": True}))
        wait_until(lambda: any(m.startswith("START") for m in log_messages(quick_retries, stuck)),
                   what="the holding run to start")
        lam.invoke(FunctionName=stuck, InvocationType="Event", Payload=json.dumps({"old": True}))
        record = wait_until(lambda: records(quick_retries, dest), timeout=90, what="the expired event's record")[0]
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert record["requestContext"]["approximateInvokeCount"] == 0
        assert record["requestPayload"] == {"old": True}
        assert "responsePayload" not in record
        assert holder.result()["StatusCode"] == 200

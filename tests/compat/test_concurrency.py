"""Reserved concurrency, the account's limit, and throttling."""

import concurrent.futures
import json
import shutil
import tempfile

import pytest
from botocore.exceptions import ClientError

from conftest import Server, create, make_zip, unique

SLEEPER = make_zip({"app.py": "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'ok'\n"})


@pytest.fixture
def small_account():
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    s = Server(d, extra_env={"LAMBDALITE_ACCOUNT_CONCURRENCY": "3"}).start()
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


def test_reserved_concurrency_api(fresh_server):
    lam = fresh_server.client()
    name = unique("conc")
    create(lam, name, zip_bytes=SLEEPER)
    assert lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") is None
    out = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    assert out["ReservedConcurrentExecutions"] == 5
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    settings = lam.get_account_settings()["AccountLimit"]
    assert settings["ConcurrentExecutions"] == 1000
    assert settings["UnreservedConcurrentExecutions"] == 995
    with pytest.raises(ClientError) as e:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=901)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "below its minimum value of [100]" in e.value.response["Error"]["Message"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=900)
    lam.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000
    with pytest.raises(ClientError) as e:
        lam.put_function_concurrency(FunctionName="missing-" + name, ReservedConcurrentExecutions=1)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_reserved_zero_throttles_every_invoke(lam):
    name = unique("conc")
    create(lam, name, zip_bytes=SLEEPER)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{}")
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err["Error"]["Code"] == "TooManyRequestsException"
    assert err["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert err["Error"]["Message"] == "Rate Exceeded."
    assert "retry-after" in err["ResponseMetadata"]["HTTPHeaders"]
    lam.delete_function_concurrency(FunctionName=name)
    assert lam.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200


def run_parallel(lam, name, n, sleep):
    def one(_):
        try:
            lam.invoke(FunctionName=name, Payload=json.dumps({"sleep": sleep}))
            return "ok"
        except ClientError as e:
            return e.response.get("Reason") or e.response["Error"]["Code"]

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_reserved_concurrency_limits_parallel_invokes(lam):
    name = unique("conc")
    create(lam, name, zip_bytes=SLEEPER, Timeout=10)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    results = run_parallel(lam, name, 3, 1.5)
    assert results.count("ok") >= 1
    assert "ReservedFunctionConcurrentInvocationLimitExceeded" in results
    assert set(results) <= {"ok", "ReservedFunctionConcurrentInvocationLimitExceeded"}


def test_account_limit_under_parallel_load(small_account):
    lam = small_account.client()
    name = unique("conc")
    create(lam, name, zip_bytes=SLEEPER, Timeout=10)
    assert lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 3
    results = run_parallel(lam, name, 6, 1.5)
    assert results.count("ok") <= 3
    assert "ConcurrentInvocationLimitExceeded" in results
    # Once they are done, capacity is back.
    assert lam.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200


def mem_available_mb():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no MemAvailable")


def test_host_memory_is_respected():
    # Keep all but ~1 GB of the host's available memory in reserve: a small
    # function fits, a 2 GB one can't, even after idle environments go.
    d = tempfile.mkdtemp(prefix="lambdalite-test-")
    reserve = mem_available_mb() - 1000
    s = Server(d, extra_env={"LAMBDALITE_MEMORY_RESERVE_MB": str(reserve)}).start()
    try:
        lam = s.client()
        small = unique("mem")
        create(lam, small, zip_bytes=SLEEPER, MemorySize=128)
        assert lam.invoke(FunctionName=small, Payload=b"{}")["StatusCode"] == 200
        big = unique("mem")
        create(lam, big, zip_bytes=SLEEPER, MemorySize=2048)
        with pytest.raises(ClientError) as e:
            lam.invoke(FunctionName=big, Payload=b"{}")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert e.value.response["Error"]["Code"] == "TooManyRequestsException"
        # Making room stopped the small function's idle environment.
        again = lam.invoke(FunctionName=small, Payload=b"{}", LogType="Tail")
        import base64

        assert "Init Duration" in base64.b64decode(again["LogResult"]).decode()
    finally:
        s.stop()
        shutil.rmtree(d, ignore_errors=True)

"""Provisioned concurrency: environments started and initialised ahead of
invocations, which then run without a cold start."""

import base64
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique

SRC = "import os\nTYPE = os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\ndef handler(event, context):\n    return TYPE\n"


def published(lam):
    name = unique("prov")
    create(lam, name, zip_bytes=make_zip({"app.py": SRC}), Publish=True)
    return name


def wait_ready(lam, name, qualifier, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if out["Status"] == "READY":
            return out
        time.sleep(0.1)
    raise AssertionError("provisioned concurrency never became READY")


def test_provisioned_environments_are_ready_before_the_first_invoke(lam):
    name = published(lam)
    out = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert out["RequestedProvisionedConcurrentExecutions"] == 2
    assert out["Status"] == "IN_PROGRESS"
    ready = wait_ready(lam, name, "1")
    assert ready["AvailableProvisionedConcurrentExecutions"] == 2
    assert ready["AllocatedProvisionedConcurrentExecutions"] == 2
    r = lam.invoke(FunctionName=name, Qualifier="1", LogType="Tail")
    assert r["Payload"].read() == b'"provisioned-concurrency"'
    log = base64.b64decode(r["LogResult"]).decode()
    assert "Init Duration" not in log
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[1] for c in listed] == ["1"]
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    with pytest.raises(ClientError) as e:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert e.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_provisioned_through_an_alias(lam):
    name = published(lam)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    wait_ready(lam, name, "live")
    r = lam.invoke(FunctionName=f"{name}:live", LogType="Tail")
    assert r["Payload"].read() == b'"provisioned-concurrency"'
    assert "Init Duration" not in base64.b64decode(r["LogResult"]).decode()
    # On-demand environments say so.
    assert lam.invoke(FunctionName=name)["Payload"].read() == b'"on-demand"'


def test_provisioned_errors(lam):
    name = published(lam)
    with pytest.raises(ClientError) as e:
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="9", ProvisionedConcurrentExecutions=1)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert e.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    with pytest.raises(ClientError) as e:
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_deleting_an_alias_retires_its_provisioned_environments(lam):
    name = published(lam)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    wait_ready(lam, name, "live")
    assert lam.invoke(FunctionName=name, Qualifier="1")["Payload"].read() == b'"provisioned-concurrency"'
    lam.delete_alias(FunctionName=name, Name="live")
    deadline = time.time() + 10
    while time.time() < deadline:
        if lam.invoke(FunctionName=name, Qualifier="1")["Payload"].read() == b'"on-demand"':
            break
        time.sleep(0.1)
    else:
        raise AssertionError("version 1 still runs the deleted alias's provisioned environment")
    assert lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []

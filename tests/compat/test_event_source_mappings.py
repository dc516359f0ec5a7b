"""Event source mappings for SQS: the Lambda API's CreateEventSourceMapping,
Get, Update, Delete, List and tags on mapping ARNs, and the poller that
invokes functions with SQS's event, checked against responses recorded on
real AWS.

Facts come from LocalStack's parity snapshots (recorded against AWS):
tests/aws/services/lambda_/test_lambda_api.snapshot.json
(TestLambdaEventSourceMappings::*, TestLambdaTag::*[event_source_mapping])
and tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.snapshot.json
(the events functions received, what came back to the queues). Each test
names its source as "<snapshot file>: Class::test / key" (api = the first
file, sqs = the second) or "AWS docs: ..." when it comes from documentation.
Snapshot placeholders (account 111111111111, <region>) are mapped to this
server's 000000000000 and us-east-1.

Error bodies: botocore copies the members of a modeled error shape into the
response, so `response["Type"]` and `response["message"]` / `["Message"]`
show which keys the server's JSON body carried. AWS sends
{"Type": "User", "message": ...} for InvalidParameterValueException and
ResourceConflictException, {"Type": "User", "Message": ...} for
ResourceNotFoundException; ValidationException is not modeled.

End-to-end tests create Python functions that print every event they get
("RECORD " + JSON) and read them back from the function's log in the
server's data directory, as test_async.py does. Queues use visibility
timeouts of 2 s and every wait has a deadline.
"""

import base64
import datetime
import hashlib
import json
import struct
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import PY_ECHO, create, make_zip, unique

ACCOUNT = "000000000000"
REGION = "us-east-1"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
ESM_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:"

# api: TestLambdaEventSourceMappings::test_function_name_variations / name_only_create_esm (and every SQS
# mapping in the sqs snapshot): the keys of an SQS mapping as AWS answers it, ResponseMetadata aside.
ESM_KEYS = {
    "BatchSize",
    "EventSourceArn",
    "EventSourceMappingArn",
    "FunctionArn",
    "FunctionResponseTypes",
    "LastModified",
    "MaximumBatchingWindowInSeconds",
    "State",
    "StateTransitionReason",
    "UUID",
}
# sqs: TestSQSEventSourceMapping::test_sqs_event_source_mapping / events: one SQS record.
RECORD_KEYS = {
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfMessageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
}
RECORD_ATTRIBUTES = {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"}
# sqs: test_report_batch_item_failures / first_invocation (a FIFO queue's records).
FIFO_RECORD_ATTRIBUTES = RECORD_ATTRIBUTES | {"MessageDeduplicationId", "MessageGroupId", "SequenceNumber"}

# api: TestLambdaTag::test_tag_exceptions[event_source_mapping] / aliased_arn_exception
TAG_ARN_PATTERN = (
    r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
    r"(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)"
    r"|code-signing-config:csc-[a-z0-9]{17}"
    r"|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|capacity-provider:[a-zA-Z0-9-_]+)"
)

# The functions of the end-to-end tests. MODE:
#   ok      succeed
#   raise   raise when a record's body {"fail_attempts": n} has n >= its ApproximateReceiveCount
#   report  answer those records in batchItemFailures (json.loads of a non-JSON body raises)
#   fixed   answer the JSON in RESULT
HANDLER = """
import json, os, time

def handler(event, context):
    print("RECORD " + json.dumps({
        "event": event,
        "var": os.environ.get("CUSTOM_VAR"),
        "version": context.function_version,
        "at": time.time(),
    }))
    mode = os.environ.get("MODE", "ok")
    if mode == "fixed":
        return json.loads(os.environ["RESULT"])
    if mode == "ok":
        return None
    failed = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("fail_attempts", 0) >= int(record["attributes"]["ApproximateReceiveCount"]):
            failed.append(record["messageId"])
    if mode == "raise" and failed:
        raise RuntimeError("failed attempt")
    if mode == "report":
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
    return None
"""


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="session")
def sqs(server):
    return server.client("sqs")


@pytest.fixture
def mappings(lam):
    """UUIDs to delete after the test, so no poller outlives it."""
    made = []
    yield made
    for u in made:
        try:
            lam.delete_event_source_mapping(UUID=u)
        except ClientError:
            pass


def make_queue(sqs, name=None, fifo=False, **attributes):
    name = name or unique("esmq") + (".fifo" if fifo else "")
    attrs = dict(attributes)
    if fifo:
        attrs.setdefault("FifoQueue", "true")
    url = sqs.create_queue(QueueName=name, **({"Attributes": attrs} if attrs else {}))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    return url, arn


def make_function(lam, mode="ok", timeout=2, **env):
    name = unique("esmfn")
    variables = dict(env, MODE=mode)
    create(lam, name, zip_bytes=make_zip({"app.py": HANDLER}), Timeout=timeout, Environment={"Variables": variables})
    return name


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def md5_of_attributes(attributes):
    """AWS docs, "Calculating the MD5 message digest for message attributes"
    (see test_sqs.py): sorted names; name, type, a transport byte (1 string,
    2 binary) and the value, each length-prefixed (4 bytes, big-endian)."""

    def part(value):
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return struct.pack(">I", len(raw)) + raw

    buf = b""
    for name in sorted(attributes):
        attr = attributes[name]
        buf += part(name) + part(attr["DataType"])
        buf += b"\x01" + part(attr["StringValue"]) if "StringValue" in attr else b"\x02" + part(attr["BinaryValue"])
    return hashlib.md5(buf).hexdigest()


def observed(excinfo):
    r = excinfo.value.response
    key = "message" if "message" in r else "Message" if "Message" in r else None
    return {
        "Code": r["Error"]["Code"],
        "Message": r["Error"]["Message"],
        "Status": r["ResponseMetadata"]["HTTPStatusCode"],
        "Type": r.get("Type"),
        "BodyKey": key,
    }


def ipve(message):
    return {"Code": "InvalidParameterValueException", "Message": message, "Status": 400, "Type": "User", "BodyKey": "message"}


def not_found(message="The resource you requested does not exist."):
    return {"Code": "ResourceNotFoundException", "Message": message, "Status": 404, "Type": "User", "BodyKey": "Message"}


def wait_until(predicate, timeout=30, what="condition", interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def wait_state(lam, mapping_uuid, state="Enabled", timeout=30):
    return wait_until(
        lambda: (m := lam.get_event_source_mapping(UUID=mapping_uuid))["State"] == state and m,
        timeout=timeout,
        what=f"the mapping to be {state}",
    )


def wait_gone(lam, mapping_uuid, timeout=30):
    def gone():
        try:
            lam.get_event_source_mapping(UUID=mapping_uuid)
            return False
        except ClientError as e:
            return e.response["Error"]["Code"] == "ResourceNotFoundException"

    wait_until(gone, timeout=timeout, what="the mapping to be deleted")


def log_messages(server, name):
    group_dir = Path(server.data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    text = "".join(f.read_text() for f in sorted(group_dir.glob("*.jsonl"))) if group_dir.exists() else ""
    return [json.loads(line)["message"] for line in text.splitlines() if line.strip()]


def invocations(server, name):
    """What the function printed per invocation: {"event", "var", "version", "at"}."""
    return [json.loads(m.split("RECORD ", 1)[1]) for m in log_messages(server, name) if m.startswith("RECORD ")]


def records(server, name):
    return [r for inv in invocations(server, name) for r in inv["event"]["Records"]]


def in_queue(sqs, url):
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attrs[n]) for n in names)


def drain(sqs, url, n, timeout=20):
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"])
        got.extend(out.get("Messages", []))
    return got


def check_esm(esm, *, function_arn, queue_arn, state, batch_size=10, window=0, response_types=(), extra=()):
    assert set(esm) - {"ResponseMetadata"} == ESM_KEYS | set(extra)
    assert esm["BatchSize"] == batch_size
    assert esm["MaximumBatchingWindowInSeconds"] == window
    assert esm["EventSourceArn"] == queue_arn
    assert esm["FunctionArn"] == function_arn
    assert esm["FunctionResponseTypes"] == list(response_types)
    assert esm["State"] == state
    assert esm["StateTransitionReason"] == "USER_INITIATED"
    assert str(uuid.UUID(esm["UUID"])) == esm["UUID"]
    assert esm["EventSourceMappingArn"] == ESM_ARN + esm["UUID"]
    assert isinstance(esm["LastModified"], datetime.datetime)
    assert abs(esm["LastModified"].timestamp() - time.time()) < 600


# ------------------------------------------------------------------ the control plane


def test_create_get_defaults(lam, sqs, mappings):
    # api: TestLambdaEventSourceMappings::test_function_name_variations / name_only_create_esm;
    # sqs: TestSQSEventSourceMapping::test_event_source_mapping_default_batch_size / create-event-source-mapping;
    # sqs: test_failing_lambda_retries_after_visibility_timeout / event_source_mapping (Get: 200, Enabled)
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    mappings.append(out["UUID"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_esm(out, function_arn=FN + name, queue_arn=arn, state="Creating")
    got = wait_state(lam, out["UUID"])
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    check_esm(got, function_arn=FN + name, queue_arn=arn, state="Enabled")
    assert got["UUID"] == out["UUID"]


def test_function_name_variations(lam, sqs, mappings):
    # api: TestLambdaEventSourceMappings::test_function_name_variations / *_create_esm: the FunctionArn keeps
    # the qualifier given, "name:$LATEST" included; the unqualified ARN stays unqualified.
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    v1 = lam.publish_version(FunctionName=name)
    alias = lam.create_alias(FunctionName=name, FunctionVersion=v1["Version"], Name="myalias")
    _, arn = make_queue(sqs)
    cases = [
        (name, FN + name),
        (f"{name}:$LATEST", FN + name + ":$LATEST"),
        (f"{name}:1", FN + name + ":1"),
        (f"{name}:myalias", FN + name + ":myalias"),
        (FN + name, FN + name),
        (v1["FunctionArn"], FN + name + ":1"),
        (alias["AliasArn"], FN + name + ":myalias"),
    ]
    for given, want in cases:
        out = lam.create_event_source_mapping(FunctionName=given, EventSourceArn=arn)
        mappings.append(out["UUID"])
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
        check_esm(out, function_arn=want, queue_arn=arn, state="Creating")
        wait_state(lam, out["UUID"])
        lam.delete_event_source_mapping(UUID=out["UUID"])
        wait_gone(lam, out["UUID"])


def test_update_states_and_delete(lam, sqs, mappings):
    # sqs: test_fifo_message_group_parallelism / create_esm_disabled (202, Disabled), update_esm_enabling
    # (202, Enabling), get_esm_enabled; api: test_event_source_mapping_lifecycle / delete_response (202, Deleting);
    # AWS docs, EventSourceMappingConfiguration.State: Creating, Enabling, Enabled, Disabling, Disabled, Updating, Deleting.
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, Enabled=False, BatchSize=1)
    mappings.append(out["UUID"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_esm(out, function_arn=FN + name, queue_arn=arn, state="Disabled", batch_size=1)
    assert lam.get_event_source_mapping(UUID=out["UUID"])["State"] == "Disabled"

    enabling = lam.update_event_source_mapping(UUID=out["UUID"], Enabled=True)
    assert enabling["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_esm(enabling, function_arn=FN + name, queue_arn=arn, state="Enabling", batch_size=1)
    check_esm(wait_state(lam, out["UUID"]), function_arn=FN + name, queue_arn=arn, state="Enabled", batch_size=1)

    resized = lam.update_event_source_mapping(UUID=out["UUID"], BatchSize=5, MaximumBatchingWindowInSeconds=2)
    assert resized["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (resized["BatchSize"], resized["MaximumBatchingWindowInSeconds"]) == (5, 2)
    got = wait_state(lam, out["UUID"])
    assert (got["BatchSize"], got["MaximumBatchingWindowInSeconds"]) == (5, 2)

    disabling = lam.update_event_source_mapping(UUID=out["UUID"], Enabled=False)
    assert disabling["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert disabling["State"] == "Disabling"
    wait_state(lam, out["UUID"], "Disabled")

    deleted = lam.delete_event_source_mapping(UUID=out["UUID"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_esm(deleted, function_arn=FN + name, queue_arn=arn, state="Deleting", batch_size=5, window=2)
    wait_gone(lam, out["UUID"])


def test_update_function_to_another_version(lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_sqs_event_source_mapping_update / create-event-source-mapping-response,
    # updated_esm (202, Updating, the new FunctionArn), updated_event_source_mapping (200, Enabled)
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    v1 = lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Description="two")
    v2 = lam.publish_version(FunctionName=name)
    _, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=v1["FunctionArn"], MaximumBatchingWindowInSeconds=1)
    mappings.append(out["UUID"])
    check_esm(out, function_arn=v1["FunctionArn"], queue_arn=arn, state="Creating", window=1)
    wait_state(lam, out["UUID"])
    updated = lam.update_event_source_mapping(UUID=out["UUID"], FunctionName=v2["FunctionArn"])
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_esm(updated, function_arn=v2["FunctionArn"], queue_arn=arn, state="Updating", window=1)
    check_esm(wait_state(lam, out["UUID"]), function_arn=v2["FunctionArn"], queue_arn=arn, state="Enabled", window=1)


def test_list(lam, sqs, mappings):
    # AWS docs, ListEventSourceMappings (EventSourceMappings, by FunctionName and/or EventSourceArn);
    # api: TestLambdaEventSourceMappings::test_event_source_mapping_exceptions: unknown filters list nothing, no error.
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    other = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn1 = make_queue(sqs)
    _, arn2 = make_queue(sqs)
    a = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn1)["UUID"]
    b = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn2)["UUID"]
    c = lam.create_event_source_mapping(FunctionName=other, EventSourceArn=arn1)["UUID"]
    mappings.extend([a, b, c])
    by_fn = lam.list_event_source_mappings(FunctionName=name)
    assert by_fn["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sorted(m["UUID"] for m in by_fn["EventSourceMappings"]) == sorted([a, b])
    for m in by_fn["EventSourceMappings"]:
        assert set(m) == ESM_KEYS
        assert m["FunctionArn"] == FN + name
    assert sorted(m["UUID"] for m in lam.list_event_source_mappings(FunctionName=FN + name)["EventSourceMappings"]) == sorted(
        [a, b]
    )
    by_queue = lam.list_event_source_mappings(EventSourceArn=arn1)["EventSourceMappings"]
    assert sorted(m["UUID"] for m in by_queue) == sorted([a, c])
    both = lam.list_event_source_mappings(EventSourceArn=arn1, FunctionName=other)["EventSourceMappings"]
    assert [m["UUID"] for m in both] == [c]
    everything = {m["UUID"] for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    assert {a, b, c} <= everything
    assert lam.list_event_source_mappings(FunctionName="doesnotexist")["EventSourceMappings"] == []
    unknown_queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('somequeue')}"
    assert lam.list_event_source_mappings(EventSourceArn=unknown_queue)["EventSourceMappings"] == []
    # Paged with MaxItems / Marker.
    first = lam.list_event_source_mappings(FunctionName=name, MaxItems=1)
    assert len(first["EventSourceMappings"]) == 1
    rest = lam.list_event_source_mappings(FunctionName=name, MaxItems=1, Marker=first["NextMarker"])
    assert {first["EventSourceMappings"][0]["UUID"], rest["EventSourceMappings"][0]["UUID"]} == {a, b}


def test_exceptions(lam):
    # api: TestLambdaEventSourceMappings::test_event_source_mapping_exceptions / get_unknown_uuid, delete_unknown_uuid,
    # update_unknown_uuid, create_no_event_source_arn, create_unknown_params, destination_config_failure
    missing = str(uuid.uuid4())
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_event_source_mapping(UUID=missing)
    assert observed(e) == not_found()
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.delete_event_source_mapping(UUID=missing)
    assert observed(e) == not_found()
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.update_event_source_mapping(UUID=missing, Enabled=False)
    assert observed(e) == not_found()
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:somequeue"
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(FunctionName="doesnotexist")
    assert observed(e) == ipve("Unrecognized event source.")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(FunctionName="doesnotexist", EventSourceArn=queue)
    assert observed(e) == ipve("Function does not exist")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(
            FunctionName="doesnotexist",
            EventSourceArn=queue,
            DestinationConfig={"OnSuccess": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:someotherqueue"}},
        )
    assert observed(e) == ipve("Unsupported DestinationConfig parameter for given event source mapping type.")


def test_queue_must_exist(lam):
    # sqs: test_esm_with_not_existing_sqs_queue / error
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(
            EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('not-existing-queue')}", FunctionName=name, BatchSize=1
        )
    assert observed(e) == ipve(
        "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
        "SQS Error Message: The specified queue does not exist."
    )
    assert lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []


def test_batch_size_and_batching_window(lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_event_source_mapping_default_batch_size / invalid-update-event-source-mapping,
    # invalid-create-event-source-mapping; test_sqs_event_source_mapping_batch_size[15] / create-event-source-mapping-response
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn1 = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn1, FunctionName=name)
    mappings.append(out["UUID"])
    assert out["BatchSize"] == 10
    wait_state(lam, out["UUID"])
    message = "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    with pytest.raises(ClientError) as e:
        lam.update_event_source_mapping(UUID=out["UUID"], FunctionName=name, BatchSize=11)
    assert observed(e) == ipve(message)
    assert lam.get_event_source_mapping(UUID=out["UUID"])["BatchSize"] == 10
    _, arn2 = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=arn2, FunctionName=name, BatchSize=11)
    assert observed(e) == ipve(message)
    big = lam.create_event_source_mapping(EventSourceArn=arn2, FunctionName=name, BatchSize=15, MaximumBatchingWindowInSeconds=2)
    mappings.append(big["UUID"])
    check_esm(big, function_arn=FN + name, queue_arn=arn2, state="Creating", batch_size=15, window=2)


def test_duplicate_mapping(lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_duplicate_event_source_mappings / create, error (409)
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_queue(sqs)
    first = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)
    mappings.append(first["UUID"])
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)
    assert observed(e) == {
        "Code": "ResourceConflictException",
        "Message": f'An event source mapping with SQS arn (" {arn} ") and function (" {name} ") already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
        "Status": 409,
        "Type": "User",
        "BodyKey": "message",
    }
    # Another function may map the same queue.
    other = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    second = lam.create_event_source_mapping(FunctionName=other, EventSourceArn=arn)
    mappings.append(second["UUID"])
    assert second["ResponseMetadata"]["HTTPStatusCode"] == 202


@pytest.mark.parametrize(
    "pattern",
    ["null", "simple string", json.dumps({"eventSource": "aws:sqs"}), json.dumps({"eventSource": []})],
    ids=["None", "simple string", "invalid_filter2", "invalid_filter3"],
)
def test_invalid_filter_patterns(lam, sqs, pattern):
    # sqs: TestSQSEventSourceMapping::test_sqs_invalid_event_filter[None|simple string|invalid_filter2|invalid_filter3]
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName=name,
            MaximumBatchingWindowInSeconds=1,
            FilterCriteria={"Filters": [{"Pattern": pattern}]},
        )
    assert observed(e) == ipve("Invalid filter pattern definition.")
    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []


def test_filter_criteria_and_scaling_config_are_kept(lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_sqs_event_filter[numeric-range] / create_event_source_mapping_response
    # (FilterCriteria in the answer); test_sqs_event_source_mapping_batching_reserved_concurrency /
    # create-event-source-mapping-response (ScalingConfig); api: test_create_event_filter_criteria_validation /
    # response-with-empty-filters (an empty Filters list leaves no FilterCriteria in the answer)
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_queue(sqs)
    pattern = {"body": {"my-number": [{"numeric": [">=", 100, "<", 200]}]}}
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        MaximumBatchingWindowInSeconds=1,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    mappings.append(out["UUID"])
    check_esm(out, function_arn=FN + name, queue_arn=arn, state="Creating", window=1, extra={"FilterCriteria"})
    assert len(out["FilterCriteria"]["Filters"]) == 1
    assert json.loads(out["FilterCriteria"]["Filters"][0]["Pattern"]) == pattern
    got = wait_state(lam, out["UUID"])
    assert json.loads(got["FilterCriteria"]["Filters"][0]["Pattern"]) == pattern

    name2 = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    scaled = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name2,
        MaximumBatchingWindowInSeconds=1,
        BatchSize=20,
        ScalingConfig={"MaximumConcurrency": 2},
    )
    mappings.append(scaled["UUID"])
    check_esm(scaled, function_arn=FN + name2, queue_arn=arn, state="Creating", batch_size=20, window=1, extra={"ScalingConfig"})
    assert scaled["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert wait_state(lam, scaled["UUID"])["ScalingConfig"] == {"MaximumConcurrency": 2}

    name3 = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    empty = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name3, FilterCriteria={"Filters": []})
    mappings.append(empty["UUID"])
    assert "FilterCriteria" not in empty

    name4 = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    report = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name4, FunctionResponseTypes=["ReportBatchItemFailures"])
    mappings.append(report["UUID"])
    # sqs: test_report_batch_item_failures / create_event_source_mapping
    check_esm(report, function_arn=FN + name4, queue_arn=arn, state="Creating", response_types=["ReportBatchItemFailures"])


def test_tags_on_mappings(lam, sqs, mappings):
    # api: TestLambdaTag::test_create_tag_on_esm_create / list_tags_result;
    # TestLambdaTag::test_tag_lifecycle[event_source_mapping] / tag_*_response (204), *_listtags
    fn_arn = create(lam, zip_bytes=PY_ECHO)["FunctionArn"]
    _, arn = make_queue(sqs)
    tagged = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn_arn, BatchSize=1, Tags={"testtag": "v1"})
    mappings.append(tagged["UUID"])
    assert lam.list_tags(Resource=tagged["EventSourceMappingArn"])["Tags"] == {"testtag": "v1"}

    _, arn2 = make_queue(sqs)
    esm = lam.create_event_source_mapping(EventSourceArn=arn2, FunctionName=fn_arn, BatchSize=1)
    mappings.append(esm["UUID"])
    resource = esm["EventSourceMappingArn"]
    steps = [
        ("tag", {"A": "tag-a"}, {"A": "tag-a"}),
        ("tag", {"B": "tag-b", "C": "tag-c"}, {"A": "tag-a", "B": "tag-b", "C": "tag-c"}),
        ("tag", {"C": "tag-c-newsuffix", "D": "tag-d"}, {"A": "tag-a", "B": "tag-b", "C": "tag-c-newsuffix", "D": "tag-d"}),
        ("untag", ["A"], {"B": "tag-b", "C": "tag-c-newsuffix", "D": "tag-d"}),
        ("untag", ["B", "C"], {"D": "tag-d"}),
        ("untag", ["F"], {"D": "tag-d"}),
        ("untag", ["D", "F"], {}),
    ]
    for op, arg, want in steps:
        if op == "tag":
            out = lam.tag_resource(Resource=resource, Tags=arg)
        else:
            out = lam.untag_resource(Resource=resource, TagKeys=arg)
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
        listed = lam.list_tags(Resource=resource)
        assert listed["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert listed["Tags"] == want, (op, arg)


def test_tags_on_unknown_mappings(lam):
    # api: TestLambdaTag::test_tag_exceptions[event_source_mapping] / not_found_exception_tag, not_found_exception_untag,
    # not_found_exception_list, aliased_arn_exception, invalid_arn_exception
    resource = ESM_ARN + str(uuid.uuid4())
    message = f"Event source mapping not found: {resource}"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.tag_resource(Resource=resource, Tags={"A": "B"})
    assert observed(e) == not_found(message)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.untag_resource(Resource=resource, TagKeys=["A"])
    assert observed(e) == not_found(message)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.list_tags(Resource=resource)
    assert observed(e) == not_found(message)
    for bad in (resource + ":alias", resource.replace(":event-source-mapping:", ":foobar:")):
        with pytest.raises(ClientError) as e:
            lam.list_tags(Resource=bad)
        assert observed(e) == {
            "Code": "ValidationException",
            "Message": f"1 validation error detected: Value '{bad}' at 'resource' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {TAG_ARN_PATTERN}",
            "Status": 400,
            "Type": None,
            "BodyKey": None,
        }


def test_deleting_the_function_leaves_the_mapping(lam, sqs, mappings):
    # api: TestLambdaEventSourceMappings::test_event_source_mapping_lifecycle_delete_function / delete_function_response
    # (204), get_response_post_delete (200, Enabled, same FunctionArn), delete_response (202, Deleting)
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, BatchSize=1)
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    assert lam.delete_function(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)
    after = lam.get_event_source_mapping(UUID=out["UUID"])
    assert after["ResponseMetadata"]["HTTPStatusCode"] == 200
    check_esm(after, function_arn=FN + name, queue_arn=arn, state="Enabled", batch_size=1)
    assert [m["UUID"] for m in lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]] == [out["UUID"]]
    deleted = lam.delete_event_source_mapping(UUID=out["UUID"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["State"] == "Deleting"


# ------------------------------------------------------------------ the poller, end to end


def check_record(record, *, queue_arn, sent, body, fifo=False):
    assert set(record) - {"md5OfMessageAttributes"} == RECORD_KEYS - {"md5OfMessageAttributes"}
    assert record["messageId"] == sent["MessageId"]
    assert isinstance(record["receiptHandle"], str) and record["receiptHandle"]
    assert record["body"] == body
    assert record["md5OfBody"] == md5(body) == sent["MD5OfMessageBody"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue_arn
    assert record["awsRegion"] == REGION
    attrs = record["attributes"]
    assert set(attrs) == (FIFO_RECORD_ATTRIBUTES if fifo else RECORD_ATTRIBUTES)
    assert attrs["SenderId"] and isinstance(attrs["SenderId"], str)
    for key in ("SentTimestamp", "ApproximateFirstReceiveTimestamp"):
        assert attrs[key].isdigit() and abs(int(attrs[key]) / 1000 - time.time()) < 600, (key, attrs[key])
    assert int(attrs["ApproximateFirstReceiveTimestamp"]) >= int(attrs["SentTimestamp"]) - 1000


def test_event_record_shape(server, lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_sqs_event_source_mapping / create-event-source-mapping-response, events
    # (one record, md5OfMessageAttributes null without attributes, the queue empty after);
    # sqs: test_message_body_and_attributes_passed_correctly / first_attempt (messageAttributes in the event's
    # lower-case form with empty stringListValues/binaryListValues, md5OfMessageAttributes d25a6a...);
    # events/example-sqs-event.json (binaryValue in base64)
    name = make_function(lam)
    url, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, MaximumBatchingWindowInSeconds=1)
    mappings.append(out["UUID"])
    check_esm(out, function_arn=FN + name, queue_arn=arn, state="Creating", window=1)
    wait_state(lam, out["UUID"])

    plain_body = json.dumps({"foo": "bar"})
    plain = sqs.send_message(QueueUrl=url, MessageBody=plain_body)
    book = {
        "Title": {"DataType": "String", "StringValue": "The Whistler"},
        "Author": {"DataType": "String", "StringValue": "John Grisham"},
        "WeeksOn": {"DataType": "Number", "StringValue": "6"},
    }
    book_body = json.dumps({"destination": "x", "fail_attempts": 0})
    with_attrs = sqs.send_message(QueueUrl=url, MessageBody=book_body, MessageAttributes=book)
    blob = {"Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01binary\xff"}}
    blob_sent = sqs.send_message(QueueUrl=url, MessageBody="blob", MessageAttributes=blob)

    wait_until(lambda: len(records(server, name)) >= 3, what="three records")
    for inv in invocations(server, name):
        assert set(inv["event"]) == {"Records"}
    by_id = {r["messageId"]: r for r in records(server, name)}
    assert len(by_id) == 3

    r = by_id[plain["MessageId"]]
    check_record(r, queue_arn=arn, sent=plain, body=plain_body)
    assert r["messageAttributes"] == {}
    assert r.get("md5OfMessageAttributes") is None
    assert r["attributes"]["ApproximateReceiveCount"] == "1"

    r = by_id[with_attrs["MessageId"]]
    check_record(r, queue_arn=arn, sent=with_attrs, body=book_body)
    assert r["messageAttributes"] == {
        "Title": {"stringValue": "The Whistler", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "Author": {"stringValue": "John Grisham", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "WeeksOn": {"stringValue": "6", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
    }
    assert r["md5OfMessageAttributes"] == "d25a6aea97eb8f585bfa92d314504a92" == with_attrs["MD5OfMessageAttributes"]

    r = by_id[blob_sent["MessageId"]]
    check_record(r, queue_arn=arn, sent=blob_sent, body="blob")
    assert r["messageAttributes"] == {
        "Blob": {
            "binaryValue": base64.b64encode(b"\x00\x01binary\xff").decode(),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        }
    }
    assert r["md5OfMessageAttributes"] == md5_of_attributes(blob) == blob_sent["MD5OfMessageAttributes"]

    # Every message was deleted after the successful invocation.
    wait_until(lambda: in_queue(sqs, url) == 0, what="the queue to be empty")


def test_every_message_is_processed_once_and_deleted(server, lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_sqs_event_source_mapping_batch_size[15] / Records (all 15 arrive, each once);
    # AWS docs, CreateEventSourceMapping BatchSize: at most BatchSize records per invocation.
    name = make_function(lam)
    url, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=4)
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    bodies = [f"{i}-message" for i in range(25)]
    for start in range(0, 25, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": bodies[i]} for i in range(start, min(start + 10, 25))]
        )
    wait_until(lambda: len(records(server, name)) >= 25, what="all 25 records")
    wait_until(lambda: in_queue(sqs, url) == 0, what="the queue to be empty")
    time.sleep(1)
    got = records(server, name)
    assert sorted(r["body"] for r in got) == sorted(bodies)
    assert all(1 <= len(inv["event"]["Records"]) <= 4 for inv in invocations(server, name))
    assert all(r["attributes"]["ApproximateReceiveCount"] == "1" for r in got)


def test_failed_invocation_retries_after_the_visibility_timeout(server, lam, sqs, mappings):
    # sqs: test_failing_lambda_retries_after_visibility_timeout / first_attempt, second_attempt (same messageId,
    # new receiptHandle, ApproximateReceiveCount 1 then 2, no sooner than the visibility timeout; deleted after)
    name = make_function(lam, mode="raise")
    url, arn = make_queue(sqs, VisibilityTimeout="2")
    dlq_url, dlq_arn = make_queue(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})})
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=1)
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    body = json.dumps({"destination": "none", "fail_attempts": 1})
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    wait_until(lambda: len(invocations(server, name)) >= 2, what="the retry")
    wait_until(lambda: in_queue(sqs, url) == 0, what="the message to be deleted")
    time.sleep(2.5)
    runs = invocations(server, name)
    assert len(runs) == 2
    first, second = (inv["event"]["Records"][0] for inv in runs)
    for record, count in ((first, "1"), (second, "2")):
        check_record(record, queue_arn=arn, sent=sent, body=body)
        assert record["attributes"]["ApproximateReceiveCount"] == count
    assert first["receiptHandle"] != second["receiptHandle"]
    assert first["attributes"]["ApproximateFirstReceiveTimestamp"] == second["attributes"]["ApproximateFirstReceiveTimestamp"]
    assert runs[1]["at"] - runs[0]["at"] >= 1.5
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url)


def test_failing_message_lands_in_the_dead_letter_queue(server, lam, sqs, mappings):
    # sqs: test_redrive_policy_with_failing_lambda / first_attempt, second_attempt, dlq_response (the DLQ is empty
    # after the first failure; after maxReceiveCount failures the message, same MessageId and body, is in the DLQ)
    name = make_function(lam, mode="raise")
    dlq_url, dlq_arn = make_queue(sqs)
    url, arn = make_queue(
        sqs, VisibilityTimeout="2", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    )
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=1)
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    body = json.dumps({"destination": "none", "fail_attempts": 2})
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    wait_until(lambda: len(invocations(server, name)) >= 1, what="the first attempt")
    assert in_queue(sqs, dlq_url) == 0
    moved = wait_until(lambda: drain(sqs, dlq_url, 1, timeout=1), timeout=30, what="the message in the DLQ")
    assert [(m["MessageId"], m["Body"], m["MD5OfBody"]) for m in moved] == [(sent["MessageId"], body, md5(body))]
    assert moved[0]["Attributes"]["DeadLetterQueueSourceArn"] == arn
    assert in_queue(sqs, url) == 0
    time.sleep(2.5)
    counts_seen = [inv["event"]["Records"][0]["attributes"]["ApproximateReceiveCount"] for inv in invocations(server, name)]
    assert counts_seen == ["1", "2"]


def test_report_batch_item_failures(server, lam, sqs, mappings):
    # sqs: test_report_batch_item_failures / create_event_source_mapping, first_invocation, second_invocation,
    # dlq_response: only the listed messages come back; the rest of the batch is deleted.
    name = make_function(lam, mode="report")
    dlq_url, dlq_arn = make_queue(sqs)
    url, arn = make_queue(
        sqs, VisibilityTimeout="2", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    )
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        BatchSize=10,
        MaximumBatchingWindowInSeconds=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        Enabled=False,
    )
    mappings.append(out["UUID"])
    plan = {1: 0, 2: 1, 3: 1, 4: 2}
    sent = {}
    for i, fails in plan.items():
        sent[i] = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"message": i, "fail_attempts": fails}))["MessageId"]
    lam.update_event_source_mapping(UUID=out["UUID"], Enabled=True)

    moved = wait_until(lambda: drain(sqs, dlq_url, 1, timeout=1), timeout=40, what="message 4 in the DLQ")
    assert [m["MessageId"] for m in moved] == [sent[4]]
    wait_until(lambda: in_queue(sqs, url) == 0, what="the source queue to be empty")
    time.sleep(2.5)
    seen = {}
    for r in records(server, name):
        seen.setdefault(r["messageId"], []).append(r["attributes"]["ApproximateReceiveCount"])
    assert seen == {sent[1]: ["1"], sent[2]: ["1", "2"], sent[3]: ["1", "2"], sent[4]: ["1", "2"]}
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url)


def test_malformed_batch_item_failures_fail_the_whole_batch(server, lam, sqs, mappings):
    # sqs: test_report_batch_item_failures_invalid_result_json_batch_fails / first_invocation, second_invocation,
    # dlq_response ({"batchItemFailures": [{"foo": "notvalid"}]}: the message is retried, then dead-lettered)
    name = make_function(lam, mode="fixed", RESULT='{"batchItemFailures": [{"foo":"notvalid"}]}')
    dlq_url, dlq_arn = make_queue(sqs)
    url, arn = make_queue(
        sqs, VisibilityTimeout="2", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    )
    out = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=10, MaximumBatchingWindowInSeconds=0, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    body = json.dumps({"message": 1, "fail_attempts": 0})
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    moved = wait_until(lambda: drain(sqs, dlq_url, 1, timeout=1), timeout=40, what="the message in the DLQ")
    assert [(m["MessageId"], m["Body"]) for m in moved] == [(sent["MessageId"], body)]
    counts_seen = [r["attributes"]["ApproximateReceiveCount"] for r in records(server, name)]
    assert counts_seen == ["1", "2"]


def test_empty_object_answer_is_success(server, lam, sqs, mappings):
    # sqs: test_report_batch_item_failures_empty_json_batch_succeeds / first_invocation (and the DLQ stays empty)
    name = make_function(lam, mode="fixed", RESULT="{}")
    dlq_url, dlq_arn = make_queue(sqs)
    url, arn = make_queue(
        sqs, VisibilityTimeout="2", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    )
    out = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=10, MaximumBatchingWindowInSeconds=0, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"message": 1, "fail_attempts": 0}))
    wait_until(lambda: records(server, name), what="the invocation")
    wait_until(lambda: in_queue(sqs, url) == 0, what="the message to be deleted")
    time.sleep(3)
    assert len(records(server, name)) == 1
    assert in_queue(sqs, dlq_url) == 0


def test_function_error_with_report_batch_item_failures_fails_the_batch(server, lam, sqs, mappings):
    # sqs: test_report_batch_item_failures_on_lambda_error / dlq_messages: the function raised on one record, both
    # records of the batch were retried and dead-lettered.
    name = make_function(lam, mode="report")
    dlq_url, dlq_arn = make_queue(sqs)
    url, arn = make_queue(
        sqs, VisibilityTimeout="2", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    )
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "message-1", "MessageBody": "{not a json body"},
            {"Id": "message-2", "MessageBody": json.dumps({"message": 2, "fail_attempts": 0})},
        ],
    )
    wait_until(lambda: in_queue(sqs, url) == 2, timeout=5, what="both messages")
    out = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    mappings.append(out["UUID"])
    moved = []
    wait_until(lambda: moved.extend(drain(sqs, dlq_url, 1, timeout=1)) or len(moved) >= 2, timeout=40, what="both in the DLQ")
    assert sorted(m["Body"] for m in moved) == sorted(["{not a json body", json.dumps({"message": 2, "fail_attempts": 0})])
    runs = invocations(server, name)
    assert all(len(inv["event"]["Records"]) == 2 for inv in runs)


FILTER_CASES = [
    # sqs: TestSQSEventSourceMapping::test_sqs_event_filter[...] / create_event_source_mapping_response, invocation_events
    pytest.param({"body": {"my-key": ["my-value"]}}, {"my-key": "my-value"}, {"my-key": "other-value"}, id="single"),
    pytest.param(
        {"body": {"my-key": ["my-value-one", "my-value-two"]}}, {"my-key": "my-value-two"}, {"my-key": "other-value"}, id="or"
    ),
    pytest.param(
        {"body": {"my-key-one": ["other-filter", "my-value-one"], "my-key-two": ["my-value-two"]}},
        {"my-key-one": "my-value-one", "my-key-two": "my-value-two"},
        {"my-key-one": "other-value-", "my-key-two": "my-value-two"},
        id="and",
    ),
    pytest.param({"body": {"my-key": [{"exists": True}]}}, {"my-key": "any-value-one"}, {"other-key": "any-value-two"}, id="exists"),
    pytest.param({"body": {"my-number": [{"numeric": [">", 100]}]}}, {"my-number": 101}, {"my-number": 100}, id="numeric-bigger"),
    pytest.param(
        {"body": {"my-number": [{"numeric": [">=", 100, "<", 200]}]}}, {"my-number": 100}, {"my-number": 200}, id="numeric-range"
    ),
    pytest.param({"body": {"my-key": [{"prefix": "yes"}]}}, {"my-key": "yes-value"}, {"my-key": "no-value"}, id="prefix"),
    pytest.param({"body": {"my-key": ["my-value"]}}, {"my-key": "my-value"}, "plain-string", id="valid-json-filter"),
]


@pytest.mark.parametrize("pattern, matching, not_matching", FILTER_CASES)
def test_filter_criteria(server, lam, sqs, mappings, pattern, matching, not_matching):
    # The messages are queued before the mapping exists (as recorded); the one that doesn't match is deleted
    # without invoking the function.
    name = make_function(lam)
    url, arn = make_queue(sqs)
    good = sqs.send_message(QueueUrl=url, MessageBody=json.dumps(matching))
    sqs.send_message(QueueUrl=url, MessageBody=not_matching if isinstance(not_matching, str) else json.dumps(not_matching))
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        MaximumBatchingWindowInSeconds=1,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    mappings.append(out["UUID"])
    wait_until(lambda: records(server, name), what="the matching record")
    wait_until(lambda: in_queue(sqs, url) == 0, what="both messages to be gone")
    time.sleep(1.5)
    runs = invocations(server, name)
    assert len(runs) == 1
    assert [(r["messageId"], r["body"]) for r in runs[0]["event"]["Records"]] == [(good["MessageId"], json.dumps(matching))]


def test_fifo_order_within_a_group(server, lam, sqs, mappings):
    # AWS docs, "Using Lambda with Amazon SQS" (FIFO: in order within a message group);
    # sqs: test_report_batch_item_failures / first_invocation (the FIFO record's attributes)
    name = make_function(lam)
    url, arn = make_queue(sqs, fifo=True, VisibilityTimeout="10")
    sent = {}
    for i in range(6):
        for group in ("a", "b"):
            body = f"{group}{i}"
            sent[body] = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=f"dedup-{body}")
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=3)
    mappings.append(out["UUID"])
    check_esm(out, function_arn=FN + name, queue_arn=arn, state="Creating", batch_size=3)
    wait_until(lambda: len(records(server, name)) >= 12, what="all twelve records")
    wait_until(lambda: in_queue(sqs, url) == 0, what="the queue to be empty")
    got = records(server, name)
    assert len(got) == 12
    for group in ("a", "b"):
        assert [r["body"] for r in got if r["body"].startswith(group)] == [f"{group}{i}" for i in range(6)]
    for r in got:
        check_record(r, queue_arn=arn, sent=sent[r["body"]], body=r["body"], fifo=True)
        assert r["attributes"]["MessageGroupId"] == r["body"][0]
        assert r["attributes"]["MessageDeduplicationId"] == f"dedup-{r['body']}"
        assert r["attributes"]["SequenceNumber"] == sent[r["body"]]["SequenceNumber"]
    for inv in invocations(server, name):
        assert 1 <= len(inv["event"]["Records"]) <= 3


def test_disabled_mapping_leaves_the_queue_alone(server, lam, sqs, mappings):
    # sqs: test_fifo_message_group_parallelism / create_esm_disabled, update_esm_enabling, get_esm_enabled
    name = make_function(lam)
    url, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, Enabled=False, BatchSize=1)
    mappings.append(out["UUID"])
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    time.sleep(3)
    assert invocations(server, name) == []
    assert in_queue(sqs, url) == 1
    lam.update_event_source_mapping(UUID=out["UUID"], Enabled=True)
    wait_until(lambda: records(server, name), what="the record after enabling")
    assert [r["body"] for r in records(server, name)] == ["waiting"]
    wait_until(lambda: in_queue(sqs, url) == 0, what="the queue to be empty")

    # Deleted: no more polling.
    lam.delete_event_source_mapping(UUID=out["UUID"])
    wait_gone(lam, out["UUID"])
    sqs.send_message(QueueUrl=url, MessageBody="after delete")
    time.sleep(3)
    assert [r["body"] for r in records(server, name)] == ["waiting"]
    assert in_queue(sqs, url) == 1


def test_mapping_invokes_the_version_it_names(server, lam, sqs, mappings):
    # sqs: TestSQSEventSourceMapping::test_sqs_event_source_mapping_update / events (function_version "1",
    # CUSTOM_VAR "a"), updated_esm, events_postupdate (then version "2", CUSTOM_VAR "b")
    name = make_function(lam, CUSTOM_VAR="a")
    v1 = lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MODE": "ok", "CUSTOM_VAR": "b"}})
    v2 = lam.publish_version(FunctionName=name)
    url, arn = make_queue(sqs)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=v1["FunctionArn"], MaximumBatchingWindowInSeconds=1)
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar"}))
    wait_until(lambda: len(invocations(server, name)) >= 1, what="the first invocation")
    updated = lam.update_event_source_mapping(UUID=out["UUID"], FunctionName=v2["FunctionArn"])
    assert (updated["FunctionArn"], updated["State"]) == (v2["FunctionArn"], "Updating")
    wait_state(lam, out["UUID"])
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar2"}))
    wait_until(lambda: len(invocations(server, name)) >= 2, what="the second invocation")
    runs = [(inv["version"], inv["var"], inv["event"]["Records"][0]["body"]) for inv in invocations(server, name)]
    assert runs == [("1", "a", json.dumps({"foo": "bar"})), ("2", "b", json.dumps({"foo": "bar2"}))]

"""Helpers shared by test_kinesis_esm.py and test_dynamodb_streams_esm.py:
the stream mapping's recorded key set, error comparison, polling with a
deadline, reading what a function printed from its log in the server's data
directory (as test_event_source_mappings.py does), and the destination
payload checks. Facts are cited from docs/streams-esm-recorded.md."""

import datetime
import json
import re
import time
import uuid
from pathlib import Path

ACCOUNT = "000000000000"
REGION = "us-east-1"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
ESM_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"  # conftest.ROLE

# kin: test_create_kinesis_event_source_mapping / create_event_source_mapping_response;
# api: test_create_event_filter_criteria_validation / response-with-empty-filters (DynamoDB): the same keys.
STREAM_ESM_KEYS = {
    "BatchSize",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "EventSourceArn",
    "EventSourceMappingArn",
    "FunctionArn",
    "FunctionResponseTypes",
    "LastModified",
    "LastProcessingResult",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "StartingPosition",
    "State",
    "StateTransitionReason",
    "TumblingWindowInSeconds",
    "UUID",
}

# The destination body in the order AWS writes it (kin: ..._with_on_failure_destination_config / sqs_payload).
DESTINATION_KEYS = ["requestContext", "responseContext", "version", "timestamp"]
BATCH_INFO_KEYS = [
    "shardId",
    "startSequenceNumber",
    "endSequenceNumber",
    "approximateArrivalOfFirstRecord",
    "approximateArrivalOfLastRecord",
    "batchSize",
    "streamArn",
]
MILLIS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # 2022-07-13T13:48:01.000Z
SECONDS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # 2022-07-13T13:48:01Z (DDBStreamBatchInfo)


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


def observed(excinfo):
    """What the error answer carried; see test_event_source_mappings.py."""
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


def validation(message):
    # api: test_create_event_source_validation / invalid_starting_position: no Type, no message key.
    return {"Code": "ValidationException", "Message": message, "Status": 400, "Type": None, "BodyKey": None}


def conflict(message):
    return {"Code": "ResourceConflictException", "Message": message, "Status": 409, "Type": "User", "BodyKey": "message"}


MISSING_STARTING_POSITION = (
    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."
)
INVALID_STARTING_POSITION = (
    "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: "
    "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"
)


def duplicate_message(source_arn, function_name, existing_uuid):
    # kin/ddb: test_duplicate_event_source_mappings / error (note the spaces inside the quotes)
    return (
        f'The event source arn (" {source_arn} ") and function (" {function_name} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {existing_uuid}"
    )


def check_stream_esm(
    esm,
    *,
    function_arn,
    source_arn,
    state,
    starting_position,
    batch_size=100,
    window=0,
    retries=-1,
    max_age=-1,
    bisect=False,
    parallelization=1,
    tumbling=0,
    response_types=(),
    on_failure=None,
    last_result="No records processed",
    extra=(),
):
    assert set(esm) - {"ResponseMetadata"} == STREAM_ESM_KEYS | set(extra)
    assert esm["BatchSize"] == batch_size
    assert esm["BisectBatchOnFunctionError"] is bisect
    assert esm["DestinationConfig"] == ({"OnFailure": {"Destination": on_failure}} if on_failure else {"OnFailure": {}})
    assert esm["EventSourceArn"] == source_arn
    assert esm["FunctionArn"] == function_arn
    assert esm["FunctionResponseTypes"] == list(response_types)
    assert esm["LastProcessingResult"] == last_result
    assert esm["MaximumBatchingWindowInSeconds"] == window
    assert esm["MaximumRecordAgeInSeconds"] == max_age
    assert esm["MaximumRetryAttempts"] == retries
    assert esm["ParallelizationFactor"] == parallelization
    assert esm["StartingPosition"] == starting_position
    assert esm["State"] == state
    assert esm["StateTransitionReason"] == "User action"
    assert esm["TumblingWindowInSeconds"] == tumbling
    assert str(uuid.UUID(esm["UUID"])) == esm["UUID"]
    assert esm["EventSourceMappingArn"] == ESM_ARN + esm["UUID"]
    assert isinstance(esm["LastModified"], datetime.datetime)
    assert abs(esm["LastModified"].timestamp() - time.time()) < 600


# ------------------------------------------------------------------ what functions printed


def log_messages(server, name):
    group_dir = Path(server.data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    text = "".join(f.read_text() for f in sorted(group_dir.glob("*.jsonl"))) if group_dir.exists() else ""
    return [json.loads(line)["message"] for line in text.splitlines() if line.strip()]


def invocations(server, name):
    """Per invocation, in the order they started: {"event": <the event>, "at": <time>} as the
    function printed it. Several environments write several log streams, so the order is
    the printed start time's, not the files'."""
    found = [json.loads(m.split("RECORD ", 1)[1]) for m in log_messages(server, name) if m.startswith("RECORD ")]
    return sorted(found, key=lambda inv: inv["at"])


def records(server, name):
    return [r for inv in invocations(server, name) for r in inv["event"].get("Records", [])]


# ------------------------------------------------------------------ destinations


def receive_all(sqs, url, n, timeout=60):
    """At least n messages from the queue (deleted as read), within the deadline."""
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in out.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert len(got) >= n, f"expected {n} destination messages, got {len(got)}"
    return got


def make_queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def check_failure_payload(
    body,
    *,
    function_arn,
    info_key,
    stream_arn,
    shard_id,
    start_seq,
    end_seq,
    batch_size,
    invoke_count,
    function_error,
    condition="RetryAttemptsExhausted",
    arrival_format=MILLIS_Z,
):
    """kin: test_kinesis_event_source_mapping_with_on_failure_destination_config / sqs_payload;
    ddb: test_dynamodb_event_source_mapping_with_on_failure_destination_config / destination_queue_messages."""
    if condition == "RecordAgeExceeded":
        # kin: test_kinesis_maximum_record_age_exceeded[*]: no responseContext at all.
        assert list(body) == ["requestContext", "version", "timestamp", info_key]
    else:
        assert list(body) == DESTINATION_KEYS + [info_key]
        assert body["responseContext"] == {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": function_error,
        }
        assert list(body["responseContext"]) == ["statusCode", "executedVersion", "functionError"]
    rc = body["requestContext"]
    assert list(rc) == ["requestId", "functionArn", "condition", "approximateInvokeCount"]
    assert str(uuid.UUID(rc["requestId"])) == rc["requestId"]
    assert rc["functionArn"] == function_arn
    assert rc["condition"] == condition
    if invoke_count is not None:
        assert rc["approximateInvokeCount"] == invoke_count
    assert body["version"] == "1.0"
    assert MILLIS_Z.match(body["timestamp"]), body["timestamp"]
    stamp = datetime.datetime.strptime(body["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert abs(stamp.timestamp() - time.time()) < 600
    info = body[info_key]
    assert list(info) == BATCH_INFO_KEYS
    assert info["shardId"] == shard_id
    assert info["startSequenceNumber"] == start_seq
    assert info["endSequenceNumber"] == end_seq
    assert info["batchSize"] == batch_size
    assert info["streamArn"] == stream_arn
    for k in ("approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"):
        assert arrival_format.match(info[k]), (k, info[k])
    assert info["approximateArrivalOfFirstRecord"] <= info["approximateArrivalOfLastRecord"]

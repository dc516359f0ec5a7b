"""DynamoDB Streams as an event source. lambdalite does not host DynamoDB: it
reads the stream of a user's DynamoDB-compatible server, given with
`lambdalite serve --dynamodb-endpoint URL`. Here that server is moto's
standalone server (`pip install moto[server]`), started with
MOTO_ACCOUNT_ID=000000000000 so its ARNs carry lambdalite's account; the
module is skipped when moto is not installed.

Facts, and the snapshot each comes from, are in docs/streams-esm-recorded.md:
"ddb: test / key" is tests/aws/services/lambda_/event_source_mapping/
test_lambda_integration_dynamodbstreams.snapshot.json, "api: test / key"
test_lambda_api.snapshot.json. Functions print their events ("RECORD " +
JSON) and the tests read them from the function's log in the server's data
directory. A stream shard is processed in order, so "nothing else arrived"
is checked by waiting for a later record rather than by sleeping.
"""

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import PY_ECHO, Server, create, free_port, make_zip, unique
from streams_helpers import (
    ACCOUNT,
    FN,
    INVALID_STARTING_POSITION,
    MISSING_STARTING_POSITION,
    REGION,
    SECONDS_Z,
    check_failure_payload,
    check_stream_esm,
    conflict,
    duplicate_message,
    invocations,
    ipve,
    make_queue,
    observed,
    receive_all,
    records,
    validation,
    wait_state,
    wait_until,
)

# The raw key order (ddb: test_dynamodb_event_source_mapping / event_logs).
RECORD_ORDER = ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb", "eventSourceARN"]
DYNAMODB_ORDER = ["ApproximateCreationDateTime", "Keys", "NewImage", "OldImage", "SequenceNumber", "SizeBytes", "StreamViewType"]

# MODE ok: succeed; raise: raise if a record's NewImage has fail = BOOL true; report: answer, by
# dynamodb.SequenceNumber, the records whose NewImage.fail_if_first.S is the id of the batch's first record.
HANDLER = r"""
import json, os, time

def _new(record):
    return record.get("dynamodb", {}).get("NewImage") or {}

def handler(event, context):
    print("RECORD " + json.dumps({"event": event, "at": time.time()}))
    mode = os.environ.get("MODE", "ok")
    recs = event.get("Records") or []
    if mode == "raise" and any(_new(r).get("fail") == {"BOOL": True} for r in recs):
        raise RuntimeError("failing record")
    if mode == "report":
        first = recs[0]["dynamodb"]["Keys"]["id"]["S"] if recs else None
        failed = [r for r in recs if _new(r).get("fail_if_first") == {"S": first}]
        return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed]}
    return None
"""


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    pytest.importorskip("moto", reason="moto[server] is not installed")
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    port = free_port()
    exe = shutil.which("moto_server")
    cmd = [exe] if exe else [sys.executable, "-m", "moto.server"]
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "ab")
    env = dict(os.environ, MOTO_ACCOUNT_ID=ACCOUNT)
    proc = subprocess.Popen(cmd + ["-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log, env=env)

    def listening():
        assert proc.poll() is None, "moto_server exited; see moto.log"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_until(listening, timeout=30, what="moto_server to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def ddb_server(moto_endpoint, tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("ddb-esm"), extra_args=["--dynamodb-endpoint", moto_endpoint]).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def lam(ddb_server):
    return ddb_server.client("lambda")


@pytest.fixture(scope="module")
def sqs(ddb_server):
    return ddb_server.client("sqs")


@pytest.fixture(scope="module")
def ddb(moto_endpoint):
    return boto3.client(
        "dynamodb",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def mappings(lam):
    made = []
    yield made
    for u in made:
        try:
            lam.delete_event_source_mapping(UUID=u)
        except ClientError:
            pass


def make_table(ddb, view="NEW_AND_OLD_IMAGES"):
    name = unique("table")
    out = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    arn = out["TableDescription"]["LatestStreamArn"]
    assert arn.startswith(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/")
    wait_until(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE", what="the table")
    return name, arn


def make_function(lam, mode="ok"):
    name = unique("dfn")
    create(lam, name, zip_bytes=make_zip({"app.py": HANDLER}), Timeout=3, Environment={"Variables": {"MODE": mode}})
    return name


def key_ids(server, name):
    """Per invocation, the id key of each record."""
    return [[r["dynamodb"]["Keys"]["id"]["S"] for r in inv["event"]["Records"]] for inv in invocations(server, name)]


def all_ids(server, name):
    return [i for b in key_ids(server, name) for i in b]


# ------------------------------------------------------------------ the control plane


def test_create_defaults_and_validation(ddb_server, lam, ddb, mappings):
    # ddb: test_deletion_event_source_mapping_with_dynamodb / create_event_source_mapping_result (defaults: the same
    # keys and values as Kinesis), list_event_source_mapping_result (Enabled);
    # api: test_create_event_source_validation / no_starting_position, invalid_starting_position,
    # incompatible_starting_position (AT_TIMESTAMP); ddb: test_esm_with_not_existing_dynamodb_stream / error;
    # ddb: test_duplicate_event_source_mappings / error (409).
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_table(ddb)

    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)
    assert observed(e) == ipve(MISSING_STARTING_POSITION)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="invalid")
    assert observed(e) == validation(INVALID_STARTING_POSITION)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(
            FunctionName=name,
            EventSourceArn=arn,
            StartingPosition="AT_TIMESTAMP",
            StartingPositionTimestamp=datetime.datetime.fromtimestamp(1741010802, datetime.timezone.utc),
        )
    assert observed(e) == ipve(f"Unsupported starting position for arn type: {arn}")
    missing = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{unique('test-table')}/stream/2025-02-22T03:03:25.490"
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=missing, StartingPosition="TRIM_HORIZON")
    assert observed(e) == ipve(f"Stream not found: {missing}")
    assert lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []

    out = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    mappings.append(out["UUID"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    common = dict(function_arn=FN + name, source_arn=arn, starting_position="TRIM_HORIZON")
    check_stream_esm(out, state="Creating", **common)
    check_stream_esm(wait_state(lam, out["UUID"]), state="Enabled", **common)
    [listed] = lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    check_stream_esm(listed, state="Enabled", **common)

    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="LATEST")
    assert observed(e) == conflict(duplicate_message(arn, name, out["UUID"]))


# ------------------------------------------------------------------ delivery


def test_insert_modify_remove_arrive_in_order(ddb_server, lam, ddb, mappings):
    # ddb: test_dynamodb_event_source_mapping / event_logs (INSERT shape, eventVersion 1.1, B in base64);
    # ddb: test_dynamodb_event_filter[content_or_filter] / lambda-multiple-log-events (MODIFY with NewImage and
    # OldImage); docs (DynamoDB Streams StreamRecord): REMOVE carries Keys and OldImage, no NewImage.
    name = make_function(lam)
    table, arn = make_table(ddb)
    out = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", BatchSize=10, MaximumBatchingWindowInSeconds=1
    )
    mappings.append(out["UUID"])
    check_stream_esm(
        out, function_arn=FN + name, source_arn=arn, state="Creating", starting_position="TRIM_HORIZON", batch_size=10, window=1
    )
    wait_state(lam, out["UUID"])

    first = {"id": {"S": "k1"}, "n": {"N": "1"}, "blob": {"B": b"\x00\x01binary"}}
    ddb.put_item(TableName=table, Item=first)
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": "k1"}},
        UpdateExpression="SET n = :n, s = :s",
        ExpressionAttributeValues={":n": {"N": "2"}, ":s": {"S": "world"}},
    )
    ddb.delete_item(TableName=table, Key={"id": {"S": "k1"}})

    wait_until(lambda: len(records(ddb_server, name)) >= 3, what="three stream records")
    got = records(ddb_server, name)
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
    for inv in invocations(ddb_server, name):
        assert set(inv["event"]) == {"Records"}

    image1 = {"id": {"S": "k1"}, "n": {"N": "1"}, "blob": {"B": "AAFiaW5hcnk="}}
    image2 = {"id": {"S": "k1"}, "n": {"N": "2"}, "blob": {"B": "AAFiaW5hcnk="}, "s": {"S": "world"}}
    expected = [(image1, None), (image2, image1), (None, image2)]
    sequence = []
    for r, (new, old) in zip(got, expected):
        assert list(r) == RECORD_ORDER
        assert r["eventVersion"] == "1.1"
        assert r["eventSource"] == "aws:dynamodb"
        assert r["awsRegion"] == REGION
        assert r["eventSourceARN"] == arn
        assert isinstance(r["eventID"], str) and r["eventID"]
        d = r["dynamodb"]
        assert list(d) == [k for k in DYNAMODB_ORDER if (k != "NewImage" or new) and (k != "OldImage" or old)]
        assert d["Keys"] == {"id": {"S": "k1"}}
        assert d.get("NewImage") == new
        assert d.get("OldImage") == old
        assert d["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(d["SizeBytes"], int) and d["SizeBytes"] > 0
        # docs (events/example-dynamodb-event.json): epoch seconds as a JSON number.
        created = d["ApproximateCreationDateTime"]
        assert isinstance(created, (int, float)) and not isinstance(created, bool)
        assert abs(created - datetime.datetime.now().timestamp()) < 600
        assert isinstance(d["SequenceNumber"], str) and d["SequenceNumber"].isdigit()
        sequence.append(int(d["SequenceNumber"]))
    assert sequence == sorted(sequence) and len(set(sequence)) == 3
    wait_until(lambda: lam.get_event_source_mapping(UUID=out["UUID"])["LastProcessingResult"] == "OK", what="OK")


def test_new_image_view_and_latest(ddb_server, lam, ddb, mappings):
    # ddb: test_dynamodb_event_source_mapping / event_logs (NEW_IMAGE view: NewImage only);
    # docs: LATEST starts after the newest record (the item written before the mapping is not delivered).
    name = make_function(lam)
    table, arn = make_table(ddb, view="NEW_IMAGE")
    ddb.put_item(TableName=table, Item={"id": {"S": "before"}})
    out = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="LATEST", BatchSize=1)
    mappings.append(out["UUID"])
    wait_state(lam, out["UUID"])
    ddb.put_item(TableName=table, Item={"id": {"S": "after"}, "v": {"S": "x"}})
    ddb.update_item(
        TableName=table, Key={"id": {"S": "after"}}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "y"}}
    )
    wait_until(lambda: len(records(ddb_server, name)) >= 2, what="two records")
    got = records(ddb_server, name)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in got] == [("INSERT", "after"), ("MODIFY", "after")]
    for r, v in zip(got, ("x", "y")):
        assert r["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
        assert r["dynamodb"]["NewImage"] == {"id": {"S": "after"}, "v": {"S": v}}
        assert "OldImage" not in r["dynamodb"]


def test_filter_on_event_name(ddb_server, lam, ddb, mappings):
    # ddb: test_dynamodb_event_filter[insert_same_entry_twice] / create_event_source_mapping_response,
    # lambda-log-events: {"eventName": ["INSERT"]} delivers the INSERT only.
    name = make_function(lam)
    table, arn = make_table(ddb)
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "id2": {"S": "changed"}})
    ddb.delete_item(TableName=table, Key={"id": {"S": "a"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "b"}})
    out = lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
        FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]},
    )
    mappings.append(out["UUID"])
    check_stream_esm(
        out,
        function_arn=FN + name,
        source_arn=arn,
        state="Creating",
        starting_position="TRIM_HORIZON",
        batch_size=1,
        window=1,
        retries=1,
        extra={"FilterCriteria"},
    )
    wait_until(lambda: "b" in all_ids(ddb_server, name), what="the last INSERT")
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records(ddb_server, name)] == [("INSERT", "a"), ("INSERT", "b")]


# ------------------------------------------------------------------ failures


def test_exhausted_retries_go_to_the_sqs_destination(ddb_server, lam, ddb, sqs, mappings):
    # ddb: test_dynamodb_event_source_mapping_with_on_failure_destination_config / create_event_source_mapping_response,
    # destination_queue_messages (DDBStreamBatchInfo; approximateArrivalOf*Record without milliseconds;
    # approximateInvokeCount 2 with MaximumRetryAttempts 1); the shard moves on afterwards.
    name = make_function(lam, mode="raise")
    table, arn = make_table(ddb)
    url, queue_arn = make_queue(sqs, unique("ddest"))
    ddb.put_item(TableName=table, Item={"id": {"S": "bad"}, "fail": {"BOOL": True}})
    ddb.put_item(TableName=table, Item={"id": {"S": "ok"}})
    out = lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    mappings.append(out["UUID"])
    check_stream_esm(
        out,
        function_arn=FN + name,
        source_arn=arn,
        state="Creating",
        starting_position="TRIM_HORIZON",
        batch_size=1,
        window=1,
        retries=1,
        on_failure=queue_arn,
    )
    [message] = receive_all(sqs, url, 1)
    wait_until(lambda: "ok" in all_ids(ddb_server, name), what="the next record after the failure")
    assert key_ids(ddb_server, name) == [["bad"], ["bad"], ["ok"]]
    bad = records(ddb_server, name)[0]
    # The shard id as the stream itself reports it.
    stream = boto3.client(
        "dynamodbstreams",
        endpoint_url=ddb.meta.endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    shard = stream.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    check_failure_payload(
        json.loads(message["Body"]),
        function_arn=FN + name,
        info_key="DDBStreamBatchInfo",
        stream_arn=arn,
        shard_id=shard,
        start_seq=bad["dynamodb"]["SequenceNumber"],
        end_seq=bad["dynamodb"]["SequenceNumber"],
        batch_size=1,
        invoke_count=2,
        function_error="Unhandled",
        arrival_format=SECONDS_Z,
    )


def test_report_batch_item_failures_by_sequence_number(ddb_server, lam, ddb, mappings):
    # ddb: test_dynamodb_report_batch_item_failures (itemIdentifier is dynamodb.SequenceNumber; processing resumes at
    # the reported record, earlier records are not delivered again). Here i1 fails only while the batch starts at i0.
    name = make_function(lam, mode="report")
    table, arn = make_table(ddb)
    for i in range(4):
        item = {"id": {"S": f"i{i}"}}
        if i == 1:
            item["fail_if_first"] = {"S": "i0"}
        ddb.put_item(TableName=table, Item=item)
    out = lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    mappings.append(out["UUID"])
    wait_until(lambda: len(invocations(ddb_server, name)) >= 2, what="the retry")
    ddb.put_item(TableName=table, Item={"id": {"S": "sentinel"}})
    wait_until(lambda: "sentinel" in all_ids(ddb_server, name), what="the sentinel")
    assert key_ids(ddb_server, name) == [["i0", "i1", "i2", "i3"], ["i1", "i2", "i3"], ["sentinel"]]

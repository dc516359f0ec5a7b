"""Kinesis streams as an event source: CreateEventSourceMapping and friends on
a Kinesis stream ARN, and the poller that invokes functions with Kinesis's
event, checked against what AWS answered in LocalStack's parity snapshots.

The facts, and the snapshot each comes from, are in
docs/streams-esm-recorded.md. Each test names its source as
"kin: test / key" (tests/aws/services/lambda_/event_source_mapping/
test_lambda_integration_kinesis.snapshot.json), "api: test / key"
(test_lambda_api.snapshot.json), or "docs:" when the behaviour is only
documented by AWS (those tests assert only what the documentation states).

The functions print every event they get ("RECORD " + JSON) and the tests
read them back from the function's log in the server's data directory, as
test_event_source_mappings.py does. Records are put on the stream before
the mapping exists where batching matters, so batches are deterministic.
A shard is processed in order, so "nothing else was delivered" is checked
by waiting for a later record (a sentinel) instead of sleeping.
"""

import base64
import datetime
import json

import pytest
from botocore.exceptions import ClientError

from conftest import PY_ECHO, create, make_zip, unique
from streams_helpers import (
    ACCOUNT,
    FN,
    INVALID_STARTING_POSITION,
    MISSING_STARTING_POSITION,
    REGION,
    ROLE,
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

SHARD0 = "shardId-000000000000"
SHARD1 = "shardId-000000000001"
# The raw key order of a record as a function receives it
# (kin: test_kinesis_report_batch_item_success_scenarios[*] / kinesis_events).
RECORD_ORDER = ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn", "awsRegion", "eventSourceARN"]
KINESIS_ORDER = ["kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data", "approximateArrivalTimestamp"]

# MODE:
#   ok      succeed (return None)
#   raise   raise if a record fails (see failing())
#   report  answer the failing records in batchItemFailures, highest sequence number first
#   fixed   if a record fails answer json.loads(RESULT) (RESULT "RAISE": raise); else return None
#   window  tumbling window: add the batch's record count to state["count"]
# A record "fails" when its data is JSON with "fail": "always", or "fail_if_first": ID and the
# batch's first record has that "id".
HANDLER = r"""
import base64, json, os, time

def _parsed(record):
    try:
        return json.loads(base64.b64decode(record["kinesis"]["data"]))
    except Exception:
        return None

def handler(event, context):
    print("RECORD " + json.dumps({"event": event, "at": time.time()}))
    mode = os.environ.get("MODE", "ok")
    recs = event.get("Records") or []
    if mode == "window":
        state = event.get("state") or {}
        return {"state": {"count": str(int(state.get("count", "0")) + len(recs))}}
    parsed = [_parsed(r) for r in recs]
    first = parsed[0].get("id") if parsed and isinstance(parsed[0], dict) else None

    def failing(p):
        if not isinstance(p, dict):
            return False
        return p.get("fail") == "always" or ("fail_if_first" in p and p["fail_if_first"] == first)

    failed = [r for r, p in zip(recs, parsed) if failing(p)]
    if mode == "raise" and failed:
        raise RuntimeError("failing record")
    if mode == "report":
        failed.sort(key=lambda r: int(r["kinesis"]["sequenceNumber"]), reverse=True)
        return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in failed]}
    if mode == "fixed" and failed:
        if os.environ["RESULT"] == "RAISE":
            raise RuntimeError("failing record")
        return json.loads(os.environ["RESULT"])
    return None
"""


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="session")
def kinesis(server):
    return server.client("kinesis")


@pytest.fixture(scope="session")
def sqs(server):
    return server.client("sqs")


@pytest.fixture
def mappings(lam):
    made = []
    yield made
    for u in made:
        try:
            lam.delete_event_source_mapping(UUID=u)
        except ClientError:
            pass


@pytest.fixture
def streams(kinesis):
    made = []
    yield made
    for name in made:
        try:
            kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
        except ClientError:
            pass


def make_stream(kinesis, streams, shards=1):
    name = unique("stream")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    streams.append(name)
    summary = wait_until(
        lambda: (s := kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"])["StreamStatus"]
        == "ACTIVE"
        and s,
        what="the stream to be ACTIVE",
    )
    arn = summary["StreamARN"]
    assert arn == f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"
    return name, arn


def make_function(lam, mode="ok", **env):
    name = unique("kfn")
    create(lam, name, zip_bytes=make_zip({"app.py": HANDLER}), Timeout=3, Environment={"Variables": dict(env, MODE=mode)})
    return name


def put(kinesis, stream, data, key="pk", **kw):
    """Put one record; its (shard id, sequence number)."""
    if isinstance(data, dict):
        data = json.dumps(data).encode()
    out = kinesis.put_record(StreamName=stream, Data=data, PartitionKey=key, **kw)
    return out["ShardId"], out["SequenceNumber"]


def data_of(record):
    return base64.b64decode(record["kinesis"]["data"])


def ids_of(inv):
    """The "id" of each record of one invocation (records whose data is JSON with an id)."""
    return [json.loads(data_of(r))["id"] for r in inv["event"]["Records"]]


def batches(server, name):
    return [ids_of(inv) for inv in invocations(server, name)]


def seen_ids(server, name):
    return [i for b in batches(server, name) for i in b]


def check_record(r, *, stream_arn, shard_id, seq, data, key):
    # kin: test_create_kinesis_event_source_mapping / kinesis_records; key order from
    # test_kinesis_report_batch_item_success_scenarios[*] / kinesis_events.
    assert list(r) == RECORD_ORDER
    assert list(r["kinesis"]) == KINESIS_ORDER
    assert r["eventSource"] == "aws:kinesis"
    assert r["eventVersion"] == "1.0"
    assert r["eventID"] == f"{shard_id}:{seq}"
    assert r["eventName"] == "aws:kinesis:record"
    assert r["invokeIdentityArn"] == ROLE
    assert r["awsRegion"] == REGION
    assert r["eventSourceARN"] == stream_arn
    k = r["kinesis"]
    assert k["kinesisSchemaVersion"] == "1.0"
    assert k["partitionKey"] == key
    assert k["sequenceNumber"] == seq
    assert k["data"] == base64.b64encode(data).decode()
    assert base64.b64decode(k["data"]) == data
    # docs (events/example-kinesis-event.json): epoch seconds as a JSON number.
    ts = k["approximateArrivalTimestamp"]
    assert isinstance(ts, (int, float)) and not isinstance(ts, bool)
    assert abs(ts - datetime.datetime.now().timestamp()) < 600


# ------------------------------------------------------------------ the control plane


def test_create_get_update_delete_defaults(lam, kinesis, streams, mappings):
    # kin: test_create_kinesis_event_source_mapping / create_event_source_mapping_response (202, Creating, defaults);
    # kin: test_kinesis_empty_provided / get_esm_result (200, Enabled); ddb: test_disabled_dynamodb_event_source_mapping /
    # update_event_source_mapping_result (202, Disabling); api: test_event_source_mapping_lifecycle / delete_response
    # (202, Deleting); ddb: test_deletion_event_source_mapping_with_dynamodb / list_event_source_mapping_result.
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_stream(kinesis, streams)
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST")
    mappings.append(out["UUID"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    common = dict(function_arn=FN + name, source_arn=arn, starting_position="LATEST")
    check_stream_esm(out, state="Creating", **common)

    got = wait_state(lam, out["UUID"])
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    check_stream_esm(got, state="Enabled", **common)
    assert got["UUID"] == out["UUID"]

    listed = lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [out["UUID"]]
    check_stream_esm(listed[0], state="Enabled", **common)
    assert [m["UUID"] for m in lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]] == [out["UUID"]]

    off = lam.update_event_source_mapping(UUID=out["UUID"], Enabled=False)
    assert off["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_stream_esm(off, state="Disabling", **common)
    check_stream_esm(wait_state(lam, out["UUID"], "Disabled"), state="Disabled", **common)

    gone = lam.delete_event_source_mapping(UUID=out["UUID"])
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 202
    check_stream_esm(gone, state="Deleting", **common)


def test_configured_values_are_echoed(lam, kinesis, sqs, streams, mappings):
    # kin: test_kinesis_report_batch_item_failures / create_event_source_mapping_response (BatchSize 3, window 1,
    # retries 3, ReportBatchItemFailures, an SQS OnFailure destination); kin: test_kinesis_event_filtering_json_pattern
    # (FilterCriteria kept); kin: test_kinesis_maximum_record_age_exceeded[*] (MaximumRecordAgeInSeconds 60).
    # docs (CreateEventSourceMapping): ParallelizationFactor, BisectBatchOnFunctionError (echoed as given).
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    _, arn = make_stream(kinesis, streams)
    _, queue_arn = make_queue(sqs, unique("kdest"))
    pattern = {"data": {"event_type": ["function_1"]}}
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=3,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=3,
        MaximumRecordAgeInSeconds=60,
        BisectBatchOnFunctionError=True,
        ParallelizationFactor=2,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    mappings.append(out["UUID"])
    expected = dict(
        function_arn=FN + name,
        source_arn=arn,
        starting_position="TRIM_HORIZON",
        batch_size=3,
        window=1,
        retries=3,
        max_age=60,
        bisect=True,
        parallelization=2,
        response_types=["ReportBatchItemFailures"],
        on_failure=queue_arn,
        extra={"FilterCriteria"},
    )
    check_stream_esm(out, state="Creating", **expected)
    filters = out["FilterCriteria"]["Filters"]
    assert len(filters) == 1 and json.loads(filters[0]["Pattern"]) == pattern
    got = wait_state(lam, out["UUID"])
    check_stream_esm(got, state="Enabled", **expected)
    assert json.loads(got["FilterCriteria"]["Filters"][0]["Pattern"]) == pattern


def test_validation_errors(lam, kinesis, streams, mappings):
    # api: test_create_event_source_validation_kinesis / no_starting_position, invalid_starting_position;
    # kin: test_esm_with_not_existing_kinesis_stream / error; kin: test_duplicate_event_source_mappings / error (409);
    # ddb: test_dynamodb_invalid_event_filter[*] (the filter check is the same for every source);
    # api: test_event_source_mapping_exceptions / destination_config_failure (recorded on an SQS source).
    name = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    stream, arn = make_stream(kinesis, streams)

    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)
    assert observed(e) == ipve(MISSING_STARTING_POSITION)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="invalid")
    assert observed(e) == validation(INVALID_STARTING_POSITION)

    missing = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{unique('test-foobar')}"
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=missing, StartingPosition="LATEST")
    assert observed(e) == ipve(f"Stream not found: {missing}")

    for bad in ("single-string", '[{"eventName": ["INSERT"=123}]'):
        with pytest.raises(ClientError) as e:
            lam.create_event_source_mapping(
                FunctionName=name, EventSourceArn=arn, StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": bad}]}
            )
        assert observed(e) == ipve("Invalid filter pattern definition.")

    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(
            FunctionName=name,
            EventSourceArn=arn,
            StartingPosition="LATEST",
            DestinationConfig={"OnSuccess": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:someotherqueue"}},
        )
    assert observed(e) == ipve("Unsupported DestinationConfig parameter for given event source mapping type.")

    # Not recorded: values above the model's maxima (botocore checks only the minima on the client).
    # The exact text is unknown, so only the refusal is asserted.
    for over in (
        {"BatchSize": 10001},
        {"MaximumBatchingWindowInSeconds": 301},
        {"ParallelizationFactor": 11},
        {"MaximumRetryAttempts": 10001},
        {"MaximumRecordAgeInSeconds": 604801},
        {"MaximumRecordAgeInSeconds": 30},
        {"TumblingWindowInSeconds": 901},
    ):
        with pytest.raises(ClientError) as e:
            lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="LATEST", **over)
        got = observed(e)
        assert got["Status"] == 400, over
        assert got["Code"] in ("ValidationException", "InvalidParameterValueException"), over

    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []

    first = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="LATEST")
    mappings.append(first["UUID"])
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    assert observed(e) == conflict(duplicate_message(arn, name, first["UUID"]))
    # kin: test_create_kinesis_event_source_mapping_multiple_lambdas_single_kinesis_event_stream: another
    # function may map the same stream.
    other = create(lam, zip_bytes=PY_ECHO)["FunctionName"]
    second = lam.create_event_source_mapping(FunctionName=other, EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    mappings.append(second["UUID"])
    assert second["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert {m["UUID"] for m in lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]} == {
        first["UUID"],
        second["UUID"],
    }


# ------------------------------------------------------------------ delivery


def test_records_arrive_in_order_per_shard_with_the_recorded_shape(server, lam, kinesis, streams, mappings):
    # kin: test_create_kinesis_event_source_mapping / kinesis_records (shape; data base64; eventID shard:seq;
    # invokeIdentityArn the function's role); kin: test_kinesis_empty_provided / get_esm_result
    # (LastProcessingResult "OK" after a successful invocation). docs: a batch holds records of one shard, in order.
    name = make_function(lam)
    stream, arn = make_stream(kinesis, streams, shards=2)
    hash_keys = {SHARD0: str(2**126), SHARD1: str(3 * 2**126)}
    sent = []  # (shard, seq, data, key)
    for i in range(6):
        for shard, hk in hash_keys.items():
            data = json.dumps({"id": f"{shard[-1]}-{i}"}).encode()
            if i == 3:
                data = bytes(range(256)) + data  # not UTF-8: the base64 round trip must be exact
            key = f"pk-{shard[-1]}-{i}"
            got_shard, seq = put(kinesis, stream, data, key, ExplicitHashKey=hk)
            assert got_shard == shard
            sent.append((shard, seq, data, key))

    out = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=4, MaximumBatchingWindowInSeconds=1
    )
    mappings.append(out["UUID"])
    check_stream_esm(out, function_arn=FN + name, source_arn=arn, state="Creating", starting_position="TRIM_HORIZON", batch_size=4, window=1)

    wait_until(lambda: len(records(server, name)) >= 12, what="all twelve records")
    got = records(server, name)
    assert len(got) == 12
    by_seq = {seq: (shard, data, key) for shard, seq, data, key in sent}
    for r in got:
        shard, data, key = by_seq[r["kinesis"]["sequenceNumber"]]
        check_record(r, stream_arn=arn, shard_id=shard, seq=r["kinesis"]["sequenceNumber"], data=data, key=key)
    for shard in hash_keys:
        assert [r["kinesis"]["sequenceNumber"] for r in got if r["eventID"].startswith(shard + ":")] == [
            seq for s, seq, _, _ in sent if s == shard
        ]
    for inv in invocations(server, name):
        assert set(inv["event"]) == {"Records"}
        assert 1 <= len(inv["event"]["Records"]) <= 4
        assert len({r["eventID"].split(":")[0] for r in inv["event"]["Records"]}) == 1

    wait_until(lambda: lam.get_event_source_mapping(UUID=out["UUID"])["LastProcessingResult"] == "OK", what="OK")


def test_latest_and_trim_horizon(server, lam, kinesis, streams, mappings):
    # kin: test_kinesis_event_source_trim_horizon, test_create_kinesis_event_source_mapping (LATEST: records put
    # after the mapping is Enabled arrive); docs: LATEST starts after the newest record, TRIM_HORIZON at the oldest.
    stream, arn = make_stream(kinesis, streams)
    _, before = put(kinesis, stream, {"id": "before"})
    latest = make_function(lam)
    oldest = make_function(lam)
    a = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=latest, StartingPosition="LATEST", BatchSize=10)
    mappings.append(a["UUID"])
    b = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=oldest, StartingPosition="TRIM_HORIZON", BatchSize=10)
    mappings.append(b["UUID"])
    wait_state(lam, a["UUID"])
    wait_state(lam, b["UUID"])
    _, after = put(kinesis, stream, {"id": "after"})

    wait_until(lambda: "after" in seen_ids(server, latest), what="the LATEST mapping to deliver 'after'")
    wait_until(lambda: "after" in seen_ids(server, oldest), what="the TRIM_HORIZON mapping to deliver 'after'")
    # One shard, in order: had 'before' been delivered it would have come first.
    assert [r["kinesis"]["sequenceNumber"] for r in records(server, latest)] == [after]
    assert [r["kinesis"]["sequenceNumber"] for r in records(server, oldest)] == [before, after]


def test_at_timestamp(server, lam, kinesis, streams, mappings):
    # docs (CreateEventSourceMapping StartingPositionTimestamp; Kinesis AT_TIMESTAMP): reading starts at the first
    # record that arrived at or after the timestamp; the mapping echoes StartingPositionTimestamp.
    stream, arn = make_stream(kinesis, streams)
    shard, _ = put(kinesis, stream, {"id": "before"})
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    arrived = kinesis.get_records(ShardIterator=it)["Records"][0]["ApproximateArrivalTimestamp"]
    start = arrived + datetime.timedelta(milliseconds=500)
    wait_until(
        lambda: datetime.datetime.now(datetime.timezone.utc) > start + datetime.timedelta(milliseconds=200),
        what="the clock to pass the start",
        interval=0.05,
    )
    _, after = put(kinesis, stream, {"id": "after"})
    name = make_function(lam)
    out = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=start
    )
    mappings.append(out["UUID"])
    check_stream_esm(
        out,
        function_arn=FN + name,
        source_arn=arn,
        state="Creating",
        starting_position="AT_TIMESTAMP",
        extra={"StartingPositionTimestamp"},
    )
    assert abs(out["StartingPositionTimestamp"].timestamp() - start.timestamp()) < 1
    wait_until(lambda: records(server, name), what="the record after the timestamp")
    assert [r["kinesis"]["sequenceNumber"] for r in records(server, name)] == [after]


def test_filter_criteria_on_decoded_json_data(server, lam, kinesis, streams, mappings):
    # kin: TestKinesisEventFiltering::test_kinesis_event_filtering_json_pattern / create_event_source_mapping_response,
    # kinesis-record-lambda-payload: the pattern matches data decoded as JSON; other records are dropped.
    name = make_function(lam)
    stream, arn = make_stream(kinesis, streams)
    put(kinesis, stream, {"id": "a1", "kind": "a"})
    put(kinesis, stream, {"id": "b2", "kind": "b"})
    put(kinesis, stream, b"not json at all")
    put(kinesis, stream, {"id": "n4", "other": "a"})
    _, last = put(kinesis, stream, {"id": "a5", "kind": "a"})
    pattern = {"data": {"kind": ["a"]}}
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
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
        extra={"FilterCriteria"},
    )
    wait_until(lambda: "a5" in seen_ids(server, name), what="the last matching record")
    assert batches(server, name) == [["a1"], ["a5"]]
    assert records(server, name)[-1]["kinesis"]["sequenceNumber"] == last


# ------------------------------------------------------------------ failures


def test_exhausted_retries_go_to_the_sqs_destination_and_the_shard_moves_on(server, lam, kinesis, sqs, streams, mappings):
    # kin: test_kinesis_event_source_mapping_with_on_failure_destination_config / create_event_source_mapping_response,
    # sqs_payload (BatchSize 1, MaximumRetryAttempts 1: approximateInvokeCount 2, functionError Unhandled,
    # KinesisBatchInfo of the failed record); kin: test_kinesis_maximum_record_age_exceeded_discard_records
    # (later records are delivered after the failure).
    name = make_function(lam, mode="raise")
    stream, arn = make_stream(kinesis, streams)
    url, queue_arn = make_queue(sqs, unique("kdest"))
    shard, bad = put(kinesis, stream, {"id": "bad", "fail": "always"})
    put(kinesis, stream, {"id": "ok"})
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
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
    check_failure_payload(
        json.loads(message["Body"]),
        function_arn=FN + name,
        info_key="KinesisBatchInfo",
        stream_arn=arn,
        shard_id=shard,
        start_seq=bad,
        end_seq=bad,
        batch_size=1,
        invoke_count=2,
        function_error="Unhandled",
    )
    wait_until(lambda: "ok" in seen_ids(server, name), what="the next record after the failure")
    assert batches(server, name) == [["bad"], ["bad"], ["ok"]]


def test_bisect_batch_on_function_error(server, lam, kinesis, sqs, streams, mappings):
    # docs (BisectBatchOnFunctionError): a failing batch is split in two and each half retried; the original
    # BatchSize is unchanged. Not recorded: only the documented consequences are asserted.
    name = make_function(lam, mode="raise")
    stream, arn = make_stream(kinesis, streams)
    url, queue_arn = make_queue(sqs, unique("kdest"))
    seqs = {}
    for i in range(4):
        shard, seqs[f"r{i}"] = put(kinesis, stream, {"id": f"r{i}", **({"fail": "always"} if i == 2 else {})})
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=4,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=5,
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    mappings.append(out["UUID"])
    [message] = receive_all(sqs, url, 1)
    check_failure_payload(
        json.loads(message["Body"]),
        function_arn=FN + name,
        info_key="KinesisBatchInfo",
        stream_arn=arn,
        shard_id=shard,
        start_seq=seqs["r2"],
        end_seq=seqs["r2"],
        batch_size=1,
        invoke_count=None,
        function_error="Unhandled",
    )
    put(kinesis, stream, {"id": "sentinel"})
    wait_until(lambda: "sentinel" in seen_ids(server, name), what="the sentinel")
    runs = batches(server, name)
    assert runs[0] == ["r0", "r1", "r2", "r3"]
    assert ["r0", "r1"] in runs
    assert ["r2"] in runs
    for good in ("r0", "r1", "r3"):
        assert any(good in b and "r2" not in b for b in runs), good
    assert all(len(b) <= 4 for b in runs)


def test_report_batch_item_failures_recorded_case(server, lam, kinesis, sqs, streams, mappings):
    # kin: test_kinesis_report_batch_item_failures / create_event_source_mapping_response, sqs_payload,
    # kinesis_records: six records, BatchSize 3, MaximumRetryAttempts 3, the sixth reported: records 1-5 once,
    # record 6 five times; the destination covers record 6 alone, approximateInvokeCount 4, functionError null.
    name = make_function(lam, mode="report")
    stream, arn = make_stream(kinesis, streams)
    url, queue_arn = make_queue(sqs, unique("kdest"))
    kinesis.put_records(
        StreamName=stream,
        Records=[
            {"Data": json.dumps({"id": f"r{i}", **({"fail": "always"} if i == 5 else {})}).encode(), "PartitionKey": f"test_{i}"}
            for i in range(6)
        ],
    )
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=3,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=3,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    mappings.append(out["UUID"])
    check_stream_esm(
        out,
        function_arn=FN + name,
        source_arn=arn,
        state="Creating",
        starting_position="TRIM_HORIZON",
        batch_size=3,
        window=1,
        retries=3,
        response_types=["ReportBatchItemFailures"],
        on_failure=queue_arn,
    )
    [message] = receive_all(sqs, url, 1)
    r5 = next(r for r in records(server, name) if json.loads(data_of(r))["id"] == "r5")
    check_failure_payload(
        json.loads(message["Body"]),
        function_arn=FN + name,
        info_key="KinesisBatchInfo",
        stream_arn=arn,
        shard_id=SHARD0,
        start_seq=r5["kinesis"]["sequenceNumber"],
        end_seq=r5["kinesis"]["sequenceNumber"],
        batch_size=1,
        invoke_count=4,
        function_error=None,
    )
    put(kinesis, stream, {"id": "sentinel"})
    wait_until(lambda: "sentinel" in seen_ids(server, name), what="the sentinel")
    ids = seen_ids(server, name)
    assert {i: ids.count(i) for i in set(ids)} == {"r0": 1, "r1": 1, "r2": 1, "r3": 1, "r4": 1, "r5": 5, "sentinel": 1}
    assert batches(server, name)[:2] == [["r0", "r1", "r2"], ["r3", "r4", "r5"]]


def test_report_batch_item_failures_resumes_at_the_lowest_reported_record(server, lam, kinesis, streams, mappings):
    # AWS docs (and the comment of the recorded handler lambda_report_batch_item_failures_kinesis.py): with
    # several identifiers Lambda checkpoints at the lowest sequence number and retries from there; records
    # before it are not delivered again. Here r2 and r4 fail only while the batch starts at r0.
    name = make_function(lam, mode="report")
    stream, arn = make_stream(kinesis, streams)
    kinesis.put_records(
        StreamName=stream,
        Records=[
            {"Data": json.dumps({"id": f"r{i}", **({"fail_if_first": "r0"} if i in (2, 4) else {})}).encode(), "PartitionKey": "k"}
            for i in range(6)
        ],
    )
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    mappings.append(out["UUID"])
    wait_until(lambda: len(invocations(server, name)) >= 2, what="the retry")
    put(kinesis, stream, {"id": "sentinel"})
    wait_until(lambda: "sentinel" in seen_ids(server, name), what="the sentinel")
    assert batches(server, name) == [
        ["r0", "r1", "r2", "r3", "r4", "r5"],
        ["r2", "r3", "r4", "r5"],
        ["sentinel"],
    ]


SUCCESS_ANSWERS = [
    # kin: test_kinesis_report_batch_item_success_scenarios[*] / kinesis_events (one invocation, nothing retried)
    pytest.param("", id="empty_string_success"),
    pytest.param([], id="empty_list_success"),
    pytest.param(None, id="null_success"),
    pytest.param({}, id="empty_dict_success"),
    pytest.param({"batchItemFailures": []}, id="empty_batch_item_failure_success"),
    pytest.param({"batchItemFailures": None}, id="null_batch_item_failure_success"),
]


@pytest.mark.parametrize("answer", SUCCESS_ANSWERS)
def test_report_batch_item_failures_answers_that_mean_success(server, lam, kinesis, streams, mappings, answer):
    name = make_function(lam, mode="fixed", RESULT=json.dumps(answer))
    stream, arn = make_stream(kinesis, streams)
    put(kinesis, stream, {"id": "r0", "fail": "always"})
    put(kinesis, stream, {"id": "sentinel"})
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=2,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    mappings.append(out["UUID"])
    wait_until(lambda: "sentinel" in seen_ids(server, name), what="the sentinel")
    assert batches(server, name) == [["r0"], ["sentinel"]]


FAILURE_ANSWERS = [
    # kin: test_kinesis_report_batch_item_failure_scenarios[*] / sqs_payload, kinesis_events (BatchSize 1,
    # MaximumRetryAttempts 2: three invocations, approximateInvokeCount 3; functionError null unless it raised)
    pytest.param({"batchItemFailures": [{"itemIdentifier": 123}]}, None, id="item_identifier_not_present_failure"),
    pytest.param({"batchItemFailures": [{"itemIdentifier": ""}]}, None, id="empty_string_item_identifier_failure"),
    pytest.param({"batchItemFailures": [{"itemIdentifier": None}]}, None, id="null_item_identifier_failure"),
    pytest.param({"batchItemFailures": [{"foo": 123}]}, None, id="invalid_key_foo_failure"),
    pytest.param({"batchItemFailures": [{"foo": None}]}, None, id="invalid_key_foo_null_value_failure"),
    pytest.param("RAISE", "Unhandled", id="unhandled_exception_in_function"),
]


@pytest.mark.parametrize("answer, function_error", FAILURE_ANSWERS)
def test_report_batch_item_failures_answers_that_fail_the_batch(
    server, lam, kinesis, sqs, streams, mappings, answer, function_error
):
    name = make_function(lam, mode="fixed", RESULT=answer if answer == "RAISE" else json.dumps(answer))
    stream, arn = make_stream(kinesis, streams)
    url, queue_arn = make_queue(sqs, unique("kdest"))
    shard, seq = put(kinesis, stream, {"id": "r0", "fail": "always"})
    put(kinesis, stream, {"id": "sentinel"})
    out = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    mappings.append(out["UUID"])
    [message] = receive_all(sqs, url, 1)
    check_failure_payload(
        json.loads(message["Body"]),
        function_arn=FN + name,
        info_key="KinesisBatchInfo",
        stream_arn=arn,
        shard_id=shard,
        start_seq=seq,
        end_seq=seq,
        batch_size=1,
        invoke_count=3,
        function_error=function_error,
    )
    wait_until(lambda: "sentinel" in seen_ids(server, name), what="the sentinel")
    assert batches(server, name) == [["r0"], ["r0"], ["r0"], ["sentinel"]]


# ------------------------------------------------------------------ tumbling windows


def test_tumbling_window_carries_state(server, lam, kinesis, streams, mappings):
    # docs ("Tumbling windows", KinesisTimeWindowEvent / TimeWindowEventResponse): besides Records the event has
    # window {start, end}, state, shardId, eventSourceARN, isFinalInvokeForWindow, isWindowTerminatedEarly; the
    # state the function returns is passed to the next invocation of the same window, a window starts with {};
    # the window's last invocation has isFinalInvokeForWindow true. Not recorded.
    name = make_function(lam, mode="window")
    stream, arn = make_stream(kinesis, streams)
    out = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=1, TumblingWindowInSeconds=2
    )
    mappings.append(out["UUID"])
    check_stream_esm(
        out, function_arn=FN + name, source_arn=arn, state="Creating", starting_position="TRIM_HORIZON", batch_size=1, tumbling=2
    )
    wait_state(lam, out["UUID"])
    for i in range(3):
        put(kinesis, stream, {"id": f"w{i}"})

    def windows():
        groups = {}
        for inv in invocations(server, name):
            groups.setdefault(inv["event"]["window"]["start"], []).append(inv["event"])
        return groups

    def settled():
        groups = windows()
        total = sum(len(e["Records"]) for g in groups.values() for e in g)
        closed = all(g[-1]["isFinalInvokeForWindow"] for g in groups.values() if any(e["Records"] for e in g))
        return total >= 3 and closed

    wait_until(settled, timeout=40, what="the windows holding the three records to close")
    groups = windows()
    assert sorted(json.loads(data_of(r))["id"] for g in groups.values() for e in g for r in e["Records"]) == ["w0", "w1", "w2"]
    for start, events in groups.items():
        for e in events:
            assert set(e) == {"Records", "window", "state", "shardId", "eventSourceARN", "isFinalInvokeForWindow", "isWindowTerminatedEarly"}
            assert e["shardId"] == SHARD0
            assert e["eventSourceARN"] == arn
            assert e["isWindowTerminatedEarly"] is False
            assert SECONDS_Z.match(e["window"]["start"]) and SECONDS_Z.match(e["window"]["end"]), e["window"]
            begin = datetime.datetime.strptime(e["window"]["start"], "%Y-%m-%dT%H:%M:%SZ")
            end = datetime.datetime.strptime(e["window"]["end"], "%Y-%m-%dT%H:%M:%SZ")
            assert (end - begin).total_seconds() == 2
        finals = [e["isFinalInvokeForWindow"] for e in events]
        assert finals.count(True) <= 1 and (True not in finals or finals[-1])
        count = 0
        for k, e in enumerate(events):
            assert e["state"] == ({} if k == 0 else {"count": str(count)}), (start, k, e["state"])
            count += len(e["Records"])

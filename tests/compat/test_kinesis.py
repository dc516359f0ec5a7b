"""Kinesis Data Streams on lambdalite's one endpoint, checked against what
real AWS answers.

Facts come from docs/kinesis-recorded.md, which cites its sources; each test
names the one it relies on:
  [LS]  LocalStack parity snapshots recorded against AWS
  [LS-v] assertions of LocalStack's `@markers.aws.validated` tests
  [CLI] AWS's own aws-cli examples (real outputs of a 3-shard stream)
  [KL]  kinesalite's test suite, run against real Kinesis (2015-2020 wording)
  [M]   the API model
Snapshot accounts are mapped to this server's 000000000000 / us-east-1.

Everything goes through boto3's `kinesis` client (awsJson 1.1,
X-Amz-Target Kinesis_20131202.*), as a user would. Streams are created
asynchronously on AWS, so the tests use the `stream_exists` /
`stream_not_exists` waiters (first poll immediate, then 1 s) -- a server that
is ACTIVE at once passes without waiting.
"""

import base64
import hashlib
import json
import re
import time
from datetime import datetime, timedelta, timezone

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import unique

ACCOUNT = "000000000000"
REGION = "us-east-1"
MAX_HASH = 2**128 - 1

# [LS] cloudformation test_default_parameters_kinesis / describe_stream
DEFAULT_DESCRIPTION = {
    "EncryptionType": "NONE",
    "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
    "HasMoreShards": False,
    "RetentionPeriodHours": 24,
    "StreamModeDetails": {"StreamMode": "PROVISIONED"},
    "StreamStatus": "ACTIVE",
}
DESCRIPTION_KEYS = set(DEFAULT_DESCRIPTION) | {"Shards", "StreamARN", "StreamCreationTimestamp", "StreamName"}
RECORD_KEYS = {"SequenceNumber", "ApproximateArrivalTimestamp", "Data", "PartitionKey"}
GET_SHARD_ITERATOR_MISSING_SEQ = (
    "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
    "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
)


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="session")
def kinesis(server):
    return server.client("kinesis")


@pytest.fixture(scope="session")
def unvalidated(server):
    """A client that leaves constraint checks to the server (botocore checks
    lengths and ranges itself otherwise and never sends the request)."""
    return boto3.client(
        "kinesis",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def arn(name):
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def shard_id(i):
    return f"shardId-{i:012d}"


def expected_ranges(n):
    """[CLI][KL]: step = floor(2^128 / n); shard i covers i*step ..
    (i+1)*step - 1, the last one up to 2^128 - 1."""
    step = 2**128 // n
    return [(i * step, (i + 1) * step - 1 if i < n - 1 else MAX_HASH) for i in range(n)]


def hash_key(partition_key):
    """The hash key AWS routes by: MD5 of the UTF-8 partition key, big-endian."""
    return int(hashlib.md5(partition_key.encode("utf-8")).hexdigest(), 16)


def shard_for(key, n):
    for i, (lo, hi) in enumerate(expected_ranges(n)):
        if lo <= key <= hi:
            return shard_id(i)
    raise AssertionError(key)


def err(excinfo):
    r = excinfo.value.response
    return {
        "Code": r["Error"]["Code"],
        "Message": r["Error"].get("Message"),
        "Status": r["ResponseMetadata"]["HTTPStatusCode"],
    }


def error(code, message):
    return {"Code": code, "Message": message, "Status": 400}


def not_found(name):
    # [LS] test_cbor_exceptions / cbor-error (2025-09)
    return error("ResourceNotFoundException", f"Stream {name} under account {ACCOUNT} not found.")


def wait_active(kinesis, name):
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def wait_gone(kinesis, name):
    kinesis.get_waiter("stream_not_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def make_stream(kinesis, shards=1, name=None, **kw):
    name = name or unique("ks")
    if shards is not None:
        kw["ShardCount"] = shards
    kinesis.create_stream(StreamName=name, **kw)
    wait_active(kinesis, name)
    return name


def describe(kinesis, name):
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]


def iterator(kinesis, name, shard=0, kind="TRIM_HORIZON", **kw):
    return kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard_id(shard) if isinstance(shard, int) else shard, ShardIteratorType=kind, **kw
    )["ShardIterator"]


def read(kinesis, it, want=None, max_calls=30):
    """Records from an iterator: until `want` arrived, or (want None) until a
    read comes back empty and caught up. AWS may need several calls."""
    records = []
    for _ in range(max_calls):
        out = kinesis.get_records(ShardIterator=it)
        records.extend(out["Records"])
        it = out.get("NextShardIterator")
        if it is None:
            break
        if want is not None and len(records) >= want:
            break
        if want is None and not out["Records"] and out["MillisBehindLatest"] == 0:
            break
    return records


def read_shard(kinesis, name, shard, want=None):
    return read(kinesis, iterator(kinesis, name, shard), want)


def seq(r):
    return int(r["SequenceNumber"])


def assert_increasing(numbers, what="sequence numbers"):
    assert all(a < b for a, b in zip(numbers, numbers[1:])), f"{what} not strictly increasing: {numbers}"


def now():
    return datetime.now(timezone.utc)


def assert_recent(ts, before, after, slack=timedelta(seconds=5)):
    assert before - slack <= ts <= after + slack, (ts, before, after)


# ------------------------------------------------------------------ create / describe


def test_create_one_shard_describes_like_aws(kinesis):
    # [LS] cloudformation test_default_parameters_kinesis / describe_stream: exactly these keys.
    name = unique("ks")
    before = now()
    created = kinesis.create_stream(StreamName=name, ShardCount=1)
    after = now()
    assert set(created) == {"ResponseMetadata"}
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    # CreateStream is asynchronous on AWS; right after it, the stream is CREATING or already ACTIVE.
    assert describe(kinesis, name)["StreamStatus"] in ("CREATING", "ACTIVE")
    wait_active(kinesis, name)
    d = describe(kinesis, name)
    assert set(d) == DESCRIPTION_KEYS
    assert {k: d[k] for k in DEFAULT_DESCRIPTION} == DEFAULT_DESCRIPTION
    assert d["StreamName"] == name
    assert d["StreamARN"] == arn(name)
    assert_recent(d["StreamCreationTimestamp"], before, after)
    [shard] = d["Shards"]
    assert set(shard) == {"ShardId", "HashKeyRange", "SequenceNumberRange"}
    assert shard["ShardId"] == "shardId-000000000000"
    assert shard["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(MAX_HASH)}
    assert set(shard["SequenceNumberRange"]) == {"StartingSequenceNumber"}
    assert re.fullmatch(r"[1-9]\d{55}", shard["SequenceNumberRange"]["StartingSequenceNumber"])


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_hash_key_ranges_split_the_space_evenly(kinesis, count):
    # [CLI] describe-stream / list-shards (3 shards, real output) and [KL]'s rule for any count.
    name = make_stream(kinesis, count)
    shards = describe(kinesis, name)["Shards"]
    assert [s["ShardId"] for s in shards] == [shard_id(i) for i in range(count)]
    got = [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"])) for s in shards]
    assert got == expected_ranges(count)
    # decimal strings without leading zeros, contiguous, covering 0 .. 2^128-1
    assert shards[0]["HashKeyRange"]["StartingHashKey"] == "0"
    assert shards[-1]["HashKeyRange"]["EndingHashKey"] == "340282366920938463463374607431768211455"
    for (_, hi), (lo, _) in zip(got, got[1:]):
        assert lo == hi + 1
    listed = kinesis.list_shards(StreamName=name)
    assert listed["Shards"] == shards
    assert "NextToken" not in listed  # fewer shards than the default MaxResults
    starts = [s["SequenceNumberRange"]["StartingSequenceNumber"] for s in shards]
    assert len(set(starts)) == count


def test_three_shard_ranges_are_the_recorded_numbers(kinesis):
    # [CLI] describe-stream samplestream, verbatim boundaries.
    shards = describe(kinesis, make_stream(kinesis, 3))["Shards"]
    assert [s["HashKeyRange"] for s in shards] == [
        {"StartingHashKey": "0", "EndingHashKey": "113427455640312821154458202477256070484"},
        {
            "StartingHashKey": "113427455640312821154458202477256070485",
            "EndingHashKey": "226854911280625642308916404954512140969",
        },
        {
            "StartingHashKey": "226854911280625642308916404954512140970",
            "EndingHashKey": "340282366920938463463374607431768211455",
        },
    ]


def test_two_shard_boundary_is_two_to_the_127(kinesis):
    # floor(2^128 / 2) = 2^127 starts the second shard (not floor((2^128-1)/2)).
    shards = describe(kinesis, make_stream(kinesis, 2))["Shards"]
    assert shards[0]["HashKeyRange"]["EndingHashKey"] == "170141183460469231731687303715884105727"
    assert shards[1]["HashKeyRange"]["StartingHashKey"] == "170141183460469231731687303715884105728"


def test_on_demand_stream(kinesis):
    # StreamModeDetails echoes ON_DEMAND; an on-demand stream starts with 4 shards
    # ([LS] test_create_stream_without_shard_count recorded 4 shards for a create without ShardCount).
    name = make_stream(kinesis, shards=None, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    d = describe(kinesis, name)
    assert d["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert [s["ShardId"] for s in d["Shards"]] == [shard_id(i) for i in range(4)]
    got = [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"])) for s in d["Shards"]]
    assert got == expected_ranges(4)
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4


def test_create_without_shard_count_has_four_shards(kinesis):
    # [LS] test_create_stream_without_shard_count / Shards: four shards, each with only a StartingSequenceNumber.
    shards = describe(kinesis, make_stream(kinesis, shards=None))["Shards"]
    assert len(shards) == 4
    assert all(set(s["SequenceNumberRange"]) == {"StartingSequenceNumber"} for s in shards)


def test_stream_exists_waiter_and_status(kinesis):
    name = unique("ks")
    kinesis.create_stream(StreamName=name, ShardCount=2)
    waiter = kinesis.get_waiter("stream_exists")
    waiter.wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    assert describe(kinesis, name)["StreamStatus"] == "ACTIVE"
    waiter.wait(StreamARN=arn(name), WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def test_describe_stream_summary(kinesis):
    # [CLI] describe-stream-summary + [M] required members.
    name = unique("ks")
    before = now()
    kinesis.create_stream(StreamName=name, ShardCount=3)
    after = now()
    wait_active(kinesis, name)
    s = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    expected = {
        "StreamName": name,
        "StreamARN": arn(name),
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"},
        "RetentionPeriodHours": 24,
        "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
        "EncryptionType": "NONE",
        "OpenShardCount": 3,
        "ConsumerCount": 0,
    }
    assert {k: s.get(k) for k in expected} == expected
    assert_recent(s["StreamCreationTimestamp"], before, after)
    assert "Shards" not in s
    assert "KeyId" not in s
    # newer optional members AWS may add; nothing else
    assert set(s) - set(expected) <= {
        "StreamCreationTimestamp", "StreamId", "WarmThroughput", "MaxRecordSizeInKiB", "RecordDistributionStrategy",
    }


def test_describe_stream_limit_and_exclusive_start(kinesis):
    # [M] Limit / HasMoreShards / ExclusiveStartShardId.
    name = make_stream(kinesis, 4)
    first = kinesis.describe_stream(StreamName=name, Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == [shard_id(0), shard_id(1)]
    assert first["HasMoreShards"] is True
    rest = kinesis.describe_stream(StreamName=name, ExclusiveStartShardId=shard_id(1))["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == [shard_id(2), shard_id(3)]
    assert rest["HasMoreShards"] is False


def test_duplicate_create(kinesis):
    # [KL] createStream: ResourceInUseException.
    name = make_stream(kinesis)
    with pytest.raises(ClientError) as e:
        kinesis.create_stream(StreamName=name, ShardCount=1)
    assert err(e) == error("ResourceInUseException", f"Stream {name} under account {ACCOUNT} already exists.")
    assert describe(kinesis, name)["StreamStatus"] == "ACTIVE"


def test_create_without_stream_name_is_400(unvalidated):
    # [LS-v] test_create_stream_without_stream_name_raises: 400 (message not recorded);
    # [KL] createStream: a ValidationException ("Value null at 'streamName' ...").
    with pytest.raises(ClientError) as e:
        unvalidated.create_stream()
    assert err(e)["Status"] == 400
    assert err(e)["Code"] == "ValidationException"
    assert "at 'streamName' failed to satisfy constraint: Member must not be null" in err(e)["Message"]


# ------------------------------------------------------------------ listing


def all_stream_names(kinesis, page=None):
    names, summaries = [], []
    kw = {"Limit": page} if page else {}
    out = kinesis.list_streams(**kw)
    for _ in range(10000):
        names.extend(out["StreamNames"])
        summaries.extend(out.get("StreamSummaries", []))
        if not out["HasMoreStreams"]:
            break
        out = kinesis.list_streams(NextToken=out["NextToken"], **kw)
    return names, summaries


def test_list_streams(kinesis):
    # [M] StreamNames + HasMoreStreams (required), StreamSummaries, NextToken.
    a, b = make_stream(kinesis), make_stream(kinesis, 2)
    out = kinesis.list_streams()
    assert {"StreamNames", "HasMoreStreams", "StreamSummaries"} <= set(out)
    names, summaries = all_stream_names(kinesis)
    assert {a, b} <= set(names)
    assert len(names) == len(set(names))
    by_name = {s["StreamName"]: s for s in summaries}
    assert set(by_name) == set(names)
    for n in (a, b):
        s = by_name[n]
        assert set(s) == {"StreamName", "StreamARN", "StreamStatus", "StreamModeDetails", "StreamCreationTimestamp"}
        assert s["StreamARN"] == arn(n)
        assert s["StreamStatus"] == "ACTIVE"
        assert s["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}


def test_list_streams_pages(kinesis):
    make_stream(kinesis), make_stream(kinesis)
    one = kinesis.list_streams(Limit=1)
    assert len(one["StreamNames"]) == 1
    assert one["HasMoreStreams"] is True
    assert one["NextToken"]
    paged, _ = all_stream_names(kinesis, page=1)
    whole, _ = all_stream_names(kinesis)
    assert len(paged) == len(set(paged))
    assert set(paged) == set(whole)


def test_list_shards_pages(kinesis):
    name = make_stream(kinesis, 4)
    first = kinesis.list_shards(StreamName=name, MaxResults=2)
    assert [s["ShardId"] for s in first["Shards"]] == [shard_id(0), shard_id(1)]
    ids, token = [], first["NextToken"]
    while token:
        page = kinesis.list_shards(NextToken=token, MaxResults=2)
        if not page["Shards"]:
            break
        ids.extend(s["ShardId"] for s in page["Shards"])
        token = page.get("NextToken")
    assert ids == [shard_id(2), shard_id(3)]
    # [CLI] list-shards --exclusive-start-shard-id shardId-000000000000
    after = kinesis.list_shards(StreamName=name, ExclusiveStartShardId=shard_id(0))
    assert [s["ShardId"] for s in after["Shards"]] == [shard_id(1), shard_id(2), shard_id(3)]
    # [KL] listShards
    with pytest.raises(ClientError) as e:
        kinesis.list_shards(StreamName=name, NextToken=first["NextToken"])
    assert err(e) == error("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
    with pytest.raises(ClientError) as e:
        kinesis.list_shards()
    assert err(e) == error("InvalidArgumentException", "Either NextToken or StreamName should be provided.")


# ------------------------------------------------------------------ writing


def test_put_record_routes_by_md5_of_the_partition_key(kinesis):
    # [KL] putRecords "mixed values": MD5(partition key) as a 128-bit integer picks the shard.
    name = make_stream(kinesis, 4)
    keys = [f"key-{i}" for i in range(40)] + ["a", "b", "e", "f", "ünicödé", "💣"]
    puts = []
    for k in keys:
        out = kinesis.put_record(StreamName=name, Data=k.encode(), PartitionKey=k)
        assert set(out) == {"ShardId", "SequenceNumber", "ResponseMetadata"}  # [LS] no EncryptionType
        assert out["ShardId"] == shard_for(hash_key(k), 4), k
        assert re.fullmatch(r"[1-9]\d{55}", out["SequenceNumber"])
        puts.append((k, out["ShardId"], out["SequenceNumber"]))
    assert len({p[1] for p in puts}) == 4, "40 keys should reach every shard"
    for i in range(4):
        mine = [p for p in puts if p[1] == shard_id(i)]
        assert_increasing([int(p[2]) for p in mine])
        got = read_shard(kinesis, name, i, want=len(mine))
        assert [(r["PartitionKey"], r["Data"], r["SequenceNumber"]) for r in got] == [
            (k, k.encode(), s) for k, _, s in mine
        ]


def test_kinesalite_recorded_routing_on_three_shards(kinesis):
    # [KL] putRecords "mixed values", run against AWS: a->0, b->1, e->2, f->1.
    name = make_stream(kinesis, 3)
    assert [kinesis.put_record(StreamName=name, Data=b"", PartitionKey=k)["ShardId"] for k in "abef"] == [
        shard_id(0), shard_id(1), shard_id(2), shard_id(1),
    ]


def test_explicit_hash_key_overrides_the_partition_key(kinesis):
    name = make_stream(kinesis, 4)
    for i, (lo, hi) in enumerate(expected_ranges(4)):
        for key in (lo, hi, (lo + hi) // 2):
            # a partition key that hashes to some other shard
            pk = next(k for k in (f"pk{j}" for j in range(1000)) if shard_for(hash_key(k), 4) != shard_id(i))
            out = kinesis.put_record(StreamName=name, Data=b"x", PartitionKey=pk, ExplicitHashKey=str(key))
            assert out["ShardId"] == shard_id(i), key
    # the record keeps its partition key
    got = read_shard(kinesis, name, 0, want=3)
    assert len(got) == 3
    assert all(shard_for(hash_key(r["PartitionKey"]), 4) != shard_id(0) for r in got)


def test_put_record_out_of_range_explicit_hash_key(kinesis):
    # [KL] putRecord: out of bounds ExplicitHashKey (botocore does not check patterns or magnitude).
    name = make_stream(kinesis)
    with pytest.raises(ClientError) as e:
        kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="a", ExplicitHashKey=str(2**128))
    assert err(e) == error(
        "InvalidArgumentException",
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
        "Specified value was 340282366920938463463374607431768211456",
    )


def test_put_records_results_per_record(kinesis):
    # [LS] test_apigateway_to_kinesis[PutRecords]: FailedRecordCount 0 and {SequenceNumber, ShardId} per
    # record, input order; [KL] "mixed values" for the shard of each entry.
    name = make_stream(kinesis, 3)
    step = 2**128 // 3
    records = [
        {"PartitionKey": "a", "Data": b"0"},
        {"PartitionKey": "b", "Data": b"1"},
        {"PartitionKey": "e", "Data": b"2"},
        {"PartitionKey": "f", "Data": b"3"},
        {"PartitionKey": "a", "Data": b"4", "ExplicitHashKey": str(MAX_HASH)},
        {"PartitionKey": "a", "Data": b"5", "ExplicitHashKey": str(2 * step - 1)},
        {"PartitionKey": "a", "Data": b"6", "ExplicitHashKey": str(2 * step)},
    ]
    out = kinesis.put_records(StreamName=name, Records=records)
    assert set(out) == {"FailedRecordCount", "Records", "ResponseMetadata"}
    assert out["FailedRecordCount"] == 0
    assert all(set(r) == {"SequenceNumber", "ShardId"} for r in out["Records"])
    assert [r["ShardId"] for r in out["Records"]] == [shard_id(i) for i in (0, 1, 2, 1, 2, 1, 2)]
    for i, members in ((0, [0]), (1, [1, 3, 5]), (2, [2, 4, 6])):
        seqs = [out["Records"][m]["SequenceNumber"] for m in members]
        assert_increasing([int(s) for s in seqs])
        got = read_shard(kinesis, name, i, want=len(members))
        assert [r["SequenceNumber"] for r in got] == seqs
        assert [r["Data"] for r in got] == [records[m]["Data"] for m in members]


def test_put_records_out_of_range_hash_key_fails_the_whole_call(kinesis):
    # [KL] putRecords: one bad ExplicitHashKey -> InvalidArgumentException for the request, nothing written.
    name = make_stream(kinesis)
    with pytest.raises(ClientError) as e:
        kinesis.put_records(
            StreamName=name,
            Records=[{"PartitionKey": "a", "Data": b"", "ExplicitHashKey": str(2**128)}, {"PartitionKey": "a", "Data": b"ok"}],
        )
    assert err(e) == error(
        "InvalidArgumentException",
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
        "Specified value was 340282366920938463463374607431768211456",
    )
    assert read_shard(kinesis, name, 0) == []


def test_put_records_500_and_501(kinesis, unvalidated):
    # [M] 1..500 entries; [KL] the validation message for the list.
    name = make_stream(kinesis, 2)
    out = kinesis.put_records(StreamName=name, Records=[{"PartitionKey": str(i), "Data": b"d"} for i in range(500)])
    assert out["FailedRecordCount"] == 0
    assert len(out["Records"]) == 500
    assert sum(len(read_shard(kinesis, name, i)) for i in range(2)) == 500
    with pytest.raises(ClientError) as e:
        unvalidated.put_records(StreamName=name, Records=[{"PartitionKey": "k", "Data": b"d"}] * 501)
    assert err(e)["Code"] == "ValidationException"
    assert err(e)["Status"] == 400
    assert "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500" in err(e)["Message"]
    with pytest.raises(ClientError) as e:
        unvalidated.put_records(StreamName=name, Records=[])
    assert err(e)["Code"] == "ValidationException"
    assert (
        "Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1"
        in err(e)["Message"]
    )


def test_partition_key_length(kinesis, unvalidated):
    # [M] 1..256; [KL] putRecord validation message.
    name = make_stream(kinesis)
    assert kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="k" * 256)["ShardId"] == shard_id(0)
    long_key = "k" * 257
    with pytest.raises(ClientError) as e:
        unvalidated.put_record(StreamName=name, Data=b"x", PartitionKey=long_key)
    assert err(e) == error(
        "ValidationException",
        f"1 validation error detected: Value '{long_key}' at 'partitionKey' failed to satisfy constraint: "
        "Member must have length less than or equal to 256",
    )
    with pytest.raises(ClientError) as e:
        unvalidated.put_records(StreamName=name, Records=[{"PartitionKey": long_key, "Data": b"x"}])
    assert err(e) == error(
        "ValidationException",
        f"1 validation error detected: Value '{long_key}' at 'records.1.member.partitionKey' failed to satisfy "
        "constraint: Member must have length less than or equal to 256",
    )


def test_record_size_limit(kinesis):
    # Default maximum record 1 MiB (data + partition key, AWS docs; [KL] checked data alone):
    # one that fits both readings is stored, one byte past 1 MiB of data is refused.
    name = make_stream(kinesis)
    fits = b"\x01" * (1024 * 1024 - 1)
    assert kinesis.put_record(StreamName=name, Data=fits, PartitionKey="k")["ShardId"] == shard_id(0)
    with pytest.raises(ClientError) as e:
        kinesis.put_record(StreamName=name, Data=b"\x01" * (1024 * 1024 + 1), PartitionKey="k")
    assert err(e)["Status"] == 400
    assert err(e)["Code"] in ("ValidationException", "InvalidArgumentException")
    [r] = read_shard(kinesis, name, 0, want=1)
    assert r["Data"] == fits


def test_data_round_trips_byte_for_byte(kinesis):
    # [LS] test_record_lifecycle_data_integrity / Records (empty data included) and record keys.
    name = make_stream(kinesis)
    values = [b"test", "ünicödé 统一码 💣💻🔥".encode(), b"a" * 1000, b"", bytes(range(256))]
    before = now()
    for v in values:
        kinesis.put_record(StreamName=name, Data=v, PartitionKey="1")
    after = now()
    got = read_shard(kinesis, name, 0, want=len(values))
    assert [r["Data"] for r in got] == values
    for r in got:
        assert set(r) == RECORD_KEYS  # [LS] no EncryptionType on an unencrypted stream
        assert r["PartitionKey"] == "1"
        assert_recent(r["ApproximateArrivalTimestamp"], before, after)
    assert_increasing([seq(r) for r in got])


# ------------------------------------------------------------------ reading


def test_shard_iterator_response(kinesis):
    name = make_stream(kinesis)
    out = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType="TRIM_HORIZON")
    assert set(out) == {"ShardIterator", "ResponseMetadata"}
    assert 1 <= len(out["ShardIterator"]) <= 512


def test_every_iterator_type(kinesis):
    name = make_stream(kinesis)
    seqs = [kinesis.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey="p")["SequenceNumber"] for i in range(5)]
    assert_increasing([int(s) for s in seqs])

    def data(records):
        return [r["Data"].decode() for r in records]

    latest = iterator(kinesis, name, kind="LATEST")
    assert data(read_shard(kinesis, name, 0, want=5)) == ["r0", "r1", "r2", "r3", "r4"]
    assert data(read(kinesis, iterator(kinesis, name, kind="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2]), 3)) == [
        "r2", "r3", "r4",
    ]
    assert data(read(kinesis, iterator(kinesis, name, kind="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2]), 2)) == [
        "r3", "r4",
    ]
    assert read(kinesis, iterator(kinesis, name, kind="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[4])) == []
    # [LS-v] helper get_shard_iterator: AT_SEQUENCE_NUMBER of the shard's StartingSequenceNumber reads it all.
    start = describe(kinesis, name)["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"]
    assert data(read(kinesis, iterator(kinesis, name, kind="AT_SEQUENCE_NUMBER", StartingSequenceNumber=start), 5)) == [
        "r0", "r1", "r2", "r3", "r4",
    ]
    # LATEST sees only what came after it was taken.
    kinesis.put_record(StreamName=name, Data=b"r5", PartitionKey="p")
    assert data(read(kinesis, latest, 1)) == ["r5"]
    assert read(kinesis, iterator(kinesis, name, kind="LATEST")) == []


def test_at_timestamp(kinesis):
    name = make_stream(kinesis)
    for i in range(6):
        kinesis.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey="p")
    records = read_shard(kinesis, name, 0, want=6)
    assert len(records) == 6
    arrivals = [r["ApproximateArrivalTimestamp"] for r in records]
    assert arrivals == sorted(arrivals)
    # Before the stream existed (the LocalStack validated tests use 2015-01-01): everything.
    old = read(kinesis, iterator(kinesis, name, kind="AT_TIMESTAMP", Timestamp=datetime(2015, 1, 1, tzinfo=timezone.utc)), 6)
    assert [r["SequenceNumber"] for r in old] == [r["SequenceNumber"] for r in records]
    # At the arrival time of r3: a suffix of the shard that starts at or before r3; anything before r3
    # in it arrived within a millisecond of that time (timestamps are millisecond precision).
    t = arrivals[3]
    got = read(kinesis, iterator(kinesis, name, kind="AT_TIMESTAMP", Timestamp=t))
    j = len(records) - len(got)
    assert 0 <= j <= 3
    assert [r["SequenceNumber"] for r in got] == [r["SequenceNumber"] for r in records[j:]]
    assert all(a >= t - timedelta(milliseconds=1) for a in arrivals[j:3])
    # After the last arrival: nothing yet.
    last = arrivals[-1] + timedelta(milliseconds=1)
    if last <= now():
        assert read(kinesis, iterator(kinesis, name, kind="AT_TIMESTAMP", Timestamp=last)) == []


def test_at_timestamp_errors(kinesis):
    name = make_stream(kinesis)
    # [KL] getShardIterator: AT_TIMESTAMP without Timestamp / in the future
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType="AT_TIMESTAMP")
    assert err(e) == error(
        "InvalidArgumentException",
        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
        "Current request has no timestamp parameter.",
    )
    future = int(time.time()) + 3600
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard_id(0), ShardIteratorType="AT_TIMESTAMP",
            Timestamp=datetime.fromtimestamp(future, timezone.utc),
        )
    assert err(e)["Code"] == "InvalidArgumentException"
    assert re.fullmatch(
        r"The timestampInMillis parameter cannot be greater than the currentTimestampInMillis\. "
        rf"timestampInMillis: {future * 1000}, currentTimestampInMillis: \d+",
        err(e)["Message"],
    ), err(e)["Message"]


def test_get_records_limit_next_iterator_and_millis_behind(kinesis):
    # [LS] test_apigateway_to_kinesis / kinesis_records: MillisBehindLatest 0 once caught up;
    # [LS-v] test_get_records_next_shard_iterator: each call hands out a new iterator.
    name = make_stream(kinesis)
    for i in range(5):
        kinesis.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey="p")
    it = iterator(kinesis, name)
    pages, seen = [], [it]
    for _ in range(4):
        out = kinesis.get_records(ShardIterator=it, Limit=2)
        assert set(out) == {"Records", "NextShardIterator", "MillisBehindLatest", "ResponseMetadata"}
        assert isinstance(out["MillisBehindLatest"], int) and out["MillisBehindLatest"] >= 0
        pages.append([r["Data"] for r in out["Records"]])
        it = out["NextShardIterator"]
        assert it not in seen
        seen.append(it)
    assert pages == [[b"r0", b"r1"], [b"r2", b"r3"], [b"r4"], []]
    assert out["MillisBehindLatest"] == 0
    # reading on from the last iterator picks up new records
    kinesis.put_record(StreamName=name, Data=b"r5", PartitionKey="p")
    assert [r["Data"] for r in read(kinesis, it, 1)] == [b"r5"]


def test_empty_shard_from_latest_keeps_handing_out_new_iterators(kinesis):
    # [LS-v] test_get_records_next_shard_iterator and test_get_records_empty_stream.
    name = make_stream(kinesis)
    first = iterator(kinesis, name, kind="LATEST")
    a = kinesis.get_records(ShardIterator=first)
    assert a["Records"] == []
    assert a["MillisBehindLatest"] == 0
    b = kinesis.get_records(ShardIterator=a["NextShardIterator"])
    assert b["Records"] == []
    assert len({first, a["NextShardIterator"], b["NextShardIterator"]}) == 3


def test_iterator_in_quotes_is_accepted(kinesis):
    # [LS-v] test_get_records_shard_iterator_with_surrounding_quotes
    name = make_stream(kinesis)
    kinesis.put_records(StreamName=name, Records=[{"Data": b"Hello world", "PartitionKey": "1"}])
    it = iterator(kinesis, name)
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=f'"{it}"')["Records"]] == [b"Hello world"]


def test_malformed_iterator(kinesis):
    # [KL] getRecords: InvalidArgumentException for an iterator in the wrong format. (Expiry after
    # 5 minutes, ExpiredIteratorException, is not waited for here.)
    with pytest.raises(ClientError) as e:
        kinesis.get_records(ShardIterator="notAShardIterator123")
    assert err(e) == error("InvalidArgumentException", "Invalid ShardIterator.")


def test_get_shard_iterator_argument_errors(kinesis):
    name = make_stream(kinesis, 2)
    starts = [s["SequenceNumberRange"]["StartingSequenceNumber"] for s in describe(kinesis, name)["Shards"]]
    # [KL] getShardIterator
    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        with pytest.raises(ClientError) as e:
            kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType=kind)
        assert err(e) == error(
            "InvalidArgumentException",
            GET_SHARD_ITERATOR_MISSING_SEQ + f"Request specified {kind} and no StartingSequenceNumber.",
        )
    for kind in ("LATEST", "TRIM_HORIZON"):
        with pytest.raises(ClientError) as e:
            kinesis.get_shard_iterator(
                StreamName=name, ShardId=shard_id(0), ShardIteratorType=kind, StartingSequenceNumber=starts[0]
            )
        assert err(e) == error(
            "InvalidArgumentException",
            GET_SHARD_ITERATOR_MISSING_SEQ + f"Request specified {kind} and also a StartingSequenceNumber.",
        )
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard_id(0), ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=starts[1]
        )
    assert err(e) == error(
        "InvalidArgumentException",
        "Invalid StartingSequenceNumber. It encodes shardId-000000000001, "
        "while it was used in a call to a shard with shardId-000000000000",
    )
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(5), ShardIteratorType="LATEST")
    assert err(e) == error(
        "ResourceNotFoundException", f"Shard shardId-000000000005 in stream {name} under account {ACCOUNT} does not exist"
    )
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType="NEWEST")
    assert err(e)["Code"] == "ValidationException"
    assert "Member must satisfy enum value set" in err(e)["Message"]


def test_shard_id_is_parsed_by_number(kinesis):
    # [KL] uses ShardId "shardId-0" throughout against AWS: the number after the dash names the shard.
    name = make_stream(kinesis)
    kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="p")
    [r] = read(kinesis, iterator(kinesis, name, shard="shardId-0"), 1)
    assert r["Data"] == b"x"


# ------------------------------------------------------------------ sequence numbers


def test_sequence_number_layout(kinesis):
    """AWS's layout (docs/kinesis-recorded.md; every AWS example decodes this
    way): 47 hex digits = "2" | shard create secs (9) | shard index nibble |
    per-shard index (16) | "00" | record secs (9) | shard index (8) | "2";
    56 decimal digits."""
    before = int(time.time())
    name = make_stream(kinesis, 3)
    after = int(time.time())
    shards = describe(kinesis, name)["Shards"]
    created = []
    for i, s in enumerate(shards):
        start = s["SequenceNumberRange"]["StartingSequenceNumber"]
        assert len(start) == 56
        h = format(int(start), "x")
        assert len(h) == 47 and h[0] == "2" and h[-1] == "2", h
        assert int(h[38:46], 16) == i and h[10] == format(i, "x")[-1], h
        assert int(h[11:27], 16) == 0, h  # a shard starts at index 0
        assert h[29:38] == h[1:10], h  # its time is the shard's creation time
        assert before - 5 <= int(h[1:10], 16) <= after + 5, h
        created.append(h[1:10])
    by_shard = {}
    for k in range(60):
        out = kinesis.put_record(StreamName=name, Data=b"", PartitionKey=f"k{k}")
        by_shard.setdefault(out["ShardId"], []).append(out["SequenceNumber"])
    done = int(time.time())
    for sid, seqs in by_shard.items():
        i = int(sid.rsplit("-", 1)[1])
        indexes = []
        for sn in seqs:
            assert len(sn) == 56
            h = format(int(sn), "x")
            assert h[0] == "2" and h[-1] == "2" and int(h[38:46], 16) == i, h
            assert h[1:10] == created[i], h
            assert before - 5 <= int(h[29:38], 16) <= done + 5, h
            indexes.append(int(h[11:27], 16))
        # the full numbers strictly increase (checked elsewhere); the index field never goes back
        assert indexes == sorted(indexes), indexes
        assert all(x > 0 for x in indexes)


def test_sequence_numbers_increase_per_shard_across_calls(kinesis):
    name = make_stream(kinesis, 2)
    per_shard = {}
    for round_ in range(5):
        out = kinesis.put_records(StreamName=name, Records=[{"PartitionKey": f"{round_}-{i}", "Data": b"d"} for i in range(20)])
        for r in out["Records"]:
            per_shard.setdefault(r["ShardId"], []).append(int(r["SequenceNumber"]))
        one = kinesis.put_record(StreamName=name, Data=b"d", PartitionKey=f"single-{round_}")
        per_shard.setdefault(one["ShardId"], []).append(int(one["SequenceNumber"]))
    for sid, seqs in per_shard.items():
        assert_increasing(seqs, sid)
        got = read_shard(kinesis, name, int(sid.rsplit("-", 1)[1]), want=len(seqs))
        assert [seq(r) for r in got] == seqs


# ------------------------------------------------------------------ unknown streams


UNKNOWN_STREAM_CALLS = {
    "DescribeStream": lambda k, n: k.describe_stream(StreamName=n),
    "DescribeStreamSummary": lambda k, n: k.describe_stream_summary(StreamName=n),
    "PutRecord": lambda k, n: k.put_record(StreamName=n, Data=b"x", PartitionKey="a"),
    "PutRecords": lambda k, n: k.put_records(StreamName=n, Records=[{"Data": b"x", "PartitionKey": "a"}]),
    "ListShards": lambda k, n: k.list_shards(StreamName=n),
    "DeleteStream": lambda k, n: k.delete_stream(StreamName=n),
    "IncreaseStreamRetentionPeriod": lambda k, n: k.increase_stream_retention_period(StreamName=n, RetentionPeriodHours=48),
    "DecreaseStreamRetentionPeriod": lambda k, n: k.decrease_stream_retention_period(StreamName=n, RetentionPeriodHours=24),
    "AddTagsToStream": lambda k, n: k.add_tags_to_stream(StreamName=n, Tags={"a": "b"}),
    "RemoveTagsFromStream": lambda k, n: k.remove_tags_from_stream(StreamName=n, TagKeys=["a"]),
    "ListTagsForStream": lambda k, n: k.list_tags_for_stream(StreamName=n),
}


@pytest.mark.parametrize("op", sorted(UNKNOWN_STREAM_CALLS))
def test_unknown_stream(kinesis, op):
    # [LS] test_cbor_exceptions (DescribeStream); [KL] the same text for the others.
    name = unique("absent")
    with pytest.raises(ClientError) as e:
        UNKNOWN_STREAM_CALLS[op](kinesis, name)
    assert err(e) == not_found(name)


def test_unknown_stream_by_arn_names_the_stream(kinesis):
    # [LS] test_cbor_exceptions: addressed by StreamARN, the message still carries the *name*.
    name = unique("absent")
    with pytest.raises(ClientError) as e:
        kinesis.describe_stream(StreamARN=arn(name))
    assert err(e) == not_found(name)
    with pytest.raises(ClientError) as e:
        kinesis.put_record(StreamARN=arn(name), Data=b"x", PartitionKey="a")
    assert err(e) == not_found(name)


def test_unknown_stream_get_shard_iterator(kinesis):
    # [KL] getShardIterator: for a missing stream AWS reports the shard.
    name = unique("absent")
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType="LATEST")
    assert err(e) == error(
        "ResourceNotFoundException", f"Shard shardId-000000000000 in stream {name} under account {ACCOUNT} does not exist"
    )


# ------------------------------------------------------------------ retention


def test_retention_increase_and_decrease(kinesis):
    # [KL] increase/decreaseStreamRetentionPeriod messages; [CLI] empty responses.
    name = make_stream(kinesis)
    out = kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
    assert set(out) == {"ResponseMetadata"}
    wait_active(kinesis, name)
    assert describe(kinesis, name)["RetentionPeriodHours"] == 48
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48

    with pytest.raises(ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
    assert err(e) == error(
        "InvalidArgumentException",
        f"Requested retention period (24 hours) for stream {name} can not be shorter than existing "
        "retention period (48 hours). Use DecreaseRetentionPeriod API.",
    )
    with pytest.raises(ClientError) as e:
        kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=72)
    assert err(e) == error(
        "InvalidArgumentException",
        f"Requested retention period (72 hours) for stream {name} can not be longer than existing "
        "retention period (48 hours). Use IncreaseRetentionPeriod API.",
    )
    for call in (kinesis.decrease_stream_retention_period, kinesis.increase_stream_retention_period):
        with pytest.raises(ClientError) as e:
            call(StreamName=name, RetentionPeriodHours=23)
        assert err(e) == error(
            "InvalidArgumentException",
            "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.",
        )
    with pytest.raises(ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=8761)
    assert err(e)["Code"] == "InvalidArgumentException"  # maximum 8760 (one year); text not recorded
    assert describe(kinesis, name)["RetentionPeriodHours"] == 48

    kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
    wait_active(kinesis, name)
    assert describe(kinesis, name)["RetentionPeriodHours"] == 24
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=8760)
    wait_active(kinesis, name)
    assert describe(kinesis, name)["RetentionPeriodHours"] == 8760


# ------------------------------------------------------------------ tags


def tags_of(out):
    return {t["Key"]: t.get("Value") for t in out["Tags"]}


def test_tags_on_streams(kinesis):
    # [LS] test_add_tags_to_stream / Tags, HasMoreTags false; [CLI] list-tags-for-stream.
    name = make_stream(kinesis)
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == []
    assert set(kinesis.add_tags_to_stream(StreamName=name, Tags={"foo": "bar", "env": "test"})) == {"ResponseMetadata"}
    out = kinesis.list_tags_for_stream(StreamName=name)
    assert set(out) == {"Tags", "HasMoreTags", "ResponseMetadata"}
    assert all(set(t) == {"Key", "Value"} for t in out["Tags"])
    assert tags_of(out) == {"foo": "bar", "env": "test"}
    assert out["HasMoreTags"] is False
    kinesis.add_tags_to_stream(StreamName=name, Tags={"foo": "baz", "empty": ""})
    assert tags_of(kinesis.list_tags_for_stream(StreamName=name)) == {"foo": "baz", "env": "test", "empty": ""}
    # paging
    first = kinesis.list_tags_for_stream(StreamName=name, Limit=1)
    assert len(first["Tags"]) == 1
    assert first["HasMoreTags"] is True
    rest = kinesis.list_tags_for_stream(StreamName=name, ExclusiveStartTagKey=first["Tags"][0]["Key"])
    assert rest["HasMoreTags"] is False
    assert set(tags_of(first)) | set(tags_of(rest)) == {"foo", "env", "empty"}
    assert not set(tags_of(first)) & set(tags_of(rest))
    kinesis.remove_tags_from_stream(StreamName=name, TagKeys=["env", "empty"])
    assert tags_of(kinesis.list_tags_for_stream(StreamName=name)) == {"foo": "baz"}


def test_tags_at_create_and_by_resource_arn(kinesis):
    name = make_stream(kinesis, Tags={"team": "core"})
    assert tags_of(kinesis.list_tags_for_stream(StreamName=name)) == {"team": "core"}
    out = kinesis.list_tags_for_resource(ResourceARN=arn(name))
    assert set(out) == {"Tags", "ResponseMetadata"}  # [M] no HasMoreTags here
    assert tags_of(out) == {"team": "core"}
    kinesis.tag_resource(ResourceARN=arn(name), Tags={"cost": "42"})
    assert tags_of(kinesis.list_tags_for_stream(StreamName=name)) == {"team": "core", "cost": "42"}
    kinesis.untag_resource(ResourceARN=arn(name), TagKeys=["team"])
    assert tags_of(kinesis.list_tags_for_resource(ResourceARN=arn(name))) == {"cost": "42"}


def test_invalid_tag_characters(kinesis):
    # [KL] addTagsToStream / removeTagsFromStream
    name = make_stream(kinesis)
    msg = "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @."
    with pytest.raises(ClientError) as e:
        kinesis.add_tags_to_stream(StreamName=name, Tags={"abc;def": "1"})
    assert err(e) == error("InvalidArgumentException", msg)
    with pytest.raises(ClientError) as e:
        kinesis.add_tags_to_stream(StreamName=name, Tags={"a": "abc;def"})
    assert err(e) == error("InvalidArgumentException", msg)
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == []


# ------------------------------------------------------------------ StreamARN addressing


def test_stream_arn_works_wherever_a_name_does(kinesis):
    name = make_stream(kinesis, 2)
    a = arn(name)
    assert kinesis.describe_stream(StreamARN=a)["StreamDescription"] == describe(kinesis, name)
    assert kinesis.describe_stream_summary(StreamARN=a)["StreamDescriptionSummary"]["StreamName"] == name
    assert [s["ShardId"] for s in kinesis.list_shards(StreamARN=a)["Shards"]] == [shard_id(0), shard_id(1)]
    one = kinesis.put_record(StreamARN=a, Data=b"by-arn", PartitionKey="a")
    many = kinesis.put_records(StreamARN=a, Records=[{"Data": b"by-arn-2", "PartitionKey": "a"}])
    assert many["Records"][0]["ShardId"] == one["ShardId"]
    it = kinesis.get_shard_iterator(StreamARN=a, ShardId=one["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = kinesis.get_records(StreamARN=a, ShardIterator=it)["Records"]
    assert [r["Data"] for r in got] == [b"by-arn", b"by-arn-2"]
    kinesis.add_tags_to_stream(StreamARN=a, Tags={"k": "v"})
    assert tags_of(kinesis.list_tags_for_stream(StreamARN=a)) == {"k": "v"}
    kinesis.increase_stream_retention_period(StreamARN=a, RetentionPeriodHours=30)
    wait_active(kinesis, name)
    assert describe(kinesis, name)["RetentionPeriodHours"] == 30
    kinesis.delete_stream(StreamARN=a)
    wait_gone(kinesis, name)
    with pytest.raises(ClientError) as e:
        kinesis.describe_stream(StreamARN=a)
    assert err(e) == not_found(name)


# ------------------------------------------------------------------ delete


def test_delete_then_not_found(kinesis):
    name = make_stream(kinesis, 2)
    kinesis.put_record(StreamName=name, Data=b"old", PartitionKey="a")
    it = iterator(kinesis, name, kind="TRIM_HORIZON", shard=0)
    it1 = iterator(kinesis, name, kind="TRIM_HORIZON", shard=1)
    out = kinesis.delete_stream(StreamName=name)
    assert set(out) == {"ResponseMetadata"}
    # DescribeStream shows DELETING until the stream is gone (on AWS); the waiter polls for the 404.
    wait_gone(kinesis, name)
    with pytest.raises(ClientError) as e:
        kinesis.describe_stream(StreamName=name)
    assert err(e) == not_found(name)
    assert name not in all_stream_names(kinesis)[0]
    with pytest.raises(ClientError) as e:
        kinesis.delete_stream(StreamName=name)
    assert err(e) == not_found(name)
    # [KL] getRecords: an iterator of the deleted stream names its shard
    with pytest.raises(ClientError) as e:
        kinesis.get_records(ShardIterator=it)
    assert err(e) == error(
        "ResourceNotFoundException", f"Shard shardId-000000000000 in stream {name} under account {ACCOUNT} does not exist"
    )
    # A stream of the same name is a new stream: no old records; [KL] old iterators of a shard it lacks still fail.
    make_stream(kinesis, name=name)
    assert read_shard(kinesis, name, 0) == []
    with pytest.raises(ClientError) as e:
        kinesis.get_records(ShardIterator=it1)
    assert err(e) == error(
        "ResourceNotFoundException", f"Shard shardId-000000000001 in stream {name} under account {ACCOUNT} does not exist"
    )


# ------------------------------------------------------------------ the aws CLI


def test_aws_cli_round_trip(server, kinesis):
    # aws CLI v1 sends --data's text as the record bytes and prints Data base64-encoded.
    name = unique("cli")
    created = server.aws("kinesis", "create-stream", "--stream-name", name, "--shard-count", "1")
    assert created.stdout.strip() == ""  # [CLI] create-stream: no output
    wait_active(kinesis, name)
    put = json.loads(
        server.aws("kinesis", "put-record", "--stream-name", name, "--data", "hello", "--partition-key", "k").stdout
    )
    assert set(put) == {"ShardId", "SequenceNumber"}
    assert put["ShardId"] == "shardId-000000000000"
    it = json.loads(
        server.aws(
            "kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
            "--shard-iterator-type", "TRIM_HORIZON",
        ).stdout
    )
    assert set(it) == {"ShardIterator"}
    got = json.loads(server.aws("kinesis", "get-records", "--shard-iterator", it["ShardIterator"]).stdout)
    assert [(r["Data"], r["PartitionKey"], r["SequenceNumber"]) for r in got["Records"]] == [
        (base64.b64encode(b"hello").decode(), "k", put["SequenceNumber"])
    ]
    assert got["MillisBehindLatest"] == 0
    missing = server.aws("kinesis", "describe-stream", "--stream-name", unique("absent"), check=False)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr
    assert f"under account {ACCOUNT} not found." in missing.stderr
    server.aws("kinesis", "delete-stream", "--stream-name", name)
    wait_gone(kinesis, name)

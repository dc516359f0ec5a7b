"""kill -9 under Kinesis load: every record a 200 acknowledged is readable
after the restart, from TRIM_HORIZON, in per-shard order with strictly
increasing sequence numbers; sequence numbers keep increasing after the
restart; and a deleted stream does not come back (nor do its records)."""

import hashlib
import json
import shutil
import tempfile
import threading
import time

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import Server

SHARDS = 4
THREADS = 8


def client(server):
    return boto3.client(
        "kinesis", endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=30),
    )


def wait_active(k, name):
    k.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def wait_gone(k, name):
    k.get_waiter("stream_not_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def shard_of(partition_key, shards):
    key = int(hashlib.md5(partition_key.encode()).hexdigest(), 16)
    step = 2**128 // shards
    return f"shardId-{min(key // step, shards - 1):012d}"


def read_all(k, name, shard):
    """Everything in a shard from TRIM_HORIZON, until a read is empty and caught up."""
    it = k.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    for _ in range(1000):
        out = k.get_records(ShardIterator=it)
        records.extend(out["Records"])
        it = out["NextShardIterator"]
        if not out["Records"] and out["MillisBehindLatest"] == 0:
            return records
    pytest.fail(f"{shard} never caught up ({len(records)} records read)")


def assert_not_found(k, name):
    with pytest.raises(ClientError) as e:
        k.describe_stream(StreamName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == f"Stream {name} under account 000000000000 not found."


def all_names(k):
    out, names = k.list_streams(), []
    while True:
        names.extend(out["StreamNames"])
        if not out["HasMoreStreams"]:
            return names
        out = k.list_streams(NextToken=out["NextToken"])


def test_kill_9_under_put_load():
    data = tempfile.mkdtemp(prefix="lambdalite-kinesis-crash-")
    try:
        first = Server(data).start()
        k = client(first)
        k.create_stream(StreamName="crash", ShardCount=SHARDS)
        wait_active(k, "crash")
        before = k.describe_stream(StreamName="crash")["StreamDescription"]

        # a stream deleted (acknowledged) before the load
        k.create_stream(StreamName="gone", ShardCount=1)
        wait_active(k, "gone")
        k.put_records(StreamName="gone", Records=[{"Data": f"gone-{i}".encode(), "PartitionKey": str(i)} for i in range(50)])
        k.delete_stream(StreamName="gone")
        wait_gone(k, "gone")

        # a stream deleted during the load
        k.create_stream(StreamName="victim", ShardCount=2)
        wait_active(k, "victim")
        k.put_records(StreamName="victim", Records=[{"Data": f"victim-{i}".encode(), "PartitionKey": str(i)} for i in range(20)])

        acked = []  # (thread, shard, sequence number, data, partition key), in each thread's ack order
        lock = threading.Lock()
        stop = threading.Event()
        victim_deleted = threading.Event()

        def put(t):
            c = client(first)
            i = 0
            while not stop.is_set():
                try:
                    if i % 5 == 4:
                        batch = [
                            (json.dumps({"t": t, "i": i, "j": j}).encode(), f"pk-{t}-{(i + j) % 13}") for j in range(10)
                        ]
                        out = c.put_records(
                            StreamName="crash", Records=[{"Data": d, "PartitionKey": p} for d, p in batch]
                        )
                        if out["ResponseMetadata"]["HTTPStatusCode"] != 200:
                            return
                        got = [
                            (t, r["ShardId"], r["SequenceNumber"], d, p)
                            for r, (d, p) in zip(out["Records"], batch)
                            if "SequenceNumber" in r  # a failed entry (ErrorCode) was not stored
                        ]
                    else:
                        d, p = json.dumps({"t": t, "i": i}).encode(), f"pk-{t}-{i % 13}"
                        out = c.put_record(StreamName="crash", Data=d, PartitionKey=p)
                        if out["ResponseMetadata"]["HTTPStatusCode"] != 200:
                            return
                        got = [(t, out["ShardId"], out["SequenceNumber"], d, p)]
                except Exception:
                    return
                with lock:
                    acked.extend(got)
                i += 1

        def delete_victim():
            c = client(first)
            time.sleep(1.0)
            try:
                c.delete_stream(StreamName="victim")
                victim_deleted.set()
            except Exception:
                pass

        threads = [threading.Thread(target=put, args=(t,)) for t in range(THREADS)]
        threads.append(threading.Thread(target=delete_victim))
        for t in threads:
            t.start()
        time.sleep(2.0)  # load duration before the kill, not a timing assertion
        first.stop(sig_kill=True)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked) > 100, f"too little load before the kill: {len(acked)}"

        # What the server acknowledged was already ordered: per thread and shard, increasing numbers,
        # each routed by the MD5 of its partition key.
        for t in range(THREADS):
            for s in range(SHARDS):
                sid = f"shardId-{s:012d}"
                mine = [int(a[2]) for a in acked if a[0] == t and a[1] == sid]
                assert all(x < y for x, y in zip(mine, mine[1:])), f"thread {t} {sid}: {mine[:10]}"
        for _, sid, _, _, p in acked:
            assert sid == shard_of(p, SHARDS), (sid, p)

        second = Server(data).start()
        try:
            k = client(second)
            wait_active(k, "crash")
            after = k.describe_stream(StreamName="crash")["StreamDescription"]
            for key in ("StreamARN", "StreamCreationTimestamp", "RetentionPeriodHours", "StreamModeDetails"):
                assert after[key] == before[key], key
            assert after["Shards"] == before["Shards"], "shard map changed across the restart"

            stored = {}
            seen_data = set()
            for s in range(SHARDS):
                sid = f"shardId-{s:012d}"
                records = read_all(k, "crash", sid)
                numbers = [int(r["SequenceNumber"]) for r in records]
                assert all(x < y for x, y in zip(numbers, numbers[1:])), f"{sid} out of order after restart"
                for r in records:
                    assert r["Data"] not in seen_data, f"record stored twice: {r['Data']!r}"
                    seen_data.add(r["Data"])
                    assert shard_of(r["PartitionKey"], SHARDS) == sid, r
                    assert not r["Data"].startswith((b"gone-", b"victim-")), r
                    stored[(sid, r["SequenceNumber"])] = (r["Data"], r["PartitionKey"])
                # sequence numbers keep increasing after the restart
                lo = int(after["Shards"][s]["HashKeyRange"]["StartingHashKey"])
                new = k.put_record(StreamName="crash", Data=b"after-restart", PartitionKey="x", ExplicitHashKey=str(lo))
                assert new["ShardId"] == sid
                if numbers:
                    assert int(new["SequenceNumber"]) > numbers[-1], f"{sid}: sequence number went back after restart"

            lost = [a for a in acked if (a[1], a[2]) not in stored]
            assert not lost, f"{len(lost)} acknowledged records lost, e.g. {lost[:3]}"
            wrong = [a for a in acked if stored[(a[1], a[2])] != (a[3], a[4])]
            assert not wrong, f"acknowledged records changed: {wrong[:3]}"
            # (per-shard order of each thread's records follows: its acknowledged numbers increase,
            # the stored numbers increase in read order, and each number holds what was acknowledged)

            # deleted streams stay deleted, and their records do not come back with a new stream of that name
            assert_not_found(k, "gone")
            if victim_deleted.is_set():
                wait_gone(k, "victim")
                assert_not_found(k, "victim")
            names = all_names(k)
            assert "gone" not in names
            k.create_stream(StreamName="gone", ShardCount=1)
            wait_active(k, "gone")
            assert read_all(k, "gone", "shardId-000000000000") == []
            if victim_deleted.is_set():
                assert "victim" not in names
                k.create_stream(StreamName="victim", ShardCount=2)
                wait_active(k, "victim")
                assert read_all(k, "victim", "shardId-000000000000") == []
                assert read_all(k, "victim", "shardId-000000000001") == []
        finally:
            second.stop()
    finally:
        shutil.rmtree(data, ignore_errors=True)

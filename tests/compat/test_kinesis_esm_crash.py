"""kill -9 while a Kinesis stream mapping is consuming: after the restart on
the same data directory the mapping resumes from its durable checkpoint, so
every record the stream holds (every acknowledged one among them) reaches
the function, in per-shard order; records are repeated only as
re-deliveries after the restart, and those are the tail of what was
delivered before the kill (delivery resumes at a checkpoint and goes
forward, not from TRIM_HORIZON).

The function prints each event ("RECORD " + JSON, as in
test_kinesis_esm.py) and then sleeps a little, so processing is still
under way when the kill comes, and so its line is in the log file before
the invocation answers (the log is written by a background thread; a line
printed at the very end of an invocation could still be in memory when the
checkpoint after it is committed). What was delivered is read back from the
function's log files in the data directory, which both runs append to; a
line cut by the kill is skipped."""

import base64
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import boto3
import botocore.config
import pytest

from conftest import Server, create, make_zip

SHARDS = ["shardId-000000000000", "shardId-000000000001"]
HASH_KEYS = [str(2**126), str(3 * 2**126)]  # one inside each of the two shards' ranges
BEFORE = 400  # records put while the first server runs (at most)
AFTER = 20  # records put after the restart
PUT_BATCH = 20
BATCH_SIZE = 10

HANDLER = r"""
import json, time

def handler(event, context):
    print("RECORD " + json.dumps({"event": event, "at": time.time(), "request": context.aws_request_id}), flush=True)
    time.sleep(0.05)
    return None
"""


def client(server, service):
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=30),
    )


def wait_until(predicate, timeout, what, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def invocations(data_dir, name):
    """Every invocation the function printed, in both runs, ordered by its printed start
    time: {"event", "at", "request"}. Lines that do not parse (cut by the kill) are skipped."""
    group = Path(data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    found = []
    for f in sorted(group.glob("*.jsonl")) if group.exists() else []:
        for line in f.read_text(errors="replace").splitlines():
            try:
                message = json.loads(line)["message"]
                if message.startswith("RECORD "):
                    found.append(json.loads(message.split("RECORD ", 1)[1]))
            except (ValueError, KeyError, TypeError):
                continue
    return sorted(found, key=lambda inv: inv["at"])


def shard_of(inv):
    shards = {r["eventID"].split(":", 1)[0] for r in inv["event"]["Records"]}
    assert len(shards) == 1, f"a batch mixed shards: {shards}"
    return shards.pop()


def seqs_of(inv):
    return [r["kinesis"]["sequenceNumber"] for r in inv["event"]["Records"]]


def per_shard(invs):
    """shard -> delivered sequence numbers in delivery order (repeats kept)."""
    out = {s: [] for s in SHARDS}
    for inv in invs:
        out[shard_of(inv)].extend(seqs_of(inv))
    return out


def read_all(k, stream, shard):
    """Everything in a shard from TRIM_HORIZON: [(sequence number, data)] in order."""
    it = k.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    for _ in range(1000):
        out = k.get_records(ShardIterator=it)
        records.extend((r["SequenceNumber"], r["Data"]) for r in out["Records"])
        it = out["NextShardIterator"]
        if not out["Records"] and out["MillisBehindLatest"] == 0:
            return records
    pytest.fail(f"{shard} never caught up ({len(records)} records read)")


def dedup(seqs):
    seen, out = set(), []
    for s in seqs:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def put_batch(k, stream, next_id, n):
    """PutRecords of n records alternating between the shards; each record's data carries
    the shard's next id. The acknowledged (shard, sequence number, data) in the answer's order."""
    batch = []
    for j in range(n):
        s = j % 2
        data = json.dumps({"shard": s, "id": next_id[s]}).encode()
        next_id[s] += 1
        batch.append({"Data": data, "PartitionKey": f"pk-{s}", "ExplicitHashKey": HASH_KEYS[s]})
    out = k.put_records(StreamName=stream, Records=batch)
    acked = []
    for r, sent in zip(out["Records"], batch):
        if "SequenceNumber" in r:  # an entry with an ErrorCode was not stored
            acked.append((r["ShardId"], r["SequenceNumber"], sent["Data"]))
    return acked


def test_kill_9_while_a_stream_mapping_consumes():
    data = tempfile.mkdtemp(prefix="lambdalite-kinesis-esm-crash-")
    first = second = None
    try:
        first = Server(data).start()
        lam, k = client(first, "lambda"), client(first, "kinesis")
        name = "kcrash"
        create(lam, name, zip_bytes=make_zip({"app.py": HANDLER}), Timeout=10)
        stream = "esm-crash"
        k.create_stream(StreamName=stream, ShardCount=2)
        k.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
        mapping = lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=BATCH_SIZE
        )["UUID"]
        wait_until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled", 30, "the mapping to be Enabled")

        acked = []  # (shard, sequence number, data) in acknowledgement order
        next_id = [0, 0]
        lock = threading.Lock()

        def putter():
            c = client(first, "kinesis")
            put = 0
            while put < BEFORE:
                try:
                    got = put_batch(c, stream, next_id, PUT_BATCH)
                except Exception:
                    return  # the server is gone: this batch was not acknowledged
                with lock:
                    acked.extend(got)
                put += PUT_BATCH

        thread = threading.Thread(target=putter)
        thread.start()

        # Kill once each shard has had a few invocations, while records are still waiting.
        def under_way():
            counts = {s: 0 for s in SHARDS}
            for inv in invocations(data, name):
                counts[shard_of(inv)] += 1
            return all(c >= 5 for c in counts.values())

        wait_until(under_way, 60, "each shard to have five invocations", interval=0.02)
        first.stop(sig_kill=True)
        thread.join(timeout=30)
        assert not thread.is_alive()
        before_kill = invocations(data, name)
        before_requests = {inv["request"] for inv in before_kill}
        pre = per_shard(before_kill)
        acked_before = list(acked)
        assert len(acked_before) >= 100, f"too few records acknowledged before the kill: {len(acked_before)}"
        for s in SHARDS:
            mine = [seq for sh, seq, _ in acked_before if sh == s]
            assert len(pre[s]) < len(mine), f"{s}: everything was delivered before the kill ({len(pre[s])} records)"

        second = Server(data).start()
        lam, k = client(second, "lambda"), client(second, "kinesis")
        wait_until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled", 30, "the mapping to be Enabled again")
        for _ in range(AFTER // PUT_BATCH or 1):
            acked.extend(put_batch(k, stream, next_id, min(AFTER, PUT_BATCH)))

        # What the stream holds: every acknowledged record, and maybe a batch stored while
        # its answer was lost to the kill.
        stored = {s: read_all(k, stream, s) for s in SHARDS}
        order = {s: [seq for seq, _ in stored[s]] for s in SHARDS}
        data_of = {seq: d for s in SHARDS for seq, d in stored[s]}
        for s in SHARDS:
            mine = [(seq, d) for sh, seq, d in acked if sh == s]
            assert all(seq in data_of and data_of[seq] == d for seq, d in mine), f"{s}: an acknowledged record is not stored"
            assert [seq for seq in order[s] if seq in {m for m, _ in mine}] == [m for m, _ in mine], (
                f"{s}: the stream's order is not the acknowledged order"
            )
            ids = [json.loads(d)["id"] for _, d in stored[s]]
            assert ids == sorted(ids) and len(set(ids)) == len(ids), f"{s}: ids out of order in the stream: {ids}"
            assert all(json.loads(d)["shard"] == SHARDS.index(s) for _, d in stored[s])

        # A shard is processed in order: once its last record has been delivered, whatever of it
        # is still missing was skipped (checked below), so wait for the last records only.
        def caught_up():
            got = per_shard(invocations(data, name))
            return all(order[s][-1] in set(got[s]) for s in SHARDS)

        try:
            wait_until(caught_up, 60, "each shard's last record to be delivered", interval=0.25)
        except AssertionError:
            got = per_shard(invocations(data, name))
            missing = {s: [seq for seq in order[s] if seq not in set(got[s])] for s in SHARDS}
            pytest.fail(
                "records never delivered after the restart: "
                + "; ".join(f"{s}: {len(m)} of {len(order[s])}, first {m[:3]}" for s, m in missing.items())
            )

        everything = invocations(data, name)
        after_kill = [inv for inv in everything if inv["request"] not in before_requests]
        post = per_shard(after_kill)
        delivered = per_shard(everything)
        for inv in everything:
            for r in inv["event"]["Records"]:
                seq = r["kinesis"]["sequenceNumber"]
                assert seq in data_of, f"delivered a record the stream does not hold: {r['eventID']}"
                assert base64.b64decode(r["kinesis"]["data"]) == data_of[seq], f"{r['eventID']}: data changed"
                assert len(inv["event"]["Records"]) <= BATCH_SIZE

        report = {}
        for s in SHARDS:
            S = order[s]
            # (1) nothing acknowledged was skipped
            skipped = [seq for sh, seq, _ in acked if sh == s and seq not in set(delivered[s])]
            assert not skipped, f"{s}: acknowledged records never delivered: {skipped[:5]}"
            # (2) first deliveries are the stream's (the acknowledged) order
            assert dedup(delivered[s]) == S, f"{s}: first deliveries out of order"
            # before the kill: a prefix, each record once
            assert pre[s] == S[: len(pre[s])], f"{s}: before the kill, not a prefix of the shard: {pre[s][:5]}..."
            # after the restart: each record once, from some checkpoint k to the end, no gap
            assert post[s], f"{s}: nothing delivered after the restart"
            k_at = S.index(post[s][0])
            assert post[s] == S[k_at:], f"{s}: after the restart, not a contiguous run to the end of the shard"
            assert k_at <= len(pre[s]), (
                f"{s}: records between the last delivered before the kill ({len(pre[s])}) and the restart point "
                f"({k_at}) were skipped: {S[len(pre[s]):k_at][:5]}"
            )
            # (3) repeats are only re-deliveries after the restart, the tail of what came before
            redelivered = [seq for seq in post[s] if seq in set(pre[s])]
            assert redelivered == pre[s][k_at:], f"{s}: re-deliveries are not a suffix of what came before the kill"
            assert len(redelivered) < len(pre[s]), f"{s}: the restart went back to TRIM_HORIZON"
            report[s] = {"before_kill": len(pre[s]), "redelivered": len(redelivered), "stored": len(S)}
        print("kinesis esm crash:", report)
    finally:
        for s in (second, first):
            if s is not None:
                try:
                    s.stop()
                except Exception:
                    pass
        shutil.rmtree(data, ignore_errors=True)

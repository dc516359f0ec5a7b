"""kill -9 while SNS Publish and EventBridge PutEvents are answering: every
message acknowledged with 200 reaches its queue after the restart, and
what was deleted before the crash (a topic, a rule, a schedule) stays
deleted."""

import json
import shutil
import tempfile
import threading
import time

import boto3
import botocore.config

from conftest import Server


def client(server, service):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=10),
    )


def drain(sqs, url, want, deadline):
    """Bodies from a queue until `want` are all seen or the deadline."""
    seen = set()
    while time.time() < deadline and not want <= seen:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        for m in got:
            seen.add(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return seen


def test_acknowledged_publishes_and_events_survive_kill_9():
    data = tempfile.mkdtemp(prefix="lambdalite-crash-")
    server = Server(data).start()
    try:
        sqs, sns, events, scheduler = (client(server, s) for s in ("sqs", "sns", "events", "scheduler"))
        sink = sqs.create_queue(QueueName="sink")["QueueUrl"]
        sink_arn = sqs.get_queue_attributes(QueueUrl=sink, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = sns.create_topic(Name="crash")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sink_arn,
                      Attributes={"RawMessageDelivery": "true"})
        events.put_rule(Name="crash", EventPattern=json.dumps({"source": ["crash.test"]}))
        events.put_targets(Rule="crash", Targets=[{"Id": "sink", "Arn": sink_arn, "InputPath": "$.detail.n"}])
        # What is deleted before the crash must not come back.
        gone_topic = sns.create_topic(Name="gone")["TopicArn"]
        sns.delete_topic(TopicArn=gone_topic)
        events.put_rule(Name="gone", EventPattern=json.dumps({"source": ["x"]}))
        events.delete_rule(Name="gone")
        scheduler.create_schedule(
            Name="gone", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": sink_arn, "RoleArn": "arn:aws:iam::000000000000:role/x"})
        scheduler.delete_schedule(Name="gone")

        acked, lock, stop = set(), threading.Lock(), threading.Event()

        def publisher(kind, i0):
            c = client(server, kind)
            i = i0
            while not stop.is_set():
                body = f'"{kind}-{i}"'
                try:
                    if kind == "sns":
                        c.publish(TopicArn=topic, Message=body)
                    else:
                        r = c.put_events(Entries=[{"Source": "crash.test", "DetailType": "t",
                                                   "Detail": json.dumps({"n": f"{kind}-{i}"})}])
                        if r["FailedEntryCount"]:
                            continue
                    with lock:
                        acked.add(body)
                except Exception:
                    pass
                i += 1

        threads = [threading.Thread(target=publisher, args=(k, n * 100000))
                   for n, k in enumerate(["sns", "events", "sns", "events"])]
        for t in threads:
            t.start()
        time.sleep(2.0)
        server.stop(sig_kill=True)
        stop.set()
        for t in threads:
            t.join()
        assert len(acked) > 20, f"too little load before the crash: {len(acked)}"

        server = Server(data).start()
        sqs, sns, events, scheduler = (client(server, s) for s in ("sqs", "sns", "events", "scheduler"))
        seen = drain(sqs, sink, acked, time.time() + 60)
        lost = acked - seen
        assert not lost, f"{len(lost)} of {len(acked)} acknowledged messages lost, e.g. {sorted(lost)[:5]}"

        topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        assert topic in topics and gone_topic not in topics
        rules = [r["Name"] for r in events.list_rules()["Rules"]]
        assert "crash" in rules and "gone" not in rules
        assert [s["Name"] for s in scheduler.list_schedules()["Schedules"]] == []
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)

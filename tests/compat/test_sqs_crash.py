"""kill -9 under SQS load: nothing a 200 acknowledged is lost, nothing
deleted comes back, and every message reaches the function at least once.

A mapping feeds a relay function that copies each body to another queue
with its own signed SQS call (standard library only, SigV4 by hand), so the
"reached the function" record is itself durable SQS state."""

import json
import shutil
import tempfile
import threading
import time

import botocore.config
import boto3
import pytest

from conftest import Server, create, make_zip

RELAY = r'''
import datetime, hashlib, hmac, json, os, urllib.request

def _sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()

def sqs(action, payload):
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    host = endpoint.split("//", 1)[1]
    body = json.dumps(payload).encode()
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    region = os.environ["AWS_REGION"]
    token = os.environ["AWS_SESSION_TOKEN"]
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-security-token": token,
               "x-amz-target": "AmazonSQS." + action}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                           signed, hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{region}/sqs/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _sign(("AWS4" + os.environ["AWS_SECRET_ACCESS_KEY"]).encode(), day)
    for part in (region, "sqs", "aws4_request"):
        key = _sign(key, part)
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(endpoint + "/", data=body, method="POST")
    for k, v in headers.items():
        if k != "host":
            req.add_header(k, v)
    req.add_header("content-type", "application/x-amz-json-1.0")
    req.add_header("authorization", f"AWS4-HMAC-SHA256 Credential={os.environ['AWS_ACCESS_KEY_ID']}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={sig}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")

def handler(event, context):
    done = os.environ["AWS_ENDPOINT_URL"] + "/000000000000/done"
    for r in event["Records"]:
        sqs("SendMessage", {"QueueUrl": done, "MessageBody": r["body"]})
'''


def client(server, service):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=30),
    )


def drain(sqs, url, deadline):
    """Every body left in a queue (received and deleted)."""
    bodies = []
    while time.time() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not got:
            break
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def test_kill_9_under_send_delete_and_mapping_load():
    data = tempfile.mkdtemp(prefix="lambdalite-sqs-crash-")
    try:
        first = Server(data).start()
        sqs, lam = client(first, "sqs"), client(first, "lambda")
        src = sqs.create_queue(QueueName="src", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
        sqs.create_queue(QueueName="done")
        deletions = sqs.create_queue(QueueName="del", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
        for i in range(200):
            sqs.send_message(QueueUrl=deletions, MessageBody=f"d-{i}")
        name = create(lam, zip_bytes=make_zip({"app.py": RELAY}), MemorySize=1769, Timeout=30)["FunctionName"]
        src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.create_event_source_mapping(EventSourceArn=src_arn, FunctionName=name, BatchSize=10)

        acked, deleted = set(), set()
        lock = threading.Lock()
        stop = threading.Event()

        def send(t):
            c = client(first, "sqs")
            i = 0
            while not stop.is_set() and i < 2000:
                body = f"m-{t}-{i}"
                try:
                    c.send_message(QueueUrl=src, MessageBody=body)
                except Exception:
                    return
                with lock:
                    acked.add(body)
                i += 1

        def delete():
            c = client(first, "sqs")
            while not stop.is_set():
                try:
                    got = c.receive_message(QueueUrl=deletions, MaxNumberOfMessages=10).get("Messages", [])
                    for m in got:
                        c.delete_message(QueueUrl=deletions, ReceiptHandle=m["ReceiptHandle"])
                        with lock:
                            deleted.add(m["Body"])
                except Exception:
                    return

        threads = [threading.Thread(target=send, args=(t,)) for t in range(8)]
        threads.append(threading.Thread(target=delete))
        for t in threads:
            t.start()
        time.sleep(2.0)
        first.stop(sig_kill=True)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked) > 50, f"too little load before the kill: {len(acked)}"

        second = Server(data).start()
        try:
            sqs = client(second, "sqs")
            src = sqs.get_queue_url(QueueName="src")["QueueUrl"]
            deadline = time.time() + 120
            while time.time() < deadline:
                a = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
                if a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0":
                    break
                time.sleep(0.5)
            else:
                pytest.fail(f"the mapping did not drain the queue after the restart: {a}")
            done = sqs.get_queue_url(QueueName="done")["QueueUrl"]
            relayed = set(drain(sqs, done, time.time() + 60))
            lost = acked - relayed
            assert not lost, f"{len(lost)} acknowledged messages never reached the function, e.g. {sorted(lost)[:5]}"
            time.sleep(1.5)  # what was in flight at the kill is visible again
            left = set(drain(sqs, sqs.get_queue_url(QueueName="del")["QueueUrl"], time.time() + 60))
            back = left & deleted
            assert not back, f"deleted messages came back: {sorted(back)[:5]}"
            missing = {f"d-{i}" for i in range(200)} - deleted - left
            assert not missing, f"messages neither deleted nor left: {sorted(missing)[:5]}"
        finally:
            second.stop()
    finally:
        shutil.rmtree(data, ignore_errors=True)

"""S3 bucket notifications on lambdalite's one endpoint, checked against answers
recorded on real AWS.

Facts (codes, messages, argument elements, configurations as read back, the
records delivered) come from LocalStack's parity snapshots of
tests/aws/services/s3/ (test_s3_notifications_sqs.py, _sns.py, _lambda.py, and
the notification cases of test_s3_api.py and test_s3.py), recorded against AWS;
the matching *.validation.json files list them as AWS-validated.
docs/s3-notifications-recorded.md is the digest of the same recordings. Each
test names its source as "file: Class::test / snapshot key", "docs: ..." when
the fact is AWS's documentation, or "seen: ..." when it is an AWS answer quoted
in a public issue thread; the weaker the source, the less a test asserts (a
code only, or one of the messages seen). Snapshot placeholders (account
111111111111, <region>) are mapped to 000000000000 and us-east-1.

S3 speaks rest-xml; the client here uses path-style addressing. A
configuration that names a queue or a topic makes S3 send it an s3:TestEvent
first: the helpers that collect records set those aside (as the recordings
did) and the tests of the test events look at them on their own.

Deliveries are asynchronous: tests poll the queue that receives them
(receive_message with WaitTimeSeconds=1) up to a deadline. What a function
received is read from its OnSuccess destination's invocation record
(requestPayload is the event, responsePayload what the function made of it).
To show that something was *not* delivered, a test causes it first, then
something that is delivered, waits for that one and gives stragglers one more
second and a half.
"""

import datetime
import hashlib
import io
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import botocore.config
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique
from test_first_run import sdk_zip

ACCOUNT = "000000000000"
REGION = "us-east-1"

# docs (notification-content-structure): "1970-01-01T00:00:00.000Z".
EVENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# docs: "a string representation of a hexadecimal value" (example 0055AED6DCD90281E5).
SEQUENCER = re.compile(r"^[0-9A-F]+$")
ETAG = re.compile(r"^[0-9a-f]{32}(-\d+)?$")
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"

# The record's keys in AWS's order (sns: TestS3NotificationsToSns::test_object_created_put /
# receive_messages; sqs: test_xray_header / receive_messages; sqs: test_object_created_put_versioned /
# message-versioning-active): the recordings that kept the order AWS sent.
RECORD_KEYS = [
    "eventVersion",
    "eventSource",
    "awsRegion",
    "eventTime",
    "eventName",
    "userIdentity",
    "requestParameters",
    "responseElements",
    "s3",
]
S3_KEYS = ["s3SchemaVersion", "configurationId", "bucket", "object"]
BUCKET_KEYS = ["name", "ownerIdentity", "arn"]
RESPONSE_ELEMENT_KEYS = ["x-amz-request-id", "x-amz-id-2"]
# docs (notification-content-structure, "test message"); seen: fredliporace/cbers-2-stac#45.
TEST_EVENT_KEYS = ["Service", "Event", "Time", "Bucket", "RequestId", "HostId"]
# sns: TestS3NotificationsToSns::test_object_created_put / receive_messages (no MessageAttributes).
SNS_ENVELOPE_KEYS = {
    "Type",
    "MessageId",
    "TopicArn",
    "Subject",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
    "UnsubscribeURL",
}
SUBJECT = "Amazon S3 Notification"

UNABLE = "Unable to validate the following destination configurations"
NOT_PARSED = "The ARN could not be parsed"
MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"
# seen: minio/minio#2472 (2016, the XML AWS answered), aws-solutions/aws-waf-security-automations#49
# (2018), fivexl/terraform-aws-cloudtrail-to-slack#62 (2024): both texts have been answered for
# overlapping configurations.
OVERLAP_MESSAGES = {
    "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes "
    "are overlapping for the same event type.",
}

# A function that says what it was told: one entry per record, the key decoded
# the way AWS's docs tell consumers to.
REPORTER = make_zip({
    "app.py": (
        "import urllib.parse\n"
        "def handler(event, context):\n"
        "    out = []\n"
        "    for r in event.get('Records', []):\n"
        "        o = r['s3']['object']\n"
        "        out.append({'eventName': r['eventName'], 'bucket': r['s3']['bucket']['name'],\n"
        "                    'key': urllib.parse.unquote_plus(o['key']), 'size': o.get('size')})\n"
        "    return out\n"
    )
})

# What a user writes for AWS: read the uploaded CSV, write a summary next to it.
PROCESSOR = """
import json, urllib.parse
import boto3
from botocore.config import Config

s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))

def handler(event, context):
    written = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        rows = [line.split(",") for line in text.splitlines() if line]
        summary = {"source": key, "rows": len(rows) - 1, "total": sum(int(r[1]) for r in rows[1:])}
        out = "processed/" + key.split("/", 1)[1] + ".json"
        s3.put_object(Bucket=bucket, Key=out, Body=json.dumps(summary).encode(), ContentType="application/json")
        written.append(out)
    return written
"""


# ------------------------------------------------------------------ fixtures and helpers


def s3_client(server, **config):
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(
            retries={"max_attempts": 1}, read_timeout=120, s3={"addressing_style": "path"}, **config
        ),
    )


@pytest.fixture(scope="module")
def s3(server):
    return s3_client(server)


@pytest.fixture(scope="module")
def s3_nv(server):
    """A client that sends what it is given (the recordings of malformed rules used one)."""
    return s3_client(server, parameter_validation=False)


@pytest.fixture(scope="module")
def sqs(server):
    return server.client("sqs")


@pytest.fixture(scope="module")
def sns(server):
    return server.client("sns")


def bucket_arn(bucket):
    return f"arn:aws:s3:::{bucket}"


def queue_arn_of(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def topic_arn_of(name):
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


def function_arn_of(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def md5(data):
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts):
    """The ETag of a multipart upload: md5 of the parts' binary md5s, then -N."""
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f"-{len(parts)}"


def make_bucket(s3, versioned=False):
    name = unique("ntf")
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def make_queue(sqs, bucket=None):
    """A queue; when `bucket` is given, with the policy the recordings set so that
    S3 may send to it from that bucket (set_policy_for_queue)."""
    name = unique("ntfq")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if bucket is not None:
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": bucket_arn(bucket)}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def make_topic(sns, sqs, bucket):
    """A topic S3 may publish to from `bucket`, with a queue subscribed (no raw
    delivery): (topic_arn, queue_url, subscription_arn)."""
    topic = sns.create_topic(Name=unique("ntft"))["TopicArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": topic,
                "Condition": {"ArnEquals": {"aws:SourceArn": bucket_arn(bucket)}},
            }
        ],
    }
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    url, qarn = make_queue(sqs)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    return topic, url, sub


def rules(prefix=None, suffix=None, prefix_name="Prefix", suffix_name="Suffix"):
    out = []
    if prefix is not None:
        out.append({"Name": prefix_name, "Value": prefix})
    if suffix is not None:
        out.append({"Name": suffix_name, "Value": suffix})
    return out


def configuration(arn_key, arn, events, id=None, prefix=None, suffix=None, filter_rules=None):
    c = {arn_key: arn, "Events": list(events)}
    if id is not None:
        c["Id"] = id
    rs = filter_rules if filter_rules is not None else rules(prefix, suffix)
    if rs:
        c["Filter"] = {"Key": {"FilterRules": rs}}
    return c


def queue_config(arn, events, **kw):
    return configuration("QueueArn", arn, events, **kw)


def topic_config(arn, events, **kw):
    return configuration("TopicArn", arn, events, **kw)


def function_config(arn, events, **kw):
    return configuration("LambdaFunctionArn", arn, events, **kw)


def put_notifications(s3, bucket, queues=(), topics=(), functions=(), **kw):
    cfg = {}
    if topics:
        cfg["TopicConfigurations"] = list(topics)
    if queues:
        cfg["QueueConfigurations"] = list(queues)
    if functions:
        cfg["LambdaFunctionConfigurations"] = list(functions)
    return s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=cfg, **kw)


def get_notifications(s3, bucket):
    out = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    return {k: v for k, v in out.items() if k != "ResponseMetadata"}


def watched_bucket(s3, sqs, events, versioned=False, id=None, **filters):
    """A bucket whose events go to a new queue through one configuration."""
    bucket = make_bucket(s3, versioned=versioned)
    url, arn = make_queue(sqs, bucket)
    cid = id or unique("cfg")
    put_notifications(s3, bucket, queues=[queue_config(arn, events, id=cid, **filters)])
    return {"bucket": bucket, "url": url, "arn": arn, "id": cid}


def err(excinfo):
    """botocore's Error dict of an S3 error (every child element of <Error> but
    RequestId and HostId), plus the status."""
    r = excinfo.value.response
    e = dict(r["Error"])
    e["Status"] = r["ResponseMetadata"]["HTTPStatusCode"]
    return e


def error(code, message, status=400, **extra):
    return {"Code": code, "Message": message, "Status": status, **extra}


def refused(s3, bucket, **kw):
    with pytest.raises(ClientError) as e:
        put_notifications(s3, bucket, **kw)
    return err(e)


# --- what arrives in queues


def parse_test_event(text):
    """The s3:TestEvent document in `text`, or None."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and doc.get("Event") == "s3:TestEvent" else None


def is_test_event(m, via_sns=False):
    body = m["Body"]
    if via_sns:
        try:
            body = json.loads(body).get("Message", "")
        except ValueError:
            return False
    return parse_test_event(body) is not None


def receive(sqs, url, n, timeout=20, want=lambda m: True):
    """Receives (and deletes) until n wanted messages came back; the others are
    dropped. Fails when fewer arrive before the deadline."""
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        for m in out.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if want(m):
                got.append(m)
    if len(got) < n:
        pytest.fail(f"{len(got)} of {n} messages arrived in {url} within {timeout}s: {got}")
    return got


def stragglers(sqs, url, seconds=1.5, want=lambda m: True):
    """The wanted messages that arrive within `seconds` (should be [])."""
    got = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"])
        for m in out.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if want(m):
                got.append(m)
    return got


def notifications(sqs, url, n, timeout=20, via_sns=False):
    """n messages that are not test events."""
    return receive(sqs, url, n, timeout, want=lambda m: not is_test_event(m, via_sns))


def no_more_notifications(sqs, url, seconds=1.5, via_sns=False):
    return stragglers(sqs, url, seconds, want=lambda m: not is_test_event(m, via_sns))


def records_of(text):
    """The one record of a notification (every recording has exactly one)."""
    doc = json.loads(text)
    assert list(doc) == ["Records"], doc
    assert len(doc["Records"]) == 1, doc
    return doc["Records"][0]


def records(sqs, url, n, timeout=20):
    """The records of n queue messages; asserts that S3 set no message attributes
    (sqs: test_xray_header / receive_messages)."""
    msgs = notifications(sqs, url, n, timeout)
    for m in msgs:
        assert "MessageAttributes" not in m, m
    return [records_of(m["Body"]) for m in msgs]


def only_records(sqs, url, n, timeout=20):
    """Exactly n records: n arrive, and nothing else within a second and a half."""
    got = records(sqs, url, n, timeout)
    assert no_more_notifications(sqs, url) == []
    return got


def by_key(recs):
    return {r["s3"]["object"]["key"]: r for r in recs}


# --- what a record must look like


def nonempty_string(v):
    return isinstance(v, str) and v != ""


def check_time(text, started):
    assert EVENT_TIME.match(text), text
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    if started is not None:
        assert started - 5 <= t <= time.time() + 5, (text, started)


def check_record(rec, name, bucket, key, config_id=None, size=None, etag=None, version_id=None, ordered=True,
                 started=None):
    """One record as AWS sends it (docs/s3-notifications-recorded.md, "The event
    record"). `key` is the key as it appears in the record (URL-encoded).
    `ordered`: the record was read from JSON text S3 wrote (a queue message's
    body, a notification's Message), so its keys are in AWS's order."""

    def keys_are(d, expected):
        if ordered:
            assert list(d) == expected, d
        else:
            assert set(d) == set(expected), d

    created = name.startswith("ObjectCreated:")
    marker = name == "ObjectRemoved:DeleteMarkerCreated"
    keys_are(rec, RECORD_KEYS)
    assert rec["eventVersion"] == "2.1"
    assert rec["eventSource"] == "aws:s3"
    assert rec["awsRegion"] == REGION
    check_time(rec["eventTime"], started)
    assert rec["eventName"] == name
    keys_are(rec["userIdentity"], ["principalId"])
    assert nonempty_string(rec["userIdentity"]["principalId"]), rec
    keys_are(rec["requestParameters"], ["sourceIPAddress"])
    # docs: "ip-address-where-request-came-from"; every client here is on loopback.
    assert rec["requestParameters"]["sourceIPAddress"] == "127.0.0.1", rec
    keys_are(rec["responseElements"], RESPONSE_ELEMENT_KEYS)
    assert all(nonempty_string(v) for v in rec["responseElements"].values()), rec

    s3 = rec["s3"]
    keys_are(s3, S3_KEYS)
    assert s3["s3SchemaVersion"] == "1.0"
    if config_id is not None:
        assert s3["configurationId"] == config_id
    assert nonempty_string(s3["configurationId"])
    keys_are(s3["bucket"], BUCKET_KEYS)
    assert s3["bucket"]["name"] == bucket
    assert list(s3["bucket"]["ownerIdentity"]) == ["principalId"]
    assert nonempty_string(s3["bucket"]["ownerIdentity"]["principalId"]), rec
    assert s3["bucket"]["arn"] == bucket_arn(bucket)

    obj = s3["object"]
    expected = ["key"]
    if created:
        expected += ["size", "eTag"]
    elif marker:
        expected += ["eTag"]
    if version_id is not None:
        expected.append("versionId")
    expected.append("sequencer")
    keys_are(obj, expected)
    assert obj["key"] == key
    if created:
        assert isinstance(obj["size"], int) and not isinstance(obj["size"], bool), obj
        assert ETAG.match(obj["eTag"]), obj  # no quotes
        if size is not None:
            assert obj["size"] == size
        if etag is not None:
            assert obj["eTag"] == etag
    if marker:
        assert obj["eTag"] == EMPTY_MD5
    if version_id is not None:
        assert obj["versionId"] == version_id
    assert isinstance(obj["sequencer"], str) and SEQUENCER.match(obj["sequencer"]), obj
    return rec


def check_response_elements(rec, response):
    """docs: x-amz-request-id and x-amz-id-2 "are the same as those that Amazon S3
    returns in the response to the request that initiates the events"."""
    meta = response["ResponseMetadata"]
    assert rec["responseElements"]["x-amz-request-id"] == meta["RequestId"]
    assert rec["responseElements"]["x-amz-id-2"] == meta["HostId"]


def check_test_event(text, bucket, started):
    """docs: the test message; seen (fredliporace/cbers-2-stac#45): compact JSON."""
    doc = parse_test_event(text)
    assert doc is not None, text
    assert list(doc) == TEST_EVENT_KEYS, doc
    assert doc["Service"] == "Amazon S3"
    assert doc["Event"] == "s3:TestEvent"
    check_time(doc["Time"], started)
    assert doc["Bucket"] == bucket
    assert nonempty_string(doc["RequestId"]) and nonempty_string(doc["HostId"]), doc
    assert text == json.dumps(doc, separators=(",", ":"), ensure_ascii=False), text


def sequencer_order(*sequencers):
    """docs: left-pad the shorter with zeros, then compare."""
    width = max(len(s) for s in sequencers)
    return [s.rjust(width, "0") for s in sequencers]


# --- functions


def allow_s3(lam, name, bucket, how="bucket"):
    """A resource-policy statement for S3 on `name`: "any" (no condition, as the
    lambda recordings added it), "bucket" (SourceArn, as the console does),
    "bucket-and-account" (SourceArn and SourceAccount), "other-bucket",
    "other-principal"; None adds nothing."""
    if how is None:
        return
    principal, kw = "s3.amazonaws.com", {}
    if how in ("bucket", "bucket-and-account"):
        kw["SourceArn"] = bucket_arn(bucket)
    if how == "bucket-and-account":
        kw["SourceAccount"] = ACCOUNT
    if how == "other-bucket":
        kw["SourceArn"] = bucket_arn(unique("other"))
    if how == "other-principal":
        principal = "events.amazonaws.com"
    lam.add_permission(
        FunctionName=name, StatementId=unique("s3"), Action="lambda:InvokeFunction", Principal=principal, **kw
    )


def watched_function(lam, sqs, bucket, how="bucket", zip_bytes=REPORTER, **create_kw):
    """A function S3 may invoke from `bucket` (see allow_s3), whose asynchronous
    invocations leave a record in an OnSuccess destination queue."""
    name = unique("ntffn")
    arn = create(lam, name, zip_bytes=zip_bytes, **create_kw)["FunctionArn"]
    dest_url, dest_arn = make_queue(sqs)
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnSuccess": {"Destination": dest_arn}}
    )
    allow_s3(lam, name, bucket, how)
    return {"name": name, "arn": arn, "dest_url": dest_url}


def invocations(sqs, dest_url, n, timeout=30):
    """The invocation records of n successful invocations."""
    out = []
    for m in receive(sqs, dest_url, n, timeout):
        record = json.loads(m["Body"])
        assert record["requestContext"]["condition"] == "Success", record
        out.append(record)
    return out


def event_of(invocation):
    payload = invocation["requestPayload"]
    assert set(payload) == {"Records"} and len(payload["Records"]) == 1, payload
    return payload["Records"][0]


# --- presigned uploads


def post_form(url, fields, content, filename="upload.bin"):
    """A browser-style POST object upload (multipart/form-data, file last)."""
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(
        url, data=b"".join(parts), method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    return open_url(req)


def open_url(req):
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# ------------------------------------------------------------------ GetBucketNotificationConfiguration


def test_a_bucket_never_configured_has_an_empty_configuration(s3):
    # API model: "If notifications are not enabled on the bucket, the action returns an empty
    # NotificationConfiguration element"; sqs: test_notifications_with_filter / config_empty.
    assert get_notifications(s3, make_bucket(s3)) == {}


def test_configuration_of_a_missing_bucket(s3):
    # s3: TestS3::test_get_bucket_notification_configuration_no_such_bucket / expected_error;
    # sns: TestS3NotificationsToSns::test_bucket_not_exist / bucket_not_exists (with SkipDestinationValidation).
    bucket = f"doesnotexist-{unique('b')}"
    with pytest.raises(ClientError) as e:
        s3.get_bucket_notification_configuration(Bucket=bucket)
    assert err(e) == error("NoSuchBucket", "The specified bucket does not exist", 404, BucketName=bucket)
    with pytest.raises(ClientError) as e:
        put_notifications(
            s3, bucket, topics=[topic_config(topic_arn_of("my-topic"), ["s3:ObjectCreated:*"], id="id123")],
            SkipDestinationValidation=True,
        )
    assert err(e) == error("NoSuchBucket", "The specified bucket does not exist", 404, BucketName=bucket)


def test_configurations_read_back_as_put(s3, sqs):
    # sqs: TestS3NotificationsToSQS::test_notifications_with_filter / config: two configurations on one
    # queue, same rules, no event type in common; order of configurations and of events kept.
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    filter_rules = [{"Name": "Prefix", "Value": "testupload/"}, {"Name": "Suffix", "Value": "testfile.txt"}]
    first = queue_config(arn, ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], id="id0001", filter_rules=filter_rules)
    second = queue_config(arn, ["s3:ObjectTagging:*"], id="id0002", filter_rules=filter_rules)
    out = put_notifications(s3, bucket, queues=[first, second])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert get_notifications(s3, bucket) == {"QueueConfigurations": [first, second]}


def test_a_missing_id_is_generated(s3, sqs):
    # sqs: test_filter_rules_case_insensitive, test_filter_rules_empty_value: "Id": "<id:1>" where none
    # was given (API docs: "If you don't provide one, Amazon S3 will assign an ID").
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    put_notifications(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"])])
    (got,) = get_notifications(s3, bucket)["QueueConfigurations"]
    assert set(got) == {"Id", "QueueArn", "Events"}, got
    assert nonempty_string(got["Id"])
    assert got["QueueArn"] == arn and got["Events"] == ["s3:ObjectCreated:*"]


def test_filter_rule_names_are_case_insensitive_and_come_back_capitalized(s3, sqs):
    # sqs: test_filter_rules_case_insensitive / bucket_notification_configuration (the recording sorted
    # the rules before comparing: the order they come back in is not recorded).
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    rs = [{"Name": "suffix", "Value": ".txt"}, {"Name": "PREFIX", "Value": "notif-"}]
    put_notifications(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], filter_rules=rs)])
    (got,) = get_notifications(s3, bucket)["QueueConfigurations"]
    assert sorted(got["Filter"]["Key"]["FilterRules"], key=lambda r: r["Name"]) == [
        {"Name": "Prefix", "Value": "notif-"},
        {"Name": "Suffix", "Value": ".txt"},
    ]
    assert set(got["Filter"]) == {"Key"} and set(got["Filter"]["Key"]) == {"FilterRules"}


def test_a_filter_rule_with_an_empty_value_is_kept(s3, sqs):
    # sqs: test_filter_rules_empty_value / bucket_notification_configuration.
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    put_notifications(
        s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], filter_rules=[{"Name": "suffix", "Value": ""}])]
    )
    (got,) = get_notifications(s3, bucket)["QueueConfigurations"]
    assert got["Filter"] == {"Key": {"FilterRules": [{"Name": "Suffix", "Value": ""}]}}


def test_put_replaces_the_whole_configuration(s3, sqs):
    # sqs: test_notifications_with_filter / config_updated, config_updated_filter.
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    put_notifications(
        s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], id="a"), queue_config(arn, ["s3:ObjectRemoved:*"], id="b")]
    )
    put_notifications(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], id="id123456")])
    assert get_notifications(s3, bucket) == {
        "QueueConfigurations": [{"Id": "id123456", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
    }
    put_notifications(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], id="id123456", prefix="testupload/")])
    assert get_notifications(s3, bucket) == {
        "QueueConfigurations": [
            {
                "Id": "id123456",
                "QueueArn": arn,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "testupload/"}]}},
            }
        ]
    }


def test_an_empty_configuration_clears_it_and_nothing_is_delivered_after(s3, sqs):
    # sqs: test_notifications_with_filter / config_empty; API docs: "You can disable notifications by
    # adding the empty NotificationConfiguration element."
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*"])
    s3.put_object(Bucket=w["bucket"], Key="before", Body=b"x")
    assert by_key(records(sqs, w["url"], 1)).keys() == {"before"}
    out = s3.put_bucket_notification_configuration(Bucket=w["bucket"], NotificationConfiguration={})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert get_notifications(s3, w["bucket"]) == {}
    s3.put_object(Bucket=w["bucket"], Key="after", Body=b"x")
    assert no_more_notifications(sqs, w["url"], 2.5) == []


def test_functions_queues_and_topics_in_one_configuration(s3, sqs, sns, lam):
    # The three lists of NotificationConfiguration (API model), each read back as put.
    bucket = make_bucket(s3)
    _, qarn = make_queue(sqs, bucket)
    topic, _, _ = make_topic(sns, sqs, bucket)
    fn = watched_function(lam, sqs, bucket)
    q = queue_config(qarn, ["s3:ObjectCreated:Put"], id="to-queue")
    t = topic_config(topic, ["s3:ObjectCreated:Copy"], id="to-topic", suffix=".txt")
    f = function_config(fn["arn"], ["s3:ObjectRemoved:*"], id="to-function", prefix="logs/")
    put_notifications(s3, bucket, queues=[q], topics=[t], functions=[f])
    assert get_notifications(s3, bucket) == {
        "QueueConfigurations": [q],
        "TopicConfigurations": [t],
        "LambdaFunctionConfigurations": [f],
    }


@pytest.mark.parametrize(
    "kind",
    [
        # sqs: test_invalid_sqs_arn / skip_destination_validation
        ("QueueConfigurations", "QueueArn", queue_arn_of("my-queue")),
        # sns: test_invalid_topic_arn / skip_destination_validation
        ("TopicConfigurations", "TopicArn", topic_arn_of("my-topic")),
        # lambda: test_invalid_lambda_arn / skip_destination_validation
        ("LambdaFunctionConfigurations", "LambdaFunctionArn", function_arn_of("my-lambda")),
    ],
    ids=["queue", "topic", "function"],
)
def test_skip_destination_validation_stores_a_missing_destination(s3, kind):
    list_key, arn_key, arn = kind
    bucket = make_bucket(s3)
    cfg = {"Id": "id123", "Events": ["s3:ObjectCreated:*"], arn_key: arn}
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={list_key: [cfg]}, SkipDestinationValidation=True
    )
    assert get_notifications(s3, bucket) == {list_key: [cfg]}


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("skip", [False, True], ids=["validated", "skip-validation"])
@pytest.mark.parametrize(
    "kind",
    [
        # sqs: test_invalid_sqs_arn / invalid_not_skip, invalid_skip
        ("QueueConfigurations", "QueueArn", "Queue", "invalid-queue"),
        # sns: test_invalid_topic_arn / invalid_not_skip, invalid_skip
        ("TopicConfigurations", "TopicArn", "Topic", "invalid-topic"),
        # lambda: test_invalid_lambda_arn / invalid_not_skip, invalid_skip
        ("LambdaFunctionConfigurations", "LambdaFunctionArn", "CloudFunction", "invalid-queue"),
    ],
    ids=["queue", "topic", "function"],
)
def test_an_arn_that_cannot_be_parsed(s3, kind, skip):
    # The ArgumentName is the XML element (<Queue>, <Topic>, <CloudFunction>), checked even when
    # destination validation is skipped.
    list_key, arn_key, element, value = kind
    bucket = make_bucket(s3)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={list_key: [{"Id": "id123", "Events": ["s3:ObjectCreated:*"], arn_key: value}]},
            SkipDestinationValidation=skip,
        )
    assert err(e) == error("InvalidArgument", NOT_PARSED, ArgumentName=element, ArgumentValue=value)
    assert get_notifications(s3, bucket) == {}


def test_the_first_unparseable_arn_is_reported(s3):
    # sqs: test_multiple_invalid_sqs_arns / two-queue-arns-invalid
    bucket = make_bucket(s3)
    got = refused(
        s3, bucket,
        queues=[
            queue_config("invalid_arn", ["s3:ObjectCreated:*"], id="id1"),
            queue_config("invalid_arn_2", ["s3:ObjectRemoved:*"], id="id2"),
        ],
    )
    assert got == error("InvalidArgument", NOT_PARSED, ArgumentName="Queue", ArgumentValue="invalid_arn")


def test_arns_are_parsed_before_queues_are_looked_up(s3):
    # sqs: test_multiple_invalid_sqs_arns / one-queue-invalid-one-not-existent: the missing queue comes
    # first, yet the unparseable second ARN is what is reported.
    bucket = make_bucket(s3)
    got = refused(
        s3, bucket,
        queues=[
            queue_config(queue_arn_of(unique("missing")), ["s3:ObjectCreated:*"], id="id1"),
            queue_config("invalid_arn_2", ["s3:ObjectRemoved:*"], id="id2"),
        ],
    )
    assert got == error("InvalidArgument", NOT_PARSED, ArgumentName="Queue", ArgumentValue="invalid_arn_2")


def test_a_queue_that_does_not_exist(s3):
    # sqs: test_invalid_sqs_arn / queue-does-not-exist: numbered argument elements.
    bucket = make_bucket(s3)
    missing = queue_arn_of(unique("my-queue"))
    got = refused(s3, bucket, queues=[queue_config(missing, ["s3:ObjectCreated:*"], id="id123")])
    assert got == error(
        "InvalidArgument", UNABLE, ArgumentName1=missing, ArgumentValue1="The destination queue does not exist"
    )
    assert get_notifications(s3, bucket) == {}


def test_every_missing_queue_is_listed(s3):
    # sqs: test_multiple_invalid_sqs_arns / multiple-queues-do-not-exist
    bucket = make_bucket(s3)
    first, second = queue_arn_of(unique("my-queue")), queue_arn_of(unique("my-queue-2"))
    got = refused(
        s3, bucket,
        queues=[queue_config(first, ["s3:ObjectCreated:*"], id="id1"), queue_config(second, ["s3:ObjectRemoved:*"], id="id2")],
    )
    assert got == error(
        "InvalidArgument",
        UNABLE,
        ArgumentName1=first,
        ArgumentValue1="The destination queue does not exist",
        ArgumentName2=second,
        ArgumentValue2="The destination queue does not exist",
    )


def test_a_topic_that_does_not_exist(s3):
    # sns: test_invalid_topic_arn (validated assertion: the code only; AWS's message was not recorded).
    bucket = make_bucket(s3)
    got = refused(s3, bucket, topics=[topic_config(topic_arn_of(unique("my-topic")), ["s3:ObjectCreated:*"], id="id123")])
    assert (got["Code"], got["Status"]) == ("InvalidArgument", 400), got
    assert get_notifications(s3, bucket) == {}


def test_a_function_that_does_not_exist(s3):
    # lambda: TestS3NotificationsToLambda::test_invalid_lambda_arn / lambda-does-not-exist
    bucket = make_bucket(s3)
    arn = function_arn_of(unique("my-lambda"))
    got = refused(s3, bucket, functions=[function_config(arn, ["s3:ObjectCreated:*"], id="id123")])
    assert got == error(
        "InvalidArgument", UNABLE, ArgumentName1=f"{arn}, null", ArgumentValue1=f"Not authorized to invoke function [{arn}]"
    )


@pytest.mark.parametrize("how", [None, "other-principal", "other-bucket"])
def test_a_function_s3_may_not_invoke_from_this_bucket(s3, sqs, lam, how):
    # API docs: "Amazon S3 verifies that the Lambda function permissions grant Amazon S3 permission to
    # invoke the function from the Amazon S3 bucket." The answer is the recorded one for a function S3
    # cannot invoke (lambda: test_invalid_lambda_arn / lambda-does-not-exist).
    bucket = make_bucket(s3)
    fn = watched_function(lam, sqs, bucket, how=how)
    got = refused(s3, bucket, functions=[function_config(fn["arn"], ["s3:ObjectCreated:*"], id="id123")])
    assert got == error(
        "InvalidArgument",
        UNABLE,
        ArgumentName1=f"{fn['arn']}, null",
        ArgumentValue1=f"Not authorized to invoke function [{fn['arn']}]",
    )
    assert get_notifications(s3, bucket) == {}


def test_a_filter_rule_name_that_is_neither_prefix_nor_suffix(s3, sqs):
    # s3_api: TestS3BucketNotificationConfiguration::test_bucket_notification_with_invalid_filter_rules /
    # invalid_filter_name
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    got = refused(
        s3, bucket,
        queues=[queue_config(arn, ["s3:ObjectCreated:*"], filter_rules=[{"Name": "INVALID", "Value": "does not matter"}])],
    )
    assert got == error(
        "InvalidArgument",
        "filter rule name must be either prefix or suffix",
        ArgumentName="FilterRule.Name",
        ArgumentValue="INVALID",
    )


@pytest.mark.parametrize(
    "rule",
    [{}, {"Name": "prefix"}, {"Value": "test"}],
    ids=["invalid-rule-no-values", "invalid-rule-no-value", "invalid-rule-no-name"],
)
def test_a_filter_rule_without_a_name_or_a_value_is_malformed(s3_nv, sqs, rule):
    # s3_api: test_bucket_notification_with_missing_values_in_rule / (the ids). An empty Value element is
    # not missing (test_a_filter_rule_with_an_empty_value_is_kept).
    bucket = make_bucket(s3_nv)
    _, arn = make_queue(sqs, bucket)
    got = refused(s3_nv, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], filter_rules=[rule])])
    assert got == error("MalformedXML", MALFORMED)


@pytest.mark.parametrize("name", ["prefix", "suffix"])
def test_two_rules_of_one_name_in_a_filter(s3, sqs, name):
    # seen: aws/aws-cli#1465 ("Cannot specify more than one suffix rule in a filter."), aws/aws-cdk#3347
    # (prefix). What else AWS's error carries was not shown.
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    rs = [{"Name": name, "Value": "a"}, {"Name": name.capitalize(), "Value": "b"}]
    got = refused(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"], filter_rules=rs)])
    assert (got["Code"], got["Message"], got["Status"]) == (
        "InvalidArgument",
        f"Cannot specify more than one {name} rule in a filter.",
        400,
    ), got


@pytest.mark.parametrize("event", ["s3:ObjectCreated:Foo", "s3:ObjectUpdated:*", "ObjectCreated:Put"])
def test_an_event_s3_does_not_know(s3, sqs, event):
    # The Event enum of the API model; AWS's message was not recorded: the code only.
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    got = refused(s3, bucket, queues=[queue_config(arn, [event])])
    assert (got["Code"], got["Status"]) == ("InvalidArgument", 400), got
    assert get_notifications(s3, bucket) == {}


@pytest.mark.parametrize(
    "first,second,same_queue",
    [
        # seen: minio/minio#2472, the same configuration twice.
        ({"events": ["s3:ObjectRemoved:*"]}, {"events": ["s3:ObjectRemoved:*"]}, True),
        # docs: configurations "cannot share a common event type"; the wildcard includes Put. Different
        # destinations do not help (seen: hashicorp/terraform-provider-aws#765, #19912).
        ({"events": ["s3:ObjectCreated:*"]}, {"events": ["s3:ObjectCreated:Put"]}, False),
        # docs (notification-how-to-filtering): no prefix overlaps every prefix (seen:
        # aws-solutions/aws-waf-security-automations#49).
        ({"events": ["s3:ObjectCreated:*"]}, {"events": ["s3:ObjectCreated:*"], "prefix": "images/"}, False),
        # docs: overlapping prefixes (one starts with the other), no suffixes.
        ({"events": ["s3:ObjectCreated:*"], "prefix": "logs/"}, {"events": ["s3:ObjectCreated:*"], "prefix": "logs/2024/"}, False),
        # docs: overlapping suffixes (one ends with the other).
        ({"events": ["s3:ObjectCreated:*"], "suffix": ".jpg"}, {"events": ["s3:ObjectCreated:Put"], "suffix": "jpg"}, False),
    ],
    ids=["identical", "wildcard-and-subtype", "no-filter-and-prefix", "prefixes", "suffixes"],
)
def test_overlapping_configurations_are_refused(s3, sqs, first, second, same_queue):
    bucket = make_bucket(s3)
    _, a = make_queue(sqs, bucket)
    b = a if same_queue else make_queue(sqs, bucket)[1]

    def cfg(arn, spec):
        return queue_config(arn, spec["events"], prefix=spec.get("prefix"), suffix=spec.get("suffix"))

    got = refused(s3, bucket, queues=[cfg(a, first), cfg(b, second)])
    assert (got["Code"], got["Status"]) == ("InvalidArgument", 400), got
    assert got["Message"] in OVERLAP_MESSAGES, got
    assert get_notifications(s3, bucket) == {}


@pytest.mark.parametrize(
    "first,second",
    [
        # sqs: test_notifications_with_filter / config: same destination and rules, no common event type.
        (
            {"events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], "prefix": "testupload/", "suffix": "testfile.txt"},
            {"events": ["s3:ObjectTagging:*"], "prefix": "testupload/", "suffix": "testfile.txt"},
        ),
        # docs (notification-how-to-filtering): "images/" to one destination, "logs/" to another.
        ({"events": ["s3:ObjectCreated:*"], "prefix": "images/"}, {"events": ["s3:ObjectCreated:*"], "prefix": "logs/"}),
        # docs: overlapping prefixes are fine with suffixes that do not overlap.
        (
            {"events": ["s3:ObjectCreated:*"], "prefix": "images/", "suffix": ".jpg"},
            {"events": ["s3:ObjectCreated:*"], "prefix": "images/", "suffix": ".png"},
        ),
        # Two event types that are not one another.
        ({"events": ["s3:ObjectCreated:Put"]}, {"events": ["s3:ObjectCreated:Copy"]}),
    ],
    ids=["other-events", "other-prefixes", "other-suffixes", "other-subtypes"],
)
def test_configurations_that_do_not_overlap_are_accepted(s3, sqs, first, second):
    bucket = make_bucket(s3)
    _, a = make_queue(sqs, bucket)
    _, b = make_queue(sqs, bucket)
    configs = [
        queue_config(arn, spec["events"], id=f"id-{i}", prefix=spec.get("prefix"), suffix=spec.get("suffix"))
        for i, (arn, spec) in enumerate([(a, first), (b, second)])
    ]
    put_notifications(s3, bucket, queues=configs)
    assert get_notifications(s3, bucket) == {"QueueConfigurations": configs}


def test_a_refused_put_leaves_the_configuration_as_it_was(s3, sqs):
    # API docs: "If the message fails, the entire PUT action will fail, and Amazon S3 will not add the
    # configuration to your bucket."
    bucket = make_bucket(s3)
    _, arn = make_queue(sqs, bucket)
    kept = queue_config(arn, ["s3:ObjectCreated:*"], id="kept")
    put_notifications(s3, bucket, queues=[kept])
    missing = queue_arn_of(unique("missing"))
    got = refused(s3, bucket, queues=[queue_config(arn, ["s3:ObjectRemoved:*"], id="new"), queue_config(missing, ["s3:ObjectCreated:Copy"])])
    assert got["Code"] == "InvalidArgument" and got["Message"] == UNABLE, got
    assert get_notifications(s3, bucket) == {"QueueConfigurations": [kept]}


# ------------------------------------------------------------------ test events


def test_a_queue_gets_one_test_event_when_it_is_configured(s3, sqs):
    # API docs: S3 verifies an SQS destination "by sending a test notification"; docs: the test
    # message's shape.
    started = time.time()
    bucket = make_bucket(s3)
    url, arn = make_queue(sqs, bucket)
    put_notifications(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"])])
    (m,) = receive(sqs, url, 1, want=lambda m: True)
    check_test_event(m["Body"], bucket, started)
    assert "MessageAttributes" not in m, m
    assert stragglers(sqs, url) == []


def test_a_topic_gets_a_test_event_when_it_is_configured(s3, sqs, sns):
    # API docs as above, for SNS; seen (fredliporace/cbers-2-stac#45): Subject "Amazon S3 Notification",
    # the test message as Message.
    started = time.time()
    bucket = make_bucket(s3)
    topic, url, sub = make_topic(sns, sqs, bucket)
    put_notifications(s3, bucket, topics=[topic_config(topic, ["s3:ObjectCreated:*"])])
    (m,) = receive(sqs, url, 1, want=lambda m: True)
    envelope = json.loads(m["Body"])
    assert set(envelope) == SNS_ENVELOPE_KEYS, envelope
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    assert envelope["Subject"] == SUBJECT
    check_test_event(envelope["Message"], bucket, started)
    assert stragglers(sqs, url) == []


def test_a_function_gets_no_test_event(s3, sqs, lam):
    # API docs: for Lambda destinations S3 only "verifies that the Lambda function permissions grant
    # Amazon S3 permission to invoke the function"; nothing is invoked until an object event.
    bucket = make_bucket(s3)
    fn = watched_function(lam, sqs, bucket)
    put_notifications(s3, bucket, functions=[function_config(fn["arn"], ["s3:ObjectCreated:*"], id="fn")])
    assert stragglers(sqs, fn["dest_url"], 2.5) == []
    s3.put_object(Bucket=bucket, Key="first", Body=b"x")
    (inv,) = invocations(sqs, fn["dest_url"], 1)
    assert event_of(inv)["s3"]["object"]["key"] == "first"


# ------------------------------------------------------------------ records delivered to a queue


def test_put_object(s3, sqs):
    # sqs: TestS3NotificationsToSQS::test_object_created_put / receive_messages
    started = time.time()
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:Put"], id="id0001")
    r0 = s3.put_object(Bucket=w["bucket"], Key="my_key_0", Body=b"something")
    r1 = s3.put_object(Bucket=w["bucket"], Key="my_key_1", Body=b"something else")
    got = by_key(only_records(sqs, w["url"], 2))
    check_record(got["my_key_0"], "ObjectCreated:Put", w["bucket"], "my_key_0", "id0001", 9,
                 "437b930db84b8079c2dd804a71936b5f", started=started)
    check_record(got["my_key_1"], "ObjectCreated:Put", w["bucket"], "my_key_1", "id0001", 14,
                 "6c7ba9c5a141421e1c03cb9807c97c74", started=started)
    check_response_elements(got["my_key_0"], r0)
    check_response_elements(got["my_key_1"], r1)
    # One caller, one bucket: the same identities (principal-id:1 and :2 in every recording).
    assert got["my_key_0"]["userIdentity"] == got["my_key_1"]["userIdentity"]
    assert got["my_key_0"]["s3"]["bucket"]["ownerIdentity"] == got["my_key_1"]["s3"]["bucket"]["ownerIdentity"]


def test_copy_object(s3, sqs):
    # sqs: test_object_created_copy / receive_messages: a Copy configuration sees nothing of the put.
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:Copy"])
    src, dest = f"src-dest-{uuid.uuid4().hex[:8]}", f"key-dest-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=w["bucket"], Key=src, Body=b"something")
    r = s3.copy_object(Bucket=w["bucket"], CopySource={"Bucket": w["bucket"], "Key": src}, Key=dest)
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectCreated:Copy", w["bucket"], dest, w["id"], 9, "437b930db84b8079c2dd804a71936b5f")
    check_response_elements(rec, r)


def test_multipart_upload_with_the_transfer_manager(s3, sqs):
    # sqs: test_object_created_complete_multipart_upload / receive_messages: 6 KiB of "1" sent by
    # upload_file with a 5 KiB threshold -> one part; one record, none for the parts.
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*"])
    data = b"1" * 6144
    s3.upload_fileobj(io.BytesIO(data), w["bucket"], "test-key",
                      Config=TransferConfig(multipart_threshold=5 * 1024, multipart_chunksize=1024))
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectCreated:CompleteMultipartUpload", w["bucket"], "test-key", w["id"], 6144,
                 "8eabe9d6b43316e840b079170916c079-1")
    assert multipart_etag([data]) == "8eabe9d6b43316e840b079170916c079-1"


def test_multipart_upload_of_two_parts(s3, sqs):
    # The ETag of a multipart object, unquoted, with its part count (as recorded for one part above).
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*"])
    parts = [b"a" * (5 * 1024 * 1024), b"tail"]
    up = s3.create_multipart_upload(Bucket=w["bucket"], Key="big.bin")["UploadId"]
    done = [
        {"PartNumber": i, "ETag": s3.upload_part(Bucket=w["bucket"], Key="big.bin", UploadId=up, PartNumber=i, Body=p)["ETag"]}
        for i, p in enumerate(parts, start=1)
    ]
    r = s3.complete_multipart_upload(Bucket=w["bucket"], Key="big.bin", UploadId=up, MultipartUpload={"Parts": done})
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectCreated:CompleteMultipartUpload", w["bucket"], "big.bin", w["id"],
                 sum(len(p) for p in parts), multipart_etag(parts))
    assert r["ETag"] == f'"{multipart_etag(parts)}"'
    check_response_elements(rec, r)


def test_presigned_put_and_post(s3, sqs):
    # lambda: test_create_object_by_presigned_request_via_dynamodb / items: a presigned PUT is
    # ObjectCreated:Put, a presigned POST (form upload) ObjectCreated:Post; same key, 16 bytes each.
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*"])
    key = f"table-{uuid.uuid4().hex[:8]}"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": w["bucket"], "Key": key})
    status, headers, body = open_url(urllib.request.Request(url, data=b"by_presigned_put", method="PUT"))
    assert status == 200, body
    (put,) = records(sqs, w["url"], 1)
    check_record(put, "ObjectCreated:Put", w["bucket"], key, w["id"], 16, "b0d833b208acd18be70a25c9323f210d")
    assert put["responseElements"]["x-amz-request-id"] == headers["x-amz-request-id"]

    post = s3.generate_presigned_post(Bucket=w["bucket"], Key=key)
    status, headers, body = post_form(post["url"], post["fields"], b"by post method 1")
    assert status in (200, 201, 204), body
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectCreated:Post", w["bucket"], key, w["id"], 16, "232d7472010db416df31c55fdc0490a5")
    assert rec["responseElements"]["x-amz-request-id"] == headers["x-amz-request-id"]


def test_delete_object(s3, sqs):
    # sqs: test_object_created_and_object_removed / receive_messages: a removed object's record has
    # neither size nor eTag.
    w = watched_bucket(s3, sqs, ["s3:ObjectRemoved:*"])
    key = f"src-dest-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=w["bucket"], Key=key, Body=b"something")
    r = s3.delete_object(Bucket=w["bucket"], Key=key)
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectRemoved:Delete", w["bucket"], key, w["id"])
    check_response_elements(rec, r)


def test_created_and_removed_on_one_configuration(s3, sqs):
    # sqs: test_object_created_and_object_removed / receive_messages: put, copy, delete -> three records.
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])
    src, dest = f"src-dest-{uuid.uuid4().hex[:8]}", f"key-dest-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=w["bucket"], Key=src, Body=b"something")
    s3.copy_object(Bucket=w["bucket"], CopySource={"Bucket": w["bucket"], "Key": src}, Key=dest)
    s3.delete_object(Bucket=w["bucket"], Key=src)
    got = sorted(only_records(sqs, w["url"], 3), key=lambda r: r["eventName"])
    etag = "437b930db84b8079c2dd804a71936b5f"
    check_record(got[0], "ObjectCreated:Copy", w["bucket"], dest, w["id"], 9, etag)
    check_record(got[1], "ObjectCreated:Put", w["bucket"], src, w["id"], 9, etag)
    check_record(got[2], "ObjectRemoved:Delete", w["bucket"], src, w["id"])


def test_delete_objects_gives_a_record_for_every_key_even_missing_ones(s3, sqs):
    # sqs: test_delete_objects / receive_messages: three keys, two never written, Quiet -> three records.
    w = watched_bucket(s3, sqs, ["s3:ObjectRemoved:*"])
    key = f"key-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=w["bucket"], Key=key, Body=b"something")
    s3.delete_objects(
        Bucket=w["bucket"], Delete={"Objects": [{"Key": key}, {"Key": "dummy1"}, {"Key": "dummy2"}], "Quiet": True}
    )
    got = by_key(only_records(sqs, w["url"], 3))
    assert set(got) == {key, "dummy1", "dummy2"}
    for k, rec in got.items():
        check_record(rec, "ObjectRemoved:Delete", w["bucket"], k, w["id"])


def test_versioning_is_refused_clearly(s3):
    # lambdalite's buckets keep no versions (so no versionId or DeleteMarkerCreated records):
    # turning versioning on is refused, not silently ignored.
    bucket = make_bucket(s3)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert e.value.response["Error"]["Code"] == "NotImplemented"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    # Reading it answers as AWS does for a bucket never versioned: no Status.
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_a_subtype_gets_only_its_own_events(s3, sqs):
    # sqs: test_object_created_copy (Copy saw nothing of a put); the event types of the API model are
    # distinct: Put does not include Copy or CompleteMultipartUpload.
    bucket = make_bucket(s3)
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    url, arn = make_queue(sqs, bucket)
    put_notifications(
        s3, bucket,
        queues=[queue_config(arn, ["s3:ObjectCreated:Put"], id="puts"),
                queue_config(arn, ["s3:ObjectRemoved:DeleteMarkerCreated"], id="markers")],
    )
    s3.copy_object(Bucket=bucket, CopySource={"Bucket": bucket, "Key": "src"}, Key="copied")
    s3.upload_fileobj(io.BytesIO(b"1" * 6144), bucket, "multipart",
                      Config=TransferConfig(multipart_threshold=5 * 1024, multipart_chunksize=1024))
    s3.delete_object(Bucket=bucket, Key="copied")  # ObjectRemoved:Delete
    s3.put_object(Bucket=bucket, Key="put", Body=b"x")
    got = only_records(sqs, url, 1)
    assert [r["s3"]["configurationId"] for r in got] == ["puts"]
    assert got[0]["eventName"] == "ObjectCreated:Put" and got[0]["s3"]["object"]["key"] == "put"


@pytest.mark.parametrize(
    "prefix,suffix,skipped,delivered",
    [
        # sns: test_bucket_notifications_with_filter / message
        ("testupload/", None, ["test/dir1/myfile.txt"], ["testupload/dir1/testfile.txt"]),
        (None, ".jpg", ["images/a.png", "images/a.jpg.txt"], ["images/a.jpg"]),
        # sqs: test_notifications_with_filter / message
        ("testupload/", "testfile.txt", ["/testdata", "testupload/other.txt", "elsewhere/testfile.txt"],
         ["testupload/dir1/testfile.txt"]),
        # An empty value matches every key (sqs: test_filter_rules_empty_value stores it).
        (None, "", [], ["anything.bin"]),
    ],
    ids=["prefix", "suffix", "prefix-and-suffix", "empty-suffix"],
)
def test_key_filters(s3, sqs, prefix, suffix, skipped, delivered):
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], prefix=prefix, suffix=suffix)
    for key in skipped + delivered:
        s3.upload_fileobj(io.BytesIO(b'{"test": "bucket_notification2"}'), w["bucket"], key)
    got = by_key(only_records(sqs, w["url"], len(delivered)))
    assert set(got) == set(delivered)
    for key, rec in got.items():
        check_record(rec, "ObjectCreated:Put", w["bucket"], key, w["id"], 32, "f527a5c9f427867aeaf091c134949aa0")


def test_key_filters_apply_to_removed_objects(s3, sqs):
    w = watched_bucket(s3, sqs, ["s3:ObjectRemoved:*"], prefix="tmp/")
    for key in ("tmp/a", "keep/b"):
        s3.put_object(Bucket=w["bucket"], Key=key, Body=b"x")
    s3.delete_object(Bucket=w["bucket"], Key="keep/b")
    s3.delete_object(Bucket=w["bucket"], Key="tmp/a")
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectRemoved:Delete", w["bucket"], "tmp/a", w["id"])


def test_filters_match_the_url_encoded_key(s3, sqs):
    # docs (notification-how-to-filtering): "If your prefix or suffix contains a space, you must replace
    # it with the "+" character."
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*"], prefix="my+photos/")
    s3.put_object(Bucket=w["bucket"], Key="my photos/cat.jpg", Body=b"meow")
    (rec,) = only_records(sqs, w["url"], 1)
    check_record(rec, "ObjectCreated:Put", w["bucket"], "my+photos/cat.jpg", w["id"], 4)


def test_keys_are_url_encoded(s3, sqs):
    # sqs: test_key_encoding / receive_messages ("a@b" -> "a%40b"); docs: "red flower.jpg" becomes
    # "red+flower.jpg"; "/" stays (sqs: test_notifications_with_filter / message); the rest by the same
    # form encoding (application/x-www-form-urlencoded), upper-case hex, UTF-8.
    cases = {
        "a@b": "a%40b",
        "red flower.jpg": "red+flower.jpg",
        "dir/sub dir/a+b=c&d.txt": "dir/sub+dir/a%2Bb%3Dc%26d.txt",
        "caf\u00e9/\u00e9t\u00e9.txt": "caf%C3%A9/%C3%A9t%C3%A9.txt",
        "x:y_z-1.txt": "x%3Ay_z-1.txt",
    }
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*"])
    for key in cases:
        s3.put_object(Bucket=w["bucket"], Key=key, Body=b"something")
    got = by_key(only_records(sqs, w["url"], len(cases)))
    assert set(got) == set(cases.values())
    for key, encoded in cases.items():
        check_record(got[encoded], "ObjectCreated:Put", w["bucket"], encoded, w["id"], 9)
        assert urllib.parse.unquote_plus(encoded) == key


def test_sequencers_grow_with_each_event_on_a_key(s3, sqs):
    # docs: "the event notification with the greater sequencer hexadecimal value is the event that
    # occurred later" (compared after left-padding with zeros).
    w = watched_bucket(s3, sqs, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])
    seen = []
    for op in (lambda: s3.put_object(Bucket=w["bucket"], Key="k", Body=b"1"),
               lambda: s3.put_object(Bucket=w["bucket"], Key="k", Body=b"22"),
               lambda: s3.delete_object(Bucket=w["bucket"], Key="k")):
        op()
        (rec,) = records(sqs, w["url"], 1)
        seen.append(rec["s3"]["object"]["sequencer"])
    assert [r for r in seen if not SEQUENCER.match(r)] == []
    padded = sequencer_order(*seen)
    assert padded[0] < padded[1] < padded[2], seen


def test_each_configuration_is_named_in_its_records(s3, sqs):
    # s3.configurationId is the Id of the configuration that matched (<config-id:1> is the Id put in
    # sqs: test_notifications_with_filter).
    bucket = make_bucket(s3)
    uploads_url, uploads = make_queue(sqs, bucket)
    removals_url, removals = make_queue(sqs, bucket)
    put_notifications(
        s3, bucket,
        queues=[queue_config(uploads, ["s3:ObjectCreated:*"], id="uploads"),
                queue_config(removals, ["s3:ObjectRemoved:*"], id="removals")],
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="k")
    (up,) = only_records(sqs, uploads_url, 1)
    (rm,) = only_records(sqs, removals_url, 1)
    check_record(up, "ObjectCreated:Put", bucket, "k", "uploads", 1)
    check_record(rm, "ObjectRemoved:Delete", bucket, "k", "removals")


def test_a_generated_id_is_the_records_configuration_id(s3, sqs):
    bucket = make_bucket(s3)
    url, arn = make_queue(sqs, bucket)
    put_notifications(s3, bucket, queues=[queue_config(arn, ["s3:ObjectCreated:*"])])
    (cfg,) = get_notifications(s3, bucket)["QueueConfigurations"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    (rec,) = only_records(sqs, url, 1)
    check_record(rec, "ObjectCreated:Put", bucket, "k", cfg["Id"], 1)


# ------------------------------------------------------------------ records published to a topic


def check_sns_notification(m, topic, sub):
    """sns: TestS3NotificationsToSns::test_object_created_put / receive_messages: the envelope (raw
    delivery off) with Subject "Amazon S3 Notification"; Message is the notification JSON."""
    envelope = json.loads(m["Body"])
    assert set(envelope) == SNS_ENVELOPE_KEYS, envelope
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == topic
    assert envelope["Subject"] == SUBJECT
    assert envelope["SignatureVersion"] == "1"
    assert envelope["UnsubscribeURL"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={sub}"), envelope
    return records_of(envelope["Message"])


def test_topic_notifications(s3, sqs, sns):
    # sns: TestS3NotificationsToSns::test_object_created_put / receive_messages
    bucket = make_bucket(s3)
    topic, url, sub = make_topic(sns, sqs, bucket)
    put_notifications(s3, bucket, topics=[topic_config(topic, ["s3:ObjectCreated:*"], id="to-topic")])
    s3.put_object(Bucket=bucket, Key="bucket-key", Body=b"first event")
    s3.put_object(Bucket=bucket, Key="bucket-key", Body=b"second event")
    msgs = notifications(sqs, url, 2, via_sns=True)
    assert no_more_notifications(sqs, url, via_sns=True) == []
    got = sorted((check_sns_notification(m, topic, sub) for m in msgs), key=lambda r: r["s3"]["object"]["size"])
    check_record(got[0], "ObjectCreated:Put", bucket, "bucket-key", "to-topic", 11, "c8e3a3027a133355210f85cfbb1acc35")
    check_record(got[1], "ObjectCreated:Put", bucket, "bucket-key", "to-topic", 12, "05c7c1b96e20928f6e55a881b5ca1c45")


def test_topic_notifications_with_a_filter(s3, sqs, sns):
    # sns: test_bucket_notifications_with_filter / message
    bucket = make_bucket(s3)
    topic, url, sub = make_topic(sns, sqs, bucket)
    put_notifications(s3, bucket, topics=[topic_config(topic, ["s3:ObjectCreated:*"], id="id123", prefix="testupload/")])
    data = b'{"test": "bucket_notification one"}'
    s3.upload_fileobj(io.BytesIO(data), bucket, "test/dir1/myfile.txt")
    s3.upload_fileobj(io.BytesIO(data), bucket, "testupload/dir1/testfile.txt")
    (m,) = notifications(sqs, url, 1, via_sns=True)
    assert no_more_notifications(sqs, url, via_sns=True) == []
    check_record(check_sns_notification(m, topic, sub), "ObjectCreated:Put", bucket, "testupload/dir1/testfile.txt",
                 "id123", 35, "f5260f0f41af2722d9fe17a57dfa9da5")


# ------------------------------------------------------------------ records sent to a function


@pytest.mark.parametrize("how", ["any", "bucket", "bucket-and-account"])
def test_a_function_receives_the_record(s3, sqs, lam, how):
    # lambda: TestS3NotificationsToLambda::test_create_object_put_via_dynamodb / table_content (the
    # permission without SourceArn there); with SourceArn (and SourceAccount) as the console adds it.
    started = time.time()
    bucket = make_bucket(s3)
    fn = watched_function(lam, sqs, bucket, how=how)
    put_notifications(s3, bucket, functions=[function_config(fn["arn"], ["s3:ObjectCreated:*"], id="to-function")])
    r = s3.put_object(Bucket=bucket, Key="table-key", Body=b"something..")
    (inv,) = invocations(sqs, fn["dest_url"], 1)
    assert inv["requestContext"]["functionArn"] == fn["arn"] + ":$LATEST"
    rec = check_record(event_of(inv), "ObjectCreated:Put", bucket, "table-key", "to-function", 11,
                       "e9fb1ed1d5eaa36781088aae37acffbd", ordered=False, started=started)
    check_response_elements(rec, r)
    assert inv["responsePayload"] == [{"eventName": "ObjectCreated:Put", "bucket": bucket, "key": "table-key", "size": 11}]
    assert stragglers(sqs, fn["dest_url"]) == []


def test_a_function_with_a_filter_on_removed_objects(s3, sqs, lam):
    bucket = make_bucket(s3)
    fn = watched_function(lam, sqs, bucket)
    put_notifications(
        s3, bucket, functions=[function_config(fn["arn"], ["s3:ObjectRemoved:*"], id="cleanup", suffix=".log")]
    )
    for key in ("app.log", "notes.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.delete_object(Bucket=bucket, Key="notes.txt")
    s3.delete_object(Bucket=bucket, Key="app.log")
    (inv,) = invocations(sqs, fn["dest_url"], 1)
    check_record(event_of(inv), "ObjectRemoved:Delete", bucket, "app.log", "cleanup", ordered=False)
    assert inv["responsePayload"] == [{"eventName": "ObjectRemoved:Delete", "bucket": bucket, "key": "app.log", "size": None}]
    assert stragglers(sqs, fn["dest_url"]) == []


# ------------------------------------------------------------------ done when: a user uploads, a function processes it


@pytest.fixture(scope="module")
def processor_zip():
    return sdk_zip(PROCESSOR)


def cli_pipeline(server, lam, sqs, tmp_path, zip_bytes=REPORTER, prefix="incoming/", suffix=None,
                 events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), **create_kw):
    """What a user types: a bucket (aws s3 mb), the function's permission for S3
    (aws lambda add-permission) and the bucket's notification configuration
    (aws s3api put-bucket-notification-configuration from a JSON file)."""
    bucket = unique("ntfcli")
    server.aws("s3", "mb", f"s3://{bucket}")
    name = unique("ntfcli-fn")
    arn = create(lam, name, zip_bytes=zip_bytes, **create_kw)["FunctionArn"]
    dest_url, dest_arn = make_queue(sqs)
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnSuccess": {"Destination": dest_arn}}
    )
    server.aws(
        "lambda", "add-permission", "--function-name", name, "--statement-id", "s3-invoke",
        "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com",
        "--source-arn", bucket_arn(bucket), "--source-account", ACCOUNT,
    )
    filter_rules = [{"Name": "prefix", "Value": prefix}]
    if suffix is not None:
        filter_rules.append({"Name": "suffix", "Value": suffix})
    cfg = {"LambdaFunctionConfigurations": [
        {"Id": "on-upload", "LambdaFunctionArn": arn, "Events": list(events), "Filter": {"Key": {"FilterRules": filter_rules}}}
    ]}
    path = tmp_path / "notification.json"
    path.write_text(json.dumps(cfg))
    server.aws("s3api", "put-bucket-notification-configuration", "--bucket", bucket,
               "--notification-configuration", f"file://{path}")
    got = json.loads(server.aws("s3api", "get-bucket-notification-configuration", "--bucket", bucket).stdout)
    (read,) = got["LambdaFunctionConfigurations"]
    assert read["Id"] == "on-upload" and read["LambdaFunctionArn"] == arn and read["Events"] == list(events)
    assert sorted(r["Name"] for r in read["Filter"]["Key"]["FilterRules"]) == sorted(
        r["Name"].capitalize() for r in filter_rules
    )
    return {"bucket": bucket, "name": name, "arn": arn, "dest_url": dest_url}


def test_a_file_uploaded_with_the_cli_reaches_a_function(server, lam, sqs, tmp_path):
    started = time.time()
    p = cli_pipeline(server, lam, sqs, tmp_path)
    content = b"region,amount\nnorth,3\nsouth,4\n"
    local = tmp_path / "report 2024.csv"
    local.write_bytes(content)
    server.aws("s3", "cp", str(local), f"s3://{p['bucket']}/notes/report 2024.csv")  # outside the prefix
    server.aws("s3", "cp", str(local), f"s3://{p['bucket']}/incoming/report 2024.csv")
    (inv,) = invocations(sqs, p["dest_url"], 1)
    check_record(event_of(inv), "ObjectCreated:Put", p["bucket"], "incoming/report+2024.csv", "on-upload",
                 len(content), md5(content), ordered=False, started=started)
    assert inv["responsePayload"] == [
        {"eventName": "ObjectCreated:Put", "bucket": p["bucket"], "key": "incoming/report 2024.csv", "size": len(content)}
    ]
    assert stragglers(sqs, p["dest_url"]) == []


def test_a_large_cli_upload_is_one_multipart_event(server, lam, sqs, tmp_path):
    # The CLI uploads files over 8 MiB in 8 MiB parts: one CompleteMultipartUpload record, none per part.
    p = cli_pipeline(server, lam, sqs, tmp_path)
    chunk = 8 * 1024 * 1024
    content = bytes(range(256)) * (9 * 1024 * 1024 // 256)
    local = tmp_path / "big.bin"
    local.write_bytes(content)
    server.aws("s3", "cp", str(local), f"s3://{p['bucket']}/incoming/big.bin")
    (inv,) = invocations(sqs, p["dest_url"], 1, timeout=60)
    check_record(event_of(inv), "ObjectCreated:CompleteMultipartUpload", p["bucket"], "incoming/big.bin", "on-upload",
                 len(content), multipart_etag([content[:chunk], content[chunk:]]), ordered=False)
    assert stragglers(sqs, p["dest_url"]) == []


def test_cli_copy_and_remove_reach_a_function(server, lam, sqs, tmp_path):
    p = cli_pipeline(server, lam, sqs, tmp_path)
    local = tmp_path / "a.csv"
    local.write_bytes(b"x,1\n")
    server.aws("s3", "cp", str(local), f"s3://{p['bucket']}/incoming/a.csv")
    invocations(sqs, p["dest_url"], 1)
    server.aws("s3", "cp", f"s3://{p['bucket']}/incoming/a.csv", f"s3://{p['bucket']}/incoming/b.csv")
    (copied,) = invocations(sqs, p["dest_url"], 1)
    check_record(event_of(copied), "ObjectCreated:Copy", p["bucket"], "incoming/b.csv", "on-upload", 4, md5(b"x,1\n"),
                 ordered=False)
    server.aws("s3", "rm", f"s3://{p['bucket']}/incoming/a.csv")
    (removed,) = invocations(sqs, p["dest_url"], 1)
    check_record(event_of(removed), "ObjectRemoved:Delete", p["bucket"], "incoming/a.csv", "on-upload", ordered=False)
    assert removed["responsePayload"] == [
        {"eventName": "ObjectRemoved:Delete", "bucket": p["bucket"], "key": "incoming/a.csv", "size": None}
    ]


def test_a_function_processes_the_uploaded_file(server, lam, sqs, s3, tmp_path, processor_zip):
    # The whole path: `aws s3 cp`, S3's event, the function reading the object with the SDK and writing
    # its result back, read again with `aws s3 cp ... -`.
    p = cli_pipeline(server, lam, sqs, tmp_path, zip_bytes=processor_zip, suffix=".csv",
                     events=("s3:ObjectCreated:*",), MemorySize=1769, Timeout=60)
    local = tmp_path / "sales march.csv"
    local.write_text("region,amount\nnorth,3\nsouth,4\neast,5\n")
    server.aws("s3", "cp", str(local), f"s3://{p['bucket']}/incoming/sales march.csv")
    (inv,) = invocations(sqs, p["dest_url"], 1, timeout=90)
    check_record(event_of(inv), "ObjectCreated:Put", p["bucket"], "incoming/sales+march.csv", "on-upload",
                 local.stat().st_size, md5(local.read_bytes()), ordered=False)
    assert inv["responsePayload"] == ["processed/sales march.csv.json"]
    out = server.aws("s3", "cp", f"s3://{p['bucket']}/processed/sales march.csv.json", "-")
    assert json.loads(out.stdout) == {"source": "incoming/sales march.csv", "rows": 3, "total": 12}
    # The result is outside the configuration's prefix: it caused no second invocation.
    assert stragglers(sqs, p["dest_url"], 2.5) == []

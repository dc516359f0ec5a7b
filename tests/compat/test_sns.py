"""SNS on lambdalite's one endpoint, checked against answers recorded on real
AWS.

Facts (codes, messages, statuses, attribute sets, delivered payloads) come
from LocalStack's parity snapshots of tests/aws/services/sns/ (test_sns.py and
test_sns_filter_policy.py, recorded against AWS; the matching
*.validation.json files list them as AWS-validated). Each test names its
source as "TestClass::test_name / snapshot key", "validated:" when the fact is
an assertion of a validated test rather than a snapshot, or "AWS docs: ..."
when it comes from documentation. Snapshot placeholders (account
111111111111, <region>) are mapped to this server's 000000000000 and
us-east-1. docs/notes-sns-facts.md is the digest of the same recordings.

SNS speaks the query protocol only (form POST, XML answers in the namespace
http://sns.amazonaws.com/doc/2010-03-31/); an error is an <ErrorResponse>
whose Error.Code botocore reports (InvalidParameter, NotFound, ...), with
Error.Type Sender.

Deliveries are asynchronous: tests poll the target queue (receive_message
with WaitTimeSeconds=1) up to a deadline instead of sleeping fixed times. To
show that something was *not* delivered, a test publishes it first, then a
message that does pass, waits for that one and then gives stragglers one
more second.
"""

import base64
import json
import queue as queue_mod
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique
from test_invoke import SEED as COOKING_TIMER

ACCOUNT = "000000000000"
REGION = "us-east-1"
NS = "http://sns.amazonaws.com/doc/2010-03-31/"
CREDS = Credentials("test", "test")

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# TestSNSTopicCrud::test_create_topic_test_arn / get-topic-attrs (recorded 2025-09):
# the whole attribute set of a standard topic nobody configured.
STANDARD_TOPIC_KEYS = {
    "DisplayName",
    "EffectiveDeliveryPolicy",
    "Owner",
    "Policy",
    "SubscriptionsConfirmed",
    "SubscriptionsDeleted",
    "SubscriptionsPending",
    "TopicArn",
}
# TestSNSSubscriptionSQSFifo::test_publish_fifo_messages_to_dlq / topic-attrs
FIFO_TOPIC_KEYS = STANDARD_TOPIC_KEYS | {"ContentBasedDeduplication", "FifoTopic"}
EFFECTIVE_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}
# TestSNSFilterPolicyCrud::test_set_subscription_filter_policy_scope / sub-attrs-default:
# every attribute of a fresh sqs (and, test_redrive_policy_lambda_subscription, lambda) subscription.
SUBSCRIPTION_KEYS = {
    "ConfirmationWasAuthenticated",
    "Endpoint",
    "Owner",
    "PendingConfirmation",
    "Protocol",
    "RawMessageDelivery",
    "SubscriptionArn",
    "SubscriptionPrincipal",
    "TopicArn",
}
# The SQS envelope, TestSNSSubscriptionSQS::test_publish_sqs_from_sns / message-raw-false.
ENVELOPE_KEYS = {
    "Type",
    "MessageId",
    "TopicArn",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
    "UnsubscribeURL",
}
# TestSNSSubscriptionLambda::test_python_lambda_subscribe_sns_topic / notification
LAMBDA_SNS_KEYS = {
    "Type",
    "MessageId",
    "TopicArn",
    "Subject",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertUrl",
    "UnsubscribeUrl",
    "MessageAttributes",
}


def default_policy(topic_arn):
    """The Policy attribute of a new topic (get-topic-attrs, all recordings)."""
    return {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
            }
        ],
    }


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="session")
def sns(server):
    return server.client("sns")


@pytest.fixture(scope="session")
def sqs(server):
    return server.client("sqs")


@pytest.fixture(scope="session")
def sns_nv(server):
    """A client that sends what it is given (the recordings used one too, to
    reach the server's own validation)."""
    return boto3.client(
        "sns",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def topic_arn_of(name):
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


def make_topic(sns, name=None, fifo=False, **attributes):
    name = name or unique("topic") + (".fifo" if fifo else "")
    attrs = dict(attributes)
    if fifo:
        attrs.setdefault("FifoTopic", "true")
    kw = {"Attributes": attrs} if attrs else {}
    return sns.create_topic(Name=name, **kw)["TopicArn"]


def make_queue(sqs, fifo=False, **attributes):
    name = unique("q") + (".fifo" if fifo else "")
    attrs = dict(attributes)
    if fifo:
        attrs.setdefault("FifoQueue", "true")
    kw = {"Attributes": attrs} if attrs else {}
    url = sqs.create_queue(QueueName=name, **kw)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def subscribe_queue(sns, topic_arn, queue_arn, **attributes):
    kw = {"Attributes": attributes} if attributes else {}
    return sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True, **kw)[
        "SubscriptionArn"
    ]


def wired(sns, sqs, raw=False, fifo=False, topic_attrs=None, queue_fifo=None):
    """A topic with one queue subscribed: (topic_arn, queue_url, subscription_arn)."""
    topic = make_topic(sns, fifo=fifo, **(topic_attrs or {}))
    url, arn = make_queue(sqs, fifo=fifo if queue_fifo is None else queue_fifo)
    attrs = {"RawMessageDelivery": "true"} if raw else {}
    sub = subscribe_queue(sns, topic, arn, **attrs)
    return topic, url, sub


def err(excinfo):
    r = excinfo.value.response
    e = r["Error"]
    return {
        "Code": e.get("Code"),
        "Type": e.get("Type"),
        "Message": e.get("Message"),
        "Status": r["ResponseMetadata"]["HTTPStatusCode"],
    }


def sender(code, message, status=400):
    return {"Code": code, "Type": "Sender", "Message": message, "Status": status}


def invalid(message):
    return sender("InvalidParameter", message)


def not_found(message):
    return sender("NotFound", message, 404)


def first_line(message):
    return message.split("\n", 1)[0]


def receive(sqs, url, n=1, timeout=15, **kw):
    """Receives until n messages came back (or the deadline passed)."""
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, n - len(got)),
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
            **kw,
        )
        got.extend(out.get("Messages", []))
    return got


def one(sqs, url, timeout=15):
    got = receive(sqs, url, 1, timeout)
    if not got:
        pytest.fail(f"nothing arrived in {url} within {timeout}s")
    return got[0]


def nothing_more(sqs, url, seconds=1.5):
    """Whatever else arrives within `seconds` (should be [])."""
    got = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"])
        got.extend(out.get("Messages", []))
    return got


def collect_until(sqs, url, sentinel, timeout=15, key=lambda m: m["Body"]):
    """Every message up to (and including) the one for which key() == sentinel,
    plus stragglers that arrive within a second after it."""
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline and not any(key(m) == sentinel for m in got):
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"])
        for m in out.get("Messages", []):
            # Deleted as read: in a FIFO queue an unread message in flight
            # holds back the rest of its group.
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            got.append(m)
    if not any(key(m) == sentinel for m in got):
        pytest.fail(f"the sentinel {sentinel!r} never arrived in {url}")
    return got + nothing_more(sqs, url, 1.0)


def envelope_message(m):
    return json.loads(m["Body"])["Message"]


def check_envelope(body, topic_arn, sub_arn, message, subject=None, attributes=None, version="1"):
    """The SNS JSON an SQS queue (or DLQ) receives without raw delivery
    (TestSNSSubscriptionSQS::test_publish_sqs_from_sns / message-raw-false,
    test_subscribe_sqs_queue / messages)."""
    keys = set(ENVELOPE_KEYS)
    if subject is not None:
        keys.add("Subject")
    if attributes is not None:
        keys.add("MessageAttributes")
    assert set(body) == keys, body
    assert body["Type"] == "Notification"
    assert UUID.match(body["MessageId"]), body["MessageId"]
    assert body["TopicArn"] == topic_arn
    assert body["Message"] == message
    if subject is not None:
        assert body["Subject"] == subject
    assert TIMESTAMP.match(body["Timestamp"]), body["Timestamp"]
    assert body["SignatureVersion"] == version
    assert base64.b64decode(body["Signature"])
    assert "SimpleNotificationService" in body["SigningCertURL"] and body["SigningCertURL"].endswith(".pem")
    assert body["UnsubscribeURL"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={sub_arn}"), body["UnsubscribeURL"]
    if attributes is not None:
        assert body["MessageAttributes"] == attributes


def string_to_sign(msg):
    """AWS docs, "Verifying the signatures of Amazon SNS messages": name and
    value of each field, each followed by a newline, in this order; Subject only
    when the message has one."""
    if msg["Type"] == "Notification":
        fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:  # SubscriptionConfirmation, UnsubscribeConfirmation
        fields = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{f}\n{msg[f]}\n" for f in fields if msg.get(f) is not None)


def verify_signature(msg, hash_version, cert_url_key="SigningCertURL"):
    """Fetches the signing certificate (PEM X.509) and checks the signature:
    SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA (PKCS#1 v1.5)."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    with urllib.request.urlopen(msg[cert_url_key], timeout=30) as resp:
        assert resp.status == 200
        pem = resp.read()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----"), pem[:60]
    cert = x509.load_pem_x509_certificate(pem)
    algorithm = hashes.SHA1() if hash_version == "1" else hashes.SHA256()
    # raises InvalidSignature when it does not verify
    cert.public_key().verify(
        base64.b64decode(msg["Signature"]), string_to_sign(msg).encode(), padding.PKCS1v15(), algorithm
    )


# --- the query protocol on the wire


def query(server, params, method="POST"):
    """A SigV4-signed query-protocol request; (status, root element, body)."""
    params = dict(params)
    params.setdefault("Version", "2010-03-31")
    encoded = urllib.parse.urlencode(params)
    url = server.endpoint + "/"
    if method == "GET":
        url += "?" + encoded
        data, hdrs = None, {}
    else:
        data = encoded.encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    req = AWSRequest(method=method, url=url, data=data, headers=hdrs)
    SigV4Auth(CREDS, "sns", REGION).add_auth(req)
    prepared = req.prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    raw = urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers.items()), method=method)
    return http_get_or_post(raw)


def http_get_or_post(req):
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    return status, ET.fromstring(body), body


def local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def find(root, *path):
    """Child by local names, ignoring the namespace."""
    el = root
    for name in path:
        el = next((c for c in el if local(c.tag) == name), None)
        if el is None:
            return None
    return el


# --- an HTTP endpoint for http subscriptions


class Endpoint:
    """A local HTTP server that records what SNS POSTs to it."""

    def __init__(self):
        self.requests = queue_mod.Queue()
        recorder = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                recorder.put({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sns-endpoint"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def next(self, message_type, timeout=15):
        """The next request whose x-amz-sns-message-type is message_type."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                req = self.requests.get(timeout=max(0.1, deadline - time.time()))
            except queue_mod.Empty:
                break
            if req["headers"].get("x-amz-sns-message-type") == message_type:
                return req
        pytest.fail(f"no {message_type} reached {self.url} within {timeout}s")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def endpoint():
    e = Endpoint()
    yield e
    e.close()


# --- lambda subscribers


SILENT = make_zip({"app.py": "def handler(event, context):\n    return None\n"})


def lambda_subscriber(lam, sns, sqs, topic_arn, permission=True, zip_bytes=SILENT, **create_kw):
    """A function subscribed to the topic whose async OnSuccess destination is
    a queue: every event SNS delivers leaves a record there."""
    name = unique("snsfn")
    fn_arn = create(lam, name, zip_bytes=zip_bytes, **create_kw)["FunctionArn"]
    dest_url, dest_arn = make_queue(sqs)
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnSuccess": {"Destination": dest_arn}}
    )
    if permission:
        lam.add_permission(
            FunctionName=name,
            StatementId=unique("sns"),
            Action="lambda:InvokeFunction",
            Principal="sns.amazonaws.com",
            SourceArn=topic_arn,
        )
    sub = sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=fn_arn, ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    return {"name": name, "arn": fn_arn, "dest_url": dest_url, "sub": sub}


def destination_record(sqs, url, timeout=30):
    record = json.loads(one(sqs, url, timeout)["Body"])
    assert record["requestContext"]["condition"] == "Success", record
    return record


def check_lambda_event(event, topic_arn, sub_arn, message, subject=None, attributes=None):
    """AWS docs, "Using Lambda with Amazon SNS" (sample event) for the record;
    TestSNSSubscriptionLambda::test_python_lambda_subscribe_sns_topic / notification
    for Sns."""
    assert set(event) == {"Records"}
    assert len(event["Records"]) == 1
    rec = event["Records"][0]
    assert rec["EventSource"] == "aws:sns"
    assert rec["EventVersion"] == "1.0"
    assert rec["EventSubscriptionArn"] == sub_arn
    s = rec["Sns"]
    assert set(s) == LAMBDA_SNS_KEYS, s
    assert s["Type"] == "Notification"
    assert UUID.match(s["MessageId"])
    assert s["TopicArn"] == topic_arn
    assert s["Subject"] == subject  # null when the publish had none
    assert s["Message"] == message
    assert TIMESTAMP.match(s["Timestamp"]), s["Timestamp"]
    assert s["SignatureVersion"] == "1"
    assert base64.b64decode(s["Signature"])
    assert "SimpleNotificationService" in s["SigningCertUrl"] and s["SigningCertUrl"].endswith(".pem")
    assert s["UnsubscribeUrl"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={sub_arn}")
    assert s["MessageAttributes"] == (attributes or {})
    return s


# ------------------------------------------------------------------ topics


def test_create_topic_returns_arn_and_default_attributes(sns):
    # TestSNSTopicCrud::test_create_topic_test_arn / create-topic, get-topic-attrs
    name = unique("topic")
    created = sns.create_topic(Name=name)
    assert created["TopicArn"] == topic_arn_of(name)
    assert set(created) == {"TopicArn", "ResponseMetadata"}
    attrs = sns.get_topic_attributes(TopicArn=created["TopicArn"])["Attributes"]
    assert set(attrs) == STANDARD_TOPIC_KEYS
    assert attrs["DisplayName"] == ""
    assert attrs["Owner"] == ACCOUNT
    assert attrs["TopicArn"] == created["TopicArn"]
    assert attrs["SubscriptionsConfirmed"] == attrs["SubscriptionsDeleted"] == attrs["SubscriptionsPending"] == "0"
    assert json.loads(attrs["Policy"]) == default_policy(created["TopicArn"])
    assert json.loads(attrs["EffectiveDeliveryPolicy"]) == EFFECTIVE_DELIVERY_POLICY


def test_fifo_topic_default_attributes(sns):
    # TestSNSSubscriptionSQSFifo::test_publish_fifo_messages_to_dlq / topic-attrs
    arn = make_topic(sns, fifo=True)
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert set(attrs) == FIFO_TOPIC_KEYS
    assert attrs["FifoTopic"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert json.loads(attrs["Policy"]) == default_policy(arn)
    # TestSNSTopicCrud::test_create_topic_with_attributes / get-topic-attrs: set attributes show up.
    arn = make_topic(sns, fifo=True, DisplayName="TestTopic", SignatureVersion="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert set(attrs) == FIFO_TOPIC_KEYS | {"SignatureVersion"}
    assert attrs["DisplayName"] == "TestTopic"
    assert attrs["SignatureVersion"] == "2"
    # test_publish_batch_messages_from_fifo_topic_to_fifo_queue[True] / topic-attrs
    arn = make_topic(sns, fifo=True, ContentBasedDeduplication="true")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["ContentBasedDeduplication"] == "true"


def test_fifo_false_is_not_stored_and_cannot_be_set(sns):
    # TestSNSTopicCrudV2::test_topic_get_attributes_with_fifo_false / get-attrs-standard-topic,
    # set-fifo-false-after-creation
    arn = make_topic(sns, FifoTopic="false")
    assert set(sns.get_topic_attributes(TopicArn=arn)["Attributes"]) == STANDARD_TOPIC_KEYS
    with pytest.raises(ClientError) as e:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoTopic", AttributeValue="false")
    assert err(e) == invalid("Invalid parameter: AttributeName")


def test_set_topic_attributes(sns):
    arn = make_topic(sns)
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Shown")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Shown"
    assert attrs["SignatureVersion"] == "2"
    assert set(attrs) == STANDARD_TOPIC_KEYS | {"SignatureVersion"}


@pytest.mark.parametrize(
    "name, attributes",
    [
        ("", None),
        ("a" * 257, None),
        ("plain.fifo", None),
        ("fifo-attr-without-suffix", {"FifoTopic": "true"}),
        ("bad:name", None),
        ("bad;name", None),
        ("bad!name", None),
        ("bad@name", None),
        ("bad|name", None),
        ("bad^name", None),
        ("bad%name", None),
        ("bad name", None),
    ],
)
def test_topic_name_rules(sns_nv, name, attributes):
    # TestSNSTopicCrudV2::test_create_topic_name_constraints / name-too-short, name-too-long,
    # name-contains-fifo, fifo-name-not-contains-fifo, name-invalid-char-0..7
    kw = {"Attributes": attributes} if attributes else {}
    with pytest.raises(ClientError) as e:
        sns_nv.create_topic(Name=name, **kw)
    assert err(e) == invalid("Invalid parameter: Topic Name")


def test_longest_topic_name(sns):
    # TestSNSTopicCrudV2::test_create_topic_name_constraints / valid-name-max-length
    name = ("t" + unique("x").replace("-", "_")).ljust(256, "a")
    assert sns.create_topic(Name=name)["TopicArn"] == topic_arn_of(name)
    sns.delete_topic(TopicArn=topic_arn_of(name))


def test_create_topic_is_idempotent_unless_attributes_differ(sns):
    # TestSNSTopicCrudV2::test_create_topic_different_attrs
    name = unique("idem")
    arn = sns.create_topic(Name=name, Attributes={"DisplayName": "Value1"})["TopicArn"]
    assert sns.create_topic(Name=name)["TopicArn"] == arn  # create-topic-no-attrs
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Value1"  # topic-attrs
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "Value1"})["TopicArn"] == arn
    assert sns.create_topic(Name=name, Attributes={"FifoTopic": "false"})["TopicArn"] == arn
    different = "Invalid parameter: Attributes Reason: Topic already exists with different attributes"
    for attrs, expected in [
        ({"DisplayName": "Value2"}, different),  # create-topic-diff-attrs
        ({"FifoTopic": "true"}, "Invalid parameter: Topic Name"),  # create-topic-new-attrs-fifo
        ({"SignatureVersion": "2"}, different),  # create-topic-new-attrs
        ({"SignatureVersion": "2", "DisplayName": "Value1"}, different),  # create-topic-new-and-same-attrs
    ]:
        with pytest.raises(ClientError) as e:
            sns.create_topic(Name=name, Attributes=attrs)
        assert err(e) == invalid(expected), attrs


def test_missing_and_malformed_topics(sns, sns_nv):
    # TestSNSTopicCrud::test_create_topic_with_attributes / get-attrs-nonexistent-topic, get-attrs-malformed-topic
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn=topic_arn_of(unique("nope")))
    assert err(e) == not_found("Topic does not exist")
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn="test-topic")
    assert err(e) == invalid("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
    # TestSNSPublishCrud::test_publish_wrong_arn_format / invalid-topic-arn-1, test_unknown_topic_publish / error
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn="randomstring:1", Message="m")
    assert err(e) == invalid("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 2")
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic_arn_of(unique("nope")), Message="m")
    assert err(e) == not_found("Topic does not exist")
    # TestSNSMultiRegions::test_cross_region_access / get-topic-attrs: a topic ARN of another region
    arn = make_topic(sns)
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn=arn.replace(REGION, "eu-west-1"))
    assert err(e) == invalid("Invalid parameter: TopicArn")


def test_delete_topic_is_idempotent(sns):
    # TestSNSTopicCrud::test_create_topic_test_arn / delete-topic, topic-not-exists;
    # test_delete_topic_idempotency / delete-topic-again; TestSNSTopicCrudV2::test_delete_non_existent_topic
    arn = make_topic(sns)
    assert sns.delete_topic(TopicArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn=arn)
    assert err(e) == not_found("Topic does not exist")
    assert sns.delete_topic(TopicArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sns.delete_topic(TopicArn=topic_arn_of(unique("never")))["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert arn not in {t["TopicArn"] for t in all_topics(sns)}


def all_topics(sns):
    topics, kw = [], {}
    while True:
        page = sns.list_topics(**kw)
        assert len(page["Topics"]) <= 100
        topics.extend(page["Topics"])
        if "NextToken" not in page:
            return topics
        kw = {"NextToken": page["NextToken"]}


def test_list_topics_pages_of_100(sns):
    # AWS docs (ListTopics): "Each call returns a limited list of topics, up to 100";
    # the same page size as test_list_subscriptions_by_topic_pagination (validated).
    prefix = unique("page")
    created = {sns.create_topic(Name=f"{prefix}-{i}")["TopicArn"] for i in range(101)}
    first = sns.list_topics()
    assert len(first["Topics"]) == 100
    assert first["NextToken"]
    listed = [t["TopicArn"] for t in all_topics(sns)]
    assert len(listed) == len(set(listed)), "a topic was listed twice"
    assert created <= set(listed)
    assert set(first["Topics"][0]) == {"TopicArn"}
    for arn in created:
        sns.delete_topic(TopicArn=arn)


# ------------------------------------------------------------------ tags


def test_tags(sns):
    # TestSNSTopicCrud::test_tags / duplicate-key-error, list-created-tags, list-after-delete-tags,
    # list-after-update-tags
    arn = make_topic(sns)
    with pytest.raises(ClientError) as e:
        sns.tag_resource(
            ResourceArn=arn,
            Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}, {"Key": "k2", "Value": "v2"}],
        )
    assert err(e) == invalid("Invalid parameter: Duplicated keys are not allowed.")
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])
    tags = sorted(sns.list_tags_for_resource(ResourceArn=arn)["Tags"], key=lambda t: t["Key"])
    assert tags == [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]
    sns.untag_resource(ResourceArn=arn, TagKeys=["k1"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k2", "Value": "v2"}]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k2", "Value": "v2b"}])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k2", "Value": "v2b"}]


def test_create_topic_with_tags_and_again(sns):
    # TestSNSTopicCrud::test_create_duplicate_topic_check_idempotency / response-same-arn-0..2
    name = unique("tagged")
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    arn = sns.create_topic(Name=name, Tags=tags)["TopicArn"]
    assert sorted(sns.list_tags_for_resource(ResourceArn=arn)["Tags"], key=lambda t: t["Key"]) == tags
    for again in (tags, [tags[0]], []):
        assert sns.create_topic(Name=name, Tags=again)["TopicArn"] == arn
    # TestSNSTopicCrud::test_create_duplicate_topic_with_more_tags / exception-duplicate
    plain = make_topic(sns)
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name=plain.rsplit(":", 1)[1], Tags=[{"Key": "key1", "Value": "value1"}])
    assert err(e) == invalid("Invalid parameter: Tags Reason: Topic already exists with different tags")


def test_tags_go_with_the_topic(sns):
    # TestSNSTopicCrud::test_tags_removed_after_deletion / list-created-tags, list-empty-tags
    name = unique("retag")
    arn = sns.create_topic(Name=name, Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])["TopicArn"]
    sns.delete_topic(TopicArn=arn)
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == []


# ------------------------------------------------------------------ the wire and the CLI


def test_query_protocol_answers_in_the_sns_namespace(server):
    name = unique("wire")
    status, root, body = query(server, {"Action": "CreateTopic", "Name": name})
    assert status == 200, body
    assert root.tag == f"{{{NS}}}CreateTopicResponse"
    assert find(root, "CreateTopicResult", "TopicArn").text == topic_arn_of(name)
    assert find(root, "ResponseMetadata", "RequestId").text
    status, root, body = query(server, {"Action": "GetTopicAttributes", "TopicArn": topic_arn_of(unique("none"))})
    assert status == 404, body
    assert local(root.tag) == "ErrorResponse"
    assert find(root, "Error", "Type").text == "Sender"
    assert find(root, "Error", "Code").text == "NotFound"
    assert find(root, "Error", "Message").text == "Topic does not exist"
    assert find(root, "RequestId").text


def test_cli_create_subscribe_publish(server, sqs):
    name = unique("cli")
    arn = json.loads(server.aws("sns", "create-topic", "--name", name).stdout)["TopicArn"]
    assert arn == topic_arn_of(name)
    url, qarn = make_queue(sqs)
    sub = json.loads(
        server.aws("sns", "subscribe", "--topic-arn", arn, "--protocol", "sqs", "--notification-endpoint", qarn).stdout
    )["SubscriptionArn"]
    assert sub.startswith(arn + ":")
    out = json.loads(server.aws("sns", "publish", "--topic-arn", arn, "--message", "from the cli").stdout)
    assert UUID.match(out["MessageId"])
    body = json.loads(one(sqs, url)["Body"])
    assert body["Message"] == "from the cli"
    assert body["MessageId"] == out["MessageId"]
    listed = json.loads(server.aws("sns", "list-topics").stdout)["Topics"]
    assert {"TopicArn": arn} in listed
    bad = server.aws("sns", "get-topic-attributes", "--topic-arn", topic_arn_of(unique("none")), check=False)
    assert bad.returncode != 0
    assert "NotFound" in bad.stderr and "Topic does not exist" in bad.stderr


# ------------------------------------------------------------------ subscriptions


def test_sqs_subscription_is_confirmed_at_once(sns, sqs):
    # TestSNSFilterPolicyCrud::test_set_subscription_filter_policy_scope / sub-attrs-default;
    # TestSNSSubscriptionCrudV2::test_subscribe_attributes / get-subscription-attributes
    topic = make_topic(sns)
    _, qarn = make_queue(sqs)
    resp = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sub = resp["SubscriptionArn"]
    assert re.fullmatch(re.escape(topic) + r":[0-9a-f-]{36}", sub), sub
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert set(attrs) == SUBSCRIPTION_KEYS
    assert attrs["ConfirmationWasAuthenticated"] == "true"
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["Endpoint"] == qarn
    assert attrs["Protocol"] == "sqs"
    assert attrs["RawMessageDelivery"] == "false"
    assert attrs["SubscriptionArn"] == sub
    assert attrs["TopicArn"] == topic
    assert attrs["Owner"] == ACCOUNT
    assert attrs["SubscriptionPrincipal"].startswith(f"arn:aws:iam::{ACCOUNT}:")
    # TestSNSSubscriptionCrud::test_not_found_error_on_set_subscription_attributes /
    # subscriptions-for-topic-before-unsub
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed == [{"SubscriptionArn": sub, "Owner": ACCOUNT, "Protocol": "sqs", "Endpoint": qarn, "TopicArn": topic}]
    assert any(s["SubscriptionArn"] == sub for s in all_subscriptions(sns))


def all_subscriptions(sns, topic=None):
    subs, kw = [], ({"TopicArn": topic} if topic else {})
    call = sns.list_subscriptions_by_topic if topic else sns.list_subscriptions
    while True:
        page = call(**kw)
        assert len(page["Subscriptions"]) <= 100
        subs.extend(page["Subscriptions"])
        if "NextToken" not in page:
            return subs
        kw["NextToken"] = page["NextToken"]


def test_subscribing_a_queue_that_does_not_exist_is_allowed(sns):
    # TestSNSSubscriptionCrudV2::test_subscribe_unknown_sqs_queue / subscribe-unknown-sqs
    topic = make_topic(sns)
    sub = subscribe_queue(sns, topic, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('unknown')}")
    assert sub.startswith(topic + ":")


def test_raw_message_delivery_values(sns, sqs):
    # TestSNSSubscriptionCrud::test_create_subscriptions_with_attributes / subscribe-wrong-attr, get-attrs
    topic = make_topic(sns)
    _, qarn = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        subscribe_queue(sns, topic, qarn, RawMessageDelivery="wrongvalue", FilterPolicyScope="MessageBody", FilterPolicy="")
    assert err(e) == invalid(
        "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false."
    )
    sub = subscribe_queue(sns, topic, qarn, RawMessageDelivery="TrUe", FilterPolicyScope="MessageBody", FilterPolicy="")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    # an empty FilterPolicy leaves both filter attributes out
    assert set(attrs) == SUBSCRIPTION_KEYS
    with pytest.raises(ClientError) as e:
        sns.get_subscription_attributes(SubscriptionArn=sub[:-8] + "deadbeef")
    assert err(e) == not_found("Subscription does not exist")  # get-attrs-nonexistent-sub


def test_subscribe_is_idempotent(sns, sqs):
    # TestSNSSubscriptionCrud::test_subscribe_idempotency (all keys)
    topic = make_topic(sns)
    _, qarn = make_queue(sqs)
    sub = subscribe_queue(sns, topic, qarn, RawMessageDelivery="True")
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "true"
    for attrs in (
        {"RawMessageDelivery": "true"},
        {"RawMessageDelivery": "true", "FilterPolicyScope": "MessageAttributes"},
        None,
        {},
        {"FilterPolicyScope": "MessageAttributes"},
    ):
        kw = {} if attrs is None else {"Attributes": attrs}
        again = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True, **kw)
        assert again["SubscriptionArn"] == sub, attrs
    with pytest.raises(ClientError) as e:
        subscribe_queue(sns, topic, qarn, RawMessageDelivery="false", FilterPolicyScope="MessageBody")
    assert err(e) == invalid("Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1


def test_subscribe_errors(sns, sqs, server):
    topic = make_topic(sns)
    queue_url, _ = make_queue(sqs)
    cases = [
        # TestSNSSubscriptionCrud::test_subscribe_with_invalid_protocol / exception
        (
            dict(TopicArn=topic, Protocol="test-protocol", Endpoint="someone@example.com"),
            invalid("Invalid parameter: Amazon SNS does not support this protocol string: test-protocol"),
        ),
        # TestSNSSubscriptionCrudV2::test_subscribe_unknown_sqs_queue / subscribe-unknown-sqs-invalid_arn
        (dict(TopicArn=topic, Protocol="sqs", Endpoint="unknown"), invalid("Invalid parameter: SQS endpoint ARN")),
        # TestSNSSubscriptionCrudV2::test_subscribe_sqs_queue_url / subscribe-sqs-via-url-error
        (dict(TopicArn=topic, Protocol="sqs", Endpoint=queue_url), invalid("Invalid parameter: SQS endpoint ARN")),
        # TestSNSSubscriptionCrud::test_subscribe_with_invalid_topic / invalid-subscribe-arn-1, -2, non-existent-topic
        (
            dict(TopicArn="randomstring", Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q"),
            invalid("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"),
        ),
        (
            dict(TopicArn="arn:aws:sns:us-east-1:random", Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q"),
            invalid("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 5"),
        ),
        (
            dict(TopicArn=topic_arn_of(unique("none")), Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q"),
            not_found("Topic does not exist"),
        ),
    ]
    for kw, expected in cases:
        with pytest.raises(ClientError) as e:
            sns.subscribe(**kw)
        assert err(e) == expected, kw


def test_fifo_queue_cannot_subscribe_to_a_standard_topic(sns, sqs):
    # TestSNSSubscriptionSQSFifo::test_validations_for_fifo / not-fifo-topic, not-fifo-queue
    topic = make_topic(sns)
    _, fifo_arn = make_queue(sqs, fifo=True)
    with pytest.raises(ClientError) as e:
        subscribe_queue(sns, topic, fifo_arn)
    assert err(e) == invalid(
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"
    )
    fifo_topic = make_topic(sns, fifo=True)
    _, std_arn = make_queue(sqs)
    assert subscribe_queue(sns, fifo_topic, std_arn).startswith(fifo_topic + ":")


def test_set_subscription_attribute_errors(sns, sqs):
    # TestSNSSubscriptionCrud::test_validate_set_sub_attributes (all keys)
    topic, _, sub = wired(sns, sqs)

    def setting(name, value):
        with pytest.raises(ClientError) as e:
            sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName=name, AttributeValue=value)
        return err(e)

    assert setting("FakeAttribute", "test-value") == invalid("Invalid parameter: AttributeName")
    assert setting("RawMessageDelivery", "test-ValUe") == invalid(
        "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false."
    )
    assert setting("RawMessageDelivery", "") == invalid(
        "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false."
    )
    assert setting("RedrivePolicy", json.dumps({"deadLetterTargetArn": "fake-arn"})) == invalid(
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"
    )
    bad = setting("RedrivePolicy", "{invalidjson}")
    assert (bad["Code"], bad["Status"]) == ("InvalidParameter", 400)
    assert bad["Message"].startswith("Invalid parameter: RedrivePolicy: failed to parse JSON.")
    bad = setting("FilterPolicy", "{invalidjson}")
    assert (bad["Code"], bad["Status"]) == ("InvalidParameter", 400)
    assert bad["Message"].startswith("Invalid parameter: FilterPolicy: failed to parse JSON.")
    # TestSNSFilterPolicyCrud::test_set_subscription_filter_policy_scope / sub-attrs-filter-scope-error
    assert setting("FilterPolicyScope", "RandomValue") == invalid(
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes"
    )
    # the subscription is unchanged
    assert set(sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]) == SUBSCRIPTION_KEYS


def test_raw_message_delivery_is_refused_on_lambda_subscriptions(sns, lam, sqs):
    # Not in the snapshots: AWS's answer as quoted in aws-controllers-k8s/community#2192
    # ("InvalidParameter: Invalid parameter: Delivery protocol [lambda] does not support raw message
    # delivery. status code: 400"); cloudformation-coverage-roadmap#399: any value, even "false".
    topic = make_topic(sns)
    s = lambda_subscriber(lam, sns, sqs, topic)
    for value in ("true", "false"):
        with pytest.raises(ClientError) as e:
            sns.set_subscription_attributes(SubscriptionArn=s["sub"], AttributeName="RawMessageDelivery", AttributeValue=value)
        assert err(e) == invalid("Invalid parameter: Delivery protocol [lambda] does not support raw message delivery.")
    attrs = sns.get_subscription_attributes(SubscriptionArn=s["sub"])["Attributes"]
    # TestSNSSubscriptionLambda::test_redrive_policy_lambda_subscription / subscription-attributes
    assert set(attrs) == SUBSCRIPTION_KEYS
    assert attrs["Protocol"] == "lambda"
    assert attrs["Endpoint"] == s["arn"]
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["RawMessageDelivery"] == "false"


def test_unsubscribe(sns, sqs, sns_nv):
    # TestSNSSubscriptionCrud::test_not_found_error_on_set_subscription_attributes / sub-not-found,
    # subscriptions-for-topic-after-unsub; test_unsubscribe_idempotency / unsubscribe-1, unsubscribe-2
    topic, _, sub = wired(sns, sqs)
    assert sns.unsubscribe(SubscriptionArn=sub)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    assert err(e) == not_found("Subscription does not exist")
    with pytest.raises(ClientError) as e:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert err(e) == not_found("Subscription does not exist")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    assert sns.unsubscribe(SubscriptionArn=sub)["ResponseMetadata"]["HTTPStatusCode"] == 200
    # test_unsubscribe_wrong_arn_format / invalid-unsubscribe-arn-1..4
    for arn, expected in [
        ("randomstring", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
        ("arn:aws:sns:us-east-1:random", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5"),
        ("arn:aws:sns:us-east-1:000000000000:random", "Invalid parameter: SubscriptionId"),
    ]:
        with pytest.raises(ClientError) as e:
            sns.unsubscribe(SubscriptionArn=arn)
        assert err(e) == invalid(expected), arn
    with pytest.raises(ClientError) as e:
        sns_nv.unsubscribe()
    assert err(e) == invalid("Invalid parameter: SubscriptionArn Reason: no value for required parameter")


def test_list_subscriptions_by_topic_pages_of_100(sns):
    # TestSNSSubscriptionCrud::test_list_subscriptions_by_topic_pagination / list-sub-per-topic-page-2
    # (validated: 101 subscriptions -> 100 with a base64 NextToken, then 1 without).
    topic = make_topic(sns)
    created = {subscribe_queue(sns, topic, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('p')}-{i}") for i in range(101)}
    page1 = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert len(page1["Subscriptions"]) == 100
    assert base64.b64decode(page1["NextToken"])
    page2 = sns.list_subscriptions_by_topic(TopicArn=topic, NextToken=page1["NextToken"])
    assert "NextToken" not in page2
    assert len(page2["Subscriptions"]) == 1
    assert {s["SubscriptionArn"] for s in page1["Subscriptions"] + page2["Subscriptions"]} == created
    assert set(page2["Subscriptions"][0]) == {"SubscriptionArn", "Owner", "Protocol", "Endpoint", "TopicArn"}
    # ListSubscriptions: the requester's subscriptions, 100 at most per page, NextToken since there are more.
    everything = sns.list_subscriptions()
    assert len(everything["Subscriptions"]) == 100
    assert "NextToken" in everything
    assert created <= {s["SubscriptionArn"] for s in all_subscriptions(sns)}
    sns.delete_topic(TopicArn=topic)


def test_confirm_subscription_with_bad_tokens(sns):
    # TestSNSSubscriptionCrud::test_sns_confirm_subscription_wrong_token / topic-not-exists, invalid-token,
    # token-not-exists
    topic = make_topic(sns)
    token = "51b2ff3edb475b7d91550e0ab6edf0c1de2a34e6ebaf6c2262a001bcb7e051c4" * 4
    with pytest.raises(ClientError) as e:
        sns.confirm_subscription(TopicArn=topic[:-1] + "i", Token=token)
    assert err(e) == invalid("Invalid parameter: Token")
    with pytest.raises(ClientError) as e:
        sns.confirm_subscription(TopicArn=topic, Token="randomtoken")
    assert err(e) == invalid("Invalid token")
    with pytest.raises(ClientError) as e:
        sns.confirm_subscription(TopicArn=topic, Token=token)
    assert err(e) == invalid("Invalid parameter: Token")


def test_deleting_a_topic_removes_its_subscriptions(sns, sqs):
    # AWS docs (API_DeleteTopic): "Deletes a topic and all its subscriptions."
    topic, _, sub = wired(sns, sqs)
    sns.delete_topic(TopicArn=topic)
    assert sub not in {s["SubscriptionArn"] for s in all_subscriptions(sns)}


# ------------------------------------------------------------------ publish to SQS


def test_publish_to_sqs_delivers_the_envelope(sns, sqs):
    # TestSNSSubscriptionSQS::test_subscribe_sqs_queue / messages and test_publish_sqs_from_sns / message-raw-false
    topic, url, sub = wired(sns, sqs)
    out = sns.publish(
        TopicArn=topic,
        Message="This is a test message",
        Subject="A subject",
        MessageAttributes={
            "attr1": {"DataType": "Number", "StringValue": "99.12"},
            "an-attribute-key": {"DataType": "String", "StringValue": "an-attribute-value"},
            "binary-attribute": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
        },
    )
    assert set(out) == {"MessageId", "ResponseMetadata"}
    m = one(sqs, url)
    body = json.loads(m["Body"])
    check_envelope(
        body,
        topic,
        sub,
        "This is a test message",
        subject="A subject",
        # test_message_attributes_not_missing / json-delivery-msg-attrs: binary values in base64
        attributes={
            "attr1": {"Type": "Number", "Value": "99.12"},
            "an-attribute-key": {"Type": "String", "Value": "an-attribute-value"},
            "binary-attribute": {"Type": "Binary", "Value": "AgME"},
        },
    )
    assert body["MessageId"] == out["MessageId"]
    assert m["MessageId"] != out["MessageId"]  # SQS's own id
    assert "MessageAttributes" not in m  # the attributes travel inside the envelope only
    # test_publish_unicode_chars / received-message: no Subject, no attributes -> neither key
    sns.publish(TopicArn=topic, Message='\u00f6\u00a7a1"_!?,. \u00a3$-')
    check_envelope(json.loads(one(sqs, url)["Body"]), topic, sub, '\u00f6\u00a7a1"_!?,. \u00a3$-')
    # test_publish_message_by_target_arn: TargetArn works like TopicArn
    sns.publish(TargetArn=topic, Message="by target arn")
    assert envelope_message(one(sqs, url)) == "by target arn"


def test_raw_delivery_maps_message_attributes(sns, sqs):
    # TestSNSSubscriptionSQS::test_publish_sqs_from_sns / sub-attrs-raw-true, message-raw-true;
    # test_message_attributes_not_missing / raw-delivery-msg-attrs
    topic, url, sub = wired(sns, sqs)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    assert set(attrs) == SUBSCRIPTION_KEYS
    sns.publish(
        TopicArn=topic,
        Message="Test msg",
        Subject="dropped",
        MessageAttributes={
            "attr1": {"DataType": "Number", "StringValue": "99.12"},
            "binary-attribute": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
        },
    )
    m = one(sqs, url)
    assert m["Body"] == "Test msg"
    assert m["MessageAttributes"] == {
        "attr1": {"DataType": "Number", "StringValue": "99.12"},
        "binary-attribute": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
    }
    assert m["MD5OfMessageAttributes"]
    # back to the envelope (sub-attrs-raw-false, message-raw-false)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="false")
    sns.publish(TopicArn=topic, Message="Test msg", MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "100.12"}})
    m = one(sqs, url)
    assert "MessageAttributes" not in m
    check_envelope(json.loads(m["Body"]), topic, sub, "Test msg", attributes={"attr1": {"Type": "Number", "Value": "100.12"}})


def test_raw_batch_delivery(sns, sqs):
    # TestSNSSubscriptionSQS::test_publish_batch_messages_from_sns_to_sqs / publish-batch, messages
    # (MD5OfMessageAttributes as recorded: SQS's digest of the mapped attributes)
    topic, url, _ = wired(sns, sqs, raw=True)
    out = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[
            {
                "Id": "1",
                "Message": "Test Message with two attributes",
                "Subject": "Subject",
                "MessageAttributes": {
                    "attr1": {"DataType": "Number", "StringValue": "99.12"},
                    "attr2": {"DataType": "Number", "StringValue": "109.12"},
                },
            },
            {
                "Id": "2",
                "Message": "Test Message with one attribute",
                "Subject": "Subject",
                "MessageAttributes": {"attr1": {"DataType": "Number", "StringValue": "19.12"}},
            },
            {"Id": "3", "Message": "Test Message without attribute", "Subject": "Subject"},
            {"Id": "4", "Message": "Test Message without subject"},
            {"Id": "5", "Message": json.dumps({"default": "test default", "sqs": "test sqs"}), "MessageStructure": "json"},
        ],
    )
    assert out["Failed"] == []
    assert [s["Id"] for s in out["Successful"]] == ["1", "2", "3", "4", "5"]
    assert all(set(s) == {"Id", "MessageId"} and UUID.match(s["MessageId"]) for s in out["Successful"])
    got = {m["Body"]: m for m in receive(sqs, url, 5)}
    assert set(got) == {
        "Test Message with two attributes",
        "Test Message with one attribute",
        "Test Message without attribute",
        "Test Message without subject",
        "test sqs",
    }
    assert got["Test Message with one attribute"]["MD5OfMessageAttributes"] == "1f07082409022a373fa2a2601f82b3cb"
    assert got["Test Message with two attributes"]["MD5OfMessageAttributes"] == "9b720b3af309c1c4b0d395c53b08c502"
    assert "MessageAttributes" not in got["Test Message without attribute"]


def test_message_structure_json(sns, sqs):
    # TestSNSSubscriptionSQS::test_message_structure_json_to_sqs / get-msg-json-sqs, get-msg-json-default
    topic, url, sub = wired(sns, sqs)
    sns.publish(
        TopicArn=topic,
        Message=json.dumps({"default": "default field", "sqs": json.dumps({"field": "value"})}),
        MessageStructure="json",
    )
    check_envelope(json.loads(one(sqs, url)["Body"]), topic, sub, '{"field": "value"}')
    # a non-string value for the protocol is ignored: the default goes out
    sns.publish(TopicArn=topic, Message=json.dumps({"default": "default field", "sqs": {"field": "value"}}), MessageStructure="json")
    check_envelope(json.loads(one(sqs, url)["Body"]), topic, sub, "default field")
    # only a default
    sns.publish(TopicArn=topic, Message=json.dumps({"default": "only default", "lambda": "x"}), MessageStructure="json")
    assert envelope_message(one(sqs, url)) == "only default"
    # TestSNSPublishCrud::test_message_structure_json_exc / duplicate-json-keys: accepted
    out = sns.publish(TopicArn=topic, Message='{"default": "This is a default message", "default": "Duplicate"}', MessageStructure="json")
    assert UUID.match(out["MessageId"])


def test_publish_errors(sns, sqs):
    topic, url, _ = wired(sns, sqs)

    def publishing(**kw):
        with pytest.raises(ClientError) as e:
            sns.publish(TopicArn=topic, **kw)
        return err(e)

    # TestSNSPublishCrud::test_empty_sns_message / empty-msg-error
    assert publishing(Message="") == invalid("Invalid parameter: Empty message")
    # test_publish_with_empty_subject / response-with-empty-subject
    assert publishing(Message="m", Subject="") == invalid("Invalid parameter: Subject")
    # test_publish_too_long_message / error, error-with-attrs (262144 bytes counting attribute
    # names, types and values)
    assert publishing(Message="This is a test message" * 12000) == invalid("Invalid parameter: Message too long")
    attrs = {"attr1": {"DataType": "Number", "StringValue": "1"}}
    counted = len("attr1") + len("Number") + len("1")
    assert publishing(Message="a" * (262144 - counted + 1), MessageAttributes=attrs) == invalid(
        "Invalid parameter: Message too long"
    )
    assert sns.publish(TopicArn=topic, Message="a" * (262144 - counted), MessageAttributes=attrs)["MessageId"]
    # test_message_structure_json_exc / missing-default-key, invalid-json, key-is-not-string
    no_default = invalid("Invalid parameter: Message Structure - No default entry in JSON message body")
    assert publishing(Message=json.dumps({"sqs": "Test message"}), MessageStructure="json") == no_default
    assert publishing(Message='{"default": "This is a default message"} }', MessageStructure="json") == invalid(
        "Invalid parameter: Message Structure - JSON message body failed to parse"
    )
    assert publishing(Message=json.dumps({"default": {"object": "test"}}), MessageStructure="json") == no_default
    # TestSNSSubscriptionSQSFifo::test_validations_for_fifo / no-msg-dedup-regular-topic
    assert publishing(Message="test", MessageDeduplicationId="dedup") == invalid(
        "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter "
        "that is not valid for this topic type"
    )
    # test_empty_sns_message / queue-attrs: nothing refused reached the queue; the long one did
    assert len(receive(sqs, url, 2, timeout=5)) == 1


ATTRIBUTE_ERRORS = [
    # TestSNSSubscriptionSQS::test_empty_or_wrong_message_attributes (each key and its batch- twin)
    (
        {"attr1": {"DataType": "String", "StringValue": ""}},
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
    ),
    (
        {"attr1": {"DataType": "String"}},
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
    ),
    (
        {"attr1": {"DataType": "Binary", "BinaryValue": b""}},
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'.",
    ),
    ({"attr1": {"DataType": "String", "BinaryValue": b"123"}}, "The message attribute 'attr1' with type 'String' must use field 'String'."),
    ({"attr1": {"DataType": "Number", "BinaryValue": b"123"}}, "The message attribute 'attr1' with type 'Number' must use field 'String'."),
    ({"attr1": {"DataType": "Binary", "StringValue": "123"}}, "The message attribute 'attr1' with type 'Binary' must use field 'Binary'."),
    (
        {"attr1": {"DataType": "InvalidType", "StringValue": "123"}},
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is "
        "Binary, Number, and String.",
    ),
    # test_message_attributes_prefixes / publish-error, publish-error-2
    (
        {"attr1": {"DataType": "String.", "StringValue": "prefixed-1"}},
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is "
        "Binary, Number, and String.",
    ),
    (
        {"attr1": {"DataType": "Stringprefixed", "StringValue": "prefixed-1"}},
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is "
        "Binary, Number, and String.",
    ),
    ({"a" * 257: {"DataType": "String", "StringValue": "123"}}, "Length of message attribute name must be less than 256 bytes."),
    (
        {"a^*?": {"DataType": "String", "StringValue": "123"}},
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include "
        "alphanumeric characters, hyphens, underscores, or dots.",
    ),
    ({".abc": {"DataType": "String", "StringValue": "123"}}, "Invalid message attribute name starting with character '.' was found."),
    ({"abc.": {"DataType": "String", "StringValue": "123"}}, "Invalid message attribute name ending with character '.' was found."),
    ({"a..bc": {"DataType": "String", "StringValue": "123"}}, "Message attribute name can not have successive '.' character."),
]


@pytest.mark.parametrize("attributes, message", ATTRIBUTE_ERRORS, ids=[f"case{i}" for i in range(len(ATTRIBUTE_ERRORS))])
def test_message_attribute_errors(sns, sns_nv, attributes, message):
    topic = make_topic(sns)
    with pytest.raises(ClientError) as e:
        sns_nv.publish(TopicArn=topic, Message="test message", MessageAttributes=attributes)
    assert err(e) == sender("ParameterValueInvalid", message)
    with pytest.raises(ClientError) as e:
        sns_nv.publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[
                {"Id": "1", "Message": "test-batch", "MessageAttributes": attributes},
                {"Id": "3", "Message": "valid-batch"},
            ],
        )
    assert err(e) == sender("ParameterValueInvalid", message)


def test_message_attribute_without_data_type(sns, sns_nv):
    # TestSNSSubscriptionSQS::test_empty_or_wrong_message_attributes / fully_missing_data_type,
    # batch-fully_missing_data_type
    topic = make_topic(sns)
    attrs = {"attr1": {"StringValue": "value"}}
    with pytest.raises(ClientError) as e:
        sns_nv.publish(TopicArn=topic, Message="test message", MessageAttributes=attrs)
    assert err(e) == sender(
        "ValidationError",
        "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' failed to satisfy "
        "constraint: Member must not be null",
    )
    with pytest.raises(ClientError) as e:
        sns_nv.publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[{"Id": "1", "Message": "m", "MessageAttributes": attrs}, {"Id": "3", "Message": "v"}],
        )
    assert err(e) == sender(
        "ValidationError",
        "1 validation error detected: Value null at 'publishBatchRequestEntries.1.member.messageAttributes.attr1."
        "member.dataType' failed to satisfy constraint: Member must not be null",
    )


def test_prefixed_data_types_are_accepted(sns, sqs):
    # TestSNSSubscriptionSQS::test_message_attributes_prefixes / publish-ok-1, publish-ok-2
    topic, url, _ = wired(sns, sqs, raw=True)
    for dt in ("String.prefixed", "String.  prefixed."):
        sns.publish(TopicArn=topic, Message=dt, MessageAttributes={"attr1": {"DataType": dt, "StringValue": "prefixed-1"}})
    got = {m["Body"]: m["MessageAttributes"]["attr1"]["DataType"] for m in receive(sqs, url, 2)}
    assert got == {"String.prefixed": "String.prefixed", "String.  prefixed.": "String.  prefixed."}


def test_publish_batch_errors(sns, sns_nv):
    topic = make_topic(sns)

    def batch(entries, client=sns_nv, arn=topic):
        with pytest.raises(ClientError) as e:
            client.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
        return err(e)

    # TestSNSSubscriptionSQS::test_publish_batch_exceptions / too-many-msg, same-msg-id
    assert batch([{"Id": f"Id_{i}", "Message": "Too many messages"} for i in range(11)]) == sender(
        "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible."
    )
    assert batch([{"Id": "1", "Message": "Messages with the same ID"}] * 2) == sender(
        "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id."
    )
    # test_publish_batch_exceptions / no-default-key-json
    assert batch([{"Id": "1", "Message": json.dumps({"sqs": "test sqs"}), "MessageStructure": "json"}]) == invalid(
        "Invalid parameter: Message Structure - No default entry in JSON message body"
    )
    # TestSNSPublishCrud::test_publish_batch_too_long_message / error-no-attrs, error-with-attrs
    too_long = sender("BatchRequestTooLong", "The length of all the messages put together is more than the limit.")
    assert batch([{"Id": "1", "Message": "a" * 131072}, {"Id": "2", "Message": "b" * 131073}]) == too_long
    attrs = {"attr1": {"DataType": "Number", "StringValue": "1"}}
    counted = len("attr1") + len("Number") + len("1")
    big = "a" * (262144 - counted)
    assert batch([{"Id": "1", "Message": big, "MessageAttributes": attrs}, {"Id": "2", "Message": "b"}]) == too_long
    ok = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[{"Id": "1", "Message": big[:-1], "MessageAttributes": attrs}, {"Id": "2", "Message": "b"}],
    )
    assert len(ok["Successful"]) == 2 and ok["Failed"] == []
    # test_publish_batch_invalid_entry_id (all keys)
    assert batch([{"Id": "message.id", "Message": "test message"}]) == sender(
        "InvalidBatchEntryId", "The Id of a batch entry in the batch request contains an impermissible character: message.id"
    )
    assert batch([{"Id": "msg@123#test", "Message": "test message"}]) == sender(
        "InvalidBatchEntryId", "The Id of a batch entry in the batch request contains an impermissible character: msg@123#test"
    )
    assert batch([{"Id": "a" * 81, "Message": "test message"}]) == sender(
        "InvalidBatchEntryId", "The Id of a batch entry in the batch request is too long: " + "a" * 81
    )
    for good in ("a" * 80, "valid-message_123"):
        out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": good, "Message": "test message"}])
        assert [s["Id"] for s in out["Successful"]] == [good] and out["Failed"] == []
    # test_publish_batch_messages_without_topic / publish-batch-no-topic
    assert batch([{"Id": "1", "Message": "m"}], arn=topic_arn_of(unique("none"))) == not_found("Topic does not exist")
    # Not recorded: an empty batch. Code from the API model (EmptyBatchRequestException, 400).
    empty = batch([])
    assert (empty["Code"], empty["Status"]) == ("EmptyBatchRequest", 400)


# ------------------------------------------------------------------ FIFO


def test_fifo_topic_to_fifo_queue(sns, sqs):
    # TestSNSSubscriptionSQSFifo::test_message_to_fifo_sqs[False] / messages, dedup-messages;
    # test_publish_fifo_messages_to_dlq / publish-response-fifo
    topic = make_topic(sns, fifo=True, ContentBasedDeduplication="true")
    url, qarn = make_queue(sqs, fifo=True)
    sub = subscribe_queue(sns, topic, qarn)
    out = sns.publish(TopicArn=topic, Message="Test", MessageGroupId="message-group-id-1", MessageDeduplicationId="message-deduplication-id-1")
    assert set(out) == {"MessageId", "SequenceNumber", "ResponseMetadata"}
    assert out["SequenceNumber"].isdigit()
    m = one(sqs, url)
    body = json.loads(m["Body"])
    # recorded 2025-08: a FIFO topic's envelope carries SequenceNumber and no signature fields
    assert set(body) == {"Type", "MessageId", "SequenceNumber", "TopicArn", "Message", "Timestamp", "UnsubscribeURL"}
    assert body["Type"] == "Notification"
    assert body["MessageId"] == out["MessageId"]
    assert body["SequenceNumber"] == out["SequenceNumber"]
    assert body["Message"] == "Test"
    assert body["TopicArn"] == topic
    assert TIMESTAMP.match(body["Timestamp"])
    assert body["UnsubscribeURL"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={sub}")
    assert m["Attributes"]["MessageGroupId"] == "message-group-id-1"
    assert m["Attributes"]["MessageDeduplicationId"] == "message-deduplication-id-1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    # the same deduplication id again: SNS drops it (dedup-messages is empty)
    sns.publish(TopicArn=topic, Message="Test", MessageGroupId="message-group-id-1", MessageDeduplicationId="message-deduplication-id-1")
    # content-based deduplication on the topic: two identical bodies, one delivery
    sns.publish(TopicArn=topic, Message="same body", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="same body", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="sentinel", MessageGroupId="g")
    got = collect_until(sqs, url, "sentinel", key=envelope_message)
    assert [envelope_message(m) for m in got] == ["same body", "sentinel"]


def test_fifo_batch_to_fifo_queue_raw(sns, sqs):
    # TestSNSSubscriptionSQSFifo::test_publish_batch_messages_from_fifo_topic_to_fifo_queue[True] /
    # publish-batch-response-fifo, messages
    topic = make_topic(sns, fifo=True, ContentBasedDeduplication="true")
    url, qarn = make_queue(sqs, fifo=True)
    subscribe_queue(sns, topic, qarn, RawMessageDelivery="true")
    out = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[{"Id": str(i), "Message": f"m{i}", "MessageGroupId": "g"} for i in (1, 2, 3)],
    )
    assert out["Failed"] == []
    assert [s["Id"] for s in out["Successful"]] == ["1", "2", "3"]
    assert all(set(s) == {"Id", "MessageId", "SequenceNumber"} for s in out["Successful"])
    got = []
    deadline = time.time() + 15
    while len(got) < 3 and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"])
        for m in out.get("Messages", []):
            # Deleted as read, or the in-flight message holds back its group.
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            got.append(m)
    assert [m["Body"] for m in got] == ["m1", "m2", "m3"]  # in group order
    assert all(m["Attributes"]["MessageGroupId"] == "g" for m in got)


def test_fifo_publish_errors(sns, sqs, sns_nv):
    # TestSNSSubscriptionSQSFifo::test_validations_for_fifo / no-msg-group-id, no-dedup-policy,
    # regular-queue-for-dlq-of-fifo-topic; TestSNSSubscriptionSQS::test_publish_batch_exceptions /
    # no-group-id, no-dedup-id
    topic = make_topic(sns, fifo=True)
    no_group = invalid("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    no_dedup = invalid(
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
        "provided explicitly"
    )
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, Message="test")
    assert err(e) == no_group
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, Message="test", MessageGroupId="g")
    assert err(e) == no_dedup
    with pytest.raises(ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "1", "Message": "Test message without Group ID"}])
    assert err(e) == no_group
    with pytest.raises(ClientError) as e:
        sns.publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[{"Id": "1", "Message": "no MessageDeduplicationId", "MessageGroupId": "msg1"}],
        )
    assert err(e) == no_dedup
    _, fifo_arn = make_queue(sqs, fifo=True)
    sub = subscribe_queue(sns, topic, fifo_arn)
    _, std_arn = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="RedrivePolicy", AttributeValue=json.dumps({"deadLetterTargetArn": std_arn})
        )
    assert err(e) == invalid(
        "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic."
    )
    # a standard queue on the FIFO topic may have a standard DLQ (not-fifo-queue)
    std_sub = subscribe_queue(sns, topic, std_arn)
    _, std_dlq = make_queue(sqs)
    sns.set_subscription_attributes(
        SubscriptionArn=std_sub, AttributeName="RedrivePolicy", AttributeValue=json.dumps({"deadLetterTargetArn": std_dlq})
    )
    policy = sns.get_subscription_attributes(SubscriptionArn=std_sub)["Attributes"]["RedrivePolicy"]
    assert json.loads(policy) == {"deadLetterTargetArn": std_dlq}


# ------------------------------------------------------------------ signatures on SQS


@pytest.mark.parametrize("version", ["1", "2"])
def test_sqs_envelope_signature_verifies(sns, sqs, version):
    # TestSNSSubscriptionSQS::test_publish_sqs_verify_signature[1], [2] / messages: the envelope's
    # SignatureVersion is the topic's; the signature verifies with the certificate at SigningCertURL.
    topic, url, sub = wired(sns, sqs, topic_attrs={"SignatureVersion": version})
    sns.publish(
        TopicArn=topic,
        Message="test signature value with attributes",
        Subject="signed subject",
        MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "1"}},
    )
    body = json.loads(one(sqs, url)["Body"])
    check_envelope(
        body,
        topic,
        sub,
        "test signature value with attributes",
        subject="signed subject",
        attributes={"attr1": {"Type": "Number", "Value": "1"}},
        version=version,
    )
    verify_signature(body, version)
    sns.publish(TopicArn=topic, Message="no subject this time")
    body = json.loads(one(sqs, url)["Body"])
    verify_signature(body, version)
    tampered = dict(body, Message="changed")
    from cryptography.exceptions import InvalidSignature

    with pytest.raises(InvalidSignature):
        verify_signature(tampered, version)


# ------------------------------------------------------------------ filter policies


def test_filter_policy_on_message_attributes(sns, sqs):
    # TestSNSFilterPolicyAttributes::test_filter_policy / subscription-attributes, messages-1..4;
    # TestSNSSubscriptionSQS::test_subscribe_sqs_queue / subscription-attributes
    topic, url, sub = wired(sns, sqs, raw=True)
    policy = json.dumps({"attr1": [{"numeric": [">", 0, "<=", 100]}]})
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=policy)
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert set(attrs) == SUBSCRIPTION_KEYS | {"FilterPolicy", "FilterPolicyScope"}
    assert attrs["FilterPolicy"] == policy  # kept as given
    assert attrs["FilterPolicyScope"] == "MessageAttributes"

    def num(v):
        return {"attr1": {"DataType": "Number", "StringValue": v}}

    sns.publish(TopicArn=topic, Message="111 is out", MessageAttributes=num("111"))
    sns.publish(TopicArn=topic, Message="no attributes")
    sns.publish(TopicArn=topic, Message="zero is out", MessageAttributes=num("0"))
    sns.publish(TopicArn=topic, Message="other attribute", MessageAttributes={"attr2": {"DataType": "Number", "StringValue": "5"}})
    sns.publish(TopicArn=topic, Message="99 passes", MessageAttributes=num("99"))
    assert sorted(m["Body"] for m in collect_until(sqs, url, "99 passes")) == ["99 passes"]

    # null or anything-but: an absent attribute does not match (messages-3); others do
    policy = json.dumps({"attr1": [None, {"anything-but": "whatever"}]})
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=policy)
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"] == policy
    sns.publish(TopicArn=topic, Message="absent")
    sns.publish(TopicArn=topic, Message="whatever is out", MessageAttributes={"attr1": {"DataType": "String", "StringValue": "whatever"}})
    sns.publish(TopicArn=topic, Message="else passes", MessageAttributes={"attr1": {"DataType": "String", "StringValue": "else"}})
    assert sorted(m["Body"] for m in collect_until(sqs, url, "else passes")) == ["else passes"]

    # an empty policy removes the filter (messages-4)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="")
    sns.publish(TopicArn=topic, Message="unfiltered")
    assert one(sqs, url)["Body"] == "unfiltered"


def test_exists_and_string_filters_on_attributes(sns, sqs):
    # TestSNSFilterPolicyAttributes::test_exists_filter_policy (policy-1 / policy-2)
    topic, url, sub = wired(sns, sqs, raw=True)

    def attr(name, value="v", dt="String"):
        return {name: {"DataType": dt, "StringValue": value}}

    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps({"store": [{"exists": True}]})
    )
    sns.publish(TopicArn=topic, Message="no store", MessageAttributes=attr("other"))
    sns.publish(TopicArn=topic, Message="has store", MessageAttributes=attr("store", "example_corp"))
    assert [m["Body"] for m in collect_until(sqs, url, "has store")] == ["has store"]

    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps({"store": [{"exists": False}]})
    )
    sns.publish(TopicArn=topic, Message="store is out", MessageAttributes=attr("store"))
    sns.publish(TopicArn=topic, Message="no store passes", MessageAttributes=attr("other"))
    assert [m["Body"] for m in collect_until(sqs, url, "no store passes")] == ["no store passes"]

    # AWS docs, "Amazon SNS subscription filter policies": exact strings, prefix, and String.Array
    sns.set_subscription_attributes(
        SubscriptionArn=sub,
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"kind": ["pizza", {"prefix": "auto-"}], "tags": ["red"]}),
    )
    arr = {"tags": {"DataType": "String.Array", "StringValue": json.dumps(["blue", "red"])}}
    sns.publish(TopicArn=topic, Message="pasta", MessageAttributes={**attr("kind", "pasta"), **arr})
    sns.publish(TopicArn=topic, Message="no tags", MessageAttributes=attr("kind", "pizza"))
    sns.publish(TopicArn=topic, Message="auto-x", MessageAttributes={**attr("kind", "auto-x"), **arr})
    sns.publish(TopicArn=topic, Message="pizza", MessageAttributes={**attr("kind", "pizza"), **arr})
    assert sorted(m["Body"] for m in collect_until(sqs, url, "pizza")) == ["auto-x", "pizza"]


@pytest.mark.parametrize("raw", [True, False], ids=["raw", "envelope"])
def test_filter_policy_on_message_body(sns, sqs, raw):
    # TestSNSFilterPolicyBody::test_filter_policy_on_message_body[True], [False] / recv-init,
    # recv-passed-msg-0, recv-passed-msg-1 (and the validated "not received" assertions)
    topic, url, sub = wired(sns, sqs, raw=raw)
    policy = {
        "object": {"key": [{"prefix": "auto-"}, "hardcodedvalue"], "nested_key": [{"exists": False}]},
        "test": [{"exists": False}],
    }
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy))
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["FilterPolicyScope"] == "MessageBody"
    assert json.loads(attrs["FilterPolicy"]) == policy
    refused = [
        {"object": {"key": "test-auto"}},
        {"object": {"key": "auto-test"}, "test": "just-exists"},
        {"object": {"key": "auto-test", "nested_key": "just-exists"}},
        {"object": {"test": "auto-test"}},
        {"test": "auto-test"},
    ]
    for body in refused:
        sns.publish(TopicArn=topic, Message=json.dumps(body))
    sns.publish(TopicArn=topic, Message="Regular string message")  # not JSON: never matches
    sns.publish(TopicArn=topic, Message=json.dumps({"object": {"key": "auto-test"}}))
    sns.publish(TopicArn=topic, Message=json.dumps({"object": {"key": "hardcodedvalue"}}))
    last = json.dumps({"object": {"key": "hardcodedvalue"}})
    text = (lambda m: m["Body"]) if raw else envelope_message
    got = collect_until(sqs, url, last, key=text)
    assert sorted(text(m) for m in got) == sorted([json.dumps({"object": {"key": "auto-test"}}), last])
    if not raw:
        check_envelope(json.loads(got[0]["Body"]), topic, sub, text(got[0]))


def test_body_filter_with_numbers_and_arrays(sns, sqs):
    # TestSNSFilterPolicyBody::test_filter_policy_on_message_body_array_attributes and
    # _or_attribute (AWS docs, "Filter policy matching": an array in the payload matches when any
    # element does; "$or" combines alternatives)
    topic, url, sub = wired(sns, sqs, raw=True)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    policy = {"$or": [{"price": [{"numeric": [">=", 10, "<", 20]}]}, {"colors": ["red"]}]}
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy))
    out1 = json.dumps({"price": 25, "colors": ["blue"]})
    out2 = json.dumps({"weight": 15})
    in1 = json.dumps({"price": 15})
    in2 = json.dumps({"colors": ["blue", "red"]})
    for m in (out1, out2, in1, in2):
        sns.publish(TopicArn=topic, Message=m)
    assert sorted(m["Body"] for m in collect_until(sqs, url, in2)) == sorted([in1, in2])


def test_filter_policy_scope_visibility(sns, sqs):
    # TestSNSFilterPolicyCrud::test_set_subscription_filter_policy_scope / sub-attrs-filter-scope-body,
    # sub-attrs-after-setting-policy: the scope is listed only once a policy exists
    _, _, sub = wired(sns, sqs)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    assert set(sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]) == SUBSCRIPTION_KEYS
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps({"attr": ["match-this"]})
    )
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["FilterPolicyScope"] == "MessageBody"
    assert json.loads(attrs["FilterPolicy"]) == {"attr": ["match-this"]}


def test_nested_policy_needs_the_body_scope(sns, sqs):
    # TestSNSFilterPolicyCrud::test_sub_filter_policy_nested_property / sub-filter-policy-nested-error,
    # sub-attrs-after-setting-nested-policy
    _, _, sub = wired(sns, sqs)
    nested = json.dumps({"object": {"key": [{"prefix": "auto-"}]}})
    with pytest.raises(ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=nested)
    assert err(e) == invalid("Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=nested)
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert json.loads(attrs["FilterPolicy"]) == {"object": {"key": [{"prefix": "auto-"}]}}
    assert attrs["FilterPolicyScope"] == "MessageBody"


# (policy, first line of the reason after "FilterPolicy: "); AWS appends a Jackson position
# ("\n at [Source: ...]") to most of them, which these tests leave out.
FILTER_POLICY_ERRORS = [
    # TestSNSFilterPolicyConditions::test_validate_policy
    ({"key": [["value"]]}, "Match value must be String, number, true, false, or null"),
    ({"key": [{"wrong-operator": True}]}, "Unrecognized match type wrong-operator"),
    ({"key": [{"suffix": "value", "prefix": "value2"}]}, "Only one key allowed in match expression"),
    # test_validate_policy_string_operators
    ({"key": []}, "Empty arrays are not allowed"),
    ({"key": [{"suffix": 100}]}, "suffix match pattern must be a string"),
    ({"key": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"key": {"suffix": "value"}}, '"suffix" must be an object or an array'),
    ({"key": [{"suffix": []}]}, "suffix match pattern must be a string"),
    ({"key": [{"suffix": ["test", "test2"]}]}, "suffix match pattern must be a string"),
    ({"key": {"suffix": "value", "prefix": "value"}}, '"suffix" must be an object or an array'),
    ({"key": {"not-an-operator": "value"}}, '"not-an-operator" must be an object or an array'),
    ({"key": [{"cidr": ["bad-filter"]}]}, "prefix match pattern must be a string"),  # sic
    ({"key": [{"cidr": "bad-filter"}]}, "Malformed CIDR, one '/' required"),
    ({"key": [{"cidr": "bad-filter/64"}]}, "Nonstandard IP address: bad-filter"),
    ({"key": [{"cidr": "bad-/64filter"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"key": [{"cidr": "xx.11.xx/8"}]}, "Nonstandard IP address: xx.11.xx"),
    ({"key": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}, "Nonstandard IP address: xxxx:db8:1234:1a00::"),
    # test_validate_policy_numeric_operator
    ({"key": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"key": [{"numeric": ["operator"]}]}, "Unrecognized numeric range operator: operator"),
    ({"key": [{"numeric": [1, "<="]}]}, "Invalid member in numeric match: 1"),
    ({"key": [{"numeric": ["=", "000"]}]}, "Value of equals must be numeric"),
    ({"key": [{"numeric": [">="]}]}, "Value of >= must be numeric"),
    ({"key": [{"numeric": ["<", 100, ">", 10]}]}, "Too many elements in numeric expression"),
    ({"key": [{"numeric": [">=", 1, ">", 2]}]}, "Bad numeric range operator: >"),
    ({"key": [{"numeric": [">", 3, "<", 1]}]}, "Bottom must be less than top"),
    ({"key": [{"numeric": [">", 20, "<="]}]}, "Value of <= must be numeric"),
    ({"key": [{"numeric": [">", 20, 30]}]}, "Bad value in numeric range: 30"),
    ({"key": [{"numeric": [">", 20, "test"]}]}, "Bad numeric range operator: test"),
    ({"key": [{"numeric": [">", "20", "<", "30"]}]}, "Value of > must be numeric"),
    ({"key": [{"numeric": [">", 20, "<", "30"]}]}, "Value of < must be numeric"),
    ({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}, "Too many terms in numeric range expression"),
    # test_validate_policy_exists_operator
    ({"key": [{"exists": None}]}, "exists match pattern must be either true or false."),
    ({"key": [{"exists": "no"}]}, "exists match pattern must be either true or false."),
    # test_validate_policy_nested_anything_but_operator
    ({"key": [{"anything-but": {"wrong-operator": None}}]}, "Unsupported anything-but pattern: wrong-operator"),
    ({"key": [{"anything-but": {"suffix": "test"}}]}, "Unsupported anything-but pattern: suffix"),
    ({"key": [{"anything-but": {"exists": False}}]}, "Unsupported anything-but pattern: exists"),
    ({"key": [{"anything-but": {"prefix": False}}]}, "prefix match pattern must be a string"),
    # test_policy_complexity
    ({"key": [f"value{i}" for i in range(151)]}, "Filter policy is too complex"),
    ({"key1": [f"value{i}" for i in range(100)], "key2": [f"value{i}" for i in range(51)]}, "Filter policy is too complex"),
    ({f"key{i}": [f"value{i}"] for i in range(1, 7)}, "Filter policy can not have more than 5 keys"),
]


@pytest.fixture(scope="module")
def policy_topic(sns):
    return make_topic(sns)


def _reason(case):
    return case.values[1] if hasattr(case, "values") else case[1]


@pytest.mark.parametrize(
    "policy, reason", FILTER_POLICY_ERRORS, ids=[f"{i}-{_reason(c)[:30]}" for i, c in enumerate(FILTER_POLICY_ERRORS)]
)
def test_filter_policy_validation_on_subscribe(sns, policy_topic, policy, reason):
    endpoint = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('fp')}"
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=policy_topic, Protocol="sqs", Endpoint=endpoint, Attributes={"FilterPolicy": json.dumps(policy)})
    got = err(e)
    assert (got["Code"], got["Type"], got["Status"]) == ("InvalidParameter", "Sender", 400)
    assert first_line(got["Message"]) == "Invalid parameter: Attributes Reason: FilterPolicy: " + reason
    # nothing was subscribed
    assert endpoint not in {s["Endpoint"] for s in all_subscriptions(sns, policy_topic)}


def test_filter_policy_parse_error_on_subscribe(sns, policy_topic):
    # TestSNSSubscriptionCrudV2::test_subscribe_invalid_filter_policy / subscribe-invalid-filter-policy
    with pytest.raises(ClientError) as e:
        sns.subscribe(
            TopicArn=policy_topic,
            Protocol="sqs",
            Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('fp')}",
            Attributes={"FilterPolicy": "invalid"},
        )
    got = err(e)
    assert (got["Code"], got["Status"]) == ("InvalidParameter", 400)
    assert got["Message"].startswith("Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON.")


def test_valid_anything_but_forms_are_accepted(sns, policy_topic):
    # TestSNSFilterPolicyConditions::test_validate_policy_nested_anything_but_operator (the accepted ones)
    for policy in (
        {"key": [{"anything-but": {"prefix": "test-"}}]},
        {"key": [{"anything-but": ["test", "test2"]}]},
        {"key": [{"anything-but": "test"}]},
    ):
        sub = sns.subscribe(
            TopicArn=policy_topic,
            Protocol="sqs",
            Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('ok')}",
            Attributes={"FilterPolicy": json.dumps(policy)},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        assert json.loads(sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"]) == policy


def test_filter_policy_validation_on_set(sns, sqs):
    # TestSNSFilterPolicyCrud::test_sub_filter_policy_nested_property_constraints (all keys): set
    # errors say "Invalid parameter: FilterPolicy: ..." without "Attributes Reason:"
    _, _, sub = wired(sns, sqs)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")

    def setting(policy):
        with pytest.raises(ClientError) as e:
            sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy))
        got = err(e)
        assert (got["Code"], got["Type"], got["Status"]) == ("InvalidParameter", "Sender", 400)
        return first_line(got["Message"])

    nested = {
        "key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},
        "key_d": {"key_e": ["value_one", "value_two", "value_three"]},
        "key_f": ["value_one", "value_two", "value_three"],
    }
    assert setting(nested) == "Invalid parameter: FilterPolicy: Filter policy is too complex"
    flat = {f"key_{c}": [f"value_{c}"] for c in "abcdef"}
    assert setting(flat) == "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"
    assert setting({"key_a": "value_one"}) == 'Invalid parameter: FilterPolicy: "key_a" must be an object or an array'
    assert "FilterPolicy" not in sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]


# ------------------------------------------------------------------ lambda subscriptions


def test_lambda_subscription_receives_the_sns_event(lam, sns, sqs):
    # TestSNSSubscriptionLambda::test_python_lambda_subscribe_sns_topic / notification; the event
    # reaches the function asynchronously, so its OnSuccess destination record carries it.
    topic = make_topic(sns)
    s = lambda_subscriber(lam, sns, sqs, topic)
    attrs = sns.get_subscription_attributes(SubscriptionArn=s["sub"])["Attributes"]
    assert attrs["PendingConfirmation"] == "false"
    out = sns.publish(TopicArn=topic, Subject="[Subject] Test subject", Message="Hello world.")
    record = destination_record(sqs, s["dest_url"])
    assert record["requestContext"]["functionArn"] == s["arn"] + ":$LATEST"
    assert record["responsePayload"] is None
    sns_part = check_lambda_event(record["requestPayload"], topic, s["sub"], "Hello world.", subject="[Subject] Test subject")
    assert sns_part["MessageId"] == out["MessageId"]
    # no Subject -> null; message attributes as {Type, Value}
    sns.publish(
        TopicArn=topic,
        Message="with attributes",
        MessageAttributes={
            "attr1": {"DataType": "String", "StringValue": "v"},
            "n": {"DataType": "Number", "StringValue": "5"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
        },
    )
    record = destination_record(sqs, s["dest_url"])
    check_lambda_event(
        record["requestPayload"],
        topic,
        s["sub"],
        "with attributes",
        subject=None,
        attributes={
            "attr1": {"Type": "String", "Value": "v"},
            "n": {"Type": "Number", "Value": "5"},
            "b": {"Type": "Binary", "Value": "AgME"},
        },
    )


def test_lambda_message_structure_json_uses_the_lambda_key(lam, sns, sqs):
    # AWS docs, "Amazon SNS message publishing" (MessageStructure json): a protocol key overrides default
    topic = make_topic(sns)
    s = lambda_subscriber(lam, sns, sqs, topic)
    sns.publish(TopicArn=topic, Message=json.dumps({"default": "d", "lambda": "for lambda"}), MessageStructure="json")
    assert destination_record(sqs, s["dest_url"])["requestPayload"]["Records"][0]["Sns"]["Message"] == "for lambda"


def test_lambda_without_permission_is_not_invoked(lam, sns, sqs):
    # Brief + AWS docs, "Amazon SNS dead-letter queues (DLQs)": without a resource policy that lets
    # sns.amazonaws.com invoke the function the delivery is a client-side error, which goes straight
    # to the subscription's DLQ (no retries); the function never runs.
    topic = make_topic(sns)
    s = lambda_subscriber(lam, sns, sqs, topic, permission=False)
    dlq_url, dlq_arn = make_queue(sqs)
    sns.set_subscription_attributes(
        SubscriptionArn=s["sub"], AttributeName="RedrivePolicy", AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn})
    )
    sns.publish(TopicArn=topic, Message="not allowed", MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "1"}})
    m = one(sqs, dlq_url, timeout=30)
    check_envelope(json.loads(m["Body"]), topic, s["sub"], "not allowed", attributes={"attr1": {"Type": "Number", "Value": "1"}})
    assert nothing_more(sqs, s["dest_url"], 2) == []


def test_lambda_redrive_to_dlq_when_the_function_is_gone(lam, sns, sqs):
    # TestSNSSubscriptionLambda::test_redrive_policy_lambda_subscription / subscription-attributes, messages
    topic = make_topic(sns)
    s = lambda_subscriber(lam, sns, sqs, topic)
    dlq_url, dlq_arn = make_queue(sqs)
    sns.set_subscription_attributes(
        SubscriptionArn=s["sub"], AttributeName="RedrivePolicy", AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn})
    )
    attrs = sns.get_subscription_attributes(SubscriptionArn=s["sub"])["Attributes"]
    assert set(attrs) == SUBSCRIPTION_KEYS | {"RedrivePolicy"}
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn}
    lam.delete_function(FunctionName=s["name"])
    sns.publish(TopicArn=topic, Message="test_redrive_policy", MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "1"}})
    m = one(sqs, dlq_url, timeout=30)
    assert "MessageAttributes" not in m
    check_envelope(
        json.loads(m["Body"]), topic, s["sub"], "test_redrive_policy", attributes={"attr1": {"Type": "Number", "Value": "1"}}
    )


@pytest.mark.parametrize("version", ["1", "2"])
def test_lambda_event_signature(lam, sns, sqs, version):
    # TestSNSSubscriptionLambda::test_publish_lambda_verify_signature[1], [2] (validated): the event
    # always says SignatureVersion "1", but a SignatureVersion=2 topic signs with SHA256.
    topic = make_topic(sns, DisplayName="TestTopicSignatureLambda", SignatureVersion=version)
    s = lambda_subscriber(lam, sns, sqs, topic)
    sns.publish(TopicArn=topic, Subject=f"[Subject] Test subject Signature v{version}", Message="Hello world.")
    event = destination_record(sqs, s["dest_url"])["requestPayload"]
    sns_part = check_lambda_event(event, topic, s["sub"], "Hello world.", subject=f"[Subject] Test subject Signature v{version}")
    verify_signature(sns_part, version, cert_url_key="SigningCertUrl")


def test_cooking_timer_example(lam, sns, sqs):
    # Brief: "The guide's cooking-timer handler, kept verbatim, subscribed to a topic with an SQS
    # OnSuccess destination: publishing {"cook_secs": 10, "req_secs": 20, "pre": "pizza"} leaves a
    # destination record in the queue whose responsePayload is "User ended pizza preset early"."
    # TODO: the guide's verbatim handler text was not found in the stored AWS docs; this uses the
    # project's copy of it (test_invoke.SEED: exports.handler with context.succeed). Third-party lab
    # notes carry the same logic with an extra console.log of the event; replace SEED with the guide's
    # exact text if it turns up.
    topic = make_topic(sns)
    s = lambda_subscriber(lam, sns, sqs, topic, zip_bytes=make_zip({"index.js": COOKING_TIMER}), runtime="nodejs20.x", handler="index.handler")
    sns.publish(TopicArn=topic, Message=json.dumps({"cook_secs": 10, "req_secs": 20, "pre": "pizza"}))
    record = destination_record(sqs, s["dest_url"])
    assert record["responsePayload"] == "User ended pizza preset early"
    assert record["requestPayload"]["Records"][0]["EventSource"] == "aws:sns"
    sns.publish(TopicArn=topic, Message=json.dumps({"cook_secs": 10, "req_secs": 20}))
    assert destination_record(sqs, s["dest_url"])["responsePayload"] == "User ended custom cook time early"


# ------------------------------------------------------------------ http subscriptions


def check_http_headers(req, topic_arn, message_type, body, sub_arn=None, check_sub_header=True):
    # TestSNSSubscriptionHttp::test_subscribe_external_http_endpoint[False] / http-confirm-sub-headers,
    # http-message-headers
    h = req["headers"]
    assert req["path"] == "/sns-endpoint"
    assert h["x-amz-sns-message-type"] == message_type
    assert h["x-amz-sns-topic-arn"] == topic_arn
    assert h["content-type"] == "text/plain; charset=UTF-8"
    assert h["user-agent"] == "Amazon Simple Notification Service Agent"
    if body is not None:
        assert h["x-amz-sns-message-id"] == body["MessageId"]
    if not check_sub_header:
        pass
    elif sub_arn is None:
        assert "x-amz-sns-subscription-arn" not in h
    else:
        assert h["x-amz-sns-subscription-arn"] == sub_arn


def check_confirmation(server, msg, topic_arn, kind="SubscriptionConfirmation", sub_arn=None):
    # test_subscribe_external_http_endpoint[False] / subscription-confirmation, unsubscribe-request
    assert set(msg) == {
        "Type",
        "MessageId",
        "Token",
        "TopicArn",
        "Message",
        "SubscribeURL",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
    }, msg
    assert msg["Type"] == kind
    assert UUID.match(msg["MessageId"])
    assert msg["TopicArn"] == topic_arn
    if kind == "SubscriptionConfirmation":
        assert msg["Message"] == (
            f"You have chosen to subscribe to the topic {topic_arn}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message."
        )
    else:
        assert msg["Message"] == (
            f"You have chosen to deactivate subscription {sub_arn}.\n"
            "To cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
        )
    assert re.fullmatch(r"[0-9a-f]{32,}", msg["Token"]), msg["Token"]
    assert TIMESTAMP.match(msg["Timestamp"])
    assert msg["SignatureVersion"] == "1"
    assert "SimpleNotificationService" in msg["SigningCertURL"] and msg["SigningCertURL"].endswith(".pem")
    # Brief: SubscribeURL is on this server: http://localhost:PORT/?Action=ConfirmSubscription&TopicArn=...&Token=...
    url = urllib.parse.urlsplit(msg["SubscribeURL"])
    assert url.scheme == "http" and url.hostname in ("localhost", "127.0.0.1") and url.port == server.port
    assert url.path == "/"
    assert msg["SubscribeURL"].endswith(f"/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={msg['Token']}")


def test_http_subscription_confirm_by_url_then_notifications(server, sns, endpoint):
    # TestSNSSubscriptionHttp::test_subscribe_external_http_endpoint[False] (all keys) and
    # test_http_subscription_response / subscription
    topic = make_topic(sns)
    resp = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    assert resp["SubscriptionArn"] == "pending confirmation"
    req = endpoint.next("SubscriptionConfirmation")
    msg = json.loads(req["body"])
    check_http_headers(req, topic, "SubscriptionConfirmation", msg)
    check_confirmation(server, msg, topic)
    verify_signature(msg, "1")

    # broken-topic-arn-confirm, broken-token-confirm: XML errors from the SubscribeURL
    base = msg["SubscribeURL"].split("?", 1)[0]
    for params, message in [
        ({"TopicArn": "not-an-arn", "Token": msg["Token"]}, "Invalid parameter: Topic"),
        ({"TopicArn": topic, "Token": "abc123"}, "Invalid parameter: Token"),
    ]:
        status, root, body = http_get_or_post(
            urllib.request.Request(base + "?" + urllib.parse.urlencode({"Action": "ConfirmSubscription", **params}))
        )
        assert status == 400, body
        assert local(root.tag) == "ErrorResponse"
        assert find(root, "Error", "Code").text == "InvalidParameter"
        assert find(root, "Error", "Message").text == message

    # confirm-subscribe: a plain GET of the SubscribeURL confirms
    status, root, body = http_get_or_post(urllib.request.Request(msg["SubscribeURL"]))
    assert status == 200, body
    assert root.tag == f"{{{NS}}}ConfirmSubscriptionResponse"
    sub = find(root, "ConfirmSubscriptionResult", "SubscriptionArn").text
    assert sub.startswith(topic + ":")
    # confirming again is idempotent
    status, root, _ = http_get_or_post(urllib.request.Request(msg["SubscribeURL"]))
    assert status == 200 and find(root, "ConfirmSubscriptionResult", "SubscriptionArn").text == sub
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["Protocol"] == "http"
    assert attrs["Endpoint"] == endpoint.url

    # http-message, http-message-headers
    out = sns.publish(TopicArn=topic, Message="test_external_http_endpoint", Subject="hello")
    req = endpoint.next("Notification")
    body = json.loads(req["body"])
    check_http_headers(req, topic, "Notification", body, sub_arn=sub)
    assert set(body) == ENVELOPE_KEYS | {"Subject"}
    assert body["MessageId"] == out["MessageId"]
    assert body["Message"] == "test_external_http_endpoint"
    assert body["Subject"] == "hello"
    assert body["UnsubscribeURL"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={sub}")
    verify_signature(body, "1")

    # unsubscribe-response, unsubscribe-request: the endpoint hears about it
    sns.unsubscribe(SubscriptionArn=sub)
    req = endpoint.next("UnsubscribeConfirmation")
    msg = json.loads(req["body"])
    check_http_headers(req, topic, "UnsubscribeConfirmation", msg, check_sub_header=False)  # not recorded
    check_confirmation(server, msg, topic, kind="UnsubscribeConfirmation", sub_arn=sub)
    verify_signature(msg, "1")


def test_http_subscription_confirm_by_api_with_raw_delivery(server, sns, endpoint):
    # TestSNSSubscriptionHttp::test_subscribe_external_http_endpoint[True] / confirm-subscribe,
    # http-message-headers-raw; test_subscribe_external_http_endpoint_content_type[True] / sub-attrs;
    # test_http_subscription_response / subscription-with-arn
    topic = make_topic(sns)
    sub = sns.subscribe(
        TopicArn=topic,
        Protocol="http",
        Endpoint=endpoint.url,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["PendingConfirmation"] == "true"
    assert attrs["ConfirmationWasAuthenticated"] == "false"
    assert attrs["RawMessageDelivery"] == "true"
    msg = json.loads(endpoint.next("SubscriptionConfirmation")["body"])
    check_confirmation(server, msg, topic)
    # nothing is delivered to a pending subscription
    sns.publish(TopicArn=topic, Message="before confirmation")
    assert sns.confirm_subscription(TopicArn=topic, Token=msg["Token"])["SubscriptionArn"] == sub
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"
    sns.publish(TopicArn=topic, Message="raw over http", MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}})
    req = endpoint.next("Notification")
    assert req["body"] == b"raw over http"
    assert req["headers"]["x-amz-sns-rawdelivery"] == "true"
    check_http_headers(req, topic, "Notification", None, sub_arn=sub)

"""SQS on lambdalite's one endpoint, checked against responses recorded on
real AWS.

Facts (codes, messages, statuses, response keys, default attributes, MD5
digests) come from LocalStack's parity snapshots of tests/aws/services/sqs/
test_sqs.py (test_sqs.snapshot.json, recorded against AWS) and from that
file's `@markers.aws.validated` assertions; each test names its source as
"TestSqsProvider::test_name / snapshot key" ("validated:" when the fact is an
assertion of a validated test rather than a snapshot), or "AWS docs: ..."
when it comes from documentation. Snapshot placeholders (account
111111111111, <region>) are mapped to this server's 000000000000 and
us-east-1.

Protocols. Current boto3 speaks SQS's JSON 1.0 protocol (X-Amz-Target
AmazonSQS.*), which is "query compatible": an error is a JSON body with
`__type` (the error shape's name, e.g. QueueDoesNotExist) plus an
`x-amzn-query-error: <query code>;<Sender|Receiver>` header. botocore turns
that into Error.Code = the header's code (AWS.SimpleQueueService.NonExistentQueue),
Error.QueryErrorCode = the shape name from `__type`, Error.Type = Sender --
exactly what the recordings show, so the tests check those three. Older SDKs
speak the query protocol (a form POST or a GET with Action=...&Version=2012-11-05,
XML back); those tests sign raw requests with botocore's SigV4 signer.
"""

import base64
import hashlib
import json
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import boto3
import botocore.config
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import unique

ACCOUNT = "000000000000"
REGION = "us-east-1"
CREDS = Credentials("test", "test")

NONEXISTENT = "The specified queue does not exist."
NONEXISTENT_QUERY = "The specified queue does not exist for this wsdl version."
IPV = ("InvalidParameterValue", "InvalidParameterValueException")
MISSING = ("MissingParameter", "MissingRequiredParameterException")
INVALID_BATCH_ID = (
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
    "It can be at most 80 letters long."
)
DEFAULT_MAX_MESSAGE_SIZE = 1048576

# TestSqsProvider::test_set_queue_attributes_default_values / get-queue-attributes-initial-values
# (recorded 2025-12): every attribute "All" returns for a new standard queue.
STANDARD_DEFAULTS = {
    "ApproximateNumberOfMessages": "0",
    "ApproximateNumberOfMessagesDelayed": "0",
    "ApproximateNumberOfMessagesNotVisible": "0",
    "DelaySeconds": "0",
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "SqsManagedSseEnabled": "true",
    "VisibilityTimeout": "30",
}
TIMESTAMP_ATTRS = {"CreatedTimestamp", "LastModifiedTimestamp"}
# TestSqsProvider::test_fifo_set_content_based_deduplication_strategy / before-update
FIFO_EXTRA = {
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoQueue": "true",
    "FifoThroughputLimit": "perQueue",
}
# TestSqsProvider::test_receive_message_attribute_names_filters / all_attributes
STANDARD_RECEIVE_ALL = {"ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SenderId", "SentTimestamp"}
# TestSqsProvider::test_fifo_message_attributes / receive_message_0
FIFO_RECEIVE_ALL = STANDARD_RECEIVE_ALL | {"MessageDeduplicationId", "MessageGroupId", "SequenceNumber"}
# A message received without AttributeNames / MessageAttributeNames
# (TestSqsProvider::test_fifo_empty_message_groups_added_back_to_queue / inital-fifo-receive and others).
PLAIN_MESSAGE_KEYS = {"MessageId", "ReceiptHandle", "MD5OfBody", "Body"}


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="session")
def sqs(server):
    return server.client("sqs")


def md5(text):
    return hashlib.md5(text.encode() if isinstance(text, str) else text).hexdigest()


def md5_of_attributes(attributes):
    """AWS docs, "Calculating the MD5 message digest for message attributes":
    for each attribute, sorted by name: the name, the data type (each as a
    4-byte big-endian length and its UTF-8 bytes), one transport-type byte
    (1 for String/Number values, 2 for Binary) and the value (length and
    bytes); the MD5 of the whole, in lower-case hex."""

    def part(value):
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return struct.pack(">I", len(raw)) + raw

    buf = b""
    for name in sorted(attributes):
        attr = attributes[name]
        buf += part(name) + part(attr["DataType"])
        if "StringValue" in attr:
            buf += b"\x01" + part(attr["StringValue"])
        else:
            buf += b"\x02" + part(attr["BinaryValue"])
    return hashlib.md5(buf).hexdigest()


def string(value):
    return {"DataType": "String", "StringValue": value}


def queue_url(server, name):
    return f"{server.endpoint}/{ACCOUNT}/{name}"


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def make_queue(sqs, name=None, fifo=False, **attributes):
    name = name or unique("q") + (".fifo" if fifo else "")
    attrs = dict(attributes)
    if fifo:
        attrs.setdefault("FifoQueue", "true")
    kw = {"Attributes": attrs} if attrs else {}
    return sqs.create_queue(QueueName=name, **kw)["QueueUrl"]


def name_of(url):
    return url.rsplit("/", 1)[1]


def err(excinfo):
    """What a JSON-protocol error carries, in a form that diffs well."""
    r = excinfo.value.response
    e = r["Error"]
    return {
        "Code": e.get("Code"),
        "QueryErrorCode": e.get("QueryErrorCode"),
        "Type": e.get("Type"),
        "Message": e.get("Message"),
        "Status": r["ResponseMetadata"]["HTTPStatusCode"],
    }


def sender(codes, message, status=400):
    code, query_code = codes
    return {"Code": code, "QueryErrorCode": query_code, "Type": "Sender", "Message": message, "Status": status}


def same(code):
    """Errors whose query code and shape name are the same word."""
    return (code, code)


def wait_until(predicate, timeout=20, what="condition", interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def receive_n(sqs, url, n, timeout=15, **kw):
    """Receives until n messages came back (or the deadline passed)."""
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, n - len(got)), WaitTimeSeconds=1, **kw)
        got.extend(out.get("Messages", []))
    return got


def counts(sqs, url):
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return tuple(int(attrs[n]) for n in names)


def assert_epoch_seconds(value):
    assert value.isdigit(), value
    assert abs(int(value) - time.time()) < 300, value


def assert_epoch_millis(value):
    assert value.isdigit(), value
    assert abs(int(value) / 1000 - time.time()) < 300, value


# --- the query protocol


class QueryResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def xml(self):
        root = ET.fromstring(self.body)
        for el in root.iter():
            if "}" in el.tag:
                el.tag = el.tag.split("}", 1)[1]
        return root

    def namespace(self):
        tag = ET.fromstring(self.body).tag
        return tag[1:].split("}", 1)[0] if tag.startswith("{") else None

    def error(self):
        root = self.xml()
        assert root.tag == "ErrorResponse", self.text
        e = root.find("Error")
        return {"Type": e.findtext("Type"), "Code": e.findtext("Code"), "Message": e.findtext("Message"), "Status": self.status}


def query(server, params, path="/", method="POST", headers=None, version=True):
    """A SigV4-signed query-protocol request (a form POST, or a GET with the
    parameters in the URL), as older SDKs send it."""
    params = dict(params)
    if version:
        params.setdefault("Version", "2012-11-05")
    encoded = urllib.parse.urlencode(params)
    url = server.endpoint + path
    if method == "GET":
        url += "?" + encoded if encoded else ""
        data, hdrs = None, {}
    else:
        data = encoded.encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    hdrs.update(headers or {})
    req = AWSRequest(method=method, url=url, data=data, headers=hdrs)
    SigV4Auth(CREDS, "sqs", REGION).add_auth(req)
    prepared = req.prepare()
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    raw = urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers.items()), method=method)
    try:
        with urllib.request.urlopen(raw, timeout=60) as resp:
            return QueryResponse(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        return QueryResponse(e.code, e.headers, e.read())


def signed_json(server, operation, payload):
    """A raw JSON 1.0 request, to see the wire form of an answer."""
    req = AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{operation}"},
    )
    SigV4Auth(CREDS, "sqs", REGION).add_auth(req)
    prepared = req.prepare()
    raw = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(raw, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# ------------------------------------------------------------------ queues


def test_queue_url_is_the_servers_address_and_account(server, sqs):
    # Brief: the queue URL is the server's own address + /000000000000/NAME;
    # TestSqsProvider::test_list_queues (validated): GetQueueUrl's URL ends with the name.
    name = unique("q")
    created = sqs.create_queue(QueueName=name)
    assert created["QueueUrl"] == queue_url(server, name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = sqs.get_queue_url(QueueName=name)
    assert got["QueueUrl"] == queue_url(server, name)
    assert set(got) == {"QueueUrl", "ResponseMetadata"}
    # The JSON protocol answers in its own content type
    # (TestSqsQueryApi::test_send_message_via_queue_url_with_json_protocol, validated).
    assert got["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.0"


def test_default_attributes(sqs):
    # TestSqsProvider::test_set_queue_attributes_default_values / get-queue-attributes-initial-values
    name = unique("q")
    url = make_queue(sqs, name)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert set(attrs) == set(STANDARD_DEFAULTS) | TIMESTAMP_ATTRS | {"QueueArn"}
    assert {k: attrs[k] for k in STANDARD_DEFAULTS} == STANDARD_DEFAULTS
    assert attrs["QueueArn"] == queue_arn(name)
    # validated (test_create_queue_and_get_attributes): CreatedTimestamp is epoch seconds, now.
    assert_epoch_seconds(attrs["CreatedTimestamp"])
    assert_epoch_seconds(attrs["LastModifiedTimestamp"])


def test_get_named_attributes_only(sqs):
    # TestSqsProvider::test_create_queue_and_get_attributes (validated): exactly the three asked for.
    name = unique("q")
    url = make_queue(sqs, name)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "CreatedTimestamp", "VisibilityTimeout"])[
        "Attributes"
    ]
    assert set(attrs) == {"QueueArn", "CreatedTimestamp", "VisibilityTimeout"}
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["QueueArn"] == queue_arn(name)


def test_create_with_attributes_then_update(sqs):
    # TestSqsProvider::test_create_and_update_queue_attributes / get_queue_attributes, get_updated_queue_attributes
    url = make_queue(sqs, MessageRetentionPeriod="604800", ReceiveMessageWaitTimeSeconds="10", VisibilityTimeout="20")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert {k: attrs[k] for k in STANDARD_DEFAULTS} == dict(
        STANDARD_DEFAULTS, MessageRetentionPeriod="604800", ReceiveMessageWaitTimeSeconds="10", VisibilityTimeout="20"
    )
    out = sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"MaximumMessageSize": "2048", "VisibilityTimeout": "69", "DelaySeconds": "420"}
    )
    assert set(out) == {"ResponseMetadata"}
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert set(attrs) == set(STANDARD_DEFAULTS) | TIMESTAMP_ATTRS | {"QueueArn"}
    assert {k: attrs[k] for k in STANDARD_DEFAULTS} == dict(
        STANDARD_DEFAULTS,
        MessageRetentionPeriod="604800",
        ReceiveMessageWaitTimeSeconds="10",
        VisibilityTimeout="69",
        MaximumMessageSize="2048",
        DelaySeconds="420",
    )


def test_kms_attributes_and_back_to_defaults(sqs):
    # TestSqsProvider::test_set_queue_attributes_default_values / get-queue-attributes-after-update,
    # get-queue-attributes-after-set-to-defaults; test_sse_queue_attributes / sse_kms_attributes, sse_sqs_attributes
    url = make_queue(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "testKeyId", "KmsDataKeyReusePeriodSeconds": "6000"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["KmsMasterKeyId"] == "testKeyId"
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "6000"
    assert attrs["SqsManagedSseEnabled"] == "false"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "", "KmsDataKeyReusePeriodSeconds": "300"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "KmsMasterKeyId" not in attrs and "KmsDataKeyReusePeriodSeconds" not in attrs
    assert attrs["SqsManagedSseEnabled"] == "false"
    other = make_queue(sqs)
    sqs.set_queue_attributes(QueueUrl=other, Attributes={"SqsManagedSseEnabled": "true"})
    got = sqs.get_queue_attributes(
        QueueUrl=other, AttributeNames=["KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"]
    )["Attributes"]
    assert got == {"SqsManagedSseEnabled": "true"}


def test_fifo_queue_attributes(sqs):
    # TestSqsProvider::test_fifo_set_content_based_deduplication_strategy / before-update, after-update
    name = unique("q") + ".fifo"
    url = make_queue(sqs, name, fifo=True, SqsManagedSseEnabled="true", ContentBasedDeduplication="true")
    assert url.endswith("/" + name)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    want = {**STANDARD_DEFAULTS, **FIFO_EXTRA, "ContentBasedDeduplication": "true"}
    assert set(attrs) == set(want) | TIMESTAMP_ATTRS | {"QueueArn"}
    assert {k: attrs[k] for k in want} == want
    assert attrs["QueueArn"] == queue_arn(name)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "false"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ContentBasedDeduplication"] == "false"
    # TestSqsProvider::test_fifo_change_to_high_throughput_after_creation / set-to-high-throughput
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    )
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["DeduplicationScope"], attrs["FifoThroughputLimit"]) == ("messageGroup", "perMessageGroupId")


def test_create_is_idempotent_with_the_same_attributes(sqs):
    # validated: test_create_queue_without_attributes_is_idempotent, test_create_queue_with_same_attributes_is_idempotent,
    # test_create_queue_with_default_attributes_is_idempotent, test_create_fifo_queue_with_same_attributes_is_idempotent,
    # test_create_queue_after_internal_attributes_changes_works
    name = unique("q")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    name2 = unique("q")
    url2 = sqs.create_queue(QueueName=name2, Attributes={"VisibilityTimeout": "69", "ReceiveMessageWaitTimeSeconds": "1"})[
        "QueueUrl"
    ]
    assert sqs.create_queue(QueueName=name2, Attributes={"VisibilityTimeout": "69"})["QueueUrl"] == url2
    assert sqs.create_queue(QueueName=name2)["QueueUrl"] == url2
    sqs.send_message(QueueUrl=url2, MessageBody="foobar-1", DelaySeconds=1)
    assert sqs.create_queue(QueueName=name2)["QueueUrl"] == url2
    fifo = unique("q") + ".fifo"
    furl = sqs.create_queue(QueueName=fifo, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert sqs.create_queue(QueueName=fifo, Attributes={"FifoQueue": "true"})["QueueUrl"] == furl


def test_create_with_different_attributes_is_queue_already_exists(sqs):
    # TestSqsProvider::test_create_queue_with_different_attributes_raises_exception / create_queue_01, create_queue_02
    name = unique("q")
    url = sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "1"})[
        "QueueUrl"
    ]
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"] == url
    want = sender(
        ("QueueAlreadyExists", "QueueNameExists"),
        "A queue already exists with the same name and a different value for attribute DelaySeconds",
    )
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "2"})
    assert err(e) == want
    # boto3 maps the error to its modeled class through QueryErrorCode.
    assert isinstance(e.value, sqs.exceptions.QueueNameExists)
    # After SetQueueAttributes the new values are the ones compared.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
    assert (
        sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "2"})["QueueUrl"]
        == url
    )
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "1"})
    assert err(e) == want


def test_create_fifo_with_different_attributes(sqs):
    # TestSqsProvider::test_create_fifo_queue_with_different_attributes_raises_error / queue-already-exists
    name = unique("q") + ".fifo"
    sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"})
    assert err(e) == sender(
        ("QueueAlreadyExists", "QueueNameExists"),
        "A queue already exists with the same name and a different value for attribute ContentBasedDeduplication",
    )


def test_standard_queue_with_fifo_attributes(sqs):
    # TestSqsProvider::test_create_standard_queue_with_fifo_attribute_raises_error / invalid-attribute-*
    name = unique("q")
    cases = [
        ({"FifoQueue": "false"}, "Unknown Attribute FifoQueue."),
        ({"ContentBasedDeduplication": "false"}, "Unknown Attribute ContentBasedDeduplication."),
        ({"DeduplicationScope": "queue"}, "You can specify the DeduplicationScope only when FifoQueue is set to true."),
        ({"FifoThroughputLimit": "perQueue"}, "You can specify the FifoThroughputLimit only when FifoQueue is set to true."),
    ]
    for attributes, message in cases:
        with pytest.raises(ClientError) as e:
            sqs.create_queue(QueueName=name, Attributes=attributes)
        assert err(e) == sender(same("InvalidAttributeName"), message), attributes
        # The JSON body's "message" member, copied by botocore for the modeled error.
        assert e.value.response.get("message") == message


def test_queue_name_rules(sqs):
    # validated: test_fifo_queue_requires_suffix, test_standard_queue_cannot_have_fifo_suffix,
    # test_disallow_queue_name_with_slashes (codes only; the messages are not recorded)
    for name, attributes in [
        (unique("invalid"), {"FifoQueue": "true"}),
        (unique("q") + ".fifo", {}),
        (f"queue/{unique('q')}/", {}),
    ]:
        with pytest.raises(ClientError) as e:
            sqs.create_queue(QueueName=name, Attributes=attributes)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValue", name


def test_set_unsupported_attributes(sqs):
    # TestSqsProvider::test_set_unsupported_attribute_standard / invalid-attr-name-1, -2;
    # test_set_unsupported_attribute_fifo / invalid-attr-name-1, -2
    url = make_queue(sqs)
    for value in ("true", "false"):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": value})
        assert err(e) == sender(same("InvalidAttributeName"), "Unknown Attribute FifoQueue.")
        assert e.value.response.get("message") == "Unknown Attribute FifoQueue."
    fifo = make_queue(sqs, fifo=True)
    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "true"})
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "false"})
    message = "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
    assert err(e) == sender(same("InvalidAttributeValue"), message)
    assert e.value.response.get("message") == message


def test_non_existent_queue(sqs):
    # TestSqsProvider::test_non_existent_queue / queue-does-not-exist, queue-does-not-exist-url
    name = unique("q")
    url = make_queue(sqs, name)
    assert set(sqs.delete_queue(QueueUrl=url)) == {"ResponseMetadata"}

    def gone():
        try:
            sqs.get_queue_url(QueueName=name)
            return False
        except ClientError:
            return True

    wait_until(gone, timeout=10, what="the queue to be deleted")
    want = sender(("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"), NONEXISTENT)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=url)
    assert err(e) == want
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.get_queue_url(QueueName=name)
    assert err(e) == want
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert err(e) == want


def test_non_existent_queue_on_the_wire(server):
    # TestSqsProvider::test_non_existent_queue / queue-does-not-exist-url: botocore's Code comes from the
    # x-amzn-query-error header ("code;Sender"), its QueryErrorCode from __type's shape name.
    status, headers, body = signed_json(server, "GetQueueUrl", {"QueueName": unique("absent")})
    assert status == 400
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert headers["content-type"].startswith("application/x-amz-json-1.0")
    doc = json.loads(body)
    assert doc["__type"].rsplit("#", 1)[-1] == "QueueDoesNotExist"
    assert doc.get("message", doc.get("Message")) == NONEXISTENT


def test_list_queues_by_prefix_and_pages(server, sqs):
    # TestSqsProvider::test_list_queues_pagination / list_all, list_two_max, list_remaining;
    # test_list_queues (validated): an unmatched prefix answers no QueueUrls key at all.
    prefix = unique("lq")
    urls = [make_queue(sqs, f"{prefix}-test-queue-{i}") for i in range(10)]
    other = make_queue(sqs, unique("other"))
    everything = sqs.list_queues(QueueNamePrefix=prefix)
    assert everything["QueueUrls"] == urls
    assert "NextToken" not in everything
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert first["QueueUrls"] == urls[:2]
    assert first["NextToken"]
    rest = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=10, NextToken=first["NextToken"])
    assert rest["QueueUrls"] == urls[2:]
    assert "NextToken" not in rest
    assert other in sqs.list_queues()["QueueUrls"]
    assert set(urls) <= set(sqs.list_queues()["QueueUrls"])
    empty = sqs.list_queues(QueueNamePrefix=unique("nonexisting"))
    assert "QueueUrls" not in empty


def test_delete_queue(sqs):
    # AWS docs, DeleteQueue: the queue and its messages are gone; validated test_non_existent_queue.
    name = unique("q")
    url = make_queue(sqs, name)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    out = sqs.delete_queue(QueueUrl=url)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError):
        sqs.get_queue_url(QueueName=name)
    assert url not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])


def test_queue_name_accepted_as_queue_url(sqs):
    # validated: test_posting_to_queue_via_queue_name (MD5 86a83f...), test_set_empty_redrive_policy (QueueUrl=name)
    name = unique("q")
    make_queue(sqs, name)
    out = sqs.send_message(QueueUrl=name, MessageBody="Using name instead of URL")
    assert out["MD5OfMessageBody"] == "86a83f96652a1bfad3891e7d523750cb"
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


# ------------------------------------------------------------------ tags


def test_tag_untag_list(sqs):
    # TestSqsProvider::test_tag_untag_queue / get-tag-1, get-tag-2, get-tag-after-untag;
    # validated: test_tags_case_sensitive, test_untag_queue_ignores_non_existing_tag,
    # test_tag_queue_overwrites_existing_tag, test_create_queue_with_tags, test_queue_list_nonexistent_tags
    url = make_queue(sqs)
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
    tags = {"tag1": "value1", "tag2": "value2", "tag3": ""}
    assert set(sqs.tag_queue(QueueUrl=url, Tags=tags)) == {"ResponseMetadata"}
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == tags
    sqs.untag_queue(QueueUrl=url, TagKeys=["tag1", "tag3"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"tag2": "value2"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["tag2"])
    after = sqs.list_queue_tags(QueueUrl=url)
    assert "Tags" not in after
    assert after["ResponseMetadata"]["HTTPStatusCode"] == 200

    url = make_queue(sqs)
    sqs.tag_queue(QueueUrl=url, Tags={"MyTag": "value1", "mytag": "value2"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"MyTag": "value1", "mytag": "value2"}
    sqs.tag_queue(QueueUrl=url, Tags={"MyTag": "VALUE1", "tag3": "value3"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["mytag", "absent"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"MyTag": "VALUE1", "tag3": "value3"}

    tagged = sqs.create_queue(QueueName=unique("q"), tags={"tag1": "value1", "tag2": "value2"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=tagged)["Tags"] == {"tag1": "value1", "tag2": "value2"}


# ------------------------------------------------------------------ send and receive


def test_send_and_receive(sqs):
    # validated: test_send_receive_message (MD5 78e731...);
    # TestSqsProvider::test_send_receive_wait_time_seconds / empty_short_poll_by_default_resp (the message's keys)
    url = make_queue(sqs)
    sent = sqs.send_message(QueueUrl=url, MessageBody="message")
    assert set(sent) == {"MD5OfMessageBody", "MessageId", "ResponseMetadata"}
    assert sent["MD5OfMessageBody"] == "78e731027d8fd50ed642340b7c9a63b3" == md5("message")
    uuid.UUID(sent["MessageId"])
    got = sqs.receive_message(QueueUrl=url)
    assert len(got["Messages"]) == 1
    message = got["Messages"][0]
    assert set(message) == PLAIN_MESSAGE_KEYS
    assert message["Body"] == "message"
    assert message["MessageId"] == sent["MessageId"]
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["ReceiptHandle"]
    # validated: test_send_receive_message_encoded_content, test_message_with_carriage_return
    for body in ['"&quot;&quot;\r', "{\r\n" + '"machineID" : "d357006e26ff47439e1ef894225d4307"' + "}", "ünïcødé ✓"]:
        sent = sqs.send_message(QueueUrl=url, MessageBody=body)
        assert sent["MD5OfMessageBody"] == md5(body)
        got = sqs.receive_message(QueueUrl=url)["Messages"][0]
        assert got["Body"] == body
        assert got["MD5OfBody"] == md5(body)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])


def test_receive_from_an_empty_queue(sqs):
    # TestSqsProvider::test_receive_empty_queue / empty_short_poll_resp_no_param, empty_short_poll_resp,
    # empty_long_poll_resp: no Messages key at all.
    url = make_queue(sqs)
    assert set(sqs.receive_message(QueueUrl=url)) == {"ResponseMetadata"}
    assert set(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)) == {"ResponseMetadata"}
    started = time.time()
    out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
    assert set(out) == {"ResponseMetadata"}
    assert 0.8 <= time.time() - started < 5


def test_receive_parameter_validation(sqs):
    # TestSqsProvider::test_send_receive_max_number_of_messages / send_max_number_of_messages;
    # test_send_receive_wait_time_seconds / recieve_message_error_too_large, recieve_message_error_too_small
    url = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="message")
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert err(e) == sender(
        IPV, "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
    )
    for value in (21, -1):
        with pytest.raises(ClientError) as e:
            sqs.receive_message(QueueUrl=url, WaitTimeSeconds=value)
        assert err(e) == sender(
            IPV, f"Value {value} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
        )
    # Neither error consumed the message; an explicit 0 is a short poll.
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0)["Messages"]) == 1


def test_long_poll_returns_as_soon_as_a_message_arrives(sqs):
    # validated: test_wait_time_seconds_waits_correctly, test_wait_time_seconds_queue_attribute_waits_correctly,
    # test_receive_message_wait_time_seconds_and_max_number_of_messages_does_not_block
    url = make_queue(sqs)
    timer = threading.Timer(1.0, lambda: sqs.send_message(QueueUrl=url, MessageBody="foobared"))
    timer.start()
    started = time.time()
    out = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    took = time.time() - started
    timer.join()
    assert [m["Body"] for m in out.get("Messages", [])] == ["foobared"]
    assert 0.5 <= took < 5, took

    # The queue's ReceiveMessageWaitTimeSeconds is the default wait.
    waiting = make_queue(sqs, ReceiveMessageWaitTimeSeconds="10")
    timer = threading.Timer(1.0, lambda: sqs.send_message(QueueUrl=waiting, MessageBody="foobared"))
    timer.start()
    started = time.time()
    out = sqs.receive_message(QueueUrl=waiting)
    took = time.time() - started
    timer.join()
    assert [m["Body"] for m in out.get("Messages", [])] == ["foobared"]
    assert 0.5 <= took < 5, took

    # Messages already there: no waiting even when fewer than MaxNumberOfMessages.
    sqs.send_message(QueueUrl=url, MessageBody="foobar1")
    sqs.send_message(QueueUrl=url, MessageBody="foobar2")
    wait_until(lambda: counts(sqs, url)[0] == 2, what="two visible messages")
    started = time.time()
    out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, WaitTimeSeconds=5)
    assert time.time() - started < 2
    assert len(out["Messages"]) >= 1


def test_max_number_of_messages(sqs):
    # AWS docs, ReceiveMessage MaxNumberOfMessages: "Valid values: 1 to 10. Default: 1."
    # validated: test_send_batch_receive_multiple, test_publish_get_delete_message_batch
    url = make_queue(sqs)
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    first = sqs.receive_message(QueueUrl=url)
    assert len(first["Messages"]) == 1
    rest = receive_n(sqs, url, 4)
    assert sorted(m["Body"] for m in first["Messages"] + rest) == [f"m{i}" for i in range(5)]
    assert len({m["MessageId"] for m in first["Messages"] + rest}) == 5


def test_message_attributes_and_their_md5(sqs):
    # MD5s recorded: TestSqsProvider::test_send_message_batch_with_oversized_contents_with_updated_maximum_message_size
    # (k=x: a45daa...), test_dead_letter_queue_message_attributes (MyAttribute: adb59c...),
    # test_receive_message_attribute_names_filters (Foo: ae7155...), test_aws_trace_header_propagation
    # (timestamp Number: 235c5c...); test_lambda_integration_sqs.py::test_message_body_and_attributes_passed_correctly
    # (Title/Author/WeeksOn: d25a6a...). validated: test_send_message_with_attributes, test_message_with_attributes_should_be_enqueued,
    # test_sent_message_retains_attributes_after_receive
    cases = [
        ({"k": string("x")}, "a45daa70926828a2f0a1db3418e6feb4"),
        ({"MyAttribute": string("foobar")}, "adb59cd4678ea5a855436b949cd07ab6"),
        ({"Foo": string("Bar")}, "ae7155c6026991b6d54b11589678bf9c"),
        ({"timestamp": {"DataType": "Number", "StringValue": "1493147359900"}}, "235c5c510d26fb653d073faed50ae77c"),
        (
            {
                "Title": string("The Whistler"),
                "Author": string("John Grisham"),
                "WeeksOn": {"DataType": "Number", "StringValue": "6"},
            },
            "d25a6aea97eb8f585bfa92d314504a92",
        ),
        ({"attr1": string("test1"), "attr2": string("test2"), "price": {"DataType": "Number.float", "StringValue": "1.5"}}, None),
    ]
    url = make_queue(sqs)
    for attributes, recorded in cases:
        assert recorded is None or md5_of_attributes(attributes) == recorded
        sent = sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes=attributes)
        assert set(sent) == {"MD5OfMessageBody", "MD5OfMessageAttributes", "MessageId", "ResponseMetadata"}
        assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
        assert sent["MD5OfMessageBody"] == "098f6bcd4621d373cade4e832627b4f6"
        # Received twice: receiving doesn't alter the attributes.
        first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MessageAttributeNames=["All"])["Messages"][0]
        got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
        for message in (first, got):
            assert message["MessageId"] == sent["MessageId"]
            assert message["MessageAttributes"] == attributes
            assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])


def test_binary_message_attribute(sqs):
    # TestSqsProvider::test_send_message_with_binary_attributes / binary-attrs-msg
    url = make_queue(sqs)
    attributes = {
        "attr1": {
            "BinaryValue": b"traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01",
            "DataType": "Binary",
        }
    }
    assert md5_of_attributes(attributes) == "8cbe4db156db8a94db8b801b7addb984"
    sent = sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes=attributes)
    assert sent["MD5OfMessageAttributes"] == "8cbe4db156db8a94db8b801b7addb984"
    message = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert set(message) == PLAIN_MESSAGE_KEYS | {"MD5OfMessageAttributes", "MessageAttributes"}
    assert message["MD5OfBody"] == "098f6bcd4621d373cade4e832627b4f6"
    assert message["MD5OfMessageAttributes"] == "8cbe4db156db8a94db8b801b7addb984"
    assert message["MessageAttributes"] == attributes


def test_message_attribute_names_filter(sqs):
    # TestSqsProvider::test_receive_message_message_attribute_names_filters / send_message_response, empty_filter,
    # all_name, all_wildcard_asterisk, all_wildcard, only_non_existing_names, only_existing,
    # existing_and_non_existing, prefix_filter, illegal_name_1, illegal_name_2.
    # The MD5 on receive covers only the attributes returned.
    url = make_queue(sqs, VisibilityTimeout="0")
    attrs = {"Help.Me": string("Me"), "Hello": string("There"), "General": string("Kenobi")}
    sent = sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == "4c360f3fdafd970e05fae2f149d997f5"
    assert sent["MD5OfMessageBody"] == "6e2baaf3b97dbeef01c0043275f9a0e7"

    def receive(names):
        message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MessageAttributeNames=names)["Messages"][0]
        assert message["Body"] == "msg"
        return message

    for names in ([], ["Foo", "Help"], ["AWS."], ["..foo"]):
        assert set(receive(names)) == PLAIN_MESSAGE_KEYS, names
    cases = [
        (["All"], attrs, "4c360f3fdafd970e05fae2f149d997f5"),
        (["*"], attrs, "4c360f3fdafd970e05fae2f149d997f5"),
        ([".*"], attrs, "4c360f3fdafd970e05fae2f149d997f5"),
        (["Hello", "General"], {"Hello": attrs["Hello"], "General": attrs["General"]}, "fca026605781cb4126a1e9044df24232"),
        (["Foo", "Hello"], {"Hello": attrs["Hello"]}, "a311262e065454b75da111d535b8dacd"),
        (["Hel.*"], {"Hello": attrs["Hello"], "Help.Me": attrs["Help.Me"]}, "83fee93c1bcd8b9a5a923ffacdc636c7"),
    ]
    for names, want, digest in cases:
        message = receive(names)
        assert message["MessageAttributes"] == want, names
        assert message["MD5OfMessageAttributes"] == digest == md5_of_attributes(want), names


def test_system_attributes_md5(sqs):
    # validated: test_system_attributes_have_no_effect_on_attr_md5 (MD5OfMessageSystemAttributes 5ae4d5...)
    url, traced_url = make_queue(sqs), make_queue(sqs)
    attrs = {"timestamp": {"StringValue": "1493147359900", "DataType": "Number"}}
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    plain = sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes=attrs)
    traced = sqs.send_message(
        QueueUrl=traced_url,
        MessageBody="test",
        MessageAttributes=attrs,
        MessageSystemAttributes={"AWSTraceHeader": string(trace)},
    )
    assert plain["MD5OfMessageAttributes"] == traced["MD5OfMessageAttributes"]
    assert "MD5OfMessageSystemAttributes" not in plain
    assert traced["MD5OfMessageSystemAttributes"] == "5ae4d5d7636402d80f4eb6d213245a88"
    assert md5_of_attributes({"AWSTraceHeader": string(trace)}) == "5ae4d5d7636402d80f4eb6d213245a88"
    got = sqs.receive_message(QueueUrl=traced_url, AttributeNames=["AWSTraceHeader"], WaitTimeSeconds=2)["Messages"][0]
    assert got["Attributes"] == {"AWSTraceHeader": trace}
    assert got["MD5OfBody"] == "098f6bcd4621d373cade4e832627b4f6"


def test_trace_header_from_x_amzn_trace_id(sqs, server):
    # TestSqsProvider::test_aws_trace_header_propagation / xray-msg: the X-Amzn-Trace-Id header of
    # SendMessage becomes the AWSTraceHeader system attribute.
    client = server.client("sqs")
    header = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"

    def add_header(request, **_):
        request.headers["X-Amzn-Trace-Id"] = header

    client.meta.events.register("before-send.sqs.SendMessage", add_header)
    url = make_queue(sqs)
    attrs = {"timestamp": {"StringValue": "1493147359900", "DataType": "Number"}}
    client.send_message(QueueUrl=url, MessageBody="test", MessageAttributes=attrs)
    message = sqs.receive_message(
        QueueUrl=url,
        AttributeNames=["SentTimestamp", "AWSTraceHeader"],
        MessageAttributeNames=["All"],
        VisibilityTimeout=2,
        WaitTimeSeconds=2,
    )["Messages"][0]
    assert set(message["Attributes"]) == {"AWSTraceHeader", "SentTimestamp"}
    assert message["Attributes"]["AWSTraceHeader"] == header
    assert message["MD5OfMessageAttributes"] == "235c5c510d26fb653d073faed50ae77c"


def test_receive_system_attributes(sqs):
    # TestSqsProvider::test_receive_message_attribute_names_filters / all_attributes, all_system_and_message_attributes,
    # single_attribute, multiple_attributes; test_receive_message_message_system_attribute_names_filters (the same
    # through MessageSystemAttributeNames); test_message_system_attribute_names_with_attribute_names / same_values,
    # different_values (JSON); validated test_receive_message_attributes_timestamp_types
    url = make_queue(sqs, VisibilityTimeout="0")
    sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes={"Foo": string("Bar")})

    def receive(**kw):
        return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, **kw)["Messages"][0]

    first = receive(AttributeNames=["All"])
    assert set(first) == PLAIN_MESSAGE_KEYS | {"Attributes"}
    attrs = first["Attributes"]
    assert set(attrs) == STANDARD_RECEIVE_ALL
    assert attrs["ApproximateReceiveCount"] == "1"
    assert attrs["SenderId"]
    assert_epoch_millis(attrs["SentTimestamp"])
    assert_epoch_millis(attrs["ApproximateFirstReceiveTimestamp"])
    assert abs(int(attrs["SentTimestamp"]) - int(attrs["ApproximateFirstReceiveTimestamp"])) < 10_000

    both = receive(AttributeNames=["All"], MessageAttributeNames=["All"])
    assert set(both) == PLAIN_MESSAGE_KEYS | {"Attributes", "MessageAttributes", "MD5OfMessageAttributes"}
    assert both["Attributes"]["ApproximateReceiveCount"] == "2"
    # The first receive's time stays the first.
    assert both["Attributes"]["ApproximateFirstReceiveTimestamp"] == attrs["ApproximateFirstReceiveTimestamp"]
    assert both["Attributes"]["SentTimestamp"] == attrs["SentTimestamp"]
    assert both["Attributes"]["SenderId"] == attrs["SenderId"]
    assert both["MD5OfMessageAttributes"] == "ae7155c6026991b6d54b11589678bf9c"

    assert receive(AttributeNames=["SenderId"])["Attributes"] == {"SenderId": attrs["SenderId"]}
    # SequenceNumber doesn't exist on a standard queue.
    assert receive(AttributeNames=["SenderId", "SequenceNumber"])["Attributes"] == {"SenderId": attrs["SenderId"]}
    sys_all = receive(MessageSystemAttributeNames=["All"])
    assert set(sys_all["Attributes"]) == STANDARD_RECEIVE_ALL
    assert sys_all["Attributes"]["ApproximateReceiveCount"] == "5"
    assert receive(MessageSystemAttributeNames=["SenderId"])["Attributes"] == {"SenderId": attrs["SenderId"]}
    assert set(receive(MessageSystemAttributeNames=["All"], AttributeNames=["All"])["Attributes"]) == STANDARD_RECEIVE_ALL
    # JSON: MessageSystemAttributeNames=All with AttributeNames=SenderId answers all four.
    assert set(receive(MessageSystemAttributeNames=["All"], AttributeNames=["SenderId"])["Attributes"]) == STANDARD_RECEIVE_ALL


# ------------------------------------------------------------------ visibility and deletion


def test_visibility_timeout(sqs):
    # validated: test_receive_after_visibility_timeout, test_receive_terminate_visibility_timeout,
    # test_receive_message_with_visibility_timeout_updates_timeout, test_inflight_message_requeue
    url = make_queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="foobar")
    first = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert first["Attributes"] == {"ApproximateReceiveCount": "1"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert counts(sqs, url) == (0, 1, 0)
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["MessageId"] == first["MessageId"]
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    assert again["Attributes"] == {"ApproximateReceiveCount": "2"}

    # ReceiveMessage's VisibilityTimeout overrides the queue's, 0 leaves the message visible.
    url = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="test")
    r0 = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, VisibilityTimeout=0)["Messages"][0]
    r1 = sqs.receive_message(QueueUrl=url, VisibilityTimeout=2)["Messages"][0]
    assert r0["ReceiptHandle"] != r1["ReceiptHandle"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    back = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
    assert back["MessageId"] == r1["MessageId"]


def test_approximate_counts(sqs):
    # validated: test_approximate_number_of_messages_not_visible (5 visible + 1 in flight, then 6 + 0);
    # AWS docs, GetQueueAttributes: ApproximateNumberOfMessagesDelayed counts delayed messages.
    url = make_queue(sqs, VisibilityTimeout="2")
    for i in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"message-{i}")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
    wait_until(lambda: counts(sqs, url) == (5, 1, 0), timeout=5, what="5 visible, 1 in flight")
    wait_until(lambda: counts(sqs, url) == (6, 0, 0), timeout=10, what="all 6 visible again")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
    wait_until(lambda: counts(sqs, url) == (6, 0, 1), timeout=2, what="one delayed message")
    wait_until(lambda: counts(sqs, url) == (7, 0, 0), timeout=10, what="the delayed message to become visible")


def test_change_message_visibility(sqs):
    # validated: test_delete_message_deletes_with_change_visibility_timeout, test_change_message_visibility_not_permanent,
    # test_terminate_visibility_timeout_after_receive, test_extend_message_visibility_timeout_set_in_queue;
    # TestSqsProvider::test_change_message_visibility_after_visibility_timeout_expiration / visibility_timeout_expired
    url = make_queue(sqs)
    message_id = sqs.send_message(QueueUrl=url, MessageBody="test")["MessageId"]
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    out = sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    assert set(out) == {"ResponseMetadata"}
    again = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert again["MessageId"] == message_id
    # Not permanent: the next receive hides it with the queue's timeout again.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)

    # Extending keeps it hidden past the queue's own timeout.
    url = make_queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="test")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=3)
    time.sleep(1.5)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    back = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in back] == ["test"]

    # After the timeout expired, changing the old handle still succeeds.
    url = make_queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="test")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]
    time.sleep(1.5)
    out = sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=2)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_change_message_visibility_errors(sqs):
    # validated: test_change_visibility_on_deleted_message_raises_invalid_parameter_value,
    # test_invalid_receipt_handle_should_return_error_message
    url = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="foo")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=42)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=42)
    got = err(e)
    assert (got["Code"], got["Message"], got["Status"]) == (
        "InvalidParameterValue",
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not "
        "available for visibility timeout change.",
        400,
    )
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="INVALID", VisibilityTimeout=60)
    assert err(e)["Code"] == "ReceiptHandleIsInvalid"


def test_delete_message(sqs):
    # validated: test_publish_get_delete_message, test_delete_message_with_deleted_receipt_handle,
    # test_delete_message_with_illegal_receipt_handle, test_remove_message_with_old_receipt_handle;
    # TestSqsProvider::test_delete_after_visibility_timeout / delete_after_timeout_queue_empty
    url = make_queue(sqs)
    sent = sqs.send_message(QueueUrl=url, MessageBody="test message")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    assert set(sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)) == {"ResponseMetadata"}
    # Deleting again with the same handle is fine.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)
    assert sent["MessageId"]

    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    got = err(e)
    assert (got["Code"], got["Message"], got["Status"]) == (
        "ReceiptHandleIsInvalid",
        'The input receipt handle "garbage" is not a valid receipt handle.',
        400,
    )

    # A standard queue deletes with a handle whose visibility timeout expired.
    url = make_queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="foobar")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]
    time.sleep(1.5)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert set(sqs.receive_message(QueueUrl=url)) == {"ResponseMetadata"}
    assert counts(sqs, url)[0] == 0


def test_fifo_delete_with_an_expired_handle(sqs):
    # TestSqsProvider::test_fifo_delete_after_visibility_timeout / received_sqs_message, delete_after_timeout_fifo;
    # test_fifo_delete_after_visibility_timeout_extended / delete_after_timeout_fifo_extended
    url = make_queue(sqs, fifo=True, VisibilityTimeout="1", ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="foobar", MessageGroupId="1")
    message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
    assert set(message) == PLAIN_MESSAGE_KEYS
    assert message["MD5OfBody"] == "3858f62230ac3c915f300c664312c63f"
    handle = message["ReceiptHandle"]
    time.sleep(1.5)
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert err(e) == sender(
        IPV, f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
    )

    # Extended in time: the delete works and the queue is empty.
    url = make_queue(sqs, fifo=True, VisibilityTimeout="1", ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="foobar", MessageGroupId="1")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5)
    time.sleep(1.5)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert set(sqs.receive_message(QueueUrl=url)) == {"ResponseMetadata"}


# ------------------------------------------------------------------ message validation


def test_message_validation(sqs):
    # TestSqsProvider::test_send_empty_message / send_empty_message;
    # test_send_message_with_empty_string_attribute / empty-string-attr;
    # validated: test_send_message_with_invalid_payload_characters, test_invalid_string_attributes_cause_invalid_parameter_value_error
    url = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="")
    assert err(e) == sender(MISSING, "The request must contain the parameter MessageBody.")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes={"ErrorDetails": string("")})
    assert err(e) == sender(IPV, "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody=f"Invalid-{chr(0)}-{chr(8)}-{chr(19)}-{chr(65535)}")
    assert err(e)["Code"] == "InvalidMessageContents"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes={"attr1": string(f"Invalid-{chr(8)},{chr(11)}")})
    assert err(e)["Code"] == "InvalidParameterValue"
    # None of them was enqueued.
    assert counts(sqs, url) == (0, 0, 0)


@pytest.mark.parametrize(
    "group_id", ["", "a" * 129, "group 123"], ids=["empty", "too_long", "spaces"]
)
def test_invalid_message_group_id_on_a_standard_queue(sqs, group_id):
    # TestSqsProvider::test_send_message_to_standard_queue_with_invalid_message_group_id[empty|too_long|spaces]
    url = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="message", MessageGroupId=group_id)
    assert err(e) == sender(
        IPV,
        f"Value {group_id} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include "
        "alphanumeric and punctuation characters. 1 to 128 in length.",
    )


def test_fair_queue_message_group_id(sqs):
    # TestSqsProvider::test_fair_queue_with_message_group_id / send_message, get-message-with-deduplication-id
    url = make_queue(sqs)
    sent = sqs.send_message(QueueUrl=url, MessageBody="message", MessageGroupId="test")
    assert set(sent) == {"MD5OfMessageBody", "MessageId", "ResponseMetadata"}
    message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["All"])["Messages"][0]
    assert set(message["Attributes"]) == STANDARD_RECEIVE_ALL | {"MessageGroupId"}
    assert message["Attributes"]["MessageGroupId"] == "test"


def test_message_size_limits(sqs):
    # TestSqsProvider::test_send_oversized_message / send_oversized_message;
    # test_send_message_with_updated_maximum_message_size / send_oversized_message.
    # The size counts the body and each attribute's name, type and value.
    url = make_queue(sqs)
    k = {"k": string("x")}
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="a" * (DEFAULT_MAX_MESSAGE_SIZE - 8 + 1), MessageAttributes=k)
    assert err(e) == sender(IPV, "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    sqs.send_message(QueueUrl=url, MessageBody="a" * 1024)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="a" * (1024 - 8 + 1), MessageAttributes=k)
    assert err(e) == sender(IPV, "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.")


# ------------------------------------------------------------------ batches


def test_send_message_batch(sqs):
    # TestSqsProvider::test_send_message_batch_with_oversized_contents_with_updated_maximum_message_size /
    # send_oversized_message_batch: entry keys, MD5s, and no Failed key when all succeed.
    # validated: test_send_message_batch, test_send_batch_receive_multiple
    url = make_queue(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "2048"})
    out = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "1", "MessageBody": "a" * (2048 - 8), "MessageAttributes": {"k": string("x")}},
            {"Id": "2", "MessageBody": "a"},
        ],
    )
    assert set(out) == {"Successful", "ResponseMetadata"}
    ok = sorted(out["Successful"], key=lambda s: s["Id"])
    assert set(ok[0]) == {"Id", "MD5OfMessageAttributes", "MD5OfMessageBody", "MessageId"}
    assert (ok[0]["Id"], ok[0]["MD5OfMessageAttributes"], ok[0]["MD5OfMessageBody"]) == (
        "1",
        "a45daa70926828a2f0a1db3418e6feb4",
        "f44facf5a7ee0af446ecf3e0f854441e",
    )
    assert set(ok[1]) == {"Id", "MD5OfMessageBody", "MessageId"}
    assert (ok[1]["Id"], ok[1]["MD5OfMessageBody"]) == ("2", "0cc175b9c0f1b6a831c399e269772661")
    got = receive_n(sqs, url, 2, MessageAttributeNames=["All"])
    assert {m["MessageId"] for m in got} == {s["MessageId"] for s in ok}


def test_send_message_batch_partial_failures(sqs):
    # TestSqsProvider::test_send_batch_message_size / send-message-batch-result;
    # validated: test_batch_send_with_invalid_char_should_succeed
    url = make_queue(sqs, MaximumMessageSize="1024")
    out = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a4cff0d1-1961-44bd-ae53-c6d5ed71ed08", "MessageBody": "a" * 1024},
            {"Id": "35b535ed-b76a-4ebd-b749-6eb35cdb55ee", "MessageBody": "a" * 1025},
        ],
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [(s["Id"], s["MD5OfMessageBody"]) for s in out["Successful"]] == [
        ("a4cff0d1-1961-44bd-ae53-c6d5ed71ed08", "c9a34cfc85d982698c6ac89f76071abd")
    ]
    assert out["Failed"] == [
        {
            "Code": "InvalidParameterValue",
            "Id": "35b535ed-b76a-4ebd-b749-6eb35cdb55ee",
            "Message": "One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.",
            "SenderFault": True,
        }
    ]

    url = make_queue(sqs)
    entries = [{"Id": str(i), "MessageBody": str(i)} for i in range(9)] + [{"Id": "9", "MessageBody": "\x01"}]
    out = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in out["Failed"]] == [("9", "InvalidMessageContents", True)]
    assert len(out["Successful"]) == 9
    bodies = {m["Body"] for m in receive_n(sqs, url, 9)}
    assert bodies == {str(i) for i in range(9)}


def test_batch_request_errors(sqs):
    # TestSqsProvider::test_too_many_entries_in_batch_request, test_invalid_batch_id,
    # test_send_message_batch_with_oversized_contents / send_oversized_message_batch;
    # validated: test_send_message_batch_with_empty_list (EmptyBatchRequest)
    url = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": f"message-{i}", "MessageBody": f"messageBody-{i}"} for i in range(20)]
        )
    assert err(e) == sender(
        ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest"),
        "Maximum number of entries per request are 10. You have sent 20.",
    )
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "message:abc", "MessageBody": "messageBody-abc"}])
    assert err(e) == sender(("AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId"), INVALID_BATCH_ID)
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": "1", "MessageBody": "a" * (DEFAULT_MAX_MESSAGE_SIZE - 8), "MessageAttributes": {"k": string("x")}},
                {"Id": "2", "MessageBody": "a"},
            ],
        )
    assert err(e) == sender(
        ("AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong"),
        "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
    )
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[])
    assert "EmptyBatchRequest" in err(e)["Code"]
    assert err(e)["Status"] in (400, 404)
    assert counts(sqs, url) == (0, 0, 0)


def test_delete_message_batch(sqs):
    # validated: test_publish_get_delete_message_batch; AWS docs DeleteMessageBatch (Successful: [{Id}])
    url = make_queue(sqs)
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"message-{i}", "MessageBody": f"b{i}"} for i in range(10)])
    assert len(sent["Successful"]) == 10
    got = receive_n(sqs, url, 10)
    assert {m["MessageId"] for m in got} == {s["MessageId"] for s in sent["Successful"]}
    entries = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    out = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(s["Id"] for s in out["Successful"]) == sorted(e["Id"] for e in entries)
    assert all(set(s) == {"Id"} for s in out["Successful"])
    assert not out.get("Failed")
    assert counts(sqs, url) == (0, 0, 0)
    # AWS docs, DeleteMessageBatch: a bad entry fails alone (the call still answers 200), as the sender's fault.
    sqs.send_message(QueueUrl=url, MessageBody="one more")
    handle = receive_n(sqs, url, 1)[0]["ReceiptHandle"]
    out = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "good", "ReceiptHandle": handle}, {"Id": "bad", "ReceiptHandle": "garbage"}]
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [s["Id"] for s in out["Successful"]] == ["good"]
    assert [(f["Id"], f["SenderFault"]) for f in out["Failed"]] == [("bad", True)]
    assert out["Failed"][0]["Code"]
    assert counts(sqs, url) == (0, 0, 0)


@pytest.mark.parametrize("bad_id", ["", "testLongId" * 10, "invalid:id"], ids=["empty", "long", "colon"])
def test_delete_message_batch_invalid_id(sqs, bad_id):
    # TestSqsProvider::test_delete_message_batch_invalid_msg_id[sqs-...] / error_response
    url = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": bad_id, "ReceiptHandle": "testHandle1"}])
    assert err(e) == sender(("AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId"), INVALID_BATCH_ID)


def test_delete_and_change_visibility_batches_of_twenty(sqs):
    # TestSqsProvider::test_delete_message_batch_with_too_large_batch, test_change_message_visibility_batch_with_too_large_batch
    url = make_queue(sqs)
    for _ in range(2):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"message-{i}", "MessageBody": f"b{i}"} for i in range(10)])
    got = receive_n(sqs, url, 20)
    assert len(got) == 20
    too_many = sender(
        ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest"),
        "Maximum number of entries per request are 10. You have sent 20.",
    )
    with pytest.raises(ClientError) as e:
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        )
    assert err(e) == too_many
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 123} for i, m in enumerate(got)],
        )
    assert err(e) == too_many


def test_change_message_visibility_batch(sqs):
    # AWS docs ChangeMessageVisibilityBatch: Successful [{Id}], per-entry Failed; validated
    # test_change_visibility_on_deleted_message_raises_invalid_parameter_value (the entry's code).
    url = make_queue(sqs)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": f"b{i}"} for i in range(3)])
    got = receive_n(sqs, url, 3)
    assert counts(sqs, url)[:2] == (0, 3)
    out = sqs.change_message_visibility_batch(
        QueueUrl=url, Entries=[{"Id": f"c{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(got)]
    )
    assert sorted(s["Id"] for s in out["Successful"]) == ["c0", "c1", "c2"]
    assert not out.get("Failed")
    wait_until(lambda: counts(sqs, url)[:2] == (3, 0), timeout=5, what="the messages to be visible again")
    again = receive_n(sqs, url, 3)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
    out = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "gone", "ReceiptHandle": again[0]["ReceiptHandle"], "VisibilityTimeout": 10},
            {"Id": "here", "ReceiptHandle": again[1]["ReceiptHandle"], "VisibilityTimeout": 10},
        ],
    )
    assert [s["Id"] for s in out["Successful"]] == ["here"]
    # The entry's code is not recorded; that it fails on its own, as the sender's fault, is.
    assert [(f["Id"], f["SenderFault"]) for f in out["Failed"]] == [("gone", True)]
    assert out["Failed"][0]["Code"]


# ------------------------------------------------------------------ delays and purge


def test_delay_seconds(sqs):
    # validated: test_send_delay_and_wait_time; AWS docs, DelaySeconds (queue and message)
    url = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="foobar", DelaySeconds=1)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert len(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"]) == 1

    delayed = make_queue(sqs, DelaySeconds="1")
    started = time.time()
    sqs.send_message(QueueUrl=delayed, MessageBody="late")
    assert "Messages" not in sqs.receive_message(QueueUrl=delayed)
    got = sqs.receive_message(QueueUrl=delayed, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in got] == ["late"]
    assert time.time() - started >= 0.9


def test_fifo_delays(sqs):
    # TestSqsProvider::test_fifo_queue_send_message_with_delay_seconds_fails / send_message;
    # test_fifo_queue_send_message_with_zero_delay_defaults_to_queue_delay / send_message_result,
    # receive_message_initial_result, receive_message_after_delay_result;
    # validated: test_fifo_queue_send_message_with_delay_on_queue_works, test_send_message_with_delay_0_works_for_fifo
    url = make_queue(sqs, fifo=True, ContentBasedDeduplication="true")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="message-1", MessageGroupId="1", DelaySeconds=2)
    assert err(e) == sender(
        IPV, "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
    )
    sent = sqs.send_message(QueueUrl=url, MessageBody="Hello World!", MessageGroupId="test", DelaySeconds=0)
    assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["MD5OfBody"] == sent["MD5OfMessageBody"]

    url = make_queue(sqs, fifo=True, ContentBasedDeduplication="true", DelaySeconds="2")
    sent = sqs.send_message(QueueUrl=url, MessageBody="message-1", MessageGroupId="1", DelaySeconds=0)
    assert set(sent) == {"MD5OfMessageBody", "MessageId", "SequenceNumber", "ResponseMetadata"}
    assert sent["MD5OfMessageBody"] == "3d6b824fd8c1520e9a047d21fee6fb1f"
    for i in (2, 3):
        sqs.send_message(QueueUrl=url, MessageBody=f"message-{i}", MessageGroupId="1")
    assert set(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)) == {"ResponseMetadata"}
    time.sleep(2.2)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
    assert [m["Body"] for m in got] == ["message-1", "message-2", "message-3"]


def test_purge_queue(sqs):
    # validated: test_purge_queue, test_purge_queue_deletes_inflight_messages, test_purge_queue_deletes_delayed_messages;
    # TestSqsProvider::test_successive_purge_calls_fail / purge_queue_error (403)
    name = unique("q")
    url = make_queue(sqs, name)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"test-0-{i}")
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
    assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"]
    assert set(sqs.purge_queue(QueueUrl=url)) == {"ResponseMetadata"}
    time.sleep(1.2)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    assert err(e) == sender(
        ("AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress"),
        f"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
        status=403,
    )
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"test-1-{i}")
    assert {m["Body"] for m in receive_n(sqs, url, 3)} == {"test-1-0", "test-1-1", "test-1-2"}


def test_purge_clears_fifo_deduplication(sqs):
    # validated: test_purge_queue_clears_fifo_deduplication_cache
    url = make_queue(sqs, fifo=True)
    sqs.send_message(QueueUrl=url, MessageBody="message-1", MessageGroupId="g", MessageDeduplicationId="d")
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="message-2", MessageGroupId="g", MessageDeduplicationId="d")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["message-2"]


# ------------------------------------------------------------------ dead-letter queues


def test_redrive_to_a_dead_letter_queue(sqs):
    # TestSqsProvider::test_dead_letter_queue_message_attributes / dlq-arn, sourcen-arn, rec-pre-dlq, dlq-messages;
    # validated: test_dead_letter_queue_max_receive_count
    dlq_name, src_name = unique("dlq"), unique("src")
    dlq = make_queue(sqs, dlq_name)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert dlq_arn == queue_arn(dlq_name)
    src = make_queue(sqs, src_name, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    attrs = {"MyAttribute": string("foobar")}
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    one = sqs.send_message(
        QueueUrl=src, MessageBody="message-1", MessageAttributes=attrs, MessageSystemAttributes={"AWSTraceHeader": string(trace)}
    )
    two = sqs.send_message(QueueUrl=src, MessageBody="message-2")

    seen = {}
    deadline = time.time() + 15
    while time.time() < deadline and counts(sqs, src)[:2] != (0, 0):
        out = sqs.receive_message(
            QueueUrl=src, VisibilityTimeout=0, AttributeNames=["All"], MessageAttributeNames=["All"], MaxNumberOfMessages=10
        )
        for m in out.get("Messages", []):
            seen.setdefault(m["Body"], []).append(m)
    # Each was received once (count 1) and then moved rather than received again.
    assert {body: len(ms) for body, ms in seen.items()} == {"message-1": 1, "message-2": 1}
    pre = seen["message-1"][0]
    assert set(pre["Attributes"]) == STANDARD_RECEIVE_ALL | {"AWSTraceHeader"}
    assert pre["Attributes"]["ApproximateReceiveCount"] == "1"
    assert pre["MD5OfMessageAttributes"] == "adb59cd4678ea5a855436b949cd07ab6"
    assert set(seen["message-2"][0]["Attributes"]) == STANDARD_RECEIVE_ALL

    moved = receive_n(sqs, dlq, 2, AttributeNames=["All"], MessageAttributeNames=["All"])
    moved.sort(key=lambda m: m["Body"])
    assert [m["Body"] for m in moved] == ["message-1", "message-2"]
    first, second = moved
    assert first["MessageId"] == one["MessageId"] and second["MessageId"] == two["MessageId"]
    assert first["MD5OfBody"] == "3d6b824fd8c1520e9a047d21fee6fb1f"
    assert second["MD5OfBody"] == "95ef155b66299d14edf7ed57c468c13b"
    assert set(first["Attributes"]) == STANDARD_RECEIVE_ALL | {"AWSTraceHeader", "DeadLetterQueueSourceArn"}
    assert set(second["Attributes"]) == STANDARD_RECEIVE_ALL | {"DeadLetterQueueSourceArn"}
    for m in moved:
        # The count goes on from the source queue's.
        assert m["Attributes"]["ApproximateReceiveCount"] == "2"
        assert m["Attributes"]["DeadLetterQueueSourceArn"] == queue_arn(src_name)
    assert first["Attributes"]["AWSTraceHeader"] == trace
    assert first["MessageAttributes"] == attrs
    assert first["MD5OfMessageAttributes"] == "adb59cd4678ea5a855436b949cd07ab6"
    assert "MessageAttributes" not in second


def test_redrive_policy_attribute_and_sources(sqs):
    # validated: test_dead_letter_queue_list_sources (queueUrls, and no NextToken: len(response) == 2),
    # test_get_specific_queue_attribute_response (maxReceiveCount comes back as a number),
    # test_set_empty_redrive_policy, test_dead_letter_queue_config
    dlq_name = unique("dlq")
    dlq = make_queue(sqs, dlq_name)
    policy = json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 10})
    src1 = make_queue(sqs, MessageRetentionPeriod="604800", DelaySeconds="10", RedrivePolicy=policy)
    src2 = make_queue(sqs, RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 50}))
    got = sqs.get_queue_attributes(QueueUrl=src1, AttributeNames=["MessageRetentionPeriod", "RedrivePolicy"])["Attributes"]
    assert set(got) == {"MessageRetentionPeriod", "RedrivePolicy"}
    assert got["MessageRetentionPeriod"] == "604800"
    assert json.loads(got["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 10}
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq)
    assert set(sources) == {"queueUrls", "ResponseMetadata"}
    assert sorted(sources["queueUrls"]) == sorted([src1, src2])
    # An empty RedrivePolicy removes it.
    sqs.set_queue_attributes(QueueUrl=src1, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=src1, AttributeNames=["All"])["Attributes"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src2]
    sqs.set_queue_attributes(QueueUrl=dlq_name, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]


def test_fifo_dead_letter_queue(sqs):
    # validated: test_dead_letter_queue_with_fifo_and_content_based_deduplication
    dlq = make_queue(sqs, fifo=True, ContentBasedDeduplication="true", MessageRetentionPeriod="1209600")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = make_queue(
        sqs,
        fifo=True,
        ContentBasedDeduplication="true",
        VisibilityTimeout="60",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    first = sqs.send_message(QueueUrl=src, MessageBody="foobar", MessageGroupId="1")
    for _ in range(3):
        sqs.receive_message(QueueUrl=src, WaitTimeSeconds=1, VisibilityTimeout=0)
    got = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=10)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in got] == [(first["MessageId"], "foobar")]
    # The group keeps working.
    second = sqs.send_message(QueueUrl=src, MessageBody="foobar2", MessageGroupId="1")
    again = sqs.receive_message(QueueUrl=src, WaitTimeSeconds=1)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in again] == [(second["MessageId"], "foobar2")]


# ------------------------------------------------------------------ FIFO


def test_fifo_send_requires_group_and_deduplication(sqs):
    # TestSqsProvider::test_posting_to_fifo_requires_deduplicationid_group_id / invalid-parameter-value, missing-parameter;
    # test_send_batch_missing_deduplication_id_for_fifo_queue, test_send_batch_missing_message_group_id_for_fifo_queue
    url = make_queue(sqs, fifo=True)
    no_dedup = "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="test", MessageGroupId="g")
    assert err(e) == sender(IPV, no_dedup)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="test", MessageDeduplicationId="d")
    assert err(e) == sender(MISSING, "The request must contain the parameter MessageGroupId.")
    # In a batch the whole request fails, and a missing group is InvalidParameterValue.
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": "m1", "MessageBody": "b", "MessageGroupId": "test-group", "MessageDeduplicationId": "d1"},
                {"Id": "m2", "MessageBody": "b", "MessageGroupId": "test-group"},
            ],
        )
    assert err(e) == sender(IPV, no_dedup)
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": "m1", "MessageBody": "b", "MessageGroupId": "test-group", "MessageDeduplicationId": "d1"},
                {"Id": "m2", "MessageBody": "b", "MessageDeduplicationId": "d2"},
            ],
        )
    assert err(e) == sender(IPV, "The request must contain the parameter MessageGroupId.")
    assert counts(sqs, url) == (0, 0, 0)


@pytest.mark.parametrize("dedup_id", ["", "a" * 129, "group 123"], ids=["empty", "too_long", "spaces"])
def test_fifo_invalid_deduplication_id(sqs, dedup_id):
    # TestSqsProvider::test_message_deduplication_id_invalid[empty|too_long|spaces]; test_message_deduplication_id_success
    url = make_queue(sqs, fifo=True)
    sqs.send_message(QueueUrl=url, MessageBody="Hello World!", MessageGroupId="test", MessageDeduplicationId="a" * 128)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="Hello World!", MessageGroupId="test", MessageDeduplicationId=dedup_id)
    assert err(e) == sender(
        IPV,
        f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only "
        "include alphanumeric and punctuation characters. 1 to 128 in length.",
    )


def test_fifo_sequence_numbers_and_attributes(sqs):
    # TestSqsProvider::test_fifo_message_attributes / send_message, receive_message_0, receive_message_1;
    # validated: test_sequence_number, test_fifo_sequence_number_increases
    url = make_queue(
        sqs,
        fifo=True,
        ContentBasedDeduplication="true",
        VisibilityTimeout="0",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )
    sent = sqs.send_message(QueueUrl=url, MessageBody="message-body-1", MessageGroupId="group-1", MessageDeduplicationId="dedup-1")
    assert set(sent) == {"MD5OfMessageBody", "MessageId", "SequenceNumber", "ResponseMetadata"}
    assert sent["MD5OfMessageBody"] == "19c9e282d65f9733bc6b35d50062c7ee"
    assert sent["SequenceNumber"].isdigit()
    for count in ("1", "2"):
        message = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=10)["Messages"][0]
        attrs = message["Attributes"]
        assert set(attrs) == FIFO_RECEIVE_ALL
        assert attrs["ApproximateReceiveCount"] == count
        assert (attrs["MessageDeduplicationId"], attrs["MessageGroupId"], attrs["SequenceNumber"]) == (
            "dedup-1",
            "group-1",
            sent["SequenceNumber"],
        )
        assert message["MessageId"] == sent["MessageId"]

    fifo = make_queue(sqs, fifo=True)
    numbers = [
        int(sqs.send_message(QueueUrl=fifo, MessageBody=f"m{i}", MessageGroupId="group", MessageDeduplicationId=f"m{i}")["SequenceNumber"])
        for i in range(3)
    ]
    assert numbers == sorted(set(numbers))
    standard = make_queue(sqs)
    assert "SequenceNumber" not in sqs.send_message(QueueUrl=standard, MessageBody="x")


def test_fifo_order_and_one_group_in_flight(sqs):
    # validated: test_fifo_receive_message_group_id_ordering, test_fifo_receive_message_visibility_timeout_shared_in_group,
    # test_fifo_messages_in_order_after_timeout; TestSqsProvider::test_fifo_empty_message_groups_added_back_to_queue
    url = make_queue(sqs, fifo=True, ContentBasedDeduplication="true")
    for body, group in [("g1-m1", "group-1"), ("g2-m1", "group-2"), ("g1-m2", "group-1"), ("g1-m3", "group-1")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["g1-m1", "g1-m2", "g1-m3", "g2-m1"]

    url = make_queue(sqs, fifo=True, ContentBasedDeduplication="true", VisibilityTimeout="1")
    for body, group in [("g1-m1", "1"), ("g1-m2", "1"), ("g1-m3", "1"), ("g2-m1", "2")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert [m["Body"] for m in first] == ["g1-m1", "g1-m2"]
    # Group 1 has messages in flight: nothing more of it until they're gone.
    nxt = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in nxt] == ["g2-m1"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    # After the timeout, group 1 comes back in order from its first message.
    time.sleep(1.5)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in again if m["Body"].startswith("g1")] == ["g1-m1", "g1-m2", "g1-m3"]
    # Deleting the group's messages frees it for new ones.
    for m in again:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    sqs.send_message(QueueUrl=url, MessageBody="g1-m4", MessageGroupId="1")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got if m["Body"].startswith("g1")] == ["g1-m4"]


def test_fifo_group_blocked_while_a_message_is_in_flight(sqs):
    # validated: test_fifo_message_group_visibility (a new message doesn't unblock the group, the delete does)
    url = make_queue(sqs, fifo=True, ContentBasedDeduplication="true", VisibilityTimeout="60")
    sqs.send_message(QueueUrl=url, MessageBody="message-1", MessageGroupId="1")
    first = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]
    sqs.send_message(QueueUrl=url, MessageBody="message-2", MessageGroupId="1")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
    assert [m["Body"] for m in got] == ["message-2"]


@pytest.mark.parametrize("position", [0, 1, 2], ids=["0-visible", "1-visible", "2-visible"])
def test_fifo_extended_visibility_holds_back_the_rest_of_the_group(sqs, position):
    # TestSqsProvider::test_fifo_group_visibility_extends_with_change_message_visibility[sqs-N-visible] /
    # receive_all_messages, some-messages-invisible: the extended message and those after it stay hidden.
    url = make_queue(sqs, fifo=True, VisibilityTimeout="1")
    for body in ("foo", "bar", "baz"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="1", MessageDeduplicationId=body)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5)["Messages"]
    assert [(m["Body"], m["MD5OfBody"]) for m in got] == [
        ("foo", "acbd18db4cc2f85cedef654fccc4a4d8"),
        ("bar", "37b51d194a7513e45b56f6524f2d51f2"),
        ("baz", "73feffa4b7f6bb68e44cf984c85f6e88"),
    ]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[position]["ReceiptHandle"], VisibilityTimeout=4)
    time.sleep(1 + 1.5)
    later = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", [])
    assert [m["Body"] for m in later] == ["foo", "bar", "baz"][:position]


def test_fifo_deduplication(sqs):
    # TestSqsProvider::test_fifo_deduplication_arrives_once_after_delete[sqs-True|False],
    # test_fifo_deduplication_not_on_message_group_id[sqs-True|False];
    # validated: test_fifo_content_based_message_deduplication_arrives_once
    item = '{"foo": "bar"}'
    for content_based in (True, False):
        extra = {"ContentBasedDeduplication": "true"} if content_based else {}
        kw = {} if content_based else {"MessageDeduplicationId": "dedup1"}
        url = make_queue(sqs, fifo=True, **extra)
        sqs.send_message(QueueUrl=url, MessageBody=item, MessageGroupId="group-1", **kw)
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"]
        assert [(m["Body"], m["MD5OfBody"]) for m in got] == [(item, "94232c5b8fc9272f6f73a1e36eb68fcf")]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        # Sent again after the delete: still a duplicate, accepted and dropped.
        again = sqs.send_message(QueueUrl=url, MessageBody=item, MessageGroupId="group-1", **kw)
        assert again["MessageId"]
        assert set(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)) == {"ResponseMetadata"}

        # Deduplication is across the queue's groups.
        url = make_queue(sqs, fifo=True, **extra)
        sqs.send_message(QueueUrl=url, MessageBody=item, MessageGroupId="group-1", **kw)
        sqs.send_message(QueueUrl=url, MessageBody=item, MessageGroupId="group-2", **kw)
        assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=2)["Messages"]) == 1
        assert set(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)) == {"ResponseMetadata"}


def test_fifo_deduplication_scope_message_group(sqs):
    # TestSqsProvider::test_fifo_high_throughput_ordering / same-dedup-different-grp-1, -2;
    # test_sqs_fifo_same_dedup_id_different_message_groups / same-dedup-different-grp-1, -2;
    # test_sqs_fifo_message_group_scope_no_throughput_setting / same-dedup-different-grp-1, -2
    def second_group_receives(attributes, first_body, second_body, **kw):
        url = make_queue(sqs, fifo=True, **attributes)
        sqs.send_message(QueueUrl=url, MessageBody=first_body, MessageGroupId="group1", **kw)
        first = sqs.receive_message(QueueUrl=url)["Messages"]
        assert [m["Body"] for m in first] == [first_body]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
        sqs.send_message(QueueUrl=url, MessageBody=second_body, MessageGroupId="group2", **kw)
        return [(m["Body"], m["MD5OfBody"]) for m in sqs.receive_message(QueueUrl=url).get("Messages", [])]

    high = {"ContentBasedDeduplication": "False", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    assert second_group_receives(high, "Test1", "Test2", MessageDeduplicationId="same-dedup") == [
        ("Test2", "c454552d52d55d3ef56408742887362b")
    ]
    queue_scope = {"ContentBasedDeduplication": "False"}
    assert second_group_receives(queue_scope, "Test", "Test", MessageDeduplicationId="same-dedup") == []
    group_scope = {"ContentBasedDeduplication": "True", "DeduplicationScope": "messageGroup"}
    assert second_group_receives(group_scope, "Test", "Test") == [("Test", "0cbc6611f5540bd0809a388dc95a615b")]


# ------------------------------------------------------------------ the query protocol


def test_query_send_and_receive(server, sqs):
    # AWS docs, "Making query API requests" (form POST with Action and Version, XML back);
    # validated TestSqsQueryApi::test_get_send_and_receive_messages
    url = make_queue(sqs)
    sent = query(server, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": "from query"})
    assert sent.status == 200, sent.text
    root = sent.xml()
    assert root.tag == "SendMessageResponse"
    assert sent.namespace() == "http://queue.amazonaws.com/doc/2012-11-05/"
    result = root.find("SendMessageResult")
    assert result.findtext("MD5OfMessageBody") == md5("from query")
    message_id = result.findtext("MessageId")
    uuid.UUID(message_id)
    assert root.find("ResponseMetadata").findtext("RequestId")
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert (got["MessageId"], got["Body"]) == (message_id, "from query")

    # Attributes in the query form: MessageAttribute.N.Name / .Value.DataType / .Value.StringValue.
    sent = query(
        server,
        {
            "Action": "SendMessage",
            "QueueUrl": url,
            "MessageBody": "test",
            "MessageAttribute.1.Name": "k",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "x",
        },
    )
    assert sent.xml().find("SendMessageResult").findtext("MD5OfMessageAttributes") == "a45daa70926828a2f0a1db3418e6feb4"

    received = query(
        server,
        {"Action": "ReceiveMessage", "QueueUrl": url, "AttributeName.1": "All", "MessageAttributeName.1": "All"},
    )
    assert received.status == 200, received.text
    messages = received.xml().find("ReceiveMessageResult").findall("Message")
    assert len(messages) == 1
    m = messages[0]
    assert m.findtext("Body") == "test"
    assert m.findtext("MD5OfBody") == "098f6bcd4621d373cade4e832627b4f6"
    assert m.findtext("MD5OfMessageAttributes") == "a45daa70926828a2f0a1db3418e6feb4"
    assert m.findtext("ReceiptHandle")
    system = {a.findtext("Name"): a.findtext("Value") for a in m.findall("Attribute")}
    assert set(system) == STANDARD_RECEIVE_ALL
    user = {a.findtext("Name"): (a.find("Value").findtext("DataType"), a.find("Value").findtext("StringValue")) for a in m.findall("MessageAttribute")}
    assert user == {"k": ("String", "x")}
    deleted = query(server, {"Action": "DeleteMessage", "QueueUrl": url, "ReceiptHandle": m.findtext("ReceiptHandle")})
    assert deleted.status == 200 and deleted.xml().tag == "DeleteMessageResponse"
    # An empty receive is an empty result element.
    empty = query(server, {"Action": "ReceiveMessage", "QueueUrl": url})
    result = empty.xml().find("ReceiveMessageResult")
    assert result is not None and len(result) == 0


def test_query_system_attribute_names(server, sqs):
    # TestSqsProvider::test_message_system_attribute_names_with_attribute_names[sqs_query] / same_values,
    # different_values: through the query protocol AttributeName.N=SenderId with MessageSystemAttributeName.N=All
    # answers SenderId alone (the JSON protocol answers all four, see test_receive_system_attributes).
    url = make_queue(sqs, VisibilityTimeout="0")
    sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes={"Foo": string("Bar")})

    def names(params):
        out = query(server, dict({"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "5"}, **params))
        assert out.status == 200, out.text
        (message,) = out.xml().find("ReceiveMessageResult").findall("Message")
        assert message.findtext("Body") == "msg"
        assert message.find("MessageAttribute") is None
        return {a.findtext("Name") for a in message.findall("Attribute")}

    assert names({"MessageSystemAttributeName.1": "All", "AttributeName.1": "All"}) == STANDARD_RECEIVE_ALL
    assert names({"MessageSystemAttributeName.1": "All", "AttributeName.1": "SenderId"}) == {"SenderId"}


def test_query_against_the_queue_url(server, sqs):
    # Older SDKs post to the queue URL itself, without QueueUrl; validated TestSqsQueryApi::
    # test_get_send_and_receive_messages, test_get_queue_attributes_all, test_get_queue_attributes_with_query_args,
    # test_overwrite_queue_url_in_params, test_get_delete_queue (GET with the signed query in the URL).
    name = unique("q")
    url = make_queue(sqs, name)
    path = f"/{ACCOUNT}/{name}"
    posted = query(server, {"Action": "SendMessage", "MessageBody": "foobar"}, path=path)
    assert posted.status == 200, posted.text
    got = query(server, {"Action": "ReceiveMessage"}, path=path, method="GET", version=False)
    assert got.status == 200, got.text
    assert "<Body>foobar</Body>" in got.text and "<MD5OfBody>" in got.text

    attrs = query(server, {"Action": "GetQueueAttributes", "AttributeName.1": "All"}, path=path, method="GET", version=False)
    assert attrs.status == 200
    assert "<GetQueueAttributesResponse" in attrs.text
    assert "<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>" in attrs.text
    assert f"<Attribute><Name>QueueArn</Name><Value>{queue_arn(name)}</Value></Attribute>" in attrs.text
    one = query(server, {"Action": "GetQueueAttributes", "AttributeName.1": "QueueArn"}, path=path, method="GET", version=False)
    values = {a.findtext("Name"): a.findtext("Value") for a in one.xml().find("GetQueueAttributesResult").findall("Attribute")}
    assert values == {"QueueArn": queue_arn(name)}

    # A QueueUrl parameter wins over the path.
    other_name = unique("q")
    other = make_queue(sqs, other_name)
    over = query(server, {"Action": "GetQueueAttributes", "QueueUrl": other, "AttributeName.1": "QueueArn"}, path=path)
    assert queue_arn(other_name) in over.text and queue_arn(name) not in over.text

    deleted = query(server, {"Action": "DeleteQueue"}, path=path, method="GET", version=False)
    assert deleted.status == 200 and "<DeleteQueueResponse" in deleted.text
    wait_until(lambda: url not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []), timeout=5, what="the delete")


def test_query_create_queue_and_get_queue_url(server, sqs):
    # AWS docs, CreateQueue query form (Attribute.N.Name/Value, Tag.N.Key/Value); validated
    # TestSqsQueryApi::test_get_queue_url_works_for_same_queue, test_get_queue_url_work_for_different_queue
    name = unique("q")
    created = query(
        server,
        {
            "Action": "CreateQueue",
            "QueueName": name,
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "40",
            "Tag.1.Key": "team",
            "Tag.1.Value": "a",
        },
    )
    assert created.status == 200, created.text
    assert created.xml().find("CreateQueueResult").findtext("QueueUrl") == queue_url(server, name)
    assert sqs.get_queue_attributes(QueueUrl=queue_url(server, name), AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "40"
    }
    assert sqs.list_queue_tags(QueueUrl=queue_url(server, name))["Tags"] == {"team": "a"}
    got = query(server, {"Action": "GetQueueUrl", "QueueName": name, "QueueOwnerAWSAccountId": ACCOUNT})
    assert got.status == 200
    assert f"<QueueUrl>{queue_url(server, name)}</QueueUrl>" in got.text
    # Sent to another queue's URL, GetQueueUrl still answers for the queue named.
    other = make_queue(sqs)
    via_other = query(server, {"Action": "GetQueueUrl", "QueueName": name}, path=f"/{ACCOUNT}/{name_of(other)}")
    assert f"<QueueUrl>{queue_url(server, name)}</QueueUrl>" in via_other.text


def test_query_list_queues(server, sqs):
    # validated TestSqsProvider::test_get_list_queues_with_query_auth: XML by default, JSON on Accept: application/json
    prefix = unique("lq")
    urls = [make_queue(sqs, f"{prefix}-{i}") for i in range(2)]
    listed = query(server, {"Action": "ListQueues", "QueueNamePrefix": prefix})
    assert listed.status == 200
    root = listed.xml()
    assert root.tag == "ListQueuesResponse"
    assert [u.text for u in root.find("ListQueuesResult").findall("QueueUrl")] == urls
    xml_get = query(server, {"Action": "ListQueues"}, method="GET")
    assert xml_get.status == 200 and b"<ListQueuesResponse" in xml_get.body
    # Answering the query protocol in JSON on Accept: application/json is
    # not done (docs/compatibility.md).


def test_query_errors(server, sqs):
    # TestSqsProvider::test_non_existent_queue / queue-does-not-exist-query ("... for this wsdl version.", Detail present);
    # test_send_receive_max_number_of_messages[sqs_query]; test_send_empty_message[sqs_query];
    # test_posting_to_fifo_requires_deduplicationid_group_id[sqs_query]: no "Exception" suffix in query codes.
    # validated TestSqsQueryApi: test_invalid_action_raises_exception, test_valid_action_with_missing_parameter_raises_exception,
    # test_get_queue_attributes_with_invalid_arg_returns_error, test_get_on_deleted_queue_fails,
    # test_get_create_queue_fails, test_get_list_queues_fails, test_get_without_query_returns_unknown_operation
    name = unique("q")
    url = make_queue(sqs, name)
    path = f"/{ACCOUNT}/{name}"

    gone = query(server, {"Action": "GetQueueAttributes", "QueueUrl": f"{server.endpoint}/{ACCOUNT}/{unique('absent')}"})
    assert gone.error() == {"Type": "Sender", "Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": NONEXISTENT_QUERY, "Status": 400}
    assert gone.xml().find("Error").find("Detail") is not None
    assert gone.xml().findtext("RequestId")

    too_many = query(server, {"Action": "ReceiveMessage", "QueueUrl": url, "MaxNumberOfMessages": "11"})
    assert too_many.error() == {
        "Type": "Sender",
        "Code": "InvalidParameterValue",
        "Message": "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
        "Status": 400,
    }
    empty_body = query(server, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": ""})
    assert empty_body.error() == {
        "Type": "Sender",
        "Code": "MissingParameter",
        "Message": "The request must contain the parameter MessageBody.",
        "Status": 400,
    }
    missing = query(server, {"Action": "SendMessage"}, path=path, method="GET", version=False)
    assert missing.error() == {
        "Type": "Sender",
        "Code": "MissingParameter",
        "Message": "The request must contain the parameter MessageBody.",
        "Status": 400,
    }
    invalid = query(server, {"Action": "FooBar"}, path=path, method="GET")
    assert invalid.error() == {
        "Type": "Sender",
        "Code": "InvalidAction",
        "Message": "The action FooBar is not valid for this endpoint.",
        "Status": 400,
    }
    bad_attr = query(server, {"Action": "GetQueueAttributes", "AttributeName.1": "Foobar"}, path=path, method="GET", version=False)
    assert bad_attr.error() == {
        "Type": "Sender",
        "Code": "InvalidAttributeName",
        "Message": "Unknown Attribute Foobar.",
        "Status": 400,
    }
    for action in ("CreateQueue", "ListQueues"):
        params = {"Action": action, "QueueName": unique("q")} if action == "CreateQueue" else {"Action": action}
        wrong = query(server, params, path=path, method="GET", version=False)
        assert wrong.error()["Code"] == "InvalidAction"
        assert wrong.error()["Message"].startswith(f"The action {action} is not valid for this endpoint")
        assert wrong.status == 400

    fifo = make_queue(sqs, fifo=True)
    no_group = query(server, {"Action": "SendMessage", "QueueUrl": fifo, "MessageBody": "b", "MessageDeduplicationId": "d"})
    assert (no_group.error()["Code"], no_group.error()["Message"]) == (
        "MissingParameter",
        "The request must contain the parameter MessageGroupId.",
    )

    # A bare GET of a queue URL is answered by the Lambda API's
    # UnknownOperationException (JSON, not AWS's XML; docs/compatibility.md).
    bare = query(server, {}, path=path, method="GET", version=False)
    assert bare.status == 404


def test_json_protocol_posted_to_the_queue_url(server, sqs):
    # TestSqsQueryApi::test_send_message_via_queue_url_with_json_protocol / receive-json-on-queue-url
    # (what the PHP SDK does: JSON requests to the queue URL's path).
    url = make_queue(sqs)
    on_url = boto3.client(
        "sqs",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    out = on_url.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert out["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.0"
    assert "Messages" not in out
    on_url.send_message(QueueUrl=url, MessageBody="via path")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "via path"


# ------------------------------------------------------------------ the aws CLI


def test_aws_cli(server):
    # AWS CLI (which speaks the JSON protocol through botocore); errors print the query code.
    name = unique("cli")
    created = json.loads(server.aws("sqs", "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=5").stdout)
    assert created == {"QueueUrl": queue_url(server, name)}
    sent = json.loads(server.aws("sqs", "send-message", "--queue-url", created["QueueUrl"], "--message-body", "hello").stdout)
    assert sent["MD5OfMessageBody"] == md5("hello")
    got = json.loads(
        server.aws("sqs", "receive-message", "--queue-url", created["QueueUrl"], "--attribute-names", "All").stdout
    )
    assert [m["Body"] for m in got["Messages"]] == ["hello"]
    assert got["Messages"][0]["MessageId"] == sent["MessageId"]
    attrs = json.loads(
        server.aws("sqs", "get-queue-attributes", "--queue-url", created["QueueUrl"], "--attribute-names", "VisibilityTimeout").stdout
    )
    assert attrs == {"Attributes": {"VisibilityTimeout": "5"}}
    missing = server.aws("sqs", "get-queue-url", "--queue-name", unique("absent"), check=False)
    assert missing.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in missing.stderr
    assert NONEXISTENT in missing.stderr
    server.aws("sqs", "delete-queue", "--queue-url", created["QueueUrl"])
    listed = server.aws("sqs", "list-queues", "--queue-name-prefix", name).stdout
    assert name not in listed

"""lambdalite's S3 against answers recorded on real AWS, through boto3 and the aws CLI.

Every code, message, extra error field, header and literal (ETag, checksum)
asserted here comes from docs/s3-recorded.md, the digest of LocalStack's
AWS-validated parity snapshots (tests/aws/services/s3/test_s3.snapshot.json,
test_s3_api, test_s3_list_operations, test_s3_preconditions). Comments cite
them as `Class::test / snapshot-key` (the class is left out for `TestS3`).
Account 111111111111 of the recordings is 000000000000 here, the region
us-east-1. Values the recordings mask (owner ids, upload ids, dates, request
ids, continuation tokens) are only checked for presence.

The client is path-style (the endpoint is an IP address). boto3 adds a CRC32
checksum to every PutObject/UploadPart and `x-amz-checksum-mode: ENABLED` to
every GetObject by itself (digest section 0), which is why those fields show up
without being asked for. CRC32C and CRC64NVME are computed in pure Python below
(no awscrt/crc32c in the venv).
"""

import base64
import datetime
import gzip
import hashlib
import http.client
import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
import zlib

import boto3
import botocore.config
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import OWN_KEY

REGION = "us-east-1"
MiB = 1024 * 1024
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

# Messages (digest section 1, the table of errors).
NO_SUCH_BUCKET = "The specified bucket does not exist"
NO_SUCH_KEY = "The specified key does not exist."
PRECONDITION = "At least one of the pre-conditions you specified did not hold"
NOT_IMPLEMENTED = "A header you provided implies functionality that is not implemented"
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, "
    "or the upload may have been aborted or completed."
)
INVALID_PART = (
    "One or more of the specified parts could not be found.  The part may not have been uploaded, "
    "or the specified entity tag may not match the part's entity tag."
)
ALREADY_OWNED = "Your previous request to create the named bucket succeeded and you already own it."
INVALID_RANGE = "The requested range is not satisfiable"
COPY_RANGE_FORM = (
    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last "
    "are the zero-based offsets of the first and last bytes to copy"
)
ILLEGAL_COPY = (
    "This copy request is illegal because it is trying to copy an object to itself without changing "
    "the object's metadata, storage class, website redirect location or encryption attributes."
)
MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


# ---------------------------------------------------------------- checksums

def _table(poly):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _table(0x82F63B78)  # Castagnoli, reflected
_CRC64NVME = _table(0x9A6C9329AC4BC9B5)  # CRC-64/NVME (0xad93d23594c93659), reflected
_M32 = 0xFFFFFFFF
_M64 = (1 << 64) - 1


def crc32c(data):
    crc = _M32
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ _M32


def crc64nvme(data):
    crc = _M64
    for b in data:
        crc = _CRC64NVME[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ _M64


def b64(raw):
    return base64.b64encode(raw).decode()


def checksum(algo, data):
    """The base64 value S3 uses for `x-amz-checksum-<algo>`."""
    if algo == "CRC32":
        return b64(zlib.crc32(data).to_bytes(4, "big"))
    if algo == "CRC32C":
        return b64(crc32c(data).to_bytes(4, "big"))
    if algo == "CRC64NVME":
        return b64(crc64nvme(data).to_bytes(8, "big"))
    if algo == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if algo == "SHA256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(algo)


def etag(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


def multipart_etag(parts):
    """`"` + hex MD5 of the concatenated binary MD5s of the parts + `-N"` (digest section 5)."""
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return '"%s-%d"' % (hashlib.md5(digests).hexdigest(), len(parts))


def composite_crc32(parts):
    """base64(CRC32(concatenation of the parts' binary CRC32s)) + `-N` (digest section 5)."""
    joined = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    return "%s-%d" % (b64(zlib.crc32(joined).to_bytes(4, "big")), len(parts))


def test_pure_python_checksums_match_the_recorded_values():
    # TestS3PutObjectChecksum::test_put_object_checksum[*] / put-object-generated
    assert checksum("CRC32", b"test data..") == "cZWHwQ=="
    assert checksum("CRC32C", b"test data..") == "Pf4upw=="
    assert checksum("CRC64NVME", b"test data..") == "qUVrWYOrIAM="
    assert checksum("SHA1", b"test data..") == "B++3uSfJMSHWToQMQ1g6lIJY5Eo="
    assert checksum("SHA256", b"test data..") == "2l26x0trnT0r2AvakoFk2MB7eKVKzYESLMxSAKAzoik="
    # TestS3PresignedUrl::test_put_object / get_object
    assert checksum("CRC64NVME", b"something") == "1BGd19PD4OU="


# ---------------------------------------------------------------- helpers

def s3_client(server, region=REGION, key=("test", "test"), endpoint=None, **config):
    cfg = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1}, "read_timeout": 120}
    cfg.update(config)
    return boto3.client(
        "s3",
        endpoint_url=endpoint or server.endpoint,
        region_name=region,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=botocore.config.Config(**cfg),
    )


def new_name(prefix="b"):
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


@pytest.fixture(scope="module")
def s3(server):
    return s3_client(server)


@pytest.fixture(scope="module")
def s3_loose(server):
    """A client without boto3's parameter validation (to send None, '' or bad values)."""
    return s3_client(server, parameter_validation=False)


@pytest.fixture
def bucket(s3):
    name = new_name()
    s3.create_bucket(Bucket=name)
    return name


def fails(call, **kw):
    """(status, Error) of a call that must fail; botocore moves RequestId/HostId out of Error."""
    with pytest.raises(ClientError) as e:
        call(**kw)
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def headers(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def fields(resp):
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def checksum_fields(resp):
    return {k: v for k, v in resp.items() if k.startswith("Checksum")}


def raw(server, method, path, body=b"", hdrs=None, host=None):
    """One request with http.client: (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        h = dict(hdrs or {})
        if host:
            h["Host"] = host
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def signed(server, method, path, body=b"", hdrs=None, key=("test", "test"), region=REGION):
    """A request signed by botocore's SigV4Auth for service s3; headers set before signing
    (x-amz-content-sha256 included) are signed as they are."""
    req = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=dict(hdrs or {}))
    SigV4Auth(Credentials(*key), "s3", region).add_auth(req)
    return dict(req.headers.items())


def url_open(url, method="GET", data=None, hdrs=None):
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def xml_error(body):
    """(root tag, {child: text}) of an S3 XML error body."""
    root = ET.fromstring(body)
    return root.tag, {c.tag: (c.text or "") for c in root}


def put_keys(s3, bucket, keys, body=b"content 123"):
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=body)


def keys_of(resp):
    return [c["Key"] for c in resp.get("Contents", [])]


# ================================================================ buckets

def test_create_bucket_in_us_east_1_answers_location_and_arn(s3):
    name = new_name()
    r = s3.create_bucket(Bucket=name)
    # test_create_bucket_head_bucket / create_bucket
    assert status(r) == 200
    assert r["Location"] == f"/{name}"
    assert r["BucketArn"] == f"arn:aws:s3:::{name}"
    assert headers(r)["x-amz-bucket-arn"] == f"arn:aws:s3:::{name}"


def test_create_bucket_with_empty_location_constraint_is_like_none(s3_loose):
    name = new_name()
    # test_different_location_constraint / create-bucket-constraint-us-east-1-with-None
    r = s3_loose.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": None})
    assert status(r) == 200
    assert r["Location"] == f"/{name}"
    assert r["BucketArn"] == f"arn:aws:s3:::{name}"


def test_recreating_own_bucket_in_us_east_1_without_configuration_is_200_and_keeps_tags(s3):
    name = new_name()
    tags = [{"Key": "tag1", "Value": "value1"}]
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"Tags": tags})
    # TestS3BucketObjectTagging::test_create_bucket_with_tags_us_east_1_idempotency / get-bucket-tags
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tags
    # ... / create-bucket-with-no-tags, get-bucket-tags-after-re-create
    r = s3.create_bucket(Bucket=name)
    assert status(r) == 200
    assert (r["Location"], r["BucketArn"]) == (f"/{name}", f"arn:aws:s3:::{name}")
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tags
    # ... / create-bucket-with-empty-tags, get-bucket-tags-after-create-empty
    r = s3.create_bucket(Bucket=name, CreateBucketConfiguration={"Tags": []})
    assert status(r) == 200
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tags


@pytest.mark.parametrize(
    "tags", [[{"Key": "tag2", "Value": "value2"}], [{"Key": "tag1", "Value": "value1"}]], ids=["different", "same"]
)
def test_recreating_own_bucket_with_tags_is_bucket_already_owned_by_you(s3, tags):
    name = new_name()
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"Tags": [{"Key": "tag1", "Value": "value1"}]})
    # ... / create-bucket-different-tags, create-bucket-with-same-tags
    assert fails(s3.create_bucket, Bucket=name, CreateBucketConfiguration={"Tags": tags}) == (
        409,
        {"Code": "BucketAlreadyOwnedByYou", "Message": ALREADY_OWNED, "BucketName": name},
    )


def test_recreating_own_bucket_with_a_location_constraint_is_bucket_already_owned_by_you(s3):
    name = new_name()
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    # test_create_bucket_with_existing_name / create-bucket-us-west-1, create-bucket-us-east-2
    for constraint in ["us-west-1", "us-east-2"]:
        assert fails(
            s3.create_bucket, Bucket=name, CreateBucketConfiguration={"LocationConstraint": constraint}
        ) == (409, {"Code": "BucketAlreadyOwnedByYou", "Message": ALREADY_OWNED, "BucketName": name})


def test_bucket_in_another_region_from_us_east_1_reports_its_region(s3):
    name = new_name()
    r = s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    # test_create_bucket_head_bucket / create_bucket_location_constraint: http://<bucket-name:2>.<host>/
    assert status(r) == 200
    assert r["Location"].startswith(f"http://{name}.") and r["Location"].endswith("/")
    assert r["BucketArn"] == f"arn:aws:s3:::{name}"
    # test_region_header_exists_outside_us_east_1 (asserted there)
    head = s3.head_bucket(Bucket=name)
    assert head["BucketRegion"] == "us-west-2"
    assert headers(head)["x-amz-bucket-region"] == "us-west-2"
    assert headers(s3.list_objects_v2(Bucket=name))["x-amz-bucket-region"] == "us-west-2"
    # test_different_location_constraint / get-bucket-location-bucket-us-east-2 (the region name)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "us-west-2"


@pytest.mark.parametrize("constraint", ["us-east-1", "foo", "aws-global"])
def test_invalid_location_constraint_from_us_east_1(s3, constraint):
    # test_different_location_constraint / create-bucket-constraint-us-east-1,
    # test_create_bucket_with_invalid_location_constraint[us-east-1-*], test_bucket_constraint_aws_global[us-east-1]
    name = new_name()
    assert fails(s3.create_bucket, Bucket=name, CreateBucketConfiguration={"LocationConstraint": constraint}) == (
        400,
        {
            "Code": "InvalidLocationConstraint",
            "Message": "The specified location-constraint is not valid",
            "LocationConstraint": constraint,
        },
    )
    assert fails(s3.head_bucket, Bucket=name)[0] == 404


def illegal(constraint):
    return (
        400,
        {
            "Code": "IllegalLocationConstraintException",
            "Message": f"The {constraint} location constraint is incompatible for the region specific "
            "endpoint this request was sent to.",
        },
    )


def test_location_constraint_must_match_the_signing_region(server):
    east2 = s3_client(server, region="us-east-2", parameter_validation=False)
    west1 = s3_client(server, region="us-west-1")
    # test_different_location_constraint / create-bucket-us-east-2-no-constraint-exc
    assert fails(east2.create_bucket, Bucket=new_name()) == illegal("unspecified")
    # ... / create-bucket-constraint-us-east-2-with-None
    assert fails(
        east2.create_bucket, Bucket=new_name(), CreateBucketConfiguration={"LocationConstraint": None}
    ) == illegal("unspecified")
    # ... / create-bucket-us-east-2-constraint-to-us-west-1
    assert fails(
        east2.create_bucket, Bucket=new_name(), CreateBucketConfiguration={"LocationConstraint": "us-west-1"}
    ) == illegal("us-west-1")
    # ... / create-bucket-us-west-1-constraint-to-us-east-2, ...-to-us-east-1
    for c in ["us-east-2", "us-east-1"]:
        assert fails(
            west1.create_bucket, Bucket=new_name(), CreateBucketConfiguration={"LocationConstraint": c}
        ) == illegal(c)
    # Only a constraint equal to the client's region works.
    name = new_name()
    east2.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    assert east2.get_bucket_location(Bucket=name)["LocationConstraint"] == "us-east-2"


def test_eu_location_constraint_from_eu_west_1_is_reported_as_eu(server):
    eu = s3_client(server, region="eu-west-1")
    name = new_name()
    # test_create_bucket_with_eu_location_constraint
    assert status(eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "EU"})) == 200
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "EU"


def test_uppercase_bucket_name_is_invalid(s3):
    name = "Upper" + new_name()
    # test_s3_uppercase_bucket_name / uppercase-bucket
    assert fails(s3.create_bucket, Bucket=name) == (
        400,
        {"Code": "InvalidBucketName", "Message": "The specified bucket is not valid.", "BucketName": name},
    )


@pytest.mark.parametrize("name", ["ab", "-abc-def", "abc-def-", "192.168.1.1", "a" * 64, "abc_def"])
def test_other_bucket_naming_rules_are_invalid_bucket_name(s3, name):
    # AWS docs (digest section 2): 3-63 chars, lower-case letters, digits, '.', '-',
    # start/end with letter or digit, not an IP address. Only the code is asserted.
    st, err = fails(s3.create_bucket, Bucket=name)
    assert (st, err["Code"]) == (400, "InvalidBucketName")


def test_head_bucket_headers(s3, bucket):
    r = s3.head_bucket(Bucket=bucket)
    # test_create_bucket_head_bucket / head_bucket, head_bucket_filtered_header
    assert status(r) == 200
    assert (r["AccessPointAlias"], r["BucketArn"], r["BucketRegion"]) == (False, f"arn:aws:s3:::{bucket}", REGION)
    h = headers(r)
    assert h["content-type"] == "application/xml"
    assert h["x-amz-access-point-alias"] == "false"
    assert h["x-amz-bucket-arn"] == f"arn:aws:s3:::{bucket}"
    assert h["x-amz-bucket-region"] == REGION
    assert h["x-amz-id-2"] and h["x-amz-request-id"]


def test_head_missing_bucket_is_a_bare_404(s3):
    # test_create_bucket_head_bucket / head_bucket_not_exist
    assert fails(s3.head_bucket, Bucket=new_name()) == (404, {"Code": "404", "Message": "Not Found"})


def test_list_buckets_without_parameters(s3, bucket):
    r = s3.list_buckets()
    # test_delete_bucket_with_content / list-buckets: no BucketRegion, Prefix, ContinuationToken; Owner {ID}
    assert set(fields(r)) == {"Buckets", "Owner"}
    assert set(r["Owner"]) == {"ID"}
    mine = [b for b in r["Buckets"] if b["Name"] == bucket]
    assert len(mine) == 1
    assert set(mine[0]) == {"BucketArn", "CreationDate", "Name"}
    assert mine[0]["BucketArn"] == f"arn:aws:s3:::{bucket}"
    assert all("BucketRegion" not in b for b in r["Buckets"])


@pytest.fixture
def three_buckets(s3):
    prefix = f"lb{uuid.uuid4().hex[:10]}"
    names = [f"{prefix}-{i}" for i in range(3)]
    for n in names:
        s3.create_bucket(Bucket=n)
    return prefix, names


def test_list_buckets_with_prefix_adds_bucket_region_and_echoes_prefix(s3, three_buckets):
    prefix, names = three_buckets
    r = s3.list_buckets(Prefix=prefix)
    # TestS3ListBuckets::test_list_buckets_by_prefix_with_case_sensitivity / list-objects-by-prefix-not-empty
    assert r["Prefix"] == prefix
    assert sorted(b["Name"] for b in r["Buckets"]) == names
    for b in r["Buckets"]:
        assert set(b) == {"BucketArn", "BucketRegion", "CreationDate", "Name"}
        assert b["BucketRegion"] == REGION
    # ... / list-objects-by-prefix-empty: the prefix is case-sensitive
    r = s3.list_buckets(Prefix=prefix.upper())
    assert (r["Buckets"], r["Prefix"], set(r["Owner"])) == ([], prefix.upper(), {"ID"})


def test_list_buckets_max_buckets_pages_with_continuation_token(s3, three_buckets):
    prefix, names = three_buckets
    r = s3.list_buckets(MaxBuckets=1, Prefix=prefix)
    # TestS3ListBuckets::test_list_buckets_with_max_buckets / list-objects-with-max-buckets
    assert len(r["Buckets"]) == 1 and r["ContinuationToken"]
    assert set(r["Buckets"][0]) == {"BucketArn", "BucketRegion", "CreationDate", "Name"}
    seen = [r["Buckets"][0]["Name"]]
    # ... test_list_buckets_with_continuation_token: the token gives the next bucket
    for _ in range(5):
        if "ContinuationToken" not in r:
            break
        r = s3.list_buckets(MaxBuckets=1, Prefix=prefix, ContinuationToken=r["ContinuationToken"])
        seen += [b["Name"] for b in r["Buckets"]]
    assert sorted(seen) == names and len(seen) == 3


def test_list_buckets_empty_continuation_token_is_ignored(s3, three_buckets):
    prefix, _ = three_buckets
    # TestS3ListBuckets::test_list_buckets_when_continuation_token_is_empty
    first = s3.list_buckets(MaxBuckets=1, Prefix=prefix)
    again = s3.list_buckets(MaxBuckets=1, Prefix=prefix, ContinuationToken="")
    assert [b["Name"] for b in again["Buckets"]] == [b["Name"] for b in first["Buckets"]]


def test_list_buckets_rejects_unknown_region(s3):
    # TestS3ListBuckets::test_list_buckets_region_validation / bad-region
    assert fails(s3.list_buckets, BucketRegion="eu-east-1") == (
        400,
        {
            "Code": "InvalidArgument",
            "Message": "Argument value eu-east-1 is not a valid AWS Region",
            "ArgumentName": "bucket-region",
        },
    )


def test_delete_bucket_is_204(s3, bucket):
    # TestS3BucketCRUD::test_delete_bucket_with_objects / delete-bucket
    assert status(s3.delete_bucket(Bucket=bucket)) == 204
    assert fails(s3.head_bucket, Bucket=bucket)[0] == 404


def test_delete_bucket_with_objects_is_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    # TestS3BucketCRUD::test_delete_bucket_with_objects / delete-with-obj
    assert fails(s3.delete_bucket, Bucket=bucket) == (
        409,
        {"Code": "BucketNotEmpty", "Message": "The bucket you tried to delete is not empty", "BucketName": bucket},
    )


def test_delete_missing_bucket_is_no_such_bucket(s3):
    name = new_name()
    # test_delete_bucket_no_such_bucket
    assert fails(s3.delete_bucket, Bucket=name) == (
        404,
        {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": name},
    )


def test_get_bucket_location_of_us_east_1_is_null(s3, bucket):
    # test_different_location_constraint / get-bucket-location-bucket-us-east-1
    r = s3.get_bucket_location(Bucket=bucket)
    assert r["LocationConstraint"] is None


def test_get_bucket_location_raw_xml_is_empty_element(server, bucket):
    st, _, body = raw(server, "GET", f"/{bucket}?location")
    assert st == 200
    root = ET.fromstring(body)
    # <LocationConstraint/> empty (digest section 2, GetBucketLocation)
    assert root.tag.endswith("LocationConstraint") and not (root.text or "").strip()


def test_get_bucket_location_of_missing_bucket(s3):
    name = new_name()
    st, err = fails(s3.get_bucket_location, Bucket=name)
    # test_different_location_constraint / get-bucket-location-non-existent-bucket
    assert (st, err) == (404, {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": name})


# ---------------------------------------------------------------- bucket tagging

def test_bucket_tagging_crud(s3, bucket):
    # TestS3BucketObjectTagging::test_bucket_tagging_crud
    no_tags = (404, {"Code": "NoSuchTagSet", "Message": "The TagSet does not exist", "BucketName": bucket})
    assert fails(s3.get_bucket_tagging, Bucket=bucket) == no_tags  # get-bucket-tags-empty
    tags = [{"Key": "tag1", "Value": "tag1"}, {"Key": "tag2", "Value": ""}]
    assert status(s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})) == 204  # put-bucket-tags
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags  # get-bucket-tags
    tags2 = [{"Key": "tag3", "Value": "tag3"}]
    assert status(s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags2})) == 204
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags2  # get-bucket-tags-overwritten
    assert status(s3.delete_bucket_tagging(Bucket=bucket)) == 204  # delete-bucket-tags
    assert fails(s3.get_bucket_tagging, Bucket=bucket) == no_tags
    assert status(s3.delete_bucket_tagging(Bucket=bucket)) == 204  # idempotent


def test_putting_an_empty_tag_set_deletes_the_tags(s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    # test_bucket_tagging_crud / put-bucket-tags-empty
    assert status(s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": []})) == 204
    assert fails(s3.get_bucket_tagging, Bucket=bucket)[1]["Code"] == "NoSuchTagSet"


def test_bucket_tagging_of_missing_bucket(s3):
    name = new_name()
    want = (404, {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": name})
    # TestS3BucketObjectTagging::test_bucket_tagging_exc
    assert fails(s3.get_bucket_tagging, Bucket=name) == want
    assert fails(s3.put_bucket_tagging, Bucket=name, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}) == want
    assert fails(s3.delete_bucket_tagging, Bucket=name) == want


@pytest.mark.parametrize(
    "tag_set, error",
    [
        (
            [{"Key": "Key1", "Value": "Val1"}, {"Key": "Key1", "Value": "Val1"}],
            {"Code": "InvalidTag", "Message": "Cannot provide multiple Tags with the same key", "TagKey": "Key1"},
        ),
        (
            [{"Key": "Key1,Key2", "Value": "Val1"}],
            {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": "Key1,Key2"},
        ),
        (
            [{"Key": "Key1", "Value": "Val1,Val2"}],
            {
                "Code": "InvalidTag",
                "Message": "The TagValue you have provided is invalid",
                "TagKey": "Key1",
                "TagValue": "Val1,Val2",
            },
        ),
        (
            [{"Key": "aws:prefixed", "Value": "Val1"}],
            {"Code": "InvalidTag", "Message": "System tags cannot be added/updated by requester", "TagKey": "aws:prefixed"},
        ),
        ([{"Key": None, "Value": "Val1"}], {"Code": "MalformedXML", "Message": MALFORMED_XML}),
        ([{"Key": "key1", "Value": None}], {"Code": "MalformedXML", "Message": MALFORMED_XML}),
    ],
    ids=["duplicate-keys", "invalid-key", "invalid-value", "aws-prefixed", "none-key", "none-value"],
)
def test_bucket_tagging_validation(s3_loose, bucket, tag_set, error):
    # TestS3BucketObjectTagging::test_tagging_validation / put-bucket-tags-*
    assert fails(s3_loose.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": tag_set}) == (400, error)
    assert fails(s3_loose.get_bucket_tagging, Bucket=bucket)[1]["Code"] == "NoSuchTagSet"


# ================================================================ objects

def test_put_object_answer(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"abc123")
    # test_put_and_get_object_with_content_language_disposition / put-object-headers
    assert status(r) == 200
    assert fields(r) == {
        "ETag": '"e99a18c428cb38d5f260853678922e03"',
        "ChecksumCRC32": checksum("CRC32", b"abc123"),
        "ChecksumType": "FULL_OBJECT",
        "ServerSideEncryption": "AES256",
    }
    h = headers(r)
    assert h["content-length"] == "0"
    assert "content-type" not in h
    assert h["x-amz-checksum-type"] == "FULL_OBJECT"


def test_put_empty_object(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    # TestS3ObjectWritePrecondition::test_put_object_if_none_match_validation / put-obj
    assert (r["ETag"], r["ChecksumCRC32"]) == ('"d41d8cd98f00b204e9800998ecf8427e"', "AAAAAA==")
    g = s3.get_object(Bucket=bucket, Key="empty")
    assert g["Body"].read() == b"" and g["ContentLength"] == 0


def test_get_object_fields(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc123")
    r = s3.get_object(Bucket=bucket, Key="k")
    body = r.pop("Body").read()
    # test_put_and_get_object_with_utf8_key / get-object
    assert body == b"abc123"
    f = fields(r)
    assert isinstance(f.pop("LastModified"), datetime.datetime)
    assert f == {
        "AcceptRanges": "bytes",
        "ContentLength": 6,
        "ContentType": "binary/octet-stream",
        "ETag": '"e99a18c428cb38d5f260853678922e03"',
        "Metadata": {},
        "ServerSideEncryption": "AES256",
        "ChecksumCRC32": checksum("CRC32", b"abc123"),
        "ChecksumType": "FULL_OBJECT",
    }


def test_get_object_raw_header_names(s3, bucket):
    s3.put_object(
        Bucket=bucket, Key="k", Body=b"abc", CacheControl="no-cache", ContentDisposition="inline", ContentLanguage="en"
    )
    r = s3.get_object(Bucket=bucket, Key="k")
    r["Body"].read()
    # test_put_and_get_object_with_content_language_disposition / get-object-headers (exactly these)
    assert set(headers(r)) == {
        "accept-ranges", "cache-control", "content-disposition", "content-language", "content-length",
        "content-type", "date", "etag", "last-modified", "server", "x-amz-checksum-crc32",
        "x-amz-checksum-type", "x-amz-id-2", "x-amz-request-id", "x-amz-server-side-encryption",
    }


def test_head_object_fields_and_checksum_mode(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"test-checksum")
    r = s3.head_object(Bucket=bucket, Key="k")
    # test_head_object_fields / head-object: no checksum without ChecksumMode
    f = fields(r)
    assert isinstance(f.pop("LastModified"), datetime.datetime)
    assert f == {
        "AcceptRanges": "bytes",
        "ContentLength": 13,
        "ContentType": "binary/octet-stream",
        "ETag": '"f2081dd61dfa700a0fd5e29b9c3cc23d"',
        "Metadata": {},
        "ServerSideEncryption": "AES256",
    }
    # TestS3PutObjectChecksum::test_s3_get_object_checksum[None] / head-object-with-checksum; lower case works too
    for mode in ["ENABLED", "enabled"]:
        r = s3.head_object(Bucket=bucket, Key="k", ChecksumMode=mode)
        assert checksum_fields(r) == {"ChecksumCRC32": "lVk/nw==", "ChecksumType": "FULL_OBJECT"}


def test_head_missing_key_is_a_bare_404(s3, bucket):
    # test_head_object_fields / head-object-404
    assert fails(s3.head_object, Bucket=bucket, Key="nope") == (404, {"Code": "404", "Message": "Not Found"})


def test_get_missing_key_is_no_such_key(s3, bucket):
    want = (404, {"Code": "NoSuchKey", "Message": NO_SUCH_KEY, "Key": "nope"})
    assert fails(s3.get_object, Bucket=bucket, Key="nope") == want
    # test_range_key_not_exists / exc
    assert fails(s3.get_object, Bucket=bucket, Key="nope", Range="bytes=0-1") == want


def test_get_object_in_missing_bucket_is_no_such_bucket(s3):
    name = new_name()
    # test_get_object_no_such_bucket / expected_error
    assert fails(s3.get_object, Bucket=name, Key="k") == (
        404,
        {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": name},
    )


def test_keys_are_case_sensitive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="camelCaseKey", Body=b"x")
    # test_s3_uppercase_key_names / wrong-case-key
    assert fails(s3.get_object, Bucket=bucket, Key="camelcasekey") == (
        404,
        {"Code": "NoSuchKey", "Message": NO_SUCH_KEY, "Key": "camelcasekey"},
    )


def test_slashes_make_different_keys(s3, bucket):
    # test_object_with_slashes_in_key
    for k in ["/foo", "foo", "//foo"]:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    for k in ["/foo", "foo", "//foo"]:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode()
    assert sorted(keys_of(s3.list_objects_v2(Bucket=bucket))) == sorted(["/foo", "foo", "//foo"])


def test_utf8_key(s3, bucket):
    # test_put_and_get_object_with_utf8_key
    s3.put_object(Bucket=bucket, Key="Ā0Ä", Body=b"utf8")
    assert s3.get_object(Bucket=bucket, Key="Ā0Ä")["Body"].read() == b"utf8"
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == ["Ā0Ä"]


def test_stored_system_headers_come_back(s3, bucket):
    s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"x",
        CacheControl="max-age=10",
        ContentDisposition='attachment; filename="foo.jpg"',
        ContentLanguage="en-US",
        ContentType="text/plain; charset=utf-8",
    )
    # test_put_and_get_object_with_content_language_disposition
    for r in [s3.get_object(Bucket=bucket, Key="k"), s3.head_object(Bucket=bucket, Key="k")]:
        assert r["CacheControl"] == "max-age=10"
        assert r["ContentDisposition"] == 'attachment; filename="foo.jpg"'
        assert r["ContentLanguage"] == "en-US"
        assert r["ContentType"] == "text/plain; charset=utf-8"


def test_gzip_content_encoding_is_returned_as_stored(s3, bucket):
    data = gzip.compress(b"hello " * 100)
    s3.put_object(Bucket=bucket, Key="z", Body=data, ContentEncoding="gzip", ChecksumAlgorithm="SHA256")
    # test_s3_upload_download_gzip: body as stored, not decoded; checksum of the stored bytes
    r = s3.get_object(Bucket=bucket, Key="z")
    assert r["ContentEncoding"] == "gzip"
    assert r["Body"].read() == data
    assert r["ChecksumSHA256"] == checksum("SHA256", data)


def test_expires_comes_back_as_datetime_and_string(s3, bucket):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    # test_s3_object_expires (future and past)
    for key, when in [("future", now + datetime.timedelta(days=1)), ("past", now - datetime.timedelta(days=1))]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"foo", Expires=when)
        for r in [s3.head_object(Bucket=bucket, Key=key), s3.get_object(Bucket=bucket, Key=key)]:
            assert r["Expires"] == when
            assert re.match(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$", r["ExpiresString"])


def test_user_metadata_keys_are_lower_cased(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"foo", Metadata={"TEST_META_1": "foo", "__meta_2": "bar"})
    # test_metadata_header_character_decoding / head-object
    r = s3.head_object(Bucket=bucket, Key="k")
    assert r["Metadata"] == {"test_meta_1": "foo", "__meta_2": "bar"}
    assert r["ETag"] == '"acbd18db4cc2f85cedef654fccc4a4d8"'


def test_response_header_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"something")
    r = s3.get_object(
        Bucket=bucket,
        Key="k",
        ResponseCacheControl="max-age=74",
        ResponseContentDisposition='attachment; filename="foo.jpg"',
        ResponseContentEncoding="identity",
        ResponseContentLanguage="de-DE",
        ResponseContentType="image/jpeg",
        ResponseExpires="Wed, 21 Oct 2015 07:28:00 GMT",
    )
    # test_s3_get_object_header_overrides / get-object
    assert r["Body"].read() == b"something"
    assert r["CacheControl"] == "max-age=74"
    assert r["ContentDisposition"] == 'attachment; filename="foo.jpg"'
    assert r["ContentEncoding"] == "identity"
    assert r["ContentLanguage"] == "de-DE"
    assert r["ContentType"] == "image/jpeg"
    assert r["ExpiresString"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert (r["ChecksumCRC32"], r["ETag"]) == ("Cdox+w==", '"437b930db84b8079c2dd804a71936b5f"')


# ---------------------------------------------------------------- ranges

@pytest.fixture(scope="module")
def ten(s3):
    name = new_name("range")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"0123456789")
    return name


# TestS3ObjectCRUD::test_get_object_range (body 0123456789)
@pytest.mark.parametrize(
    "rng, body, content_range, with_checksum",
    [
        ("bytes=0-8", b"012345678", "bytes 0-8/10", False),
        ("bytes=1-1", b"1", "bytes 1-1/10", False),
        ("bytes=0-0", b"0", "bytes 0-0/10", False),
        ("bytes=1-", b"123456789", "bytes 1-9/10", False),
        ("bytes=-2", b"89", "bytes 8-9/10", False),
        ("bytes=-9", b"123456789", "bytes 1-9/10", False),
        ("bytes=-15", b"0123456789", "bytes 0-9/10", True),
        ("bytes=0-100", b"0123456789", "bytes 0-9/10", True),
    ],
)
def test_get_object_range_206(s3, ten, rng, body, content_range, with_checksum):
    r = s3.get_object(Bucket=ten, Key="k", Range=rng, ChecksumMode="ENABLED")
    assert status(r) == 206
    assert r["Body"].read() == body
    assert r["ContentRange"] == content_range
    assert r["ContentLength"] == len(body)
    if with_checksum:
        assert checksum_fields(r) == {"ChecksumCRC32": checksum("CRC32", b"0123456789"), "ChecksumType": "FULL_OBJECT"}
    else:
        assert checksum_fields(r) == {}


@pytest.mark.parametrize("rng", ["bytes=1-0", "bytes=-1-", "bytes=0--1", "bytes=0-1,3-4,7-9", "0-1", "bytes=-"])
def test_get_object_unusable_range_is_ignored(s3, ten, rng):
    r = s3.get_object(Bucket=ten, Key="k", Range=rng)
    # TestS3ObjectCRUD::test_get_object_range: 200, whole body, no ContentRange, checksum
    assert status(r) == 200
    assert r["Body"].read() == b"0123456789"
    assert "ContentRange" not in r
    assert r["ChecksumType"] == "FULL_OBJECT" and "ChecksumCRC32" in r


@pytest.mark.parametrize("rng", ["bytes=-0", "bytes=100-200"])
def test_get_object_unsatisfiable_range_is_416(s3, ten, rng):
    # TestS3ObjectCRUD::test_get_object_range / get--0, get-100-200
    assert fails(s3.get_object, Bucket=ten, Key="k", Range=rng) == (
        416,
        {"Code": "InvalidRange", "Message": INVALID_RANGE, "ActualObjectSize": "10", "RangeRequested": rng},
    )


def test_range_header_body_length(s3, bucket):
    data = os.urandom(2048)
    s3.put_object(Bucket=bucket, Key="k", Body=data)
    r = s3.get_object(Bucket=bucket, Key="k", Range="bytes=1024-2048")
    # test_range_header_body_length
    assert (status(r), r["ContentRange"], r["ContentLength"]) == (206, "bytes 1024-2047/2048", 1024)
    assert r["Body"].read() == data[1024:]


def test_invalid_range_then_put_still_works(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345678")
    # test_invalid_range_error / exc
    assert fails(s3.get_object, Bucket=bucket, Key="k", Range="bytes=1024-4096") == (
        416,
        {"Code": "InvalidRange", "Message": INVALID_RANGE, "ActualObjectSize": "8", "RangeRequested": "bytes=1024-4096"},
    )
    # ... / put-after-failed
    assert status(s3.put_object(Bucket=bucket, Key="k", Body=b"abc")) == 200
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"abc"


# ---------------------------------------------------------------- conditional reads

@pytest.fixture
def data_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="test-object", Body=b"data")
    head = s3.head_object(Bucket=bucket, Key="test-object")
    return bucket, put["ETag"], head["LastModified"]


def precondition(method, condition):
    if method == "head_object":
        return (412, {"Code": "412", "Message": "Precondition Failed"})
    return (412, {"Code": "PreconditionFailed", "Message": PRECONDITION, "Condition": condition})


NOT_MODIFIED = (304, {"Code": "304", "Message": "Not Modified"})
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize("method", ["get_object", "head_object"])
def test_conditional_read_order(s3, data_object, method):
    bucket, tag, lm = data_object
    call = getattr(s3, method)
    kw = {"Bucket": bucket, "Key": "test-object"}
    # test_s3_get_object_preconditions[*] / precondition-if-match: If-Match first
    assert fails(
        call, **kw, IfModifiedSince=lm, IfUnmodifiedSince=lm - DAY, IfMatch="etag123", IfNoneMatch=tag
    ) == precondition(method, "If-Match")
    # ... / precondition-if-unmodified-since
    assert fails(call, **kw, IfModifiedSince=lm, IfUnmodifiedSince=lm - DAY, IfNoneMatch=tag) == precondition(
        method, "If-Unmodified-Since"
    )
    # ... / precondition-if-none-match: 304, no body
    assert fails(call, **kw, IfModifiedSince=lm, IfNoneMatch=tag) == NOT_MODIFIED
    # ... / copy-precondition-if-modified-since; precondition-if-modified-since-is-object (exactly LastModified)
    assert fails(call, **kw, IfModifiedSince=lm) == NOT_MODIFIED


@pytest.mark.parametrize("method", ["get_object", "head_object"])
def test_conditional_reads_that_pass(s3, data_object, method):
    bucket, tag, lm = data_object
    call = getattr(s3, method)
    kw = {"Bucket": bucket, "Key": "test-object"}
    now = datetime.datetime.now(datetime.timezone.utc)
    # ... / obj-ignore-future-modified-since
    assert status(call(**kw, IfModifiedSince=now + DAY)) == 200
    # ... / precondition-if-unmodified-since-is-object
    assert status(call(**kw, IfUnmodifiedSince=lm)) == 200
    # ... / obj-success: all four true, unquoted If-Match
    r = call(**kw, IfMatch=tag.strip('"'), IfNoneMatch="etag123", IfModifiedSince=lm - DAY, IfUnmodifiedSince=now)
    assert status(r) == 200
    # test_s3_get_object_headers: a non-matching If-None-Match is fine
    assert status(call(**kw, IfNoneMatch="etag")) == 200


@pytest.mark.parametrize("method", ["get_object", "head_object"])
def test_conditional_read_etags_with_or_without_quotes(s3, data_object, method):
    bucket, tag, lm = data_object
    call = getattr(s3, method)
    kw = {"Bucket": bucket, "Key": "test-object"}
    # ... / etag-missing-quotes
    assert fails(call, **kw, IfModifiedSince=lm, IfNoneMatch=tag.strip('"')) == NOT_MODIFIED
    assert status(call(**kw, IfMatch=tag)) == 200
    # test_s3_get_object_headers: If-Match "not good etag" -> 412 If-Match
    assert fails(call, **kw, IfMatch='"not good etag"') == precondition(method, "If-Match")


# ---------------------------------------------------------------- conditional writes

def test_put_if_none_match_star(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    # TestS3ObjectWritePrecondition::test_put_object_if_none_match
    assert fails(s3.put_object, Bucket=bucket, Key="k", Body=b"x", IfNoneMatch="*") == (
        412,
        {"Code": "PreconditionFailed", "Message": PRECONDITION, "Condition": "If-None-Match"},
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b""
    s3.delete_object(Bucket=bucket, Key="k")
    assert status(s3.put_object(Bucket=bucket, Key="k", Body=b"x", IfNoneMatch="*")) == 200
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_put_if_none_match_other_value_is_not_implemented(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    # TestS3ObjectWritePrecondition::test_put_object_if_none_match_validation / put-obj-if-none-match-bad-value
    assert fails(s3.put_object, Bucket=bucket, Key="k", Body=b"", IfNoneMatch="abcdef") == (
        501,
        {
            "Code": "NotImplemented",
            "Message": NOT_IMPLEMENTED,
            "Header": "If-None-Match",
            "additionalMessage": "We don't accept the provided value of If-None-Match header for this API",
        },
    )


def test_put_if_match(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="test-precondition", Body=b"test")
    # TestS3ObjectWritePrecondition::test_put_object_if_match / put-obj
    assert put["ETag"] == '"098f6bcd4621d373cade4e832627b4f6"'
    # ... / put-obj-if-match-wrong-etag
    assert fails(s3.put_object, Bucket=bucket, Key="test-precondition", Body=b"", IfMatch='"abcdef"') == (
        412,
        {"Code": "PreconditionFailed", "Message": PRECONDITION, "Condition": "If-Match"},
    )
    # ... / put-obj-overwrite
    r = s3.put_object(Bucket=bucket, Key="test-precondition", Body=b"", IfMatch=put["ETag"])
    assert r["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    s3.delete_object(Bucket=bucket, Key="test-precondition")
    # ... / put-obj-if-match-key-not-exists
    assert fails(s3.put_object, Bucket=bucket, Key="test-precondition", Body=b"", IfMatch=r["ETag"]) == (
        404,
        {"Code": "NoSuchKey", "Message": NO_SUCH_KEY, "Key": "test-precondition"},
    )


def test_put_if_match_validation(s3, bucket):
    key = "test-precondition-validation"
    # TestS3ObjectWritePrecondition::test_put_object_if_match_validation / put-obj-if-match-star-value
    assert fails(s3.put_object, Bucket=bucket, Key=key, Body=b"", IfMatch="*") == (
        501,
        {
            "Code": "NotImplemented",
            "Message": NOT_IMPLEMENTED,
            "Header": "If-Match",
            "additionalMessage": "We don't accept the provided value of If-Match header for this API",
        },
    )
    # ... / put-obj-if-match-bad-value: a missing key is 404 even for junk values
    assert fails(s3.put_object, Bucket=bucket, Key=key, Body=b"", IfMatch="abcdef") == (
        404,
        {"Code": "NoSuchKey", "Message": NO_SUCH_KEY, "Key": key},
    )


def test_put_with_both_if_match_and_if_none_match(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    # TestS3ObjectWritePrecondition::test_put_object_if_match_and_if_none_match_validation
    assert fails(s3.put_object, Bucket=bucket, Key="k", Body=b"", IfMatch='"abc"', IfNoneMatch="*") == (
        501,
        {
            "Code": "NotImplemented",
            "Message": NOT_IMPLEMENTED,
            "Header": "If-Match,If-None-Match",
            "additionalMessage": "Multiple conditional request headers present in the request",
        },
    )


# ---------------------------------------------------------------- Content-MD5

@pytest.mark.parametrize("md5", ["__invalid__", "000", "not base64 encoded checksum", "MTIz", "dGVzdC1zdHJpbmc="])
def test_invalid_content_md5(s3, bucket, md5):
    # test_s3_invalid_content_md5 / md5-error-0..4
    want = (400, {"Code": "InvalidDigest", "Message": "The Content-MD5 you specified was invalid.", "Content-MD5": md5})
    assert fails(s3.put_object, Bucket=bucket, Key="k", Body=b"something", ContentMD5=md5) == want
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    # ... / upload-part-md5-error-0..4
    assert (
        fails(s3.upload_part, Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=b"something", ContentMD5=md5)
        == want
    )


def test_wrong_content_md5_is_bad_digest(s3, bucket):
    bad = b64(hashlib.md5(b"something1").digest())
    # test_s3_invalid_content_md5 / md5-error-bad-digest: ExpectedDigest in hex for PutObject
    assert fails(s3.put_object, Bucket=bucket, Key="k", Body=b"something", ContentMD5=bad) == (
        400,
        {
            "Code": "BadDigest",
            "Message": "The Content-MD5 you specified did not match what we received.",
            "CalculatedDigest": "Q3uTDbhLgHnC3YBKcZNrXw==",
            "ExpectedDigest": "09891eb590524e35fc73372cddc5d596",
        },
    )
    assert fails(s3.head_object, Bucket=bucket, Key="k")[0] == 404
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    # ... / upload-part-md5-bad-digest: ExpectedDigest in base64 for UploadPart
    assert fails(
        s3.upload_part, Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=b"something", ContentMD5=bad
    ) == (
        400,
        {
            "Code": "BadDigest",
            "Message": "The Content-MD5 you specified did not match what we received.",
            "CalculatedDigest": "Q3uTDbhLgHnC3YBKcZNrXw==",
            "ExpectedDigest": "CYketZBSTjX8czcs3cXVlg==",
        },
    )


def test_right_content_md5_is_accepted(s3, bucket):
    good = b64(hashlib.md5(b"something").digest())
    # test_s3_invalid_content_md5 / success-put-object-md5, success-upload-part-md5
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"something", ContentMD5=good)
    assert (r["ETag"], r["ChecksumCRC32"]) == ('"437b930db84b8079c2dd804a71936b5f"', "Cdox+w==")
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    r = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=b"something", ContentMD5=good)
    assert fields(r) == {
        "ChecksumCRC32": "Cdox+w==",
        "ETag": '"437b930db84b8079c2dd804a71936b5f"',
        "ServerSideEncryption": "AES256",
    }


# ---------------------------------------------------------------- delete

def test_delete_object_is_204_also_for_missing_keys(s3, bucket):
    s3.put_object(Bucket=bucket, Key="test-delete", Body=b"test-delete")
    # TestS3ObjectCRUD::test_delete_object / delete-object, delete-nonexistent-object
    r = s3.delete_object(Bucket=bucket, Key="test-delete")
    assert status(r) == 204 and fields(r) == {}
    assert fails(s3.head_object, Bucket=bucket, Key="test-delete")[0] == 404
    r = s3.delete_object(Bucket=bucket, Key="test-delete")
    assert status(r) == 204 and fields(r) == {}


def test_delete_object_with_made_up_version_id(s3, bucket):
    vid = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"
    # TestS3ObjectCRUD::test_delete_object / delete-nonexistent-object-versionid
    assert fails(s3.delete_object, Bucket=bucket, Key="test-delete", VersionId=vid) == (
        400,
        {
            "Code": "InvalidArgument",
            "Message": "Invalid version id specified",
            "ArgumentName": "versionId",
            "ArgumentValue": vid,
        },
    )


def test_delete_objects_reports_missing_keys_as_deleted(s3, bucket):
    s3.put_object(Bucket=bucket, Key="test-delete", Body=b"test-delete")
    objs = [{"Key": k} for k in ["a-wrong-key", "test-delete", "c-wrong-key"]]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": objs})
    # TestS3ObjectCRUD::test_delete_objects / delete-objects; test_delete_non_existing_keys
    assert status(r) == 200
    assert "Errors" not in r
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a-wrong-key", "c-wrong-key", "test-delete"]
    assert all(set(d) == {"Key"} for d in r["Deleted"])
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == []


def test_delete_objects_quiet(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}, {"Key": "missing"}], "Quiet": True})
    # test_delete_non_existing_keys_quiet / deleted-resp
    assert status(r) == 200 and fields(r) == {}
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == []


def test_delete_objects_keys_with_percent(s3, bucket):
    keys = ["a%2Fb", "a/%F0%9F%98%80"]
    put_keys(s3, bucket, keys)
    # test_delete_objects_encoding / list-objects-before-delete, deleted-resp
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == ["a%2Fb", "a/%F0%9F%98%80"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in r["Deleted"]) == sorted(keys)
    # ... / list-objects
    r = s3.list_objects_v2(Bucket=bucket)
    assert (r["KeyCount"], "Contents" in r) == (0, False)


def test_delete_objects_with_wrong_version_id(s3, bucket):
    s3.put_object(Bucket=bucket, Key="test-delete", Body=b"test-delete")
    vid = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "test-delete", "VersionId": vid}]})
    # TestS3ObjectCRUD::test_delete_objects / delete-object-wrong-version-id
    assert status(r) == 200
    assert fields(r) == {
        "Errors": [
            {
                "Code": "NoSuchVersion",
                "Key": "test-delete",
                "Message": "The specified version does not exist.",
                "VersionId": vid,
            }
        ]
    }


def test_delete_objects_in_missing_bucket(s3):
    name = new_name()
    # test_delete_non_existing_keys_in_non_existing_bucket / error-non-existent-bucket
    assert fails(s3.delete_objects, Bucket=name, Delete={"Objects": [{"Key": "k"}]}) == (
        404,
        {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": name},
    )


# ---------------------------------------------------------------- copy

JSON_BODY = b'{"key": "value"}'


@pytest.fixture
def json_object(s3, bucket):
    s3.put_object(
        Bucket=bucket, Key="src", Body=JSON_BODY, ContentType="application/json", ContentLanguage="en-US",
        Metadata={"key": "value"},
    )
    return bucket


def test_copy_object_answer_and_default_copy_directive(s3, json_object):
    b = json_object
    r = s3.copy_object(Bucket=b, Key="dst", CopySource=f"{b}/src")
    # test_s3_copy_content_type_and_metadata / copy_object
    res = r["CopyObjectResult"]
    assert isinstance(res.pop("LastModified"), datetime.datetime)
    assert res == {"ETag": '"88bac95f31528d13a072c05f2a1cf371"', "ChecksumCRC32": "MzVIGw==", "ChecksumType": "FULL_OBJECT"}
    assert r["ServerSideEncryption"] == "AES256"
    h = s3.head_object(Bucket=b, Key="dst")
    # ... / head_object_copy; test_s3_copy_metadata_directive_copy / head-object-copy
    assert (h["ContentType"], h["ContentLanguage"], h["Metadata"]) == ("application/json", "en-US", {"key": "value"})
    assert s3.get_object(Bucket=b, Key="dst")["Body"].read() == JSON_BODY


def test_copy_directive_copy_ignores_new_metadata(s3, json_object):
    b = json_object
    # test_s3_copy_content_type_and_metadata / copy_object_second, head_object_second_copy
    s3.copy_object(
        Bucket=b, Key="dst", CopySource=f"{b}/src", Metadata={"another-key": "value"}, ContentType="image/jpg",
        ContentLanguage="fr",
    )
    h = s3.head_object(Bucket=b, Key="dst")
    assert (h["ContentType"], h["ContentLanguage"], h["Metadata"]) == ("application/json", "en-US", {"key": "value"})


def test_copy_directive_replace_takes_everything_from_the_request(s3, json_object):
    b = json_object
    s3.copy_object(
        Bucket=b, Key="dst", CopySource=f"{b}/src", MetadataDirective="REPLACE", Metadata={"another-key": "value"},
        ContentType="image/jpg",
    )
    # test_s3_copy_metadata_replace / head_object_copy: ContentLanguage is gone
    h = s3.head_object(Bucket=b, Key="dst")
    assert (h["ContentType"], h["Metadata"], "ContentLanguage" in h) == ("image/jpg", {"another-key": "value"}, False)
    # test_s3_copy_object_in_place_metadata_directive / head-replace-directive-empty
    s3.copy_object(Bucket=b, Key="dst2", CopySource=f"{b}/src", MetadataDirective="REPLACE")
    h = s3.head_object(Bucket=b, Key="dst2")
    assert (h["ContentType"], h["Metadata"], "ContentLanguage" in h) == ("binary/octet-stream", {}, False)


def test_copy_in_place_without_change_is_illegal(s3, json_object):
    b = json_object
    want = (400, {"Code": "InvalidRequest", "Message": ILLEGAL_COPY})
    # test_s3_copy_object_in_place / copy-object-in-place-no-change
    assert fails(s3.copy_object, Bucket=b, Key="src", CopySource=f"{b}/src") == want
    # test_s3_copy_object_in_place_metadata_directive / no-metadata-directive-fail
    assert fails(s3.copy_object, Bucket=b, Key="src", CopySource=f"{b}/src", Metadata={"key2": "value2"}) == want
    # test_s3_copy_object_in_place / copy-object-in-place-with-acl
    assert fails(s3.copy_object, Bucket=b, Key="src", CopySource=f"{b}/src", ACL="private") == want


def test_copy_in_place_with_replace_or_storage_class(s3, json_object):
    b = json_object
    # test_s3_copy_object_in_place_metadata_directive / copy-replace-directive, head-replace-directive
    r = s3.copy_object(Bucket=b, Key="src", CopySource=f"{b}/src", MetadataDirective="REPLACE", Metadata={"key2": "value2"})
    assert r["CopyObjectResult"]["ETag"] == '"88bac95f31528d13a072c05f2a1cf371"'
    h = s3.head_object(Bucket=b, Key="src")
    assert (h["ContentType"], h["Metadata"]) == ("binary/octet-stream", {"key2": "value2"})
    # test_s3_copy_object_in_place / copy-object-in-place-with-storage-class
    r = s3.copy_object(Bucket=b, Key="src", CopySource=f"{b}/src", StorageClass="STANDARD", ChecksumAlgorithm="SHA256")
    res = r["CopyObjectResult"]
    assert (res["ChecksumSHA256"], res["ChecksumType"]) == ("lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=", "FULL_OBJECT")
    assert res["ETag"] == '"88bac95f31528d13a072c05f2a1cf371"'


def test_copy_from_missing_source(s3, bucket):
    # test_s3_copy_object_src_not_exists / copy-object-src-object-not-exists
    assert fails(s3.copy_object, Bucket=bucket, Key="dst", CopySource=f"{bucket}/random-src-key") == (
        404,
        {"Code": "NoSuchKey", "Message": NO_SUCH_KEY, "Key": "random-src-key"},
    )
    missing = new_name()
    # ... / copy-object-src-bucket-not-exists
    assert fails(s3.copy_object, Bucket=bucket, Key="dst", CopySource=f"{missing}/random-src-key") == (
        404,
        {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": missing},
    )


def test_copy_source_without_slash(s3, bucket):
    # test_s3_copy_object_wrong_format / copy-object-wrong-copy-source
    assert fails(s3.copy_object, Bucket=bucket, Key="dst", CopySource="wrongformat") == (
        400,
        {
            "Code": "InvalidArgument",
            "Message": "Invalid copy source object key",
            "ArgumentName": "x-amz-copy-source",
            "ArgumentValue": "x-amz-copy-source",
        },
    )


def test_copy_source_preconditions(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="source-object", Body=b"data")
    lm = s3.head_object(Bucket=bucket, Key="source-object")["LastModified"]
    src = f"{bucket}/source-object"
    kw = {"Bucket": bucket, "Key": "dest-object", "CopySource": src}

    def failed(cond):
        return (412, {"Code": "PreconditionFailed", "Message": PRECONDITION, "Condition": cond})

    # TestS3CopySourcePreconditions::test_s3_copy_object_preconditions, by elimination, all 412
    assert fails(
        s3.copy_object, **kw, CopySourceIfModifiedSince=lm, CopySourceIfUnmodifiedSince=lm - DAY,
        CopySourceIfMatch="etag123", CopySourceIfNoneMatch=put["ETag"],
    ) == failed("x-amz-copy-source-If-Match")
    assert fails(
        s3.copy_object, **kw, CopySourceIfModifiedSince=lm, CopySourceIfUnmodifiedSince=lm - DAY,
        CopySourceIfNoneMatch=put["ETag"],
    ) == failed("x-amz-copy-source-If-Unmodified-Since")
    assert fails(
        s3.copy_object, **kw, CopySourceIfModifiedSince=lm, CopySourceIfNoneMatch=put["ETag"]
    ) == failed("x-amz-copy-source-If-None-Match")
    # ... test_s3_copy_object_if_source_modified_since_versioned / copy-if-modified-since-last-modified
    assert fails(s3.copy_object, **kw, CopySourceIfModifiedSince=lm) == failed("x-amz-copy-source-If-Modified-Since")
    # ... / copy-etag-missing-quotes
    assert fails(s3.copy_object, **kw, CopySourceIfNoneMatch=put["ETag"].strip('"')) == failed(
        "x-amz-copy-source-If-None-Match"
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    # ... / copy-ignore-future-modified-since
    r = s3.copy_object(**kw, CopySourceIfModifiedSince=now + DAY)
    assert r["CopyObjectResult"]["ETag"] == '"8d777f385d3dfec8815d20f7496026dc"'
    # ... / copy-success
    r = s3.copy_object(
        **kw, CopySourceIfMatch=put["ETag"].strip('"'), CopySourceIfNoneMatch="etag123",
        CopySourceIfModifiedSince=lm - DAY, CopySourceIfUnmodifiedSince=now,
    )
    assert (r["CopyObjectResult"]["ChecksumCRC32"], r["CopyObjectResult"]["ChecksumType"]) == ("rfPzYw==", "FULL_OBJECT")


# ================================================================ listing

def test_list_objects_v2_empty_bucket(s3, bucket):
    r = s3.list_objects_v2(Bucket=bucket)
    # test_region_header_exists_outside_us_east_1 / list_objects_v2; test_delete_objects_encoding / list-objects
    assert fields(r) == {
        "EncodingType": "url", "IsTruncated": False, "KeyCount": 0, "MaxKeys": 1000, "Name": bucket, "Prefix": "",
    }
    assert headers(r)["x-amz-bucket-region"] == REGION


def test_list_objects_v2_raw_answer_has_the_s3_namespace(server, bucket):
    st, _, body = raw(server, "GET", f"/{bucket}?list-type=2")
    # digest section 1: successful list answers have xmlns (value: AWS docs)
    assert st == 200
    assert ET.fromstring(body).tag == S3_NS + "ListBucketResult"


TWELVE = [f"test_{i}" for i in range(12)]
CONTENT_123_ETAG = '"0d9fa06a66933b40f615f530e59edd6b"'


@pytest.fixture(scope="module")
def twelve(s3):
    name = new_name("twelve")
    s3.create_bucket(Bucket=name)
    put_keys(s3, name, TWELVE)
    return name


def test_list_objects_v2_entries_and_max_keys_pages(s3, twelve):
    r = s3.list_objects_v2(Bucket=twelve, MaxKeys=5)
    # TestS3ListObjectsV2::test_list_objects_v2_continuation_start_after / list-objects-v2-max-5
    assert keys_of(r) == ["test_0", "test_1", "test_10", "test_11", "test_2"]
    entry = dict(r["Contents"][0])
    assert isinstance(entry.pop("LastModified"), datetime.datetime)
    assert entry == {
        "ChecksumAlgorithm": ["CRC32"], "ChecksumType": "FULL_OBJECT", "ETag": CONTENT_123_ETAG, "Key": "test_0",
        "Size": 11, "StorageClass": "STANDARD",
    }
    token = r.pop("NextContinuationToken")
    assert token
    assert {k: v for k, v in fields(r).items() if k != "Contents"} == {
        "EncodingType": "url", "IsTruncated": True, "KeyCount": 5, "MaxKeys": 5, "Name": twelve, "Prefix": "",
    }
    # ... / list-objects-v2-rest
    r = s3.list_objects_v2(Bucket=twelve, ContinuationToken=token)
    assert keys_of(r) == ["test_3", "test_4", "test_5", "test_6", "test_7", "test_8", "test_9"]
    assert {k: v for k, v in fields(r).items() if k != "Contents"} == {
        "ContinuationToken": token, "EncodingType": "url", "IsTruncated": False, "KeyCount": 7, "MaxKeys": 1000,
        "Name": twelve, "Prefix": "",
    }


def test_list_objects_v2_start_after(s3, twelve):
    r = s3.list_objects_v2(Bucket=twelve, StartAfter="test_7", MaxKeys=2)
    # ... / list-objects-start-after
    assert keys_of(r) == ["test_8", "test_9"]
    assert (r["StartAfter"], r["IsTruncated"], r["KeyCount"], r["MaxKeys"]) == ("test_7", False, 2, 2)
    assert "NextContinuationToken" not in r


def test_list_objects_v2_token_wins_over_start_after(s3, twelve):
    token = s3.list_objects_v2(Bucket=twelve, MaxKeys=5)["NextContinuationToken"]
    r = s3.list_objects_v2(Bucket=twelve, StartAfter="test_7", ContinuationToken=token)
    # ... / list-objects-start-after-token: StartAfter not echoed
    assert keys_of(r) == ["test_3", "test_4", "test_5", "test_6", "test_7", "test_8", "test_9"]
    assert "StartAfter" not in r
    assert r["ContinuationToken"] == token


def test_list_objects_v2_empty_continuation_token(s3, twelve):
    # ... / exc-continuation-token
    assert fails(s3.list_objects_v2, Bucket=twelve, ContinuationToken="") == (
        400,
        {"Code": "InvalidArgument", "Message": "The continuation token provided is incorrect",
         "ArgumentName": "continuation-token"},
    )


def test_list_objects_v2_prefix_and_delimiter(s3, bucket):
    put_keys(s3, bucket, ["test/foo/bar/123", "test/foo/bar/456", "test/bar/foo/123"])
    # TestS3ListObjectsV2::test_list_objects_v2_with_prefix_and_delimiter / list-objects-v2-1
    r = s3.list_objects_v2(Bucket=bucket, Prefix="test/", Delimiter="/")
    assert fields(r) == {
        "CommonPrefixes": [{"Prefix": "test/bar/"}, {"Prefix": "test/foo/"}], "Delimiter": "/",
        "EncodingType": "url", "IsTruncated": False, "KeyCount": 2, "MaxKeys": 1000, "Name": bucket, "Prefix": "test/",
    }
    # ... / list-objects-v2-1-with-max-keys: a common prefix counts as one key
    r = s3.list_objects_v2(Bucket=bucket, Prefix="test/", Delimiter="/", MaxKeys=1)
    assert r["CommonPrefixes"] == [{"Prefix": "test/bar/"}]
    assert (r["IsTruncated"], r["KeyCount"], "Contents" in r, bool(r.get("NextContinuationToken"))) == (
        True, 1, False, True,
    )
    # ... / list-objects-v2-2, list-objects-v2-3
    assert s3.list_objects_v2(Bucket=bucket, Prefix="test/foo", Delimiter="/")["CommonPrefixes"] == [
        {"Prefix": "test/foo/"}
    ]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="test/foo/bar", Delimiter="/")["CommonPrefixes"] == [
        {"Prefix": "test/foo/bar/"}
    ]


FOLDER_KEYS = ["folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1", "folder/file2"]


def test_list_objects_v2_continuation_with_common_prefixes(s3, bucket):
    put_keys(s3, bucket, FOLDER_KEYS)
    # TestS3ListObjectsV2::test_list_objects_v2_continuation_common_prefixes
    r = s3.list_objects_v2(Bucket=bucket, Prefix="folder/", Delimiter="/", MaxKeys=1)  # list-objects-v2-start
    assert (r["CommonPrefixes"], keys_of(r), r["IsTruncated"], r["KeyCount"]) == (
        [{"Prefix": "folder/aSubfolder/"}], [], True, 1,
    )
    t1 = r["NextContinuationToken"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="folder/", Delimiter="/", MaxKeys=1, ContinuationToken=t1)
    # list-objects-v2-next-1: the common prefix is not returned again
    assert (keys_of(r), "CommonPrefixes" in r, r["IsTruncated"], r["ContinuationToken"]) == (
        ["folder/file1"], False, True, t1,
    )
    t2 = r["NextContinuationToken"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="folder/", Delimiter="/", MaxKeys=1, ContinuationToken=t2)
    # list-objects-v2-end
    assert (keys_of(r), r["IsTruncated"], "NextContinuationToken" in r, r["ContinuationToken"]) == (
        ["folder/file2"], False, False, t2,
    )


SAFE_CHAR_KEYS = [
    "file%2Fname", "test@key/", "test%123", "test%percent", "test key/", "test key//", "test%123/",
    "a/%F0%9F%98%80/", "date=2026-01-01/", "date=2026-02-01/", "date=2026-03-01/", "date=2026-05-01/",
]


@pytest.fixture(scope="module")
def safe_chars(s3):
    name = new_name("safe")
    s3.create_bucket(Bucket=name)
    for k in SAFE_CHAR_KEYS:
        s3.put_object(Bucket=name, Key=k)
    return name


def test_list_objects_v2_keys_with_safe_chars_round_trip(s3, safe_chars):
    # TestS3ListObjectsV2::test_list_objects_v2_continuation_token_safe_chars / list-objects-v2-max-5, -rest
    r = s3.list_objects_v2(Bucket=safe_chars, MaxKeys=5)
    assert keys_of(r) == ["a/%F0%9F%98%80/", "date=2026-01-01/", "date=2026-02-01/", "date=2026-03-01/", "date=2026-05-01/"]
    r = s3.list_objects_v2(Bucket=safe_chars, ContinuationToken=r["NextContinuationToken"])
    assert keys_of(r) == ["file%2Fname", "test key/", "test key//", "test%123", "test%123/", "test%percent", "test@key/"]


def test_list_objects_v2_without_encoding_type(s3_loose, safe_chars):
    # ... / list-objects-start-after: no encoding-type sent -> no EncodingType, raw keys
    r = s3_loose.list_objects_v2(Bucket=safe_chars, StartAfter="date=2026-02-01/", MaxKeys=2, EncodingType=None)
    assert keys_of(r) == ["date=2026-03-01/", "date=2026-05-01/"]
    assert "EncodingType" not in r
    assert (r["StartAfter"], r["IsTruncated"], r["KeyCount"]) == ("date=2026-02-01/", True, 2)


def test_list_objects_v2_explicit_url_encoding_is_not_decoded_by_boto3(s3_loose, safe_chars):
    # ... / list-objects-start-after-url-type
    r = s3_loose.list_objects_v2(Bucket=safe_chars, StartAfter="date=2026-02-01/", MaxKeys=2, EncodingType="url")
    assert keys_of(r) == ["date%3D2026-03-01/", "date%3D2026-05-01/"]
    assert (r["StartAfter"], r["EncodingType"]) == ("date%3D2026-02-01/", "url")


def test_list_objects_v2_start_after_already_encoded(s3, safe_chars):
    # ... / list-objects-start-after-encoded ('%' sorts before '=')
    r = s3.list_objects_v2(Bucket=safe_chars, StartAfter=urllib.parse.quote("date=2026-02-01/"), MaxKeys=2)
    assert keys_of(r) == ["date=2026-01-01/", "date=2026-02-01/"]
    assert r["StartAfter"] == "date%3D2026-02-01/"


def test_list_objects_url_encoding_of_special_characters(server, s3, bucket):
    keys = ["a+b", "c%d", "e=f", "g@h", "dir/x y", "ü€/ẞ", "x&y<z>'\""]
    put_keys(s3, bucket, keys)
    # boto3 decodes what it asked to be encoded: every key round-trips (digest section 0)
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == sorted(keys)
    assert keys_of(s3.list_objects(Bucket=bucket)) == sorted(keys)
    for k in keys:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == b"content 123"
    st, _, body = raw(server, "GET", f"/{bucket}?list-type=2&encoding-type=url")
    assert st == 200
    got = {e.text for e in ET.fromstring(body).iter(S3_NS + "Key")}
    # digest section 0: '+' -> %2B, '%' -> %25, '=' -> %3D, '@' -> %40, '/' kept
    assert {"a%2Bb", "c%25d", "e%3Df", "g%40h"} <= got
    assert any(k.startswith("dir/") for k in got)


def test_list_objects_encoded_delimiter(s3, bucket):
    s3.put_object(Bucket=bucket, Key="test/foo/bar/123", Body=b"content 123")
    # TestS3ListObjects::test_list_objects_with_prefix[%2F] / list-objects (explicit EncodingType: not decoded)
    r = s3.list_objects(Bucket=bucket, Prefix="test/", Delimiter="%2F", MaxKeys=1, EncodingType="url")
    assert (r["Delimiter"], r["Prefix"], keys_of(r), r["IsTruncated"]) == ("%252F", "test/", ["test/foo/bar/123"], False)


def test_list_objects_raw_delimiter_without_encoding(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="test/foo/bar/123", Body=b"content 123")
    st, _, body = raw(server, "GET", f"/{bucket}?prefix=test&delimiter=%2F")
    # TestS3ListObjects::test_list_objects_with_prefix[%2F] / list-objects-no-encoding
    assert st == 200
    root = ET.fromstring(body)
    assert root.find(S3_NS + "EncodingType") is None
    assert root.findtext(S3_NS + "Delimiter") == "/"
    assert root.findtext(S3_NS + "Prefix") == "test"
    assert [p.text for p in root.iter(S3_NS + "Prefix")][1:] == ["test/"]
    marker = root.find(S3_NS + "Marker")
    assert marker is not None and not (marker.text or "")


@pytest.mark.parametrize("op", ["list_objects", "list_objects_v2", "list_object_versions", "list_multipart_uploads"])
def test_list_encoding_type_validation(s3_loose, bucket, op):
    call = getattr(s3_loose, op)
    # TestS3ListObjectsV2::test_list_ops_encoding_type_validation[*] / *-error-wrong-value
    assert fails(call, Bucket=bucket, EncodingType="value") == (
        400,
        {
            "Code": "InvalidArgument",
            "Message": "Invalid Encoding Method specified in Request",
            "ArgumentName": "encoding-type",
            "ArgumentValue": "value",
        },
    )
    # ... / *-error-empty-value: ArgumentValue null
    st, err = fails(call, Bucket=bucket, EncodingType="")
    assert (st, err["Code"], err["Message"], err["ArgumentName"], err.get("ArgumentValue")) == (
        400, "InvalidArgument", "Invalid Encoding Method specified in Request", "encoding-type", None,
    )


def test_list_objects_v1_empty(s3, bucket):
    r = s3.list_objects(Bucket=bucket, Marker="")
    # TestS3ListObjects::test_s3_list_objects_empty_marker / list-objects
    assert fields(r) == {
        "EncodingType": "url", "IsTruncated": False, "Marker": "", "MaxKeys": 1000, "Name": bucket, "Prefix": "",
    }


def test_list_objects_v1_entries_have_owner_id(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"content 123")
    entry = s3.list_objects(Bucket=bucket)["Contents"][0]
    # test_delete_bucket_with_content / list-objects; TestS3ListObjects::test_list_objects_next_marker / list-objects-all
    assert set(entry) == {"ChecksumAlgorithm", "ChecksumType", "ETag", "Key", "LastModified", "Owner", "Size", "StorageClass"}
    assert set(entry["Owner"]) == {"ID"} and entry["Owner"]["ID"]
    assert (entry["ChecksumAlgorithm"], entry["ETag"], entry["Size"]) == (["CRC32"], CONTENT_123_ETAG, 11)


def test_list_objects_v1_next_marker_only_with_delimiter(s3, bucket):
    put_keys(s3, bucket, ["test_0", "test_1", "test_2"])
    # TestS3ListObjects::test_list_objects_next_marker / list-objects-max-1
    r = s3.list_objects(Bucket=bucket, MaxKeys=1, Delimiter="/")
    assert (keys_of(r), r["IsTruncated"], r["NextMarker"], r["Marker"], r["Delimiter"]) == (
        ["test_0"], True, "test_0", "", "/",
    )
    # ... / list-objects-rest: no delimiter -> no NextMarker even though truncated
    r = s3.list_objects(Bucket=bucket, Marker="test_0", MaxKeys=1)
    assert (keys_of(r), r["IsTruncated"], r["Marker"], "NextMarker" in r) == (["test_1"], True, "test_0", False)
    # ... / list-objects-marker-empty
    r = s3.list_objects(Bucket=bucket, Marker="", MaxKeys=1)
    assert (keys_of(r), r["IsTruncated"], r["Marker"], "NextMarker" in r) == (["test_0"], True, "", False)


def test_list_objects_v1_markers_and_common_prefixes(s3, bucket):
    put_keys(s3, bucket, FOLDER_KEYS)
    kw = {"Bucket": bucket, "Prefix": "folder/", "Delimiter": "/", "MaxKeys": 1}
    # TestS3ListObjects::test_list_objects_marker_common_prefixes / list-objects-start
    r = s3.list_objects(**kw)
    assert (r["CommonPrefixes"], keys_of(r), r["IsTruncated"], r["NextMarker"], r["Marker"]) == (
        [{"Prefix": "folder/aSubfolder/"}], [], True, "folder/aSubfolder/", "",
    )
    # ... / list-objects-next-1: a Marker equal to a common prefix skips it
    r = s3.list_objects(**kw, Marker="folder/aSubfolder/")
    assert (keys_of(r), "CommonPrefixes" in r, r["IsTruncated"], r["NextMarker"], r["Marker"]) == (
        ["folder/file1"], False, True, "folder/file1", "folder/aSubfolder/",
    )
    # ... / list-objects-end
    r = s3.list_objects(**kw, Marker="folder/file1")
    assert (keys_of(r), r["IsTruncated"], "NextMarker" in r) == (["folder/file2"], False, False)
    # ... / list-objects-manual-first-file: a Marker inside a prefix skips the whole prefix
    r = s3.list_objects(**kw, Marker="folder/aSubfolder/subFile1")
    assert (keys_of(r), "CommonPrefixes" in r, r["NextMarker"]) == (["folder/file1"], False, "folder/file1")


def test_list_objects_v1_more_than_1000_keys(s3, bucket):
    from concurrent.futures import ThreadPoolExecutor

    def put(i):
        s3.put_object(Bucket=bucket, Key=f"test-key-{i}", Body=f"test-{i}".encode())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put, range(1010)))
    # test_s3_put_more_than_1000_items
    assert s3.get_object(Bucket=bucket, Key="test-key-1009")["Body"].read() == b"test-1009"
    assert len(s3.list_objects(Bucket=bucket, MaxKeys=1010)["Contents"]) <= 1010
    r = s3.list_objects(Bucket=bucket, Delimiter="/")
    assert (len(r["Contents"]), r["MaxKeys"], r["IsTruncated"], r["NextMarker"]) == (1000, 1000, True, "test-key-99")
    r = s3.list_objects(Bucket=bucket, Delimiter="/", Marker="test-key-99")
    assert keys_of(r) == [f"test-key-{i}" for i in range(990, 1000)]
    assert r["IsTruncated"] is False


# ================================================================ multipart

def create_upload(s3, bucket, key, **kw):
    return s3.create_multipart_upload(Bucket=bucket, Key=key, **kw)["UploadId"]


def upload_parts(s3, bucket, key, upload_id, parts, algo=None, answers=None):
    """Uploads the parts (boto3's default CRC32 unless `algo`); returns the parts for the complete
    request, with the checksum of `algo` computed here (not taken from the answer)."""
    out = []
    for n, data in enumerate(parts, 1):
        kw = {}
        if algo in ("CRC32", "SHA1", "SHA256"):
            kw["ChecksumAlgorithm"] = algo
        elif algo:
            kw[f"Checksum{algo}"] = checksum(algo, data)
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=data, **kw)
        if answers is not None:
            answers.append(r)
        part = {"ETag": r["ETag"], "PartNumber": n}
        if algo:
            part[f"Checksum{algo}"] = checksum(algo, data)
        out.append(part)
    return out


def test_create_multipart_upload_answer(s3, bucket):
    r = s3.create_multipart_upload(Bucket=bucket, Key="k")
    # TestS3Multipart::test_upload_part_copy_range / create-multipart
    assert set(fields(r)) == {"Bucket", "Key", "UploadId", "ServerSideEncryption"}
    assert (r["Bucket"], r["Key"], r["ServerSideEncryption"]) == (bucket, "k", "AES256")
    assert r["UploadId"]


@pytest.mark.parametrize(
    "algo, ctype", [("CRC32", "COMPOSITE"), ("CRC32C", "COMPOSITE"), ("SHA1", "COMPOSITE"), ("SHA256", "COMPOSITE"),
                    ("CRC64NVME", "FULL_OBJECT")]
)
def test_create_multipart_upload_default_checksum_type(s3, bucket, algo, ctype):
    r = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algo)
    # TestS3MultipartUploadChecksum::test_multipart_checksum_type_default_for_checksum[*]
    assert (r["ChecksumAlgorithm"], r["ChecksumType"]) == (algo, ctype)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"ChecksumType": "COMPOSITE"},
         "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."),
        ({"ChecksumAlgorithm": "TEST"},
         "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
         "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"),
        ({"ChecksumAlgorithm": "CRC64NVME", "ChecksumType": "COMPOSITE"},
         "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."),
        ({"ChecksumAlgorithm": "SHA1", "ChecksumType": "FULL_OBJECT"},
         "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm."),
        ({"ChecksumAlgorithm": "SHA256", "ChecksumType": "FULL_OBJECT"},
         "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm."),
    ],
    ids=["type-without-algorithm", "unknown-algorithm", "composite-crc64nvme", "full-object-sha1", "full-object-sha256"],
)
def test_create_multipart_upload_checksum_validation(s3_loose, bucket, kw, message):
    # TestS3MultipartUploadChecksum::test_multipart_parts_checksum_exceptions_composite,
    # test_multipart_checksum_type_compatibility[*]
    assert fails(s3_loose.create_multipart_upload, Bucket=bucket, Key="k", **kw) == (
        400, {"Code": "InvalidRequest", "Message": message},
    )


def test_upload_part_answer_echoes_the_checksum_sent(s3, bucket):
    up = create_upload(s3, bucket, "k")
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=1, Body=b"test content 123")
    # digest section 5, UploadPart: ETag, SSE, the CRC32 boto3 sent; no ChecksumType
    # (test_multipart_complete_multipart_too_small / upload-part1 for b"data")
    assert fields(r) == {
        "ETag": '"eee506dd7ada7ded524c77e359a0e7c6"', "ServerSideEncryption": "AES256",
        "ChecksumCRC32": checksum("CRC32", b"test content 123"),
    }
    assert "x-amz-checksum-type" not in headers(r)


def test_multipart_upload_without_checksum(s3, bucket):
    key = "test.file"
    up = create_upload(s3, bucket, key)
    r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"test content 123")
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    # test_complete_multipart_parts_checksum_default / list-parts: no part checksums, no ChecksumAlgorithm
    assert "ChecksumAlgorithm" not in parts and "ChecksumType" not in parts
    assert set(parts["Parts"][0]) == {"PartNumber", "ETag", "Size", "LastModified"}
    c = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": [{"ETag": r["ETag"], "PartNumber": 1}]}
    )
    # test_multipart_copy_object_etag / multipart-upload, head-obj
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert (h["ETag"], h["ChecksumCRC64NVME"], h["ChecksumType"]) == (
        '"b972025bc34adf8d76d6d51e93c035cc-1"', "BsLNlKumA5I=", "FULL_OBJECT",
    )
    # After completion the upload is gone.
    assert fails(s3.list_parts, Bucket=bucket, Key=key, UploadId=up) == (
        404, {"Code": "NoSuchUpload", "Message": NO_SUCH_UPLOAD, "UploadId": up},
    )
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    # ... / multipart-upload: the answer itself
    assert c["Location"]
    c.pop("Location")
    assert fields(c) == {
        "Bucket": bucket, "Key": key, "ETag": '"b972025bc34adf8d76d6d51e93c035cc-1"',
        "ChecksumCRC64NVME": "BsLNlKumA5I=", "ChecksumType": "FULL_OBJECT", "ServerSideEncryption": "AES256",
    }


def test_multipart_etag_of_one_part(s3, bucket):
    data = b"upload-part-1" * 5
    up = create_upload(s3, bucket, "k")
    parts = upload_parts(s3, bucket, "k", up, [data])
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up, MultipartUpload={"Parts": parts})
    # digest section 5: "e747540af6911dbc890f8d3e0b48549b-1" for one part `upload-part-1`x5
    assert r["ETag"] == '"e747540af6911dbc890f8d3e0b48549b-1"' == multipart_etag([data])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data


BIG_A = b"a" * (5 * MiB + 1)


def test_multipart_etag_of_three_parts_and_order(s3, bucket):
    up = create_upload(s3, bucket, "test-order-parts")
    plain = upload_parts(s3, bucket, "test-order-parts", up, [BIG_A] * 3)
    # test_complete_multipart_parts_order / complete-multipart-unordered
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key="test-order-parts", UploadId=up,
        MultipartUpload={"Parts": [plain[1], plain[0], plain[2]]},
    ) == (
        400,
        {
            "Code": "InvalidPartOrder",
            "Message": "The list of parts was not in ascending order. Parts must be ordered by part number.",
            "UploadId": up,
        },
    )
    # ... / complete-multipart-ordered
    r = s3.complete_multipart_upload(Bucket=bucket, Key="test-order-parts", UploadId=up, MultipartUpload={"Parts": plain})
    assert r["ETag"] == '"c7cb0938a47e31f70cf07028d22e6913-3"' == multipart_etag([BIG_A] * 3)
    assert (r["ChecksumCRC64NVME"], r["ChecksumType"]) == ("Y8LhTZLfnr0=", "FULL_OBJECT")


def test_multipart_part_numbers_may_have_gaps(s3, bucket):
    key = "key-sequence-with-step-2"
    up = create_upload(s3, bucket, key)
    parts = []
    for n in [2, 4, 6]:
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=BIG_A)
        parts.append({"ETag": r["ETag"], "PartNumber": n})
    # test_complete_multipart_parts_order / complete-multipart-with-step-2
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    assert r["ETag"] == '"c7cb0938a47e31f70cf07028d22e6913-3"'
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == 3 * len(BIG_A)


def test_multipart_composite_crc32(s3, bucket):
    key = "test-multipart-checksum"
    data = [BIG_A, BIG_A, BIG_A[:10]]
    r = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32", ChecksumType="COMPOSITE")
    # TestS3MultipartUploadChecksum::test_complete_multipart_parts_checksum_composite[CRC32]
    assert (r["ChecksumAlgorithm"], r["ChecksumType"]) == ("CRC32", "COMPOSITE")
    up = r["UploadId"]
    answers = []
    parts = upload_parts(s3, bucket, key, up, data, algo="CRC32", answers=answers)
    # ... / upload-part-0..2
    assert [p["ChecksumCRC32"] for p in parts] == ["NRU+Sw==", "NRU+Sw==", "TBHN8A=="]
    assert [p["ETag"] for p in parts] == ['"c4c753e69bb853187f5854c46cf801c6"'] * 2 + ['"e09c80c42fda55f9d992e59ca6b3307d"']
    # ... / list-parts
    lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    assert (lp["ChecksumAlgorithm"], lp["ChecksumType"], lp["NextPartNumberMarker"]) == ("CRC32", "COMPOSITE", 3)
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in lp["Parts"]] == [
        (1, 5242881, "NRU+Sw=="), (2, 5242881, "NRU+Sw=="), (3, 10, "TBHN8A=="),
    ]
    # ... / complete-multipart-wrong-parts-checksum: InvalidPart, not BadDigest
    wrong = [dict(p, ChecksumCRC32=checksum("CRC32", b"bbb")) for p in parts]
    assert fails(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": wrong}) == (
        400,
        {"Code": "InvalidPart", "Message": INVALID_PART, "ETag": "c4c753e69bb853187f5854c46cf801c6",
         "PartNumber": "1", "UploadId": up},
    )
    # ... / complete-multipart-no-checksum
    plain = [{"ETag": p["ETag"], "PartNumber": p["PartNumber"]} for p in parts]
    assert fails(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": plain}) == (
        400,
        {"Code": "InvalidRequest", "Message": "The upload was created using a crc32 checksum. The complete request "
         "must include the checksum for each part. It was missing for part 1 in the request."},
    )
    # ... / complete-multipart-checksum
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    assert (r["ChecksumCRC32"], r["ChecksumType"]) == ("5FRUiw==-3", "COMPOSITE") == (composite_crc32(data), "COMPOSITE")
    assert r["ETag"] == '"4d45984fc3feb2ac9b22683c49674b56-3"' == multipart_etag(data)
    # ... / head-object-with-checksum
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert (h["ChecksumCRC32"], h["ChecksumType"], h["ContentLength"]) == ("5FRUiw==-3", "COMPOSITE", 10485772)
    # digest section 6: ListObjects entries COMPOSITE
    entry = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert (entry["ChecksumAlgorithm"], entry["ChecksumType"]) == (["CRC32"], "COMPOSITE")
    g = s3.get_object(Bucket=bucket, Key=key, PartNumber=3)
    assert g["Body"].read() == b"a" * 10
    assert (status(g), g["ContentRange"], g["PartsCount"]) == (206, "bytes 10485762-10485771/10485772", 3)
    # ... / upload-part-0..2: the answers echo the part checksums
    assert [a.get("ChecksumCRC32") for a in answers] == ["NRU+Sw==", "NRU+Sw==", "TBHN8A=="]
    # ... / get-object-part-checksum: a part of a COMPOSITE object comes with the part's checksum
    assert checksum_fields(g) == {"ChecksumCRC32": "TBHN8A==", "ChecksumType": "COMPOSITE"}
    # ... / get-object-attrs: no suffix, unquoted ETag
    a = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["Checksum", "ETag"])
    assert a["Checksum"] == {"ChecksumCRC32": "5FRUiw==", "ChecksumType": "COMPOSITE"}
    assert a["ETag"] == "4d45984fc3feb2ac9b22683c49674b56-3"
    # ... / copy-obj-checksum: a recomputed FULL_OBJECT checksum, plain MD5 ETag
    c = s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/{key}")["CopyObjectResult"]
    assert (c["ChecksumCRC32"], c["ChecksumType"], c["ETag"]) == ("qSEQSA==", "FULL_OBJECT", '"a0397ee2df08832642af5d7e57c5760c"')


def test_copy_of_a_multipart_object(s3, bucket):
    key = "test.file"
    up = create_upload(s3, bucket, key)
    parts = upload_parts(s3, bucket, key, up, [b"test content 123"])
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    # test_multipart_copy_object_etag / copy-object: plain MD5 ETag, the CRC64NVME kept
    c = s3.copy_object(Bucket=bucket, Key="copy.file", CopySource=f"{bucket}/{key}")["CopyObjectResult"]
    assert (c["ETag"], c["ChecksumCRC64NVME"], c["ChecksumType"]) == (
        '"eee506dd7ada7ded524c77e359a0e7c6"', "BsLNlKumA5I=", "FULL_OBJECT",
    )
    # ... / copy-object-in-place, head-obj
    c = s3.copy_object(Bucket=bucket, Key=key, CopySource=f"{bucket}/{key}", MetadataDirective="REPLACE")
    assert c["CopyObjectResult"]["ETag"] == '"eee506dd7ada7ded524c77e359a0e7c6"'
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert (h["ETag"], h["ChecksumCRC64NVME"], "PartsCount" in h) == ('"eee506dd7ada7ded524c77e359a0e7c6"', "BsLNlKumA5I=", False)


def test_multipart_full_object_crc32(s3, bucket):
    key = "test-multipart-checksum"
    data = [BIG_A, BIG_A, BIG_A[:10]]
    r = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    # TestS3MultipartUploadChecksum::test_complete_multipart_parts_checksum_full_object[CRC32]
    assert (r["ChecksumAlgorithm"], r["ChecksumType"]) == ("CRC32", "FULL_OBJECT")
    up = r["UploadId"]
    parts = upload_parts(s3, bucket, key, up, data, algo="CRC32")
    lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    assert (lp["ChecksumAlgorithm"], lp["ChecksumType"]) == ("CRC32", "FULL_OBJECT")
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    # ... / complete-multipart-checksum: checksum of the whole content, no suffix
    assert (r["ChecksumCRC32"], r["ChecksumType"]) == ("qSEQSA==", "FULL_OBJECT") == (checksum("CRC32", b"".join(data)), "FULL_OBJECT")
    assert r["ETag"] == '"4d45984fc3feb2ac9b22683c49674b56-3"'
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert (h["ChecksumCRC32"], h["ChecksumType"]) == ("qSEQSA==", "FULL_OBJECT")


def test_multipart_crc32c_composite_and_full_object(s3, bucket):
    # TestS3::test_get_object_part_checksum[COMPOSITE|FULL_OBJECT] (CRC32C passed explicitly)
    data = b"test content 123"
    value = checksum("CRC32C", data)
    assert value == "fwuu0Q=="
    gets, answers = [], []
    for ctype, want in [("COMPOSITE", "sZB91Q==-1"), ("FULL_OBJECT", "fwuu0Q==")]:
        key = f"k-{ctype}"
        r = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32C", ChecksumType=ctype)
        assert (r["ChecksumAlgorithm"], r["ChecksumType"]) == ("CRC32C", ctype)
        up = r["UploadId"]
        p = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=data, ChecksumCRC32C=value)
        assert p["ETag"] == '"eee506dd7ada7ded524c77e359a0e7c6"'
        r = s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=up,
            MultipartUpload={"Parts": [{"ETag": p["ETag"], "PartNumber": 1, "ChecksumCRC32C": value}]},
        )
        assert (r["ChecksumCRC32C"], r["ChecksumType"], r["ETag"]) == (want, ctype, '"b972025bc34adf8d76d6d51e93c035cc-1"')
        # ... / get-object-part: the part's checksum
        g = s3.get_object(Bucket=bucket, Key=key, PartNumber=1)
        assert g["Body"].read() == data
        assert (g["PartsCount"], g["ContentRange"]) == (1, "bytes 0-15/16")
        gets.append(g)
        answers.append(p)
    # ... / upload-part
    assert [p.get("ChecksumCRC32C") for p in answers] == ["fwuu0Q==", "fwuu0Q=="]
    # ... / get-object-part, head-object-part: the part's checksum and the upload's type
    assert [checksum_fields(g) for g in gets] == [
        {"ChecksumCRC32C": "fwuu0Q==", "ChecksumType": "COMPOSITE"},
        {"ChecksumCRC32C": "fwuu0Q==", "ChecksumType": "FULL_OBJECT"},
    ]


def test_multipart_checksum_mismatches(s3, bucket):
    key = "test-multipart-checksum-exc"
    up = create_upload(s3, bucket, key, ChecksumAlgorithm="SHA256")
    # TestS3MultipartUploadChecksum::test_multipart_parts_checksum_exceptions_composite / upload-part-different-checksum-exc
    assert fails(s3.upload_part, Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"abc") == (
        400,
        {"Code": "InvalidRequest",
         "Message": "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32"},
    )


def test_multipart_without_checksum_rejects_part_checksums_and_checksum_type(s3, bucket):
    key = "test-multipart-checksum"
    up = create_upload(s3, bucket, key)
    r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"abc")
    part = {"ETag": r["ETag"], "PartNumber": 1}
    # test_complete_multipart_parts_checksum_default / complete-multipart-parts-checksum
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up,
        MultipartUpload={"Parts": [dict(part, ChecksumCRC32=checksum("CRC32", b"abc"))]},
    ) == (
        400,
        {"Code": "InvalidPart", "Message": INVALID_PART, "ETag": r["ETag"].strip('"'), "PartNumber": "1", "UploadId": up},
    )
    # ... / complete-multipart-full-object-type, complete-multipart-composite-type
    for ctype in ["FULL_OBJECT", "COMPOSITE"]:
        assert fails(
            s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, ChecksumType=ctype,
            MultipartUpload={"Parts": [part]},
        ) == (
            400,
            {"Code": "InvalidRequest", "Message": "The upload was created using the null checksum mode. "
             "The complete request must use the same checksum mode."},
        )
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": [part]})
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert (h["ChecksumCRC64NVME"], h["ChecksumType"]) == (checksum("CRC64NVME", b"abc"), "FULL_OBJECT")


def test_multipart_part_errors(s3, bucket):
    key = "k"
    up = create_upload(s3, bucket, key)
    parts = upload_parts(s3, bucket, key, up, [b"data", b"data"])
    # test_multipart_complete_multipart_too_small / upload-part1: a 4-byte part is accepted
    assert parts[0]["ETag"] == '"8d777f385d3dfec8815d20f7496026dc"'
    plain = parts
    # ... / complete-exc-too-small
    assert fails(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": plain}) == (
        400,
        {"Code": "EntityTooSmall", "Message": "Your proposed upload is smaller than the minimum allowed size",
         "ETag": "8d777f385d3dfec8815d20f7496026dc", "MinSizeAllowed": "5242880", "PartNumber": "1", "ProposedSize": "4"},
    )
    # test_multipart_complete_multipart_wrong_part / complete-exc-wrong-part-number
    up2 = create_upload(s3, bucket, "k2")
    p = upload_parts(s3, bucket, "k2", up2, [b"data"])[0]
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key="k2", UploadId=up2,
        MultipartUpload={"Parts": [{"ETag": p["ETag"], "PartNumber": 2}]},
    ) == (400, {"Code": "InvalidPart", "Message": INVALID_PART, "ETag": "8d777f385d3dfec8815d20f7496026dc",
                "PartNumber": "2", "UploadId": up2})
    # ... / complete-exc-wrong-etag
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key="k2", UploadId=up2,
        MultipartUpload={"Parts": [{"ETag": '"d41d8cd98f00b204e9800998ecf8427e"', "PartNumber": 1}]},
    ) == (400, {"Code": "InvalidPart", "Message": INVALID_PART, "ETag": "d41d8cd98f00b204e9800998ecf8427e",
                "PartNumber": "1", "UploadId": up2})
    # ... / complete-exc-no-parts
    assert fails(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up) == (
        400, {"Code": "InvalidRequest", "Message": "You must specify at least one part"},
    )


def test_upload_part_negative_part_number(s3_loose, bucket):
    up = create_upload(s3_loose, bucket, "k")
    # test_complete_multipart_parts_order / upload-part-negative-part-number
    assert fails(s3_loose.upload_part, Bucket=bucket, Key="k", UploadId=up, PartNumber=-1, Body=b"x") == (
        400,
        {"Code": "InvalidArgument", "Message": "Part number must be an integer between 1 and 10000, inclusive",
         "ArgumentName": "partNumber", "ArgumentValue": "-1"},
    )


def test_no_such_upload(s3, bucket):
    want = (404, {"Code": "NoSuchUpload", "Message": NO_SUCH_UPLOAD, "UploadId": "fakeid"})
    # test_multipart_no_such_upload / upload-exc, complete-exc, abort-exc
    assert fails(s3.upload_part, Bucket=bucket, Key="k", UploadId="fakeid", PartNumber=1, Body=b"x") == want
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId="fakeid",
        MultipartUpload={"Parts": [{"ETag": '"abc"', "PartNumber": 1}]},
    ) == want
    assert fails(s3.abort_multipart_upload, Bucket=bucket, Key="k", UploadId="fakeid") == want
    assert fails(s3.list_parts, Bucket=bucket, Key="k", UploadId="fakeid") == want


def test_upload_id_of_another_key_is_no_such_upload(s3, bucket):
    up = create_upload(s3, bucket, "key-a")
    # test_multipart_key_validation (2023)
    assert fails(s3.upload_part, Bucket=bucket, Key="key-b", UploadId=up, PartNumber=1, Body=b"x") == (
        404, {"Code": "NoSuchUpload", "Message": NO_SUCH_UPLOAD, "UploadId": up},
    )


def test_abort_multipart_upload(s3, bucket):
    up = create_upload(s3, bucket, "k")
    upload_parts(s3, bucket, "k", up, [b"data"])
    assert status(s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=up)) == 204
    assert fails(s3.list_parts, Bucket=bucket, Key="k", UploadId=up)[1]["Code"] == "NoSuchUpload"
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_list_parts_shape_and_pagination(s3, bucket):
    key = "test-list-part-pagination"
    up = create_upload(s3, bucket, key)
    # TestS3ListParts::test_list_parts_pagination / list-parts-empty
    r = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    assert set(fields(r)) == {"Bucket", "Key", "UploadId", "Initiator", "Owner", "StorageClass", "MaxParts",
                              "PartNumberMarker", "NextPartNumberMarker", "IsTruncated"}
    assert (r["Bucket"], r["Key"], r["UploadId"], r["StorageClass"], r["MaxParts"]) == (bucket, key, up, "STANDARD", 1000)
    assert (r["PartNumberMarker"], r["NextPartNumberMarker"], r["IsTruncated"]) == (0, 0, False)
    assert set(r["Initiator"]) == {"DisplayName", "ID"} and set(r["Owner"]) == {"ID"}
    upload_parts(s3, bucket, key, up, [b"data", b"data"])
    # ... / list-parts-all
    r = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    assert r["NextPartNumberMarker"] == 2 and r["IsTruncated"] is False
    part = dict(r["Parts"][0])
    assert isinstance(part.pop("LastModified"), datetime.datetime)
    assert part == {"ETag": '"8d777f385d3dfec8815d20f7496026dc"', "PartNumber": 1, "Size": 4}
    # ... / list-parts-1
    r = s3.list_parts(Bucket=bucket, Key=key, UploadId=up, MaxParts=1)
    assert ([p["PartNumber"] for p in r["Parts"]], r["IsTruncated"], r["NextPartNumberMarker"], r["MaxParts"]) == (
        [1], True, 1, 1,
    )
    # ... / list-parts-next
    r = s3.list_parts(Bucket=bucket, Key=key, UploadId=up, MaxParts=1, PartNumberMarker=1)
    assert ([p["PartNumber"] for p in r["Parts"]], r["IsTruncated"], r["NextPartNumberMarker"], r["PartNumberMarker"]) == (
        [2], False, 2, 1,
    )
    # ... / list-parts-wrong-part
    r = s3.list_parts(Bucket=bucket, Key=key, UploadId=up, MaxParts=1, PartNumberMarker=10)
    assert ("Parts" in r, r["NextPartNumberMarker"], r["PartNumberMarker"], r["IsTruncated"]) == (False, 0, 10, False)


def test_list_multipart_uploads_empty(s3, bucket):
    r = s3.list_multipart_uploads(Bucket=bucket)
    # TestS3ListMultipartUploads::test_list_multiparts_next_marker / list-multiparts-empty
    assert fields(r) == {
        "Bucket": bucket, "IsTruncated": False, "KeyMarker": "", "MaxUploads": 1000, "NextKeyMarker": "",
        "NextUploadIdMarker": "", "UploadIdMarker": "",
    }


def test_list_multipart_uploads_order_and_markers(s3, bucket):
    # TestS3ListMultipartUploads::test_list_multiparts_next_marker: sorted by key, then initiation time
    ids = {}
    for key in ["key-c", "key-b", "key-a", "key-a", "key-a"]:
        ids.setdefault(key, []).append(create_upload(s3, bucket, key))
        time.sleep(1.05)  # distinct Initiated seconds
    order = [("key-a", u) for u in ids["key-a"]] + [("key-b", ids["key-b"][0]), ("key-c", ids["key-c"][0])]
    r = s3.list_multipart_uploads(Bucket=bucket)  # list-multiparts-all
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == order
    assert (r["NextKeyMarker"], r["NextUploadIdMarker"], r["IsTruncated"]) == ("key-c", ids["key-c"][0], False)
    u = dict(r["Uploads"][0])
    assert isinstance(u.pop("Initiated"), datetime.datetime)
    assert set(u) == {"Initiator", "Key", "Owner", "StorageClass", "UploadId"} and u["StorageClass"] == "STANDARD"
    assert set(u["Initiator"]) == {"DisplayName", "ID"} and set(u["Owner"]) == {"ID"}
    # list-multiparts-max-1
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1)
    assert ([x["UploadId"] for x in r["Uploads"]], r["IsTruncated"], r["NextKeyMarker"], r["NextUploadIdMarker"]) == (
        [ids["key-a"][0]], True, "key-a", ids["key-a"][0],
    )
    # list-multiparts-next-key-only: KeyMarker alone skips that key
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, KeyMarker="key-a")
    assert ([x["Key"] for x in r["Uploads"]], r["IsTruncated"], r["KeyMarker"]) == (["key-b"], True, "key-a")
    # list-multiparts-next-key-last
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, KeyMarker="key-c")
    assert ("Uploads" in r, r["IsTruncated"], r["NextKeyMarker"], r["NextUploadIdMarker"]) == (False, False, "", "")
    # list-multiparts-both-markers
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, KeyMarker="key-a", UploadIdMarker=ids["key-a"][0])
    assert ([x["UploadId"] for x in r["Uploads"]], r["NextUploadIdMarker"], r["UploadIdMarker"]) == (
        [ids["key-a"][1]], ids["key-a"][1], ids["key-a"][0],
    )
    # list-multiparts-both-markers-2
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, KeyMarker="key-a", UploadIdMarker=ids["key-a"][2])
    assert [x["Key"] for x in r["Uploads"]] == ["key-b"]
    # list-multiparts-get-last-upload-no-truncate
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, KeyMarker="key-b", UploadIdMarker=ids["key-b"][0])
    assert ([x["Key"] for x in r["Uploads"]], r["IsTruncated"], r["NextKeyMarker"], r["NextUploadIdMarker"]) == (
        ["key-c"], False, "key-c", ids["key-c"][0],
    )
    # list-multiparts-wrong-id-for-key
    assert fails(s3.list_multipart_uploads, Bucket=bucket, KeyMarker="key-a", UploadIdMarker=ids["key-b"][0]) == (
        400,
        {"Code": "InvalidArgument", "Message": "Invalid uploadId marker", "ArgumentName": "upload-id-marker",
         "ArgumentValue": ids["key-b"][0]},
    )
    # list-multiparts-next-upload-only: UploadIdMarker without KeyMarker is ignored
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, UploadIdMarker=ids["key-a"][1])
    assert ([x["UploadId"] for x in r["Uploads"]], r["UploadIdMarker"]) == ([ids["key-a"][0]], "")


def test_list_multipart_uploads_of_one_key_in_initiation_order(s3, bucket):
    # TestS3ListMultipartUploads::test_list_multiparts_next_marker / upload-ids-order, list-multiparts-all:
    # uploads created one after the other are listed in that order (not by upload id)
    ids = [create_upload(s3, bucket, "key-a") for _ in range(4)]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == ids


def test_list_multipart_uploads_with_checksum(s3, bucket):
    up = create_upload(s3, bucket, "k", ChecksumAlgorithm="CRC32", ChecksumType="COMPOSITE")
    # TestS3MultipartUploadChecksum::test_multipart_parts_checksum_exceptions_composite / list-multiparts
    u = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]
    assert (u["UploadId"], u["ChecksumAlgorithm"], u["ChecksumType"]) == (up, "CRC32", "COMPOSITE")


def test_complete_multipart_if_none_match(s3, bucket):
    key = "test-precondition"
    s3.put_object(Bucket=bucket, Key=key, Body=b"")
    up = create_upload(s3, bucket, key)
    parts = upload_parts(s3, bucket, key, up, [b"test"])
    plain = [{"ETag": parts[0]["ETag"], "PartNumber": 1}]
    # TestS3ObjectWritePrecondition::test_multipart_if_none_match_with_delete / complete-multipart-if-none-match
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, IfNoneMatch="*",
        MultipartUpload={"Parts": plain},
    ) == (412, {"Code": "PreconditionFailed", "Message": PRECONDITION, "Condition": "If-None-Match"})
    s3.delete_object(Bucket=bucket, Key=key)
    # ... / complete-multipart-after-del
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, IfNoneMatch="*",
        MultipartUpload={"Parts": plain},
    ) == (
        409,
        {"Code": "ConditionalRequestConflict", "Message": "The conditional request cannot succeed due to a "
         "conflicting operation against this resource.", "Condition": "If-None-Match", "Key": key},
    )
    # ... / complete-multipart-after-del-restart
    up = create_upload(s3, bucket, key)
    parts = upload_parts(s3, bucket, key, up, [b"test"])
    r = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=up, IfNoneMatch="*",
        MultipartUpload={"Parts": [{"ETag": parts[0]["ETag"], "PartNumber": 1}]},
    )
    assert (r["ETag"], r["ChecksumCRC64NVME"]) == ('"60cd54a928cbbcbb6e7b5595bab46a9e-1"', "+bu+zv66sUM=")


def test_complete_multipart_if_match(s3, bucket):
    key = "test-precondition"
    put = s3.put_object(Bucket=bucket, Key=key, Body=b"test")
    up = create_upload(s3, bucket, key)
    part = upload_parts(s3, bucket, key, up, [b"test"])[0]
    plain = [{"ETag": part["ETag"], "PartNumber": 1}]
    # TestS3ObjectWritePrecondition::test_multipart_if_match_etag / complete-multipart-if-match
    r = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=up, IfMatch=put["ETag"], MultipartUpload={"Parts": plain}
    )
    assert r["ETag"] == '"60cd54a928cbbcbb6e7b5595bab46a9e-1"'
    up = create_upload(s3, bucket, key)
    part = upload_parts(s3, bucket, key, up, [b"test"])[0]
    # ... / complete-multipart-if-match-true-etag: the older ETag no longer matches
    assert fails(
        s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, IfMatch=put["ETag"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    ) == (412, {"Code": "PreconditionFailed", "Message": PRECONDITION, "Condition": "If-Match"})


def test_upload_file_of_6_kib_in_1_kib_chunks(s3, bucket, tmp_path):
    f = tmp_path / "test-file.bin"
    f.write_bytes(b"1" * 6144)
    s3.upload_file(str(f), bucket, "my-key", Config=TransferConfig(multipart_threshold=5 * 1024, multipart_chunksize=1024))
    r = s3.get_object(Bucket=bucket, Key="my-key")
    # test_upload_file_multipart / get_object
    assert r["Body"].read() == b"1" * 6144
    assert (r["ETag"], r["ChecksumCRC32"], r["ChecksumType"], r["ContentLength"]) == (
        '"8eabe9d6b43316e840b079170916c079-1"', "B63YTw==-1", "COMPOSITE", 6144,
    )


def test_upload_part_copy_ranges(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src-key", Body=b"0123456789")
    key = "test-upload-part-copy"
    up = create_upload(s3, bucket, key)
    src = f"{bucket}/src-key"
    etags = []
    # TestS3Multipart::test_upload_part_copy_range / upload-part-copy-1..3
    for n, rng in enumerate(["0-8", "1-1", "0-0"], 1):
        r = s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, CopySource=src, CopySourceRange=f"bytes={rng}")
        assert set(fields(r)) == {"CopyPartResult", "ServerSideEncryption"} and r["ServerSideEncryption"] == "AES256"
        assert isinstance(r["CopyPartResult"]["LastModified"], datetime.datetime)
        etags.append(r["CopyPartResult"]["ETag"])
    assert etags == ['"22975d8a5ed1b91445f6c55ac121505b"', '"c4ca4238a0b923820dcc509a6f75849b"', '"cfcd208495d565ef66e7dff9f98764da"']
    # ... / list-parts
    lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in lp["Parts"]] == [(1, 9, etags[0]), (2, 1, etags[1]), (3, 1, etags[2])]
    assert lp["NextPartNumberMarker"] == 3


@pytest.mark.parametrize(
    "rng, error",
    [(r, {"Code": "InvalidArgument", "Message": COPY_RANGE_FORM, "ArgumentName": "x-amz-copy-source-range", "ArgumentValue": r})
     for r in ["0-8", "bytes=1-0", "bytes=-1-", "bytes=0--1", "bytes=0-1,3-4,7-9", "bytes=-", "bytes=-0",
               "bytes=1-", "bytes=-2", "bytes=-15"]]
    + [
        ("bytes=0-100", {"Code": "InvalidArgument", "Message": "Range specified is not valid for source object of size: 10",
                         "ArgumentName": "x-amz-copy-source-range", "ArgumentValue": "bytes=0-100"}),
        ("bytes=100-200", {"Code": "InvalidRequest", "Message": "The specified copy range is invalid for the source object size"}),
    ],
)
def test_upload_part_copy_range_errors(s3, bucket, rng, error):
    s3.put_object(Bucket=bucket, Key="src-key", Body=b"0123456789")
    up = create_upload(s3, bucket, "k")
    # TestS3Multipart::test_upload_part_copy_range / upload-part-copy-wrong-format, upload-part-copy-range-exc-*
    assert fails(
        s3.upload_part_copy, Bucket=bucket, Key="k", UploadId=up, PartNumber=1, CopySource=f"{bucket}/src-key",
        CopySourceRange=rng,
    ) == (400, error)


def test_upload_part_copy_without_range_copies_everything(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src-key", Body=b"0123456789")
    up = create_upload(s3, bucket, "k")
    # TestS3Multipart::test_upload_part_copy_no_copy_source_range
    r = s3.upload_part_copy(Bucket=bucket, Key="k", UploadId=up, PartNumber=1, CopySource=f"{bucket}/src-key")
    assert r["CopyPartResult"]["ETag"] == etag(b"0123456789")
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=up)["Parts"][0]["Size"] == 10


def test_get_object_part_number(s3, bucket):
    data = b"test content 123"
    part1 = data * (5 * MiB // len(data) + 1)
    up = create_upload(s3, bucket, "test.file")
    parts = upload_parts(s3, bucket, "test.file", up, [part1, data])
    s3.complete_multipart_upload(Bucket=bucket, Key="test.file", UploadId=up, MultipartUpload={"Parts": parts})
    # test_get_object_part / multipart-upload
    h = s3.head_object(Bucket=bucket, Key="test.file", ChecksumMode="ENABLED")
    assert (h["ETag"], h["ChecksumCRC64NVME"]) == ('"2848839dc84e13fa00a0944e760e233b-2"', "44QnbGeotHE=")
    # ... / head-object-part, get-object-part, get-object-part-with-checksum
    for r in [
        s3.head_object(Bucket=bucket, Key="test.file", PartNumber=2),
        s3.get_object(Bucket=bucket, Key="test.file", PartNumber=2),
    ]:
        if "Body" in r:
            assert r.pop("Body").read() == data
        f = fields(r)
        assert isinstance(f.pop("LastModified"), datetime.datetime)
        assert (status(r), f) == (206, {
            "AcceptRanges": "bytes", "ContentLength": 16, "ContentRange": "bytes 5242896-5242911/5242912",
            "ContentType": "binary/octet-stream", "ETag": '"2848839dc84e13fa00a0944e760e233b-2"', "Metadata": {},
            "PartsCount": 2, "ServerSideEncryption": "AES256",
        })
    # ... / part-doesnt-exist
    assert fails(s3.get_object, Bucket=bucket, Key="test.file", PartNumber=10) == (
        416,
        {"Code": "InvalidPartNumber", "Message": "The requested partnumber is not satisfiable",
         "ActualPartCount": "2", "PartNumberRequested": "10"},
    )
    # ... / part-with-range
    assert fails(s3.get_object, Bucket=bucket, Key="test.file", PartNumber=2, Range="bytes=0-1") == (
        400, {"Code": "InvalidRequest", "Message": "Cannot specify both Range header and partNumber query parameter"},
    )


def test_get_object_part_number_of_a_plain_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"test-123")
    # test_get_object_part / part-no-multipart
    assert fails(s3.get_object, Bucket=bucket, Key="k", PartNumber=2) == (
        416,
        {"Code": "InvalidPartNumber", "Message": "The requested partnumber is not satisfiable",
         "ActualPartCount": "1", "PartNumberRequested": "2"},
    )
    # ... / get-obj-no-multipart
    r = s3.get_object(Bucket=bucket, Key="k", PartNumber=1)
    assert r["Body"].read() == b"test-123"
    assert (status(r), r["ContentRange"], r["ChecksumCRC32"], r["ChecksumType"], "PartsCount" in r) == (
        206, "bytes 0-7/8", "MAPXAg==", "FULL_OBJECT", False,
    )


# ================================================================ checksums

BODY = b"test data.."
EXPECTED = {
    # TestS3PutObjectChecksum::test_put_object_checksum[*] / put-object-generated
    "CRC32": "cZWHwQ==",
    "CRC32C": "Pf4upw==",
    "SHA1": "B++3uSfJMSHWToQMQ1g6lIJY5Eo=",
    "SHA256": "2l26x0trnT0r2AvakoFk2MB7eKVKzYESLMxSAKAzoik=",
    "CRC64NVME": "qUVrWYOrIAM=",
}
WRONG_VALUE = {
    "CRC32": "AAAAAA==", "CRC32C": "AAAAAA==", "CRC64NVME": b64(b"\0" * 8), "SHA1": b64(b"\0" * 20),
    "SHA256": b64(b"\0" * 32),
}


def put_with(s3, bucket, key, algo, value=None, body=BODY):
    """boto3 computes CRC32/SHA1/SHA256 itself; CRC32C/CRC64NVME (and wrong values) are passed."""
    if value is None and algo in ("CRC32", "SHA1", "SHA256"):
        return s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm=algo)
    value = value if value is not None else checksum(algo, body)
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **{f"Checksum{algo}": value})


@pytest.mark.parametrize("algo", list(EXPECTED))
def test_put_object_with_checksum(s3, bucket, algo):
    r = put_with(s3, bucket, "k", algo)
    # ... / put-object-generated
    assert checksum_fields(r) == {f"Checksum{algo}": EXPECTED[algo], "ChecksumType": "FULL_OBJECT"}
    assert r["ETag"] == '"e6d9226c2a86b7232933663c13467527"'
    # ... / head-object-with-checksum: the stored one, and only that one
    h = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert checksum_fields(h) == {f"Checksum{algo}": EXPECTED[algo], "ChecksumType": "FULL_OBJECT"}
    g = s3.get_object(Bucket=bucket, Key="k")
    assert g["Body"].read() == BODY
    assert checksum_fields(g) == {f"Checksum{algo}": EXPECTED[algo], "ChecksumType": "FULL_OBJECT"}
    # digest section 6: ListObjects entries
    entry = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert (entry["ChecksumAlgorithm"], entry["ChecksumType"]) == ([algo], "FULL_OBJECT")


@pytest.mark.parametrize("algo", ["CRC32", "CRC32C"])
def test_get_object_attributes_checksum_and_etag(s3, bucket, algo):
    put_with(s3, bucket, "k", algo)
    # TestS3PutObjectChecksum::test_put_object_checksum[*] / get-object-attrs-generated: ETag unquoted
    a = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Checksum", "ETag"])
    assert a["Checksum"] == {f"Checksum{algo}": EXPECTED[algo], "ChecksumType": "FULL_OBJECT"}
    assert a["ETag"] == "e6d9226c2a86b7232933663c13467527"


@pytest.mark.parametrize("algo", list(EXPECTED))
def test_put_object_with_wrong_checksum_is_bad_digest(s3, bucket, algo):
    # ... / put-wrong-checksum-value
    assert fails(put_with, s3=s3, bucket=bucket, key="k", algo=algo, value=WRONG_VALUE[algo]) == (
        400, {"Code": "BadDigest", "Message": f"The {algo} you specified did not match the calculated checksum."},
    )
    assert fails(s3.head_object, Bucket=bucket, Key="k")[0] == 404  # nothing stored


@pytest.mark.parametrize("algo", list(EXPECTED))
def test_put_object_with_checksum_not_base64_is_invalid_request(s3, bucket, algo):
    # ... / put-wrong-checksum-no-b64
    assert fails(put_with, s3=s3, bucket=bucket, key="k", algo=algo, value="wrongvalue") == (
        400, {"Code": "InvalidRequest", "Message": f"Value for x-amz-checksum-{algo.lower()} header is invalid."},
    )
    assert fails(s3.head_object, Bucket=bucket, Key="k")[0] == 404


def test_put_object_with_two_checksums(s3, bucket):
    # TestS3PutObjectChecksum::test_s3_checksum_no_algorithm / put-2-checksums
    assert fails(
        s3.put_object, Bucket=bucket, Key="k", Body=BODY, ChecksumSHA256=EXPECTED["SHA256"], ChecksumCRC32=EXPECTED["CRC32"]
    ) == (400, {"Code": "InvalidRequest",
                "Message": "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."})


@pytest.mark.parametrize("algo, value", [("SHA256", "1YQo81vx2VFUl0q5ccWISq8AkSBQQ0WO80S82TmfdIQ="),
                                         ("CRC32C", "Fz3epA=="), ("SHA1", "jbXkHAsXUrubtL3dqDQ4w+7WXc0="),
                                         ("CRC64NVME", "1f2xscCCZCU=")])
def test_get_object_checksum_recorded_values(s3, bucket, algo, value):
    put_with(s3, bucket, "k", algo, body=b"test-checksum")
    # TestS3PutObjectChecksum::test_s3_get_object_checksum[*] / get-object-with-checksum
    r = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert r["Body"].read() == b"test-checksum"
    assert checksum_fields(r) == {f"Checksum{algo}": value, "ChecksumType": "FULL_OBJECT"}


def test_raw_put_without_checksum_stores_crc64nvme(server, s3, bucket):
    st, h, _ = raw(server, "PUT", f"/{bucket}/k", body=BODY)
    assert st == 200
    # TestS3PutObjectChecksum::test_s3_checksum_no_automatic_sdk_calculation / head-obj-no-checksum
    r = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert checksum_fields(r) == {"ChecksumCRC64NVME": "qUVrWYOrIAM=", "ChecksumType": "FULL_OBJECT"}
    assert r["ETag"] == '"e6d9226c2a86b7232933663c13467527"'
    # ... / copy-obj-default-checksum
    c = s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/k")["CopyObjectResult"]
    assert (c["ChecksumCRC64NVME"], c["ChecksumType"]) == ("qUVrWYOrIAM=", "FULL_OBJECT")
    # ... / get-obj-attrs-no-checksum
    a = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Checksum"])
    assert a["Checksum"] == {"ChecksumCRC64NVME": "qUVrWYOrIAM=", "ChecksumType": "FULL_OBJECT"}


def test_raw_put_checksum_algorithm_header_variants(server, s3, bucket):
    # TestS3PutObjectChecksum::test_s3_checksum_no_automatic_sdk_calculation
    assert raw(server, "PUT", f"/{bucket}/a", BODY, {"x-amz-checksum-algorithm": "SHA256"})[0] == 200
    r = s3.head_object(Bucket=bucket, Key="a", ChecksumMode="ENABLED")  # head-obj-only-checksum-algo
    assert checksum_fields(r) == {"ChecksumCRC64NVME": "qUVrWYOrIAM=", "ChecksumType": "FULL_OBJECT"}
    hdrs = {"x-amz-checksum-algorithm": "SHA1", "x-amz-checksum-sha256": EXPECTED["SHA256"]}
    assert raw(server, "PUT", f"/{bucket}/b", BODY, hdrs)[0] == 200
    r = s3.head_object(Bucket=bucket, Key="b", ChecksumMode="ENABLED")  # head-obj-diff-checksum-algo
    assert checksum_fields(r) == {"ChecksumSHA256": EXPECTED["SHA256"], "ChecksumType": "FULL_OBJECT"}
    assert raw(server, "PUT", f"/{bucket}/c", BODY, {"x-amz-checksum-algorithm": "TEST"})[0] == 200
    st, _, body = raw(server, "PUT", f"/{bucket}/d", BODY, {"x-amz-checksum-sha256": "wrong"})
    # ... / wrong-checksum (raw XML, no namespace)
    assert st == 400
    tag, f = xml_error(body)
    assert tag == "Error"
    assert (f["Code"], f["Message"]) == ("InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid.")
    assert f["RequestId"] and f["HostId"] is not None


# ================================================================ presigned URLs and auth

@pytest.fixture(scope="module")
def s3v4(server):
    return s3_client(server, signature_version="s3v4")


def test_presigned_get_and_its_headers(s3, s3v4, bucket):
    s3.put_object(Bucket=bucket, Key="temp.txt", Body=b"123")
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "temp.txt"}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    st, h, body = url_open(url)
    # TestS3PresignedUrl::test_presigned_url_signature_authentication[s3v4-False]
    assert (st, body) == (200, b"123")
    # test_get_object_content_length_with_virtual_host / get-obj-content-len-headers (exactly)
    assert set(h) - {"connection"} == {
        "accept-ranges", "content-length", "content-type", "date", "etag", "last-modified", "server",
        "x-amz-id-2", "x-amz-request-id", "x-amz-server-side-encryption",
    }


def test_presigned_put_and_delete(s3, s3v4, bucket):
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    st, _, body = url_open(url, "PUT", b"something")
    # test_presigned_url_signature_authentication: empty body
    assert (st, body) == (200, b"")
    # TestS3PresignedUrl::test_put_object / get_object: no checksum sent -> CRC64NVME
    r = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert checksum_fields(r) == {"ChecksumCRC64NVME": "1BGd19PD4OU=", "ChecksumType": "FULL_OBJECT"}
    assert r["ETag"] == '"437b930db84b8079c2dd804a71936b5f"'
    url = s3v4.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    assert url_open(url, "DELETE")[0] == 204
    assert fails(s3.head_object, Bucket=bucket, Key="k")[0] == 404


@pytest.fixture(scope="module")
def authed_s3(authed_server):
    return s3_client(authed_server, key=OWN_KEY)


@pytest.fixture(scope="module")
def authed_s3v4(authed_server):
    return s3_client(authed_server, key=OWN_KEY, signature_version="s3v4")


@pytest.fixture
def authed_object(authed_s3):
    name = new_name("presign")
    authed_s3.create_bucket(Bucket=name)
    authed_s3.put_object(Bucket=name, Key="temp.txt", Body=b"123")
    return name


def test_presigned_v4_works_on_the_authed_server(authed_s3v4, authed_object):
    url = authed_s3v4.generate_presigned_url("get_object", Params={"Bucket": authed_object, "Key": "temp.txt"}, ExpiresIn=60)
    assert url_open(url)[::2] == (200, b"123")


def test_presigned_v4_expired(authed_s3v4, authed_object):
    url = authed_s3v4.generate_presigned_url("get_object", Params={"Bucket": authed_object, "Key": "temp.txt"}, ExpiresIn=1)
    time.sleep(2.5)
    st, _, body = url_open(url)
    # TestS3PresignedUrl::test_presigned_url_signature_authentication_expired[s3v4-False] / expired
    assert st == 403
    tag, f = xml_error(body)
    assert tag == "Error"
    assert (f["Code"], f["Message"], f["X-Amz-Expires"]) == ("AccessDenied", "Request has expired", "1")
    assert f["Expires"] and f["ServerTime"] and f["RequestId"] and "HostId" in f


def test_presigned_v4_tampered(authed_s3v4, authed_object):
    params = {"Bucket": authed_object, "Key": "temp.txt", "ResponseContentType": "text/plain"}
    url = authed_s3v4.generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "response-content-type"]
    tampered = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    st, _, body = url_open(tampered)
    # TestS3PresignedUrl::test_presigned_url_signature_authentication[s3v4-False] / invalid-get-1
    assert st == 403
    tag, f = xml_error(body)
    assert tag == "Error"
    assert (f["Code"], f["Message"]) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
    assert {"AWSAccessKeyId", "StringToSign", "SignatureProvided", "StringToSignBytes", "CanonicalRequest",
            "CanonicalRequestBytes", "RequestId", "HostId"} <= set(f)
    assert f["AWSAccessKeyId"] == OWN_KEY[0]


def test_presigned_v4_signed_content_type_must_match(authed_s3v4, authed_object):
    url = authed_s3v4.generate_presigned_url(
        "put_object", Params={"Bucket": authed_object, "Key": "k", "ContentType": "text/plain"}, ExpiresIn=60
    )
    # TestS3PresignedUrl::test_s3_put_presigned_url_with_different_headers[s3v4]
    st, _, body = url_open(url, "PUT", b"x", {"Content-Type": "application/json"})
    assert st == 403 and xml_error(body)[1]["Code"] == "SignatureDoesNotMatch"
    assert url_open(url, "PUT", b"x", {"Content-Type": "text/plain"})[0] == 200


def test_presigned_v4_missing_parameter(authed_s3v4, authed_object):
    url = authed_s3v4.generate_presigned_url("get_object", Params={"Bucket": authed_object, "Key": "temp.txt"}, ExpiresIn=60)
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "X-Amz-Date"]
    st, _, body = url_open(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query))))
    # TestS3PresignedUrl::test_s3_put_presigned_url_missing_sig_param[s3v4]
    assert st == 400
    f = xml_error(body)[1]
    assert (f["Code"], f["Message"]) == (
        "AuthorizationQueryParametersError",
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
        "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    )


def test_presigned_v2_default_works_and_expires(authed_s3, authed_object):
    url = authed_s3.generate_presigned_url("get_object", Params={"Bucket": authed_object, "Key": "temp.txt"}, ExpiresIn=60)
    # digest section 0/7: boto3's default presigned URL is SigV2, AWS accepts it
    assert "AWSAccessKeyId=" in url and "Signature=" in url
    assert url_open(url)[::2] == (200, b"123")
    url = authed_s3.generate_presigned_url("get_object", Params={"Bucket": authed_object, "Key": "temp.txt"}, ExpiresIn=1)
    time.sleep(2.5)
    st, _, body = url_open(url)
    # TestS3PresignedUrl::test_s3_presigned_url_expired[s3] / expired-exception
    assert st == 403
    f = xml_error(body)[1]
    assert (f["Code"], f["Message"], "X-Amz-Expires" in f) == ("AccessDenied", "Request has expired", False)
    assert f["Expires"] and f["ServerTime"]


def test_header_auth_signed_for_aws_global(authed_server, authed_object):
    path = f"/{authed_object}/temp.txt"
    hdrs = signed(authed_server, "GET", path, hdrs={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, key=OWN_KEY,
                  region="aws-global")
    st, _, body = raw(authed_server, "GET", path, hdrs=hdrs)
    # test_create_bucket_aws_global
    assert st == 400
    f = xml_error(body)[1]
    assert (f["Code"], f["Message"], f["Region"]) == (
        "AuthorizationHeaderMalformed",
        "The authorization header is malformed; the region 'aws-global' is wrong; expecting 'us-east-1'",
        "us-east-1",
    )


# ================================================================ aws-chunked

@pytest.mark.parametrize("which", ["server", "authed_server"])
def test_aws_chunked_upload_with_crc32_trailer(request, which):
    srv = request.getfixturevalue(which)
    key = OWN_KEY if which == "authed_server" else ("test", "test")
    client = s3_client(srv, key=key)
    name = new_name("chunked")
    client.create_bucket(Bucket=name)
    data = os.urandom(70_000) + b"tail"
    crc = checksum("CRC32", data)
    body = b""
    for i in range(0, len(data), 32 * 1024):
        chunk = data[i:i + 32 * 1024]
        body += b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    body += b"0\r\n" + f"x-amz-checksum-crc32:{crc}\r\n".encode() + b"\r\n"
    path = f"/{name}/chunked.bin"
    hdrs = signed(srv, "PUT", path, body, {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-decoded-content-length": str(len(data)),
        "Content-Length": str(len(body)),
    }, key=key)
    st, h, resp = raw(srv, "PUT", path, body, hdrs)
    assert st == 200, resp
    # digest section 3 (PutObject answer) and 6: the trailer's checksum is the stored one
    assert h["etag"] == etag(data)
    assert client.get_object(Bucket=name, Key="chunked.bin")["Body"].read() == data
    r = client.head_object(Bucket=name, Key="chunked.bin", ChecksumMode="ENABLED")
    assert (r["ContentLength"], r["ChecksumCRC32"], r["ChecksumType"]) == (len(data), crc, "FULL_OBJECT")


# ================================================================ big transfer

def test_200_mib_upload_file_and_download_file(s3, bucket, tmp_path):
    src, dst = tmp_path / "big.bin", tmp_path / "big.out"
    chunk = 8 * MiB  # s3transfer's default multipart_chunksize
    sha, md5s, crcs = hashlib.sha256(), [], []
    with open(src, "wb") as f:
        for _ in range(25):
            block = os.urandom(chunk)
            f.write(block)
            sha.update(block)
            md5s.append(hashlib.md5(block).digest())
            crcs.append(zlib.crc32(block).to_bytes(4, "big"))
    s3.upload_file(str(src), bucket, "big.bin")
    h = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    # digest sections 0 and 5: s3transfer makes a COMPOSITE CRC32 multipart upload
    assert h["ContentLength"] == 200 * MiB
    assert h["ETag"] == '"%s-25"' % hashlib.md5(b"".join(md5s)).hexdigest()
    assert (h["ChecksumCRC32"], h["ChecksumType"]) == ("%s-25" % b64(zlib.crc32(b"".join(crcs)).to_bytes(4, "big")), "COMPOSITE")
    s3.download_file(bucket, "big.bin", str(dst))
    out = hashlib.sha256()
    with open(dst, "rb") as f:
        for block in iter(lambda: f.read(MiB), b""):
            out.update(block)
    assert out.hexdigest() == sha.hexdigest()


# ================================================================ aws CLI

def make_tree(root):
    files = {
        "a.txt": b"alpha\n",
        "b.bin": os.urandom(3000),
        "nested/c.txt": b"gamma\n",
        "nested/deeper/d.json": b'{"d": 1}',
        "nested/deeper/e f.txt": b"with space",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        # older than any LastModified (second precision), so a re-sync has nothing to do
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    return files


def tree_of(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_cli_cp_up_and_down(server, bucket, tmp_path):
    src = tmp_path / "up.bin"
    src.write_bytes(os.urandom(100_000))
    server.aws("s3", "cp", str(src), f"s3://{bucket}/dir/up.bin")
    dst = tmp_path / "down.bin"
    server.aws("s3", "cp", f"s3://{bucket}/dir/up.bin", str(dst))
    assert dst.read_bytes() == src.read_bytes()


def test_cli_sync_both_ways_ls_and_rm(server, s3, bucket, tmp_path):
    up = tmp_path / "up"
    files = make_tree(up)
    server.aws("s3", "sync", str(up), f"s3://{bucket}/tree/")
    assert sorted(keys_of(s3.list_objects_v2(Bucket=bucket))) == sorted(f"tree/{k}" for k in files)
    down = tmp_path / "down"
    server.aws("s3", "sync", f"s3://{bucket}/tree/", str(down))
    assert tree_of(down) == files
    # a second sync has nothing to do
    out = server.aws("s3", "sync", str(up), f"s3://{bucket}/tree/")
    assert "upload:" not in out.stdout
    ls = server.aws("s3", "ls", f"s3://{bucket}/tree/").stdout
    assert "PRE nested/" in ls and "a.txt" in ls and "b.bin" in ls
    ls = server.aws("s3", "ls", f"s3://{bucket}/tree/", "--recursive").stdout
    assert "tree/nested/deeper/e f.txt" in ls
    assert bucket in server.aws("s3", "ls").stdout
    server.aws("s3", "rm", f"s3://{bucket}/tree/", "--recursive")
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == []


def test_cli_head_object(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc123", ContentType="text/plain")
    out = json.loads(server.aws("s3api", "head-object", "--bucket", bucket, "--key", "k").stdout)
    # test_head_object_fields / head-object
    assert out["ETag"] == '"e99a18c428cb38d5f260853678922e03"'
    assert (out["ContentLength"], out["ContentType"], out["AcceptRanges"]) == (6, "text/plain", "bytes")
    assert out["ServerSideEncryption"] == "AES256"
    missing = server.aws("s3api", "head-object", "--bucket", bucket, "--key", "nope", check=False)
    assert missing.returncode != 0 and "404" in missing.stderr


# ================================================================ virtual-hosted style

def _resolves_to_loopback(host):
    try:
        return any(a[4][0] == "127.0.0.1" for a in socket.getaddrinfo(host, 80))
    except OSError:
        return False


@pytest.mark.skipif(not _resolves_to_loopback("x.s3.localhost"), reason="x.s3.localhost does not resolve to 127.0.0.1")
def test_virtual_hosted_style_with_boto3(server, s3, bucket):
    vh = s3_client(server, endpoint=f"http://s3.localhost:{server.port}", s3={"addressing_style": "virtual"})
    # digest section 8: answers identical to path style
    vh.put_object(Bucket=bucket, Key="dir/k", Body=b"vhost")
    assert vh.get_object(Bucket=bucket, Key="dir/k")["Body"].read() == b"vhost"
    assert keys_of(vh.list_objects_v2(Bucket=bucket)) == ["dir/k"]
    missing = new_name()
    # test_bucket_does_not_exist / list_object_vhost
    assert fails(vh.list_objects, Bucket=missing) == (
        404, {"Code": "NoSuchBucket", "Message": NO_SUCH_BUCKET, "BucketName": missing},
    )


def test_virtual_hosted_style_by_host_header(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="dir/k", Body=b"vhost")
    host = f"{bucket}.s3.localhost:{server.port}"
    # digest section 8: Host BUCKET.s3.localhost:PORT, answers identical to path style
    st, h, body = raw(server, "GET", "/dir/k", host=host)
    assert (st, body, h["etag"]) == (200, b"vhost", etag(b"vhost"))
    st, _, body = raw(server, "GET", "/?list-type=2", host=host)
    assert st == 200
    assert [k.text for k in ET.fromstring(body).iter(S3_NS + "Key")] == ["dir/k"]
    missing = new_name()
    st, _, body = raw(server, "GET", "/", host=f"{missing}.s3.localhost:{server.port}")
    # test_bucket_does_not_exist / list_object_vhost
    assert st == 404
    tag, f = xml_error(body)
    assert (tag, f["Code"], f["Message"], f["BucketName"]) == ("Error", "NoSuchBucket", NO_SUCH_BUCKET, missing)

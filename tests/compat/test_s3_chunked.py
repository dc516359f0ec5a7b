"""S3's aws-chunked uploads, signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
with and without trailing checksums) and unsigned with a trailer, as the
SDKs that stream send them, against a server that checks every signature:
good chains are stored, a broken chain or checksum is refused and stores
nothing."""

import base64
import datetime
import hashlib
import hmac
import http.client
import os
import zlib

import boto3
import botocore.config
import pytest

from conftest import OWN_KEY, unique

REGION = "us-east-1"
EMPTY = hashlib.sha256(b"").hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret, day):
    k = _hmac(("AWS4" + secret).encode(), day)
    for part in (REGION, "s3", "aws4_request"):
        k = _hmac(k, part)
    return k


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def chunked_put(server, bucket, key, data, chunk=64 * 1024, mode="signed", tamper=None, trailer=True):
    """PUTs `data` in aws-chunked framing, signing as SigV4 streaming does."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{REGION}/s3/aws4_request"
    host = f"127.0.0.1:{server.port}"
    payload = {
        "signed": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if trailer else "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "unsigned": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }[mode]
    headers = {
        "host": host,
        "x-amz-date": amz,
        "x-amz-content-sha256": payload,
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
    }
    if trailer:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    signed = ";".join(sorted(headers))
    path = f"/{bucket}/{key}"
    canonical = "\n".join([
        "PUT", path, "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload,
    ])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key_bytes = signing_key(OWN_KEY[1], day)
    seed = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={OWN_KEY[0]}/{scope}, SignedHeaders={signed}, Signature={seed}"
    )
    body = bytearray()
    previous = seed
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for n, piece in enumerate(pieces):
        if mode == "signed":
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz, scope, previous, EMPTY,
                             hashlib.sha256(piece).hexdigest()])
            sig = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
            previous = sig
            if tamper == "chunk" and n == 0:
                sig = "0" * 64
            body += f"{len(piece):x};chunk-signature={sig}\r\n".encode()
        else:
            body += f"{len(piece):x}\r\n".encode()
        if piece:
            body += piece + b"\r\n"
    if trailer:
        checksum = "AAAAAA==" if tamper == "checksum" else crc32_b64(data)
        line = f"x-amz-checksum-crc32:{checksum}\n"
        body += line.replace("\n", "\r\n").encode()
        if mode == "signed":
            sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz, scope, previous,
                             hashlib.sha256(line.encode()).hexdigest()])
            sig = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
            body += f"x-amz-trailer-signature:{sig}\r\n".encode()
    body += b"\r\n"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers["content-length"] = str(len(body))
    conn.request("PUT", path, body=bytes(body), headers={k: v for k, v in headers.items() if k != "host"})
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


@pytest.fixture(scope="module")
def s3(authed_server):
    return boto3.client(
        "s3", endpoint_url=authed_server.endpoint, region_name=REGION,
        aws_access_key_id=OWN_KEY[0], aws_secret_access_key=OWN_KEY[1],
        config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique("chunked").lower()
    s3.create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("mode,trailer", [("signed", True), ("signed", False), ("unsigned", True)])
def test_streamed_uploads_are_stored_whole(authed_server, s3, bucket, mode, trailer):
    data = os.urandom(200 * 1024 + 17)
    key = f"{mode}-{trailer}"
    status, headers, body = chunked_put(authed_server, bucket, key, data, mode=mode, trailer=trailer)
    assert status == 200, body
    assert headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data)
    # The framing is not the object's encoding.
    assert "ContentEncoding" not in got
    if trailer:
        assert got["ChecksumCRC32"] == crc32_b64(data)


def test_a_broken_chunk_signature_is_refused(authed_server, s3, bucket):
    status, _, body = chunked_put(authed_server, bucket, "bad-chunk", os.urandom(100_000), tamper="chunk")
    assert status == 403, body
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="bad-chunk")


def test_a_wrong_trailing_checksum_is_refused(authed_server, s3, bucket):
    for mode in ("signed", "unsigned"):
        status, _, body = chunked_put(authed_server, bucket, f"bad-sum-{mode}", b"x" * 1000,
                                      mode=mode, tamper="checksum")
        assert status == 400, body
        assert b"<Code>BadDigest</Code>" in body
        assert b"The CRC32 you specified did not match the calculated checksum." in body
        with pytest.raises(s3.exceptions.NoSuchKey):
            s3.get_object(Bucket=bucket, Key=f"bad-sum-{mode}")

"""kill -9 under S3 uploads: every object a 200 acknowledged is there
after a restart with its exact bytes, no object is torn (each listed
object's bytes match its ETag), and nothing deleted comes back."""

import hashlib
import os
import shutil
import tempfile
import threading
import time

import boto3
import boto3.s3.transfer
import botocore.config

from conftest import Server


def s3_client(server):
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(
            s3={"addressing_style": "path"}, retries={"max_attempts": 1}, read_timeout=30
        ),
    )


def test_acknowledged_objects_survive_kill_9_and_none_is_torn():
    data_dir = tempfile.mkdtemp(prefix="lambdalite-s3-crash-")
    server = Server(data_dir).start()
    try:
        s3 = s3_client(server)
        s3.create_bucket(Bucket="crash-bucket")
        acked = {}  # key -> md5 hex
        deleted = set()
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n):
            c = s3_client(server)
            i = 0
            while not stop.is_set():
                key = f"w{n}/obj-{i:05d}"
                # Sizes from empty to a few MiB, so some uploads are mid-body
                # when the process dies.
                size = [0, 1, 1000, 64 * 1024, 3 * 1024 * 1024][i % 5]
                body = os.urandom(size)
                try:
                    c.put_object(Bucket="crash-bucket", Key=key, Body=body)
                except Exception:
                    return
                with lock:
                    acked[key] = hashlib.md5(body).hexdigest()
                if i % 7 == 3:
                    try:
                        c.delete_object(Bucket="crash-bucket", Key=key)
                    except Exception:
                        return
                    with lock:
                        acked.pop(key, None)
                        deleted.add(key)
                i += 1

        def multipart():
            c = s3_client(server)
            config = boto3.s3.transfer.TransferConfig(
                multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
            )
            i = 0
            while not stop.is_set():
                key = f"mp/obj-{i:03d}"
                body = os.urandom(11 * 1024 * 1024)
                path = os.path.join(data_dir, "upload.bin")
                with open(path, "wb") as f:
                    f.write(body)
                try:
                    c.upload_file(path, "crash-bucket", key, Config=config)
                except Exception:
                    return
                with lock:
                    acked[key] = hashlib.md5(body).hexdigest()
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        threads.append(threading.Thread(target=multipart))
        for t in threads:
            t.start()
        time.sleep(4)
        server.stop(sig_kill=True)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        with lock:
            acked_now = dict(acked)
            deleted_now = set(deleted)
        assert len(acked_now) > 20, "too few uploads were acknowledged to test anything"

        server.start()
        s3 = s3_client(server)
        listed = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="crash-bucket"):
            for o in page.get("Contents", []):
                listed[o["Key"]] = o["ETag"].strip('"')
        missing = [k for k in acked_now if k not in listed]
        assert not missing, f"acknowledged objects lost: {missing[:5]}"
        back = [k for k in deleted_now if k in listed]
        assert not back, f"deleted objects came back: {back[:5]}"
        for key, etag in listed.items():
            body = s3.get_object(Bucket="crash-bucket", Key=key)["Body"].read()
            if "-" not in etag:
                assert hashlib.md5(body).hexdigest() == etag, f"{key} is torn"
            if key in acked_now:
                assert hashlib.md5(body).hexdigest() == acked_now[key], f"{key} changed"
        # A body cut short by the kill left no temporary file behind.
        assert os.listdir(os.path.join(data_dir, "objects", "tmp")) == []
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

"""Function and layer code from S3: CreateFunction, UpdateFunctionCode and
PublishLayerVersion take S3Bucket and S3Key of lambdalite's own S3, with
AWS's errors for a missing bucket or key (test_lambda_api.snapshot.json,
create-error-wrong-bucket / create-error-wrong-key and the update ones)."""

import base64
import hashlib
import io
import json
import os
import zipfile

import boto3
import boto3.s3.transfer
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, make_zip, unique

WRONG_BUCKET = (
    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: "
    "The specified bucket does not exist"
)
WRONG_KEY = (
    "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
    "The specified key does not exist."
)


@pytest.fixture(scope="module")
def s3(server):
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique("code").lower()
    s3.create_bucket(Bucket=name)
    return name


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]


def test_a_function_deploys_from_a_bucket_and_is_updated_from_it(lam, s3, bucket):
    v1 = make_zip({"app.py": "def handler(e, c):\n    return 'v1'\n"})
    v2 = make_zip({"app.py": "def handler(e, c):\n    return 'v2'\n"})
    s3.put_object(Bucket=bucket, Key="pkg/v1.zip", Body=v1)
    s3.put_object(Bucket=bucket, Key="pkg/v2.zip", Body=v2)
    name = unique("s3fn")
    f = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"S3Bucket": bucket, "S3Key": "pkg/v1.zip"},
    )
    assert f["CodeSha256"] == base64.b64encode(hashlib.sha256(v1).digest()).decode()
    assert f["CodeSize"] == len(v1)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert json.load(lam.invoke(FunctionName=name)["Payload"]) == "v1"
    u = lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="pkg/v2.zip")
    assert u["CodeSha256"] == base64.b64encode(hashlib.sha256(v2).digest()).decode()
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert json.load(lam.invoke(FunctionName=name)["Payload"]) == "v2"


def test_a_missing_bucket_or_key_gets_aws_words(lam, bucket):
    name = unique("s3fn")
    for code, message in [
        ({"S3Bucket": unique("nobucket").lower(), "S3Key": "x.zip"}, WRONG_BUCKET),
        ({"S3Bucket": bucket, "S3Key": "missing.zip"}, WRONG_KEY),
    ]:
        e = error_of(lambda: lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler", Code=code))
        assert e == {"Code": "InvalidParameterValueException", "Message": message}
    make = make_zip({"app.py": "def handler(e, c):\n    return 1\n"})
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make})
    e = error_of(lambda: lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="missing.zip"))
    assert e == {"Code": "InvalidParameterValueException", "Message": WRONG_KEY}


def test_object_versions_are_refused_clearly(lam, s3, bucket):
    s3.put_object(Bucket=bucket, Key="v.zip", Body=make_zip({"app.py": "x = 1\n"}))
    e = error_of(lambda: lam.create_function(
        FunctionName=unique("s3fn"), Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"S3Bucket": bucket, "S3Key": "v.zip", "S3ObjectVersion": "3"}))
    assert e["Code"] == "InvalidParameterValueException"
    assert "S3ObjectVersion" in e["Message"]


def test_a_layer_is_published_from_a_bucket(lam, s3, bucket):
    layer = make_zip({"python/helper.py": "VALUE = 'from a layer in S3'\n"})
    s3.put_object(Bucket=bucket, Key="layers/helper.zip", Body=layer)
    lv = lam.publish_layer_version(
        LayerName=unique("s3layer"), Content={"S3Bucket": bucket, "S3Key": "layers/helper.zip"})
    assert lv["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(layer).digest()).decode()
    assert lv["Content"]["CodeSize"] == len(layer)
    name = unique("s3fn")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": "import helper\ndef handler(e, c):\n    return helper.VALUE\n"})},
        Layers=[lv["LayerVersionArn"]])
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert json.load(lam.invoke(FunctionName=name)["Payload"]) == "from a layer in S3"


def test_a_120_mb_package_deploys_from_a_bucket(lam, s3, bucket, tmp_path):
    # Over the 50 MB an inline ZipFile may carry, under the 250 MB unzipped limit.
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("app.py", "import os\ndef handler(e, c):\n"
                   "    return os.path.getsize(os.path.join(os.path.dirname(__file__), 'blob.bin'))\n")
        z.writestr(zipfile.ZipInfo("blob.bin"), os.urandom(120 * 1024 * 1024))
    size = path.stat().st_size
    assert size > 120 * 1024 * 1024
    s3.upload_file(str(path), bucket, "big.zip",
                   Config=boto3.s3.transfer.TransferConfig(multipart_threshold=16 * 1024 * 1024))
    name = unique("s3big")
    f = boto3.client(
        "lambda", endpoint_url=lam.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(read_timeout=300, retries={"max_attempts": 1}),
    ).create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"S3Bucket": bucket, "S3Key": "big.zip"}, Timeout=30)
    assert f["CodeSize"] == size
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert json.load(lam.invoke(FunctionName=name)["Payload"]) == 120 * 1024 * 1024

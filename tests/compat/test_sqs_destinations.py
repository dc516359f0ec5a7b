"""Asynchronous invocations deliver to SQS: OnSuccess/OnFailure destinations
receive AWS's invocation record, and a function's DeadLetterConfig queue
receives the failed event with RequestID, ErrorCode and ErrorMessage."""

import json
import time

import pytest

from conftest import Server, create, make_zip

FLAKY = make_zip({
    "app.py": (
        "def handler(event, context):\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('asked to fail')\n"
        "    return {'ok': event}\n"
    )
})


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("dest"), extra_env={"LAMBDALITE_ASYNC_RETRY_DELAY": "0.2"}).start()
    yield s
    s.stop()


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def one_message(sqs, url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if got:
            return got[0]
    pytest.fail(f"nothing arrived in {url}")


def test_success_and_failure_records_reach_sqs_destinations(quick):
    lam, sqs = quick.client("lambda"), quick.client("sqs")
    ok_url, ok_arn = queue(sqs, "dest-ok")
    bad_url, bad_arn = queue(sqs, "dest-bad")
    name = create(lam, zip_bytes=FLAKY)["FunctionName"]
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": ok_arn}, "OnFailure": {"Destination": bad_arn}},
    )
    r = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    accepted = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    record = json.loads(one_message(sqs, ok_url)["Body"])
    # AWS docs, "Capturing records of asynchronous invocations": the record's shape.
    assert record["version"] == "1.0"
    assert record["requestContext"]["requestId"] == accepted
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"n": 1}
    assert record["responseContext"]["statusCode"] == 200
    assert record["responsePayload"] == {"ok": {"n": 1}}

    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    record = json.loads(one_message(sqs, bad_url)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "asked to fail"


def test_a_failed_event_lands_in_the_dead_letter_queue(quick):
    lam, sqs = quick.client("lambda"), quick.client("sqs")
    dlq_url, dlq_arn = queue(sqs, "fn-dlq")
    name = create(lam, zip_bytes=FLAKY, DeadLetterConfig={"TargetArn": dlq_arn})["FunctionName"]
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    r = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true, "id": 7}')
    accepted = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    m = one_message(sqs, dlq_url)
    # AWS docs, "Dead-letter queues": the event is the body; RequestID,
    # ErrorCode and ErrorMessage are message attributes.
    assert json.loads(m["Body"]) == {"fail": True, "id": 7}
    attrs = m["MessageAttributes"]
    assert attrs["RequestID"] == {"StringValue": accepted, "DataType": "String"}
    assert attrs["ErrorCode"]["DataType"] == "Number"
    assert attrs["ErrorMessage"]["StringValue"] == "asked to fail"


def test_destinations_of_other_services_are_still_refused(lam):
    name = create(lam, zip_bytes=FLAKY)["FunctionName"]
    with pytest.raises(Exception) as e:
        lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:topic"}},
        )
    assert "InvalidParameterValueException" in str(e.value)

"""EventBridge on lambdalite's one endpoint, checked against answers recorded on
real AWS.

Facts (codes, messages, statuses, response keys, delivered payloads) come from
LocalStack's parity snapshots of tests/aws/services/events/ (test_events.py,
test_events_patterns.py with its event_pattern_templates/, test_events_inputs.py,
test_events_schedule.py, test_events_targets.py, test_events_tags.py), recorded
against AWS; the matching *.validation.json files list them as AWS-validated.
Each test names its source as "Class::test / snapshot key", "validated:" when
the fact is an assertion of a validated test rather than a snapshot, or "AWS
docs: ..." when only documentation says it. Where AWS's answer to an error was
not recorded, a test asserts the error code only. Snapshot placeholders
(account 111111111111, <region>) are mapped to 000000000000 and us-east-1.
docs/events-recorded.md is the digest of the same recordings.

EventBridge speaks awsJson 1.1 (X-Amz-Target AWSEvents.<Operation>, SigV4
service "events"). Every recorded error is HTTP 400, ResourceNotFoundException
included.

Deliveries are asynchronous: tests poll the target queue (receive_message with
WaitTimeSeconds=1) up to a deadline. To show that something was *not*
delivered, a test sends it first, then something that is delivered, waits for
that and gives stragglers one more second. The session server (and its default
bus) is shared by every test file, so each test uses its own custom bus or, on
the default bus, a source nobody else uses. One test waits for a real
`rate(1 minute)` schedule (about a minute); everything else is quick.
"""

import datetime
import json
import re
import time
import uuid

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique

ACCOUNT = "000000000000"
REGION = "us-east-1"

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# helper_functions.events_time_string_to_timestamp and test_put_events_with_time_field:
# "%Y-%m-%dT%H:%M:%SZ", no fraction.
EVENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# Every delivered event of every snapshot, keys in this order.
EVENT_KEYS = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
# The SNS envelope of TestEventsTargetSns::test_put_events_with_target_sns / messages (no Subject).
SNS_ENVELOPE_KEYS = {
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

# LocalStack's test_events.py constants, used by most recordings.
TEST_EVENT_DETAIL = {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}
TEST_SOURCE = "core.update-account-command"
TEST_DETAIL_TYPE = "core.update-account-command"
TEST_EVENT_PATTERN = {
    "source": [TEST_SOURCE],
    "detail-type": [TEST_DETAIL_TYPE],
    "detail": {"command": ["update-account"]},
}
TEST_EVENT_PATTERN_NO_DETAIL = {"source": [TEST_SOURCE], "detail-type": [TEST_DETAIL_TYPE]}
SPECIAL_EVENT_DETAIL = {
    "command": "update-account",
    "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
    "listsingle": ["HIGH"],
    "listmulti": ["ACTIVE", "INACTIVE"],
    "valid": True,
}
EVENT_DETAIL_DUPLICATED_KEY = {
    "command": "update-account",
    "payload": {"acc_id": "0a787ecb-4015", "payload": {"message": "baz", "id": "123"}},
}
FIXED_TIME = datetime.datetime(2022, 1, 1, tzinfo=datetime.timezone.utc)
FIXED_TIME_TEXT = "2022-01-01T00:00:00Z"

SILENT = make_zip({"app.py": "def handler(event, context):\n    return None\n"})


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="session")
def events(server):
    return server.client("events")


@pytest.fixture(scope="session")
def events_nv(server):
    """A client that sends what it is given (the recordings used one too)."""
    return boto3.client(
        "events",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


@pytest.fixture(scope="session")
def sqs(server):
    return server.client("sqs")


@pytest.fixture(scope="session")
def sns(server):
    return server.client("sns")


def bus_arn(name):
    return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def rule_arn(name, bus="default"):
    if bus == "default":
        return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"
    return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/{name}"


def err(excinfo):
    r = excinfo.value.response
    return {
        "Code": r["Error"].get("Code"),
        "Message": r["Error"].get("Message"),
        "Status": r["ResponseMetadata"]["HTTPStatusCode"],
    }


def error(code, message, status=400):
    return {"Code": code, "Message": message, "Status": status}


def code_of(excinfo):
    return excinfo.value.response["Error"]["Code"]


def first_line(message):
    return message.split("\n", 1)[0]


def strip_meta(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def make_queue(sqs):
    """A queue whose policy lets EventBridge send to it (sqs_as_events_target)."""
    name = unique("evq")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventsToMe",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def make_bus(events, **kw):
    name = unique("bus")
    events.create_event_bus(Name=name, **kw)
    return name


def make_rule(events, bus="default", pattern=None, name=None, **kw):
    name = name or unique("rule")
    if pattern is not None:
        kw["EventPattern"] = json.dumps(pattern)
    arn = events.put_rule(Name=name, EventBusName=bus, **kw)["RuleArn"]
    return name, arn


def target_to(events, rule, bus, arn, **target):
    out = events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": unique("t"), "Arn": arn, **target}])
    assert out["FailedEntryCount"] == 0 and out["FailedEntries"] == [], out
    return out


def to_queue(events, sqs, pattern, bus=None, **target):
    """A rule on `bus` (a new custom bus when None) with one target: a new queue."""
    bus = bus or make_bus(events)
    rule, arn = make_rule(events, bus, pattern)
    url, qarn = make_queue(sqs)
    target_to(events, rule, bus, qarn, **target)
    return {"bus": bus, "rule": rule, "rule_arn": arn, "url": url, "queue_arn": qarn}


def entry(source=TEST_SOURCE, detail_type=TEST_DETAIL_TYPE, detail=None, bus=None, **kw):
    e = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(TEST_EVENT_DETAIL if detail is None else detail)}
    if bus is not None:
        e["EventBusName"] = bus
    e.update(kw)
    return e


def put(events, *entries):
    out = events.put_events(Entries=list(entries))
    assert out["FailedEntryCount"] == 0, out
    return [e["EventId"] for e in out["Entries"]]


def receive(sqs, url, n=1, timeout=15):
    """Receives (and deletes) until n messages came back or the deadline passed."""
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, n - len(got)),
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        for m in out.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            got.append(m)
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


def check_event(body, source, detail_type, detail, resources=(), event_id=None, event_time=None):
    """The event every target receives (every delivery snapshot, e.g.
    TestEventsTargetSqs::test_put_events_with_target_sqs / message)."""
    ev = json.loads(body) if isinstance(body, str) else body
    assert list(ev) == EVENT_KEYS, ev
    assert ev["version"] == "0"
    assert UUID.match(ev["id"]), ev["id"]
    if event_id is not None:
        assert ev["id"] == event_id
    assert ev["detail-type"] == detail_type
    assert ev["source"] == source
    assert ev["account"] == ACCOUNT
    assert EVENT_TIME.match(ev["time"]), ev["time"]
    if event_time is not None:
        assert ev["time"] == event_time
    assert ev["region"] == REGION
    assert ev["resources"] == list(resources)
    assert ev["detail"] == detail
    return ev


def bodies_for(events, sqs, pattern, cases, timeout=15, **target):
    """put_events_with_filter_to_sqs: a custom bus, a rule with `pattern`, one
    queue target; puts every (entry, should_match) case and returns the bodies
    that arrived (the matching ones, plus any stragglers within a second)."""
    w = to_queue(events, sqs, pattern, **target)
    for e, _ in cases:
        put(events, {**e, "EventBusName": w["bus"]})
    expected = sum(1 for _, match in cases if match)
    got = receive(sqs, w["url"], expected, timeout) if expected else []
    got += nothing_more(sqs, w["url"], 1.0)
    return [m["Body"] for m in got]


def _norm(body):
    try:
        v = json.loads(body)
    except ValueError:
        return ("raw", body)
    return ("json", json.dumps(v, sort_keys=True)) if isinstance(v, (dict, list)) else ("raw", body)


def same_bodies(got, expected):
    """Compares bodies regardless of arrival order: a str in `expected` is the
    exact body text, a dict or list the body's parsed JSON."""
    want = [("raw", e) if isinstance(e, str) else ("json", json.dumps(e, sort_keys=True)) for e in expected]
    assert sorted(_norm(b) for b in got) == sorted(want), got


def lambda_target(lam, sqs, permission_for=None):
    """A function whose async OnSuccess destination is a queue, so every event
    EventBridge delivers leaves a record there; allowed to be invoked by
    events.amazonaws.com from the rule ARN `permission_for` (when given)."""
    name = unique("evfn")
    fn_arn = create(lam, name, zip_bytes=SILENT)["FunctionArn"]
    dest_url, dest_arn = make_queue(sqs)
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnSuccess": {"Destination": dest_arn}}
    )
    if permission_for:
        lam.add_permission(
            FunctionName=name,
            StatementId=unique("events"),
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=permission_for,
        )
    return {"name": name, "arn": fn_arn, "dest_url": dest_url}


def destination_record(sqs, url, timeout=30):
    record = json.loads(one(sqs, url, timeout)["Body"])
    assert record["requestContext"]["condition"] == "Success", record
    return record


# ------------------------------------------------------------------ event buses


def test_default_bus_exists(events):
    # TestEventBus::test_put_permission[default] / describe-event-bus-*: the default bus's shape;
    # AWS docs (DescribeEventBus): without Name the default bus is described.
    for kw in ({}, {"Name": "default"}):
        d = strip_meta(events.describe_event_bus(**kw))
        assert {"Arn", "Name", "CreationTime", "LastModifiedTime"} <= set(d), d
        assert d["Name"] == "default"
        assert d["Arn"] == bus_arn("default")
    listed = events.list_event_buses(NamePrefix="default")["EventBuses"]
    assert [b["Arn"] for b in listed if b["Name"] == "default"] == [bus_arn("default")]


@pytest.mark.parametrize("with_description", [True, False], ids=["description", "plain"])
def test_create_describe_list_delete_custom_bus(events, with_description):
    # TestEventBus::test_create_list_describe_delete_custom_event_buses[True|False-regions0]
    name = unique("bus")
    kw = {"Description": "test bus"} if with_description else {}
    created = strip_meta(events.create_event_bus(Name=name, **kw))
    assert created == {"EventBusArn": bus_arn(name), **kw}
    keys = {"Arn", "CreationTime", "LastModifiedTime", "Name"} | set(kw)

    listed = events.list_event_buses(NamePrefix=name)["EventBuses"]
    assert len(listed) == 1 and set(listed[0]) == keys, listed
    assert listed[0]["Arn"] == bus_arn(name) and listed[0]["Name"] == name
    assert isinstance(listed[0]["CreationTime"], datetime.datetime)
    if with_description:
        assert listed[0]["Description"] == "test bus"

    described = strip_meta(events.describe_event_bus(Name=name))
    assert set(described) == keys, described
    assert described["Arn"] == bus_arn(name) and described["Name"] == name

    assert strip_meta(events.delete_event_bus(Name=name)) == {}
    assert events.list_event_buses(NamePrefix=name)["EventBuses"] == []


def test_create_bus_twice(events):
    # TestEventBus::test_create_multiple_event_buses_same_name
    name = make_bus(events)
    with pytest.raises(ClientError) as e:
        events.create_event_bus(Name=name)
    assert err(e) == error("ResourceAlreadyExistsException", f"Event bus {name} already exists.")


def test_missing_bus(events):
    # TestEventBus::test_describe_delete_not_existing_event_bus: describe refuses, delete does not.
    name = unique("this-bus-does-not-exist")
    with pytest.raises(ClientError) as e:
        events.describe_event_bus(Name=name)
    assert err(e) == error("ResourceNotFoundException", f"Event bus {name} does not exist.")
    events.delete_event_bus(Name=name)


def test_default_bus_cannot_be_deleted(events):
    # TestEventBus::test_delete_default_event_bus
    with pytest.raises(ClientError) as e:
        events.delete_event_bus(Name="default")
    assert err(e) == error("ValidationException", "Cannot delete event bus default.")


def test_list_event_buses_prefix_and_pages(events):
    # TestEventBus::test_list_event_buses_with_limit, test_list_event_buses_with_prefix
    prefix = unique("pbus")
    names = [f"{prefix}-{i}" for i in range(6)]
    for n in names:
        events.create_event_bus(Name=n)
    events.create_event_bus(Name=unique("other"))
    first = events.list_event_buses(NamePrefix=prefix, Limit=3)
    assert [b["Name"] for b in first["EventBuses"]] == names[:3]
    assert first["NextToken"]
    second = events.list_event_buses(NamePrefix=prefix, Limit=5, NextToken=first["NextToken"])
    assert [b["Name"] for b in second["EventBuses"]] == names[3:]
    assert "NextToken" not in second
    assert [b["Name"] for b in events.list_event_buses(NamePrefix=names[0])["EventBuses"]] == [names[0]]


def test_put_events_to_a_missing_bus_is_accepted(events, sqs):
    # TestEventBus::test_put_events_nonexistent_event_bus / put-events, get-events, non-existent-bus-error
    source = unique("MySource")
    w = to_queue(events, sqs, {"detail-type": ["CustomType"], "source": [source]}, bus="default")
    missing = unique("event-bus")
    out = events.put_events(
        Entries=[
            entry(source, "CustomType", {"message": "for the default event bus"}),
            entry(source, "CustomType", {"message": "for the custom event bus"}, bus=missing),
        ]
    )
    assert out["FailedEntryCount"] == 0
    assert len(out["Entries"]) == 2 and all(set(x) == {"EventId"} and UUID.match(x["EventId"]) for x in out["Entries"])
    m = one(sqs, w["url"])
    check_event(m["Body"], source, "CustomType", {"message": "for the default event bus"}, event_id=out["Entries"][0]["EventId"])
    assert nothing_more(sqs, w["url"], 1.0) == []
    with pytest.raises(ClientError) as e:
        events.describe_event_bus(Name=missing)
    assert err(e) == error("ResourceNotFoundException", f"Event bus {missing} does not exist.")


# ------------------------------------------------------------------ rules


@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_put_list_describe_delete_rule(events, custom):
    # TestEventRule::test_put_list_with_prefix_describe_delete_rule[custom|default]
    bus = make_bus(events) if custom else "default"
    name = unique("rule")
    out = strip_meta(events.put_rule(Name=name, EventPattern=json.dumps(TEST_EVENT_PATTERN), EventBusName=bus))
    assert out == {"RuleArn": rule_arn(name, bus)}

    rules = events.list_rules(NamePrefix=name, EventBusName=bus)["Rules"]
    assert len(rules) == 1, rules
    r = rules[0]
    assert set(r) == {"Arn", "EventBusName", "EventPattern", "Name", "State"}, r
    assert r["Arn"] == rule_arn(name, bus)
    assert r["EventBusName"] == bus
    assert json.loads(r["EventPattern"]) == TEST_EVENT_PATTERN
    assert r["Name"] == name and r["State"] == "ENABLED"

    d = strip_meta(events.describe_rule(Name=name, EventBusName=bus))
    assert set(d) == {"Arn", "CreatedBy", "EventBusName", "EventPattern", "Name", "State"}, d
    assert d["CreatedBy"] == ACCOUNT
    assert (d["Arn"], d["EventBusName"], d["Name"], d["State"]) == (rule_arn(name, bus), bus, name, "ENABLED")
    assert json.loads(d["EventPattern"]) == TEST_EVENT_PATTERN

    assert strip_meta(events.delete_rule(Name=name, EventBusName=bus)) == {}
    assert events.list_rules(NamePrefix=name, EventBusName=bus)["Rules"] == []


def test_rule_without_bus_name_is_on_the_default_bus(events):
    # AWS docs (PutRule, DescribeRule): EventBusName defaults to "default" and takes a name or an ARN.
    name, arn = make_rule(events, pattern={"source": [unique("src")]})
    assert arn == rule_arn(name)
    assert events.describe_rule(Name=name)["EventBusName"] == "default"
    assert events.describe_rule(Name=name, EventBusName=bus_arn("default"))["Arn"] == arn
    events.delete_rule(Name=name)


def test_put_rule_again_updates_it_and_keeps_its_targets(events, sqs):
    # TestEventRule::test_put_multiple_rules_with_same_name, test_update_rule_with_targets
    bus = make_bus(events)
    name, arn = make_rule(events, bus, TEST_EVENT_PATTERN)
    _, qarn = make_queue(sqs)
    target_id = unique("t")
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": target_id, "Arn": qarn}])
    again = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(TEST_EVENT_PATTERN))
    assert again["RuleArn"] == arn
    assert [r["Name"] for r in events.list_rules(EventBusName=bus)["Rules"]] == [name]
    targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
    assert targets == [{"Arn": qarn, "Id": target_id}]
    # AWS docs (PutRule): an update replaces the pattern and description
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["other"]}), Description="d")
    d = events.describe_rule(Name=name, EventBusName=bus)
    assert json.loads(d["EventPattern"]) == {"source": ["other"]}
    assert d["Description"] == "d"


def test_list_rules_pages(events):
    # TestEventRule::test_list_rule_with_limit / list-rules-limit, list-rules-limit-next-token
    bus = make_bus(events)
    prefix = unique("prule")
    names = [f"{prefix}-{i}" for i in range(6)]
    for n in names:
        make_rule(events, bus, TEST_EVENT_PATTERN, name=n)
    first = events.list_rules(EventBusName=bus, Limit=3)
    assert [r["Name"] for r in first["Rules"]] == names[:3]
    assert first["NextToken"]
    second = events.list_rules(EventBusName=bus, Limit=5, NextToken=first["NextToken"])
    assert [r["Name"] for r in second["Rules"]] == names[3:]
    assert "NextToken" not in second
    assert [r["Name"] for r in events.list_rules(EventBusName=bus, NamePrefix=names[4])["Rules"]] == [names[4]]


def test_describe_missing_rule(events):
    # TestEventRule::test_describe_nonexistent_rule / describe-not-existing-rule-error
    name = unique("this-rule-does-not-exist")
    with pytest.raises(ClientError) as e:
        events.describe_rule(Name=name)
    assert err(e) == error("ResourceNotFoundException", f"Rule {name} does not exist on EventBus default.")
    bus = make_bus(events)
    with pytest.raises(ClientError) as e:
        events.describe_rule(Name=name, EventBusName=bus)
    assert code_of(e) == "ResourceNotFoundException"


@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_disable_and_enable_rule(events, custom):
    # TestEventRule::test_disable_re_enable_rule[custom|default]
    bus = make_bus(events) if custom else "default"
    name, arn = make_rule(events, bus, {"source": [unique("src")]})
    assert strip_meta(events.disable_rule(Name=name, EventBusName=bus)) == {}
    d = events.describe_rule(Name=name, EventBusName=bus)
    assert d["State"] == "DISABLED" and d["Arn"] == arn
    assert strip_meta(events.enable_rule(Name=name, EventBusName=bus)) == {}
    assert events.describe_rule(Name=name, EventBusName=bus)["State"] == "ENABLED"
    events.delete_rule(Name=name, EventBusName=bus)


def test_rule_created_disabled(events):
    # AWS docs (PutRule State)
    name, _ = make_rule(events, pattern={"source": [unique("src")]}, State="DISABLED")
    assert events.describe_rule(Name=name)["State"] == "DISABLED"
    events.delete_rule(Name=name)


def test_delete_rule_with_targets_is_refused(events, sqs):
    # TestEventRule::test_delete_rule_with_targets / delete-rule-with-targets-error
    name, _ = make_rule(events, pattern=TEST_EVENT_PATTERN | {"source": [unique("src")]})
    _, qarn = make_queue(sqs)
    events.put_targets(Rule=name, Targets=[{"Id": "t1", "Arn": qarn}])
    with pytest.raises(ClientError) as e:
        events.delete_rule(Name=name)
    assert err(e) == error("ValidationException", "Rule can't be deleted since it has targets.")
    assert strip_meta(events.remove_targets(Rule=name, Ids=["t1"])) == {"FailedEntries": [], "FailedEntryCount": 0}
    events.delete_rule(Name=name)
    with pytest.raises(ClientError) as e:
        events.describe_rule(Name=name)
    assert err(e) == error("ResourceNotFoundException", f"Rule {name} does not exist on EventBus default.")


def test_put_rule_errors_not_recorded(events):
    # Not recorded: codes only (AWS docs, PutRule errors).
    with pytest.raises(ClientError) as e:
        events.put_rule(Name=unique("rule"))
    assert code_of(e) == "ValidationException"
    with pytest.raises(ClientError) as e:
        events.put_rule(Name=unique("rule"), EventBusName=unique("nobus"), EventPattern=json.dumps({"source": ["x"]}))
    assert code_of(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        events.put_rule(Name=unique("rule"), EventPattern=json.dumps({"int": 42}))
    assert code_of(e) == "InvalidEventPatternException"
    with pytest.raises(ClientError) as e:
        events.put_rule(Name=unique("rule"), EventPattern="{not json")
    assert code_of(e) == "InvalidEventPatternException"


@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_list_rule_names_by_target(events, sqs, custom):
    # TestEventRule::test_list_rule_names_by_target[*], _with_limit[*], _no_matches[*]
    bus = make_bus(events) if custom else "default"
    _, qarn = make_queue(sqs)
    _, other_arn = make_queue(sqs)
    prefix = unique("rnt") + "-"
    names = [f"{prefix}{i}" for i in range(5)]
    for i, n in enumerate(names):
        make_rule(events, bus, {"source": [f"source-{i}"]}, name=n)
        events.put_targets(Rule=n, EventBusName=bus, Targets=[{"Id": f"target-{i}", "Arn": qarn}])
    out = events.list_rule_names_by_target(TargetArn=qarn, EventBusName=bus)
    assert out["RuleNames"] == names and "NextToken" not in out
    pages, token = [], None
    for _ in range(3):
        kw = {"NextToken": token} if token else {}
        page = events.list_rule_names_by_target(TargetArn=qarn, EventBusName=bus, Limit=2, **kw)
        pages.append(page["RuleNames"])
        token = page.get("NextToken")
    assert pages == [names[0:2], names[2:4], names[4:]]
    assert token is None
    assert strip_meta(events.list_rule_names_by_target(TargetArn=other_arn, EventBusName=bus)) == {"RuleNames": []}


# ------------------------------------------------------------------ schedule expressions


def test_rate_schedule_rule(events):
    # TestScheduleRate::test_put_rule_with_schedule_rate / put-rule, list-rules
    name = unique("rule")
    assert events.put_rule(Name=name, ScheduleExpression="rate(1 minute)")["RuleArn"] == rule_arn(name)
    rules = events.list_rules(NamePrefix=name)["Rules"]
    assert rules == [
        {"Arn": rule_arn(name), "EventBusName": "default", "Name": name, "ScheduleExpression": "rate(1 minute)", "State": "ENABLED"}
    ]
    d = strip_meta(events.describe_rule(Name=name))
    assert set(d) == {"Arn", "CreatedBy", "EventBusName", "Name", "ScheduleExpression", "State"}, d
    events.delete_rule(Name=name)


VALID_CRONS = [
    "cron(0 2 ? * SAT *)",
    "cron(0 12 * * ? *)",
    "cron(5,35 14 * * ? *)",
    "cron(15 10 ? * 6L 2002-2005)",
    "cron(0 2 ? * SAT#3 *)",
    "cron(* * ? * SAT#3 *)",
    "cron(0/5 5 ? JAN 1-5 2022)",
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 20-23 ? * MON-FRI *)",
    "cron(0/30 0-2 ? * MON-FRI *)",
]


@pytest.mark.parametrize("expression", VALID_CRONS)
def test_cron_schedule_rules(events, expression):
    # TestScheduleCron::tests_put_rule_with_schedule_cron[<expression>] / put-rule, list-rules
    name = unique("rule")
    assert events.put_rule(Name=name, ScheduleExpression=expression)["RuleArn"] == rule_arn(name)
    try:
        rules = events.list_rules(NamePrefix=name)["Rules"]
        assert rules == [
            {"Arn": rule_arn(name), "EventBusName": "default", "Name": name, "ScheduleExpression": expression, "State": "ENABLED"}
        ]
    finally:
        events.delete_rule(Name=name)


INVALID_RATES = [
    "rate(10 seconds)",
    "rate(10 years)",
    "rate(1 minutes)",
    "rate(1 hours)",
    "rate(1 days)",
    "rate(10 minute)",
    "rate(10 hour)",
    "rate(10 day)",
    "rate()",
    "rate(10)",
    "rate(10 minutess)",
    "rate(foo minutes)",
    "rate(0 minutes)",
    "rate(-10 minutes)",
    "rate(10 MINUTES)",
    "rate( 10 minutes )",
    " rate(10 minutes)",
]
INVALID_CRONS = [
    "cron(0 1 * * * *)",
    "cron(7 20 * * NOT *)",
    "cron(INVALID)",
    "cron(0 dummy ? * MON-FRI *)",
    "cron(71 8 1 * ? *)",
]


@pytest.mark.parametrize("expression", INVALID_RATES + INVALID_CRONS)
def test_invalid_schedule_expressions(events, expression):
    # validated: TestScheduleRate::test_put_rule_with_invalid_schedule_rate[<expression>];
    # TestScheduleCron::tests_put_rule_with_invalid_schedule_cron[<expression>] / invalid-put-rule
    name = unique("rule")
    with pytest.raises(ClientError) as e:
        events.put_rule(Name=name, ScheduleExpression=expression)
    assert err(e) == error("ValidationException", "Parameter ScheduleExpression is not valid.")
    with pytest.raises(ClientError):
        events.describe_rule(Name=name)


def test_schedule_on_a_custom_bus_is_refused(events):
    # TestScheduleRate::tests_put_rule_with_schedule_custom_event_bus / put-rule-with-custom-event-bus-error
    bus = make_bus(events)
    with pytest.raises(ClientError) as e:
        events.put_rule(Name=unique("rule"), EventBusName=bus, ScheduleExpression="rate(1 minute)")
    assert err(e) == error("ValidationException", "ScheduleExpression is supported only on the default event bus.")


def test_scheduled_rule_sends_scheduled_events(events, sqs):
    # The one slow test (about a minute): TestScheduleRate::tests_schedule_rate_target_sqs / messages-first
    # and tests_schedule_rate_custom_input_target_sqs / list-targets, messages; test_schedule_cron_target_sqs.
    name = unique("sched")
    arn = events.put_rule(Name=name, ScheduleExpression="rate(1 minute)")["RuleArn"]
    plain_url, plain_arn = make_queue(sqs)
    input_url, input_arn = make_queue(sqs)
    custom = json.dumps({"custom-value": "somecustominput"})
    events.put_targets(
        Rule=name,
        Targets=[{"Id": "plain", "Arn": plain_arn}, {"Id": "custom", "Arn": input_arn, "Input": custom}],
    )
    assert events.list_targets_by_rule(Rule=name)["Targets"] == [
        {"Arn": plain_arn, "Id": "plain"},
        {"Arn": input_arn, "Id": "custom", "Input": custom},
    ]
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        m = one(sqs, plain_url, timeout=80)
        ev = check_event(m["Body"], "aws.events", "Scheduled Event", {}, resources=[arn])
        fired = datetime.datetime.strptime(ev["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        assert started - datetime.timedelta(seconds=5) <= fired <= started + datetime.timedelta(seconds=85), ev["time"]
        assert json.loads(one(sqs, input_url, timeout=20)["Body"]) == {"custom-value": "somecustominput"}
    finally:
        events.remove_targets(Rule=name, Ids=["plain", "custom"])
        events.delete_rule(Name=name)


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_put_list_remove_targets(events, sqs, custom):
    # TestEventTarget::test_put_list_remove_target[custom|default]
    bus = make_bus(events) if custom else "default"
    kw = {"EventBusName": bus} if custom else {}
    rule, _ = make_rule(events, bus, {"source": [unique("src")]})
    _, qarn = make_queue(sqs)
    target_id = unique("test-target")
    put_out = events.put_targets(Rule=rule, Targets=[{"Id": target_id, "Arn": qarn}], **kw)
    assert strip_meta(put_out) == {"FailedEntries": [], "FailedEntryCount": 0}
    assert strip_meta(events.list_targets_by_rule(Rule=rule, **kw)) == {"Targets": [{"Arn": qarn, "Id": target_id}]}
    removed = events.remove_targets(Rule=rule, Ids=[target_id], **kw)
    assert strip_meta(removed) == {"FailedEntries": [], "FailedEntryCount": 0}
    assert strip_meta(events.list_targets_by_rule(Rule=rule, **kw)) == {"Targets": []}


def test_at_most_five_targets(events, sqs):
    # TestEventTarget::test_add_exceed_fife_targets_per_rule / put-targets-client-error (7 in one call);
    # AWS docs (quotas): 5 targets per rule -- a 6th in a later call: code only.
    rule, _ = make_rule(events, pattern={"source": [unique("src")]})
    _, qarn = make_queue(sqs)
    with pytest.raises(ClientError) as e:
        events.put_targets(Rule=rule, Targets=[{"Id": f"test-target-{i}", "Arn": qarn} for i in range(7)])
    assert err(e) == error("LimitExceededException", "The requested resource exceeds the maximum number allowed.")
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == []
    events.put_targets(Rule=rule, Targets=[{"Id": f"test-target-{i}", "Arn": qarn} for i in range(5)])
    with pytest.raises(ClientError) as e:
        events.put_targets(Rule=rule, Targets=[{"Id": "test-target-5", "Arn": qarn}])
    assert code_of(e) == "LimitExceededException"
    # replacing one of the five is not a sixth
    events.put_targets(Rule=rule, Targets=[{"Id": "test-target-4", "Arn": qarn, "InputPath": "$.detail"}])
    assert len(events.list_targets_by_rule(Rule=rule)["Targets"]) == 5


def test_list_targets_pages(events, sqs):
    # TestEventTarget::test_list_target_by_rule_limit / list-targets-limit, list-targets-limit-next-token
    rule, _ = make_rule(events, pattern={"source": [unique("src")]})
    _, qarn = make_queue(sqs)
    events.put_targets(Rule=rule, Targets=[{"Id": f"test-target-{i}", "Arn": qarn} for i in range(5)])
    first = events.list_targets_by_rule(Rule=rule, Limit=3)
    assert first["Targets"] == [{"Arn": qarn, "Id": f"test-target-{i}"} for i in range(3)]
    assert first["NextToken"]
    second = events.list_targets_by_rule(Rule=rule, NextToken=first["NextToken"])
    assert second["Targets"] == [{"Arn": qarn, "Id": f"test-target-{i}"} for i in range(3, 5)]
    assert "NextToken" not in second


def test_target_id_validation(events, sqs):
    # TestEventTarget::test_put_target_id_validation / put-targets-invalid-id-error, put-targets-length-error
    rule, _ = make_rule(events, pattern={"source": [unique("src")]})
    _, qarn = make_queue(sqs)
    bad = "!@#$@!#$"
    with pytest.raises(ClientError) as e:
        events.put_targets(Rule=rule, Targets=[{"Id": bad, "Arn": qarn, "InputPath": "$.detail"}])
    assert err(e) == error(
        "ValidationException",
        f"1 validation error detected: Value '{bad}' at 'targets.1.member.id' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    )
    long_id = f"{uuid.uuid4()}-{uuid.uuid4()}-extra"
    with pytest.raises(ClientError) as e:
        events.put_targets(Rule=rule, Targets=[{"Id": long_id, "Arn": qarn, "InputPath": "$.detail"}])
    assert err(e) == error(
        "ValidationException",
        f"1 validation error detected: Value '{long_id}' at 'targets.1.member.id' failed to satisfy constraint: "
        "Member must have length less than or equal to 64",
    )
    good = unique("test-With_valid.Characters")
    events.put_targets(Rule=rule, Targets=[{"Id": good, "Arn": qarn, "InputPath": "$.detail"}])
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]] == [good]


def test_same_target_id_replaces_and_same_arn_adds(events, sqs):
    # TestEventTarget::test_put_multiple_targets_with_same_id_single_rule, _same_id_across_different_rules,
    # _same_arn_single_rule, _same_arn_across_different_rules / list-targets*
    one_rule, _ = make_rule(events, pattern=TEST_EVENT_PATTERN)
    two_rule, _ = make_rule(events, pattern=TEST_EVENT_PATTERN)
    _, qarn = make_queue(sqs)
    tid = unique("test-With_valid.Characters")
    events.put_targets(Rule=one_rule, Targets=[{"Id": tid, "Arn": qarn, "InputPath": "$.detail"}])
    events.put_targets(Rule=one_rule, Targets=[{"Id": tid, "Arn": qarn, "InputPath": "$.notexisting"}])
    assert events.list_targets_by_rule(Rule=one_rule)["Targets"] == [{"Arn": qarn, "Id": tid, "InputPath": "$.notexisting"}]
    events.put_targets(Rule=two_rule, Targets=[{"Id": tid, "Arn": qarn, "InputPath": "$.detail"}])
    assert events.list_targets_by_rule(Rule=two_rule)["Targets"] == [{"Arn": qarn, "Id": tid, "InputPath": "$.detail"}]
    assert events.list_targets_by_rule(Rule=one_rule)["Targets"] == [{"Arn": qarn, "Id": tid, "InputPath": "$.notexisting"}]
    other = unique("test-With_valid.Characters")
    events.put_targets(Rule=two_rule, Targets=[{"Id": other, "Arn": qarn, "InputPath": "$.doesnotexist"}])
    assert events.list_targets_by_rule(Rule=two_rule)["Targets"] == [
        {"Arn": qarn, "Id": tid, "InputPath": "$.detail"},
        {"Arn": qarn, "Id": other, "InputPath": "$.doesnotexist"},
    ]
    for rule, ids in ((one_rule, [tid]), (two_rule, [tid, other])):
        events.remove_targets(Rule=rule, Ids=ids)
        events.delete_rule(Name=rule)


def test_target_settings_are_listed_back(events, sqs):
    # AWS docs (PutTargets / ListTargetsByRule): what was set comes back, nothing else.
    rule, _ = make_rule(events, pattern={"source": [unique("src")]})
    _, qarn = make_queue(sqs)
    _, dlq_arn = make_queue(sqs)
    transformer = {"InputPathsMap": {"src": "$.source"}, "InputTemplate": '{"s": <src>}'}
    targets = [
        {"Id": "a", "Arn": qarn, "Input": '{"k": "v"}'},
        {"Id": "b", "Arn": qarn, "InputPath": "$.detail"},
        {"Id": "c", "Arn": qarn, "InputTransformer": transformer},
        {
            "Id": "d",
            "Arn": qarn,
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    ]
    events.put_targets(Rule=rule, Targets=targets)
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == targets


def test_only_one_input_kind_per_target(events, sqs):
    # test_events_inputs.py::test_put_event_input_path_and_input_transformer / duplicated-input-operations-error
    bus = make_bus(events)
    rule, _ = make_rule(events, bus, TEST_EVENT_PATTERN)
    _, qarn = make_queue(sqs)
    tid = unique("target")
    transformer = {
        "InputPathsMap": {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"},
        "InputTemplate": '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
    }
    with pytest.raises(ClientError) as e:
        events.put_targets(
            Rule=rule, EventBusName=bus, Targets=[{"Id": tid, "Arn": qarn, "InputTransformer": transformer, "InputPath": "$.detail"}]
        )
    assert err(e) == error("ValidationException", f"Only one of Input, InputPath, or InputTransformer must be provided for target {tid}.")
    with pytest.raises(ClientError) as e:
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": tid, "Arn": qarn, "Input": "{}", "InputPath": "$.detail"}])
    assert code_of(e) == "ValidationException"


def test_input_template_with_an_undefined_placeholder(events_nv, sqs):
    # TestInputTransformer::test_put_events_with_input_transformer_missing_keys / missing-key-exception-error
    bus = make_bus(events_nv)
    rule, _ = make_rule(events_nv, bus, TEST_EVENT_PATTERN)
    _, qarn = make_queue(sqs)
    tid = unique("target")
    transformer = {
        "InputPathsMap": {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"},
        "InputTemplate": '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
    }
    with pytest.raises(ClientError) as e:
        events_nv.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": tid, "Arn": qarn, "InputTransformer": transformer}])
    assert err(e) == error("ValidationException", f"InputTemplate for target {tid} contains invalid placeholder notdefinedkey.")


def test_targets_of_a_missing_rule(events, sqs):
    # Not recorded: codes only.
    _, qarn = make_queue(sqs)
    name = unique("norule")
    with pytest.raises(ClientError) as e:
        events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": qarn}])
    assert code_of(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        events.list_targets_by_rule(Rule=name)
    assert code_of(e) == "ResourceNotFoundException"


# ------------------------------------------------------------------ PutEvents


def test_put_events_entry_errors(events):
    # TestEvents::test_put_events_without_source, test_put_event_without_detail,
    # test_put_event_without_detail_type / put-events
    cases = [
        ({"DetailType": TEST_DETAIL_TYPE, "Detail": json.dumps(TEST_EVENT_DETAIL)},
         "Parameter Source is not valid. Reason: Source is a required argument."),
        ({"Source": TEST_SOURCE, "DetailType": TEST_DETAIL_TYPE},
         "Parameter Detail is not valid. Reason: Detail is a required argument."),
        ({"Source": "some.source", "Detail": json.dumps(TEST_EVENT_DETAIL), "DetailType": ""},
         "Parameter DetailType is not valid. Reason: DetailType is a required argument."),
    ]
    for e, message in cases:
        out = events.put_events(Entries=[e])
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert strip_meta(out) == {
            "Entries": [{"ErrorCode": "InvalidArgument", "ErrorMessage": message}],
            "FailedEntryCount": 1,
        }, e


@pytest.mark.parametrize("detail", ["NotJSON", "[]", "{{}", json.dumps("NotJSON")], ids=["STRING", "ARRAY", "MALFORMED_JSON", "SERIALIZED_STRING"])
def test_put_events_malformed_detail(events, detail):
    # TestEvents::test_put_event_malformed_detail[<id>] / put-events
    out = events.put_events(Entries=[{"Source": TEST_SOURCE, "DetailType": TEST_DETAIL_TYPE, "Detail": detail}])
    assert strip_meta(out) == {
        "Entries": [{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}],
        "FailedEntryCount": 1,
    }


def test_put_events_results_follow_the_entries(events):
    # AWS docs (PutEvents): one result per entry, in order; FailedEntryCount counts the failures.
    out = events.put_events(
        Entries=[
            entry(unique("src")),
            {"DetailType": "x", "Detail": "{}"},
            entry(unique("src")),
            {"Source": "s", "DetailType": "x", "Detail": "[]"},
        ]
    )
    assert out["FailedEntryCount"] == 2
    results = out["Entries"]
    assert set(results[0]) == {"EventId"} and UUID.match(results[0]["EventId"])
    assert results[1] == {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."}
    assert set(results[2]) == {"EventId"} and results[2]["EventId"] != results[0]["EventId"]
    assert results[3] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}


@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_put_events_more_than_ten_entries(events, custom):
    # TestEvents::test_put_events_exceed_limit_ten_entries[custom|default] / put-events-exceed-limit-error
    bus = make_bus(events) if custom else "default"
    entries = [entry(bus=bus) for _ in range(11)]
    with pytest.raises(ClientError) as e:
        events.put_events(Entries=entries)
    described = ", ".join(
        f"PutEventsRequestEntry(time=null, source={TEST_SOURCE}, resources=null, detailType={TEST_DETAIL_TYPE}, "
        f"detail={json.dumps(TEST_EVENT_DETAIL)}, eventBusName={bus}, traceHeader=null, kmsKeyIdentifier=null, "
        "internalMetadata=null)"
        for _ in entries
    )
    assert code_of(e) == "ValidationException"
    assert err(e) == error(
        "ValidationException",
        f"1 validation error detected: Value '[{described}]' at 'entries' failed to satisfy constraint: "
        "Member must have length less than or equal to 10",
    )


def test_put_events_too_big(events):
    # TestEvents::test_put_event_with_too_big_detail / put-events-too-big-detail-error
    big = {"Source": TEST_SOURCE, "DetailType": TEST_DETAIL_TYPE, "Detail": json.dumps({"payload": ["p" * (256 * 1024 - 17)]})}
    with pytest.raises(ClientError) as e:
        events.put_events(Entries=[big])
    assert err(e) == error("ValidationException", "Total size of the entries in the request is over the limit.")


def test_put_events_time_and_resources(events, sqs):
    # TestEvents::test_put_events_time (validated: every message's time is "2022-01-01T00:00:00Z"),
    # test_put_events_with_time_field (no fraction, near the sent time); AWS docs (PutEvents Resources).
    source = unique("src")
    w = to_queue(events, sqs, {"source": [source]})
    ids = put(
        events,
        entry(source, detail={"message": "fixed"}, bus=w["bus"], Time=FIXED_TIME),
        entry(source, detail={"message": "now"}, bus=w["bus"], Resources=["arn:aws:s3:::b", "r2"]),
    )
    got = {json.loads(m["Body"])["detail"]["message"]: json.loads(m["Body"]) for m in receive(sqs, w["url"], 2)}
    assert set(got) == {"fixed", "now"}, got
    check_event(got["fixed"], source, TEST_DETAIL_TYPE, {"message": "fixed"}, event_id=ids[0], event_time=FIXED_TIME_TEXT)
    now = check_event(got["now"], source, TEST_DETAIL_TYPE, {"message": "now"}, resources=["arn:aws:s3:::b", "r2"], event_id=ids[1])
    sent = datetime.datetime.strptime(now["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - sent).total_seconds()) < 120


def test_one_event_id_for_every_target(events, sqs):
    # TestEvents::test_put_events_response_entries_order / put-events-response, sqs-messages
    source = unique("src")
    rule, _ = make_rule(events, pattern={"source": [source], "detail-type": [TEST_DETAIL_TYPE]})
    url1, arn1 = make_queue(sqs)
    url2, arn2 = make_queue(sqs)
    events.put_targets(Rule=rule, Targets=[{"Id": "test-target-1", "Arn": arn1}, {"Id": "test-target-2", "Arn": arn2}])
    out = events.put_events(Entries=[entry(source)])
    assert out["FailedEntryCount"] == 0 and len(out["Entries"]) == 1
    event_id = out["Entries"][0]["EventId"]
    for url in (url1, url2):
        check_event(one(sqs, url)["Body"], source, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)
        assert nothing_more(sqs, url, 1.0) == []


def test_two_matching_rules_deliver_twice(events, sqs):
    # TestEventRule::test_process_to_multiple_matching_rules_single_target / events: the same event
    # (same id) once per matching rule.
    bus = make_bus(events)
    url, qarn = make_queue(sqs)
    for pattern in (TEST_EVENT_PATTERN_NO_DETAIL, TEST_EVENT_PATTERN):
        rule, _ = make_rule(events, bus, pattern)
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "t", "Arn": qarn}])
    (event_id,) = put(events, entry(bus=bus))
    got = receive(sqs, url, 2)
    assert len(got) == 2, got
    for m in got:
        check_event(m["Body"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)
    assert nothing_more(sqs, url, 1.0) == []


def test_only_matching_rules_deliver(events, sqs):
    # TestEventRule::test_process_to_single_matching_rules_single_target / events-source-*
    bus = make_bus(events)
    queues = {}
    for s in ("source-one", "source-two"):
        w = to_queue(events, sqs, {"source": [s]}, bus=bus)
        queues[s] = w["url"]
    put(events, entry("source-two", bus=bus), entry("source-one", bus=bus))
    for s, url in queues.items():
        check_event(one(sqs, url)["Body"], s, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL)
        assert nothing_more(sqs, url, 1.0) == []


# ------------------------------------------------------------------ TestEventPattern


PATTERN_CASES_JSON = r"""arrays {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate","arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]},"EventPattern":{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}}
arrays_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate"]},"EventPattern":{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}}
arrays_empty_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","resources":[]},"EventPattern":{"resources":[]}}
arrays_empty_null_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","resources":[]},"EventPattern":{"resources":[null]}}
boolean {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","boolean":false},"EventPattern":{"boolean":[false]}}
boolean_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","boolean":true},"EventPattern":{"boolean":[false]}}
complex_many_rules {"Event":{"id":"1","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusName":"my-event-bus-name","source":"core.update-account-command","detail-type":"core.app.backend","detail":{"description":"this-is-event-details","amount":200,"salary":2000,"env":"prod","user":"user3","admins":"admin","test1":300,"test2":"test22","test3":"test333","test4":"this test4","ip":"10.102.1.100","num-test1":100,"num-test2":200,"num-test3":300,"num-test4":200,"num-test5":500,"num-test6":300,"num-test7":300}},"EventPattern":{"source":[{"exists":true}],"detail-type":[{"prefix":"core.app"}],"detail":{"description":["this-is-event-details"],"amount":[200],"salary":[2000,4000],"env":["dev","prod"],"user":["user1","user2","user3"],"admins":["skyli",{"prefix":"hey"},{"prefix":"ad"}],"test1":[{"anything-but":200}],"test2":[{"anything-but":"test2"}],"test3":[{"anything-but":["test3","test33"]}],"test4":[{"anything-but":{"prefix":"test4"}}],"num-test1":[{"numeric":["<",200]}],"num-test2":[{"numeric":["<=",200]}],"num-test3":[{"numeric":[">",200]}],"num-test4":[{"numeric":[">=",200]}],"num-test5":[{"numeric":[">=",200,"<=",500]}],"num-test6":[{"numeric":[">",200,"<",500]}],"num-test7":[{"numeric":[">=",200,"<",500]}]}}}
complex_multi_match {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"processing","c-count":3,"d-count":9,"x-limit":999}},"EventPattern":{"time":[{"prefix":"2022-07-13"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}}
complex_multi_match_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"processing","c-count":3,"d-count":9,"x-limit":300}},"EventPattern":{"time":[{"prefix":"2022-07-13"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}}
complex_or {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":0,"d-count":0,"x-limit":901.8}},"EventPattern":{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",301.8]}]}]}}}
complex_or_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":0,"d-count":10,"x-limit":901.8}},"EventPattern":{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",301.8]}]}]}}}
content_anything_but_ignorecase {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}}
content_anything_but_ignorecase_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":123}}]}}}
content_anything_but_ignorecase_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"INITIALIZING"}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}}
content_anything_but_ignorecase_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}}}
content_anything_but_ignorecase_list_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":[123,456]}}]}}}
content_anything_but_ignorecase_list_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"Stopped"}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}}}
content_anything_but_ignorecase_list_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}}}
content_anything_but_ignorecase_list_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}}}
content_anything_but_ignorecase_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}}
content_anything_but_ignorecase_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}}
content_anything_but_number {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"x-limit":789}},"EventPattern":{"detail":{"x-limit":[{"anything-but":123}]}}}
content_anything_but_number_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"x-limit":123}},"EventPattern":{"detail":{"x-limit":[{"anything-but":123}]}}}
content_anything_but_number_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"x-limit":999}},"EventPattern":{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}}
content_anything_but_number_list_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"x-limit":100}},"EventPattern":{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}}
content_anything_but_number_zero {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"x-limit":789}},"EventPattern":{"detail":{"x-limit":[{"anything-but":0}]}}}
content_anything_but_string {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":"initializing"}]}}}
content_anything_but_string_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"initializing"}},"EventPattern":{"detail":{"state":[{"anything-but":"initializing"}]}}}
content_anything_but_string_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}}
content_anything_but_string_list_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"stopped"}},"EventPattern":{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}}
content_anything_but_string_list_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}}
content_anything_but_string_list_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":["stopped","running"]}]}}}
content_anything_but_string_list_null_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"detail":{"state":[{"anything-but":["stopped",null]}]}}}
content_anything_but_string_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":"initializing"}]}}}
content_anything_but_string_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":"initializing"}]}}}
content_anything_but_string_null_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":null}]}}}
content_anything_prefix {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"post-init"}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}}
content_anything_prefix_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"init-prefix"}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}}
content_anything_prefix_empty_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"prefix":""}}]}}}
content_anything_prefix_ignorecase_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"prefix":{"equals-ignore-case":"file"}}}]}}}
content_anything_prefix_int_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"post-init"}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":123}}]}}}
content_anything_prefix_int_value {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":12}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}}
content_anything_prefix_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"post-init"}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}}
content_anything_prefix_list_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"post-init"}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":["init","post"]}}]}}}
content_anything_prefix_list_int {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":12}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}}
content_anything_prefix_list_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":["init","post"]}}]}}}
content_anything_prefix_list_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}}
content_anything_prefix_list_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"post-init"}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":[123,"test"]}}]}}}
content_anything_prefix_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}}
content_anything_prefix_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}}
content_anything_suffix {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}}
content_anything_suffix_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}}
content_anything_suffix_empty_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":""}}]}}}
content_anything_suffix_ignorecase_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":{"equals-ignore-case":".png"}}}]}}}
content_anything_suffix_int_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":123}}]}}}
content_anything_suffix_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}}
content_anything_suffix_list_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.jpg"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}}
content_anything_suffix_list_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}}
content_anything_suffix_list_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":null}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}}
content_anything_suffix_list_null_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":[null,".txt"]}}]}}}
content_anything_suffix_list_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"file.txt.bak"}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":[123,".txt"]}}]}}}
content_anything_suffix_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}}
content_anything_suffix_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":null}},"EventPattern":{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}}
content_anything_wildcard {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FilePath":"dir/init/file"}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}}
content_anything_wildcard_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FilePath":"dir/init/file"}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/init/*"}}]}}}
content_anything_wildcard_empty {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FilePath":"dir/init/file"}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":""}}]}}}
content_anything_wildcard_int {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FilePath":123}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}}
content_anything_wildcard_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"dir/post/dir"}},"EventPattern":{"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}}
content_anything_wildcard_list_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"dir/init/dir"}},"EventPattern":{"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}}
content_anything_wildcard_list_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}}
content_anything_wildcard_list_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":null}},"EventPattern":{"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}}
content_anything_wildcard_list_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"dir/post/dir"}},"EventPattern":{"detail":{"state":[{"anything-but":{"wildcard":[123,"*/dir/*"]}}]}}}
content_anything_wildcard_missing_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/init/*"}}]}}}
content_anything_wildcard_null {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FilePath":null}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}}
content_anything_wildcard_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FilePath":"dir/init/file"}},"EventPattern":{"detail":{"FilePath":[{"anything-but":{"wildcard":123}}]}}}
content_exists {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"instance-id":"i-abcd1111","state":"pending"}},"EventPattern":{"detail":{"state":[{"exists":true}]}}}
content_exists_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":{"c1":100}}},"EventPattern":{"detail":{"state":[{"exists":true}]}}}
content_exists_false {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"level1":{"level2":"l2 value"}}},"EventPattern":{"detail":{"level1":{"level2:":{"level3":{"level4":[{"exists":false}]}}}}}}
content_exists_false_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"level1":{"level2":{"level3":{"level4":"l4 value"}}}}},"EventPattern":{"detail":{"level1":{"level2":{"level3":{"level4":[{"exists":false}]}}}}}}
content_ignorecase {"Event":{"id":"1","source":"test-source","detail-type":["EC2 Instance State-change Notification"],"account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}}
content_ignorecase_EXC {"Event":{"id":"1","source":"test-source","detail-type":["EC2 Instance State-change Notification"],"account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"detail-type":[{"equals-ignore-case":["ec2 instance state-change notification"]}]}}
content_ignorecase_NEG {"Event":{"id":"1","source":"test-source","detail-type":["EC2 Instance State-change Notification"],"account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"detail-type":[{"equals-ignore-case":"I do not match"}]}}
content_ignorecase_empty {"Event":{"id":"1","source":"test-source","detail-type":"random-value","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"value":""}},"EventPattern":{"detail":{"value":[{"equals-ignore-case":""}]}}}
content_ignorecase_empty_NEG {"Event":{"id":"1","source":"test-source","detail-type":"random-value","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"value":"test-value"}},"EventPattern":{"detail":{"value":[{"equals-ignore-case":""}]}}}
content_ignorecase_list_EXC {"Event":{"id":"1","source":"test-source","detail-type":["EC2 Instance State-change Notification"],"account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"detail-type":[{"equals-ignore-case":{"prefix":"ec2"}}]}}
content_ip_address {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.255"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}}
content_ip_address_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.255"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"bad-filter"}]}}}
content_ip_address_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.256"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}}
content_ip_address_bad_ip_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.255"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"xx.11.xx/8"}]}}}
content_ip_address_bad_mask_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.255"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"bad-/64filter"}]}}}
content_ip_address_bad_type_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":123}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}}
content_ip_address_type_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.255"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":["bad-type"]}]}}}
content_ip_address_v6 {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"2001:0db8:1234:1a00:0000:0000:0000:0000"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}}}
content_ip_address_v6_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"2001:0db8:123f:1a01:0000:0000:0000:0000"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}}}
content_ip_address_v6_bad_ip_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"sourceIPAddress":"10.0.0.255"}},"EventPattern":{"detail":{"sourceIPAddress":[{"cidr":"xxxx:db8:1234:1a00::/64"}]}}}
content_numeric_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":3}},"EventPattern":{"detail":{"c-count":[{"numeric":[">",0,">",0]}]}}}
content_numeric_and {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":3,"d-count":9,"x-limit":301.8}},"EventPattern":{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",301.8]}]}}}
content_numeric_and_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":42,"d-count":9,"x-limit":301.8}},"EventPattern":{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",301.8]}]}}}
content_numeric_number_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":3}},"EventPattern":{"detail":{"c-count":[{"numeric":10}]}}}
content_numeric_operatorcasing_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"equal":5}},"EventPattern":{"detail":{"equal":[{"NUMERIC":["=",5]}]}}}
content_numeric_syntax_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"c-count":3}},"EventPattern":{"detail":{"c-count":[{"numeric":[">",0,"<"]}]}}}
content_prefix {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"time":[{"prefix":"2022-07-13"}]}}
content_prefix_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"time":[{"prefix":"2022-07-99"}]}}
content_prefix_empty {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"source":[{"prefix":""}]}}
content_prefix_ignorecase {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"service":"EvEnTb"}},"EventPattern":{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}}
content_prefix_int_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"time":[{"prefix":123}]}}
content_prefix_list_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"time":[{"prefix":["2022-07-13"]}]}}
content_suffix {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"image.png"},"EventPattern":{"FileName":[{"suffix":".png"}]}}
content_suffix_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"image.png"},"EventPattern":{"FileName":[{"suffix":".PNG"}]}}
content_suffix_empty {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":"pending"}},"EventPattern":{"source":[{"suffix":""}]}}
content_suffix_ignorecase {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"image.PNG"}},"EventPattern":{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}}
content_suffix_ignorecase_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"FileName":"image.jpg"}},"EventPattern":{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}}
content_suffix_int_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"image.png"},"EventPattern":{"FileName":[{"suffix":123}]}}
content_suffix_list_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"image.png"},"EventPattern":{"FileName":[{"suffix":[".png"]}]}}
content_wildcard_complex_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},"EventPattern":{"EventBusArn":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}}
content_wildcard_empty_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},"EventPattern":{"EventBusArn":[{"wildcard":""}]}}
content_wildcard_int_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},"EventPattern":{"EventBusArn":[{"wildcard":123}]}}
content_wildcard_list_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},"EventPattern":{"EventBusArn":[{"wildcard":["arn:aws:events:us-east-1:**:event-bus/*"]}]}}
content_wildcard_nonrepeating {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"},"EventPattern":{"FileName":[{"wildcard":"/Users/*/doc.txt"}]}}
content_wildcard_nonrepeating_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"/Users/ls_user/dir/dir/dir/dir/dir/notmatchingdoc.txt"},"EventPattern":{"FileName":[{"wildcard":"/Users/*/doc.txt"}]}}
content_wildcard_repeating {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"},"EventPattern":{"FileName":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}}
content_wildcard_repeating_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","FileName":"/Users/ls_user/dir/dir/dir/dir/otherdir/doc.txt"},"EventPattern":{"FileName":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}}
content_wildcard_repeating_star_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},"EventPattern":{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:**:event-bus/*"}]}}
content_wildcard_simplified {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},"EventPattern":{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}}
dot_joining_event {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state.status":"running"}},"EventPattern":{"detail":{"state":{"status":["running"]}}}}
dot_joining_event_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state.status":{"status":"running"}}},"EventPattern":{"detail":{"state":{"status":["running"]}}}}
dot_joining_pattern {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":{"status":"running"}}},"EventPattern":{"detail":{"state.status":["running"]}}}
dot_joining_pattern_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"state":{"status":"running"}}},"EventPattern":{"detail":{"state.status":{"status":["running"]}}}}
dynamodb {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"NewImage":{"homemade":{"S":"ABCD","N":"1234"}}}},"EventPattern":{"dynamodb":{"NewImage":{"homemade":{"N":["1234"]}}}}}
exists_dynamodb {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"id":{"S":"test1234"},"presentKey":{"S":"test123"}}},"EventPattern":{"dynamodb":{"presentKey":{"S":[{"exists":true}]}}}}
exists_dynamodb_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"id":{"S":"test1234"},"presentKey":{"S":"test123"}}},"EventPattern":{"dynamodb":{"presentKey":[{"exists":true}]}}}
exists_list_empty_NEG {"Event":{"version":"0","id":"3e3c153a-8339-4e30-8c35-687ebef853fe","detail-type":"EC2 Instance Launch Successful","source":"aws.autoscaling","account":"123456789012","time":"2015-11-11T21:31:47Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"","responseElements":null}},"EventPattern":{"resources":[{"exists":true}]}}
int_nolist_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","int":42},"EventPattern":{"int":42}}
key_case_sensitive_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","my_key":"my-value"},"EventPattern":{"MY_KEY":["my-value"]}}
list_within_dict {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{"automations":[{"key1":"value1"},{"id":"match-does-exist"},{"key2":"value2"}]}},"EventPattern":{"detail":{"automations":{"id":[{"exists":true}]}}}}
minimal {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"id":["1"]}}
nested_json_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":"{\"my-key\": \"my-value\"}"},"EventPattern":{"detail":{"my-key":["my-value"]}}}
null_value {"Event":{"version":"0","id":"3e3c153a-8339-4e30-8c35-687ebef853fe","detail-type":"EC2 Instance Launch Successful","source":"aws.autoscaling","account":"123456789012","time":"2015-11-11T21:31:47Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"","responseElements":null}},"EventPattern":{"detail":{"responseElements":[null]}}}
null_value_NEG {"Event":{"version":"0","id":"3e3c153a-8339-4e30-8c35-687ebef853fe","detail-type":"EC2 Instance Launch Successful","source":"aws.autoscaling","account":"123456789012","time":"2015-11-11T21:31:47Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"","responseElements":"null"}},"EventPattern":{"detail":{"responseElements":[null]}}}
number_comparison_float {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","number":300.0},"EventPattern":{"number":[300]}}
numeric-int-float {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","number":101.0},"EventPattern":{"number":[{"numeric":[">",100]}]}}
numeric-null_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","number":null},"EventPattern":{"number":[{"numeric":[">",100]}]}}
numeric-string_NEG {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","number":"300"},"EventPattern":{"number":[{"numeric":[">",100]}]}}
operator_case_sensitive_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","my_key":"my-value"},"EventPattern":{"my_key":[{"EXISTS":true}]}}
operator_multiple_list {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","my_key":"my-value"},"EventPattern":{"my_key":[{"exists":true},{"prefix":"IGNORED"},{"suffix":"IGNORED"}]}}
or-anything-but {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"NewImage":{"homemade":{"S":"ABCD","N":"1234"}}}},"EventPattern":{"dynamodb":{"NewImage":{"homemade":{"S":[{"anything-but":["roses"]},{"exists":false}]}}}}}
or-exists {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"NewImage":{"homemade":{"N":"789"}}}},"EventPattern":{"dynamodb":{"NewImage":{"homemade":{"S":[{"anything-but":["roses"]},{"exists":false}]}}}}}
or-exists-parent {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"NewImage":{"purchased":{"N":"789"}}}},"EventPattern":{"dynamodb":{"NewImage":{"homemade":{"S":[{"anything-but":["roses"]},{"exists":false}]}}}}}
or-numeric-anything-but {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"ApproximateCreationDateTime":1733418659.0,"Keys":{"id":{"S":"id_value_1"}},"NewImage":{"id":{"S":"id_value_1"},"numericFilter":{"N":"42"}},"SequenceNumber":"49658361752382621885697088319781165717078428243510427650","SizeBytes":52,"StreamViewType":"NEW_AND_OLD_IMAGES"}},"EventPattern":{"dynamodb":{"NewImage":{"numericFilter":{"N":[{"numeric":[">",100]},{"anything-but":"101"}]}}}}}
or-numeric-anything-but_NEG {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"ApproximateCreationDateTime":1733418659.0,"Keys":{"id":{"S":"id_value_1"}},"NewImage":{"id":{"S":"id_value_1"},"numericFilter":{"N":"101"}},"SequenceNumber":"49658361752382621885697088319781165717078428243510427650","SizeBytes":52,"StreamViewType":"NEW_AND_OLD_IMAGES"}},"EventPattern":{"dynamodb":{"NewImage":{"numericFilter":{"N":[{"numeric":[">",100]},{"anything-but":"101"}]}}}}}
prefix {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","dynamodb":{"ApproximateCreationDateTime":1664559083.0,"Keys":{"SK":{"S":"PRODUCT#CHOCOLATE#DARK#1000"},"PK":{"S":"COMPANY#1000"}},"NewImage":{"quantity":{"N":"50"},"company_id":{"S":"1000"},"fabric":{"S":"Florida Chocolates"},"price":{"N":"15"},"stores":{"N":"5"},"product_id":{"S":"1000"},"SK":{"S":"PRODUCT#CHOCOLATE#DARK#1000"},"PK":{"S":"COMPANY#1000"},"state":{"S":"FL"},"type":{"S":""}},"SequenceNumber":"700000000000888747038","SizeBytes":174,"StreamViewType":"NEW_AND_OLD_IMAGES"}},"EventPattern":{"dynamodb":{"Keys":{"PK":{"S":[{"prefix":"COMPANY"}]},"SK":{"S":[{"prefix":"PRODUCT"}]}}}}}
sample1 {"Event":{"id":"1","source":"order","detail-type":"Test","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z"},"EventPattern":{"source":["order"],"detail-type":["Test"]}}
string {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","string":"A CamelCase string with an emoji \ud83d\ude80 and trailing whitespace "},"EventPattern":{"string":["A CamelCase string with an emoji \ud83d\ude80 and trailing whitespace "]}}
string_empty {"Event":{"version":"0","id":"3e3c153a-8339-4e30-8c35-687ebef853fe","detail-type":"EC2 Instance Launch Successful","source":"aws.autoscaling","account":"123456789012","time":"2015-11-11T21:31:47Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"","responseElements":null}},"EventPattern":{"detail":{"eventVersion":[""]}}}
string_nolist_EXC {"Event":{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","string":"my-value"},"EventPattern":{"string":"my-value"}}
"""


# test_events_patterns.snapshot.json / <label>: the first line of each recorded message
# (the rest is Jackson's "\n at [Source: ...]" location, which the recording skipped too).
INVALID_PATTERN_REASONS = {
    'arrays_empty_EXC': 'Empty arrays are not allowed',
    'content_anything_but_ignorecase_EXC': 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
    'content_anything_but_ignorecase_list_EXC': 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
    'content_anything_but_string_list_null_type_EXC': 'Inside anything but list, start|null|boolean is not supported.',
    'content_anything_but_string_null_type_EXC': 'Value of anything-but must be an array or single string/number value.',
    'content_anything_prefix_empty_EXC': 'Null prefix/suffix not allowed',
    'content_anything_prefix_ignorecase_EXC': 'Value of anything-but must be an array or single string/number value.',
    'content_anything_prefix_int_EXC': 'prefix/suffix match pattern must be a string',
    'content_anything_prefix_list_type_EXC': 'prefix/suffix match pattern must be a string',
    'content_anything_suffix_empty_EXC': 'Null prefix/suffix not allowed',
    'content_anything_suffix_ignorecase_EXC': 'Value of anything-but must be an array or single string/number value.',
    'content_anything_suffix_int_EXC': 'prefix/suffix match pattern must be a string',
    'content_anything_suffix_list_null_type_EXC': 'prefix/suffix match pattern must be a string',
    'content_anything_suffix_list_type_EXC': 'prefix/suffix match pattern must be a string',
    'content_anything_wildcard_list_type_EXC': 'wildcard match pattern must be a string',
    'content_anything_wildcard_type_EXC': 'wildcard match pattern must be a string',
    'content_ignorecase_EXC': 'equals-ignore-case match pattern must be a string',
    'content_ignorecase_list_EXC': 'equals-ignore-case match pattern must be a string',
    'content_ip_address_EXC': "Malformed CIDR, one '/' required",
    'content_ip_address_bad_ip_EXC': 'Nonstandard IP address: xx.11.xx',
    'content_ip_address_bad_mask_EXC': 'Malformed CIDR, mask bits must be an integer',
    'content_ip_address_type_EXC': 'prefix match pattern must be a string',
    'content_ip_address_v6_bad_ip_EXC': 'Nonstandard IP address: xxxx:db8:1234:1a00::',
    'content_numeric_EXC': 'Bad numeric range operator: >',
    'content_numeric_number_EXC': 'Value of numeric must be an array.',
    'content_numeric_operatorcasing_EXC': 'Unrecognized match type NUMERIC',
    'content_numeric_syntax_EXC': 'Value of < must be numeric',
    'content_prefix_int_EXC': 'prefix match pattern must be a string',
    'content_prefix_list_EXC': 'prefix match pattern must be a string',
    'content_suffix_int_EXC': 'suffix match pattern must be a string',
    'content_suffix_list_EXC': 'suffix match pattern must be a string',
    'content_wildcard_complex_EXC': 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    'content_wildcard_int_EXC': 'wildcard match pattern must be a string',
    'content_wildcard_list_EXC': 'wildcard match pattern must be a string',
    'content_wildcard_repeating_star_EXC': 'Consecutive wildcard characters at pos 26',
    'int_nolist_EXC': '"int" must be an object or an array',
    'operator_case_sensitive_EXC': 'Unrecognized match type EXISTS',
    'string_nolist_EXC': '"string" must be an object or an array',
}


def _pattern_cases():
    cases = []
    for line in PATTERN_CASES_JSON.strip().splitlines():
        label, case = line.split(" ", 1)
        case = json.loads(case)
        cases.append(pytest.param(label, case["Event"], case["EventPattern"], id=label))
    return cases


PATTERN_CASES = _pattern_cases()


@pytest.mark.parametrize("label, event, pattern", PATTERN_CASES)
def test_event_pattern(events, label, event, pattern):
    # TestEventPattern::test_event_pattern[<label>] (event_pattern_templates/<label>.json5): a label
    # ending _NEG does not match, _EXC is refused (message: the snapshot's first line), else matches.
    kw = {"Event": json.dumps(event), "EventPattern": json.dumps(pattern)}
    if label.endswith("_EXC"):
        with pytest.raises(ClientError) as e:
            events.test_event_pattern(**kw)
        got = err(e)
        assert (got["Code"], got["Status"]) == ("InvalidEventPatternException", 400)
        assert first_line(got["Message"]) == "Event pattern is not valid. Reason: " + INVALID_PATTERN_REASONS[label]
    else:
        out = events.test_event_pattern(**kw)
        assert strip_meta(out) == {"Result": not label.endswith("_NEG")}


def test_event_pattern_with_a_duplicated_key(events):
    # validated: TestEventPattern::test_event_pattern_with_multi_key (complex_multi_key_event*.json)
    event = json.dumps(
        {"id": "1", "source": "test-source", "detail-type": "test-detail-type", "account": "123456789012",
         "region": "us-east-2", "time": "2022-07-13T13:48:01Z", "detail": {"location": "eu-central-1"}}
    )
    pattern = '{\n  "detail": {\n    "location": [ { "prefix": "us-" } ],\n    "location": [ { "anything-but": "us-east" } ]\n  }\n}\n'
    assert events.test_event_pattern(Event=event, EventPattern=pattern)["Result"] is True


def test_event_pattern_with_escape_characters(events):
    # validated: TestEventPattern::test_event_pattern_with_escape_characters
    event = r'{"id": "1", "source": "test-source", "detail-type": "test-detail-type", "account": "123456789012", "region": "us-east-2", "time": "2022-07-13T13:48:01Z", "detail": {"escape_star": "*", "escape_backslash": "\\"}}'
    pattern = r'{"detail": {"escape_star": ["*"], "escape_backslash": ["\\"]}}'
    assert events.test_event_pattern(Event=event, EventPattern=pattern)["Result"] is True


def test_event_pattern_source(events):
    # TestEventPattern::test_event_pattern_source / eventbridge-test-event-pattern-response(-no-match)
    event = json.dumps(
        {"id": "1", "source": "order", "detail-type": "Test", "account": ACCOUNT, "region": REGION,
         "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    )
    hit = events.test_event_pattern(Event=event, EventPattern=json.dumps({"source": ["order"], "detail-type": ["Test"]}))
    assert strip_meta(hit) == {"Result": True}
    miss = events.test_event_pattern(Event=event, EventPattern=json.dumps({"source": ["shipment"], "detail-type": ["Test"]}))
    assert strip_meta(miss) == {"Result": False}


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("this is valid json but not a dict",
         "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        ("{'bad': 'quotation'}", "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
        ('{"not": closed mark"',
         "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        ('["not", "a", "dict", "but valid json"]', "Filter is not an object"),
    ],
    ids=["not-json", "single-quotes", "unclosed", "array"],
)
def test_event_pattern_that_is_not_a_json_object(events, pattern, reason):
    # TestEventPattern::test_invalid_json_event_pattern[<pattern>] / invalid-pattern (first line; the
    # rest is Jackson's location "\n at [Source: (String)"..."; line: 1, column: N]")
    event = '{"id": "1", "source": "test-source", "detail-type": "test-detail-type", "account": "123456789012", "region": "us-east-2", "time": "2022-07-13T13:48:01Z", "detail": {"test": "test"}}'
    with pytest.raises(ClientError) as e:
        events.test_event_pattern(Event=event, EventPattern=pattern)
    got = err(e)
    assert (got["Code"], got["Status"]) == ("InvalidEventPatternException", 400)
    assert first_line(got["Message"]) == "Event pattern is not valid. Reason: " + reason


@pytest.mark.parametrize(
    "event", ["plain string", json.dumps(["plain string"]), json.dumps({"testEvent": "value"})], ids=["string", "array", "no-fields"]
)
def test_test_event_pattern_refuses_an_invalid_event(events, event):
    # TestEventPattern::test_plain_string_payload, test_array_event_payload, test_invalid_event_payload
    with pytest.raises(ClientError) as e:
        events.test_event_pattern(Event=event, EventPattern=json.dumps({"body": {"test2": [{"numeric": [">", 100]}]}}))
    assert err(e) == error("ValidationException", "Parameter Event is not valid.")


# ------------------------------------------------------------------ rules matching PutEvents


def test_rule_anything_but_matches_null(events, sqs):
    # TestRuleWithPattern::test_put_events_with_rule_pattern_anything_but / rule-anything-but
    pattern = {"source": [TEST_SOURCE], "detail-type": [TEST_DETAIL_TYPE], "detail": {"command": [{"anything-but": ["no-message"]}]}}
    match = {"command": "display-message", "payload": "baz"}
    null = {"command": None, "payload": "baz"}
    got = bodies_for(
        events, sqs, pattern, [(entry(detail=match), True), (entry(detail=null), True), (entry(detail={"command": "no-message", "payload": "baz"}), False)]
    )
    assert sorted(json.dumps(json.loads(b)["detail"], sort_keys=True) for b in got) == sorted(
        json.dumps(d, sort_keys=True) for d in (match, null)
    )
    for b in got:
        check_event(b, TEST_SOURCE, TEST_DETAIL_TYPE, json.loads(b)["detail"])


@pytest.mark.parametrize("exists", [True, False])
def test_rule_exists(events, sqs, exists):
    # TestRuleWithPattern::test_put_events_with_rule_pattern_exists_true / _false
    pattern = {"source": [TEST_SOURCE], "detail-type": [TEST_DETAIL_TYPE], "detail": {"key": [{"exists": exists}]}}
    with_key = {"key": "value", "payload": "baz"}
    without = {"no-key": "no-value", "payload": "baz"}
    got = bodies_for(events, sqs, pattern, [(entry(detail=with_key), exists), (entry(detail=without), not exists)])
    assert len(got) == 1, got
    check_event(got[0], TEST_SOURCE, TEST_DETAIL_TYPE, with_key if exists else without)


def test_rule_with_content_filters(events, sqs):
    # TestRuleWithPattern::test_put_event_with_content_base_rule_in_pattern / messages
    pattern = {
        "source": [{"exists": True}],
        "detail-type": [{"prefix": "core.app"}],
        "detail": {
            "description": ["this-is-event-details"],
            "amount": [200],
            "salary": [2000, 4000],
            "env": ["dev", "prod"],
            "user": ["user1", "user2", "user3"],
            "admins": ["skyli", {"prefix": "hey"}, {"prefix": "ad"}],
            "test1": [{"anything-but": 200}],
            "test2": [{"anything-but": "test2"}],
            "test3": [{"anything-but": ["test3", "test33"]}],
            "test4": [{"anything-but": {"prefix": "test4"}}],
            "num-test1": [{"numeric": ["<", 200]}],
            "num-test2": [{"numeric": ["<=", 200]}],
            "num-test3": [{"numeric": [">", 200]}],
            "num-test4": [{"numeric": [">=", 200]}],
            "num-test5": [{"numeric": [">=", 200, "<=", 500]}],
            "num-test6": [{"numeric": [">", 200, "<", 500]}],
            "num-test7": [{"numeric": [">=", 200, "<", 500]}],
        },
    }
    detail = {
        "description": "this-is-event-details", "amount": 200, "salary": 2000, "env": "prod", "user": "user3",
        "admins": "admin", "test1": 300, "test2": "test22", "test3": "test333", "test4": "this test4",
        "ip": "10.102.1.100", "num-test1": 100, "num-test2": 200, "num-test3": 300, "num-test4": 200,
        "num-test5": 500, "num-test6": 300, "num-test7": 300,
    }
    got = bodies_for(events, sqs, pattern, [(entry(detail_type="core.app.backend", detail=detail), True)], InputPath="$.detail")
    same_bodies(got, [detail])


def test_rule_values_in_arrays_and_nesting(events, sqs):
    # TestEventPattern::test_put_events_pattern_with_values_in_array, test_put_events_pattern_nested;
    # TestEventsTargetSqs::test_put_events_with_target_sqs_event_detail_match / messages
    e = lambda d: entry("test", "test", d)  # noqa: E731
    got = bodies_for(
        events, sqs, {"detail": {"event": {"data": {"type": ["1", "2"]}}}},
        [(e({"event": {"data": {"type": ["3", "1"]}}}), True), (e({"event": {"data": {"type": ["2"]}}}), True),
         (e({"event": {"data": {"type": ["3"]}}}), False)],
        InputPath="$.detail",
    )
    same_bodies(got, [{"event": {"data": {"type": ["3", "1"]}}}, {"event": {"data": {"type": ["2"]}}}])
    got = bodies_for(
        events, sqs, {"detail": {"event": {"data": {"type": ["1"]}}}},
        [(e({"event": {"data": {"type": "1"}}}), True), (e({"event": {"data": {"type": "2"}}}), False), (e({"hello": "world"}), False)],
        InputPath="$.detail",
    )
    same_bodies(got, [{"event": {"data": {"type": "1"}}}])
    got = bodies_for(
        events, sqs, {"detail": {"EventType": ["0", "1"]}},
        [(entry(detail={"EventType": "1"}), True), (entry(detail={"EventType": "2"}), False)],
        InputPath="$.detail",
    )
    same_bodies(got, [{"EventType": "1"}])


def test_disabled_rule_does_not_deliver(events, sqs):
    # AWS docs (DisableRule): a disabled rule does not match any events.
    w = to_queue(events, sqs, TEST_EVENT_PATTERN)
    events.disable_rule(Name=w["rule"], EventBusName=w["bus"])
    put(events, entry(detail=TEST_EVENT_DETAIL | {"n": 1}, bus=w["bus"]))
    events.enable_rule(Name=w["rule"], EventBusName=w["bus"])
    put(events, entry(detail=TEST_EVENT_DETAIL | {"n": 2}, bus=w["bus"]))
    m = one(sqs, w["url"])
    assert json.loads(m["Body"])["detail"]["n"] == 2
    assert nothing_more(sqs, w["url"], 1.0) == []


# ------------------------------------------------------------------ delivery to targets


def test_sqs_target_on_the_default_bus(events, sqs):
    # TestEventsTargetSqs::test_put_events_with_target_sqs / message
    source = unique("src")
    w = to_queue(events, sqs, {"source": [source], "detail-type": [TEST_DETAIL_TYPE], "detail": {"command": ["update-account"]}}, bus="default")
    (event_id,) = put(events, entry(source))
    m = one(sqs, w["url"])
    check_event(m["Body"], source, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)
    assert nothing_more(sqs, w["url"], 1.0) == []


def test_sqs_target_on_a_custom_bus(events, sqs):
    # TestEventBus::test_put_events_to_default_eventbus_for_custom_eventbus et al.: a custom bus's rule
    # sees only its bus; AWS docs (PutEventsRequestEntry.EventBusName): the name or the ARN.
    w = to_queue(events, sqs, TEST_EVENT_PATTERN)
    put(events, entry(detail=TEST_EVENT_DETAIL | {"via": "default"}))  # the default bus: not for this rule
    (by_name,) = put(events, entry(detail=TEST_EVENT_DETAIL | {"via": "name"}, bus=w["bus"]))
    (by_arn,) = put(events, entry(detail=TEST_EVENT_DETAIL | {"via": "arn"}, bus=bus_arn(w["bus"])))
    got = {json.loads(m["Body"])["detail"]["via"]: m["Body"] for m in receive(sqs, w["url"], 2)}
    assert set(got) == {"name", "arn"}, got
    check_event(got["name"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL | {"via": "name"}, event_id=by_name)
    check_event(got["arn"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL | {"via": "arn"}, event_id=by_arn)
    assert nothing_more(sqs, w["url"], 1.0) == []


def test_delivery_failure_does_not_fail_put_events(events, sqs):
    # TestEvents::test_put_events_with_target_delivery_failure / put-events-response
    source = unique("src")
    url, qarn = make_queue(sqs)
    sqs.delete_queue(QueueUrl=url)
    rule, _ = make_rule(events, pattern={"source": [source]})
    events.put_targets(Rule=rule, Targets=[{"Id": "gone", "Arn": qarn}])
    out = events.put_events(Entries=[entry(source)])
    assert out["FailedEntryCount"] == 0 and set(out["Entries"][0]) == {"EventId"}
    events.remove_targets(Rule=rule, Ids=["gone"])
    events.delete_rule(Name=rule)


def test_lambda_target(events, lam, sqs):
    # TestEventsTargetLambda::test_put_events_with_target_lambda / events: the function's event is the
    # event itself (observed through its OnSuccess destination record's requestPayload).
    bus = make_bus(events)
    rule, arn = make_rule(events, bus, TEST_EVENT_PATTERN)
    fn = lambda_target(lam, sqs, permission_for=arn)
    target_to(events, rule, bus, fn["arn"])
    (event_id,) = put(events, entry(bus=bus))
    record = destination_record(sqs, fn["dest_url"])
    assert record["requestContext"]["functionArn"] == fn["arn"] + ":$LATEST"
    check_event(record["requestPayload"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)


def test_lambda_target_with_a_pattern_on_list_entries(events, lam, sqs):
    # TestEventsTargetLambda::test_put_events_with_target_lambda_list_entry / events
    detail = {
        "payload": {
            "userId": 10, "businessId": 3, "channelId": 6, "card": {"foo": "bar"}, "targetEntity": True,
            "entityAuditTrailEvent": {"foo": "bar"},
            "automations": [{"id": "123", "actions": [{"id": "321", "type": "SEND_NOTIFICATION", "settings": {
                "message": "", "recipientEmails": [], "subject": "", "type": "SEND_NOTIFICATION"}}]}],
        }
    }
    bus = make_bus(events)
    rule, arn = make_rule(events, bus, {"detail": {"payload": {"automations": {"id": [{"exists": True}]}}}})
    fn = lambda_target(lam, sqs, permission_for=arn)
    target_to(events, rule, bus, fn["arn"])
    put(events, entry(detail=detail, bus=bus))
    check_event(destination_record(sqs, fn["dest_url"])["requestPayload"], TEST_SOURCE, TEST_DETAIL_TYPE, detail)


def test_lambda_target_with_input_transformers(events, lam, sqs):
    # TestEventRule::test_process_pattern_to_single_matching_rules_single_target / events-1, events-2
    bus = make_bus(events)
    fn = None
    for pattern, template in (
        ({"detail": {"payload": {"id": [{"exists": True}]}}}, '{"detail-payload-with-id": <detail>}'),
        ({"detail": {"id": [{"exists": True}]}}, '{"detail-with-id": <detail>}'),
    ):
        rule, arn = make_rule(events, bus, pattern)
        if fn is None:
            fn = lambda_target(lam, sqs, permission_for=arn)
        else:
            lam.add_permission(
                FunctionName=fn["name"], StatementId=unique("events"), Action="lambda:InvokeFunction",
                Principal="events.amazonaws.com", SourceArn=arn,
            )
        target_to(events, rule, bus, fn["arn"], InputTransformer={"InputPathsMap": {"detail": "$.detail"}, "InputTemplate": template})
    put(events, entry(detail={"payload": {"id": "123"}}, bus=bus))
    assert destination_record(sqs, fn["dest_url"])["requestPayload"] == {"detail-payload-with-id": {"payload": {"id": "123"}}}
    put(events, entry(detail={"id": "123"}, bus=bus))
    assert destination_record(sqs, fn["dest_url"])["requestPayload"] == {"detail-with-id": {"id": "123"}}
    assert nothing_more(sqs, fn["dest_url"], 1.0) == []


def test_sns_target(events, sns, sqs):
    # TestEventsTargetSns::test_put_events_with_target_sns[standard] / messages: the notification's
    # Message is the event, serialized compactly; no Subject.
    topic = sns.create_topic(Name=unique("evtopic"))["TopicArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "EventsPublish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sns:Publish", "Resource": topic}],
    }
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    url, qarn = make_queue(sqs)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True)
    bus = make_bus(events)
    rule, _ = make_rule(events, bus, TEST_EVENT_PATTERN)
    target_to(events, rule, bus, topic)
    (event_id,) = put(events, entry(bus=bus))
    body = json.loads(one(sqs, url)["Body"])
    assert set(body) == SNS_ENVELOPE_KEYS, body
    assert body["Type"] == "Notification" and body["TopicArn"] == topic and body["SignatureVersion"] == "1"
    check_event(body["Message"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)
    assert body["Message"] == json.dumps(json.loads(body["Message"]), separators=(",", ":"))


# ------------------------------------------------------------------ Input, InputPath, InputTransformer


def test_constant_input(events, sqs):
    # TestScheduleRate::tests_schedule_rate_custom_input_target_sqs / messages (the body is the Input)
    text = json.dumps({"custom-value": "somecustominput"})
    got = bodies_for(events, sqs, TEST_EVENT_PATTERN, [(entry(), True)], Input=text)
    assert got == [text]


@pytest.mark.parametrize(
    "path, detail, expected",
    [
        ("$.detail", TEST_EVENT_DETAIL, TEST_EVENT_DETAIL),
        ("$.detail.payload", TEST_EVENT_DETAIL, {"acc_id": "0a787ecb-4015", "sf_id": "baz"}),
        ("$.detail.payload", EVENT_DETAIL_DUPLICATED_KEY, {"acc_id": "0a787ecb-4015", "payload": {"message": "baz", "id": "123"}}),
        ("$.detail.payload.sf_id", TEST_EVENT_DETAIL, '"baz"'),
    ],
    ids=["detail", "nested", "nested-duplicated-key", "string-value"],
)
def test_input_path(events, sqs, path, detail, expected):
    # TestInputPath::test_put_events_with_input_path, test_put_events_with_input_path_nested[event_detail0|1],
    # test_put_events_with_input_path_max_level_depth / message
    same_bodies(bodies_for(events, sqs, TEST_EVENT_PATTERN, [(entry(detail=detail), True)], InputPath=path), [expected])


def test_input_path_on_one_of_two_targets(events, sqs):
    # TestInputPath::test_put_events_with_input_path_multiple_targets / message-queue-1, message-queue-2
    bus = make_bus(events)
    rule, _ = make_rule(events, bus, TEST_EVENT_PATTERN)
    url1, arn1 = make_queue(sqs)
    url2, arn2 = make_queue(sqs)
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "t1", "Arn": arn1, "InputPath": "$.detail"}, {"Id": "t2", "Arn": arn2}])
    (event_id,) = put(events, entry(bus=bus))
    assert json.loads(one(sqs, url1)["Body"]) == TEST_EVENT_DETAIL
    check_event(one(sqs, url2)["Body"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)


PATHS_MAP = {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"}
PATHS_MAP_MISSING = {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.notinmessage"}


@pytest.mark.parametrize(
    "template, all_found, one_missing",
    [
        (
            '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
            f'"Event of {TEST_DETAIL_TYPE} type, at time {FIXED_TIME_TEXT}, info extracted from detail update-account"',
            f'"Event of {TEST_DETAIL_TYPE} type, at time {FIXED_TIME_TEXT}, info extracted from detail "',
        ),
        (
            '"{[/Check with special starting characters for event of <detail-type> type"',
            f'"{{[/Check with special starting characters for event of {TEST_DETAIL_TYPE} type"',
            f'"{{[/Check with special starting characters for event of {TEST_DETAIL_TYPE} type"',
        ),
        (
            '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
            {"detailType": TEST_DETAIL_TYPE, "time": FIXED_TIME_TEXT, "command": "update-account"},
            {"detailType": TEST_DETAIL_TYPE, "time": FIXED_TIME_TEXT, "command": ""},
        ),
    ],
    ids=["string", "string-special-start", "json"],
)
def test_input_transformer_templates(events, sqs, template, all_found, one_missing):
    # TestInputTransformer::test_put_events_with_input_transformer_input_template_string[...],
    # test_put_events_with_input_transformer_input_template_json / custom-variables-match-all,
    # custom-variables-not-match-all. A string template keeps its quotes in the body.
    e = entry(Time=FIXED_TIME)
    for paths, expected in ((PATHS_MAP, all_found), (PATHS_MAP_MISSING, one_missing)):
        got = bodies_for(events, sqs, TEST_EVENT_PATTERN, [(e, True)], InputTransformer={"InputPathsMap": paths, "InputTemplate": template})
        same_bodies(got, [expected])


NESTED_PATHS_MAP = {
    "userId": "$.detail.payload.acc_id",
    "payload": "$.detail.payload",
    "systemstring": "$.detail.awsAccountId",  # resolves to nothing
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
}
ACC = "0a787ecb-4015"
PAYLOAD = {"acc_id": ACC, "sf_id": "baz"}
NESTED_TEMPLATES = [
    ('{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}',
     {"method": "PUT", "path": f"users-service/users/{ACC}", "bod": PAYLOAD}),
    ('"Payload of <payload> with path users-service/users/<userId> and <userId>"',
     f'"Payload of {{acc_id:{ACC},sf_id:baz}} with path users-service/users/{ACC} and {ACC}"'),
    ('{"id" : <userId>}', {"id": ACC}),
    ('{"id" : "<userId>"}', {"id": ACC}),
    ('{"method": "PUT", "path": "users-service/users/<userId>", "id": <userId>, "body": <payload>}',
     {"method": "PUT", "path": f"users-service/users/{ACC}", "id": ACC, "body": PAYLOAD}),
    ('{"method": "PUT", "path": "users-service/users/<userId>", "bod": [<userId>, "hardcoded"]}',
     {"method": "PUT", "path": f"users-service/users/{ACC}", "bod": [ACC, "hardcoded"]}),
    ('{"method": "PUT", "nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"} } }, "bod": "<userId>"}',
     {"method": "PUT", "nested": {"level1": {"level2": {"level3": f"users-service/users/{ACC}"}}}, "bod": ACC}),
    ('"<listsingle> single list item"', '"[HIGH] single list item"'),
    ('"<listmulti> multiple list items"', '"[ACTIVE,INACTIVE] multiple list items"'),
    ('{"singlelistitem": <listsingle>}', {"singlelistitem": ["HIGH"]}),
    ('"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id <payload> payload <userId> user id"',
     f'"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id {{acc_id:{ACC},sf_id:baz}} payload {ACC} user id"'),
    ('"<listsingle> single list item"\n"<listmulti> multiple list items"\n"<systemstring> system account id"\n"<payload> payload"\n"<userId> user id"',
     f'"[HIGH] single list item"\n"[ACTIVE,INACTIVE] multiple list items"\n" system account id"\n"{{acc_id:{ACC},sf_id:baz}} payload"\n"{ACC} user id"'),
    ('{"multi_replacement": "users/<userId>/second/<userId>"}', {"multi_replacement": f"users/{ACC}/second/{ACC}"}),
    ('"Command is <valid>!"', '"Command is true!"'),
]


@pytest.mark.parametrize("template, expected", NESTED_TEMPLATES, ids=[f"t{i}" for i in range(len(NESTED_TEMPLATES))])
def test_input_transformer_replacements(events, sqs, template, expected):
    # TestInputTransformer::test_input_transformer_nested_keys_replacement[<template>] / input-transformed-messages
    got = bodies_for(
        events, sqs, TEST_EVENT_PATTERN, [(entry(detail=SPECIAL_EVENT_DETAIL), True)],
        InputTransformer={"InputPathsMap": NESTED_PATHS_MAP, "InputTemplate": template},
    )
    same_bodies(got, [expected])


def test_input_transformer_output_that_is_not_json_is_dropped(events, sqs):
    # validated: TestInputTransformer::test_input_transformer_nested_keys_replacement_not_valid[*]:
    # PutTargets accepts these templates, but nothing is delivered. A plain target on the same rule is
    # the sentinel.
    bus = make_bus(events)
    rule, _ = make_rule(events, bus, TEST_EVENT_PATTERN)
    paths = {"userId": "$.detail.payload.acc_id", "payload": "$.detail.payload", "listsingle": "$.detail.listsingle"}
    bad = [
        '{"not_valid": "users-service/users/<payload>", "bod": <payload>}',
        '{"payload": "<payload>"}',
        '{"singlelistitem": "<listsingle>"}',
    ]
    queues = [make_queue(sqs) for _ in bad]
    sentinel_url, sentinel_arn = make_queue(sqs)
    targets = [{"Id": f"bad{i}", "Arn": arn, "InputTransformer": {"InputPathsMap": paths, "InputTemplate": t}}
               for i, ((_, arn), t) in enumerate(zip(queues, bad))]
    events.put_targets(Rule=rule, EventBusName=bus, Targets=targets + [{"Id": "sentinel", "Arn": sentinel_arn}])
    put(events, entry(detail=SPECIAL_EVENT_DETAIL, bus=bus))
    one(sqs, sentinel_url)
    for (url, _), t in zip(queues, bad):
        assert nothing_more(sqs, url, 1.0) == [], t


def test_input_transformer_predefined_variables(events, sqs):
    # TestInputTransformer::test_input_transformer_predefined_variables[...] / messages: no InputPathsMap;
    # <aws.events.event> is the event without detail and with "detailType".
    bus = make_bus(events)
    rule, arn = make_rule(events, bus, TEST_EVENT_PATTERN)
    url_str, arn_str = make_queue(sqs)
    url_json, arn_json = make_queue(sqs)
    events.put_targets(
        Rule=rule,
        EventBusName=bus,
        Targets=[
            {"Id": "str", "Arn": arn_str, "InputTransformer": {"InputTemplate": '"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"'}},
            {"Id": "json", "Arn": arn_json, "InputTransformer": {"InputTemplate": '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}'}},
        ],
    )
    (event_id,) = put(events, entry(bus=bus))
    text = one(sqs, url_str)["Body"]
    m = re.match(rf'^"Message containing all pre defined variables {re.escape(arn)} {re.escape(rule)} (\S+)"$', text)
    assert m, text
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", m.group(1)), m.group(1)
    body = json.loads(one(sqs, url_json)["Body"])
    assert set(body) == {"originalEvent", "originalEventJson"}
    check_event(body["originalEventJson"], TEST_SOURCE, TEST_DETAIL_TYPE, TEST_EVENT_DETAIL, event_id=event_id)
    original = body["originalEvent"]
    assert set(original) == {"id", "account", "detailType", "time", "source", "region", "resources", "version"}, original
    assert original["id"] == event_id and original["detailType"] == TEST_DETAIL_TYPE and original["source"] == TEST_SOURCE
    assert (original["account"], original["region"], original["resources"], original["version"]) == (ACCOUNT, REGION, [], "0")


# ------------------------------------------------------------------ dead-letter queues


def check_dlq_message(m, rule_arn_, target_arn, source, detail):
    # AWS docs, "Using dead-letter queues to process undelivered events in EventBridge": the message is
    # the event; its attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE.
    check_event(m["Body"], source, TEST_DETAIL_TYPE, detail)
    attrs = m.get("MessageAttributes", {})
    assert {"RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE"} <= set(attrs), attrs
    assert attrs["RULE_ARN"]["StringValue"] == rule_arn_
    assert attrs["TARGET_ARN"]["StringValue"] == target_arn
    assert attrs["ERROR_CODE"]["StringValue"]
    assert attrs["ERROR_MESSAGE"]["StringValue"]


def test_lambda_target_without_permission_goes_to_the_dlq(events, lam, sqs):
    # AWS docs (as above): a missing permission is not retried; the event goes straight to the DLQ and
    # the function does not run.
    bus = make_bus(events)
    rule, arn = make_rule(events, bus, TEST_EVENT_PATTERN)
    fn = lambda_target(lam, sqs, permission_for=None)
    dlq_url, dlq_arn = make_queue(sqs)
    target_to(events, rule, bus, fn["arn"], DeadLetterConfig={"Arn": dlq_arn})
    put(events, entry(bus=bus))
    check_dlq_message(one(sqs, dlq_url, timeout=30), arn, fn["arn"], TEST_SOURCE, TEST_EVENT_DETAIL)
    assert nothing_more(sqs, fn["dest_url"], 1.5) == []


def test_missing_queue_target_goes_to_the_dlq(events, sqs):
    # AWS docs (as above): a target resource that no longer exists -> DLQ without retries.
    bus = make_bus(events)
    rule, arn = make_rule(events, bus, TEST_EVENT_PATTERN)
    gone_url, gone_arn = make_queue(sqs)
    sqs.delete_queue(QueueUrl=gone_url)
    dlq_url, dlq_arn = make_queue(sqs)
    target_to(events, rule, bus, gone_arn, DeadLetterConfig={"Arn": dlq_arn})
    put(events, entry(bus=bus))
    check_dlq_message(one(sqs, dlq_url, timeout=30), arn, gone_arn, TEST_SOURCE, TEST_EVENT_DETAIL)


# ------------------------------------------------------------------ tags


def test_tags_on_rules_and_buses(events):
    # test_events_tags.py::tests_tag_untag_resource[rule-*|event_bus-*], TestRuleTags::test_put_rule_with_tags,
    # TestEventBusTags::test_create_event_bus_with_tags, test_recreate_tagged_resource_without_tags[*]
    tags = [{"Key": "tag1", "Value": "value1"}, {"Key": "tag2", "Value": "value2"}]
    bus = make_bus(events)
    rule, r_arn = make_rule(events, bus, {"source": ["x"]})
    for arn in (r_arn, bus_arn(bus)):
        assert strip_meta(events.tag_resource(ResourceARN=arn, Tags=tags)) == {}
        assert strip_meta(events.list_tags_for_resource(ResourceARN=arn)) == {"Tags": tags}
        assert strip_meta(events.untag_resource(ResourceARN=arn, TagKeys=["tag2"])) == {}
        assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags[:1]
        events.untag_resource(ResourceARN=arn, TagKeys=["not-there"])
    name, arn = make_rule(events, pattern={"source": [unique("src")]}, Tags=tags)
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags
    events.delete_rule(Name=name)
    make_rule(events, pattern={"source": ["y"]}, name=name)
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    tagged_bus = unique("bus")
    assert events.create_event_bus(Name=tagged_bus, Tags=tags)["EventBusArn"] == bus_arn(tagged_bus)
    assert events.list_tags_for_resource(ResourceARN=bus_arn(tagged_bus))["Tags"] == tags
    events.delete_event_bus(Name=tagged_bus)
    events.create_event_bus(Name=tagged_bus)
    assert events.list_tags_for_resource(ResourceARN=bus_arn(tagged_bus))["Tags"] == []


def test_tags_of_missing_resources(events):
    # test_events_tags.py::tests_tag_list_untag_not_existing_resource[*], TestRuleTags::test_list_tags_for_deleted_rule,
    # TestEventBusTags::test_list_tags_for_deleted_event_bus
    missing = unique("missing")
    bus = make_bus(events)
    deleted_rule, _ = make_rule(events, bus, {"source": ["x"]})
    events.delete_rule(Name=deleted_rule, EventBusName=bus)
    for arn, message in (
        (rule_arn(missing), f"Rule {missing} does not exist on EventBus default."),
        (bus_arn(missing), f"Event bus {missing} does not exist."),
        (rule_arn(deleted_rule, bus), f"Rule {deleted_rule} does not exist on EventBus {bus}."),
    ):
        for call in (
            lambda: events.tag_resource(ResourceARN=arn, Tags=[{"Key": "k", "Value": "v"}]),
            lambda: events.list_tags_for_resource(ResourceARN=arn),
            lambda: events.untag_resource(ResourceARN=arn, TagKeys=["k"]),
        ):
            with pytest.raises(ClientError) as e:
                call()
            assert err(e) == error("ResourceNotFoundException", message)


# ------------------------------------------------------------------ restart and the aws CLI


def test_rules_and_targets_survive_a_restart(fresh_server):
    events, sqs = fresh_server.client("events"), fresh_server.client("sqs")
    bus = make_bus(events, Description="kept")
    rule, arn = make_rule(events, bus, TEST_EVENT_PATTERN, Description="rule kept")
    url, qarn = make_queue(sqs)
    queue_name = url.rsplit("/", 1)[1]
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "t", "Arn": qarn, "InputPath": "$.detail"}])
    sched, sched_arn = make_rule(events, ScheduleExpression="rate(5 minutes)", State="DISABLED")
    before = strip_meta(events.describe_rule(Name=rule, EventBusName=bus))
    bus_before = strip_meta(events.describe_event_bus(Name=bus))
    fresh_server.stop()
    fresh_server.start()
    events, sqs = fresh_server.client("events"), fresh_server.client("sqs")
    assert strip_meta(events.describe_rule(Name=rule, EventBusName=bus)) == before
    assert strip_meta(events.describe_event_bus(Name=bus)) == bus_before
    assert events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"] == [{"Arn": qarn, "Id": "t", "InputPath": "$.detail"}]
    s = events.describe_rule(Name=sched)
    assert (s["Arn"], s["ScheduleExpression"], s["State"]) == (sched_arn, "rate(5 minutes)", "DISABLED")
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    put(events, entry(bus=bus))
    assert json.loads(one(sqs, url)["Body"]) == TEST_EVENT_DETAIL


def test_cli_put_rule_and_list_rules(server):
    name = unique("clirule")
    pattern = json.dumps({"source": [unique("cli.src")]})
    out = json.loads(server.aws("events", "put-rule", "--name", name, "--event-pattern", pattern).stdout)
    assert out == {"RuleArn": rule_arn(name)}
    listed = json.loads(server.aws("events", "list-rules", "--name-prefix", name).stdout)["Rules"]
    assert [(r["Name"], r["Arn"], r["State"], r["EventBusName"]) for r in listed] == [(name, rule_arn(name), "ENABLED", "default")]
    assert json.loads(listed[0]["EventPattern"]) == json.loads(pattern)
    server.aws("events", "disable-rule", "--name", name)
    described = json.loads(server.aws("events", "describe-rule", "--name", name).stdout)
    assert described["State"] == "DISABLED"
    server.aws("events", "delete-rule", "--name", name)
    missing = server.aws("events", "describe-rule", "--name", name, check=False)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr
    assert f"Rule {name} does not exist on EventBus default." in missing.stderr

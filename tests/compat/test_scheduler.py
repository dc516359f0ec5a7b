"""EventBridge Scheduler on lambdalite's one endpoint, checked against answers
recorded on real AWS.

Facts come from LocalStack's parity snapshots, recorded against AWS:
tests/aws/services/scheduler/test_scheduler.snapshot.json (cited as
"scheduler::test_name / key") and
tests/aws/services/cloudformation/resource_providers/scheduler/test_scheduler.snapshot.json
(cited as "cfn::test_schedule_and_group / key": the GetSchedule and
GetScheduleGroup answers for resources a stack made). Where nothing was
recorded a test asserts only the error code (and status, which the API model
fixes), never a message; shapes not recorded come from the API model
(/work/shared/reference/aws-models/scheduler-2021-06-30.api.json). Snapshot
placeholders (account 111111111111, <region>) map to 000000000000 and
us-east-1. docs/scheduler-recorded.md is the digest of the same recordings.

Scheduler speaks rest-json (SigV4 service `scheduler`): an error carries its
code in `x-amzn-ErrorType` and `{"Message": ...}` in the body, which botocore
reports both as Error.Message and as a top-level "Message".

Deliveries are asynchronous: tests poll the target queue up to a deadline
instead of sleeping fixed times. One-time schedules use `at(...)` a few
seconds ahead with FlexibleTimeWindow OFF; the target queue's ARN is the
Target Arn itself (Scheduler's templated SQS target), whose message body is
the Input verbatim. Only test_rate_schedule_fires_every_minute takes a real
minute.
"""

import json
import time
from datetime import datetime, timedelta, timezone

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import create, make_zip, unique

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/x"
DUMMY_FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:dummy"
# An expression that does not fire while the tests run.
QUIET = "rate(12 hours)"
OFF = {"Mode": "OFF"}

# cfn::test_schedule_and_group / ScheduleDesc: every key of a schedule made with
# only the required members (and a FLEXIBLE window): nothing else, no Description.
MINIMAL_SCHEDULE_KEYS = {
    "ActionAfterCompletion",
    "Arn",
    "CreationDate",
    "FlexibleTimeWindow",
    "GroupName",
    "LastModificationDate",
    "Name",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "State",
    "Target",
}
# cfn::test_schedule_and_group / ScheduleDesc: the RetryPolicy nobody set.
DEFAULT_RETRY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
# cfn::test_schedule_and_group / GroupDesc
GROUP_KEYS = {"Arn", "CreationDate", "LastModificationDate", "Name", "State"}
# API model: ScheduleSummary, TargetSummary
SUMMARY_KEYS = {"Arn", "Name", "GroupName", "State", "CreationDate", "LastModificationDate", "Target"}

# scheduler::tests_create_schedule_with_invalid_schedule_expression[...] / invalid-schedule-expression
INVALID_EXPRESSIONS = [
    "cron(0 1 * * * *)",
    "cron(7 20 * * NOT *)",
    "cron(INVALID)",
    "cron(0 dummy ? * MON-FRI *)",
    "cron(71 8 1 * ? *)",
    "cron()",
    "rate(10 seconds)",
    "rate(10 years)",
    "rate()",
    "rate(10)",
    "rate(10 minutess)",
    "rate(foo minutes)",
    "rate(-10 minutes)",
    "rate( 10 minutes )",
    " rate(10 minutes)",
    "at(2021-12-31T23:59:59Z)",
    "at(2021-12-31)",
]
# scheduler::test_create_schedule_with_valid_cron_expressions[...] / create-schedule
VALID_CRONS = [
    "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
    "cron(30-30 13-13 ? * 2,4,6 *)",
    "cron(1-31/30 1-1 ? * 1,7 *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(*/15 * * * ? *)",
    "cron(0-59/10 0-23/2 ? * * *)",
]


# ------------------------------------------------------------------ fixtures and helpers


def scheduler_client(server, validate=True):
    return boto3.client(
        "scheduler",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=validate),
    )


@pytest.fixture(scope="session")
def sch(server):
    return scheduler_client(server)


@pytest.fixture(scope="session")
def sch_nv(server):
    """A client that sends what it is given (missing required members, values
    below a minimum), to reach the server's own validation."""
    return scheduler_client(server, validate=False)


@pytest.fixture(scope="session")
def sqs(server):
    return server.client("sqs")


@pytest.fixture
def cleanup(sch):
    """Schedules (name, group) and groups to delete after the test, so the
    shared server does not keep firing them."""
    schedules, groups = [], []
    yield schedules, groups
    for name, group in schedules:
        try:
            sch.delete_schedule(Name=name, GroupName=group)
        except ClientError:
            pass
    for group in groups:
        try:
            sch.delete_schedule_group(Name=group)
        except ClientError:
            pass


def schedule_arn(name, group="default"):
    return f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{name}"


def group_arn(name):
    return f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/{name}"


def make_schedule(sch, cleanup=None, name=None, expr=QUIET, target=None, window=OFF, **kw):
    name = name or unique("sch")
    target = target or {"Arn": DUMMY_FN, "RoleArn": ROLE_ARN}
    out = sch.create_schedule(Name=name, ScheduleExpression=expr, FlexibleTimeWindow=window, Target=target, **kw)
    if cleanup is not None:
        cleanup[0].append((name, kw.get("GroupName", "default")))
    assert set(out) - {"ResponseMetadata"} == {"ScheduleArn"}, out
    return name


def make_group(sch, cleanup=None, name=None, **kw):
    name = name or unique("grp")
    out = sch.create_schedule_group(Name=name, **kw)
    if cleanup is not None:
        cleanup[1].append(name)
    assert set(out) - {"ResponseMetadata"} == {"ScheduleGroupArn"}, out
    assert out["ScheduleGroupArn"] == group_arn(name)
    return name


def make_queue(sqs):
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def body(out):
    return {k: v for k, v in out.items() if k != "ResponseMetadata"}


def err(excinfo):
    r = excinfo.value.response
    e = r["Error"]
    return {"Code": e.get("Code"), "Message": e.get("Message"), "Status": r["ResponseMetadata"]["HTTPStatusCode"]}


def code(excinfo):
    """Code and status only, for errors whose message nobody recorded."""
    e = err(excinfo)
    return e["Code"], e["Status"]


VALIDATION = ("ValidationException", 400)
NOT_FOUND = ("ResourceNotFoundException", 404)
CONFLICT = ("ConflictException", 409)


def invalid_expression(expr):
    # scheduler::tests_create_schedule_with_invalid_schedule_expression / invalid-schedule-expression
    return {"Code": "ValidationException", "Message": f"Invalid Schedule Expression {expr}.", "Status": 400}


def utc_in(seconds):
    """A whole-second UTC time `seconds` from now."""
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=seconds)


def at(dt):
    """at(yyyy-mm-ddThh:mm:ss), no zone suffix (a trailing Z is invalid)."""
    return f"at({dt:%Y-%m-%dT%H:%M:%S})"


def receive(sqs, url, n=1, timeout=15):
    """Receives (and deletes) until n messages came back or the deadline passed;
    each message gets the local arrival time as "_arrived"."""
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        out = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, n - len(got)),
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        for m in out.get("Messages", []):
            m["_arrived"] = time.time()
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            got.append(m)
    return got


def one(sqs, url, timeout=15):
    got = receive(sqs, url, 1, timeout)
    if not got:
        pytest.fail(f"nothing arrived in {url} within {timeout}s")
    return got[0]


def nothing_more(sqs, url, seconds=2.0):
    """Whatever else arrives within `seconds` (should be [])."""
    got = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in out.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            got.append(m)
    return got


def wait_until(predicate, timeout=15, what="condition", interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def schedule_gone(sch, name, group="default"):
    try:
        sch.get_schedule(Name=name, GroupName=group)
        return False
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
        return True


def code_of(e):
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


def group_gone(sch, name):
    try:
        assert sch.get_schedule_group(Name=name)["State"] in ("ACTIVE", "DELETING")
        return False
    except ClientError as e:
        assert code_of(e) == NOT_FOUND, e.response
        return True


def list_all(call, key, **kw):
    """Every item across pages, and the number of pages."""
    items, pages, token = [], 0, None
    while True:
        out = call(**kw, **({"NextToken": token} if token else {}))
        pages += 1
        items.extend(out[key])
        token = out.get("NextToken")
        if not token:
            return items, pages
        assert pages < 1000, "NextToken never ends"


def check_timestamps(got, before):
    for k in ("CreationDate", "LastModificationDate"):
        assert isinstance(got[k], datetime) and got[k].tzinfo is not None, got[k]
        assert abs((got[k] - before).total_seconds()) < 120, (k, got[k], before)
    assert got["LastModificationDate"] >= got["CreationDate"]


# ------------------------------------------------------------------ schedule groups


def test_default_group_exists(sch):
    # cfn::test_schedule_and_group / GroupDesc for the shape; AWS docs: every
    # account has a group named "default".
    got = body(sch.get_schedule_group(Name="default"))
    assert set(got) == GROUP_KEYS, got
    assert got["Name"] == "default"
    assert got["Arn"] == group_arn("default")
    assert got["State"] == "ACTIVE"
    groups, _ = list_all(sch.list_schedule_groups, "ScheduleGroups")
    assert "default" in [g["Name"] for g in groups]
    # ListTagsForResource on it: an empty list, not an error.
    assert sch.list_tags_for_resource(ResourceArn=group_arn("default"))["Tags"] == []


def test_default_group_cannot_be_deleted(sch):
    # Not recorded: only that it is refused (4xx) and the group stays.
    with pytest.raises(ClientError) as e:
        sch.delete_schedule_group(Name="default")
    assert err(e)["Code"] in ("ValidationException", "ConflictException"), err(e)
    assert 400 <= err(e)["Status"] < 500
    assert sch.get_schedule_group(Name="default")["State"] == "ACTIVE"


def test_create_get_list_delete_group(sch, cleanup):
    before = datetime.now(timezone.utc)
    name = make_group(sch, cleanup)
    # cfn::test_schedule_and_group / GroupDesc
    got = body(sch.get_schedule_group(Name=name))
    assert set(got) == GROUP_KEYS, got
    assert got["Arn"] == group_arn(name)
    assert got["Name"] == name
    assert got["State"] == "ACTIVE"
    check_timestamps(got, before)

    groups, _ = list_all(sch.list_schedule_groups, "ScheduleGroups", NamePrefix=name)
    assert [g["Name"] for g in groups] == [name]
    assert set(groups[0]) == GROUP_KEYS, groups[0]  # API model: ScheduleGroupSummary
    assert groups[0]["Arn"] == group_arn(name)

    assert body(sch.delete_schedule_group(Name=name)) == {}
    # DeleteScheduleGroup is eventually consistent: State DELETING meanwhile, then gone.
    wait_until(lambda: group_gone(sch, name), what="the group to be deleted")


def test_group_errors(sch, sch_nv, cleanup):
    name = make_group(sch, cleanup)
    with pytest.raises(ClientError) as e:
        sch.create_schedule_group(Name=name)
    assert code(e) == CONFLICT
    with pytest.raises(ClientError) as e:
        sch.create_schedule_group(Name="default")
    assert code(e) == CONFLICT

    missing = unique("nogrp")
    with pytest.raises(ClientError) as e:
        sch.get_schedule_group(Name=missing)
    assert code(e) == NOT_FOUND
    with pytest.raises(ClientError) as e:
        sch.delete_schedule_group(Name=missing)
    assert code(e) == NOT_FOUND

    # API model: ScheduleGroupName is 1..64 of [0-9a-zA-Z-_.]
    for bad in ("x" * 65, "bad:name"):
        with pytest.raises(ClientError) as e:
            sch.create_schedule_group(Name=bad)
        assert code(e) == VALIDATION, bad
    assert sch.create_schedule_group(Name="g" * 64)["ScheduleGroupArn"] == group_arn("g" * 64)
    cleanup[1].append("g" * 64)


def test_list_groups_name_prefix_and_paging(sch, cleanup):
    prefix = unique("pg")
    names = {make_group(sch, cleanup, name=f"{prefix}-{i}") for i in range(3)}
    groups, pages = list_all(sch.list_schedule_groups, "ScheduleGroups", NamePrefix=prefix, MaxResults=2)
    assert sorted(g["Name"] for g in groups) == sorted(names)
    assert pages == 2
    first = sch.list_schedule_groups(NamePrefix=prefix, MaxResults=2)
    assert len(first["ScheduleGroups"]) == 2 and first["NextToken"]


def test_group_tags(sch, cleanup):
    # scheduler::test_tag_resource / list-tagged-schedule,
    # scheduler::test_untag_resource / list-untagged-schedule
    name = make_group(sch, cleanup, Tags=[{"Key": "TagKey", "Value": "TagValue"}])
    arn = group_arn(name)
    assert body(sch.list_tags_for_resource(ResourceArn=arn)) == {"Tags": [{"Key": "TagKey", "Value": "TagValue"}]}

    assert body(sch.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "blue"}])) == {}
    tags = sch.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert sorted(tags, key=lambda t: t["Key"]) == [
        {"Key": "TagKey", "Value": "TagValue"},
        {"Key": "team", "Value": "blue"},
    ]
    # tagging an existing key replaces its value
    sch.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "red"}])
    tags = {t["Key"]: t["Value"] for t in sch.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"TagKey": "TagValue", "team": "red"}

    assert body(sch.untag_resource(ResourceArn=arn, TagKeys=["TagKey", "team"])) == {}
    assert body(sch.list_tags_for_resource(ResourceArn=arn)) == {"Tags": []}


def test_tags_of_a_missing_group(sch):
    arn = group_arn(unique("nogrp"))
    with pytest.raises(ClientError) as e:
        sch.list_tags_for_resource(ResourceArn=arn)
    assert code(e) == NOT_FOUND
    with pytest.raises(ClientError) as e:
        sch.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert code(e) == NOT_FOUND
    with pytest.raises(ClientError) as e:
        sch.untag_resource(ResourceArn=arn, TagKeys=["k"])
    assert code(e) == NOT_FOUND


def test_deleting_a_group_deletes_its_schedules(sch, cleanup):
    # API docs, DeleteScheduleGroup: deleting a group deletes its schedules.
    group = make_group(sch)
    names = [make_schedule(sch, name=unique("ingrp"), GroupName=group) for _ in range(2)]
    sch.delete_schedule_group(Name=group)

    wait_until(lambda: group_gone(sch, group), what="the group to be deleted")
    for n in names:
        assert schedule_gone(sch, n, group)
    with pytest.raises(ClientError) as e:
        make_schedule(sch, GroupName=group)
    assert code(e) == NOT_FOUND


# ------------------------------------------------------------------ CreateSchedule


@pytest.mark.parametrize("expr", INVALID_EXPRESSIONS)
def test_create_schedule_with_invalid_expression(sch, expr):
    # scheduler::tests_create_schedule_with_invalid_schedule_expression[expr] / invalid-schedule-expression:
    # the very request of the recording (FLEXIBLE 4, a lambda target).
    with pytest.raises(ClientError) as e:
        sch.create_schedule(
            Name=unique("rule"),
            ScheduleExpression=expr,
            FlexibleTimeWindow={"MaximumWindowInMinutes": 4, "Mode": "FLEXIBLE"},
            Target={"Arn": DUMMY_FN, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/role-name"},
        )
    assert err(e) == invalid_expression(expr)
    assert e.value.response["Message"] == f"Invalid Schedule Expression {expr}."


@pytest.mark.parametrize("expr", VALID_CRONS)
def test_create_schedule_with_valid_cron(sch, cleanup, expr):
    # scheduler::test_create_schedule_with_valid_cron_expressions[expr] / create-schedule
    name = unique("cron")
    out = sch.create_schedule(
        Name=name, ScheduleExpression=expr, FlexibleTimeWindow=OFF, Target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN}
    )
    cleanup[0].append((name, "default"))
    assert body(out) == {"ScheduleArn": schedule_arn(name)}
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sch.get_schedule(Name=name)["ScheduleExpression"] == expr


@pytest.mark.parametrize("expr", ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 hours)",
                                  "rate(1 day)", "rate(7 days)"])
def test_create_schedule_with_valid_rate(sch, cleanup, expr):
    # API model, ScheduleExpression: units minute|minutes|hour|hours|day|days.
    name = make_schedule(sch, cleanup, expr=expr, State="DISABLED")
    assert sch.get_schedule(Name=name)["ScheduleExpression"] == expr


def test_create_schedule_at_a_past_time_is_accepted(sch, cleanup):
    # scheduler::tests_create_schedule_with_valid_schedule_expression / valid-schedule-expression
    # (recorded 2025-02 with a 2022 time): only the ScheduleArn, 200.
    name = unique("past")
    out = sch.create_schedule(
        Name=name,
        ScheduleExpression="at(2022-12-31T23:59:59)",
        FlexibleTimeWindow={"MaximumWindowInMinutes": 4, "Mode": "FLEXIBLE"},
        Target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN},
    )
    cleanup[0].append((name, "default"))
    assert body(out) == {"ScheduleArn": schedule_arn(name)}
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_get_schedule_minimal_shape(sch, cleanup):
    # cfn::test_schedule_and_group / ScheduleDesc: the defaults AWS fills in.
    before = datetime.now(timezone.utc)
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:some-queue"
    name = make_schedule(
        sch, cleanup, expr="cron(0 0 * * ? *)", window={"MaximumWindowInMinutes": 60, "Mode": "FLEXIBLE"},
        target={"Arn": queue_arn, "RoleArn": ROLE_ARN},
    )
    got = body(sch.get_schedule(Name=name))
    assert set(got) == MINIMAL_SCHEDULE_KEYS, got
    assert got["ActionAfterCompletion"] == "NONE"
    assert got["Arn"] == schedule_arn(name)
    assert got["FlexibleTimeWindow"] == {"MaximumWindowInMinutes": 60, "Mode": "FLEXIBLE"}
    assert got["GroupName"] == "default"
    assert got["Name"] == name
    assert got["ScheduleExpression"] == "cron(0 0 * * ? *)"
    assert got["ScheduleExpressionTimezone"] == "UTC"
    assert got["State"] == "ENABLED"
    assert got["Target"] == {"Arn": queue_arn, "RetryPolicy": DEFAULT_RETRY, "RoleArn": ROLE_ARN}
    check_timestamps(got, before)
    # the same schedule, named with its group
    assert body(sch.get_schedule(Name=name, GroupName="default")) == got
    # OFF carries no window
    off = make_schedule(sch, cleanup)
    assert sch.get_schedule(Name=off)["FlexibleTimeWindow"] == {"Mode": "OFF"}


def test_get_schedule_full_shape(sch, cleanup):
    group = make_group(sch, cleanup)
    start = utc_in(3600)
    end = utc_in(7200)
    dlq = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq-{group}"
    target = {
        "Arn": DUMMY_FN,
        "RoleArn": ROLE_ARN,
        "Input": '{"hello": "world"}',
        "RetryPolicy": {"MaximumEventAgeInSeconds": 600, "MaximumRetryAttempts": 3},
        "DeadLetterConfig": {"Arn": dlq},
    }
    name = make_schedule(
        sch, cleanup, expr="rate(5 minutes)", target=target, window={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        GroupName=group, Description="every five", StartDate=start, EndDate=end,
        ScheduleExpressionTimezone="Europe/Paris", State="DISABLED", ActionAfterCompletion="NONE",
    )
    got = body(sch.get_schedule(Name=name, GroupName=group))
    assert set(got) == MINIMAL_SCHEDULE_KEYS | {"Description", "StartDate", "EndDate"}, got
    assert got["Arn"] == schedule_arn(name, group)
    assert got["GroupName"] == group
    assert got["Description"] == "every five"
    assert got["StartDate"] == start
    assert got["EndDate"] == end
    assert got["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert got["State"] == "DISABLED"
    assert got["ActionAfterCompletion"] == "NONE"
    assert got["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert got["Target"] == target


def test_schedule_in_another_group_needs_its_group_name(sch, cleanup):
    group = make_group(sch, cleanup)
    name = unique("twin")
    make_schedule(sch, cleanup, name=name, GroupName=group)
    # not in "default": GetSchedule without GroupName does not find it
    with pytest.raises(ClientError) as e:
        sch.get_schedule(Name=name)
    assert code(e) == NOT_FOUND
    # the same name in two groups: two schedules
    make_schedule(sch, cleanup, name=name, expr="rate(6 hours)")
    assert sch.get_schedule(Name=name)["Arn"] == schedule_arn(name)
    assert sch.get_schedule(Name=name)["ScheduleExpression"] == "rate(6 hours)"
    assert sch.get_schedule(Name=name, GroupName=group)["Arn"] == schedule_arn(name, group)
    assert sch.get_schedule(Name=name, GroupName=group)["ScheduleExpression"] == QUIET


def test_create_schedule_conflicts_and_missing_group(sch, cleanup):
    name = make_schedule(sch, cleanup)
    with pytest.raises(ClientError) as e:
        make_schedule(sch, name=name, expr="rate(3 hours)")
    assert code(e) == CONFLICT
    assert sch.get_schedule(Name=name)["ScheduleExpression"] == QUIET  # the first one stays
    with pytest.raises(ClientError) as e:
        make_schedule(sch, GroupName=unique("nogrp"))
    assert code(e) == NOT_FOUND


def test_schedule_expression_timezone(sch, cleanup):
    name = make_schedule(sch, cleanup, expr="cron(0 9 * * ? *)", ScheduleExpressionTimezone="America/New_York")
    assert sch.get_schedule(Name=name)["ScheduleExpressionTimezone"] == "America/New_York"
    for bad in ("Mars/Olympus_Mons", "Not a zone"):
        with pytest.raises(ClientError) as e:
            make_schedule(sch, cleanup, expr="cron(0 9 * * ? *)", ScheduleExpressionTimezone=bad)
        assert code(e) == VALIDATION, bad


def test_start_and_end_dates(sch, cleanup):
    start, end = utc_in(3600), utc_in(86400)
    name = make_schedule(sch, cleanup, StartDate=start, EndDate=end)
    got = sch.get_schedule(Name=name)
    assert (got["StartDate"], got["EndDate"]) == (start, end)
    with pytest.raises(ClientError) as e:
        make_schedule(sch, cleanup, StartDate=end, EndDate=start)
    assert code(e) == VALIDATION


def test_flexible_time_window_validation(sch, sch_nv, cleanup):
    name = make_schedule(sch, cleanup, window={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1440})
    assert sch.get_schedule(Name=name)["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1440}
    for client, window in [
        (sch, {"Mode": "FLEXIBLE"}),  # FLEXIBLE needs its window
        (sch, {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441}),  # API model: 1..1440
        (sch_nv, {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 0}),
        (sch, {"Mode": "SOMETIMES"}),  # API model: OFF | FLEXIBLE
        (sch_nv, {}),  # Mode is required
    ]:
        with pytest.raises(ClientError) as e:
            make_schedule(client, cleanup, window=window)
        assert code(e) == VALIDATION, window
    with pytest.raises(ClientError) as e:
        sch_nv.create_schedule(Name=unique("sch"), ScheduleExpression=QUIET, Target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN})
    assert code(e) == VALIDATION  # FlexibleTimeWindow is required


def test_target_validation(sch, sch_nv, cleanup):
    # API model: Target.Arn and Target.RoleArn required, RoleArn an IAM role ARN,
    # Input at least 1 character, RetryPolicy 60..86400 s and 0..185 attempts,
    # DeadLetterConfig an SQS queue ARN.
    ok = {"Arn": DUMMY_FN, "RoleArn": ROLE_ARN}
    cases = [
        (sch_nv, {"Arn": DUMMY_FN}),
        (sch_nv, {"RoleArn": ROLE_ARN}),
        (sch, {**ok, "RoleArn": "not-an-arn"}),
        (sch, {**ok, "RoleArn": f"arn:aws:iam::{ACCOUNT}:user/x"}),
        (sch_nv, {**ok, "Input": ""}),
        (sch, {**ok, "RetryPolicy": {"MaximumRetryAttempts": 186}}),
        (sch, {**ok, "RetryPolicy": {"MaximumEventAgeInSeconds": 86401}}),
        (sch_nv, {**ok, "RetryPolicy": {"MaximumEventAgeInSeconds": 59}}),
        (sch, {**ok, "DeadLetterConfig": {"Arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic"}}),
    ]
    for client, target in cases:
        with pytest.raises(ClientError) as e:
            make_schedule(client, cleanup, target=target)
        assert code(e) == VALIDATION, target
    # the edges are accepted
    edge = {**ok, "RetryPolicy": {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0}}
    name = make_schedule(sch, cleanup, target=edge)
    assert sch.get_schedule(Name=name)["Target"]["RetryPolicy"] == edge["RetryPolicy"]


def test_other_member_validation(sch, sch_nv, cleanup):
    for kw in (
        {"name": "x" * 65},
        {"name": "bad:name"},
        {"State": "PAUSED"},
        {"ActionAfterCompletion": "KEEP"},
        {"Description": "d" * 513},
    ):
        with pytest.raises(ClientError) as e:
            make_schedule(sch, cleanup, **kw)
        assert code(e) == VALIDATION, kw
    with pytest.raises(ClientError) as e:
        sch_nv.create_schedule(Name=unique("sch"), FlexibleTimeWindow=OFF, Target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN})
    assert code(e) == VALIDATION  # ScheduleExpression is required
    name = make_schedule(sch, cleanup, name="n" * 64)
    assert sch.get_schedule(Name=name)["Arn"] == schedule_arn("n" * 64)


# ------------------------------------------------------------------ UpdateSchedule, DeleteSchedule


def test_update_schedule_replaces_the_whole_definition(sch, cleanup):
    # API docs, UpdateSchedule: every optional member left out returns to its default.
    group = make_group(sch, cleanup)
    name = make_schedule(
        sch, cleanup, GroupName=group, expr="rate(5 minutes)", Description="before",
        window={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10}, State="DISABLED",
        ScheduleExpressionTimezone="Europe/Paris", StartDate=utc_in(3600), EndDate=utc_in(7200),
        target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN, "Input": "old",
                "RetryPolicy": {"MaximumEventAgeInSeconds": 120, "MaximumRetryAttempts": 1},
                "DeadLetterConfig": {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )
    before = sch.get_schedule(Name=name, GroupName=group)
    time.sleep(1.1)
    out = sch.update_schedule(
        Name=name, GroupName=group, ScheduleExpression="cron(0 0 * * ? *)", FlexibleTimeWindow=OFF,
        Target={"Arn": DUMMY_FN + "2", "RoleArn": ROLE_ARN},
    )
    assert body(out) == {"ScheduleArn": schedule_arn(name, group)}
    got = body(sch.get_schedule(Name=name, GroupName=group))
    assert set(got) == MINIMAL_SCHEDULE_KEYS, got
    assert got["ScheduleExpression"] == "cron(0 0 * * ? *)"
    assert got["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert got["State"] == "ENABLED"
    assert got["ScheduleExpressionTimezone"] == "UTC"
    assert got["ActionAfterCompletion"] == "NONE"
    assert got["Target"] == {"Arn": DUMMY_FN + "2", "RoleArn": ROLE_ARN, "RetryPolicy": DEFAULT_RETRY}
    assert got["CreationDate"] == before["CreationDate"]
    assert got["LastModificationDate"] > before["LastModificationDate"]


def test_update_schedule_errors(sch, cleanup):
    name = make_schedule(sch, cleanup)
    base = dict(FlexibleTimeWindow=OFF, Target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN})
    with pytest.raises(ClientError) as e:
        sch.update_schedule(Name=unique("nosch"), ScheduleExpression=QUIET, **base)
    assert code(e) == NOT_FOUND
    with pytest.raises(ClientError) as e:  # GroupName names the schedule; it does not move it
        sch.update_schedule(Name=name, GroupName=make_group(sch, cleanup), ScheduleExpression=QUIET, **base)
    assert code(e) == NOT_FOUND
    with pytest.raises(ClientError) as e:
        sch.update_schedule(Name=name, ScheduleExpression="rate(10 seconds)", **base)
    assert code(e) == VALIDATION
    assert sch.get_schedule(Name=name)["ScheduleExpression"] == QUIET


def test_delete_schedule(sch, cleanup):
    group = make_group(sch, cleanup)
    name = make_schedule(sch, cleanup, GroupName=group)
    with pytest.raises(ClientError) as e:  # not in "default"
        sch.delete_schedule(Name=name)
    assert code(e) == NOT_FOUND
    out = sch.delete_schedule(Name=name, GroupName=group)
    assert body(out) == {} and out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert schedule_gone(sch, name, group)
    with pytest.raises(ClientError) as e:
        sch.delete_schedule(Name=name, GroupName=group)
    assert code(e) == NOT_FOUND
    with pytest.raises(ClientError) as e:
        sch.get_schedule(Name=name, GroupName=group)
    assert code(e) == NOT_FOUND
    # the name is free again
    make_schedule(sch, cleanup, name=name, GroupName=group)


# ------------------------------------------------------------------ ListSchedules


def test_list_schedules_smoke(sch):
    # scheduler::test_list_schedules (validated): Schedules is a list.
    out = sch.list_schedules()
    assert isinstance(out["Schedules"], list)


def test_list_schedules_filters_and_paging(sch, cleanup):
    prefix = unique("ls")
    group = make_group(sch, cleanup)
    enabled = {make_schedule(sch, cleanup, name=f"{prefix}-e{i}", GroupName=group) for i in range(3)}
    disabled = {make_schedule(sch, cleanup, name=f"{prefix}-d{i}", GroupName=group, State="DISABLED") for i in range(2)}
    in_default = make_schedule(sch, cleanup, name=f"{prefix}-default")
    make_schedule(sch, cleanup, name=unique("other"), GroupName=group)  # outside the prefix

    items, _ = list_all(sch.list_schedules, "Schedules", GroupName=group, NamePrefix=prefix)
    assert sorted(s["Name"] for s in items) == sorted(enabled | disabled)
    s = next(s for s in items if s["Name"] == f"{prefix}-d0")
    assert set(s) == SUMMARY_KEYS, s  # API model: ScheduleSummary
    assert s["Arn"] == schedule_arn(f"{prefix}-d0", group)
    assert s["GroupName"] == group
    assert s["State"] == "DISABLED"
    assert s["Target"] == {"Arn": DUMMY_FN}
    assert isinstance(s["CreationDate"], datetime)

    # no GroupName: every group
    items, _ = list_all(sch.list_schedules, "Schedules", NamePrefix=prefix)
    assert sorted(s["Name"] for s in items) == sorted(enabled | disabled | {in_default})
    items, _ = list_all(sch.list_schedules, "Schedules", GroupName="default", NamePrefix=prefix)
    assert [s["Name"] for s in items] == [in_default]

    items, _ = list_all(sch.list_schedules, "Schedules", GroupName=group, NamePrefix=prefix, State="DISABLED")
    assert sorted(s["Name"] for s in items) == sorted(disabled)
    items, _ = list_all(sch.list_schedules, "Schedules", GroupName=group, NamePrefix=prefix, State="ENABLED")
    assert sorted(s["Name"] for s in items) == sorted(enabled)

    items, pages = list_all(sch.list_schedules, "Schedules", GroupName=group, NamePrefix=prefix, MaxResults=2)
    names = [s["Name"] for s in items]
    assert len(names) == len(set(names)) == 5
    assert set(names) == enabled | disabled
    assert pages == 3
    first = sch.list_schedules(GroupName=group, NamePrefix=prefix, MaxResults=2)
    assert len(first["Schedules"]) == 2 and first["NextToken"]


def test_list_schedules_validation(sch):
    with pytest.raises(ClientError) as e:
        sch.list_schedules(MaxResults=101)  # API model: 1..100
    assert code(e) == VALIDATION
    with pytest.raises(ClientError) as e:
        sch.list_schedules(State="PAUSED")
    assert code(e) == VALIDATION


# ------------------------------------------------------------------ delivery


def test_at_schedule_delivers_input_to_sqs(sch, sqs, cleanup):
    url, arn = make_queue(sqs)
    fire = utc_in(4)
    payload = f"hello from {unique('at')}"
    make_schedule(sch, cleanup, expr=at(fire), target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": payload})
    m = one(sqs, url, timeout=15)
    assert m["Body"] == payload
    assert int(m["Attributes"]["SentTimestamp"]) >= (fire.timestamp() - 1) * 1000, "fired before its time"
    assert m["_arrived"] <= fire.timestamp() + 6, "fired more than ~5 s late"
    assert nothing_more(sqs, url) == []


def test_at_schedule_in_a_timezone(sch, sqs, cleanup):
    # at() is wall-clock time in ScheduleExpressionTimezone; Asia/Tokyo is UTC+9, no DST.
    url, arn = make_queue(sqs)
    fire = utc_in(4)
    local = fire.astimezone(timezone(timedelta(hours=9)))
    make_schedule(
        sch, cleanup, expr=at(local), ScheduleExpressionTimezone="Asia/Tokyo",
        target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "tokyo"},
    )
    m = one(sqs, url, timeout=15)
    assert m["Body"] == "tokyo"
    assert int(m["Attributes"]["SentTimestamp"]) >= (fire.timestamp() - 1) * 1000
    assert m["_arrived"] <= fire.timestamp() + 6


def test_disabled_schedule_does_not_fire(sch, sqs, cleanup):
    url, arn = make_queue(sqs)
    fire = utc_in(3)
    make_schedule(sch, cleanup, expr=at(fire), State="DISABLED", target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "off"})
    make_schedule(sch, cleanup, expr=at(fire), target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "on"})
    assert one(sqs, url)["Body"] == "on"
    assert nothing_more(sqs, url, 2.5) == []


def test_action_after_completion_delete(sch, sqs, cleanup):
    url, arn = make_queue(sqs)
    keep = make_schedule(sch, cleanup, expr=at(utc_in(3)), target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "keep"})
    gone = make_schedule(
        sch, cleanup, expr=at(utc_in(3)), ActionAfterCompletion="DELETE",
        target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "delete"},
    )
    assert sch.get_schedule(Name=gone)["ActionAfterCompletion"] == "DELETE"
    bodies = sorted(m["Body"] for m in receive(sqs, url, 2, timeout=15))
    assert bodies == ["delete", "keep"]
    wait_until(lambda: schedule_gone(sch, gone), timeout=10, what="the DELETE schedule to go")
    # ActionAfterCompletion NONE: the fired schedule stays
    assert sch.get_schedule(Name=keep)["ActionAfterCompletion"] == "NONE"
    assert nothing_more(sqs, url) == []


SILENT = make_zip({"app.py": "def handler(event, context):\n    return None\n"})


def test_lambda_target_receives_input_as_event(lam, sch, sqs, cleanup):
    # Scheduler invokes a Lambda target asynchronously, so its OnSuccess
    # destination record carries the event as requestPayload.
    fn = unique("schfn")
    fn_arn = create(lam, fn, zip_bytes=SILENT)["FunctionArn"]
    dest_url, dest_arn = make_queue(sqs)
    lam.put_function_event_invoke_config(
        FunctionName=fn, MaximumRetryAttempts=0, DestinationConfig={"OnSuccess": {"Destination": dest_arn}}
    )
    event = {"job": "nightly", "n": 1, "nested": {"ok": True}}
    make_schedule(sch, cleanup, expr=at(utc_in(4)), target={"Arn": fn_arn, "RoleArn": ROLE_ARN, "Input": json.dumps(event)})
    record = json.loads(one(sqs, dest_url, timeout=40)["Body"])
    assert record["requestContext"]["condition"] == "Success", record
    assert record["requestContext"]["functionArn"] == fn_arn + ":$LATEST"
    assert record["requestPayload"] == event
    assert nothing_more(sqs, dest_url) == []


def test_dead_letter_queue_gets_the_event_of_a_missing_function(sch, sqs, cleanup):
    # Nothing recorded about the DLQ message's body or attributes: only that one arrives.
    dlq_url, dlq_arn = make_queue(sqs)
    missing = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{unique('nofn')}"
    make_schedule(
        sch, cleanup, expr=at(utc_in(3)),
        target={
            "Arn": missing,
            "RoleArn": ROLE_ARN,
            "Input": '{"to": "nowhere"}',
            "RetryPolicy": {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    one(sqs, dlq_url, timeout=30)
    assert nothing_more(sqs, dlq_url) == []


def test_rate_schedule_fires_every_minute(sch, sqs, cleanup):
    # The one test that takes a real minute.
    url, arn = make_queue(sqs)
    name = make_schedule(sch, cleanup, expr="rate(1 minute)", target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "tick"})
    m = one(sqs, url, timeout=75)
    assert m["Body"] == "tick"
    assert nothing_more(sqs, url, 3) == []  # one fire, not a burst
    sch.delete_schedule(Name=name)


# ------------------------------------------------------------------ durability


def test_schedules_survive_restart(fresh_server):
    sch = scheduler_client(fresh_server)
    group = make_group(sch, Tags=[{"Key": "team", "Value": "blue"}])
    name = make_schedule(
        sch, GroupName=group, expr="cron(0 18 ? * MON-FRI *)", Description="kept",
        ScheduleExpressionTimezone="Europe/Paris", window={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
        target={"Arn": DUMMY_FN, "RoleArn": ROLE_ARN, "Input": "x",
                "RetryPolicy": {"MaximumEventAgeInSeconds": 300, "MaximumRetryAttempts": 2}},
    )
    plain = make_schedule(sch)
    before = body(sch.get_schedule(Name=name, GroupName=group))
    before_plain = body(sch.get_schedule(Name=plain))
    before_group = body(sch.get_schedule_group(Name=group))

    fresh_server.stop(sig_kill=True)
    fresh_server.start()
    sch = scheduler_client(fresh_server)

    assert body(sch.get_schedule(Name=name, GroupName=group)) == before
    assert body(sch.get_schedule(Name=plain)) == before_plain
    assert body(sch.get_schedule_group(Name=group)) == before_group
    assert sch.get_schedule_group(Name="default")["State"] == "ACTIVE"
    assert sch.list_tags_for_resource(ResourceArn=group_arn(group))["Tags"] == [{"Key": "team", "Value": "blue"}]
    names = {s["Name"] for s in list_all(sch.list_schedules, "Schedules")[0]}
    assert {name, plain} <= names


def test_missed_one_time_schedule_fires_once_after_restart(fresh_server):
    sqs = fresh_server.client("sqs")
    sch = scheduler_client(fresh_server)
    qname = unique("q")
    sqs.create_queue(QueueName=qname)
    url = sqs.get_queue_url(QueueName=qname)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fire = utc_in(4)
    make_schedule(sch, expr=at(fire), target={"Arn": arn, "RoleArn": ROLE_ARN, "Input": "missed"})

    fresh_server.stop()
    time.sleep(max(0.0, fire.timestamp() + 2 - time.time()))
    fresh_server.start()
    sqs = fresh_server.client("sqs")
    url = sqs.get_queue_url(QueueName=qname)["QueueUrl"]  # the port changed

    got = receive(sqs, url, 2, timeout=8)
    assert [m["Body"] for m in got] == ["missed"], "a missed one-time schedule fires exactly once after restart"
    assert nothing_more(sqs, url, 3) == []

    # and never again, not even after another restart
    fresh_server.stop()
    fresh_server.start()
    sqs = fresh_server.client("sqs")
    url = sqs.get_queue_url(QueueName=qname)["QueueUrl"]
    assert nothing_more(sqs, url, 4) == []


# ------------------------------------------------------------------ aws CLI


def test_cli_walkthrough(server):
    group = unique("cligrp")
    name = unique("clisch")
    out = json.loads(server.aws("scheduler", "create-schedule-group", "--name", group,
                                "--tags", "Key=team,Value=blue").stdout)
    assert out == {"ScheduleGroupArn": group_arn(group)}
    target = {"Arn": DUMMY_FN, "RoleArn": ROLE_ARN, "Input": "{}"}
    out = json.loads(server.aws(
        "scheduler", "create-schedule", "--name", name, "--group-name", group,
        "--schedule-expression", QUIET, "--flexible-time-window", "Mode=OFF", "--target", json.dumps(target),
    ).stdout)
    assert out == {"ScheduleArn": schedule_arn(name, group)}

    got = json.loads(server.aws("scheduler", "get-schedule", "--name", name, "--group-name", group).stdout)
    assert got["ScheduleExpression"] == QUIET
    assert got["State"] == "ENABLED"
    assert got["Target"]["Input"] == "{}"
    listed = json.loads(server.aws("scheduler", "list-schedules", "--group-name", group).stdout)
    assert [s["Name"] for s in listed["Schedules"]] == [name]
    tags = json.loads(server.aws("scheduler", "list-tags-for-resource", "--resource-arn", group_arn(group)).stdout)
    assert tags == {"Tags": [{"Key": "team", "Value": "blue"}]}

    server.aws("scheduler", "delete-schedule", "--name", name, "--group-name", group)
    missing = server.aws("scheduler", "get-schedule", "--name", name, "--group-name", group, check=False)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr
    server.aws("scheduler", "delete-schedule-group", "--name", group)

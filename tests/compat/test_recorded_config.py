"""Configuration APIs checked against responses recorded on real AWS.

Every expected value here (error codes, exact messages, statuses, response
keys and defaults) comes from LocalStack's parity snapshots, which were
recorded against AWS: tests/aws/services/lambda_/test_lambda_api.snapshot.json
unless the comment names another file. Each test's comment names the
snapshot entry (test id and recorded key) its facts come from. Only facts
are taken; account 111111111111 of the recordings is 000000000000 here.

Scope: tags, event invoke configs, reserved and provisioned concurrency,
permissions, function URL configs, layers, account settings, recursion
config, and the async/URL behaviours recorded elsewhere.
"""

import datetime
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, Server, create, make_zip, unique

ACCOUNT = "000000000000"
REGION = "us-east-1"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
LAYER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:"

TAG_ARN_PATTERN = (
    r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
    r"(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)"
    r"|code-signing-config:csc-[a-z0-9]{17}"
    r"|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|capacity-provider:[a-zA-Z0-9-_]+)"
)
LAYER_VERSION_ARN_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}"
    r":layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)
URL_QUALIFIER_PATTERN = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"

NOT_EXIST = "The resource you requested does not exist."
DERIVED_MISMATCH = "The derived qualifier from the function name does not match the specified qualifier."
TAGS_ON_QUALIFIED = "Tags on function aliases and versions are not supported. Please specify a function ARN."


class Soft:
    """Collects every mismatch of a test, so one run reports them all."""

    def __init__(self):
        self.errors = []

    def eq(self, got, want, what):
        if got != want:
            self.errors.append(f"{what}\n    expected: {want!r}\n    got:      {got!r}")

    def true(self, ok, text, what):
        if not ok:
            self.errors.append(f"not true: {text}" + (f"\n    context: {what!r}" if what else ""))

    def done(self):
        assert not self.errors, f"{len(self.errors)} mismatch(es):\n" + "\n".join(self.errors)


@pytest.fixture
def chk():
    return Soft()


def fails(call, **kw):
    """(Code, Message, HTTP status) of the ClientError that call(**kw) raises,
    or ("NO ERROR", <response body>, status) when it succeeds."""
    try:
        out = call(**kw)
    except ClientError as e:
        r = e.response
        return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]
    return "NO ERROR", body(out), status(out)


def raw_error(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response
    return {}


def status(out):
    return out["ResponseMetadata"]["HTTPStatusCode"]


def body(out):
    return {k: v for k, v in out.items() if k != "ResponseMetadata"}


def no_validation(server):
    """A client that sends what it is given (as the recordings' client with
    parameter_validation=False)."""
    return boto3.client(
        "lambda",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def fn(lam, **kw):
    name = unique("rc")
    create(lam, name, **kw)
    return name


def with_version_and_alias(lam, alias="live"):
    name = fn(lam)
    v = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=v)
    return name, v


def function_rev(lam, name):
    return lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]


# ======================================================================= tags


def test_tag_lifecycle(lam, chk):
    # TestLambdaTag::test_tag_lifecycle[lambda_function] (every *_response is a
    # 204, *_listtags the tags) and TestLambdaTags::test_tag_lifecycle
    # (get_fn_response_*: RevisionId changes on each tag change; no "Tags"
    # key in GetFunction once all tags are gone).
    name = fn(lam)
    arn = FN + name
    revs = [function_rev(lam, name)]
    steps = [
        ("tag", {"A": "tag-a"}, {"A": "tag-a"}),
        ("tag", {"B": "tag-b", "C": "tag-c"}, {"A": "tag-a", "B": "tag-b", "C": "tag-c"}),
        ("tag", {"C": "tag-c-newsuffix", "D": "tag-d"},
         {"A": "tag-a", "B": "tag-b", "C": "tag-c-newsuffix", "D": "tag-d"}),
        ("untag", ["A"], {"B": "tag-b", "C": "tag-c-newsuffix", "D": "tag-d"}),
        ("untag", ["B", "C"], {"D": "tag-d"}),
        ("untag", ["F"], {"D": "tag-d"}),
        ("untag", ["D", "F"], {}),
    ]
    for op, arg, expected in steps:
        if op == "tag":
            out = lam.tag_resource(Resource=arn, Tags=arg)
        else:
            out = lam.untag_resource(Resource=arn, TagKeys=arg)
        chk.eq(status(out), 204, f"status of {op} {arg}")
        chk.eq(body(out), {}, 'body(out)')
        listed = lam.list_tags(Resource=arn)
        chk.eq(status(listed), 200, 'status(listed)')
        chk.eq(body(listed), {"Tags": expected}, f"ListTags after {op} {arg}")
        if op == "tag":
            revs.append(function_rev(lam, name))
    # Recorded: tagging changes the function's RevisionId.
    chk.eq(len(set(revs)), len(revs), f"distinct RevisionIds after CreateFunction and each TagResource: {revs}")
    chk.true("Tags" not in lam.get_function(FunctionName=name), '"Tags" not in lam.get_function(FunctionName=name)', '"Tags"')
    chk.done()


def test_tag_nonexisting_function(lam, chk):
    # TestLambdaTag::test_tag_exceptions[lambda_function] not_found_exception_*,
    # TestLambdaTag::test_tag_nonexisting_resource (after DeleteFunction),
    # TestLambdaTags::test_tag_exceptions tag_lambda_doesnotexist.
    missing = FN + unique("missing")
    expected = ("ResourceNotFoundException", f"Function not found: {missing}", 404)
    chk.eq(fails(lam.tag_resource, Resource=missing, Tags={"A": "B"}), expected, 'fails(lam.tag_resource, Resource=missing, Tags={"A": "B"})')
    chk.eq(fails(lam.untag_resource, Resource=missing, TagKeys=["A"]), expected, 'fails(lam.untag_resource, Resource=missing, TagKeys=["A"])')
    chk.eq(fails(lam.list_tags, Resource=missing), expected, 'fails(lam.list_tags, Resource=missing)')

    name = fn(lam)
    lam.delete_function(FunctionName=name)
    gone = ("ResourceNotFoundException", f"Function not found: {FN}{name}", 404)
    chk.eq(fails(lam.tag_resource, Resource=FN + name, Tags={"A": "B"}), gone, 'fails(lam.tag_resource, Resource=FN + name, Tags={"A": "B"})')
    chk.eq(fails(lam.untag_resource, Resource=FN + name, TagKeys=["A"]), gone, 'fails(lam.untag_resource, Resource=FN + name, TagKeys=["A"])')
    chk.eq(fails(lam.list_tags, Resource=FN + name), gone, 'fails(lam.list_tags, Resource=FN + name)')
    chk.done()


def test_tags_on_qualified_arns(lam, chk):
    # TestLambdaTags::test_tag_versions (tag_resource_exception on a version
    # ARN, tag_resource_latest_exception on :$LATEST), TestLambdaTags::
    # test_tag_exceptions tag_lambda_qualifier_doesnotexist (:v1), TestLambdaTag::
    # test_tag_exceptions[lambda_function] aliased_arn_exception (ListTags on
    # "<missing function>:alias").
    expected = ("InvalidParameterValueException", TAGS_ON_QUALIFIED, 400)
    name = fn(lam, Tags={"key_a": "value_a"})
    version_arn = lam.publish_version(FunctionName=name)["FunctionArn"]
    four = {"key_b": "value_b", "key_c": "value_c", "key_d": "value_d", "key_e": "value_e"}
    chk.eq(fails(lam.tag_resource, Resource=version_arn, Tags=four), expected, 'fails(lam.tag_resource, Resource=version_arn, Tags=four)')
    chk.eq(fails(lam.tag_resource, Resource=f"{FN}{name}:$LATEST", Tags=four), expected, 'fails(lam.tag_resource, Resource=f"{FN}{name}:$LATEST", Tags=four)')
    chk.eq(fails(lam.tag_resource, Resource=f"{FN}{name}:v1", Tags={"key_a": "value_a"}), expected, 'fails(lam.tag_resource, Resource=f"{FN}{name}:v1", Tags={"key_a": "value_a"})')
    chk.eq(fails(lam.list_tags, Resource=f"{FN}{unique('missing')}:alias"), expected, 'fails(lam.list_tags, Resource=f"{FN}{unique(\'missing\')}:alias")')
    chk.eq(lam.list_tags(Resource=FN + name)["Tags"], {"key_a": "value_a"}, 'lam.list_tags(Resource=FN + name)["Tags"]')
    chk.done()


def test_tag_invalid_arns(lam, chk):
    # TestLambdaTag::test_tag_exceptions[lambda_function] invalid_arn_exception,
    # TestLambdaTags::test_tag_exceptions tag_lambda_invalidarn.
    bad = f"arn:aws:lambda:{REGION}:{ACCOUNT}:foobar:{unique('x')}"
    chk.eq(fails(lam.list_tags, Resource=bad), (
        "ValidationException",
        f"1 validation error detected: Value '{bad}' at 'resource' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {TAG_ARN_PATTERN}",
        400,
    ), 'fails(lam.list_tags, Resource=bad)')
    chk.eq(fails(lam.tag_resource, Resource="arn:aws:something", Tags={"key_a": "value_a"}), (
        "ValidationException",
        "1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {TAG_ARN_PATTERN}",
        400,
    ), 'fails(lam.tag_resource, Resource="arn:aws:something", Tags={"key_a": "value_a"})')
    chk.done()


def test_tag_empty_inputs(lam, chk):
    # TestLambdaTags::test_tag_exceptions: list_tag_lambda_empty, untag_nomatch,
    # untag_empty_keys, tag_empty_tags.
    name = fn(lam)
    arn = FN + name
    out = lam.list_tags(Resource=arn)
    chk.eq((status(out), body(out)), (200, {"Tags": {}}), '(status(out), body(out))')
    chk.eq(status(lam.untag_resource(Resource=arn, TagKeys=["somekey"])), 204, 'status(lam.untag_resource(Resource=arn, TagKeys=["somekey"]))')
    chk.eq(fails(lam.untag_resource, Resource=arn, TagKeys=[]), (
        "ValidationException",
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
        400,
    ), 'fails(lam.untag_resource, Resource=arn, TagKeys=[])')
    chk.eq(fails(lam.tag_resource, Resource=arn, Tags={}), (
        "InvalidParameterValueException",
        "An error occurred and the request cannot be processed.",
        400,
    ), 'fails(lam.tag_resource, Resource=arn, Tags={})')
    chk.done()


def test_tag_limits(lam, chk):
    # TestLambdaTags::test_tag_limits: tag_lambda_too_many_tags (51),
    # tag_response (50), tag_lambda_too_many_tags_additional,
    # create_function_invalid_tags.
    expected = ("InvalidParameterValueException", "Number of tags exceeds resource tag limit.", 400)
    name = fn(lam)
    arn = FN + name
    chk.eq(fails(lam.tag_resource, Resource=arn, Tags={f"{k}_key": f"{k}_value" for k in range(51)}), expected, 'fails(lam.tag_resource, Resource=arn, Tags={f"{k}_key": f"{k}_value" for k in range(51)})')
    fifty = {f"{k}_key": f"{k}_value" for k in range(50)}
    chk.eq(status(lam.tag_resource(Resource=arn, Tags=fifty)), 204, 'status(lam.tag_resource(Resource=arn, Tags=fifty))')
    chk.eq(lam.list_tags(Resource=arn)["Tags"], fifty, 'lam.list_tags(Resource=arn)["Tags"]')
    chk.eq(lam.get_function(FunctionName=name)["Tags"], fifty, 'lam.get_function(FunctionName=name)["Tags"]')
    chk.eq(fails(lam.tag_resource, Resource=arn, Tags={"a_key": "a_value"}), expected, 'fails(lam.tag_resource, Resource=arn, Tags={"a_key": "a_value"})')
    chk.eq(fails(
        lam.create_function,
        FunctionName=unique("rc"),
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return e\n"})},
        Tags={f"{k}_key": f"{k}_value" for k in range(51)},
    ), expected, 'fails( lam.create_function, FunctionName=unique("rc"), Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": make_zip({"app.py": "def handler')
    chk.done()


def test_error_body_members(lam, fresh_server, chk):
    # The modeled members botocore copies from the error body: recorded
    # "Type": "User" with "Message" (ResourceNotFoundException, e.g.
    # TestLambdaTags::test_tag_exceptions tag_lambda_doesnotexist) or
    # "message" (InvalidParameterValueException, tag_lambda_qualifier_doesnotexist),
    # and no "Type" on the concurrency limit errors
    # (TestLambdaReservedConcurrency::test_function_concurrency_limits).
    r = raw_error(lam.list_tags, Resource=FN + unique("missing"))
    chk.true(r.get("Type") == "User" and "Message" in r, 'r.get("Type") == "User" and "Message" in r', 'r.get("Type") == "User" and "Message" in r')
    name = fn(lam)
    r = raw_error(lam.list_tags, Resource=f"{FN}{name}:v1")
    chk.true(r.get("Type") == "User" and "message" in r, 'r.get("Type") == "User" and "message" in r', 'r.get("Type") == "User" and "message" in r')
    big = fresh_server.client()
    other = fn(big)
    r = raw_error(big.put_function_concurrency, FunctionName=other, ReservedConcurrentExecutions=1001)
    chk.true("message" in r, '"message" in r', '"message"')
    chk.true("Type" not in r, '"Type" not in r', '"Type"')
    chk.done()


# ===================================================== ops on missing things


def test_get_configs_of_nonexisting_function(lam, chk):
    # TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_url_config],
    # [get_function_event_invoke_config], [get_function_concurrency];
    # test_ops_on_nonexisting_version[get_function_event_invoke_config] (Qualifier 1221).
    name = unique("i-dont-exist")
    chk.eq(fails(lam.get_function_url_config, FunctionName=name), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_function_url_config, FunctionName=name)')
    chk.eq(fails(lam.get_function_event_invoke_config, FunctionName=name), (
        "ResourceNotFoundException",
        f"The function {FN}{name}:$LATEST doesn't have an EventInvokeConfig",
        404,
    ), 'fails(lam.get_function_event_invoke_config, FunctionName=name)')
    chk.eq(fails(lam.get_function_concurrency, FunctionName=name), (
        "ResourceNotFoundException",
        f"Function not found: {FN}{name}",
        404,
    ), 'fails(lam.get_function_concurrency, FunctionName=name)')
    existing = fn(lam)
    chk.eq(fails(lam.get_function_event_invoke_config, FunctionName=existing, Qualifier="1221"), (
        "ResourceNotFoundException",
        f"The function {FN}{existing}:1221 doesn't have an EventInvokeConfig",
        404,
    ), 'fails(lam.get_function_event_invoke_config, FunctionName=existing, Qualifier="1221")')
    chk.done()


# ===================================================== event invoke configs

EMPTY_DEST = {"OnFailure": {}, "OnSuccess": {}}


def eic(out):
    """An event invoke config as recorded: LastModified is a timestamp."""
    b = body(out)
    assert isinstance(b.pop("LastModified"), datetime.datetime)
    return b


def test_event_invoke_config_lifecycle(lam, chk):
    # TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle.
    name = fn(lam)
    latest = f"{FN}{name}:$LATEST"
    out = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    chk.eq(status(out), 200, 'status(out)')
    # put_invokeconfig_retries_0: only what was given, no MaximumEventAgeInSeconds.
    chk.eq(eic(out), {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest, "MaximumRetryAttempts": 0}, 'eic(out)')
    # put_invokeconfig_eventage_60: Put replaces the whole config.
    out = lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    chk.eq(eic(out), {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest, "MaximumEventAgeInSeconds": 60}, 'eic(out)')
    # update_invokeconfig_eventage_nochange, update_invokeconfig_retries: Update merges.
    out = lam.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    chk.eq(eic(out), {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest, "MaximumEventAgeInSeconds": 60}, 'eic(out)')
    out = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    both = {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest, "MaximumEventAgeInSeconds": 60,
            "MaximumRetryAttempts": 1}
    chk.eq((status(out), eic(out)), (200, both), '(status(out), eic(out))')
    # get_invokeconfig, get_invokeconfig_latest, list_single_invokeconfig.
    chk.eq(eic(lam.get_function_event_invoke_config(FunctionName=name)), both, 'eic(lam.get_function_event_invoke_config(FunctionName=name))')
    chk.eq(eic(lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")), both, 'eic(lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST"))')
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    chk.eq(len(listed), 1, 'len(listed)')
    chk.true(isinstance(listed[0].pop("LastModified"), datetime.datetime), 'isinstance(listed[0].pop("LastModified"), datetime.datetime)', 'isinstance(listed[0].pop("LastModified"), datetime.datetime)')
    chk.eq(listed, [both], 'listed')
    # get_invokeconfig_postpublish: a new version has no config.
    v = lam.publish_version(FunctionName=name)["Version"]
    chk.eq(fails(lam.get_function_event_invoke_config, FunctionName=name, Qualifier=v), (
        "ResourceNotFoundException",
        f"The function {FN}{name}:{v} doesn't have an EventInvokeConfig",
        404,
    ), 'fails(lam.get_function_event_invoke_config, FunctionName=name, Qualifier=v)')
    # put_published_invokeconfig, get_published_invokeconfig.
    pub = {"DestinationConfig": EMPTY_DEST, "FunctionArn": f"{FN}{name}:{v}", "MaximumEventAgeInSeconds": 120}
    out = lam.put_function_event_invoke_config(FunctionName=name, Qualifier=v, MaximumEventAgeInSeconds=120)
    chk.eq(eic(out), pub, 'eic(out)')
    chk.eq(eic(lam.get_function_event_invoke_config(FunctionName=name, Qualifier=v)), pub, 'eic(lam.get_function_event_invoke_config(FunctionName=name, Qualifier=v))')
    # Paging (asserted in the recording's test): MaxItems=1 then NextMarker.
    first = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    chk.eq(len(first["FunctionEventInvokeConfigs"]), 1, 'len(first["FunctionEventInvokeConfigs"])')
    rest = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=1, Marker=first["NextMarker"])
    chk.eq(len(rest["FunctionEventInvokeConfigs"]), 1, 'len(rest["FunctionEventInvokeConfigs"])')
    chk.eq({first["FunctionEventInvokeConfigs"][0]["FunctionArn"], rest["FunctionEventInvokeConfigs"][0]["FunctionArn"]}, {
        latest, f"{FN}{name}:{v}"}, '{first["FunctionEventInvokeConfigs"][0]["FunctionArn"], rest["FunctionEventInvokeConfigs"][0]["FunctionArn"]}')
    # list_paging_nolimit_postdelete: unqualified delete removes $LATEST's only.
    lam.delete_function_event_invoke_config(FunctionName=name)
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    chk.eq([c["FunctionArn"] for c in listed], [f"{FN}{name}:{v}"], '[c["FunctionArn"] for c in listed]')
    chk.true("MaximumRetryAttempts" not in listed[0], '"MaximumRetryAttempts" not in listed[0]', '"MaximumRetryAttempts"')
    chk.done()


def test_event_invoke_config_function_not_found(lam, server, chk):
    # test_lambda_eventinvokeconfig_exceptions: put_functionname_name_notfound,
    # put_functionname_arn_notfound, put_functionname_nootherargs (the missing
    # setting is reported before the missing function).
    raw = no_validation(server)
    expected = ("ResourceNotFoundException", "The function doesn't exist.", 404)
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=1), expected, 'fails(raw.put_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=1)')
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName=FN + "doesnotexist", MaximumRetryAttempts=1), expected, 'fails(raw.put_function_event_invoke_config, FunctionName=FN + "doesnotexist", MaximumRetryAttempts=1)')
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName="doesnotexist"), (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
        400,
    ), 'fails(raw.put_function_event_invoke_config, FunctionName="doesnotexist")')
    chk.done()


def test_event_invoke_config_needs_a_setting(lam, chk):
    # put_functionname_nootherargs, on an existing function.
    name = fn(lam)
    chk.eq(fails(lam.put_function_event_invoke_config, FunctionName=name), (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
        400,
    ), 'fails(lam.put_function_event_invoke_config, FunctionName=name)')
    chk.done()


def test_event_invoke_config_destinations(lam, server, chk):
    # test_lambda_eventinvokeconfig_exceptions: put_destination_lambda_doesntexist,
    # put_destination_recursive, put_destination_other_lambda,
    # put_destination_invalid_service_arn, put_destination_success_no_destination_arn,
    # put_destination_failure_no_destination_arn, put_destination_invalid_arn_pattern.
    raw = no_validation(server)
    name = fn(lam)
    other = fn(lam)
    latest = f"{FN}{name}:$LATEST"
    missing = FN + "doesnotexist"
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName=name,
                 DestinationConfig={"OnSuccess": {"Destination": missing}}), (
        "InvalidParameterValueException", f"The destination ARN {missing} is invalid.", 400), 'fails(raw.put_function_event_invoke_config, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": missing}})')
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName=name,
                 DestinationConfig={"OnSuccess": {"Destination": FN + name}}), (
        "InvalidParameterValueException", "You can't specify the function as a destination for itself.", 400), 'fails(raw.put_function_event_invoke_config, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": FN + name}})')
    out = raw.put_function_event_invoke_config(FunctionName=name,
                                               DestinationConfig={"OnSuccess": {"Destination": FN + other}})
    chk.eq(eic(out), {"DestinationConfig": {"OnFailure": {}, "OnSuccess": {"Destination": FN + other}},
                        "FunctionArn": latest}, 'eic(out)')
    iam = (FN + name).replace(":lambda:", ":iam:")
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName=name,
                 DestinationConfig={"OnSuccess": {"Destination": iam}}), (
        "InvalidParameterValueException",
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={iam}), "
        "onFailure=null) is invalid.",
        400,
    ), 'fails(raw.put_function_event_invoke_config, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": iam}})')
    for dc in ({"OnSuccess": {}}, {"OnFailure": {}}):
        out = raw.put_function_event_invoke_config(FunctionName=name, DestinationConfig=dc)
        chk.eq(eic(out), {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest}, dc)
    bad = (FN + name).replace(":lambda:", ":_-/!lambda:")
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName=name,
                 DestinationConfig={"OnFailure": {"Destination": bad}}), (
        "ValidationException",
        f"1 validation error detected: Value '{bad}' at 'destinationConfig.onFailure.destination' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
        r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)",
        400,
    ), 'fails(raw.put_function_event_invoke_config, FunctionName=name, DestinationConfig={"OnFailure": {"Destination": bad}})')
    chk.done()


def test_event_invoke_config_qualifiers(lam, server, chk):
    # test_lambda_eventinvokeconfig_exceptions: put_destination_latest,
    # put_destination_latest_explicit_qualifier, put_destination_version,
    # put_alias_functionname_qualifier, put_alias_doesnotexist, put_alias_qualifiedarn,
    # put_alias_qualifiedarn_qualifier, put_alias_qualifiedarn_qualifierconflict,
    # put_alias_shorthand, put_alias_shorthand_qualifier,
    # put_alias_shorthand_qualifierconflict, put_version_shorthand,
    # put_shorthand_qualifier_match, put_shorthand_qualifier_mismatch_1..3.
    raw = no_validation(server)
    alias = "eventinvokealias"
    name, v = with_version_and_alias(lam, alias)
    alias_arn = f"{FN}{name}:{alias}"
    ok = [
        ({"FunctionName": name}, "$LATEST"),
        ({"FunctionName": name, "Qualifier": "$LATEST"}, "$LATEST"),
        ({"FunctionName": name, "Qualifier": v}, v),
        ({"FunctionName": name, "Qualifier": alias}, alias),
        ({"FunctionName": alias_arn}, alias),
        ({"FunctionName": alias_arn, "Qualifier": alias}, alias),
        ({"FunctionName": f"{name}:{alias}"}, alias),
        ({"FunctionName": f"{name}:{alias}", "Qualifier": alias}, alias),
        ({"FunctionName": f"{name}:{v}"}, v),
        ({"FunctionName": f"{name}:$LATEST", "Qualifier": "$LATEST"}, "$LATEST"),
    ]
    for args, qualifier in ok:
        out = raw.put_function_event_invoke_config(MaximumRetryAttempts=1, **args)
        chk.eq(eic(out), {"DestinationConfig": EMPTY_DEST, "FunctionArn": f"{FN}{name}:{qualifier}",
                            "MaximumRetryAttempts": 1}, args)
    chk.eq(fails(raw.put_function_event_invoke_config, FunctionName=name, Qualifier=f"{alias}doesnotexist",
                 MaximumRetryAttempts=1), ("ResourceNotFoundException", "The function doesn't exist.", 404), 'fails(raw.put_function_event_invoke_config, FunctionName=name, Qualifier=f"{alias}doesnotexist", MaximumRetryAttempts=1)')
    mismatches = [
        {"FunctionName": alias_arn, "Qualifier": f"{alias}doesnotexist"},
        {"FunctionName": f"{name}:{alias}", "Qualifier": f"{alias}doesnotexist"},
        {"FunctionName": f"{name}:{v}", "Qualifier": "$LATEST"},
        {"FunctionName": f"{name}:$LATEST", "Qualifier": v},
        {"FunctionName": f"{name}:{v}", "Qualifier": alias},
    ]
    for args in mismatches:
        chk.eq(fails(raw.put_function_event_invoke_config, MaximumRetryAttempts=1, **args), (
            "InvalidParameterValueException", DERIVED_MISMATCH, 400), args)
    chk.done()


def test_event_invoke_config_put_replaces_update_merges(lam, chk):
    # test_lambda_eventinvokeconfig_exceptions: put_maxevent_maxvalue_result,
    # put_pre_overwrite, put_post_overwrite, second_overwrite_existing_response,
    # get_post_overwrite, pre_update_response, update_response, update_response_existing.
    name = fn(lam)
    latest = f"{FN}{name}:$LATEST"
    out = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2,
                                               MaximumEventAgeInSeconds=21600)
    chk.eq(eic(out), {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest,
                        "MaximumEventAgeInSeconds": 21600, "MaximumRetryAttempts": 2}, 'eic(out)')
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    only_retries = {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest, "MaximumRetryAttempts": 0}
    for _ in range(2):
        out = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        chk.eq(eic(out), only_retries, 'eic(out)')
    chk.eq(eic(lam.get_function_event_invoke_config(FunctionName=name)), only_retries, 'eic(lam.get_function_event_invoke_config(FunctionName=name))')
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    merged = {"DestinationConfig": EMPTY_DEST, "FunctionArn": latest, "MaximumEventAgeInSeconds": 60,
              "MaximumRetryAttempts": 0}
    for _ in range(2):
        out = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        chk.eq(eic(out), merged, 'eic(out)')
    chk.eq(eic(lam.get_function_event_invoke_config(FunctionName=name)), merged, 'eic(lam.get_function_event_invoke_config(FunctionName=name))')
    chk.done()


def test_event_invoke_config_list_delete_and_not_found(lam, chk):
    # test_lambda_eventinvokeconfig_exceptions: list_configs, delete_latest,
    # delete_version, delete_alias, list_configs_postdelete, delete_function_not_found,
    # delete_function_doesnotexist, list_function_doesnotexist, get_function_doesnotexist,
    # get_qualifier_doesnotexist, update_eventinvokeconfig_function_doesnotexist,
    # get_eventinvokeconfig_doesnotexist, update_eventinvokeconfig_config_doesnotexist_*.
    alias = "eventinvokealias"
    name, v = with_version_and_alias(lam, alias)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0, MaximumEventAgeInSeconds=60)
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier=v, MaximumRetryAttempts=1)
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier=alias, MaximumRetryAttempts=1)
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    for c in listed:
        chk.true(isinstance(c.pop("LastModified"), datetime.datetime), 'isinstance(c.pop("LastModified"), datetime.datetime)', 'isinstance(c.pop("LastModified"), datetime.datetime)')
    chk.eq(sorted(listed, key=lambda c: c["FunctionArn"]), sorted([
        {"DestinationConfig": EMPTY_DEST, "FunctionArn": f"{FN}{name}:$LATEST", "MaximumEventAgeInSeconds": 60,
         "MaximumRetryAttempts": 0},
        {"DestinationConfig": EMPTY_DEST, "FunctionArn": f"{FN}{name}:{v}", "MaximumRetryAttempts": 1},
        {"DestinationConfig": EMPTY_DEST, "FunctionArn": f"{FN}{name}:{alias}", "MaximumRetryAttempts": 1},
    ], key=lambda c: c["FunctionArn"]), 'sorted(listed, key=lambda c: c["FunctionArn"])')
    paged = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=2)
    chk.true(len(paged["FunctionEventInvokeConfigs"]) == 2 and paged["NextMarker"], 'len(paged["FunctionEventInvokeConfigs"]) == 2 and paged["NextMarker"]', 'len(paged["FunctionEventInvokeConfigs"]) == 2 and paged["NextMarker"]')
    for q in ("$LATEST", v, alias):
        chk.eq(status(lam.delete_function_event_invoke_config(FunctionName=name, Qualifier=q)), 204, 'status(lam.delete_function_event_invoke_config(FunctionName=name, Qualifier=q))')
    chk.eq(lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"], [], 'lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]')

    def no_config(qualified):
        return ("ResourceNotFoundException", f"The function {qualified} doesn't have an EventInvokeConfig", 404)

    no_function = ("ResourceNotFoundException", "The function doesn't exist.", 404)
    chk.eq(fails(lam.delete_function_event_invoke_config, FunctionName=name), no_config(f"{FN}{name}:$LATEST"), 'fails(lam.delete_function_event_invoke_config, FunctionName=name)')
    chk.eq(fails(lam.delete_function_event_invoke_config, FunctionName="doesnotexist"), no_config(
        f"{FN}doesnotexist:$LATEST"), 'fails(lam.delete_function_event_invoke_config, FunctionName="doesnotexist")')
    chk.eq(fails(lam.list_function_event_invoke_configs, FunctionName="doesnotexist"), no_function, 'fails(lam.list_function_event_invoke_configs, FunctionName="doesnotexist")')
    chk.eq(fails(lam.get_function_event_invoke_config, FunctionName="doesnotexist"), no_config(
        f"{FN}doesnotexist:$LATEST"), 'fails(lam.get_function_event_invoke_config, FunctionName="doesnotexist")')
    chk.eq(fails(lam.get_function_event_invoke_config, FunctionName=name, Qualifier="doesnotexist"), no_config(
        f"{FN}{name}:doesnotexist"), 'fails(lam.get_function_event_invoke_config, FunctionName=name, Qualifier="doesnotexist")')
    chk.eq(fails(lam.update_function_event_invoke_config, FunctionName="doesnotexist",
                 MaximumRetryAttempts=0), no_function, 'fails(lam.update_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=0)')
    chk.eq(fails(lam.get_function_event_invoke_config, FunctionName=f"{FN}{name}:{alias}"), no_config(
        f"{FN}{name}:{alias}"), 'fails(lam.get_function_event_invoke_config, FunctionName=f"{FN}{name}:{alias}")')
    chk.eq(fails(lam.update_function_event_invoke_config, FunctionName=f"{FN}{name}:{alias}",
                 MaximumRetryAttempts=0), no_config(f"{FN}{name}:{alias}"), 'fails(lam.update_function_event_invoke_config, FunctionName=f"{FN}{name}:{alias}", MaximumRetryAttempts=0)')
    chk.eq(fails(lam.update_function_event_invoke_config, FunctionName=FN + name,
                 MaximumRetryAttempts=0), no_config(f"{FN}{name}:$LATEST"), 'fails(lam.update_function_event_invoke_config, FunctionName=FN + name, MaximumRetryAttempts=0)')
    chk.done()


# ======================================================= reserved concurrency


def test_reserved_concurrency_exceptions(lam, chk):
    # TestLambdaReservedConcurrency::test_function_concurrency_exceptions.
    for n in (1, 0):
        chk.eq(fails(lam.put_function_concurrency, FunctionName="doesnotexist", ReservedConcurrentExecutions=n), (
            "ResourceNotFoundException", f"Function not found: {FN}doesnotexist:$LATEST", 404), n)
    name = fn(lam)
    chk.eq(fails(lam.put_function_concurrency, FunctionName=f"{FN}{name}:$LATEST", ReservedConcurrentExecutions=0), (
        "InvalidParameterValueException",
        "This operation is permitted on Lambda functions only. Aliases and versions do not support this "
        "operation. Please specify either a function name or an unqualified function ARN.",
        400,
    ), 'fails(lam.put_function_concurrency, FunctionName=f"{FN}{name}:$LATEST", ReservedConcurrentExecutions=0)')
    chk.done()


def test_reserved_concurrency_lifecycle(lam, chk):
    # TestLambdaReservedConcurrency::test_function_concurrency.
    name = fn(lam)
    out = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    chk.eq((status(out), body(out)), (200, {"ReservedConcurrentExecutions": 0}), '(status(out), body(out))')
    out = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    chk.eq((status(out), body(out)), (200, {"ReservedConcurrentExecutions": 1}), '(status(out), body(out))')
    out = lam.get_function_concurrency(FunctionName=name)
    chk.eq((status(out), body(out)), (200, {"ReservedConcurrentExecutions": 1}), '(status(out), body(out))')
    out = lam.delete_function_concurrency(FunctionName=name)
    chk.eq((status(out), body(out)), (204, {}), '(status(out), body(out))')
    out = lam.get_function_concurrency(FunctionName=name)
    chk.eq((status(out), body(out)), (200, {}), '(status(out), body(out))')
    chk.done()


def test_reserved_concurrency_limits(fresh_server, chk):
    # TestLambdaReservedConcurrency::test_function_concurrency_limits: the same
    # message above the account limit and at it (lambdalite: 1000 / minimum 100).
    lam = fresh_server.client()
    name = fn(lam)
    limit = lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    chk.eq(limit, 1000, 'limit')
    expected = (
        "InvalidParameterValueException",
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
        "below its minimum value of [100].",
        400,
    )
    chk.eq(fails(lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=limit + 1), expected, 'fails(lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=limit + 1)')
    chk.eq(fails(lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=limit), expected, 'fails(lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=limit)')
    chk.done()


# ==================================================== provisioned concurrency


def test_provisioned_concurrency_exceptions(lam, server, chk):
    # TestLambdaProvisionedConcurrency::test_provisioned_concurrency_exceptions.
    raw = no_validation(server)
    name = fn(lam)
    v = lam.publish_version(FunctionName=name)["Version"]

    def alias_missing(fname, q):
        return ("ResourceNotFoundException", f"Cannot find alias arn: {FN}{fname}:{q}", 404)

    def not_found(fname, q=None):
        return ("ResourceNotFoundException", f"Function not found: {FN}{fname}" + (f":{q}" if q else ""), 404)

    unpublished = ("InvalidParameterValueException",
                   "The function resource provided must be an alias or a published version.", 400)
    # GET
    chk.eq(fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier=v), (
        "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function",
        404), 'fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier=v)')
    chk.eq(fails(raw.get_provisioned_concurrency_config, FunctionName="doesnotexist",
                 Qualifier="noalias"), alias_missing("doesnotexist", "noalias"), 'fails(raw.get_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="noalias")')
    chk.eq(fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier="noalias"), alias_missing(
        name, "noalias"), 'fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier="noalias")')
    chk.eq(fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier="10"), not_found(name, "10"), 'fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier="10")')
    chk.eq(fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST"), unpublished, 'fails(raw.get_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST")')
    # LIST
    out = raw.list_provisioned_concurrency_configs(FunctionName=name)
    chk.eq((status(out), body(out)), (200, {"ProvisionedConcurrencyConfigs": []}), '(status(out), body(out))')
    chk.eq(fails(raw.list_provisioned_concurrency_configs, FunctionName="doesnotexist"), not_found("doesnotexist"), 'fails(raw.list_provisioned_concurrency_configs, FunctionName="doesnotexist")')
    # DELETE
    chk.eq(fails(raw.delete_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier=v), not_found(
        "doesnotexist", v), 'fails(raw.delete_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier=v)')
    chk.eq(fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="noalias"), alias_missing(
        name, "noalias"), 'fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="noalias")')
    chk.eq(fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="10"), not_found(name, "10"), 'fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="10")')
    chk.eq(fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST"), unpublished, 'fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST")')
    # delete_provisioned_config_doesnotexist: deleting a config that isn't there is a 204.
    chk.eq(fails(raw.delete_provisioned_concurrency_config, FunctionName=name, Qualifier=v), ("NO ERROR", {}, 204),
           "DeleteProvisionedConcurrencyConfig of a version without config")
    # PUT
    chk.eq(fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v,
                 ProvisionedConcurrentExecutions=0), (
        "ValidationException",
        "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
        400,
    ), 'fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v, ProvisionedConcurrentExecutions=0)')
    chk.eq(fails(raw.put_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="noalias",
                 ProvisionedConcurrentExecutions=1), alias_missing("doesnotexist", "noalias"), 'fails(raw.put_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="noalias", ProvisionedConcurrentExecutions=1)')
    chk.eq(fails(raw.put_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="1",
                 ProvisionedConcurrentExecutions=1), not_found("doesnotexist", "1"), 'fails(raw.put_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="1", ProvisionedConcurrentExecutions=1)')
    chk.eq(fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier="doesnotexist",
                 ProvisionedConcurrentExecutions=1), alias_missing(name, "doesnotexist"), 'fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier="doesnotexist", ProvisionedConcurrentExecutions=1)')
    chk.eq(fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier="10",
                 ProvisionedConcurrentExecutions=1), not_found(name, "10"), 'fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier="10", ProvisionedConcurrentExecutions=1)')
    chk.eq(fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST",
                 ProvisionedConcurrentExecutions=1), (
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        400,
    ), 'fails(raw.put_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)')
    chk.done()


def test_provisioned_concurrency_lifecycle(lam, chk):
    # TestLambdaProvisionedConcurrency::test_lambda_provisioned_lifecycle.
    name = fn(lam)
    v = lam.publish_version(FunctionName=name)["Version"]
    alias = unique("alias")
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=v)
    out = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier=v, ProvisionedConcurrentExecutions=1)
    b = body(out)
    chk.true(isinstance(b.pop("LastModified"), str), 'isinstance(b.pop("LastModified"), str)', 'isinstance(b.pop("LastModified"), str)')
    # put_provisioned_on_version
    chk.eq((status(out), b), (202, {"AllocatedProvisionedConcurrentExecutions": 0,
                                      "AvailableProvisionedConcurrentExecutions": 0,
                                      "RequestedProvisionedConcurrentExecutions": 1, "Status": "IN_PROGRESS"}), '(status(out), b)')
    # put_provisioned_on_alias_versionconflict
    got = fails(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier=alias,
                ProvisionedConcurrentExecutions=1)
    chk.eq(got, (
        "ResourceConflictException",
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version", 409),
        "PutProvisionedConcurrencyConfig on an alias whose version is provisioned")
    deadline = time.time() + 30
    while lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=v)["Status"] != "READY":
        if time.time() > deadline:
            chk.true(False, "the version's config became READY within 30 s", "")
            break
        time.sleep(0.1)
    chk.eq(status(lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=v)), 204, 'status(lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=v))')
    chk.eq(fails(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier=v), (
        "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function",
        404), 'fails(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier=v)')
    out = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=1)
    b = body(out)
    b.pop("LastModified", None)
    chk.eq((status(out), b), (202, {"AllocatedProvisionedConcurrentExecutions": 0,
                                      "AvailableProvisionedConcurrentExecutions": 0,
                                      "RequestedProvisionedConcurrentExecutions": 1, "Status": "IN_PROGRESS"}), '(status(out), b)')
    # put_provisioned_on_version_conflict
    got = fails(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v,
                ProvisionedConcurrentExecutions=1)
    chk.eq(got, ("ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias", 409),
           "PutProvisionedConcurrencyConfig on a version a provisioned alias points to")
    if got[0] == "NO ERROR":
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=v)
    # delete_alias_result, get_provisioned_alias_postaliasdelete, list_response_postdeletes
    chk.eq(status(lam.delete_alias(FunctionName=name, Name=alias)), 204, 'status(lam.delete_alias(FunctionName=name, Name=alias))')
    chk.eq(fails(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier=alias), (
        "ResourceNotFoundException", f"Cannot find alias arn: {FN}{name}:{alias}", 404), 'fails(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier=alias)')
    chk.eq(body(lam.list_provisioned_concurrency_configs(FunctionName=name)), {"ProvisionedConcurrencyConfigs": []}, 'body(lam.list_provisioned_concurrency_configs(FunctionName=name))')
    chk.done()


@pytest.fixture
def small_account(tmp_path):
    """A server whose account limit is 3, so a limit test that lambdalite
    lets through starts only a handful of environments."""
    s = Server(str(tmp_path), extra_env={"LAMBDALITE_ACCOUNT_CONCURRENCY": "3"}).start()
    yield s
    s.stop(sig_kill=True)


def test_provisioned_concurrency_limits(small_account, chk):
    # TestLambdaProvisionedConcurrency::test_provisioned_concurrency_limits (the
    # recording's test asserts the bracketed number is the account's
    # unreserved concurrency, here the whole limit of 3; the minimum value is
    # account-specific, so only the start of the second message is checked).
    lam = small_account.client()
    name = fn(lam)
    v = lam.publish_version(FunctionName=name)["Version"]
    limit = lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    chk.eq(limit, 3, "account limit")
    try:
        chk.eq(fails(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v,
                     ProvisionedConcurrentExecutions=limit + 1), (
            "InvalidParameterValueException",
            f"Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{limit}].",
            400,
        ), "PutProvisionedConcurrencyConfig(limit + 1)")
        code, msg, st = fails(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v,
                              ProvisionedConcurrentExecutions=limit)
        chk.eq((code, st), ("InvalidParameterValueException", 400), f"PutProvisionedConcurrencyConfig(limit): {msg!r}")
        chk.true(str(msg).startswith("Specified ConcurrentExecutions for function decreases account's "
                                     "UnreservedConcurrentExecution below its minimum value of ["),
                 f"message of PutProvisionedConcurrencyConfig(limit) is {msg!r}", "")
    finally:
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=v)
    chk.done()


# ================================================================ permissions

S3_ARN = "arn:aws:s3:::test-bucket"


def test_permission_exceptions(lam, chk):
    # TestLambdaPermissions::test_permission_exceptions.
    name = fn(lam)
    s3 = dict(Action="lambda:InvokeFunction", StatementId="s3", Principal="s3.amazonaws.com", SourceArn=S3_ARN)
    chk.eq(fails(lam.add_permission, FunctionName=name, Action="lambda:InvokeFunction", StatementId="example.com",
                 Principal="s3.amazonaws.com"), (
        "ValidationException",
        "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
        400,
    ), 'fails(lam.add_permission, FunctionName=name, Action="lambda:InvokeFunction", StatementId="example.com", Principal="s3.amazonaws.com")')
    chk.eq(fails(lam.add_permission, FunctionName=f"{name}:alias-not-42", Qualifier="42", **s3), (
        "InvalidParameterValueException", DERIVED_MISMATCH, 400), 'fails(lam.add_permission, FunctionName=f"{name}:alias-not-42", Qualifier="42", **s3)')
    chk.eq(fails(lam.add_permission, FunctionName=f"{name}:$LATEST", Qualifier="$LATEST", **s3), (
        "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.", 400), 'fails(lam.add_permission, FunctionName=f"{name}:$LATEST", Qualifier="$LATEST", **s3)')
    chk.eq(fails(lam.add_permission, FunctionName=name, Action="lambda:InvokeFunction", StatementId="lambda",
                 Principal="invalid.nonaws.com", SourceAccount=ACCOUNT), (
        "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.", 400), 'fails(lam.add_permission, FunctionName=name, Action="lambda:InvokeFunction", StatementId="lambda", Principal="invalid.nonaws.com", SourceAccount=ACCOUNT)')
    chk.eq(fails(lam.get_policy, FunctionName="doesnotexist"), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_policy, FunctionName="doesnotexist")')
    chk.eq(fails(lam.get_policy, FunctionName=name, Qualifier="77"), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_policy, FunctionName=name, Qualifier="77")')
    chk.eq(fails(lam.add_permission, FunctionName="doesnotexist", **s3), (
        "ResourceNotFoundException", f"Function not found: {FN}doesnotexist", 404), 'fails(lam.add_permission, FunctionName="doesnotexist", **s3)')
    chk.eq(fails(lam.remove_permission, FunctionName=name, StatementId="s3"), (
        "ResourceNotFoundException", "No policy is associated with the given resource.", 404), 'fails(lam.remove_permission, FunctionName=name, StatementId="s3")')
    chk.eq(fails(lam.add_permission, FunctionName=f"{name}:alias-doesnotexist", **s3), (
        "ResourceNotFoundException", f"Cannot find alias arn: {FN}{name}:alias-doesnotexist", 404), 'fails(lam.add_permission, FunctionName=f"{name}:alias-doesnotexist", **s3)')
    chk.eq(fails(lam.add_permission, FunctionName=name, Qualifier="42", **s3), (
        "ResourceNotFoundException", f"Function not found: {FN}{name}:42", 404), 'fails(lam.add_permission, FunctionName=name, Qualifier="42", **s3)')
    chk.eq(fails(lam.add_permission, FunctionName=name, Qualifier="invalid-qualifier-with-?-char", **s3), (
        "ValidationException",
        "1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
        400,
    ), 'fails(lam.add_permission, FunctionName=name, Qualifier="invalid-qualifier-with-?-char", **s3)')
    chk.eq(fails(lam.add_permission, FunctionName=name, Qualifier="valid-with-$-but-doesnotexist", **s3), (
        "ResourceNotFoundException", f"Function not found: {FN}{name}:valid-with-$-but-doesnotexist", 404), 'fails(lam.add_permission, FunctionName=name, Qualifier="valid-with-$-but-doesnotexist", **s3)')
    lam.add_permission(FunctionName=name, **s3)
    chk.eq(fails(lam.add_permission, FunctionName=name, **s3), (
        "ResourceConflictException",
        "The statement id (s3) provided already exists. Please provide a new statement id, or remove the "
        "existing statement.",
        409,
    ), 'fails(lam.add_permission, FunctionName=name, **s3)')
    chk.eq(fails(lam.remove_permission, FunctionName="doesnotexist", StatementId="s3"), (
        "ResourceNotFoundException", f"No policy found for: {FN}doesnotexist", 404), 'fails(lam.remove_permission, FunctionName="doesnotexist", StatementId="s3")')
    chk.eq(fails(lam.remove_permission, FunctionName=name, StatementId="s3", Qualifier="alias-doesnotexist"), (
        "ResourceNotFoundException", f"Cannot find alias arn: {FN}{name}:alias-doesnotexist", 404), 'fails(lam.remove_permission, FunctionName=name, StatementId="s3", Qualifier="alias-doesnotexist")')
    chk.done()


def test_permission_statement_shapes(lam, chk):
    # TestLambdaPermissions::test_add_lambda_permission_fields (all six entries)
    # and test_add_lambda_permission_aws add_permission (201).
    name = fn(lam)
    arn = FN + name

    def added(**kw):
        out = lam.add_permission(FunctionName=name, **kw)
        assert status(out) == 201
        assert set(body(out)) == {"Statement"}
        return json.loads(out["Statement"])

    chk.eq(added(Action="lambda:InvokeFunction", StatementId="wilcard", Principal="*", SourceAccount=ACCOUNT), {
        "Sid": "wilcard", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}}, 'added(Action="lambda:InvokeFunction", StatementId="wilcard", Principal="*", SourceAccount=ACCOUNT)')
    chk.eq(added(Action="lambda:InvokeFunction", StatementId="lambda", Principal="lambda.amazonaws.com",
                 SourceAccount=ACCOUNT), {
        "Sid": "lambda", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}}, 'added(Action="lambda:InvokeFunction", StatementId="lambda", Principal="lambda.amazonaws.com", SourceAccount=ACCOUNT)')
    chk.eq(added(Action="lambda:InvokeFunction", StatementId="account-id", Principal=ACCOUNT), {
        "Sid": "account-id", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "lambda:InvokeFunction", "Resource": arn}, 'added(Action="lambda:InvokeFunction", StatementId="account-id", Principal=ACCOUNT)')
    user = f"arn:aws:iam::{ACCOUNT}:user/someone"
    chk.eq(added(Action="lambda:InvokeFunction", StatementId="user-arn", Principal=user, SourceAccount=ACCOUNT), {
        "Sid": "user-arn", "Effect": "Allow", "Principal": {"AWS": user}, "Action": "lambda:InvokeFunction",
        "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}}, 'added(Action="lambda:InvokeFunction", StatementId="user-arn", Principal=user, SourceAccount=ACCOUNT)')
    chk.eq(added(StatementId="urlPermission", Action="lambda:InvokeFunctionUrl", Principal="*", SourceArn=S3_ARN,
                 SourceAccount=ACCOUNT, PrincipalOrgID="o-1234567890", FunctionUrlAuthType="NONE"), {
        "Sid": "urlPermission", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
        "Resource": arn,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": ACCOUNT, "lambda:FunctionUrlAuthType": "NONE",
                             "aws:PrincipalOrgID": "o-1234567890"},
            "ArnLike": {"AWS:SourceArn": S3_ARN},
        }}, 'added(StatementId="urlPermission", Action="lambda:InvokeFunctionUrl", Principal="*", SourceArn=S3_ARN, SourceAccount=ACCOUNT, PrincipalOrgID="o-1234567890", Fun')
    token = "amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    chk.eq(added(StatementId="alexaSkill", Action="lambda:InvokeFunction", Principal="*",
                 EventSourceToken=token), {
        "Sid": "alexaSkill", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": arn, "Condition": {"StringEquals": {"lambda:EventSourceToken": token}}}, 'added(StatementId="alexaSkill", Action="lambda:InvokeFunction", Principal="*", EventSourceToken=token)')
    chk.done()


def test_policy_document_and_removal(lam, chk):
    # TestLambdaPermissions::test_remove_multi_permissions and
    # test_create_multiple_lambda_permissions.
    name = fn(lam)
    arn = FN + name
    lam.add_permission(FunctionName=name, Action="lambda:InvokeFunction", StatementId="s3",
                       Principal="s3.amazonaws.com")
    lam.add_permission(FunctionName=name, Action="lambda:InvokeFunction", StatementId="sqs",
                       Principal="sqs.amazonaws.com", SourceArn=S3_ARN)
    s3 = {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
          "Action": "lambda:InvokeFunction", "Resource": arn}
    sqs = {"Sid": "sqs", "Effect": "Allow", "Principal": {"Service": "sqs.amazonaws.com"},
           "Action": "lambda:InvokeFunction", "Resource": arn, "Condition": {"ArnLike": {"AWS:SourceArn": S3_ARN}}}
    got = lam.get_policy(FunctionName=name)
    chk.eq(set(body(got)), {"Policy", "RevisionId"}, 'set(body(got))')
    chk.eq(json.loads(got["Policy"]), {"Version": "2012-10-17", "Id": "default", "Statement": [s3, sqs]}, 'json.loads(got["Policy"])')
    chk.eq(fails(lam.remove_permission, FunctionName=name, StatementId="non-existent"), (
        "ResourceNotFoundException", "Statement non-existent is not found in resource policy.", 404), 'fails(lam.remove_permission, FunctionName=name, StatementId="non-existent")')
    chk.eq(status(lam.remove_permission(FunctionName=name, StatementId="sqs")), 204, 'status(lam.remove_permission(FunctionName=name, StatementId="sqs"))')
    after = lam.get_policy(FunctionName=name)
    chk.eq(json.loads(after["Policy"]), {"Version": "2012-10-17", "Id": "default", "Statement": [s3]}, 'json.loads(after["Policy"])')
    chk.true(after["RevisionId"] != got["RevisionId"], 'after["RevisionId"] != got["RevisionId"]', 'after["RevisionId"]')
    lam.remove_permission(FunctionName=name, StatementId="s3", RevisionId=after["RevisionId"])
    chk.eq(fails(lam.get_policy, FunctionName=name), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_policy, FunctionName=name)')
    chk.done()


def test_permission_revisions(lam, chk):
    # TestLambdaRevisions::test_function_revisions_permissions: a wrong RevisionId
    # (add_permission_revision_exception, message recorded), the function's
    # RevisionId changes with each add/remove and equals the policy's.
    name = fn(lam)
    rev = function_rev(lam, name)
    args = dict(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    chk.eq(fails(lam.add_permission, RevisionId="wrong", **args), (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the "
        "latest Revision Id",
        412,
    ), 'fails(lam.add_permission, RevisionId="wrong", **args)')
    lam.add_permission(RevisionId=rev, **args)
    chk.true(function_rev(lam, name) != rev, "function RevisionId changes on AddPermission", "")
    policy_rev = lam.get_policy(FunctionName=name)["RevisionId"]
    chk.true(policy_rev != rev, 'policy_rev != rev', 'policy_rev')
    chk.eq(function_rev(lam, name), policy_rev, 'function_rev(lam, name)')
    code, _, st = fails(lam.remove_permission, FunctionName=name, StatementId="s3", RevisionId="wrong")
    chk.eq((code, st), ("PreconditionFailedException", 412), '(code, st)')
    lam.remove_permission(FunctionName=name, StatementId="s3", RevisionId=policy_rev)
    chk.true(function_rev(lam, name) != policy_rev, 'function_rev(lam, name) != policy_rev', 'function_rev(lam, name)')
    chk.done()


def test_permission_versioning(lam, chk):
    # TestLambdaPermissions::test_lambda_permission_fn_versioning.
    name = fn(lam)
    s3 = dict(Action="lambda:InvokeFunction", StatementId="s3", Principal="s3.amazonaws.com", SourceArn=S3_ARN)

    def stmt(resource, sid="s3"):
        return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "lambda:InvokeFunction", "Resource": resource,
                "Condition": {"ArnLike": {"AWS:SourceArn": S3_ARN}}}

    lam.add_permission(FunctionName=name, **s3)
    v = lam.publish_version(FunctionName=name)["Version"]
    # get_policy_after_publishing_latest, get_policy_after_publishing_new_version
    chk.eq(json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"], [stmt(FN + name)], 'json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]')
    chk.eq(fails(lam.get_policy, FunctionName=name, Qualifier=v), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_policy, FunctionName=name, Qualifier=v)')
    # get_policy_version
    lam.add_permission(FunctionName=f"{name}:{v}", Qualifier=v, **s3)
    chk.eq(json.loads(lam.get_policy(FunctionName=name, Qualifier=v)["Policy"]), {
        "Version": "2012-10-17", "Id": "default", "Statement": [stmt(f"{FN}{name}:{v}")]}, 'json.loads(lam.get_policy(FunctionName=name, Qualifier=v)["Policy"])')
    alias = lam.create_alias(FunctionName=name, Name="permission-alias", FunctionVersion=v)
    # add_permission_alias_revision_exception
    chk.eq(fails(lam.add_permission, FunctionName=name, Qualifier="permission-alias", RevisionId="wrong", **s3), (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the "
        "latest Revision Id",
        412,
    ), 'fails(lam.add_permission, FunctionName=name, Qualifier="permission-alias", RevisionId="wrong", **s3)')
    # get_policy_alias: the alias's own RevisionId is accepted.
    chk.eq(fails(lam.add_permission, FunctionName=f"{name}:permission-alias", Qualifier="permission-alias",
                 RevisionId=alias["RevisionId"], **s3)[0], "NO ERROR",
           "AddPermission on the alias with the alias's RevisionId (from CreateAlias)")
    got = fails(lam.get_policy, FunctionName=name, Qualifier="permission-alias")
    chk.eq(json.loads(got[1]["Policy"])["Statement"] if got[0] == "NO ERROR" else got,
           [stmt(f"{FN}{name}:permission-alias")], "GetPolicy(Qualifier=permission-alias) statements")
    # get_policy_after_adding_to_new_version, get_policy_after_adding_2
    base = lam.get_policy(FunctionName=name)
    chk.eq(json.loads(base["Policy"])["Statement"], [stmt(FN + name)], 'json.loads(base["Policy"])["Statement"]')
    lam.add_permission(FunctionName=name, RevisionId=base["RevisionId"],
                       **dict(s3, StatementId="s3_2"))
    chk.eq(json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"], [
        stmt(FN + name), stmt(FN + name, "s3_2")], 'json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]')
    chk.done()


# =============================================================== function URLs


def url_fn(lam, **kw):
    name = fn(lam, **kw)
    return name


def test_url_config_lifecycle(lam, chk):
    # TestLambdaUrl::test_url_config_lifecycle: url_creation (no InvokeMode, no
    # LastModifiedTime), failed_duplication, get_url_config (InvokeMode
    # BUFFERED), updated_url_config (no InvokeMode), failed_getter.
    name = url_fn(lam)
    arn = FN + name
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    chk.eq(status(out), 201, 'status(out)')
    chk.eq(set(body(out)), {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl"}, 'set(body(out))')
    chk.eq((out["AuthType"], out["FunctionArn"]), ("NONE", arn), '(out["AuthType"], out["FunctionArn"])')
    chk.eq(fails(lam.create_function_url_config, FunctionName=name, AuthType="NONE"), (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig "
        "exists for this Lambda function",
        409,
    ), 'fails(lam.create_function_url_config, FunctionName=name, AuthType="NONE")')
    got = lam.get_function_url_config(FunctionName=name)
    chk.eq(status(got), 200, 'status(got)')
    chk.eq(set(body(got)), {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl", "InvokeMode",
                              "LastModifiedTime"}, 'set(body(got))')
    chk.eq((got["InvokeMode"], got["FunctionUrl"]), ("BUFFERED", out["FunctionUrl"]), '(got["InvokeMode"], got["FunctionUrl"])')
    upd = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    chk.eq(status(upd), 200, 'status(upd)')
    chk.eq(set(body(upd)), {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl", "LastModifiedTime"}, 'set(body(upd))')
    chk.eq(upd["AuthType"], "AWS_IAM", 'upd["AuthType"]')
    lam.delete_function_url_config(FunctionName=name)
    chk.eq(fails(lam.get_function_url_config, FunctionName=name), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_function_url_config, FunctionName=name)')
    chk.done()


def test_url_config_invoke_mode(lam, chk):
    # test_lambda.snapshot.json TestLambdaURL::test_lambda_update_function_url_config
    # (an explicit InvokeMode is echoed; an update without one keeps it) and
    # test_lambda_url_invalid_invoke_mode.
    name = url_fn(lam)
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="BUFFERED")
    chk.eq(set(body(out)), {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl", "InvokeMode"}, 'set(body(out))')
    chk.eq(out["InvokeMode"], "BUFFERED", 'out["InvokeMode"]')
    upd = lam.update_function_url_config(FunctionName=name, InvokeMode="RESPONSE_STREAM")
    chk.eq(upd["InvokeMode"], "RESPONSE_STREAM", 'upd["InvokeMode"]')
    chk.eq(lam.get_function_url_config(FunctionName=name)["InvokeMode"], "RESPONSE_STREAM", 'lam.get_function_url_config(FunctionName=name)["InvokeMode"]')
    upd = lam.update_function_url_config(FunctionName=name)
    chk.eq(upd["InvokeMode"], "RESPONSE_STREAM", 'upd["InvokeMode"]')
    chk.eq(lam.get_function_url_config(FunctionName=name)["InvokeMode"], "RESPONSE_STREAM", 'lam.get_function_url_config(FunctionName=name)["InvokeMode"]')
    other = url_fn(lam)
    chk.eq(fails(lam.create_function_url_config, FunctionName=other, AuthType="NONE", InvokeMode="UNKNOWN"), (
        "ValidationException",
        "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must "
        "satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
        400,
    ), 'fails(lam.create_function_url_config, FunctionName=other, AuthType="NONE", InvokeMode="UNKNOWN")')
    chk.done()


def qualifier_invalid(q):
    return ("ValidationException",
            f"1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must "
            f"satisfy regular expression pattern: {URL_QUALIFIER_PATTERN}",
            400)


@pytest.mark.parametrize("method", ["create", "get", "delete", "update"])
def test_url_config_exceptions(lam, method, chk):
    # TestLambdaUrl::test_url_config_exceptions, <method>_function_url_config_*
    # (delete_..._qualifier_alias_doesnotmatch_arn was an AWS internal failure
    # and is not checked).
    alias = "urlalias"
    name, v = with_version_and_alias(lam, alias)
    call = {
        "create": lambda **kw: lam.create_function_url_config(AuthType="NONE", **kw),
        "get": lam.get_function_url_config,
        "delete": lam.delete_function_url_config,
        "update": lambda **kw: lam.update_function_url_config(AuthType="AWS_IAM", **kw),
    }[method]
    fn_missing = ("ResourceNotFoundException",
                  "Function does not exist" if method in ("create", "update") else NOT_EXIST, 404)
    cases = [
        ({"FunctionName": "doesnotexist"}, fn_missing),
        ({"FunctionName": FN + "doesnotexist"}, fn_missing),
        ({"FunctionName": "doesnotexist", "Qualifier": "1"}, qualifier_invalid("1")),
        ({"FunctionName": name, "Qualifier": "1"}, qualifier_invalid("1")),
        ({"FunctionName": name, "Qualifier": "2"}, qualifier_invalid("2")),
        ({"FunctionName": name, "Qualifier": "v1"}, fn_missing),
        ({"FunctionName": name, "Qualifier": "$LATEST"}, qualifier_invalid("$LATEST")),
    ]
    if method != "delete":
        cases.append(({"FunctionName": f"{name}:{alias}-doesnotmatch", "Qualifier": alias},
                      ("InvalidParameterValueException", DERIVED_MISMATCH, 400)))
    if method != "create":
        cases.append(({"FunctionName": name}, ("ResourceNotFoundException", NOT_EXIST, 404)))
    for args, expected in cases:
        chk.eq(fails(call, **args), expected, args)
    chk.done()


def test_url_config_list_paging(lam, chk):
    # TestLambdaUrl::test_url_config_list_paging.
    alias = "urlalias"
    name, _ = with_version_and_alias(lam, alias)
    chk.eq(fails(lam.list_function_url_configs, FunctionName="doesnotexist"), (
        "ResourceNotFoundException", "Function does not exist", 404), 'fails(lam.list_function_url_configs, FunctionName="doesnotexist")')
    out = lam.list_function_url_configs(FunctionName=name)
    chk.eq((status(out), body(out)), (200, {"FunctionUrlConfigs": []}), '(status(out), body(out))')
    a = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    b = lam.create_function_url_config(FunctionName=f"{name}:{alias}", Qualifier=alias, AuthType="NONE")
    chk.eq(b["FunctionArn"], f"{FN}{name}:{alias}", 'b["FunctionArn"]')
    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    chk.eq(sorted(c["FunctionArn"] for c in listed), sorted([FN + name, f"{FN}{name}:{alias}"]), 'sorted(c["FunctionArn"] for c in listed)')
    for c in listed:
        chk.eq(set(c), {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl", "InvokeMode", "LastModifiedTime"}, 'set(c)')
        chk.eq(c["InvokeMode"], "BUFFERED", 'c["InvokeMode"]')
    urls = {a["FunctionUrl"], b["FunctionUrl"]}
    one = lam.list_function_url_configs(FunctionName=name, MaxItems=1)
    chk.true(len(one["FunctionUrlConfigs"]) == 1 and one["FunctionUrlConfigs"][0]["FunctionUrl"] in urls, 'len(one["FunctionUrlConfigs"]) == 1 and one["FunctionUrlConfigs"][0]["FunctionUrl"] in urls', 'len(one["FunctionUrlConfigs"]) == 1 and one["FunctionUrlConfigs"][0]["FunctionUrl"] in urls')
    two = lam.list_function_url_configs(FunctionName=name, MaxItems=2)
    chk.eq({c["FunctionUrl"] for c in two["FunctionUrlConfigs"]}, urls, '{c["FunctionUrl"] for c in two["FunctionUrlConfigs"]}')
    nxt = lam.list_function_url_configs(FunctionName=name, MaxItems=1, Marker=one["NextMarker"])
    chk.eq(len(nxt["FunctionUrlConfigs"]), 1, 'len(nxt["FunctionUrlConfigs"])')
    chk.true(nxt["FunctionUrlConfigs"][0]["FunctionUrl"] in urls - {one["FunctionUrlConfigs"][0]["FunctionUrl"]}, 'nxt["FunctionUrlConfigs"][0]["FunctionUrl"] in urls - {one["FunctionUrlConfigs"][0]["FunctionUrl"]}', 'nxt["FunctionUrlConfigs"][0]["FunctionUrl"]')
    chk.done()


def test_url_config_deletion_without_qualifier(lam, chk):
    # TestLambdaUrl::test_url_config_deletion_without_qualifier.
    name = fn(lam, Environment={"Variables": {"testenv": "staging"}})
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="test-alias", FunctionVersion="1", Description="custom-alias")
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    chk.eq(out["FunctionArn"], FN + name, 'out["FunctionArn"]')
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE", Qualifier="test-alias")
    chk.eq((status(out), out["FunctionArn"]), (201, f"{FN}{name}:test-alias"), '(status(out), out["FunctionArn"])')
    chk.eq(lam.get_function_url_config(FunctionName=name, Qualifier="test-alias")["FunctionArn"], f"{FN}{name}:test-alias", 'lam.get_function_url_config(FunctionName=name, Qualifier="test-alias")["FunctionArn"]')
    chk.eq(status(lam.delete_function_url_config(FunctionName=name)), 204, 'status(lam.delete_function_url_config(FunctionName=name))')
    chk.eq(fails(lam.get_function_url_config, FunctionName=name), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_function_url_config, FunctionName=name)')
    kept = lam.get_function_url_config(FunctionName=name, Qualifier="test-alias")
    chk.eq((kept["FunctionArn"], kept["InvokeMode"]), (f"{FN}{name}:test-alias", "BUFFERED"), '(kept["FunctionArn"], kept["InvokeMode"])')
    chk.done()


def test_url_of_failing_function_answers_plain_502(server, lam, chk):
    # test_lambda.snapshot.json TestLambdaURL::test_lambda_url_invocation_exception:
    # the recording's test asserts status 502 and body "Internal Server Error".
    name = fn(lam, zip_bytes=make_zip({"app.py": "def handler(event, context):\n    raise Exception('boom')\n"}))
    out = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    url_id = out["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
    req = urllib.request.Request(f"{server.endpoint}/_lambdalite/url/{url_id}/", data=b"{}", method="POST",
                                 headers={"User-Agent": "python-requests/testing"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    chk.eq(e.value.code, 502, 'e.value.code')
    chk.eq(e.value.read(), b"Internal Server Error", 'e.value.read()')
    chk.done()


# ====================================================================== layers


def publish(lam, name=None, **kw):
    name = name or unique("layer")
    out = lam.publish_layer_version(LayerName=name, Content={"ZipFile": make_zip({"python/x.py": "X = 1\n"})}, **kw)
    return name, out


def test_layer_version_lookup_bad_input(lam, chk):
    # TestLambdaLayer::test_layer_exceptions: get_layer_version_exc_layer_version_
    # doesnotexist_negative/_zero, delete_layer_version_exc_layerversion_invalid_version,
    # get_layer_version_by_arn_exc_invalidarn, get_layer_version_by_arn_exc_
    # nonexistentversion, get_layer_version_exc_layer_doesnotexist, list_nonexistent_layer,
    # delete_nonexistent_response, delete_nonexistent_version_response.
    name, out = publish(lam, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    below = ("InvalidParameterValueException", "Layer Version Cannot be less than 1", 400)
    chk.eq(fails(lam.get_layer_version, LayerName=name, VersionNumber=-1), below, 'fails(lam.get_layer_version, LayerName=name, VersionNumber=-1)')
    chk.eq(fails(lam.get_layer_version, LayerName=name, VersionNumber=0), below, 'fails(lam.get_layer_version, LayerName=name, VersionNumber=0)')
    chk.eq(fails(lam.delete_layer_version, LayerName=name, VersionNumber=-1), below, 'fails(lam.delete_layer_version, LayerName=name, VersionNumber=-1)')
    chk.eq(fails(lam.get_layer_version_by_arn, Arn=out["LayerArn"]), (
        "ValidationException",
        f"1 validation error detected: Value '{out['LayerArn']}' at 'arn' failed to satisfy constraint: Member "
        f"must satisfy regular expression pattern: {LAYER_VERSION_ARN_PATTERN}",
        400,
    ), 'fails(lam.get_layer_version_by_arn, Arn=out["LayerArn"])')
    chk.eq(fails(lam.get_layer_version_by_arn, Arn=f"{out['LayerArn']}:2"), (
        "ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_layer_version_by_arn, Arn=f"{out[\'LayerArn\']}:2")')
    chk.eq(fails(lam.get_layer_version, LayerName="layerdoesnotexist", VersionNumber=1), (
        "ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_layer_version, LayerName="layerdoesnotexist", VersionNumber=1)')
    chk.eq(fails(lam.get_layer_version, LayerName=name, VersionNumber=2), ("ResourceNotFoundException", NOT_EXIST, 404), 'fails(lam.get_layer_version, LayerName=name, VersionNumber=2)')
    out = lam.list_layer_versions(LayerName="layerdoesnotexist")
    chk.eq((status(out), body(out)), (200, {"LayerVersions": []}), '(status(out), body(out))')
    chk.eq(status(lam.delete_layer_version(LayerName="layerdoesnotexist", VersionNumber=1)), 204, 'status(lam.delete_layer_version(LayerName="layerdoesnotexist", VersionNumber=1))')
    chk.eq(status(lam.delete_layer_version(LayerName=name, VersionNumber=2)), 204, 'status(lam.delete_layer_version(LayerName=name, VersionNumber=2))')
    chk.done()


def test_list_layers_invalid_filters(lam, chk):
    # TestLambdaLayer::test_layer_exceptions: list_layers_exc_compatibleruntime_invalid
    # (the enum list changes as AWS adds runtimes; only its start is checked),
    # list_layers_exc_compatiblearchitecture_invalid.
    code, msg, st = fails(lam.list_layers, CompatibleRuntime="runtimedoesnotexist")
    chk.eq((code, st), ("ValidationException", 400), '(code, st)')
    chk.true(msg.startswith(
        "1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["), 'msg.startswith(\n        "1 validation error detected: Value \'runtimedoesnotexist\' at \'compatibleRuntime\' failed to satis', msg)
    chk.eq(fails(lam.list_layers, CompatibleArchitecture="archdoesnotexist"), (
        "ValidationException",
        "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy "
        "constraint: Member must satisfy enum value set: [x86_64, arm64]",
        400,
    ), 'fails(lam.list_layers, CompatibleArchitecture="archdoesnotexist")')
    chk.done()


def test_publish_layer_invalid_runtimes_and_architectures(lam, chk):
    # TestLambdaLayer::test_layer_exceptions: publish_layer_version_exc_invalid_runtime_arch,
    # publish_layer_version_exc_partially_invalid_values (runtime enum list not compared).
    arch_part = ("failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value "
                 "set: [x86_64, arm64], Member must not be null]")
    for runtimes, arches in ((["invalidruntime"], ["invalidarch"]),
                             (["invalidruntime", "invalidruntime2", "nodejs20.x"], ["invalidarch", "x86_64"])):
        code, msg, st = fails(lam.publish_layer_version, LayerName=unique("layer"),
                              Content={"ZipFile": make_zip({"a.txt": "a"})},
                              CompatibleRuntimes=runtimes, CompatibleArchitectures=arches)
        chk.eq((code, st), ("ValidationException", 400), '(code, st)')
        chk.true(msg.startswith(
            f"2 validation errors detected: Value '[{', '.join(runtimes)}]' at 'compatibleRuntimes' failed to "
            "satisfy constraint: Member must satisfy enum value set: ["), 'msg.startswith(\n            f"2 validation errors detected: Value \'[{\', \'.join(runtimes)}]\' at \'compatibleRuntimes\' fail', msg)
        chk.true(msg.endswith(f"]; Value '[{', '.join(arches)}]' at 'compatibleArchitectures' {arch_part}"), 'msg.endswith(f"]; Value \'[{\', \'.join(arches)}]\' at \'compatibleArchitectures\' {arch_part}")', msg)
    chk.done()


def test_publish_layer_response_keys(lam, chk):
    # TestLambdaLayer::test_layer_exceptions publish_empty_result (empty lists are
    # valid and reported), test_layer_s3_content publish_layer_result (no
    # Compatible* keys when not given), test_layer_lifecycle publish_result,
    # get_layer_ver_result, get_layer_by_arn_version, list_layer_versions_predelete.
    _, out = publish(lam, CompatibleRuntimes=[], CompatibleArchitectures=[])
    chk.eq(status(out), 201, 'status(out)')
    chk.eq((out.get("CompatibleRuntimes"), out.get("CompatibleArchitectures"), out.get("Description")), ([], [], ""),
           'PublishLayerVersion(CompatibleRuntimes=[], CompatibleArchitectures=[]): (CompatibleRuntimes, CompatibleArchitectures, Description)')
    chk.true("LicenseInfo" not in out, '"LicenseInfo" not in out', '"LicenseInfo"')
    _, bare = publish(lam)
    chk.eq(set(body(bare)), {"Content", "CreatedDate", "Description", "LayerArn", "LayerVersionArn", "Version"}, 'set(body(bare))')
    chk.eq(set(bare["Content"]), {"CodeSha256", "CodeSize", "Location"}, 'set(bare["Content"])')
    name, full = publish(lam, CompatibleRuntimes=["python3.12"], LicenseInfo="lic", Description="desc",
                         CompatibleArchitectures=["x86_64"])
    keys = {"CompatibleArchitectures", "CompatibleRuntimes", "Content", "CreatedDate", "Description", "LayerArn",
            "LayerVersionArn", "LicenseInfo", "Version"}
    chk.eq(set(body(full)), keys, 'set(body(full))')
    chk.eq(set(body(lam.get_layer_version(LayerName=name, VersionNumber=1))), keys, 'set(body(lam.get_layer_version(LayerName=name, VersionNumber=1)))')
    chk.eq(set(body(lam.get_layer_version_by_arn(Arn=full["LayerVersionArn"]))), keys, 'set(body(lam.get_layer_version_by_arn(Arn=full["LayerVersionArn"])))')
    item = lam.list_layer_versions(LayerName=name)["LayerVersions"][0]
    chk.eq(set(item), {"CompatibleArchitectures", "CompatibleRuntimes", "CreatedDate", "Description",
                         "LayerVersionArn", "LicenseInfo", "Version"}, 'set(item)')
    chk.done()


@pytest.mark.parametrize("runtimes", [
    ["nodejs24.x", "nodejs22.x", "nodejs20.x", "nodejs18.x", "nodejs16.x", "nodejs14.x", "nodejs12.x",
     "python3.14", "python3.13", "python3.12", "python3.11", "python3.10", "python3.9", "python3.8", "python3.7"],
    ["java25", "java21", "java17", "java11", "java8.al2", "java8", "dotnet10", "dotnet8", "dotnet6",
     "dotnetcore3.1", "go1.x", "ruby3.4", "ruby3.3", "ruby3.2", "ruby2.7"],
    ["provided.al2023", "provided.al2", "provided"],
], ids=["runtimes0", "runtimes1", "runtimes2"])
def test_layer_compatibilities(lam, runtimes, chk):
    # TestLambdaLayer::test_layer_compatibilities[runtimes0..2]: deprecated
    # runtimes are accepted for layers and echoed in the order given.
    _, out = publish(lam, CompatibleRuntimes=runtimes, CompatibleArchitectures=["arm64", "x86_64"])
    chk.eq(status(out), 201, 'status(out)')
    chk.eq(out["CompatibleRuntimes"], runtimes, 'out["CompatibleRuntimes"]')
    chk.eq(out["CompatibleArchitectures"], ["arm64", "x86_64"], 'out["CompatibleArchitectures"]')
    chk.done()


def test_layer_function_exceptions(lam, server, chk):
    # TestLambdaLayer::test_layer_function_exceptions.
    layer = unique("layer")
    arns = [publish(lam, name=layer, CompatibleRuntimes=[], CompatibleArchitectures=["x86_64"])[1]["LayerVersionArn"]
            for _ in range(3)]
    layer_arn = LAYER + layer
    chk.eq(arns, [f"{layer_arn}:{i}" for i in (1, 2, 3)], 'arns')
    name = fn(lam)

    def same_layer(a, b):
        return ("InvalidParameterValueException",
                "Two different versions of the same layer are not allowed to be referenced in the same function. "
                f"{a} and {b} are versions of the same layer.", 400)

    chk.eq(fails(lam.update_function_configuration, FunctionName=name, Layers=arns[:2]), same_layer(arns[0], arns[1]), 'fails(lam.update_function_configuration, FunctionName=name, Layers=arns[:2])')
    chk.eq(fails(lam.update_function_configuration, FunctionName=name, Layers=arns), same_layer(arns[0], arns[1]), 'fails(lam.update_function_configuration, FunctionName=name, Layers=arns)')
    chk.eq(fails(lam.update_function_configuration, FunctionName=name, Layers=[arns[0], arns[0]]), same_layer(
        arns[0], arns[0]), 'fails(lam.update_function_configuration, FunctionName=name, Layers=[arns[0], arns[0]])')
    chk.eq(fails(lam.update_function_configuration, FunctionName=name, Layers=[f"{LAYER}doesnotexist:1"]), (
        "InvalidParameterValueException", f"Layer version {LAYER}doesnotexist:1 does not exist.", 400), 'fails(lam.update_function_configuration, FunctionName=name, Layers=[f"{LAYER}doesnotexist:1"])')
    chk.eq(fails(lam.update_function_configuration, FunctionName=name, Layers=[f"{layer_arn}:9"]), (
        "InvalidParameterValueException", f"Layer version {layer_arn}:9 does not exist.", 400), 'fails(lam.update_function_configuration, FunctionName=name, Layers=[f"{layer_arn}:9"])')
    chk.eq(fails(lam.update_function_configuration, FunctionName=name, Layers=[layer_arn]), (
        "ValidationException",
        f"1 validation error detected: Value '[{layer_arn}]' at 'layers' failed to satisfy constraint: Member "
        "must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length "
        f"greater than or equal to 1, Member must satisfy regular expression pattern: {LAYER_VERSION_ARN_PATTERN}, "
        "Member must not be null]",
        400,
    ), 'fails(lam.update_function_configuration, FunctionName=name, Layers=[layer_arn])')
    west = boto3.client("lambda", endpoint_url=server.endpoint, region_name="us-west-2",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"max_attempts": 1}))
    other = west.publish_layer_version(LayerName=layer, Content={"ZipFile": make_zip({"a.txt": "a"})},
                                       CompatibleRuntimes=[], CompatibleArchitectures=["x86_64"])
    west_arn = f"arn:aws:lambda:us-west-2:{ACCOUNT}:layer:{layer}:1"
    # lambdalite serves one region (docs/compatibility.md): a us-west-2
    # client's layer lands in the server's region, not us-west-2.
    assert other["LayerVersionArn"].startswith(f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:{layer}:")
    chk.eq(fails(lam.create_function, FunctionName=unique("rc"), Runtime="python3.12", Role=ROLE,
                 Handler="app.handler", Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})},
                 Layers=[west_arn]), (
        "InvalidParameterValueException",
        f"Layers are not in the same region as the function. Layers are expected to be in region {REGION}.",
        400,
    ), 'fails(lam.create_function, FunctionName=unique("rc"), Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": make_zip({"app.py": "def handler(')
    chk.done()


def test_layer_policy_exceptions(lam, chk):
    # TestLambdaLayer::test_layer_policy_exceptions: layer_permission_action_invalid,
    # layer_permission_layername_doesnotexist_remove, layer_permission_layerversion_
    # doesnotexist_remove, layer_permission_statementid_doesnotexist_remove,
    # layer_permission_wrong_revision_remove; test_layer_policy_lifecycle (the
    # RevisionId of each add is the policy's).
    name, _ = publish(lam, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    s1 = lam.add_layer_version_permission(LayerName=name, VersionNumber=1, Action="lambda:GetLayerVersion",
                                          Principal="*", StatementId="s1")
    chk.eq(lam.get_layer_version_policy(LayerName=name, VersionNumber=1)["RevisionId"], s1["RevisionId"], 'lam.get_layer_version_policy(LayerName=name, VersionNumber=1)["RevisionId"]')
    chk.eq(fails(lam.add_layer_version_permission, LayerName=name, VersionNumber=1, Action="*", Principal="*",
                 StatementId="s-x"), (
        "ValidationException",
        "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: lambda:GetLayerVersion",
        400,
    ), 'fails(lam.add_layer_version_permission, LayerName=name, VersionNumber=1, Action="*", Principal="*", StatementId="s-x")')
    for layer, version in ((f"{name}-doesnotexist", 1), (name, 2)):
        chk.eq(fails(lam.remove_layer_version_permission, LayerName=layer, VersionNumber=version,
                     StatementId="s1"), (
            "ResourceNotFoundException", f"Layer version {LAYER}{layer}:{version} does not exist.", 404), 'fails(lam.remove_layer_version_permission, LayerName=layer, VersionNumber=version, StatementId="s1")')
    chk.eq(fails(lam.remove_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="doesnotexist"), (
        "ResourceNotFoundException", "Statement doesnotexist is not found in resource policy.", 404), 'fails(lam.remove_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="doesnotexist")')
    chk.eq(fails(lam.remove_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="s1",
                 RevisionId="wrong"), (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve "
        "the latest Revision Id",
        412,
    ), 'fails(lam.remove_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="s1", RevisionId="wrong")')
    s2 = lam.add_layer_version_permission(LayerName=name, VersionNumber=1, Action="lambda:GetLayerVersion",
                                          Principal="*", StatementId="s2", RevisionId=s1["RevisionId"])
    got = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    chk.eq(got["RevisionId"], s2["RevisionId"], 'got["RevisionId"]')
    chk.eq(status(lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2",
                                                       RevisionId=got["RevisionId"])), 204, 'status(lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2", RevisionId=got["RevisionId"]))')
    after = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    chk.eq([s["Sid"] for s in json.loads(after["Policy"])["Statement"]], ["s1"], '[s["Sid"] for s in json.loads(after["Policy"])["Statement"]]')
    chk.true(after["RevisionId"] not in (s1["RevisionId"], s2["RevisionId"]), 'after["RevisionId"] not in (s1["RevisionId"], s2["RevisionId"])', 'after["RevisionId"]')
    chk.done()


# ============================================================ account settings


def test_account_settings_keys(lam, chk):
    # TestLambdaAccountSettings::test_account_settings acc_settings_modded.
    out = lam.get_account_settings()
    chk.eq(status(out), 200, 'status(out)')
    chk.eq(sorted(out["AccountLimit"]), ["CodeSizeUnzipped", "CodeSizeZipped", "ConcurrentExecutions",
                                           "TotalCodeSize", "UnreservedConcurrentExecutions"], 'sorted(out["AccountLimit"])')
    chk.eq(sorted(out["AccountUsage"]), ["FunctionCount", "TotalCodeSize"], 'sorted(out["AccountUsage"])')
    chk.done()


def test_account_total_code_size(fresh_server, chk):
    # TestLambdaAccountSettings::test_account_settings_total_code_size (each
    # step adds the zip's size: create, update code with Publish=True, a layer,
    # a second layer version) and ..._total_code_size_config_update (a config
    # update adds 0, publishing it adds the code again).
    lam = fresh_server.client()

    def usage():
        return lam.get_account_settings()["AccountUsage"]

    code = make_zip({"index.py": "def handler(event, context):\n    return event\n"})
    layer_zip = make_zip({"python/layer.py": "X = 1\n"})
    u0 = usage()
    name = unique("rc")
    create(lam, name, zip_bytes=code, handler="index.handler")
    u1 = usage()
    chk.eq(u1["TotalCodeSize"] - u0["TotalCodeSize"], len(code), 'u1["TotalCodeSize"] - u0["TotalCodeSize"]')
    chk.eq(u1["FunctionCount"], u0["FunctionCount"] + 1, 'u1["FunctionCount"]')
    lam.update_function_code(FunctionName=name, ZipFile=code, Publish=True)
    u2 = usage()
    chk.eq(u2["TotalCodeSize"] - u1["TotalCodeSize"], len(code), 'u2["TotalCodeSize"] - u1["TotalCodeSize"]')
    layer = unique("layer")
    lam.publish_layer_version(LayerName=layer, Content={"ZipFile": layer_zip})
    u3 = usage()
    chk.eq(u3["TotalCodeSize"] - u2["TotalCodeSize"], len(layer_zip), 'u3["TotalCodeSize"] - u2["TotalCodeSize"]')
    lam.publish_layer_version(LayerName=layer, Content={"ZipFile": layer_zip})
    u4 = usage()
    chk.eq(u4["TotalCodeSize"] - u3["TotalCodeSize"], len(layer_zip), 'u4["TotalCodeSize"] - u3["TotalCodeSize"]')

    other = unique("rc")
    create(lam, other, zip_bytes=code, handler="index.handler")
    u5 = usage()
    lam.update_function_configuration(FunctionName=other, Runtime="python3.13")
    lam.get_waiter("function_updated_v2").wait(FunctionName=other)
    u6 = usage()
    chk.eq(u6["TotalCodeSize"], u5["TotalCodeSize"], 'u6["TotalCodeSize"]')
    lam.publish_version(FunctionName=other, Description="actually publish the config update")
    u7 = usage()
    chk.eq(u7["TotalCodeSize"] - u6["TotalCodeSize"], len(code), 'u7["TotalCodeSize"] - u6["TotalCodeSize"]')
    chk.done()


# =================================================================== recursion


def test_recursion_config(lam, server, chk):
    # TestLambdaRecursion::test_put_function_recursion_config_default_terminate,
    # ..._allow, ..._invalid_value.
    name = fn(lam, Description="Lambda with recursion test")
    chk.eq(fails(lam.get_function_recursion_config, FunctionName=name), ("NO ERROR", {"RecursiveLoop": "Terminate"}, 200),
           "GetFunctionRecursionConfig (never set)")
    chk.eq(fails(lam.put_function_recursion_config, FunctionName=name, RecursiveLoop="Allow"),
           ("NO ERROR", {"RecursiveLoop": "Allow"}, 200), "PutFunctionRecursionConfig(Allow)")
    chk.eq(fails(lam.get_function_recursion_config, FunctionName=name), ("NO ERROR", {"RecursiveLoop": "Allow"}, 200),
           "GetFunctionRecursionConfig after Allow")
    chk.eq(fails(no_validation(server).put_function_recursion_config, FunctionName=name,
                 RecursiveLoop="InvalidValue"), (
        "ValidationException",
        "1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Terminate, Allow]",
        400,
    ), "PutFunctionRecursionConfig(InvalidValue)")
    chk.done()


# ============================================================ async delivery

RECORDER = "import json\ndef handler(event, context):\n    print('RECORD ' + json.dumps(event))\n"


def records(server, name):
    group = Path(server.data_dir) / "logs" / f"%2Faws%2Flambda%2F{name}"
    text = "".join(f.read_text() for f in group.glob("*.jsonl"))
    msgs = [json.loads(line)["message"] for line in text.splitlines()]
    return [json.loads(m.split("RECORD ", 1)[1]) for m in msgs if m.startswith("RECORD ")]


def test_zero_reserved_concurrency_goes_straight_to_on_failure(server, lam, chk):
    # Issue tracker (AWS notice, 2021-08-16): with reserved concurrency 0 an
    # Event invoke is sent to the OnFailure destination at once, condition
    # "ZeroReservedConcurrency", approximateInvokeCount 0. Record shape:
    # test_lambda_destinations.snapshot.json (version, requestContext with
    # requestId/functionArn/condition/approximateInvokeCount, requestPayload);
    # the function never ran, so no responseContext/responsePayload.
    dest = fn(lam, zip_bytes=make_zip({"app.py": RECORDER}))
    stuck = fn(lam)
    lam.put_function_concurrency(FunctionName=stuck, ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(FunctionName=stuck, DestinationConfig={"OnFailure": {"Destination": FN + dest}})
    out = lam.invoke(FunctionName=stuck, InvocationType="Event", Payload=json.dumps({"zero": True}))
    chk.eq(out["StatusCode"], 202, 'out["StatusCode"]')
    deadline = time.time() + 20
    while not records(server, dest):
        assert time.time() < deadline, "no OnFailure record within 20 s"
        time.sleep(0.1)
    record = records(server, dest)[0]
    chk.eq(record["version"], "1.0", 'record["version"]')
    chk.eq(record["requestContext"]["condition"], "ZeroReservedConcurrency", 'record["requestContext"]["condition"]')
    chk.eq(record["requestContext"]["approximateInvokeCount"], 0, 'record["requestContext"]["approximateInvokeCount"]')
    chk.eq(record["requestContext"]["functionArn"], f"{FN}{stuck}:$LATEST", 'record["requestContext"]["functionArn"]')
    chk.eq(record["requestContext"]["requestId"], out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"], 'record["requestContext"]["requestId"]')
    chk.eq(record["requestPayload"], {"zero": True}, 'record["requestPayload"]')
    chk.true("responsePayload" not in record and "responseContext" not in record, '"responsePayload" not in record and "responseContext" not in record', '"responsePayload" not in record and "responseContext" not in record')
    chk.done()

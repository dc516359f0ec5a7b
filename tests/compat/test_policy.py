"""Resource-based policies: AddPermission, GetPolicy, RemovePermission, and
their enforcement on Invoke for a key of another account."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import OTHER_ACCOUNT, OTHER_KEY, create, unique


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def test_add_get_remove(lam):
    name = unique()
    arn = create(lam, name)["FunctionArn"]
    with pytest.raises(ClientError) as e:
        lam.get_policy(FunctionName=name)
    assert error_of(e)[0] == "ResourceNotFoundException"
    out = lam.add_permission(
        FunctionName=name,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::my-bucket",
        SourceAccount="123456789012",
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = json.loads(out["Statement"])
    assert statement == {
        "Sid": "s3-invoke",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": arn,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"},
        },
    }
    lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:InvokeFunction", Principal="111122223333")
    got = lam.get_policy(FunctionName=name)
    policy = json.loads(got["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert [s["Sid"] for s in policy["Statement"]] == ["s3-invoke", "acct"]
    assert policy["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert got["RevisionId"]

    with pytest.raises(ClientError) as e:
        lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:InvokeFunction", Principal="*")
    assert error_of(e) == (
        "ResourceConflictException",
        "The statement id (acct) provided already exists. Please provide a new statement id, "
        "or remove the existing statement.",
        409,
    )
    with pytest.raises(ClientError) as e:
        lam.add_permission(
            FunctionName=name, StatementId="x", Action="lambda:InvokeFunction", Principal="*", RevisionId="stale"
        )
    assert error_of(e)[0] == "PreconditionFailedException"

    lam.remove_permission(FunctionName=name, StatementId="s3-invoke", RevisionId=got["RevisionId"])
    assert [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]] == ["acct"]
    with pytest.raises(ClientError) as e:
        lam.remove_permission(FunctionName=name, StatementId="s3-invoke")
    assert error_of(e)[0] == "ResourceNotFoundException"
    lam.remove_permission(FunctionName=name, StatementId="acct")
    with pytest.raises(ClientError) as e:
        lam.get_policy(FunctionName=name)
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_validation_and_missing_function(lam):
    name = unique()
    create(lam, name)
    with pytest.raises(ClientError) as e:
        lam.add_permission(FunctionName=name, StatementId="bad id!", Action="lambda:InvokeFunction", Principal="*")
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        lam.add_permission(FunctionName=name, StatementId="a", Action="invoke", Principal="*")
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        lam.add_permission(FunctionName=unique(), StatementId="a", Action="lambda:InvokeFunction", Principal="*")
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        lam.add_permission(
            FunctionName=name, StatementId="a", Action="lambda:InvokeFunction", Principal="*", Qualifier="$LATEST"
        )
    assert error_of(e)[0] == "InvalidParameterValueException"


def test_qualified_policies(lam):
    name = unique()
    create(lam, name)
    v = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=v)
    out = lam.add_permission(
        FunctionName=name, StatementId="a", Action="lambda:InvokeFunction", Principal="*", Qualifier="live"
    )
    assert json.loads(out["Statement"])["Resource"].endswith(f":function:{name}:live")
    assert json.loads(lam.get_policy(FunctionName=name, Qualifier="live")["Policy"])["Statement"][0]["Sid"] == "a"
    with pytest.raises(ClientError):
        lam.get_policy(FunctionName=name)
    with pytest.raises(ClientError) as e:
        lam.add_permission(
            FunctionName=name, StatementId="a", Action="lambda:InvokeFunction", Principal="*", Qualifier="nope"
        )
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_aws_cli_add_permission(server):
    lam = server.client()
    name = unique()
    create(lam, name)
    out = server.aws(
        "lambda", "add-permission", "--function-name", name, "--statement-id", "cli",
        "--action", "lambda:InvokeFunction", "--principal", "events.amazonaws.com",
    )
    assert json.loads(json.loads(out.stdout)["Statement"])["Sid"] == "cli"
    out = server.aws("lambda", "get-policy", "--function-name", name)
    assert json.loads(json.loads(out.stdout)["Policy"])["Statement"][0]["Principal"] == {
        "Service": "events.amazonaws.com"
    }


def test_enforced_for_another_accounts_key(authed_server):
    own = authed_server.client()
    other = authed_server.client_with(*OTHER_KEY)
    name = unique()
    create(own, name)
    with pytest.raises(ClientError) as e:
        other.invoke(FunctionName=name, Payload=b"{}")
    code, message, status = error_of(e)
    assert (code, status) == ("AccessDeniedException", 403)
    assert f"arn:aws:iam::{OTHER_ACCOUNT}:user/other" in message
    assert "lambda:InvokeFunction" in message

    # A statement for another principal lets nothing in.
    own.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    with pytest.raises(ClientError):
        other.invoke(FunctionName=name, Payload=b"{}")

    own.add_permission(FunctionName=name, StatementId="other", Action="lambda:InvokeFunction", Principal=OTHER_ACCOUNT)
    out = other.invoke(FunctionName=name, Payload=b'{"hi": 1}')
    assert json.loads(out["Payload"].read()) == {"hi": 1}
    # Only invoke: managing the function stays the account's.
    with pytest.raises(ClientError) as e:
        other.get_function(FunctionName=name)
    assert error_of(e)[0] == "AccessDeniedException"
    # The unqualified policy doesn't cover an alias.
    v = own.publish_version(FunctionName=name)["Version"]
    own.create_alias(FunctionName=name, Name="live", FunctionVersion=v)
    with pytest.raises(ClientError):
        other.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")

    own.remove_permission(FunctionName=name, StatementId="other")
    with pytest.raises(ClientError) as e:
        other.invoke(FunctionName=name, Payload=b"{}")
    assert error_of(e)[0] == "AccessDeniedException"

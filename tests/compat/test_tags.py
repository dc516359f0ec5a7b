"""TagResource, UntagResource, ListTags, and tags at create."""

import pytest
from botocore.exceptions import ClientError

from conftest import create, unique


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def test_tag_untag_list(lam):
    name = unique()
    arn = create(lam, name, Tags={"team": "a"})["FunctionArn"]
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a"}
    out = lam.tag_resource(Resource=arn, Tags={"env": "prod", "team": "b", "x y": "1 2"})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "prod", "team": "b", "x y": "1 2"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"env": "prod", "team": "b", "x y": "1 2"}
    lam.untag_resource(Resource=arn, TagKeys=["team", "x y", "absent"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "prod"}


def test_limits_and_errors(lam):
    name = unique()
    arn = create(lam, name)["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(ClientError) as e:
        lam.tag_resource(Resource=arn, Tags={"one-more": "v"})
    assert error_of(e)[0] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        lam.tag_resource(Resource=arn, Tags={"aws:reserved": "v"})
    assert error_of(e)[0] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        lam.tag_resource(Resource=arn, Tags={"k" * 129: "v"})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        lam.tag_resource(Resource=arn, Tags={"bad": "v" * 257})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        lam.list_tags(Resource=arn.replace(name, unique()))
    assert error_of(e)[:1] == ("ResourceNotFoundException",)
    with pytest.raises(ClientError) as e:
        lam.list_tags(Resource="not-an-arn")
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        lam.list_tags(Resource=arn.replace("000000000000", "999999999999"))
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_aws_cli_tags(server):
    lam = server.client()
    arn = create(lam, unique())["FunctionArn"]
    server.aws("lambda", "tag-resource", "--resource", arn, "--tags", "a=1,b=2")
    server.aws("lambda", "untag-resource", "--resource", arn, "--tag-keys", "a")
    import json

    assert json.loads(server.aws("lambda", "list-tags", "--resource", arn).stdout)["Tags"] == {"b": "2"}

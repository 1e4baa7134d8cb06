"""The CS console in AWS as template.yaml declares it (a private bucket behind CloudFront with
origin access control, config.json from a CloudFront function, the OIDC parameters), and
`make console-publish` against moto's S3 and CloudFront."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from local.console import CONSOLE_DIR
from local.stack import TEMPLATE_PATH
from local.template import load_template
from tests.console.conftest import cloudfront_config_code
from tools import publish_console


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][name]["Properties"]
    return properties


def test_the_bucket_is_private_and_only_cloudfront_reads_it(template):
    bucket = resource(template, "ConsoleBucket")
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    statements = resource(template, "ConsoleBucketPolicy")["PolicyDocument"]["Statement"]
    allowed = [s for s in statements if s["Effect"] == "Allow"]
    assert allowed == [
        {
            "Sid": "CloudFrontReadsThroughOriginAccessControl",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${ConsoleBucket.Arn}/*"},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                        "${ConsoleDistribution}"
                    }
                }
            },
        }
    ]
    config = resource(template, "ConsoleDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    signing = resource(template, "ConsoleOriginAccessControl")["OriginAccessControlConfig"]
    assert (signing["SigningBehavior"], signing["SigningProtocol"]) == ("always", "sigv4")
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviours} == {"redirect-to-https"}
    (config_json,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/config.json"]
    assert config_json["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["ConsoleConfigFunction", "FunctionMetadata.FunctionARN"]},
        }
    ]


def test_the_console_signs_in_with_the_issuer_the_api_trusts(template):
    parameters = template["Parameters"]
    audiences = parameters["JwtAudience"]["Default"].split(",")
    assert parameters["ConsoleOidcClientId"]["Default"] in audiences
    for name in ("ConsoleAuthorizationEndpoint", "ConsoleTokenEndpoint", "ConsoleOidcScopes"):
        assert parameters[name]["Description"]
    code = cloudfront_config_code({"ConsoleOidcScopes": "openid email", "ConsoleOidcClientId": "cs-web"})
    assert 'clientId: "cs-web"' in code and 'scope: "openid email"' in code
    assert (
        'kind: "oidc"' in code
        and (resource(template, "ConsoleConfigFunction")["FunctionConfig"]["Runtime"]) == "cloudfront-js-2.0"
    )
    policy = resource(template, "ConsoleHeadersPolicy")["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert "script-src 'self'" in csp and "${ConsoleTokenEndpoint}" in csp
    assert "frame-ancestors 'none'" in csp
    outputs = template["Outputs"]
    assert {"ConsoleUrl", "ConsoleBucketName", "ConsoleDistributionId"} <= set(outputs)


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="console-bucket")
        cloudfront = boto3.client("cloudfront", region_name="us-east-1")
        distribution = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": "test",
                "Comment": "console",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [{"Id": "b", "DomainName": "console-bucket.s3.amazonaws.com"}],
                },
                "DefaultCacheBehavior": {"TargetOriginId": "b", "ViewerProtocolPolicy": "redirect-to-https"},
            }
        )["Distribution"]["Id"]
        yield {"s3": s3, "cloudfront": cloudfront, "distribution": distribution}


def test_publish_uploads_every_file_with_its_type_and_removes_old_ones(aws):
    s3 = aws["s3"]
    s3.put_object(Bucket="console-bucket", Key="js/old.js", Body=b"gone")
    done = publish_console.publish(
        s3, "console-bucket", cloudfront=aws["cloudfront"], distribution_id=aws["distribution"]
    )
    expected = {p.relative_to(CONSOLE_DIR).as_posix() for p in CONSOLE_DIR.rglob("*") if p.is_file()}
    assert set(done["uploaded"]) == expected and "index.html" in expected
    assert done["deleted"] == ["js/old.js"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="console-bucket")["Contents"]}
    assert keys == expected
    index = s3.get_object(Bucket="console-bucket", Key="index.html")
    assert index["ContentType"] == "text/html; charset=utf-8" and index["CacheControl"] == "no-cache"
    script = s3.get_object(Bucket="console-bucket", Key="js/main.js")
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    assert script["Body"].read() == (CONSOLE_DIR / "js" / "main.js").read_bytes()
    invalidations = aws["cloudfront"].list_invalidations(DistributionId=aws["distribution"])
    assert invalidations["InvalidationList"]["Quantity"] == 1


def test_publish_reads_the_stack_outputs(aws, capsys, monkeypatch):
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    outputs = {
        "ConsoleBucketName": "console-bucket",
        "ConsoleDistributionId": aws["distribution"],
        "ConsoleUrl": "https://d111.cloudfront.net/",
    }
    with Stubber(cloudformation) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "returns-service",
                        "CreationTime": "2026-12-01T00:00:00Z",
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            },
            {"StackName": "returns-service"},
        )
        assert publish_console.stack_outputs(cloudformation, "returns-service") == outputs

    answers = {"returns-service": outputs, "older": {"ConsoleUrl": "x"}}
    monkeypatch.setattr(publish_console, "stack_outputs", lambda client, stack: answers[stack])
    assert publish_console.main(["--stack", "returns-service", "--region", "us-east-1"]) == 0
    printed = capsys.readouterr().out
    assert "cache invalidated" in printed and "https://d111.cloudfront.net/" in printed
    assert publish_console.main(["--stack", "older", "--region", "us-east-1"]) == 2
    assert "deploy template.yaml first" in capsys.readouterr().err

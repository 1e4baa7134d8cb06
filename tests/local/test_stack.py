"""The harness itself: the template resolver, HTTP API emulation, and a deployment of a small
template of its own (tests/local/fixture) so the harness is tested apart from the service."""

from __future__ import annotations

import base64
import gzip
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.httpapi import Route, build_event, format_claims, read_response, select_route
from local.stack import MOTO_CONFIG, Stack, deploy
from local.statemachines import substitute as _substitute
from local.template import NO_VALUE, Resolver, TemplateError, load_template, parameter_values

FIXTURE = Path(__file__).parent / "fixture" / "template.yaml"


class FakeIds:
    """Resource ids for resolver tests: Ref -> "<id>-physical", GetAtt -> "<id>.<attr>"."""

    def ref(self, logical_id: str) -> Any:
        return f"{logical_id}-physical"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"{logical_id}.{attribute}"


def resolver(template: dict[str, Any] | None = None, **overrides: str) -> Resolver:
    template = template or {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev"},
            "Names": {"Type": "CommaDelimitedList", "Default": "a,b,c"},
        },
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
            "DevAndB": {
                "Fn::And": [
                    {"Condition": "IsNotProd"},
                    {"Fn::Equals": [{"Fn::Select": [1, {"Ref": "Names"}]}, "b"]},
                ]
            },
            "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "DevAndB"}]},
        },
        "Mappings": {"Sizes": {"dev": {"Items": 10}, "prod": {"Items": 100}}},
        "Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}, "Fn": {"Type": "AWS::Serverless::Function"}},
    }
    params = parameter_values(template, overrides)
    pseudo = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    return Resolver(template, params, pseudo, FakeIds())


# ---------------------------------------------------------------------------------------------
# Resolver
# ---------------------------------------------------------------------------------------------
def test_sub_resolves_parameters_pseudo_parameters_resources_attributes_and_literals() -> None:
    r = resolver()
    text = "arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Stage}/${Table}/${Fn.Arn}/${!Keep}"
    assert r.resolve({"Fn::Sub": text}) == (
        "arn:aws:x:us-east-1:123456789012:dev/Table-physical/Fn.Arn/${Keep}"
    )


def test_sub_with_variables_wins_over_parameters_and_resolves_the_variables_first() -> None:
    r = resolver()
    value = {"Fn::Sub": ["${Stage}-${Name}", {"Stage": "local", "Name": {"Fn::GetAtt": ["Table", "Arn"]}}]}
    assert r.resolve(value) == "local-Table.Arn"


def test_sub_with_unknown_variable_names_it() -> None:
    with pytest.raises(TemplateError, match=r"\$\{Nope\}"):
        resolver().resolve({"Fn::Sub": "x-${Nope}"})


def test_getatt_accepts_both_forms_and_refuses_unknown_resources() -> None:
    r = resolver()
    assert r.resolve({"Fn::GetAtt": ["Table", "StreamArn"]}) == "Table.StreamArn"
    assert r.resolve({"Fn::GetAtt": "Fn.Arn"}) == "Fn.Arn"
    with pytest.raises(TemplateError, match="Missing"):
        r.resolve({"Fn::GetAtt": ["Missing", "Arn"]})
    with pytest.raises(TemplateError, match="Missing"):
        r.resolve({"Ref": "Missing"})


def test_conditions_and_if_with_no_value_removed_from_maps_and_lists() -> None:
    r = resolver()
    assert r.condition("IsProd") is False
    assert r.condition("IsNotProd") is True
    assert r.condition("DevAndB") is True
    assert r.condition("Either") is True
    value = {
        "A": {"Fn::If": ["IsProd", "big", "small"]},
        "B": {"Fn::If": ["IsProd", "only-prod", {"Ref": "AWS::NoValue"}]},
        "C": ["x", {"Fn::If": ["IsProd", "y", {"Ref": "AWS::NoValue"}]}],
    }
    assert r.resolve(value) == {"A": "small", "C": ["x"]}
    prod = resolver(None, Stage="prod")
    assert prod.resolve(value) == {"A": "big", "B": "only-prod", "C": ["x", "y"]}
    assert prod.condition("Either") is True


def test_join_select_split_findinmap_base64() -> None:
    r = resolver()
    assert r.resolve({"Fn::Join": [",", {"Ref": "Names"}]}) == "a,b,c"
    assert r.resolve({"Fn::Select": ["2", {"Fn::Split": ["/", "x/y/z"]}]}) == "z"
    assert r.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Items"]}) == 10
    assert r.resolve({"Fn::Base64": "hi"}) == base64.b64encode(b"hi").decode()
    assert r.ref("AWS::NoValue") is NO_VALUE
    with pytest.raises(TemplateError, match="out of range"):
        r.resolve({"Fn::Select": [5, ["a"]]})
    with pytest.raises(TemplateError, match="cannot be used as a string"):
        r.resolve({"Fn::Sub": "${Names}"})


def test_condition_cycles_and_unknown_functions_are_errors() -> None:
    template = {
        "Conditions": {"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::Not": [{"Condition": "A"}]}},
        "Resources": {},
    }
    r = Resolver(template, {}, {}, FakeIds())
    with pytest.raises(TemplateError, match="refers to itself"):
        r.condition("A")
    with pytest.raises(TemplateError, match="Fn::Transmogrify"):
        r.resolve({"Fn::Transmogrify": 1})


def test_parameters_are_checked_like_cloudformation_does() -> None:
    template = {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev", "AllowedPattern": "[a-z]+"},
            "Mode": {"Type": "String", "Default": "a", "AllowedValues": ["a", "b"]},
            "Seconds": {"Type": "Number", "Default": 30, "MinValue": 1, "MaxValue": 60},
            "Required": {"Type": "String"},
        },
        "Resources": {},
    }
    assert parameter_values(template, {"Required": "x"}) == {
        "Stage": "dev",
        "Mode": "a",
        "Seconds": "30",
        "Required": "x",
    }
    with pytest.raises(TemplateError, match="Required has no Default"):
        parameter_values(template, {})
    with pytest.raises(TemplateError, match="not declared"):
        parameter_values(template, {"Required": "x", "Typo": "1"})
    with pytest.raises(TemplateError, match="does not match"):
        parameter_values(template, {"Required": "x", "Stage": "Dev"})
    with pytest.raises(TemplateError, match="is not one of"):
        parameter_values(template, {"Required": "x", "Mode": "c"})
    with pytest.raises(TemplateError, match="below MinValue 1"):
        parameter_values(template, {"Required": "x", "Seconds": "0"})
    with pytest.raises(TemplateError, match="above MaxValue 60"):
        parameter_values(template, {"Required": "x", "Seconds": "61"})
    with pytest.raises(TemplateError, match="not a Number"):
        parameter_values(template, {"Required": "x", "Seconds": "soon"})


def test_yaml_short_tags_become_long_forms(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  R:\n"
        "    Type: X\n"
        "    Properties:\n"
        "      A: !Ref P\n"
        "      B: !GetAtt T.Arn\n"
        "      C: !Sub [ '${x}', {x: !Ref P} ]\n"
        "      D: !If [Cond, !Join ['-', [a, b]], !Ref AWS::NoValue]\n"
        "      E: !Not [!Condition Cond]\n"
        "      F: !Select [0, !Split [',', 'a,b']]\n"
    )
    props = load_template(path)["Resources"]["R"]["Properties"]
    assert props == {
        "A": {"Ref": "P"},
        "B": {"Fn::GetAtt": ["T", "Arn"]},
        "C": {"Fn::Sub": ["${x}", {"x": {"Ref": "P"}}]},
        "D": {"Fn::If": ["Cond", {"Fn::Join": ["-", ["a", "b"]]}, {"Ref": "AWS::NoValue"}]},
        "E": {"Fn::Not": [{"Condition": "Cond"}]},
        "F": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
    }


def test_definition_substitutions_are_textual_and_a_missing_one_is_named() -> None:
    text = '{"Seconds": ${Wait}, "Resource": "${Arn}"}'
    assert json.loads(_substitute(text, {"Wait": "5", "Arn": "arn:x"}, "M")) == {
        "Seconds": 5,
        "Resource": "arn:x",
    }
    with pytest.raises(TemplateError, match=r"M: definition uses \$\{Arn\}"):
        _substitute(text, {"Wait": "5"}, "M")


# ---------------------------------------------------------------------------------------------
# HTTP API emulation
# ---------------------------------------------------------------------------------------------
ROUTES = [
    Route("Api", "GET", "/returns", "List"),
    Route("Api", "GET", "/returns/{returnId}", "Get"),
    Route("Api", "POST", "/returns/{returnId}/cancel", "Cancel"),
    Route("Api", "GET", "/returns/mine", "Mine"),
    Route("Api", "ANY", "/returns/{returnId}/cancel", "AnyCancel"),
    Route("Api", "ANY", "/files/{proxy+}", "Files"),
    Route("Api", "GET", "/files/special/{name}", "Special"),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "params"),
    [
        ("GET", "/returns", "List", {}),
        ("GET", "/returns/", "List", {}),
        ("GET", "/returns/R-1", "Get", {"returnId": "R-1"}),
        ("GET", "/returns/mine", "Mine", {}),
        ("GET", "/returns/R%201", "Get", {"returnId": "R 1"}),
        ("POST", "/returns/R-1/cancel", "Cancel", {"returnId": "R-1"}),
        ("DELETE", "/returns/R-1/cancel", "AnyCancel", {"returnId": "R-1"}),
        ("PUT", "/files/a/b/c", "Files", {"proxy": "a/b/c"}),
        ("GET", "/files/special/x", "Special", {"name": "x"}),
        ("GET", "/files/special/x/y", "Files", {"proxy": "special/x/y"}),
    ],
)
def test_route_selection_prefers_the_most_specific_route(
    method: str, path: str, function: str, params: dict[str, str]
) -> None:
    chosen = select_route(ROUTES, method, path)
    assert chosen is not None
    assert (chosen[0].function, chosen[1]) == (function, params)


@pytest.mark.parametrize(("method", "path"), [("POST", "/returns"), ("GET", "/nope"), ("GET", "/files")])
def test_route_selection_without_a_match(method: str, path: str) -> None:
    assert select_route(ROUTES, method, path) is None


def test_claims_are_strings_and_arrays_look_like_api_gateway_makes_them() -> None:
    claims = {"sub": "agent-1", "cognito:groups": ["cs", "admin"], "exp": 1700000000, "email_verified": True}
    assert format_claims(claims) == {
        "sub": "agent-1",
        "cognito:groups": "[cs admin]",
        "exp": "1700000000",
        "email_verified": "true",
    }


def test_payload_v2_event_has_what_api_gateway_sends() -> None:
    route = Route("Api", "POST", "/returns/{returnId}/cancel", "Cancel", authorizer="Jwt")
    event = build_event(
        route,
        {"returnId": "R-1"},
        "post",
        "/returns/R-1/cancel",
        body={"why": "changed my mind"},
        headers={"Idempotency-Key": "k-1", "X-Multi": "a"},
        query={"tag": ["a", "b"], "page": "2"},
        claims={"sub": "cust-1", "cognito:groups": ["cs"], "scope": "read write"},
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /returns/{returnId}/cancel"
    assert event["rawPath"] == "/returns/R-1/cancel"
    assert event["rawQueryString"] == "tag=a&tag=b&page=2"
    assert event["queryStringParameters"] == {"tag": "a,b", "page": "2"}
    assert event["pathParameters"] == {"returnId": "R-1"}
    assert event["headers"]["idempotency-key"] == "k-1"
    assert event["headers"]["content-type"] == "application/json"
    assert all(name == name.lower() for name in event["headers"])
    assert json.loads(event["body"]) == {"why": "changed my mind"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == "/returns/R-1/cancel"
    assert context["http"]["protocol"] == "HTTP/1.1"
    assert context["stage"] == "$default"
    assert uuid.UUID(context["requestId"])
    assert isinstance(context["timeEpoch"], int)
    assert context["authorizer"]["jwt"] == {
        "claims": {"sub": "cust-1", "cognito:groups": "[cs]", "scope": "read write"},
        "scopes": ["read", "write"],
    }
    other = build_event(route, {}, "GET", "/x", raw_body=b"\x00\x01")
    assert other["isBase64Encoded"] is True
    assert base64.b64decode(other["body"]) == b"\x00\x01"
    assert "queryStringParameters" not in other
    assert "authorizer" not in other["requestContext"]


def test_handler_answers_are_read_as_payload_v2_does() -> None:
    answer = read_response(
        {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": '{"a":1}'}
    )
    assert (answer.status, answer.headers, answer.json) == (
        201,
        {"content-type": "application/json"},
        {"a": 1},
    )
    plain = read_response({"a": 1})
    assert (plain.status, plain.json) == (200, {"a": 1})
    text = read_response({"statusCode": 204})
    assert (text.status, text.text, text.json) == (204, "", None)


# ---------------------------------------------------------------------------------------------
# A deployment of the fixture template
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def fixture_stack() -> Iterator[Stack]:
    with mock_aws(config=MOTO_CONFIG):
        deployed = deploy(template=FIXTURE)
        try:
            yield deployed
        finally:
            deployed.close()


def test_environment_is_resolved_applied_and_given_back(fixture_stack: Stack) -> None:
    env = fixture_stack.env
    assert env["ITEMS_TABLE"] == "fixture-items-test"
    assert env["SIMPLE_TABLE"] == "returns-service-SimpleTable"
    assert env["SECRET_ARN"].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:fixture/test/signing-"
    )
    assert env["BUS_NAME"] == "fixture-test"
    assert env["MACHINE_ARN"] == fixture_stack.state_machine_arn
    assert env["FLAVOUR"] == "plain"
    assert env["PAGE_SIZE"] == "10"
    assert env["FIRST_AUDIENCE"] == "storefront"
    assert env["JOINED"] == "a|test|arn:aws:dynamodb:us-east-1:123456789012:table/fixture-items-test"
    assert env["LITERAL"] == "${NotAVariable}-test"
    assert env["PLAIN_TEST"] == "yes"
    assert env["ECHO_ROLE"] == "arn:aws:iam::123456789012:role/returns-service-EchoRole"
    assert "OPTIONAL" not in env
    import os

    assert all(os.environ[k] == v for k, v in env.items())
    fixture_stack.close()
    assert "ITEMS_TABLE" not in os.environ


def test_conditions_and_overrides_shape_the_deployment() -> None:
    with mock_aws(config=MOTO_CONFIG):
        stack = deploy(template=FIXTURE, parameters={"Flavour": "fancy", "Stage": "other"})
        try:
            assert stack.env["FLAVOUR"] == "very-fancy"
            assert stack.env["OPTIONAL"] == "fancy-only"
            assert stack.env["PAGE_SIZE"] == "20"
            assert stack.env["PLAIN_TEST"] == "no"
            tables = boto3.client("dynamodb").list_tables()["TableNames"]
            assert sorted(tables) == [
                "fixture-items-other",
                "returns-service-FancyTable",
                "returns-service-SimpleTable",
            ]
        finally:
            stack.close()
        with pytest.raises(TemplateError, match="not one of"):
            deploy(template=FIXTURE, parameters={"Flavour": "odd"})


def test_tables_secrets_bus_and_functions_exist_in_moto(fixture_stack: Stack) -> None:
    ddb = boto3.client("dynamodb")
    table = ddb.describe_table(TableName="fixture-items-test")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    ttl = ddb.describe_time_to_live(TableName="fixture-items-test")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
    simple = ddb.describe_table(TableName="returns-service-SimpleTable")["Table"]
    assert simple["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]

    sm = boto3.client("secretsmanager")
    generated = sm.get_secret_value(SecretId=fixture_stack.env["SECRET_ARN"])["SecretString"]
    assert len(generated) == 48 and generated.isalnum()
    static = sm.get_secret_value(SecretId=fixture_stack.physical_id("StaticSecret"))["SecretString"]
    assert json.loads(static) == {"apiKey": "k-123"}

    assert boto3.client("events").describe_event_bus(Name="fixture-test")["Name"] == "fixture-test"
    names = {f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]}
    assert names == {"fixture-echo-test", "returns-service-FlakyFunction", "returns-service-SinkFunction"}
    assert fixture_stack.physical_id("EchoFunction") == "fixture-echo-test"
    assert fixture_stack.attribute("EchoFunction", "Arn").endswith(":function:fixture-echo-test")
    assert fixture_stack.authorizers["Jwt"]["issuer"] == "https://issuer.example.com"
    assert fixture_stack.authorizers["Jwt"]["audience"] == ["storefront", "cs-console"]


def test_a_response_over_lambdas_limit_is_api_gateways_500(fixture_stack: Stack) -> None:
    """Lambda refuses a synchronous answer over 6 MB; the client sees API Gateway's 500."""
    answer = fixture_stack.http("GET", "/open/huge")
    assert (answer.status, answer.json) == (500, {"message": "Internal Server Error"})


def test_a_gzipped_answer_goes_on_the_wire_as_is_and_reads_as_text(fixture_stack: Stack) -> None:
    answer = fixture_stack.http("GET", "/open/gzipped")
    assert answer.headers["content-encoding"] == "gzip"
    assert gzip.decompress(answer.body).decode() == answer.text
    assert answer.json == {"said": "满199减100"}


def test_http_routes_auth_and_errors_behave_like_api_gateway(fixture_stack: Stack) -> None:
    open_answer = fixture_stack.http("GET", "/open/bob", query={"x": ["1", "2"]}, headers={"X-Thing": "y"})
    assert open_answer.status == 200
    assert open_answer.headers["x-function"] == "fixture-echo-test"
    event = open_answer.json["event"]
    assert event["pathParameters"] == {"name": "bob"}
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["headers"]["x-thing"] == "y"
    assert "authorizer" not in event["requestContext"]
    assert open_answer.json["role"] == "arn:aws:iam::123456789012:role/returns-service-EchoRole"

    assert fixture_stack.http("POST", "/things/t-1", body={}).status == 401
    assert fixture_stack.http("POST", "/things/t-1", body={}).json == {"message": "Unauthorized"}
    closed = fixture_stack.http(
        "POST", "/things/t-1", body={"a": 1}, claims={"sub": "u-1", "cognito:groups": ["cs"]}
    )
    assert closed.status == 200
    assert closed.json["event"]["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] == "[cs]"
    assert json.loads(closed.json["event"]["body"]) == {"a": 1}
    assert (
        fixture_stack.http("GET", "/things/mine", claims={"sub": "u"}).json["event"]["routeKey"]
        == "GET /things/mine"
    )
    greedy = fixture_stack.http("DELETE", "/files/a/b?q=1", claims={"sub": "u"}).json["event"]
    assert (greedy["pathParameters"], greedy["rawQueryString"]) == ({"proxy": "a/b"}, "q=1")

    assert fixture_stack.http("GET", "/nowhere").status == 404
    assert fixture_stack.http("GET", "/nowhere").json == {"message": "Not Found"}
    crashed = fixture_stack.http("POST", "/things/boom", claims={"sub": "u"})
    assert (crashed.status, crashed.json) == (500, {"message": "Internal Server Error"})


def test_lambda_invoke_runs_the_handler_and_reports_errors_as_lambda_does(fixture_stack: Stack) -> None:
    client = boto3.client("lambda")
    ok = client.invoke(FunctionName="fixture-echo-test", Payload=json.dumps({"hello": "world"}))
    body = json.loads(ok["Payload"].read())
    assert "FunctionError" not in ok
    assert body["echoed"] == {"hello": "world"}
    assert 0 < body["remainingMs"] <= 5000

    failed = client.invoke(
        FunctionName=fixture_stack.attribute("FlakyFunction", "Arn"),
        Payload=json.dumps({"key": "x", "fail": "PermanentError", "failTimes": 1}),
    )
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("PermanentError", "call 1 failed")
    assert (
        fixture_stack.invoke("FlakyFunction", {"key": "x", "failTimes": 1, "fail": "PermanentError"})["calls"]
        == 2
    )


def test_state_machine_retries_and_catches_on_the_exception_class(fixture_stack: Stack) -> None:
    sfn = boto3.client("stepfunctions")

    def run(payload: dict[str, Any]) -> dict[str, Any]:
        arn = sfn.start_execution(
            stateMachineArn=fixture_stack.state_machine_arn, name=str(uuid.uuid4()), input=json.dumps(payload)
        )["executionArn"]
        return fixture_stack.wait_execution(arn, timeout=10)

    retried = run({"key": "r", "fail": "TransientError", "failTimes": 1})
    assert retried["status"] == "SUCCEEDED"
    assert json.loads(retried["output"])["echoed"]["calls"] == 2
    caught = run({"key": "c", "fail": "PermanentError", "failTimes": 9})
    assert caught["status"] == "SUCCEEDED"
    assert json.loads(caught["output"])["error"]["Error"] == "PermanentError"
    definition = json.loads(
        sfn.describe_state_machine(stateMachineArn=fixture_stack.state_machine_arn)["definition"]
    )
    assert definition["States"]["Flaky"]["Retry"][0]["IntervalSeconds"] == 1
    assert definition["States"]["Echo"]["Parameters"]["FunctionName"] == fixture_stack.attribute(
        "EchoFunction", "Arn"
    )


def test_events_are_recorded_and_delivered_to_matching_rules(fixture_stack: Stack) -> None:
    fixture_stack.put_event("fixture.outside", "Ping", {"kind": "wanted", "n": 1})
    fixture_stack.put_event("fixture.outside", "Ping", {"kind": "unwanted"})
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": "elsewhere",
                "DetailType": "Ping",
                "Detail": '{"kind": "wanted"}',
                "EventBusName": "fixture-test",
            }
        ]
    )
    assert [(e["Source"], e["DetailType"], e["Detail"].get("kind")) for e in fixture_stack.events] == [
        ("fixture.outside", "Ping", "wanted"),
        ("fixture.outside", "Ping", "unwanted"),
        ("elsewhere", "Ping", "wanted"),
    ]
    assert all(e["EventBusName"] == "fixture-test" and e["Time"].endswith("Z") for e in fixture_stack.events)
    stored = boto3.client("dynamodb").query(
        TableName="fixture-items-test",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "fixture.outside"}},
    )["Items"]
    assert len(stored) == 1
    delivered = json.loads(stored[0]["body"]["S"])
    assert (delivered["source"], delivered["detail-type"], delivered["detail"]) == (
        "fixture.outside",
        "Ping",
        {"kind": "wanted", "n": 1},
    )
    assert delivered["id"] == fixture_stack.events[0]["EventId"]
    assert fixture_stack.events_of("Ping", "elsewhere")[0]["Detail"] == {"kind": "wanted"}
    assert fixture_stack.matching_targets("fixture.outside", "Echo", {}) == [
        ("fixture-test", fixture_stack.attribute("EchoFunction", "Arn"))
    ]


def test_a_failing_target_does_not_fail_the_put_and_is_kept(fixture_stack: Stack) -> None:
    fixture_stack.put_event("fixture.outside", "Ping", {"kind": "wanted", "explode": True})
    assert len(fixture_stack.events) == 1
    [failure] = fixture_stack.delivery_errors
    assert failure["target"] == "SinkFunction"
    assert (failure["error"]["errorType"], failure["error"]["errorMessage"]) == (
        "ValueError",
        "told to explode",
    )


def test_each_stack_loads_its_own_copy_of_the_handlers() -> None:
    calls = []
    for _ in range(2):
        with mock_aws(config=MOTO_CONFIG):
            stack = deploy(template=FIXTURE)
            try:
                calls.append(stack.invoke("FlakyFunction", {"key": "same"})["calls"])
            finally:
                stack.close()
    assert calls == [1, 1]


def test_deploy_needs_the_moto_config() -> None:
    with mock_aws(), pytest.raises(RuntimeError, match="MOTO_CONFIG"):
        deploy(template=FIXTURE)


def test_the_service_template_deploys(stack: Stack) -> None:
    """template.yaml itself: every route has a function, every function a handler file."""
    template = load_template(stack.template_path)
    http_events = [
        (logical_id, event)
        for logical_id, spec in template["Resources"].items()
        if spec["Type"] == "AWS::Serverless::Function"
        for event in (spec["Properties"].get("Events") or {}).values()
        if event["Type"] == "HttpApi"
    ]
    assert len(stack.routes) == len(http_events)
    for function in stack.functions.values():
        assert callable(function.entry_point())


def test_an_execution_outliving_its_stack_never_reaches_the_next_one() -> None:
    with mock_aws(config=MOTO_CONFIG):
        first = deploy(template=FIXTURE)
        boto3.client("stepfunctions").start_execution(
            stateMachineArn=first.state_machine_arn,
            name="outlives",
            input=json.dumps({"key": "late", "fail": "TransientError", "failTimes": 1}),
        )
        time.sleep(0.3)  # the first attempt failed; the retry comes after 1 s
        first.close()
    with mock_aws(config=MOTO_CONFIG):
        second = deploy(template=FIXTURE)
        try:
            time.sleep(1.5)
            assert second.functions["FlakyFunction"]._module is None  # never invoked here
            assert second.events == []
        finally:
            second.close()


def test_conditional_writes_are_atomic_across_threads(
    fixture_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto checks a condition and writes in two steps; the harness makes each DynamoDB call atomic
    as DynamoDB is, so of two racing `attribute_not_exists` puts exactly one wins."""
    import threading

    from moto.dynamodb.models import table as moto_table

    original = moto_table.get_filter_expression  # type: ignore[attr-defined]

    def slow_condition(*args: Any, **kwargs: Any) -> Any:
        op = original(*args, **kwargs)
        check = op.expr

        def expr(item: Any) -> Any:
            result = check(item)
            time.sleep(0.2)  # both racers would have checked before either writes
            return result

        op.expr = expr  # type: ignore[method-assign]
        return op

    monkeypatch.setattr(moto_table, "get_filter_expression", slow_condition)
    client = boto3.client("dynamodb")
    outcomes: list[str] = []

    def put(owner: str) -> None:
        try:
            client.put_item(
                TableName="fixture-items-test",
                Item={"pk": {"S": "unit"}, "sk": {"S": "last"}, "owner": {"S": owner}},
                ConditionExpression="attribute_not_exists(pk)",
            )
            outcomes.append("won")
        except client.exceptions.ConditionalCheckFailedException:
            outcomes.append("lost")

    racers = [threading.Thread(target=put, args=(name,)) for name in ("a", "b")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(outcomes) == ["lost", "won"]


def test_cors_is_answered_and_added_as_api_gateway_does(fixture_stack: Stack) -> None:
    shop = {"Origin": "https://shop.example.com"}
    preflight = fixture_stack.http(
        "OPTIONS", "/things/t-1", headers={**shop, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 204  # no token needed: API Gateway answers before any authorizer
    assert preflight.headers == {
        "access-control-allow-origin": "https://shop.example.com",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "authorization,content-type",
        "access-control-max-age": "600",
    }
    answer = fixture_stack.http("GET", "/open/x", headers=shop)
    assert answer.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert answer.headers["access-control-expose-headers"] == "x-function"
    assert fixture_stack.http("GET", "/nowhere", headers=shop).headers["access-control-allow-origin"]
    elsewhere = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}
    assert (
        "access-control-allow-origin"
        not in fixture_stack.http("OPTIONS", "/things/t-1", headers=elsewhere).headers
    )
    assert "access-control-allow-origin" not in fixture_stack.http("GET", "/open/x").headers

"""The template's resources, created in moto through its API as CloudFormation would create them.

Only the resource types and properties template.yaml uses are read; anything else a resource
declares for a real deployment (alarms, log groups, IAM, CloudFront, Glue, Athena, SNS, S3, queue
policies) is not created locally, because nothing local reads it: a `Ref` or `GetAtt` of it
resolves to a predicted id (`_fallback_id`). Ids are predicted before anything is created, so a
resource may refer to any other (a function's environment naming the state machine that calls it).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local import function_environment
from local.eventbridge import bus_name_of
from local.firehose import STREAM_TYPE, LocalFirehose, Stream
from local.httpapi import Route
from local.lambdas import AsyncConfig, LocalFunction
from local.moto_patches import DYNAMODB_LOCK, create_function_in_moto
from local.statemachines import STATE_MACHINE_TYPE, render_definition, scalar_text
from local.streams import StreamDelivery, StreamMapping, stream_length, streams_client
from local.template import Resolver, TemplateError, load_template, parameter_values

if TYPE_CHECKING:
    from local.stack import Stack

FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPE = "AWS::Serverless::LayerVersion"
TABLE_TYPE = "AWS::DynamoDB::Table"
SECRET_TYPE = "AWS::SecretsManager::Secret"
BUS_TYPE = "AWS::Events::EventBus"
RULE_TYPE = "AWS::Events::Rule"
QUEUE_TYPE = "AWS::SQS::Queue"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"

_DUMMY_ZIP: bytes
with io.BytesIO() as _buffer:
    with zipfile.ZipFile(_buffer, "w") as _zip:
        _zip.writestr("app.py", "def handler(event, context):\n    return event\n")
    _DUMMY_ZIP = _buffer.getvalue()

_DEPLOY_COUNTER = iter(range(1, sys.maxsize))


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    physical_id: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)


class Resources:
    """What was deployed: the resources by logical id and what the stack's parts need of them."""

    def __init__(self) -> None:
        self.by_logical_id: dict[str, Resource] = {}
        self.parameters: dict[str, Any] = {}
        self.env: dict[str, str] = {}
        self.state_machines: dict[str, str] = {}
        self.streams: list[StreamDelivery] = []

    def physical_id(self, logical_id: str) -> Any:
        resource = self.by_logical_id.get(logical_id)
        if resource is None:
            raise KeyError(f"{logical_id} is not a resource of the template")
        return resource.physical_id

    def attribute(self, logical_id: str, attribute: str) -> Any:
        resource = self.by_logical_id.get(logical_id)
        if resource is None or attribute not in resource.attributes:
            raise KeyError(f"{logical_id}.{attribute} is not known to the local stack")
        return resource.attributes[attribute]

    def bus_names(self) -> list[str]:
        return [str(r.physical_id) for r in self.by_logical_id.values() if r.type == BUS_TYPE]


class _Ids:
    """`Ref` / `Fn::GetAtt` of resources: the ids they were (or will be) created with."""

    def __init__(self, resources: Mapping[str, Resource], fallback: Callable[[str, str | None], str]) -> None:
        self._resources = resources
        self._fallback = fallback

    def ref(self, logical_id: str) -> Any:
        resource = self._resources.get(logical_id)
        if resource is not None and resource.physical_id is not None:
            return resource.physical_id
        return self._fallback(logical_id, None)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._resources.get(logical_id)
        if resource is not None and attribute in resource.attributes:
            return resource.attributes[attribute]
        return self._fallback(logical_id, attribute)


def deploy_resources(stack: Stack, overrides: Mapping[str, str] | None) -> dict[str, str]:
    """Create the template's resources for `stack`; the functions' environment (not applied yet)."""
    return _Deployer(stack, overrides).run()


class _Deployer:
    """One deployment: resolves the template and creates its resources in moto."""

    def __init__(self, stack: Stack, overrides: Mapping[str, str] | None) -> None:
        self.template = load_template(stack.template_path)
        self.stack = stack
        self.overrides = overrides
        self.resources = stack.resources.by_logical_id
        self.globals: dict[str, Any] = self.template.get("Globals") or {}
        self.role_arn = ""
        self.seq = next(_DEPLOY_COUNTER)

    # -- ids -----------------------------------------------------------------------------------
    def _arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.stack.region if region else ''}:{self.stack.account_id}:{resource}"

    def _fallback_id(self, logical_id: str, attribute: str | None) -> str:
        """Ids of resources the local stack does not create (roles, log groups, the layer)."""
        name = f"{self.stack.stack_name}-{logical_id}"
        spec = self.template["Resources"].get(logical_id) or {}
        kind = str(spec.get("Type", ""))
        if attribute is None:
            if kind == LAYER_TYPE:
                return self._arn("lambda", f"layer:{name}:1")
            return name
        if attribute == "Arn":
            if kind.startswith("AWS::IAM::") or logical_id.endswith("Role"):
                return self._arn("iam", f"role/{name}", region=False)
            if kind == "AWS::Logs::LogGroup":
                return self._arn("logs", f"log-group:{name}:*")
            return self._arn("cloudformation", f"{self.stack.stack_name}/{logical_id}")
        return f"{name}-{attribute}"

    def _name(self, logical_id: str, props: Mapping[str, Any], key: str, max_len: int = 64) -> str:
        explicit = props.get(key)
        if explicit:
            return str(self.resolver.resolve(explicit))
        return f"{self.stack.stack_name}-{logical_id}"[:max_len]

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> dict[str, str]:
        stack = self.stack
        stack.account_id = str(stack.client("sts").get_caller_identity()["Account"])
        stack.resources.parameters = parameter_values(self.template, self.overrides)
        pseudo = {
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account_id,
            "AWS::Partition": "aws",
            "AWS::StackName": stack.stack_name,
            "AWS::StackId": self._arn("cloudformation", f"stack/{stack.stack_name}/{self.seq}"),
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": "",
        }
        self.resolver = Resolver(
            self.template, stack.resources.parameters, pseudo, _Ids(self.resources, self._fallback_id)
        )
        for logical_id, spec in self.template["Resources"].items():
            if not isinstance(spec, dict) or "Type" not in spec:
                raise TemplateError(f"resource {logical_id} has no Type")
            if "Condition" in spec and not self.resolver.condition(str(spec["Condition"])):
                continue
            properties = dict(spec.get("Properties") or {})
            if spec["Type"] == FUNCTION_TYPE:
                properties = _merge_globals(self.globals.get("Function") or {}, properties)
            if spec["Type"] == HTTP_API_TYPE:
                properties = _merge_globals(self.globals.get("HttpApi") or {}, properties)
            self.resources[logical_id] = Resource(logical_id, str(spec["Type"]), properties)
        self._add_layers_to_path()
        self._predict_ids()

        self.role_arn = self._create_role()
        for resource in self._of(SECRET_TYPE):
            self._create_secret(resource)
        for resource in self._of(TABLE_TYPE):
            self._create_table(resource)
        for resource in self._of(BUS_TYPE):
            self._create_bus(resource)
        for resource in self._of(QUEUE_TYPE):
            self._create_queue(resource)
        environment = self._environment()
        stack.resources.env = dict(environment)
        for resource in self._of(FUNCTION_TYPE):
            self._create_function(resource, environment)
        for resource in self._of(STATE_MACHINE_TYPE):
            self._create_state_machine(resource)
        for resource in self._of(HTTP_API_TYPE):
            self._register_api(resource)
        for resource in self._of(FUNCTION_TYPE):
            self._register_events(resource)
        for resource in self._of(RULE_TYPE):
            self._create_rule(resource)
        stack.bridge.firehose = LocalFirehose(
            stack.records_dir,
            {
                str(r.attributes["Arn"]): Stream.of(str(r.physical_id), self.resolver.resolve(r.properties))
                for r in self._of(STREAM_TYPE)
            },
        )
        return environment

    def _of(self, *types: str) -> Iterator[Resource]:
        return (r for r in list(self.resources.values()) if r.type in types)

    def _add_layers_to_path(self) -> None:
        """Layer code is importable in Lambda (/opt/python): here, its ContentUri on sys.path."""
        for resource in self._of(LAYER_TYPE):
            uri = self.resolver.resolve(resource.properties.get("ContentUri"))
            if isinstance(uri, str):
                directory = str((self.stack.root / uri).resolve())
                if directory not in sys.path:
                    sys.path.insert(0, directory)

    def _predict_ids(self) -> None:
        """Names and ARNs of everything before anything is created, so references can go either way."""
        stack = self.stack
        # Rules last: their ARN depends on the (predicted) name of their bus.
        for r in sorted(self.resources.values(), key=lambda r: r.type == RULE_TYPE):
            props = r.properties
            if r.type == TABLE_TYPE:
                name = self._name(r.logical_id, props, "TableName", 255)
                r.physical_id = name
                r.attributes = {"Arn": self._arn("dynamodb", f"table/{name}")}
            elif r.type == SECRET_TYPE:
                name = self._name(r.logical_id, props, "Name", 512)
                r.physical_id = self._arn("secretsmanager", f"secret:{name}")
                r.attributes = {"Id": r.physical_id, "Name": name}
            elif r.type == QUEUE_TYPE:
                name = self._name(r.logical_id, props, "QueueName", 80)
                r.physical_id = f"https://sqs.{stack.region}.amazonaws.com/{stack.account_id}/{name}"
                r.attributes = {"Arn": self._arn("sqs", name), "QueueName": name, "QueueUrl": r.physical_id}
            elif r.type == BUS_TYPE:
                name = self._name(r.logical_id, props, "Name", 256)
                r.physical_id = name
                r.attributes = {"Name": name, "Arn": self._arn("events", f"event-bus/{name}")}
            elif r.type == FUNCTION_TYPE:
                name = self._name(r.logical_id, props, "FunctionName")
                r.physical_id = name
                r.attributes = {"Arn": self._arn("lambda", f"function:{name}")}
            elif r.type == STATE_MACHINE_TYPE:
                name = self._name(r.logical_id, props, "Name", 80)
                arn = self._arn("states", f"stateMachine:{name}")
                r.physical_id = arn
                r.attributes = {"Arn": arn, "Name": name}
                stack.resources.state_machines[r.logical_id] = arn
            elif r.type == RULE_TYPE:
                name = self._name(r.logical_id, props, "Name")
                r.physical_id = name
                bus = props.get("EventBusName")
                bus_name = bus_name_of(self.resolver.resolve(bus)) if bus else "default"
                prefix = "" if bus_name == "default" else f"{bus_name}/"
                r.attributes = {"Arn": self._arn("events", f"rule/{prefix}{name}")}
            elif r.type == STREAM_TYPE:
                name = self._name(r.logical_id, props, "DeliveryStreamName")
                r.physical_id = name
                r.attributes = {"Arn": self._arn("firehose", f"deliverystream/{name}")}
            elif r.type == HTTP_API_TYPE:
                api_id = hashlib.sha1(f"{stack.stack_name}/{r.logical_id}".encode()).hexdigest()[:10]
                r.physical_id = api_id
                r.attributes = {
                    "ApiId": api_id,
                    "ApiEndpoint": f"https://{api_id}.execute-api.{stack.region}.amazonaws.com",
                }
                stack.api.api_ids[r.logical_id] = api_id

    # -- creators ------------------------------------------------------------------------------
    def _create_role(self) -> str:
        iam = self.stack.client("iam")
        name = f"{self.stack.stack_name}-local-execution"[:64]
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        try:
            return str(
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            )
        except iam.exceptions.EntityAlreadyExistsException:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])

    def _create_secret(self, resource: Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        client = self.stack.client("secretsmanager")
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            value = _generate_secret(client, props.get("GenerateSecretString") or {})
        kwargs: dict[str, Any] = {"Name": resource.attributes["Name"], "SecretString": value}
        if props.get("Description"):
            kwargs["Description"] = str(props["Description"])
        arn = str(client.create_secret(**kwargs)["ARN"])
        resource.physical_id = arn
        resource.attributes["Id"] = arn

    def _create_table(self, resource: Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        client = self.stack.client("dynamodb")
        description = client.create_table(TableName=resource.physical_id, **_table_request(props))[
            "TableDescription"
        ]
        if description.get("LatestStreamArn"):
            resource.attributes["StreamArn"] = description["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and _truthy(ttl.get("Enabled", True)):
            client.update_time_to_live(
                TableName=resource.physical_id,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": str(ttl["AttributeName"])},
            )

    def _create_queue(self, resource: Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        attributes = {
            key: str(props[key])
            for key in ("DelaySeconds", "MessageRetentionPeriod", "VisibilityTimeout")
            if key in props
        }
        answer = self.stack.client("sqs").create_queue(
            QueueName=str(resource.attributes["QueueName"]), Attributes=attributes
        )
        resource.physical_id = resource.attributes["QueueUrl"] = str(answer["QueueUrl"])

    def _create_bus(self, resource: Resource) -> None:
        if resource.physical_id != "default":
            self.stack.client("events").create_event_bus(Name=resource.physical_id)

    def _environment(self) -> dict[str, str]:
        """The process's environment: the union of the functions' own (Globals merged in). Two
        functions giving one variable different values is an error (one os.environ); while a
        function runs it reads only its own (local/function_environment.py)."""
        environment: dict[str, str] = {}
        owners: dict[str, str] = {}
        for resource in self._of(FUNCTION_TYPE):
            variables = self.resolver.resolve(
                (resource.properties.get("Environment") or {}).get("Variables") or {}
            )
            for name, value in variables.items():
                text = scalar_text(value)
                if name in environment and environment[name] != text:
                    raise TemplateError(
                        f"environment variable {name} differs between {owners[name]} and"
                        f" {resource.logical_id}: the local stack runs every function with one environment"
                    )
                environment[name] = text
                owners.setdefault(name, resource.logical_id)
        return environment

    def _create_function(self, resource: Resource, environment: dict[str, str]) -> None:
        props = resource.properties
        code_uri = self.resolver.resolve(props.get("CodeUri"))
        if not isinstance(code_uri, str):
            raise TemplateError(f"{resource.logical_id}: CodeUri must be a local directory, got {code_uri!r}")
        handler = str(self.resolver.resolve(props.get("Handler", "")))
        if "." not in handler:
            raise TemplateError(f"{resource.logical_id}: Handler must be module.function, got {handler!r}")
        timeout = int(self.resolver.resolve(props.get("Timeout", 3)))
        memory = int(self.resolver.resolve(props.get("MemorySize", 128)))
        local = LocalFunction(
            logical_id=resource.logical_id,
            name=str(resource.physical_id),
            arn=str(resource.attributes["Arn"]),
            code_dir=(self.stack.root / code_uri).resolve(),
            handler=handler,
            timeout=timeout,
            memory=memory,
            module_name=f"_local_fn_{self.seq}_{resource.logical_id}",
            environment=function_environment.FunctionEnvironment(
                resource.logical_id,
                frozenset(self.resolver.resolve((props.get("Environment") or {}).get("Variables") or {})),
            ),
        )
        request: dict[str, Any] = {
            "FunctionName": local.name,
            "Runtime": str(self.resolver.resolve(props.get("Runtime", "python3.11"))),
            "Role": self.role_arn,
            "Handler": handler,
            "Code": {"ZipFile": _DUMMY_ZIP},
            "Timeout": timeout,
            "MemorySize": memory,
            "Environment": {"Variables": environment},
        }
        # Straight into moto's Lambda backend (a whole request each, half of a deploy's CPU);
        # through the API when the name is taken, so that refusal stays the API's.
        if not create_function_in_moto(self.stack.account_id, self.stack.region, request):
            self.stack.client("lambda").create_function(**request)
        invoke_config = self.resolver.resolve(props.get("EventInvokeConfig") or {})
        on_failure = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        retries = int(invoke_config.get("MaximumRetryAttempts", 2))
        self.stack.lambdas.add(local, AsyncConfig(retries, str(on_failure) if on_failure else None))

    def _create_state_machine(self, resource: Resource) -> None:
        props = resource.properties
        definition = render_definition(resource.logical_id, props, self.resolver, self.stack.root)
        kind = str(self.resolver.resolve(props.get("Type", "STANDARD")))
        if kind not in ("STANDARD", "EXPRESS"):
            raise TemplateError(f"{resource.logical_id}: Type must be STANDARD or EXPRESS, got {kind!r}")
        machine_type: Any = kind
        self.stack.client("stepfunctions").create_state_machine(
            name=str(resource.attributes["Name"]),
            definition=definition,
            roleArn=self.role_arn,
            type=machine_type,
        )

    def _register_api(self, resource: Resource) -> None:
        api = self.stack.api
        auth = self.resolver.resolve(resource.properties.get("Auth") or {})
        for name, spec in (auth.get("Authorizers") or {}).items():
            jwt = spec.get("JwtConfiguration") or {}
            audience = jwt.get("audience", jwt.get("Audience", []))
            api.authorizers[name] = {
                "api": resource.logical_id,
                "issuer": jwt.get("issuer", jwt.get("Issuer")),
                "audience": audience if isinstance(audience, list) else [audience],
                "identitySource": spec.get("IdentitySource", "$request.header.Authorization"),
            }
        resource.attributes["_DefaultAuthorizer"] = auth.get("DefaultAuthorizer")
        cors = resource.properties.get("CorsConfiguration")
        if cors:
            api.cors[resource.logical_id] = self.resolver.resolve(cors)

    def _register_events(self, resource: Resource) -> None:
        """A function's `Events`: HttpApi routes, DynamoDB stream consumers, EventBridge rules."""
        for event_id, event in (resource.properties.get("Events") or {}).items():
            kind = event.get("Type")
            props = self.resolver.resolve(event.get("Properties") or {})
            if kind == "HttpApi":
                self._add_route(resource, event_id, props)
            elif kind == "DynamoDB":
                self._add_stream(resource, props)
            elif kind == "EventBridgeRule":
                bus = bus_name_of(props.get("EventBusName", "default"))
                rule_name = str(
                    props.get("RuleName") or f"{self.stack.stack_name}-{resource.logical_id}-{event_id}"
                )
                self._put_rule(
                    rule_name[:64],
                    bus,
                    props.get("Pattern"),
                    str(props.get("State", "ENABLED")),
                    [{"Id": f"{resource.logical_id}Target", "Arn": str(resource.attributes["Arn"])}],
                )
            else:
                raise TemplateError(
                    f"{resource.logical_id}.{event_id}: event type {kind!r} does not run locally"
                )

    def _add_stream(self, resource: Resource, props: Mapping[str, Any]) -> None:
        """A DynamoDB stream event source: delivered after each write (local/streams.py)."""
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        mapping = StreamMapping(
            function=self.stack.lambdas.functions[resource.logical_id],
            stream_arn=str(props["Stream"]),
            batch_size=int(props.get("BatchSize", 100)),
            max_retries=int(props.get("MaximumRetryAttempts", -1)),
            report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            on_failure=None if destination is None else str(destination),
            starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
        )
        stack = self.stack
        stack.resources.streams.append(
            StreamDelivery(
                mapping=mapping,
                streams=streams_client(stack.region),
                lock=DYNAMODB_LOCK,
                closed=lambda: stack.closed,
                send_to_queue=stack.send_to_queue,
                region=stack.region,
                stream_length=stream_length(stack.account_id, stack.region, mapping.table),
            )
        )

    def _add_route(self, resource: Resource, event_id: str, props: Mapping[str, Any]) -> None:
        api_logical = _api_logical_id(props.get("ApiId"), self.resources)
        api = self.resources[api_logical]
        auth = props.get("Auth") or {}
        authorizer = auth.get("Authorizer", api.attributes.get("_DefaultAuthorizer"))
        if authorizer == "NONE":
            authorizer = None
        if authorizer is not None and authorizer not in self.stack.api.authorizers:
            raise TemplateError(f"{resource.logical_id}.{event_id}: unknown authorizer {authorizer!r}")
        method = str(props.get("Method", "ANY")).upper()
        if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            method = "ANY"
        self.stack.api.add_route(
            Route(
                api=api_logical,
                method=method,
                path=str(props.get("Path", "$default")),
                function=resource.logical_id,
                authorizer=authorizer,
                scopes=tuple(auth.get("AuthorizationScopes") or ()),
            )
        )

    def _create_rule(self, resource: Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        if "EventPattern" not in props:
            return  # schedules do not fire locally
        targets = [
            {k: v for k, v in target.items() if k in ("Id", "Arn", "InputTransformer")}
            for target in props.get("Targets") or []
        ]
        self._put_rule(
            str(resource.physical_id),
            bus_name_of(props.get("EventBusName", "default")),
            props["EventPattern"],
            str(props.get("State", "ENABLED")),
            targets,
        )

    def _put_rule(self, name: str, bus: str, pattern: Any, state: str, targets: list[dict[str, Any]]) -> None:
        client = self.stack.client("events")
        client.put_rule(
            Name=name,
            EventBusName=bus,
            EventPattern=pattern if isinstance(pattern, str) else json.dumps(pattern),
            State=state,  # ENABLED or DISABLED: moto refuses others
        )
        if targets:
            client.put_targets(Rule=name, EventBusName=bus, Targets=targets)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _merge_globals(global_props: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM Globals: the resource's own values win; maps merge, lists and scalars are replaced
    (Environment.Variables merge, Layers append as SAM does)."""
    merged: dict[str, Any] = {}
    for key in set(global_props) | set(own):
        if key not in own:
            merged[key] = global_props[key]
        elif key not in global_props:
            merged[key] = own[key]
        elif key == "Layers" and isinstance(global_props[key], list) and isinstance(own[key], list):
            merged[key] = [*global_props[key], *own[key]]
        elif (
            isinstance(global_props[key], dict) and isinstance(own[key], dict) and not _is_intrinsic(own[key])
        ):
            merged[key] = _merge_globals(global_props[key], own[key])
        else:
            merged[key] = own[key]
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    if len(value) == 1 and next(iter(value)) in ("Ref", "Condition"):
        return True
    return any(k.startswith("Fn::") for k in value)


def _api_logical_id(api_ref: Any, resources: Mapping[str, Resource]) -> str:
    """The logical id an HttpApi event's `ApiId` (`!Ref` of an AWS::Serverless::HttpApi) points at."""
    for resource in resources.values():
        if (
            resource.type == HTTP_API_TYPE
            and api_ref is not None
            and api_ref in (resource.physical_id, resource.logical_id)
        ):
            return resource.logical_id
    raise TemplateError(f"ApiId {api_ref!r} is not an AWS::Serverless::HttpApi of the template")


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _table_request(props: Mapping[str, Any]) -> dict[str, Any]:
    """AWS::DynamoDB::Table properties (on-demand, as template.yaml declares every table) ->
    CreateTable arguments. SSESpecification is left out: encryption at rest changes nothing
    locally, and moto would generate a KMS key for it (~70 ms per table per test)."""
    if str(props.get("BillingMode")) != "PAY_PER_REQUEST":
        raise TemplateError("the local stack creates on-demand tables only (BillingMode: PAY_PER_REQUEST)")
    request: dict[str, Any] = {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    indexes = [
        {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
        for index in props.get("GlobalSecondaryIndexes") or []
    ]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


def _generate_secret(client: Any, spec: Mapping[str, Any]) -> str:
    """GenerateSecretString: Secrets Manager's GetRandomPassword, optionally placed in
    SecretStringTemplate under GenerateStringKey."""
    options: dict[str, Any] = {"PasswordLength": int(spec.get("PasswordLength", 32))}
    for name in (
        "ExcludeLowercase",
        "ExcludeUppercase",
        "ExcludeNumbers",
        "ExcludePunctuation",
        "IncludeSpace",
    ):
        if name in spec:
            options[name] = _truthy(spec[name])
    if spec.get("ExcludeCharacters"):
        options["ExcludeCharacters"] = str(spec["ExcludeCharacters"])
    password = str(client.get_random_password(**options)["RandomPassword"])
    template = spec.get("SecretStringTemplate")
    if template:
        document = json.loads(str(template))
        document[str(spec.get("GenerateStringKey", "password"))] = password
        return json.dumps(document)
    return password

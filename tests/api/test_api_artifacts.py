"""The routes are the contract's, everywhere: template.yaml, the resolvers, openapi.json (generated
from the code, and not stale) and a sample event for each in events/http/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.httpapi import read_response
from local.stack import REPO_ROOT
from local.template import load_template
from tests.api.client import Api, shared_stack
from tools import openapi

CONTRACT_ROUTES = {
    ("POST", "/orders/{orderId}/return-quotes"),
    ("POST", "/returns"),
    ("GET", "/returns"),
    ("GET", "/returns/{returnId}"),
    ("POST", "/returns/{returnId}/cancel"),
    ("POST", "/returns/{returnId}/shipment"),
    ("POST", "/returns/{returnId}/proposal"),
    ("GET", "/cs/returns"),
    ("GET", "/cs/returns/{returnId}"),
    ("POST", "/cs/returns/{returnId}/review"),
    ("POST", "/cs/returns/{returnId}/damage-review"),
    ("POST", "/cs/returns/{returnId}/retry-refund"),
    ("GET", "/cs/analytics/returns"),
    ("POST", "/warehouse/returns/{returnId}/receipt"),
    # Contract section 8: finance reads a seller's settlements.
    ("GET", "/cs/sellers/{sellerId}/settlements"),
    # Not in the contract: the CS console's read of a customer's earlier returns (issue 13).
    ("GET", "/cs/customers/{customerId}/returns"),
    # Cancellations before delivery (section 7)
    ("POST", "/orders/{orderId}/cancellation-quotes"),
    ("POST", "/orders/{orderId}/cancellations"),
    ("GET", "/cancellations"),
    ("GET", "/cancellations/{cancellationId}"),
    ("GET", "/cs/cancellations"),
    ("GET", "/cs/cancellations/{cancellationId}"),
    ("POST", "/cs/orders/{orderId}/cancellations"),
    ("POST", "/cs/cancellations/{cancellationId}/retry-refund"),
    ("POST", "/fulfilment/cancellations/{cancellationId}/outcome"),
    ("POST", "/delivery/cancellations/{cancellationId}/interception"),
}
SIGNED_ROUTES = {
    ("POST", "/warehouse/returns/{returnId}/receipt"),
    ("POST", "/fulfilment/cancellations/{cancellationId}/outcome"),
    ("POST", "/delivery/cancellations/{cancellationId}/interception"),
}
SAMPLES = REPO_ROOT / "events" / "http"


def template_routes() -> dict[tuple[str, str], dict[str, Any]]:
    routes = {}
    for resource in load_template(REPO_ROOT / "template.yaml")["Resources"].values():
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                props = event["Properties"]
                routes[(props["Method"], props["Path"])] = props
    return routes


def test_the_template_routes_are_the_contract_routes():
    routes = template_routes()
    assert set(routes) == CONTRACT_ROUTES
    open_routes = {
        key for key, props in routes.items() if (props.get("Auth") or {}).get("Authorizer") == "NONE"
    }
    assert open_routes == SIGNED_ROUTES, "only the signed URLs skip the JWT"


def test_openapi_json_is_generated_from_the_code_and_not_stale():
    committed = (REPO_ROOT / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi.render(), "openapi.json is stale: run `make openapi`"
    document = json.loads(committed)
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == CONTRACT_ROUTES
    for (method, path), operation in ((k, document["paths"][k[1]][k[0].lower()]) for k in documented):
        refusals = {code for code in operation["responses"] if code.startswith("4")}
        assert "400" in refusals, (method, path)
        for code in refusals - {"401"}:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
        if "401" in refusals:
            unauthorized = operation["responses"]["401"]
            schema = unauthorized["content"]["application/json"]["schema"]
            refs = [option["$ref"] for option in schema["anyOf"]]
            assert refs == ["#/components/schemas/GatewayUnauthorized", "#/components/schemas/ErrorBody"]
            assert "WWW-Authenticate" in unauthorized["headers"]
        assert ("security" in operation) == ((method, path) not in SIGNED_ROUTES), (method, path)
    assert "HTTPValidationError" not in committed, "validation errors are 400 with the contract body"
    gateway = document["components"]["schemas"]["GatewayUnauthorized"]
    assert gateway["properties"]["message"]["const"] == "Unauthorized"
    assert gateway["examples"] == [{"message": "Unauthorized"}]


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.json"))


def test_there_is_one_sample_event_per_route():
    keys = [json.loads(p.read_text(encoding="utf-8"))["routeKey"] for p in sample_paths()]
    assert sorted(keys) == sorted(f"{m} {p}" for m, p in CONTRACT_ROUTES)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with shared_stack("O-SEED-1") as shared:
        yield shared


def route_functions() -> dict[str, str]:
    """``METHOD /path`` -> the logical id of the function the template routes it to."""
    functions = {}
    for logical_id, resource in load_template(REPO_ROOT / "template.yaml")["Resources"].items():
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                functions[f"{event['Properties']['Method']} {event['Properties']['Path']}"] = logical_id
    return functions


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_each_sample_event_is_answered_by_its_function(api, path):
    """Fed to the function the template routes it to: answered (unknown ids are 404, the sample
    signature is 403), never a 500, always with the correlation id of the event."""
    event = json.loads(path.read_text(encoding="utf-8"))
    result = api.stack.invoke(route_functions()[event["routeKey"]], event)
    assert result["statusCode"] in {200, 201, 403, 404}, result
    assert result["headers"]["x-correlation-id"] == event["requestContext"]["requestId"]
    api.check(read_response(result))  # contract error body, nothing internal


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_openapi_titles_are_readable_and_descriptions_markdown():
    document = json.loads((REPO_ROOT / "openapi.json").read_text(encoding="utf-8"))
    named = []
    for node in _walk(document):
        for name, schema in (node.get("properties") or {}).items():
            if isinstance(schema, dict) and "title" in schema:
                named.append((name, schema["title"]))
        if "in" in node and "name" in node and "title" in node.get("schema", {}):
            named.append((node["name"], node["schema"]["title"]))
        for key in ("description", "summary"):
            assert "``" not in str(node.get(key, "")), node.get(key)
    assert ("orderId", "Order ID") in named and ("returnShippingPaidBy", "Return shipping paid by") in named
    for name, title in named:
        assert title == openapi.readable_title(name), (name, title)
    assert openapi.readable_title("Idempotency-Key") == "Idempotency key"


def test_every_body_has_an_example_that_the_api_accepts_or_gives():
    from returns_core.order import OrderSnapshot
    from returns_core.refunds.models import Quote
    from returns_service.api import cancellations as cancellation_models
    from returns_service.api import common, models
    from returns_service.cancellations.views import CancellationView
    from returns_service.models import ReturnView
    from tools.openapi_examples import EXAMPLES, ORDER

    document = json.loads((REPO_ROOT / "openapi.json").read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = {"request": operation.get("requestBody")} | operation["responses"]
            for which, body in bodies.items():
                media = (body or {}).get("content", {}).get("application/json")
                if media is not None:
                    assert "example" in media, (method, path, which)
    known = {"Quote": Quote, "ReturnView": ReturnView, "CancellationView": CancellationView} | {
        name: getattr(module, name)
        for module in (models, common, cancellation_models)
        for name in EXAMPLES
        if hasattr(module, name)
    }
    assert set(known) == set(EXAMPLES), set(EXAMPLES) - set(known)
    for name, example in EXAMPLES.items():
        known[name].model_validate(example)
    OrderSnapshot.model_validate(ORDER)
    quote = document["paths"]["/orders/{orderId}/return-quotes"]["post"]
    assert quote["responses"]["200"]["content"]["application/json"]["example"]["refundAmount"] == "0.00"

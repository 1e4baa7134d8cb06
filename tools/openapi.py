"""``make openapi``: the OpenAPI document of the whole HTTP API, generated from the code.

The API functions each own a Powertools resolver; their schemas (routes, pydantic request
and response models, error bodies) are merged into one document. The output is deterministic
(sorted keys, fixed info) so ``openapi.json`` is committed and a test fails when it is stale.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = (
    "storefront_api",
    "cs_api",
    "warehouse_api",
    "cancellations_api",
    "cs_cancellations_api",
    "cancellation_callbacks_api",
)
TITLE = "Returns service HTTP API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Storefront (customers), CS console (JWT group `cs`) and the signed callbacks (warehouse "
    "receipts, fulfilment's and delivery's answers to a cancellation) of the returns service: "
    "returns after delivery and cancellations before it. Errors are "
    '`{"error": {"code", "message", "details"}}`; every response carries an `x-correlation-id` header.'
)
# Powertools documents request validation as 422 HTTPValidationError; this API answers 400 with
# the contract's error body instead, so those entries are dropped.
_POWERTOOLS_VALIDATION_REF = "#/components/schemas/HTTPValidationError"


def _load_resolver(function: str) -> Any:
    """The ``app`` resolver of ``functions/<function>/app.py`` (each is a module named ``app``, so
    they are loaded under names of their own)."""
    shared = str(ROOT / "layers" / "shared")
    if shared not in sys.path:
        sys.path.insert(0, shared)
    path = ROOT / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"_openapi_{function}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def document() -> dict[str, Any]:
    """The merged OpenAPI 3.1 document as a JSON-ready dict."""
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    schemes = {
        "jwt": HTTPBearer(
            bearerFormat="JWT",
            description="Verified by the HTTP API's JWT authorizer; `sub` is the customer id, "
            "`cognito:groups` must hold `cs` for /cs routes.",
        )
    }
    merge = OpenAPIMerge(title=TITLE, version=VERSION, description=DESCRIPTION, on_conflict="error")
    for function in FUNCTIONS:
        resolver = _load_resolver(function)
        text = resolver.get_openapi_json_schema(title=TITLE, version=VERSION, security_schemes=schemes)
        merge.add_schema(json.loads(text))
    merged: dict[str, Any] = merge.get_openapi_schema()
    _drop_powertools_validation_errors(merged)
    _readable(merged)
    _add_examples(merged)
    return merged


# -- for people: titles, Markdown, examples ---------------------------------------------------

_ACRONYMS = {"id": "ID", "ids": "IDs", "sku": "SKU", "url": "URL", "pop": "POP"}


def machine_title(name: str) -> str:
    """The title pydantic and Powertools derive from a field name (`orderId` -> `Orderid`)."""
    return name.replace("_", " ").title()


def readable_title(name: str) -> str:
    """`orderId` -> `Order ID`, `returnShippingPaidBy` -> `Return shipping paid by`."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name.replace("-", " ").replace("_", " "))
    spoken = [_ACRONYMS.get(word.lower(), word.lower()) for word in words]
    if spoken and spoken[0] == spoken[0].lower():
        spoken[0] = spoken[0].capitalize()
    return " ".join(spoken)


def markdown(text: str) -> str:
    """Docstrings write literals RST-style (``x``); OpenAPI descriptions are Markdown (`x`)."""
    return re.sub(r"``(.+?)``", r"`\1`", text, flags=re.DOTALL)


def _readable(node: Any, name: str | None = None) -> None:
    """Readable titles for properties and parameters, Markdown descriptions, everywhere."""
    if isinstance(node, list):
        for item in node:
            _readable(item)
        return
    if not isinstance(node, dict):
        return
    if name is not None and node.get("title") == machine_title(name):
        node["title"] = readable_title(name)
    for key in ("description", "summary"):
        if isinstance(node.get(key), str):
            node[key] = markdown(node[key])
    if "in" in node and "name" in node and isinstance(node.get("schema"), dict):  # a parameter
        _readable(node["schema"], str(node["name"]))
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            for prop, schema in value.items():
                _readable(schema, prop)
        elif key != "schema" or "in" not in node:
            _readable(value)
    if node.get("title") == "Return" and "anyOf" in node:  # Powertools' name for a union answer
        del node["title"]


def _add_examples(schema: dict[str, Any]) -> None:
    """Each component with an example carries it (`examples`), and so does every request and
    response body that is that component (`example`, what Swagger UI fills in)."""
    from tools.openapi_examples import EXAMPLES

    components = schema.get("components", {}).get("schemas", {})
    for name, example in EXAMPLES.items():
        if name in components:
            components[name]["examples"] = [example]
    prefix = "#/components/schemas/"
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
            for body in bodies:
                media = body.get("content", {}).get("application/json")
                if not media:
                    continue
                ref = media.get("schema", {}).get("$ref", "")
                refs = [ref] if ref else [o.get("$ref", "") for o in media.get("schema", {}).get("anyOf", [])]
                named = [r.removeprefix(prefix) for r in refs if r.removeprefix(prefix) in EXAMPLES]
                if named:
                    media["example"] = EXAMPLES[named[0]]


def _drop_powertools_validation_errors(schema: dict[str, Any]) -> None:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            for status, response in list(responses.items()):
                content = response.get("content", {}).get("application/json", {})
                if content.get("schema", {}).get("$ref") == _POWERTOOLS_VALIDATION_REF:
                    del responses[status]
    _prune_unreferenced(schema)


def _prune_unreferenced(schema: dict[str, Any]) -> None:
    """Keep only the component schemas the paths reach (directly or through other schemas)."""
    schemas: dict[str, Any] = schema.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    reached: set[str] = set()
    pending = [schema.get("paths", {})]
    while pending:
        text = json.dumps(pending.pop())
        for name in schemas:
            if name not in reached and f'"{prefix}{name}"' in text:
                reached.add(name)
                pending.append(schemas[name])
    for name in set(schemas) - reached:
        del schemas[name]


def render() -> str:
    """The document as ``openapi.json`` holds it."""
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()

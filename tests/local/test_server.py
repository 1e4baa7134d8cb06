"""The local server without a socket: the JWT authorizer emulation, the local-only routes and the
seeding of orders, on the harness's fixture template (tests/local/fixture)."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import server
from local import server as server_module
from local.orders import load_example_orders, moved_to_present, publish_order
from local.server import LocalService, TokenError, bearer_token, issue_token, verify_token
from local.stack import MOTO_CONFIG, REPO_ROOT, Stack, deploy

FIXTURE = Path(__file__).parent / "fixture" / "template.yaml"
ISSUER = "https://issuer.example.com"
AUDIENCE = ["storefront", "cs-console"]


@pytest.fixture
def fixture_stack() -> Iterator[Stack]:
    with mock_aws(config=MOTO_CONFIG):
        deployed = deploy(template=FIXTURE)
        try:
            yield deployed
        finally:
            deployed.close()


@pytest.fixture
def service(fixture_stack: Stack) -> LocalService:
    return LocalService(fixture_stack, "http://127.0.0.1:3999", key="test-key")


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "cust-1", "iss": ISSUER, "aud": "storefront", "iat": now, "exp": now + 60, **extra}


def test_tokens_round_trip_and_every_refusal_has_a_reason() -> None:
    token = issue_token(claims(**{"cognito:groups": ["cs"]}), "k")
    assert verify_token(token, issuer=ISSUER, audience=AUDIENCE, key="k")["cognito:groups"] == ["cs"]
    cognito_style = issue_token({**claims(), "aud": None, "client_id": "cs-console"}, "k")
    assert verify_token(cognito_style, issuer=ISSUER, audience=AUDIENCE, key="k")["sub"] == "cust-1"
    refusals = {
        "bad signature": issue_token(claims(), "other-key"),
        "expired": issue_token(claims(exp=int(time.time()) - 1), "k"),
        "not valid yet": issue_token(claims(nbf=int(time.time()) + 60), "k"),
        "issuer": issue_token(claims(iss="https://elsewhere"), "k"),
        "audience": issue_token(claims(aud="someone-else"), "k"),
        "three dot-separated": "abc.def",
        "undecodable": "a.b.c",
    }
    for reason, bad in refusals.items():
        with pytest.raises(TokenError, match=reason):
            verify_token(bad, issuer=ISSUER, audience=AUDIENCE, key="k")
    _, payload, signature = token.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    with pytest.raises(TokenError, match="only HS256"):
        verify_token(f"{none_header}.{payload}.{signature}", issuer=ISSUER, audience=AUDIENCE, key="k")


def test_bearer_token_is_read_with_or_without_the_scheme() -> None:
    assert bearer_token({"Authorization": "Bearer abc"}) == "abc"
    assert bearer_token({"authorization": "abc"}) == "abc"
    assert bearer_token({"Other": "x"}) is None


def test_jwt_routes_take_valid_tokens_only(service: LocalService) -> None:
    token = service.token_for("cust-1", ["cs"])
    ok = service.handle("POST", "/things/t-1", {"Authorization": f"Bearer {token}"}, b'{"a": 1}')
    assert ok.status == 200
    event = ok.json["event"]
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "cust-1"
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] == "[cs]"
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] == ISSUER
    assert json.loads(event["body"]) == {"a": 1}

    forged = issue_token(claims(), "not-the-key")
    expired = service.token_for("cust-1", [], ttl_seconds=-5)
    elsewhere = issue_token(claims(aud="someone-else"), "test-key")
    for headers, why in (
        ({}, "no bearer token in the Authorization header"),
        ({"Authorization": f"Bearer {forged}"}, "the token is refused: bad signature"),
        ({"Authorization": f"Bearer {expired}"}, "the token is refused: expired (or no exp)"),
        (
            {"Authorization": f"Bearer {elsewhere}"},
            "the token is refused: audience 'someone-else' is not one",
        ),
        ({"Authorization": "Bearer a.b"}, "the token is refused: not a JWT"),
    ):
        refused = service.handle("POST", "/things/t-1", headers, b"{}")
        assert (refused.status, refused.json) == (401, {"message": "Unauthorized"})
        challenge = refused.headers["www-authenticate"]
        assert challenge.startswith(f'Bearer error="invalid_token", error_description="{why}'), challenge
        assert challenge.count('"') == 4, "the description is one quoted string"

    open_route = service.handle("GET", "/open/x?y=1&y=2", {"Authorization": "Bearer junk"}, b"")
    assert open_route.status == 200
    assert open_route.json["event"]["queryStringParameters"] == {"y": "1,2"}
    assert service.handle("GET", "/nowhere", {}, b"").status == 404


def test_local_token_route(service: LocalService) -> None:
    answer = service.handle("POST", "/_local/tokens", {}, b'{"sub": "agent-1", "groups": ["cs"]}')
    assert answer.status == 200
    token_claims = verify_token(answer.json["token"], issuer=ISSUER, audience=AUDIENCE, key="test-key")
    assert (token_claims["sub"], token_claims["cognito:groups"]) == ("agent-1", ["cs"])
    assert service.handle("POST", "/_local/tokens", {}, b'{"groups": []}').status == 400
    assert service.handle("POST", "/_local/tokens", {}, b'{"sub": "x", "groups": "cs"}').status == 400
    assert service.handle("POST", "/_local/tokens", {}, b"not json").status == 400
    assert service.handle("GET", "/_local/nothing", {}, b"").status == 404


def test_local_orders_go_through_the_bus_and_events_are_listed(service: LocalService) -> None:
    snapshot = {"orderId": "O-1", "customerId": "cust-1", "version": 1}
    answer = service.handle("POST", "/_local/orders", {}, json.dumps(snapshot).encode())
    assert (answer.status, answer.json["orderId"]) == (202, "O-1")
    stored = boto3.client("dynamodb").query(
        TableName="fixture-items-test",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "shop.orders"}},
    )["Items"]
    assert json.loads(stored[0]["body"]["S"])["detail"] == snapshot
    failing = service.handle("POST", "/_local/orders", {}, b'{"orderId": "O-BAD"}')
    assert failing.status == 422 and "told to explode" in failing.json["message"]
    listed = service.handle("GET", "/_local/events?detailType=Order%20Updated", {}, b"")
    assert [e["Detail"]["orderId"] for e in listed.json["events"]] == ["O-1", "O-BAD"]
    assert service.handle("GET", "/_local/events?source=nobody", {}, b"").json == {"events": []}


def test_docs_work_without_internet(service: LocalService) -> None:
    """Swagger UI from the pinned package, nothing from a CDN, and a way to the document if its
    script does not run."""
    docs = service.handle("GET", "/docs", {}, b"")
    assert docs.status == 200 and docs.headers["content-type"].startswith("text/html")
    assert re.findall(r"(?:src|href)=\"([^\"]+)\"", docs.text) == [
        "/docs/swagger-ui.css",
        "/openapi.json",
        "/openapi.json",
        "/docs/swagger-ui-bundle.js",
    ]
    assert "http://" not in docs.text and "https://" not in docs.text and "//unpkg" not in docs.text
    assert "<noscript>" in docs.text and "If this stays, its script did not run" in docs.text
    script = service.handle("GET", "/docs/swagger-ui-bundle.js", {}, b"")
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in script.text and len(script.text) > 500_000
    version = re.search(r'version:"(5\.[0-9]+\.[0-9]+)"', script.text) or re.search(
        r'"(5\.[0-9]+\.[0-9]+)"', script.text
    )
    assert version is not None, "Swagger UI 5 (renders OpenAPI 3.1)"
    css = service.handle("GET", "/docs/swagger-ui.css", {}, b"")
    assert (
        css.status == 200 and css.headers["content-type"].startswith("text/css") and ".swagger-ui" in css.text
    )


def test_docs_and_openapi(service: LocalService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = service.handle("GET", "/docs", {}, b"")
    assert docs.status == 200 and "swagger-ui" in docs.text and "/openapi.json" in docs.text
    monkeypatch.setattr(server, "OPENAPI_PATH", tmp_path / "missing.json")
    assert "make openapi" in service.handle("GET", "/openapi.json", {}, b"").json["message"]
    (tmp_path / "openapi.json").write_text('{"openapi": "3.1.0"}')
    monkeypatch.setattr(server, "OPENAPI_PATH", tmp_path / "openapi.json")
    assert service.handle("GET", "/openapi.json", {}, b"").json == {"openapi": "3.1.0"}


def test_examples_move_to_the_present_keeping_their_spacing() -> None:
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    original = load_example_orders()["O-SEED-1"]
    moved = moved_to_present(original, now)
    assert moved["deliveredAt"] == "2030-01-09T12:00:00Z"

    def gap(snapshot: dict[str, Any]) -> float:
        parse = datetime.fromisoformat
        return (parse(snapshot["deliveredAt"]) - parse(snapshot["placedAt"])).total_seconds()

    assert gap(moved) == gap(original)
    assert {k: v for k, v in moved.items() if k not in ("placedAt", "deliveredAt")} == {
        k: v for k, v in original.items() if k not in ("placedAt", "deliveredAt")
    }
    undelivered = next(o for o in load_example_orders().values() if not o.get("deliveredAt"))
    assert moved_to_present(undelivered, now)["placedAt"] == "2030-01-09T12:00:00Z"


def test_publishing_without_an_order_consumer_says_so(fixture_stack: Stack) -> None:
    boto3.client("events").disable_rule(
        Name="returns-service-SinkFunction-Orders", EventBusName="fixture-test"
    )
    with pytest.raises(LookupError, match="order-sync is not deployed"):
        publish_order(fixture_stack, {"orderId": "O-1"})


def test_local_parameters_keep_to_the_template_and_take_overrides() -> None:
    chosen = server.local_parameters(FIXTURE, "http://127.0.0.1:4000", "Flavour=fancy Stage=x")
    assert chosen == {"Flavour": "fancy", "Stage": "x"}  # the fixture declares none of LOCAL_PARAMETERS
    real = server.local_parameters(REPO_ROOT / "template.yaml", "http://127.0.0.1:4000")
    assert real["CallbackBaseUrl"] == "http://127.0.0.1:4000"
    assert real["ReviewTimeoutSeconds"] == "600"
    assert real["LogLevel"] == "WARNING", "quiet by default"
    assert (
        server.local_parameters(REPO_ROOT / "template.yaml", "http://x", verbose=True)["LogLevel"] == "INFO"
    )
    with pytest.raises(ValueError, match="not Name=value"):
        server.local_parameters(FIXTURE, "http://x", "Flavour")


def test_64_simultaneous_connections_are_all_queued_and_served(service: LocalService) -> None:
    """A burst of clients while the server is busy waits in the listen backlog: none is reset
    or left unanswered (socketserver's default backlog of 5 dropped all but six)."""
    server = server_module.make_server(service, "127.0.0.1", 0)
    port = server.server_address[1]
    clients: list[socket.socket] = []
    serving: threading.Thread | None = None
    try:
        for _ in range(64):  # all connected before the server accepts a single one
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        for client in clients:
            client.sendall(b"GET /open/x HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
        statuses = []
        for client in clients:
            with client.makefile("rb") as answer:
                statuses.append(answer.readline().split()[1])
        assert statuses == [b"200"] * 64
    finally:
        for client in clients:
            client.close()
        if serving is not None:
            server.shutdown()
        server.server_close()


def test_make_run_on_a_port_in_use_says_which_and_suggests_another() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "local.server"],
            cwd=REPO_ROOT,
            env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use; try another: PORT=" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert "Routes:" not in run.stdout, "nothing is deployed before the port is known to be free"
    assert time.monotonic() - started < 30


def test_local_orders_take_every_status_and_the_routes_answer_by_it() -> None:
    """On the real template: an order in any status reaches the tables (an unpaid one without
    payments); a cancellation quote then answers as contract section 7 says for that status."""
    from returns_service.store import orders as order_store

    expected = {"PLACED": 200, "PAID": 200, "SHIPPED": 200, "DELIVERED": 409, "CANCELLED": 409}
    with mock_aws(config=MOTO_CONFIG):
        stack = deploy()
        try:
            service = LocalService(stack, "http://127.0.0.1:3999")
            example = load_example_orders()["O-PAID-7"]
            token = service.token_for(example["customerId"], [])
            for status, answer in expected.items():
                snapshot = moved_to_present({**example, "orderId": f"O-{status}", "status": status})
                if status == "PLACED":
                    snapshot["payments"] = []
                if status == "DELIVERED":
                    snapshot["deliveredAt"] = snapshot["placedAt"]
                posted = service.handle("POST", "/_local/orders", {}, json.dumps(snapshot).encode())
                assert posted.status == 202, posted.text
                stored = order_store.load(f"O-{status}")
                assert stored is not None and stored.snapshot.status == status
                quoted = service.handle(
                    "POST",
                    f"/orders/O-{status}/cancellation-quotes",
                    {"Authorization": f"Bearer {token}", "content-type": "application/json"},
                    b'{"reason": "other"}',
                )
                assert quoted.status == answer, (status, quoted.text)
            unpaid_but_paid = {**example, "orderId": "O-NO-PAYMENTS", "payments": []}
            refused = service.handle("POST", "/_local/orders", {}, json.dumps(unpaid_but_paid).encode())
            assert refused.status == 422 and "must list its payments" in refused.json["message"]
        finally:
            stack.close()

"""`make run`: the whole returns service on http://127.0.0.1:$PORT, in one process, on moto.

template.yaml is deployed into moto with local/stack.py (the same harness the tests use) and every
request goes through `stack.http`, so routes, handlers, the workflow and the tables are the real
ones. Only the edges are emulated, with the standard library:

- the JWT authorizer: `Authorization: Bearer <jwt>` must be an HS256 token signed with the local
  development key (issuer and audience from the template's authorizer); 401 otherwise on JWT routes;
- the order system: `POST /_local/orders` puts a snapshot in any status (an unpaid PLACED one
  has no payments yet) on the bus (`shop.orders` / `Order Updated`), so it reaches the tables
  through order-sync; the example orders of events/orders/ are seeded that way at start, moved
  to the present;
- `POST /_local/tokens` issues tokens, `GET /_local/events` shows what the service published,
  `GET /docs` is a Swagger UI for openapi.json (`make openapi`), its assets served from the pinned
  Powertools package (no CDN: it works offline);
- Firehose: the analytics records land in `.local/analytics/` (emptied at start; or
  $ANALYTICS_LOCAL_DIR, kept as it is), laid out as the S3 bucket, where the analytics route and
  `python -m returns_service.analytics` read them with DuckDB.

Connections are taken concurrently (a thread each, a listen backlog of BACKLOG, so a burst of
clients is queued rather than reset), but requests into the stack run one at a time (a lock
around `stack.http` and publishing): each function's Powertools resolver keeps the current event
on a module-level object, as one Lambda instance handles one event at a time, and moto's
backends other than DynamoDB (which the harness serialises) are not made for concurrent writers.
The local-only routes that only read (`/_local/events`, `/docs`, `/openapi.json`, tokens) need
no lock: the recorded events have their own.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local import console
from local.httpapi import HttpResponse, select_route
from local.orders import load_example_orders, moved_to_present, publish_order
from local.payments import FakePaymentProvider
from local.stack import MOTO_CONFIG, NO_TOKEN, REPO_ROOT, Stack, deploy
from local.template import load_template
from local.tokens import DEV_KEY, TokenError, bearer_token, issue_token, verify_token

__all__ = [
    "DEV_KEY",
    "LocalService",
    "TokenError",
    "bearer_token",
    "issue_token",
    "make_server",
    "verify_token",
]

TOKEN_TTL_SECONDS = 12 * 3600
DEFAULT_PORT = 3000
BACKLOG = 128  # pending connections the kernel queues (socketserver's default, 5, resets bursts)
OPENAPI_PATH = REPO_ROOT / "openapi.json"
DEFAULT_RECORDS_DIR = REPO_ROOT / ".local" / "analytics"
DEMO_TOKENS = {
    "cust-1001": {"sub": "cust-1001", "groups": []},
    "cust-1002": {"sub": "cust-1002", "groups": []},
    "agent-1 (cs)": {"sub": "agent-1", "groups": ["cs"]},
}

# Template parameters set for the local stack when the template declares them: signed callback
# URLs pointing here, and time limits a person can wait out (a review that times out after two
# days is right in production and useless on a laptop). PaymentApiUrl is the fake provider's.
LOCAL_PARAMETERS: dict[str, str] = {
    # One short line per request from the server itself; the functions' JSON logs (~500
    # characters a request) only with VERBOSE=1.
    "LogLevel": "WARNING",
    "ReviewTimeoutSeconds": "600",
    "ReceiptTimeoutSeconds": "3600",
    "SellerReceiptTimeoutSeconds": "3600",
    "FulfilmentStopTimeoutSeconds": "600",
    "InterceptionTimeoutSeconds": "900",
    "StepRetryIntervalSeconds": "1",
    "RefundRetryIntervalSeconds": "2",
    "RefundRetryMaxAttempts": "2",
}

# Swagger UI for /docs, served from here, never from a CDN: the assets Powertools ships (pinned
# with it in layers/shared/requirements.txt), so /docs works without internet.
SWAGGER_ASSETS: dict[str, tuple[str, str]] = {
    "/docs/swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
    "/docs/swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "text/javascript; charset=utf-8"),
}
SWAGGER_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Returns service (local): HTTP API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui">
    <p id="docs-fallback" style="font-family: sans-serif; margin: 2em">
      Loading Swagger UI&hellip; If this stays, its script did not run (blocked or not loaded):
      the API is described by <a href="/openapi.json">/openapi.json</a>.
    </p>
  </div>
  <noscript>
    <p>Swagger UI needs JavaScript: the API is described by <a href="/openapi.json">/openapi.json</a>.</p>
  </noscript>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    if (window.SwaggerUIBundle) {
      window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true});
    }
  </script>
</body>
</html>
"""


def swagger_asset(path: str) -> HttpResponse | None:
    """A Swagger UI file of the Powertools package, or None for another path."""
    if path not in SWAGGER_ASSETS:
        return None
    name, content_type = SWAGGER_ASSETS[path]
    package = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    text = package.joinpath(name).read_text(encoding="utf-8")
    return HttpResponse.of(200, {"content-type": content_type, "cache-control": "max-age=86400"}, text)


# ---------------------------------------------------------------------------------------------
# The local service: everything but the socket, so it can be tested without one
# ---------------------------------------------------------------------------------------------
class LocalService:
    """Answers HTTP requests for the local stack: local-only routes, then the template's API."""

    def __init__(self, stack: Stack, base_url: str, key: str = DEV_KEY) -> None:
        self.stack = stack
        self.base_url = base_url.rstrip("/")
        self.key = key
        self._lock = threading.Lock()
        authorizers = list(stack.authorizers.values())
        self.issuer: str | None = authorizers[0]["issuer"] if authorizers else None
        self.audience: list[str] = list(authorizers[0]["audience"]) if authorizers else []

    def token_for(self, sub: str, groups: list[str], ttl_seconds: int = TOKEN_TTL_SECONDS) -> str:
        """A token as the identity provider would issue it for `sub` (Cognito-style groups claim)."""
        now = int(time.time())
        claims: dict[str, Any] = {"sub": sub, "iat": now, "exp": now + ttl_seconds, "token_use": "id"}
        if self.issuer:
            claims["iss"] = self.issuer
        if self.audience:
            claims["aud"] = self.audience[0]
        if groups:
            claims["cognito:groups"] = list(groups)
        return issue_token(claims, self.key)

    def seed_examples(self) -> list[str]:
        """Put every example order on the bus, moved to the present; the ids seeded."""
        seeded = []
        for order_id, snapshot in load_example_orders().items():
            publish_order(self.stack, moved_to_present(snapshot))
            seeded.append(order_id)
        return seeded

    def seed_sample_returns(self) -> list[dict[str, str]]:
        """Sample returns for the CS console (local/console.py), asked for over this service's API."""

        def publish(snapshot: dict[str, Any]) -> None:
            with self._lock:
                publish_order(self.stack, snapshot)

        return console.seed_sample_returns(self.handle, self.token_for, publish, self.callback_path)

    def callback_path(self, return_id: str) -> str | None:
        """The signed receipt path (with its query) published for `return_id`, once it is."""
        for event in reversed(self.stack.events_of("Return Awaiting Receipt")):
            if event["Detail"].get("returnId") == return_id:
                url = urlsplit(str(event["Detail"]["callbackUrl"]))
                return f"{url.path}?{url.query}"
        return None

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> HttpResponse:
        """One request: `target` is the request line's path with its query string."""
        split = urlsplit(target)
        path = split.path or "/"
        query = {
            k: v if len(v) > 1 else v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()
        }
        static = console.serve(method.upper(), path)
        if static is not None:
            return static
        asset = swagger_asset(path) if method.upper() == "GET" else None
        if asset is not None:
            return asset
        if path.startswith("/_local/") or path in ("/docs", "/docs/", "/openapi.json"):
            return self._local(method.upper(), path, query, body)
        claims = self._claims(method, path, headers)
        if isinstance(claims, HttpResponse):
            return claims
        raw_body: str | bytes | None = None
        if body:
            try:
                raw_body = body.decode("utf-8")
            except UnicodeDecodeError:
                raw_body = body
        with self._lock:
            return self.stack.http(
                method, path, raw_body=raw_body, headers=headers, query=query, claims=claims
            )

    def _claims(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> dict[str, Any] | HttpResponse | None:
        """The JWT authorizer: the claims of a valid token for a JWT route, its 401 (saying why in
        `WWW-Authenticate`) for a missing or refused token; None for an open route."""
        chosen = select_route(self.stack.routes, method, path)
        if chosen is None or chosen[0].authorizer is None:
            return None
        token = bearer_token(headers)
        if token is None:
            return HttpResponse.unauthorized(NO_TOKEN)
        authorizer = self.stack.authorizers.get(chosen[0].authorizer, {})
        try:
            return verify_token(
                token,
                issuer=authorizer.get("issuer", self.issuer),
                audience=list(authorizer.get("audience", self.audience)),
                key=self.key,
            )
        except TokenError as exc:
            print(f"  401: token refused: {exc}", file=sys.stderr)
            return HttpResponse.unauthorized(f"the token is refused: {exc}")

    def _local(self, method: str, path: str, query: Mapping[str, Any], body: bytes) -> HttpResponse:
        route = (method, path.rstrip("/") or "/")
        if route == ("GET", "/docs"):
            return HttpResponse.of(200, {"content-type": "text/html; charset=utf-8"}, SWAGGER_HTML)
        if route == ("GET", "/openapi.json"):
            if not OPENAPI_PATH.is_file():
                return _error(404, "openapi.json not found: run `make openapi` first")
            return HttpResponse.of(200, {"content-type": "application/json"}, OPENAPI_PATH.read_text("utf-8"))
        if route == ("GET", "/_local/health"):
            return _json(200, {"ready": True, "routes": len(self.stack.routes)})
        if route == ("GET", "/_local/events"):
            events = self.stack.events_of(query.get("detailType"), query.get("source"))
            for key in ("returnId", "cancellationId"):
                if query.get(key):
                    events = [e for e in events if e["Detail"].get(key) == query[key]]
            return _json(200, {"events": events})
        if route == ("POST", "/_local/tokens"):
            request = _parse_object(body)
            if isinstance(request, HttpResponse):
                return request
            sub, groups = request.get("sub"), request.get("groups", [])
            if not isinstance(sub, str) or not sub:
                return _error(400, "sub (a non-empty string) is required")
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                return _error(400, "groups must be a list of strings")
            ttl = request.get("ttlSeconds", TOKEN_TTL_SECONDS)
            if not isinstance(ttl, int) or isinstance(ttl, bool):
                return _error(400, "ttlSeconds must be an integer")
            return _json(200, {"token": self.token_for(sub, groups, ttl)})
        if route == ("POST", "/_local/orders"):
            snapshot = _parse_object(body)
            if isinstance(snapshot, HttpResponse):
                return snapshot
            try:
                with self._lock:
                    event_id = publish_order(self.stack, snapshot)
            except LookupError as exc:
                return _error(503, str(exc))
            except RuntimeError as exc:
                return _error(422, str(exc))
            return _json(202, {"eventId": event_id, "orderId": snapshot.get("orderId")})
        return _error(404, f"no local route {method} {path}")


def _json(status: int, document: Any) -> HttpResponse:
    return HttpResponse.of(
        status, {"content-type": "application/json"}, json.dumps(document, ensure_ascii=False)
    )


def _error(status: int, message: str) -> HttpResponse:
    return _json(status, {"message": message})


def _parse_object(body: bytes) -> dict[str, Any] | HttpResponse:
    try:
        document = json.loads(body or b"null")
    except ValueError as exc:
        return _error(400, f"body is not JSON: {exc}")
    if not isinstance(document, dict):
        return _error(400, "body must be a JSON object")
    return document


# ---------------------------------------------------------------------------------------------
# The socket side
# ---------------------------------------------------------------------------------------------
def _handler_class(service: LocalService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "returns-local"

        def _dispatch(self) -> None:
            started = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name: value for name, value in self.headers.items()}
            try:
                response = service.handle(self.command, self.path, headers, body)
            except Exception as exc:  # the stack answers 500 itself; this is the harness failing
                print(f"local server error: {type(exc).__name__}: {exc}", file=sys.stderr)
                response = _error(500, "local server error (see its console)")
            payload = response.body
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    if name not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client left: one line, no traceback
                self.close_connection = True
                print(f"{self.command} {self.path} -> {response.status}: the client left first", flush=True)
                return
            elapsed = (time.monotonic() - started) * 1000
            print(f"{self.command} {self.path} -> {response.status} ({elapsed:.0f} ms)", flush=True)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: `_dispatch` prints one line per request."""

    return Handler


class LocalHTTPServer(ThreadingHTTPServer):
    """A thread per connection and a deep listen backlog."""

    request_queue_size = BACKLOG
    daemon_threads = True


class PortUnavailable(OSError):
    """The port cannot be listened on; the message says which and what to do."""


def make_server(service: LocalService | None, host: str, port: int) -> LocalHTTPServer:
    """The HTTP server of the local stack (`port` 0 picks a free one: `server.server_address`).

    Without a service it only holds the port (bound and listening) until `serve(server, service)`:
    `make run` takes the port before it spends seconds deploying the stack."""
    handler = _handler_class(service) if service is not None else BaseHTTPRequestHandler
    try:
        return LocalHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
        other = _free_port(host, port)
        hint = f"try another: PORT={other} make run" if other else "set PORT to a free port"
        raise PortUnavailable(exc.errno, f"port {port} on {host} {why}; {hint}") from None


def serve(server: LocalHTTPServer, service: LocalService) -> None:
    """Answer with `service` on a server made by `make_server(None, ...)`."""
    server.RequestHandlerClass = _handler_class(service)


def _free_port(host: str, taken: int) -> int | None:
    """The first port after `taken` that can be listened on (a suggestion; None if none near)."""
    for candidate in range(taken + 1, min(taken + 50, 65536)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def _seed_samples(service: LocalService) -> None:
    """In the background once serving: the console's sample returns take a few workflow steps."""
    try:
        samples = service.seed_sample_returns()
    except Exception as exc:  # the stack stopping under it, or a sample refused: say so, serve on
        print(f"warning: sample returns not seeded: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return
    listed = ", ".join(f"{s['returnId']} ({s['orderId']}, {s['status']})" for s in samples)
    print(f"Sample returns for the CS console: {listed}", flush=True)


def local_parameters(
    template_path: Path, base_url: str, overrides: str = "", *, verbose: bool = False
) -> dict[str, str]:
    """LOCAL_PARAMETERS (+ CallbackBaseUrl = this server; the functions' INFO logs when
    `verbose`) restricted to what the template declares, then `overrides` ("Name=value
    Name=value", from $STACK_PARAMETERS) as given: a name the template does not declare is refused
    by deploy()."""
    declared = load_template(template_path).get("Parameters") or {}
    wanted = {**LOCAL_PARAMETERS, "CallbackBaseUrl": base_url}
    if verbose:
        wanted["LogLevel"] = "INFO"
    chosen = {name: value for name, value in wanted.items() if name in declared}
    for pair in overrides.split():
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValueError(f"STACK_PARAMETERS: {pair!r} is not Name=value")
        chosen[name] = value
    return chosen


def _time_limits(parameters: Mapping[str, Any]) -> list[str]:
    """What a person trying the API locally must know: returns move on by themselves."""
    review = int(parameters.get("ReviewTimeoutSeconds", 0) or 0)
    receipt = int(parameters.get("ReceiptTimeoutSeconds", 0) or 0)
    seller = int(parameters.get("SellerReceiptTimeoutSeconds", 0) or 0)
    if not review:
        return []
    return [
        f"Time limits: a return not reviewed within {_duration(review)} is approved automatically"
        + (f"; nothing received within {_duration(receipt)} after approval -> EXPIRED." if receipt else ".")
        + (
            f" POP: a seller who records no receipt within {_duration(seller)} of the customer's parcel"
            " registration -> taken as received intact and refunded."
            if seller
            else ""
        ),
        "  Longer: STACK_PARAMETERS='ReviewTimeoutSeconds=86400 ReceiptTimeoutSeconds=86400' make run",
    ]


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds} s ({seconds // 3600} hour{'s' if seconds != 3600 else ''})"
    if seconds % 60 == 0:
        return f"{seconds} s ({seconds // 60} minute{'s' if seconds != 60 else ''})"
    return f"{seconds} s"


def _banner(service: LocalService, seeded: list[str], port_url: str) -> str:
    lines = [f"Returns service (local, moto) on {port_url}", "", "Routes:"]
    for route in sorted(service.stack.routes, key=lambda r: (r.path, r.method)):
        auth = "JWT" if route.authorizer else "open"
        lines.append(f"  {route.method:6} {route.path:45} {auth:4}  -> {route.function}")
    lines += [
        "",
        "Local only:",
        '  POST   /_local/tokens   {"sub": "cust-1001", "groups": []}  -> {"token": ...}',
        "  GET    /_local/events   (?detailType=Return%20Awaiting%20Receipt, ...&returnId=R-...)",
        "  POST   /_local/orders   <order snapshot in any status>  (put on the bus as the order system does)",
        "  GET    /docs            Swagger UI of /openapi.json (served from here: no internet needed)",
        "",
        f"CS console: {port_url}/console/ (sign in as a local agent; sample returns are being asked for)",
        "",
        f"Analytics records (as Firehose writes them to S3): {service.stack.records_dir}",
        "  PYTHONPATH=layers/shared .venv/bin/python -m returns_service.analytics"
        " --from YYYY-MM-DD --to YYYY-MM-DD --group-by brand",
        "",
        f"Seeded orders (moved to the present): {', '.join(seeded) if seeded else 'none'}",
        "",
        *_time_limits(service.stack.parameters),
        "Everything is in memory: stop (Ctrl-C) and start again for a clean state.",
        "",
        f"Tokens (valid {TOKEN_TTL_SECONDS // 3600} h):",
    ]
    for label, spec in DEMO_TOKENS.items():
        lines.append(f"  {label}: {service.token_for(str(spec['sub']), list(spec['groups']))}")
    lines += ["", f'  curl -H "Authorization: Bearer $TOKEN" {port_url}/returns?orderId=O-SEED-1', ""]
    return "\n".join(lines)


def records_dir() -> Path:
    """Where the Firehose streams write: $ANALYTICS_LOCAL_DIR as it is, else `.local/analytics`
    emptied (its records are this stack's: moto starts empty too)."""
    chosen = os.environ.get("ANALYTICS_LOCAL_DIR")
    if chosen:
        return Path(chosen)
    shutil.rmtree(DEFAULT_RECORDS_DIR / "records", ignore_errors=True)
    DEFAULT_RECORDS_DIR.mkdir(parents=True, exist_ok=True)
    return DEFAULT_RECORDS_DIR


def main() -> int:
    """Deploy, seed, serve until SIGINT/SIGTERM."""
    from moto import mock_aws

    try:
        port = int(os.environ.get("PORT", str(DEFAULT_PORT)))
    except ValueError:
        print(f"make run: PORT must be a port number, not {os.environ.get('PORT')!r}", file=sys.stderr)
        return 1
    host = os.environ.get("HOST", "127.0.0.1")
    base_url = f"http://{host}:{port}"
    parameters = local_parameters(
        REPO_ROOT / "template.yaml",
        base_url,
        os.environ.get("STACK_PARAMETERS", ""),
        verbose=os.environ.get("VERBOSE", "") not in ("", "0"),
    )
    try:
        server = make_server(None, host, port)  # the port first: nothing is deployed for nothing
    except PortUnavailable as exc:
        print(f"make run: {exc.strerror}", file=sys.stderr)
        return 1
    # The payment provider is outside the service: locally a fake one on 127.0.0.1, which
    # PAYMENT_FAILURES=N (or N:permanent) makes fail its first N refunds.
    payments = FakePaymentProvider(os.environ.get("PAYMENT_FAILURES", "0")).start()
    parameters = {"PaymentApiUrl": payments.url, **parameters}
    with mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters=parameters, records_dir=records_dir())
        service = LocalService(stack, base_url)
        try:
            seeded = service.seed_examples()
        except (LookupError, RuntimeError) as exc:
            print(f"warning: example orders not seeded: {exc}", file=sys.stderr)
            seeded = []
        serve(server, service)

        def stop(signum: int, frame: FrameType | None) -> None:
            print(f"\nstopping ({signal.Signals(signum).name})", flush=True)
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        print(_banner(service, seeded, base_url), flush=True)
        print(
            f"Parameters: {json.dumps(parameters)} (more with STACK_PARAMETERS='Name=value ...')", flush=True
        )
        print(f"ready on {base_url}", flush=True)
        threading.Thread(target=_seed_samples, args=(service,), name="sample-returns", daemon=True).start()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            stack.close()
            payments.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

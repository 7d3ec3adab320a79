"""The local front door: what CloudFront and API Gateway do for the deployed stack, on 127.0.0.1.

- ``/api/*`` is routed like the deployed REST API: its resources, methods and Lambda proxy
  integrations are read back from the emulator, each request becomes an API Gateway proxy
  event for the integrated function, and the function's proxy response becomes the HTTP reply.
- Every other path is the site, read from the site bucket in the emulator (the origin
  CloudFront reads), with the SPA fallback to ``index.html`` and the security headers of the
  CloudFront response headers policy.
- ``/__stub_stripe/confirm`` stands in for Stripe.js's card confirmation in tests and local
  runs (see docs/contracts.md); it confirms the PaymentIntent in localstripe.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from harness.lambda_runner import InvocationError, LambdaRunner
from harness.net import LOOPBACK, free_port

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LAMBDA_URI = re.compile(r"functions/(?P<arn>arn:[^/]+)/invocations")


@dataclass(frozen=True)
class Route:
    """One method on one API Gateway resource, and the function it is integrated with."""

    method: str
    resource_path: str
    pattern: re.Pattern[str]
    function: str

    @classmethod
    def build(cls, method: str, resource_path: str, function: str) -> Route:
        regex = "".join(
            f"(?P<{part[1:-1].rstrip('+')}>.+)"
            if part.endswith("+}")
            else f"(?P<{part[1:-1]}>[^/]+)"
            if part.startswith("{")
            else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", resource_path)
            if part
        )
        return cls(method, resource_path, re.compile(f"^{regex}$"), function)


def read_routes(apigateway: Any, rest_api_id: str) -> list[Route]:
    """Read the REST API's routes and Lambda integrations back from the emulator."""
    routes = []
    resources = apigateway.get_resources(restApiId=rest_api_id, limit=500)["items"]
    for resource in resources:
        for method in resource.get("resourceMethods") or {}:
            integration = apigateway.get_integration(
                restApiId=rest_api_id, resourceId=resource["id"], httpMethod=method
            )
            match = LAMBDA_URI.search(integration.get("uri", ""))
            if integration.get("type") == "AWS_PROXY" and match:
                function = match.group("arn").split(":function:")[1].split(":")[0]
                routes.append(Route.build(method, resource["path"], function))
    # Literal paths before templated ones, as API Gateway prefers the most specific match.
    return sorted(routes, key=lambda r: (r.resource_path.count("{"), -len(r.resource_path)))


@dataclass
class SiteSettings:
    """Where the site comes from and which headers CloudFront adds to it."""

    fetch_object: Callable[[str], tuple[bytes, str] | None]
    security_headers: dict[str, str]


class LocalFrontDoor(ThreadingHTTPServer):
    """HTTP server on 127.0.0.1 that serves the site and routes the API to the functions."""

    daemon_threads = True

    def __init__(
        self,
        runner: LambdaRunner,
        routes: list[Route],
        stage: str,
        site: SiteSettings,
        stub_confirm: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None,
        port: int | None = None,
    ) -> None:
        super().__init__((LOOPBACK, port or free_port()), _Handler)
        self.runner = runner
        self.routes = routes
        self.stage = stage
        self.site = site
        self.stub_confirm = stub_confirm
        self.requests_served = 0
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def start(self) -> LocalFrontDoor:
        self._thread = threading.Thread(target=self.serve_forever, name="front-door", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method in (method, "ANY"):
                found = route.pattern.match(path)
                if found:
                    return route, found.groupdict()
        return None


class _Handler(BaseHTTPRequestHandler):
    server: LocalFrontDoor
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the functions' logs are the interesting ones

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def _dispatch(self) -> None:
        self.server.requests_served += 1
        path = urlsplit(self.path).path
        try:
            if path.startswith("/api/") or path == "/api":
                self._api()
            elif path == "/__stub_stripe/confirm" and self.server.stub_confirm and self.command == "POST":
                self._stub_confirm()
            elif self.command in ("GET", "HEAD"):
                self._site(path)
            else:
                self._reply(HTTPStatus.METHOD_NOT_ALLOWED, b"", {})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def _api(self) -> None:
        body = self._body()
        if body is None:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "Request Too Long"})
            return
        parts = urlsplit(self.path)
        found = self.server.match(self.command, parts.path)
        if found is None:
            # API Gateway's answer for a path/method it does not have.
            self._json(HTTPStatus.FORBIDDEN, {"message": "Missing Authentication Token"})
            return
        route, path_parameters = found
        event = self._proxy_event(route, parts.path, parts.query, path_parameters, body)
        try:
            response = self.server.runner.invoke(route.function, event)
        except (InvocationError, LookupError, OSError):
            self._json(HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})
            return
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(str(v) for v in values)
        payload = response.get("body") or ""
        raw = base64.b64decode(payload) if response.get("isBase64Encoded") else str(payload).encode()
        self._reply(int(response.get("statusCode", 200)), raw, headers)

    def _proxy_event(
        self, route: Route, path: str, query: str, path_parameters: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        headers = {name: value for name, value in self.headers.items()}
        multi_headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            multi_headers.setdefault(name, []).append(value)
        query_pairs = parse_qsl(query, keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for name, value in query_pairs:
            multi_query.setdefault(name, []).append(value)
        try:
            text_body: str | None = body.decode("utf-8") if body else None
            is_base64 = False
        except UnicodeDecodeError:
            text_body, is_base64 = base64.b64encode(body).decode(), True
        now = time.time()
        return {
            "resource": route.resource_path,
            "path": path,
            "httpMethod": self.command,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": dict(query_pairs) or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.resource_path,
                "httpMethod": self.command,
                "path": f"/{self.server.stage}{path}",
                "stage": self.server.stage,
                "requestId": str(uuid.uuid4()),
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": self.client_address[0], "userAgent": self.headers.get("User-Agent")},
            },
            "body": text_body,
            "isBase64Encoded": is_base64,
        }

    def _stub_confirm(self) -> None:
        body = self._body() or b"{}"
        try:
            request = json.loads(body)
        except json.JSONDecodeError:
            self._json(HTTPStatus.BAD_REQUEST, {"error": {"type": "invalid_request_error", "message": "bad JSON"}})
            return
        assert self.server.stub_confirm is not None
        status, payload = self.server.stub_confirm(request)
        self._json(status, payload)

    def _site(self, path: str) -> None:
        key = path.lstrip("/") or "index.html"
        found = self.server.site.fetch_object(key)
        if found is None and "." not in key.rsplit("/", 1)[-1]:
            found = self.server.site.fetch_object("index.html")  # SPA fallback, as CloudFront's error response
        if found is None:
            self._reply(HTTPStatus.NOT_FOUND, b"Not Found", {"Content-Type": "text/plain"})
            return
        content, content_type = found
        headers = {
            "Content-Type": content_type or mimetypes.guess_type(key)[0] or "application/octet-stream",
            **self.server.site.security_headers,
        }
        self._reply(HTTPStatus.OK, content, headers)

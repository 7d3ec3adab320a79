"""The local front door: HTTP on 127.0.0.1 into the emulated CloudFront, and its origins.

- ``url`` stands for the distribution's HTTPS endpoint (TLS itself is not emulated), ``http_url``
  for its plain-HTTP one, so the viewer protocol policy applies as deployed.
- Every method reaches the CloudFront emulator (``harness.cloudfront``), TRACE and unknown ones
  included, so the answer is CloudFront's, never the HTTP server's.
- Origins: an S3 origin is the bucket in the emulator, read as CloudFront's Origin Access Control
  would (the bucket policy must grant the distribution; a missing key is 403 unless the policy
  also grants ``s3:ListBucket``); an ``execute-api`` origin is the API Gateway emulator
  (``harness.apigateway``) of that API id.
- ``POST /__stub_stripe/confirm`` is not CloudFront: it stands in for Stripe.js's card
  confirmation in tests and local runs (docs/contracts.md) and confirms in localstripe.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from harness.apigateway import ApiGateway, RestApi
from harness.cloudfront import CloudFront, FunctionRunner, error_page
from harness.http_messages import HttpRequest, HttpResponse
from harness.net import LOOPBACK, LoopbackHTTPServer, free_port

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from harness.cloudfront import Origin
    from harness.lambda_runner import LambdaRunner

STUB_CONFIRM_PATH = "/__stub_stripe/confirm"
# The largest body the front door reads; API Gateway refuses beyond 10 MB, so read one byte more.
MAX_READ_BYTES = 10 * 1024 * 1024 + 1


def _s3_error(status: int, code: str, message: str) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return HttpResponse(status, [("Content-Type", "application/xml"), ("Server", "AmazonS3")], body.encode())


class S3Origin:
    """A bucket in the emulator as CloudFront reads it through Origin Access Control."""

    def __init__(self, s3: Any, cloudfront: Any, distribution_arn: str) -> None:
        self.s3 = s3
        self.cloudfront = cloudfront
        self.distribution_arn = distribution_arn
        self._grants: dict[tuple[str, str], frozenset[str]] = {}

    def _granted(self, bucket: str, access_control_id: str) -> frozenset[str]:
        """The S3 actions the bucket policy grants this distribution (read once per bucket)."""
        cached = self._grants.get((bucket, access_control_id))
        if cached is not None:
            return cached
        actions: set[str] = set()
        signs = False
        if access_control_id:
            control = self.cloudfront.get_origin_access_control(Id=access_control_id)["OriginAccessControl"]
            signs = control["OriginAccessControlConfig"].get("SigningBehavior") in ("always", "no-override")
        if signs:
            try:
                policy = json.loads(self.s3.get_bucket_policy(Bucket=bucket)["Policy"])
            except self.s3.exceptions.ClientError:
                policy = {"Statement": []}
            for statement in policy.get("Statement") or []:
                if statement.get("Effect") != "Allow" or not _names_cloudfront(statement.get("Principal")):
                    continue
                if not _source_arn_allows(statement.get("Condition") or {}, self.distribution_arn):
                    continue
                listed = statement.get("Action")
                for action in [listed] if isinstance(listed, str) else listed or []:
                    resources = statement.get("Resource")
                    for resource in [resources] if isinstance(resources, str) else resources or []:
                        if fnmatch.fnmatchcase(f"arn:aws:s3:::{bucket}/object", resource):
                            actions.add(action)
                        if fnmatch.fnmatchcase(f"arn:aws:s3:::{bucket}", resource):
                            actions.add(action)
        granted = frozenset(actions)
        self._grants[(bucket, access_control_id)] = granted
        return granted

    def __call__(self, origin: Origin, request: HttpRequest) -> HttpResponse:
        bucket = origin.domain_name.split(".s3.", 1)[0]
        granted = self._granted(bucket, origin.access_control_id)
        if request.method not in ("GET", "HEAD") or not {"s3:GetObject", "s3:*"} & granted:
            return _s3_error(HTTPStatus.FORBIDDEN, "AccessDenied", "Access Denied")
        key = unquote(request.path.lstrip("/"))
        try:
            found = self.s3.get_object(Bucket=bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            if {"s3:ListBucket", "s3:*"} & granted:
                return _s3_error(HTTPStatus.NOT_FOUND, "NoSuchKey", "The specified key does not exist.")
            return _s3_error(HTTPStatus.FORBIDDEN, "AccessDenied", "Access Denied")
        headers = [("Content-Type", found.get("ContentType") or "binary/octet-stream"), ("ETag", found["ETag"])]
        if found.get("CacheControl"):
            headers.append(("Cache-Control", found["CacheControl"]))
        headers.append(("Server", "AmazonS3"))
        return HttpResponse(HTTPStatus.OK, headers, found["Body"].read())


def _names_cloudfront(principal: Any) -> bool:
    if not isinstance(principal, dict):
        return False
    services = principal.get("Service")
    return "cloudfront.amazonaws.com" in ([services] if isinstance(services, str) else services or [])


def _source_arn_allows(conditions: dict[str, Any], distribution_arn: str) -> bool:
    for operator in ("StringEquals", "ArnEquals", "ArnLike", "StringLike"):
        for key, wanted in (conditions.get(operator) or {}).items():
            if key.lower() != "aws:sourcearn":
                continue
            values = [wanted] if isinstance(wanted, str) else wanted
            if not any(fnmatch.fnmatchcase(distribution_arn, v) for v in values):
                return False
    return True


class Origins:
    """Send CloudFront's origin requests where their origin's domain points."""

    def __init__(self, s3_origin: S3Origin, api_gateway: ApiGateway) -> None:
        self.s3_origin = s3_origin
        self.api_gateway = api_gateway

    def __call__(self, origin: Origin, request: HttpRequest) -> HttpResponse:
        if origin.is_s3:
            return self.s3_origin(origin, request)
        if ".execute-api." in origin.domain_name:
            return self.api_gateway.handle(origin.domain_name.split(".", 1)[0], request)
        # Nothing answers at that domain: CloudFront's own 502 page.
        return error_page(
            HTTPStatus.BAD_GATEWAY,
            "The request could not be satisfied.",
            "CloudFront wasn't able to connect to the origin.",
            "local",
        )


class _Listener(LoopbackHTTPServer):
    def __init__(self, door: FrontDoor, scheme: str) -> None:
        super().__init__((LOOPBACK, free_port()), _Handler)
        self.door = door
        self.scheme = scheme

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"


class FrontDoor:
    """Two listeners on 127.0.0.1 (the HTTPS and the HTTP viewer) into one CloudFront emulator."""

    def __init__(
        self,
        cloudfront: CloudFront,
        api_gateway: ApiGateway,
        stub_confirm: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None,
    ) -> None:
        self.cloudfront = cloudfront
        self.api_gateway = api_gateway
        self.stub_confirm = stub_confirm
        self.requests_served = 0
        self._listeners = [_Listener(self, "https"), _Listener(self, "http")]
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """Where the HTTPS viewer connects (plain HTTP on loopback; TLS is not emulated)."""
        return self._listeners[0].url

    @property
    def http_url(self) -> str:
        """Where a plain-HTTP viewer connects."""
        return self._listeners[1].url

    def start(self) -> FrontDoor:
        for listener in self._listeners:
            thread = threading.Thread(target=listener.serve_forever, name=f"front-door-{listener.scheme}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for listener in self._listeners:
            listener.shutdown()
            listener.server_close()
        self.cloudfront.stop()
        self.api_gateway.stop()


def open_front_door(
    session: Any,
    distribution_id: str,
    runner: LambdaRunner,
    stub_confirm: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None,
    log_path: Path | None = None,
) -> FrontDoor:
    """Read the distribution, and every REST API it forwards to, back from the emulator; serve them."""
    cloudfront_client = session.client("cloudfront")
    apis: dict[str, RestApi] = {}
    api_gateway = ApiGateway(apis, runner)
    described = cloudfront_client.get_distribution(Id=distribution_id)["Distribution"]
    origins = Origins(S3Origin(session.client("s3"), cloudfront_client, described["ARN"]), api_gateway)
    cloudfront = CloudFront.read(cloudfront_client, distribution_id, origins, FunctionRunner(log_path))
    for origin in cloudfront.distribution.origins.values():
        if ".execute-api." in origin.domain_name:
            api_id = origin.domain_name.split(".", 1)[0]
            apis[api_id] = RestApi.read(session.client("apigateway"), session.client("lambda"), api_id)
    return FrontDoor(cloudfront, api_gateway, stub_confirm).start()


class _Handler(BaseHTTPRequestHandler):
    server: _Listener
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the functions' logs are the interesting ones

    def __getattr__(self, name: str) -> Any:
        # Every method, TRACE and unknown ones included, is CloudFront's to answer.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        door = self.server.door
        door.requests_served += 1
        parts = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._reply(HttpResponse(HTTPStatus.BAD_REQUEST, [("Content-Type", "text/plain")], b"Bad Request"))
            return
        body = self.rfile.read(min(length, MAX_READ_BYTES)) if length else b""
        if length > MAX_READ_BYTES:
            self.close_connection = True  # the rest of the body is not read
        request = HttpRequest(
            method=self.command,
            path=parts.path or "/",
            query=HttpRequest.parse_query(parts.query),
            headers=tuple(self.headers.items()),
            body=body,
            client_ip=self.client_address[0],
            scheme=self.server.scheme,
        )
        try:
            if request.path == STUB_CONFIRM_PATH and door.stub_confirm and request.method == "POST":
                response = self._stub_confirm(request)
            else:
                response = door.cloudfront.handle(request)
            self._reply(response)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _reply(self, response: HttpResponse) -> None:
        # send_response_only: no "Server: BaseHTTP" header; the response says who served it.
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _stub_confirm(self, request: HttpRequest) -> HttpResponse:
        door = self.server.door
        assert door.stub_confirm is not None
        status: int
        reply: dict[str, Any]
        try:
            payload = json.loads(request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            status, reply = 400, {"error": {"type": "invalid_request_error", "message": "bad JSON"}}
        else:
            status, reply = door.stub_confirm(payload if isinstance(payload, dict) else {})
        return HttpResponse(int(status), [("Content-Type", "application/json")], json.dumps(reply).encode())

"""CloudFront as deployed: the distribution read back with ``get_distribution_config``, served locally.

What a viewer request goes through, in CloudFront's order:

1. a method CloudFront does not process at all gets its fixed 400 page;
2. the cache behaviour is the first ordered behaviour whose path pattern matches the URI
   (``*`` any run of characters including ``/``, ``?`` one character, case-sensitive), else the
   default behaviour;
3. the viewer protocol policy (``redirect-to-https`` → 301, ``https-only`` → 403 for HTTP);
4. the behaviour's allowed methods (403 otherwise; also a GET or HEAD carrying a body);
5. the viewer-request CloudFront Function, its published (LIVE) code run in Node with the
   ``cloudfront-js-2.0`` event shape; it may rewrite the request or answer itself;
6. the default root object for ``/``;
7. the origin request: target origin, ``origin_path`` + URI, custom origin headers, and the
   viewer headers, cookies and query strings that the cache policy and the origin request policy
   forward (managed policies from the table below; an unknown id fails loudly);
8. the distribution's custom error responses, the response headers policy (read back with
   ``get_response_headers_policy``) and the viewer-response function.

Not emulated (README, fidelity table): caching, compression, WAF rule evaluation, geo
restriction, TLS, signed URLs, field-level encryption, Lambda@Edge.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.http_messages import HttpRequest, HttpResponse
from harness.processes import register, stop_process

if TYPE_CHECKING:
    from collections.abc import Callable

FUNCTION_RUNNER = Path(__file__).resolve().parent / "cloudfront_function.js"
# The methods CloudFront processes; anything else never reaches a behaviour.
CLOUDFRONT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
# Viewer headers CloudFront sends to the origin whatever the policies say.
ALWAYS_FORWARDED = frozenset({"content-length", "content-type", "content-md5"})
# Hop-by-hop headers CloudFront never forwards as the viewer sent them.
NEVER_FORWARDED = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "host"})


class CloudFrontConfigError(RuntimeError):
    """The deployed configuration names something the emulator cannot resolve."""


@dataclass(frozen=True)
class Forwarding:
    """Which viewer headers, cookies and query strings a policy sends to the origin.

    Each kind is ``(behaviour, names)``: behaviour ``none``, ``all``, ``whitelist`` or
    ``allExcept`` as in the CloudFront API; names lower-case for headers.
    """

    headers: tuple[str, frozenset[str]] = ("none", frozenset())
    cookies: tuple[str, frozenset[str]] = ("none", frozenset())
    query_strings: tuple[str, frozenset[str]] = ("none", frozenset())

    @staticmethod
    def _selects(rule: tuple[str, frozenset[str]], name: str) -> bool:
        behaviour, names = rule
        return (
            behaviour == "all"
            or (behaviour == "whitelist" and name in names)
            or (behaviour == "allExcept" and name not in names)
        )

    def header(self, name: str) -> bool:
        return self._selects(self.headers, name.lower())

    def cookie(self, name: str) -> bool:
        return self._selects(self.cookies, name)

    def query_string(self, name: str) -> bool:
        return self._selects(self.query_strings, name)

    def union(self, other: Forwarding) -> Forwarding:
        """What the cache key and the origin request policy forward together."""

        def join(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> tuple[str, frozenset[str]]:
            kinds = {a[0], b[0]} - {"none"}
            if not kinds:
                return ("none", frozenset())
            if "all" in kinds:
                return ("all", frozenset())
            if kinds == {"whitelist"}:
                return ("whitelist", a[1] | b[1])
            if kinds == {"allExcept"}:
                return ("allExcept", a[1] & b[1])
            excluded, included = (a[1], b[1]) if a[0] == "allExcept" else (b[1], a[1])
            return ("allExcept", excluded - included)

        return Forwarding(
            join(self.headers, other.headers),
            join(self.cookies, other.cookies),
            join(self.query_strings, other.query_strings),
        )


NOTHING = Forwarding()
_ALL = ("all", frozenset[str]())

# AWS managed policies by their documented ids (the ids never change). An id that is neither here
# nor readable from the emulator is a configuration error, never "forward nothing".
MANAGED_CACHE_POLICIES: dict[str, tuple[str, Forwarding]] = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": ("CachingOptimized", NOTHING),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": ("CachingDisabled", NOTHING),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": ("CachingOptimizedForUncompressedObjects", NOTHING),
}
MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, tuple[str, Forwarding]] = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": ("AllViewer", Forwarding(_ALL, _ALL, _ALL)),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": (
        "AllViewerExceptHostHeader",
        Forwarding(("allExcept", frozenset({"host"})), _ALL, _ALL),
    ),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": (
        "CORS-S3Origin",
        Forwarding(
            ("whitelist", frozenset({"origin", "access-control-request-headers", "access-control-request-method"}))
        ),
    ),
    "59781a5b-3903-41f3-afcb-af62929ccde1": ("CORS-CustomOrigin", Forwarding(("whitelist", frozenset({"origin"})))),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": (
        "UserAgentRefererHeaders",
        Forwarding(("whitelist", frozenset({"user-agent", "referer"}))),
    ),
}


def managed_policy(table: dict[str, tuple[str, Forwarding]], policy_id: str | None, kind: str) -> Forwarding:
    if not policy_id:
        return NOTHING
    if policy_id not in table:
        raise CloudFrontConfigError(
            f"{kind} {policy_id} is not an AWS managed policy the emulator knows "
            f"({', '.join(name for name, _ in table.values())}); add it to harness/cloudfront.py"
        )
    return table[policy_id][1]


def path_pattern_regex(pattern: str) -> re.Pattern[str]:
    """CloudFront's path pattern: ``*`` any characters (``/`` too), ``?`` exactly one; leading ``/`` optional."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("/"))
    return re.compile(f"/{body}", re.DOTALL)


@dataclass(frozen=True)
class Origin:
    origin_id: str
    domain_name: str
    origin_path: str
    custom_headers: tuple[tuple[str, str], ...]
    access_control_id: str
    is_s3: bool

    @classmethod
    def from_config(cls, item: dict[str, Any]) -> Origin:
        headers = tuple(
            (h["HeaderName"], h["HeaderValue"]) for h in (item.get("CustomHeaders") or {}).get("Items") or []
        )
        return cls(
            origin_id=item["Id"],
            domain_name=item["DomainName"],
            origin_path=item.get("OriginPath") or "",
            custom_headers=headers,
            access_control_id=item.get("OriginAccessControlId") or "",
            is_s3="CustomOriginConfig" not in item or item.get("CustomOriginConfig") is None,
        )


@dataclass(frozen=True)
class Behavior:
    path_pattern: str | None  # None: the default behaviour
    target_origin_id: str
    viewer_protocol_policy: str
    allowed_methods: frozenset[str]
    cached_methods: frozenset[str]
    forwarding: Forwarding
    response_headers_policy_id: str | None
    functions: dict[str, str]  # event type -> function ARN

    @classmethod
    def from_config(cls, item: dict[str, Any]) -> Behavior:
        methods = item.get("AllowedMethods") or {}
        if item.get("ForwardedValues"):
            raise CloudFrontConfigError(
                "legacy ForwardedValues are not emulated; use cache and origin request policies"
            )
        if (item.get("LambdaFunctionAssociations") or {}).get("Quantity"):
            raise CloudFrontConfigError("Lambda@Edge associations are not emulated")
        cache = managed_policy(MANAGED_CACHE_POLICIES, item.get("CachePolicyId"), "cache policy")
        origin_request = managed_policy(
            MANAGED_ORIGIN_REQUEST_POLICIES, item.get("OriginRequestPolicyId"), "origin request policy"
        )
        functions = {
            a["EventType"]: a["FunctionARN"] for a in (item.get("FunctionAssociations") or {}).get("Items") or []
        }
        return cls(
            path_pattern=item.get("PathPattern"),
            target_origin_id=item["TargetOriginId"],
            viewer_protocol_policy=item["ViewerProtocolPolicy"],
            allowed_methods=frozenset(methods.get("Items") or ["GET", "HEAD"]),
            cached_methods=frozenset((methods.get("CachedMethods") or {}).get("Items") or ["GET", "HEAD"]),
            forwarding=cache.union(origin_request),
            response_headers_policy_id=item.get("ResponseHeadersPolicyId") or None,
            functions=functions,
        )

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return path_pattern_regex(self.path_pattern) if self.path_pattern is not None else None

    def matches(self, uri: str) -> bool:
        return self.pattern is None or self.pattern.fullmatch(uri) is not None


@dataclass(frozen=True)
class ErrorResponse:
    error_code: int
    response_page_path: str | None
    response_code: int | None


@dataclass(frozen=True)
class Distribution:
    """The parts of a distribution's configuration that decide how a request is served."""

    distribution_id: str
    arn: str
    domain_name: str
    enabled: bool
    default_root_object: str
    origins: dict[str, Origin]
    behaviors: tuple[Behavior, ...]  # ordered behaviours, then the default one
    error_responses: dict[int, ErrorResponse]

    @classmethod
    def read(cls, cloudfront: Any, distribution_id: str) -> Distribution:
        described = cloudfront.get_distribution(Id=distribution_id)["Distribution"]
        config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
        ordered = [Behavior.from_config(b) for b in (config.get("CacheBehaviors") or {}).get("Items") or []]
        errors = {
            int(e["ErrorCode"]): ErrorResponse(
                int(e["ErrorCode"]),
                e.get("ResponsePagePath") or None,
                int(e["ResponseCode"]) if e.get("ResponseCode") else None,
            )
            for e in (config.get("CustomErrorResponses") or {}).get("Items") or []
        }
        return cls(
            distribution_id=distribution_id,
            arn=described["ARN"],
            domain_name=described["DomainName"],
            enabled=bool(config.get("Enabled")),
            default_root_object=config.get("DefaultRootObject") or "",
            origins={o["Id"]: Origin.from_config(o) for o in config["Origins"]["Items"]},
            behaviors=(*ordered, Behavior.from_config(config["DefaultCacheBehavior"])),
            error_responses=errors,
        )

    def behavior_for(self, uri: str) -> Behavior:
        return next(b for b in self.behaviors if b.matches(uri))


@dataclass(frozen=True)
class ResponseHeadersPolicy:
    """Headers added to (or removed from) every response of the behaviours that name the policy."""

    set_headers: tuple[tuple[str, str, bool], ...]  # (name, value, override)
    remove_headers: tuple[str, ...]

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ResponseHeadersPolicy:
        if (config.get("CorsConfig") or {}).get("AccessControlAllowOrigins"):
            raise CloudFrontConfigError("CORS settings of a response headers policy are not emulated")
        if (config.get("ServerTimingHeadersConfig") or {}).get("Enabled"):
            raise CloudFrontConfigError("Server-Timing headers are not emulated")
        security = config.get("SecurityHeadersConfig") or {}
        headers: list[tuple[str, str, bool]] = []
        if "ContentSecurityPolicy" in security:
            item = security["ContentSecurityPolicy"]
            headers.append(("Content-Security-Policy", item["ContentSecurityPolicy"], item["Override"]))
        if "ContentTypeOptions" in security:
            headers.append(("X-Content-Type-Options", "nosniff", security["ContentTypeOptions"]["Override"]))
        if "FrameOptions" in security:
            item = security["FrameOptions"]
            headers.append(("X-Frame-Options", item["FrameOption"], item["Override"]))
        if "ReferrerPolicy" in security:
            item = security["ReferrerPolicy"]
            headers.append(("Referrer-Policy", item["ReferrerPolicy"], item["Override"]))
        if "StrictTransportSecurity" in security:
            item = security["StrictTransportSecurity"]
            value = f"max-age={item['AccessControlMaxAgeSec']}"
            value += "; includeSubDomains" if item.get("IncludeSubdomains") else ""
            value += "; preload" if item.get("Preload") else ""
            headers.append(("Strict-Transport-Security", value, item["Override"]))
        if "XSSProtection" in security:
            item = security["XSSProtection"]
            value = "1" if item["Protection"] else "0"
            value += "; mode=block" if item.get("ModeBlock") else ""
            value += f"; report={item['ReportUri']}" if item.get("ReportUri") else ""
            headers.append(("X-XSS-Protection", value, item["Override"]))
        for item in (config.get("CustomHeadersConfig") or {}).get("Items") or []:
            headers.append((item["Header"], item["Value"], item["Override"]))
        removed = tuple(item["Header"] for item in (config.get("RemoveHeadersConfig") or {}).get("Items") or [])
        return cls(tuple(headers), removed)

    def apply(self, response: HttpResponse) -> None:
        for name in self.remove_headers:
            response.remove_header(name)
        for name, value, override in self.set_headers:
            if override or response.header(name) is None:
                response.set_header(name, value)


class FunctionRunner:
    """One Node process running every CloudFront Function of the distribution, one event at a time."""

    def __init__(self, log_path: Path | None = None) -> None:
        self._log_path = log_path
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def run(self, code: str, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                log = open(self._log_path, "a") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
                self._process = subprocess.Popen(
                    ["node", str(FUNCTION_RUNNER)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    start_new_session=True,
                )
                register(self._process)
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(json.dumps({"code": code, "event": event}) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the CloudFront Function runner (node) exited")
        reply = json.loads(line)
        if "error" in reply:
            raise FunctionError(reply["error"])
        return dict(reply["result"] or {})

    def stop(self) -> None:
        if self._process:
            stop_process(self._process)
        self._process = None


class FunctionError(RuntimeError):
    """The function threw or returned nothing usable: CloudFront answers 503."""


def _event_map(pairs: list[tuple[str, str]], lower: bool) -> dict[str, dict[str, Any]]:
    """cloudfront-js-2.0 form: ``{name: {value, multiValue?}}`` (headers lower-cased)."""
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        found.setdefault(name.lower() if lower else name, []).append(value)
    result: dict[str, dict[str, Any]] = {}
    for name, values in found.items():
        entry: dict[str, Any] = {"value": values[0]}
        if len(values) > 1:
            entry["multiValue"] = [{"value": v} for v in values]
        result[name] = entry
    return result


def _pairs(mapping: dict[str, Any] | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, entry in (mapping or {}).items():
        values = entry.get("multiValue") or [entry]
        pairs += [(name, str(v.get("value", ""))) for v in values]
    return pairs


def _cookies(request: HttpRequest) -> list[tuple[str, str]]:
    pairs = []
    for key, value in request.headers:
        if key.lower() == "cookie":
            for part in value.split(";"):
                name, _, cookie_value = part.strip().partition("=")
                if name:
                    pairs.append((name, cookie_value))
    return pairs


def error_page(status: int, title: str, message: str, request_id: str) -> HttpResponse:
    """CloudFront's own error page (the HTML it renders, shortened)."""
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n'
        f'<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n<TITLE>ERROR: {title}'
        f'</TITLE>\n</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>{title}</H2>\n{message}\n<HR noshade size="1px">\n'
        f"Generated by cloudfront (CloudFront)\nRequest ID: {request_id}\n</BODY></HTML>"
    )
    return HttpResponse(
        status,
        [("Content-Type", "text/html"), ("Server", "CloudFront"), ("X-Cache", "Error from cloudfront")],
        body.encode(),
    )


@dataclass
class CloudFront:
    """Serve viewer requests as the deployed distribution does."""

    distribution: Distribution
    origin_handler: Callable[[Origin, HttpRequest], HttpResponse]
    response_headers_policies: dict[str, ResponseHeadersPolicy]
    function_code: dict[str, str]  # function ARN -> LIVE code
    functions: FunctionRunner = field(default_factory=FunctionRunner)

    @classmethod
    def read(
        cls,
        cloudfront: Any,
        distribution_id: str,
        origin_handler: Callable[[Origin, HttpRequest], HttpResponse],
        functions: FunctionRunner | None = None,
    ) -> CloudFront:
        """Everything from the emulator: the distribution, its policies and its functions' LIVE code."""
        distribution = Distribution.read(cloudfront, distribution_id)
        policies = {}
        code = {}
        for behavior in distribution.behaviors:
            policy_id = behavior.response_headers_policy_id
            if policy_id and policy_id not in policies:
                config = cloudfront.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]
                policies[policy_id] = ResponseHeadersPolicy.from_config(config["ResponseHeadersPolicyConfig"])
            for arn in behavior.functions.values():
                name = arn.rsplit("/", 1)[-1]
                try:
                    reply = cloudfront.get_function(Name=name, Stage="LIVE")
                except cloudfront.exceptions.NoSuchFunctionExists as exc:
                    raise CloudFrontConfigError(f"function {name} is associated but has no LIVE stage: {exc}") from exc
                code[arn] = reply["FunctionCode"].read().decode()
        return cls(distribution, origin_handler, policies, code, functions or FunctionRunner())

    def stop(self) -> None:
        self.functions.stop()

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        if request.method not in CLOUDFRONT_METHODS:
            return error_page(HTTPStatus.BAD_REQUEST, "Bad request.", "Bad request.", request_id)
        behavior = self.distribution.behavior_for(request.path)
        if request.scheme != "https" and behavior.viewer_protocol_policy == "redirect-to-https":
            host = request.header("Host") or self.distribution.domain_name
            location = f"https://{host}{request.path}" + (f"?{request.query_string}" if request.query else "")
            response = error_page(HTTPStatus.MOVED_PERMANENTLY, "Moved Permanently", "", request_id)
            response.set_header("Location", location)
            return response
        if request.scheme != "https" and behavior.viewer_protocol_policy == "https-only":
            return error_page(HTTPStatus.FORBIDDEN, "The request could not be satisfied.", "Bad request.", request_id)
        if request.method not in behavior.allowed_methods or (request.method in ("GET", "HEAD") and request.body):
            return error_page(
                HTTPStatus.FORBIDDEN,
                "The request could not be satisfied.",
                "This distribution is not configured to allow the HTTP request method that was used for this "
                "request. The distribution supports only cachable requests.",
                request_id,
            )
        try:
            forwarded = self._viewer_request(behavior, request, request_id)
        except FunctionError:
            return error_page(
                HTTPStatus.SERVICE_UNAVAILABLE, "The CloudFront function returned an invalid value.", "", request_id
            )
        if isinstance(forwarded, HttpResponse):
            response = forwarded
        else:
            if forwarded.path == "/" and self.distribution.default_root_object:
                forwarded = forwarded.with_changes(path="/" + self.distribution.default_root_object)
            response = self._from_origin(behavior, forwarded, request_id)
            response = self._custom_error(response, request, request_id)
        policy_id = behavior.response_headers_policy_id
        if policy_id:
            self.response_headers_policies[policy_id].apply(response)
        try:
            response = self._viewer_response(behavior, request, response, request_id)
        except FunctionError:
            return error_page(
                HTTPStatus.SERVICE_UNAVAILABLE, "The CloudFront function returned an invalid value.", "", request_id
            )
        response.set_header("Via", f"1.1 {request_id[:32]}.cloudfront.net (CloudFront)")
        response.set_header("X-Amz-Cf-Id", request_id)
        if response.header("X-Cache") is None:
            response.set_header("X-Cache", "Miss from cloudfront")  # nothing is cached here
        return response

    def _event(self, event_type: str, request: HttpRequest, request_id: str) -> dict[str, Any]:
        return {
            "version": "1.0",
            "context": {
                "distributionDomainName": self.distribution.domain_name,
                "distributionId": self.distribution.distribution_id,
                "eventType": event_type,
                "requestId": request_id,
            },
            "viewer": {"ip": request.client_ip},
            "request": {
                "method": request.method,
                "uri": request.path,
                "querystring": _event_map(list(request.query), lower=False),
                "headers": _event_map([(k, v) for k, v in request.headers if k.lower() != "cookie"], lower=True),
                "cookies": _event_map(_cookies(request), lower=False),
            },
        }

    def _viewer_request(self, behavior: Behavior, request: HttpRequest, request_id: str) -> HttpRequest | HttpResponse:
        arn = behavior.functions.get("viewer-request")
        if arn is None:
            return request
        result = self.functions.run(self.function_code[arn], self._event("viewer-request", request, request_id))
        if "statusCode" in result:
            return _function_response(result)
        if "uri" not in result or not str(result["uri"]).startswith("/"):
            raise FunctionError("viewer-request function returned neither a request nor a response")
        headers = [(k, v) for k, v in _pairs(result.get("headers"))]
        cookies = _pairs(result.get("cookies"))
        if cookies:
            headers.append(("cookie", "; ".join(f"{k}={v}" for k, v in cookies)))
        return request.with_changes(
            path=str(result["uri"]), query=tuple(_pairs(result.get("querystring"))), headers=tuple(headers)
        )

    def _viewer_response(
        self, behavior: Behavior, request: HttpRequest, response: HttpResponse, request_id: str
    ) -> HttpResponse:
        arn = behavior.functions.get("viewer-response")
        if arn is None:
            return response
        event = self._event("viewer-response", request, request_id)
        event["response"] = {
            "statusCode": response.status,
            "statusDescription": HTTPStatus(response.status).phrase,
            "headers": _event_map(response.headers, lower=True),
            "cookies": {},
        }
        result = self.functions.run(self.function_code[arn], event)
        if "statusCode" not in result:
            raise FunctionError("viewer-response function returned no response")
        changed = _function_response(result)
        if not changed.body:
            changed.body = response.body  # a viewer-response function cannot read the body; it keeps it
        return changed

    def _origin_request(self, behavior: Behavior, origin: Origin, request: HttpRequest) -> HttpRequest:
        forwarding = behavior.forwarding
        headers: list[tuple[str, str]] = []
        cookies: list[str] = []
        for name, value in request.headers:
            lower = name.lower()
            if lower == "cookie":
                cookies += [
                    f"{k}={v}"
                    for k, v in _cookies(request.with_changes(headers=((name, value),)))
                    if forwarding.cookie(k)
                ]
            elif lower not in NEVER_FORWARDED and (lower in ALWAYS_FORWARDED or forwarding.header(lower)):
                headers.append((name, value))
        if cookies:
            headers.append(("Cookie", "; ".join(cookies)))
        if not forwarding.header("user-agent"):
            headers = [(k, v) for k, v in headers if k.lower() != "user-agent"] + [("User-Agent", "Amazon CloudFront")]
        custom = {name.lower() for name, _ in origin.custom_headers}
        headers = [(k, v) for k, v in headers if k.lower() not in custom] + list(origin.custom_headers)
        # CloudFront appends the viewer's address to any X-Forwarded-For it received.
        forwarded_for = ", ".join(filter(None, (request.header("X-Forwarded-For"), request.client_ip)))
        headers = [(k, v) for k, v in headers if k.lower() not in ("x-forwarded-for", "via", "x-amz-cf-id")]
        headers += [
            ("Host", origin.domain_name),
            ("X-Forwarded-For", forwarded_for),
            ("Via", "2.0 local.cloudfront.net (CloudFront)"),
            ("X-Amz-Cf-Id", uuid.uuid4().hex),
        ]
        return request.with_changes(
            path=origin.origin_path + request.path,
            query=tuple((k, v) for k, v in request.query if forwarding.query_string(k)),
            headers=tuple(headers),
            scheme="https",
        )

    def _from_origin(self, behavior: Behavior, request: HttpRequest, request_id: str) -> HttpResponse:
        origin = self.distribution.origins.get(behavior.target_origin_id)
        if origin is None:
            raise CloudFrontConfigError(f"behaviour targets unknown origin {behavior.target_origin_id}")
        response = self.origin_handler(origin, self._origin_request(behavior, origin, request))
        if request.method == "HEAD":
            response.body = b""
        return response

    def _custom_error(self, response: HttpResponse, request: HttpRequest, request_id: str) -> HttpResponse:
        custom = self.distribution.error_responses.get(response.status)
        if custom is None or custom.response_page_path is None:
            if custom is not None and custom.response_code:
                response.status = custom.response_code
            return response
        page_request = request.with_changes(method="GET", path=custom.response_page_path, query=(), body=b"")
        behavior = self.distribution.behavior_for(custom.response_page_path)
        page = self._from_origin(behavior, page_request, request_id)
        page.status = custom.response_code or response.status
        return page


def _function_response(result: dict[str, Any]) -> HttpResponse:
    headers = _pairs(result.get("headers"))
    body = result.get("body")
    if isinstance(body, dict):
        data = str(body.get("data", ""))
        raw = base64.b64decode(data) if body.get("encoding") == "base64" else data.encode()
    else:
        raw = str(body or "").encode()
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError) as exc:
        raise FunctionError(f"invalid statusCode {result.get('statusCode')!r}") from exc
    for name, entry in (result.get("cookies") or {}).items():
        headers.append(("Set-Cookie", f"{name}={entry.get('value', '')}"))
    return HttpResponse(status, headers, raw)

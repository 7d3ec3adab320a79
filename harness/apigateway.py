"""API Gateway (REST API) as deployed: the stage's configuration read back from the emulator, served locally.

A request to ``/{stage}/{path}`` goes through API Gateway's pipeline, each step from what was
applied:

1. the stage (unknown: 403 ``Forbidden``) and the resource and method (literal path parts before
   ``{param}`` before ``{proxy+}``; ``ANY`` after the exact method); none →
   ``MISSING_AUTHENTICATION_TOKEN``; a body over 10 MB → ``REQUEST_TOO_LARGE``;
2. the API key, where the method requires it: an enabled key of a usage plan bound to this
   stage, sent as ``x-api-key`` (``api_key_source = HEADER``) → else ``INVALID_API_KEY``;
3. throttling and quota: the usage plan's per-key rate/burst (and per-method overrides) and
   quota, the stage's method settings → ``THROTTLED`` / ``QUOTA_EXCEEDED`` (429);
4. the method's request validator: required parameters, and the body against the request
   model's JSON Schema (draft 4) → ``BAD_REQUEST_PARAMETERS`` / ``BAD_REQUEST_BODY``;
5. the Lambda proxy integration: the function's resource policy must admit
   ``apigateway.amazonaws.com`` for this ``execute-api`` source ARN (else a 500,
   ``API_CONFIGURATION_ERROR``); the integration timeout (at most 29 s) → ``INTEGRATION_TIMEOUT``;
   a function error or a malformed proxy response → 502; Lambda's throttle (the function at its
   concurrency limit) → 500 ``Internal server error`` (see ``LAMBDA_THROTTLED``);
6. every error is the gateway response as deployed (status, headers, body template), else
   ``DEFAULT_4XX``/``DEFAULT_5XX`` as deployed, else API Gateway's built-in default.

moto keeps no snapshot per deployment: the emulator serves the API's resources as they are now,
for a stage whose deployment exists (README, fidelity table).
"""

from __future__ import annotations

import base64
import concurrent.futures
import fnmatch
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import jsonschema

from harness.http_messages import HttpRequest, HttpResponse
from harness.lambda_runner import InvocationError, ThrottledError

if TYPE_CHECKING:
    from harness.lambda_runner import LambdaRunner

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_INTEGRATION_TIMEOUT_MS = 29_000
LAMBDA_URI = re.compile(r"functions/(?P<arn>arn:[^/]+)/invocations")
PROXY_RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"})

# API Gateway's built-in gateway responses: default status and $context.error.messageString.
DEFAULT_RESPONSES: dict[str, tuple[int, str]] = {
    "ACCESS_DENIED": (403, "Forbidden"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": (400, "Missing required request parameters"),
    "INTEGRATION_FAILURE": (504, "Internal server error"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "THROTTLED": (429, "Too Many Requests"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type"),
    # Not a response type: what API Gateway answers for a failed Lambda proxy integration (DEFAULT_5XX applies).
    "BAD_GATEWAY": (502, "Internal server error"),
    # Not a response type either: Lambda answered 429 TooManyRequestsException (the function is at its
    # concurrency limit). API Gateway does not pass Lambda's 429 on: the client gets 500
    # {"message": "Internal server error"}, DEFAULT_5XX as deployed applying. Source: AWS Knowledge Center,
    # https://repost.aws/knowledge-center/api-gateway-internal-server-error ("Throttling issues": a throttled
    # backend makes the API return "Internal server error" with status 500); gateways that copy API
    # Gateway's proxy behaviour do the same (solo-io/envoy-gloo pull request 407: Lambda 429 -> 500).
    "LAMBDA_THROTTLED": (500, "Internal server error"),
}
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


class ApiConfigError(RuntimeError):
    """The deployed API names something the emulator cannot resolve."""


@dataclass(frozen=True)
class Method:
    resource_id: str
    resource_path: str
    http_method: str
    api_key_required: bool
    validator: tuple[bool, bool]  # (body, parameters)
    request_models: dict[str, str]
    request_parameters: dict[str, bool]
    function_arn: str | None
    integration_timeout_ms: int


@dataclass(frozen=True)
class Resource:
    resource_id: str
    path: str
    pattern: re.Pattern[str]
    rank: tuple[int, int, int]  # literal paths before {param} before {proxy+}
    methods: dict[str, Method]

    @staticmethod
    def compile(path: str) -> tuple[re.Pattern[str], tuple[int, int, int]]:
        parts = [p for p in path.split("/") if p]
        regex = "".join(
            f"/(?P<{p[1:-2]}>.+)"
            if p.endswith("+}")
            else f"/(?P<{p[1:-1]}>[^/]+)"
            if p.startswith("{")
            else "/" + re.escape(p)
            for p in parts
        )
        greedy = sum(p.endswith("+}") for p in parts)
        params = sum(p.startswith("{") for p in parts) - greedy
        return re.compile(f"^{regex or '/'}$"), (greedy, params, -len(parts))


class TokenBucket:
    """API Gateway's throttle: ``burst`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


@dataclass(frozen=True)
class UsagePlan:
    plan_id: str
    rate: float | None
    burst: int | None
    quota: tuple[int, str] | None  # (limit, period)
    method_throttles: dict[str, tuple[float, int]]  # "/path/METHOD" -> (rate, burst)
    key_ids: frozenset[str]


@dataclass
class Stage:
    name: str
    deployment_id: str
    variables: dict[str, str]
    method_throttles: dict[str, tuple[float, int]]  # "resource/METHOD" or "*/*" -> (rate, burst)
    plans: list[UsagePlan]


@dataclass
class GatewayResponse:
    status: int | None
    templates: dict[str, str]
    parameters: dict[str, str]


@dataclass
class RestApi:
    """One REST API's request pipeline, as read back after apply."""

    api_id: str
    region: str
    account_id: str
    resources: list[Resource]
    stages: dict[str, Stage]
    models: dict[str, dict[str, Any]]
    gateway_responses: dict[str, GatewayResponse]
    api_keys: dict[str, tuple[str, bool]]  # value -> (key id, enabled)
    permissions: dict[str, list[dict[str, Any]]]  # function ARN -> resource policy statements

    @classmethod
    def read(cls, apigateway: Any, lambda_client: Any, api_id: str) -> RestApi:
        region = apigateway.meta.region_name
        validators = {
            v["id"]: (bool(v.get("validateRequestBody")), bool(v.get("validateRequestParameters")))
            for v in apigateway.get_request_validators(restApiId=api_id, limit=500)["items"]
        }
        resources = []
        function_arns: set[str] = set()
        for item in apigateway.get_resources(restApiId=api_id, limit=500, embed=["methods"])["items"]:
            methods = {}
            for verb in item.get("resourceMethods") or {}:
                method = apigateway.get_method(restApiId=api_id, resourceId=item["id"], httpMethod=verb)
                integration = method.get("methodIntegration") or {}
                match = LAMBDA_URI.search(integration.get("uri", ""))
                if integration.get("type") != "AWS_PROXY" or not match:
                    raise ApiConfigError(f"{verb} {item['path']}: only Lambda proxy integrations are emulated")
                function_arns.add(match.group("arn"))
                methods[verb] = Method(
                    resource_id=item["id"],
                    resource_path=item["path"],
                    http_method=verb,
                    api_key_required=bool(method.get("apiKeyRequired")),
                    validator=validators.get(method.get("requestValidatorId") or "", (False, False)),
                    request_models=dict(method.get("requestModels") or {}),
                    request_parameters={k: bool(v) for k, v in (method.get("requestParameters") or {}).items()},
                    function_arn=match.group("arn"),
                    integration_timeout_ms=min(
                        int(integration.get("timeoutInMillis") or MAX_INTEGRATION_TIMEOUT_MS),
                        MAX_INTEGRATION_TIMEOUT_MS,
                    ),
                )
            pattern, rank = Resource.compile(item["path"])
            resources.append(Resource(item["id"], item["path"], pattern, rank, methods))
        resources.sort(key=lambda r: r.rank)
        models = {
            m["name"]: json.loads(m["schema"])
            for m in apigateway.get_models(restApiId=api_id, limit=500)["items"]
            if m.get("schema")
        }
        responses = {
            r["responseType"]: GatewayResponse(
                int(r["statusCode"]) if r.get("statusCode") else None,
                dict(r.get("responseTemplates") or {}),
                dict(r.get("responseParameters") or {}),
            )
            for r in apigateway.get_gateway_responses(restApiId=api_id, limit=500)["items"]
        }
        plans_by_stage: dict[str, list[UsagePlan]] = {}
        api_keys: dict[str, tuple[str, bool]] = {}
        for plan in apigateway.get_usage_plans(limit=500)["items"]:
            for bound in plan.get("apiStages") or []:
                if bound.get("apiId") != api_id:
                    continue
                keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"], limit=500)["items"]
                for key in keys:
                    described = apigateway.get_api_key(apiKey=key["id"], includeValue=True)
                    api_keys[described["value"]] = (described["id"], bool(described.get("enabled")))
                throttle = plan.get("throttle") or {}
                quota = plan.get("quota") or {}
                plans_by_stage.setdefault(bound["stage"], []).append(
                    UsagePlan(
                        plan_id=plan["id"],
                        rate=throttle.get("rateLimit"),
                        burst=throttle.get("burstLimit"),
                        quota=(int(quota["limit"]), quota.get("period", "DAY")) if quota.get("limit") else None,
                        method_throttles={
                            path: (float(t["rateLimit"]), int(t["burstLimit"]))
                            for path, t in (bound.get("throttle") or {}).items()
                        },
                        key_ids=frozenset(k["id"] for k in keys),
                    )
                )
        deployments = {d["id"] for d in apigateway.get_deployments(restApiId=api_id, limit=500)["items"]}
        stages = {}
        for item in apigateway.get_stages(restApiId=api_id)["item"]:
            if item.get("deploymentId") not in deployments:
                raise ApiConfigError(
                    f"stage {item['stageName']} serves deployment {item.get('deploymentId')}, which does not exist"
                )
            throttles = {
                path: (float(s["throttlingRateLimit"]), int(s["throttlingBurstLimit"]))
                for path, s in (item.get("methodSettings") or {}).items()
                if "throttlingRateLimit" in s and "throttlingBurstLimit" in s
            }
            stages[item["stageName"]] = Stage(
                item["stageName"],
                item["deploymentId"],
                dict(item.get("variables") or {}),
                throttles,
                plans_by_stage.get(item["stageName"], []),
            )
        permissions = {}
        for arn in function_arns:
            try:
                policy = json.loads(lambda_client.get_policy(FunctionName=arn)["Policy"])
            except lambda_client.exceptions.ResourceNotFoundException:
                policy = {"Statement": []}
            permissions[arn] = list(policy.get("Statement") or [])
        account_id = next(iter(function_arns)).split(":")[4] if function_arns else "000000000000"
        return cls(api_id, region, account_id, resources, stages, models, responses, api_keys, permissions)

    def match(self, path: str, verb: str) -> tuple[Method, dict[str, str]] | None:
        for resource in self.resources:
            found = resource.pattern.match(path)
            if found:
                method = resource.methods.get(verb) or resource.methods.get("ANY")
                return (method, found.groupdict()) if method else None
        return None

    def source_arn(self, stage: str, verb: str, path: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{stage}/{verb}{path}"

    def permits(self, function_arn: str, source_arn: str) -> bool:
        """Whether the function's resource policy lets API Gateway invoke it from ``source_arn``."""
        for statement in self.permissions.get(function_arn, []):
            principal = statement.get("Principal") or {}
            services = principal.get("Service") if isinstance(principal, dict) else principal
            services = [services] if isinstance(services, str) else services or []
            actions = statement.get("Action")
            actions = [actions] if isinstance(actions, str) else actions or []
            if statement.get("Effect") != "Allow" or "apigateway.amazonaws.com" not in services:
                continue
            if not {"lambda:InvokeFunction", "lambda:*", "*"} & set(actions):
                continue
            conditions = statement.get("Condition") or {}
            wanted = [
                value
                for operator in ("ArnLike", "ArnEquals", "StringLike", "StringEquals")
                for key, value in (conditions.get(operator) or {}).items()
                if key.lower() == "aws:sourcearn"
            ]
            if all(fnmatch.fnmatchcase(source_arn, pattern) for pattern in wanted):
                return True
        return False


@dataclass
class ApiGateway:
    """Serve requests for every REST API the front door reaches, by API id."""

    apis: dict[str, RestApi]
    runner: LambdaRunner
    _buckets: dict[tuple[str, ...], TokenBucket] = field(default_factory=dict)
    _quota: dict[tuple[str, str, int], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: concurrent.futures.ThreadPoolExecutor = field(
        # Enough threads that the functions' own concurrency bounds, not this pool, decide who is throttled.
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(max_workers=128, thread_name_prefix="apigw")
    )

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def handle(self, api_id: str, request: HttpRequest) -> HttpResponse:
        api = self.apis.get(api_id)
        stage_name, _, rest = request.path.lstrip("/").partition("/")
        stage = api.stages.get(stage_name) if api else None
        if api is None or stage is None:
            # No API or stage at this URL: no gateway responses apply yet.
            forbidden = b'{"message":"Forbidden"}'
            return HttpResponse(HTTPStatus.FORBIDDEN, [("Content-Type", "application/json")], forbidden)
        path = "/" + rest
        context = _Context(api, stage, request, str(uuid.uuid4()))
        if len(request.body) > MAX_BODY_BYTES:
            return context.error("REQUEST_TOO_LARGE")
        found = api.match(path, request.method)
        if found is None:
            return context.error("MISSING_AUTHENTICATION_TOKEN")
        method, path_parameters = found
        key_id, refused = self._admit(api, stage, method, request)
        if refused:
            return context.error(refused)
        invalid = _validate(api, method, request, path_parameters)
        if invalid:
            return context.error(*invalid)
        assert method.function_arn is not None
        if not api.permits(method.function_arn, api.source_arn(stage.name, request.method, path)):
            return context.error("API_CONFIGURATION_ERROR")
        event = _proxy_event(api, stage, method, request, path, path_parameters, context.request_id, key_id)
        return self._invoke(context, method, event)

    def _admit(self, api: RestApi, stage: Stage, method: Method, request: HttpRequest) -> tuple[str | None, str | None]:
        """The API key check, then throttling and quota: ``(key id, refusing response type)``."""
        key_id = None
        if method.api_key_required:
            key = api.api_keys.get(request.header("x-api-key") or "")
            if key is None or not key[1] or not any(key[0] in plan.key_ids for plan in stage.plans):
                return None, "INVALID_API_KEY"
            key_id = key[0]
        return key_id, self._throttle(api, stage, method, key_id)

    def _invoke(self, context: _Context, method: Method, event: dict[str, Any]) -> HttpResponse:
        assert method.function_arn is not None
        function = method.function_arn.split(":function:", 1)[1].split(":")[0]
        future = self._pool.submit(self.runner.invoke, function, event)
        try:
            result = future.result(timeout=method.integration_timeout_ms / 1000)
        except concurrent.futures.TimeoutError:
            return context.error("INTEGRATION_TIMEOUT")  # the invocation runs on, as in AWS
        except ThrottledError:
            return context.error("LAMBDA_THROTTLED")
        except (InvocationError, LookupError, OSError):
            return context.error("BAD_GATEWAY")
        response = _proxy_response(result)
        if response is None:
            return context.error("BAD_GATEWAY")  # "Malformed Lambda proxy response"
        response.set_header("x-amzn-RequestId", context.request_id)
        return response

    def _bucket(self, key: tuple[str, ...], rate: float, burst: int) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.rate, bucket.burst) != (rate, burst):
                bucket = self._buckets[key] = TokenBucket(rate, burst)
            return bucket

    def _throttle(self, api: RestApi, stage: Stage, method: Method, key_id: str | None) -> str | None:
        method_path = f"{method.resource_path}/{method.http_method}"
        if key_id is not None:
            for plan in stage.plans:
                if key_id not in plan.key_ids:
                    continue
                limits = plan.method_throttles.get(method_path) or (
                    (plan.rate, plan.burst) if plan.rate is not None and plan.burst is not None else None
                )
                if limits and not self._bucket((plan.plan_id, key_id, method_path), *limits).take():
                    return "THROTTLED"
                if plan.quota:
                    limit, period = plan.quota
                    seconds = {"DAY": 86400, "WEEK": 604800, "MONTH": 2592000}.get(period, 86400)
                    window = (plan.plan_id, key_id, int(time.time() // seconds))
                    with self._lock:
                        self._quota[window] = self._quota.get(window, 0) + 1
                        if self._quota[window] > limit:
                            return "QUOTA_EXCEEDED"
        setting_path = f"{method.resource_path.lstrip('/')}/{method.http_method}"
        for path in (setting_path, "*/*"):
            if path in stage.method_throttles:
                if not self._bucket((api.api_id, stage.name, path, method_path), *stage.method_throttles[path]).take():
                    return "THROTTLED"
                break
        return None


@dataclass
class _Context:
    api: RestApi
    stage: Stage
    request: HttpRequest
    request_id: str

    def error(self, response_type: str, message: str | None = None) -> HttpResponse:
        """The gateway response for ``response_type``, rendered as deployed."""
        status, default_message = DEFAULT_RESPONSES[response_type]
        deployed = self.api.gateway_responses.get(response_type) or self.api.gateway_responses.get(
            "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        )
        template = DEFAULT_TEMPLATE
        headers: list[tuple[str, str]] = []
        if deployed is not None:
            if deployed.status and response_type in self.api.gateway_responses:
                status = deployed.status
            template = deployed.templates.get("application/json", template)
            for name, value in deployed.parameters.items():
                if name.startswith("gatewayresponse.header."):
                    headers.append((name.removeprefix("gatewayresponse.header."), self._parameter(value)))
        text = message or default_message
        body = (
            template.replace("$context.error.messageString", json.dumps(text))
            .replace("$context.error.message", text)
            .replace("$context.error.responseType", response_type)
            .replace("$context.requestId", self.request_id)
        )
        return HttpResponse(
            status,
            [
                ("Content-Type", "application/json"),
                ("x-amzn-RequestId", self.request_id),
                ("x-amzn-ErrorType", _error_type(response_type)),
                *headers,
            ],
            body.encode(),
        )

    def _parameter(self, value: str) -> str:
        if value.startswith("'") and value.endswith("'"):
            return value[1:-1]
        if value.startswith("method.request.header."):
            return self.request.header(value.removeprefix("method.request.header.")) or ""
        if value.startswith("stageVariables."):
            return self.stage.variables.get(value.removeprefix("stageVariables."), "")
        raise ApiConfigError(f"gateway response parameter {value} is not emulated")


def _error_type(response_type: str) -> str:
    return {
        "INVALID_API_KEY": "ForbiddenException",
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
        "THROTTLED": "TooManyRequestsException",
        "QUOTA_EXCEEDED": "LimitExceededException",
        "BAD_REQUEST_BODY": "BadRequestException",
        "BAD_REQUEST_PARAMETERS": "BadRequestException",
        "REQUEST_TOO_LARGE": "RequestTooLargeException",
    }.get(response_type, "InternalServerErrorException")


def _validate(
    api: RestApi, method: Method, request: HttpRequest, path_parameters: dict[str, str]
) -> tuple[str, str] | None:
    validate_body, validate_parameters = method.validator
    if validate_parameters:
        missing = []
        for name, required in method.request_parameters.items():
            if not required:
                continue
            _, _, where, key = name.split(".", 3)  # method.request.<where>.<name>
            present = {
                "header": request.header(key) is not None,
                "querystring": any(k == key for k, _ in request.query),
                "path": key in path_parameters,
            }.get(where, True)
            if not present:
                missing.append(key)
        if missing:
            return "BAD_REQUEST_PARAMETERS", f"Missing required request parameters: [{', '.join(missing)}]"
    if validate_body and method.request_models:
        content_type = (request.header("Content-Type") or "application/json").split(";")[0].strip().lower()
        model_name = method.request_models.get(content_type) or method.request_models.get("application/json")
        if model_name:
            schema = api.models.get(model_name)
            if schema is None:
                raise ApiConfigError(f"model {model_name} is not deployed")
            try:
                document = json.loads(request.body or b"null")
            except (UnicodeDecodeError, json.JSONDecodeError):
                return "BAD_REQUEST_BODY", "Invalid request body"
            errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=lambda e: list(e.path))
            if errors:
                return "BAD_REQUEST_BODY", f"Invalid request body: [{'; '.join(e.message for e in errors)}]"
    return None


def _proxy_event(
    api: RestApi,
    stage: Stage,
    method: Method,
    request: HttpRequest,
    path: str,
    path_parameters: dict[str, str],
    request_id: str,
    key_id: str | None,
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in request.query:
        multi_query.setdefault(name, []).append(value)
    try:
        text_body: str | None = request.body.decode("utf-8") if request.body else None
        is_base64 = False
    except UnicodeDecodeError:
        text_body, is_base64 = base64.b64encode(request.body).decode(), True
    forwarded_for = request.header("X-Forwarded-For") or request.client_ip
    now = time.time()
    return {
        "resource": method.resource_path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage.variables or None,
        "requestContext": {
            "accountId": api.account_id,
            "apiId": api.api_id,
            "resourceId": method.resource_id,
            "resourcePath": method.resource_path,
            "httpMethod": request.method,
            "path": f"/{stage.name}{path}",
            "stage": stage.name,
            "deploymentId": stage.deployment_id,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "domainName": request.header("Host") or "",
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "protocol": "HTTP/1.1",
            "identity": {
                "sourceIp": forwarded_for.split(",")[0].strip(),
                "userAgent": request.header("User-Agent"),
                "apiKey": request.header("x-api-key") if key_id else None,
                "apiKeyId": key_id,
            },
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def _proxy_response(result: Any) -> HttpResponse | None:
    """The function's proxy response as HTTP, or None where API Gateway finds it malformed."""
    if not isinstance(result, dict) or not set(result) <= PROXY_RESPONSE_KEYS:
        return None
    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        return None
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        return None
    headers = [(str(k), str(v)) for k, v in single.items() if k not in multi]
    for name, values in multi.items():
        if not isinstance(values, list):
            return None
        headers += [(str(name), str(v)) for v in values]
    try:
        raw = base64.b64decode(body or "", validate=True) if result.get("isBase64Encoded") else (body or "").encode()
    except ValueError:
        return None
    return HttpResponse(status, headers, raw)

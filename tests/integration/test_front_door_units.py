"""The front-door emulators' rules on hand-built configurations (no stack needed)."""

from __future__ import annotations

import pytest

from harness.apigateway import (
    ApiGateway,
    GatewayResponse,
    Method,
    Resource,
    RestApi,
    Stage,
    TokenBucket,
    _proxy_response,
)
from harness.cloudfront import (
    MANAGED_ORIGIN_REQUEST_POLICIES,
    Behavior,
    CloudFront,
    CloudFrontConfigError,
    Distribution,
    Origin,
    path_pattern_regex,
)
from harness.http_messages import HttpRequest, HttpResponse
from harness.lambda_runner import ThrottledError

ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/api/*", "/api/orders/1", True),
        ("api/*", "/api/orders", True),  # the leading slash is optional
        ("/api/*", "/api", False),
        ("/api/*", "/API/orders", False),  # case-sensitive
        ("/img/?.png", "/img/a.png", True),
        ("/img/?.png", "/img/ab.png", False),
        ("*.js", "/assets/app.js", True),
    ],
)
def test_path_patterns_follow_cloudfronts_rules(pattern: str, path: str, matches: bool) -> None:
    assert (path_pattern_regex(pattern).fullmatch(path) is not None) is matches


def test_unknown_managed_policy_id_is_refused() -> None:
    with pytest.raises(CloudFrontConfigError, match="not an AWS managed policy"):
        Behavior.from_config({"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "nope"})


def test_all_viewer_except_host_forwards_everything_but_host() -> None:
    _, forwarding = MANAGED_ORIGIN_REQUEST_POLICIES[ALL_VIEWER_EXCEPT_HOST]
    assert forwarding.header("Stripe-Signature") and forwarding.cookie("s") and forwarding.query_string("q")
    assert not forwarding.header("Host")


def distribution(*behaviors: Behavior) -> Distribution:
    origins = {
        "api": Origin("api", "abc.execute-api.us-east-2.amazonaws.com", "/prod", (("x-api-key", "K"),), "", False),
        "site": Origin("site", "b.s3.us-east-2.amazonaws.com", "", (), "oac", True),
    }
    return Distribution("D", "arn:d", "d.cloudfront.net", True, "index.html", origins, behaviors, {})


def behavior(pattern: str | None, origin: str, methods: list[str], policy: str | None = None) -> Behavior:
    config = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "https-only",
        "AllowedMethods": {"Items": methods},
        "CachePolicyId": CACHING_DISABLED,
        "OriginRequestPolicyId": policy,
    }
    if pattern:
        config["PathPattern"] = pattern
    return Behavior.from_config(config)


def test_first_matching_behaviour_wins_and_origin_request_is_built_as_configured() -> None:
    seen: list[tuple[str, HttpRequest]] = []

    def origin(o: Origin, request: HttpRequest) -> HttpResponse:
        seen.append((o.origin_id, request))
        return HttpResponse(200, [], b"ok")

    cloudfront = CloudFront(
        distribution(
            behavior(
                "/api/*", "api", ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"], ALL_VIEWER_EXCEPT_HOST
            ),
            behavior("/*", "site", ["GET", "HEAD"]),
            behavior(None, "site", ["GET", "HEAD"]),
        ),
        origin,
        {},
        {},
    )
    headers = (("Host", "shop"), ("x-api-key", "forged"), ("Stripe-Signature", "sig"))
    reply = cloudfront.handle(HttpRequest("POST", "/api/orders", (("q", "1"),), headers, b"{}"))
    assert reply.status == 200
    origin_id, sent = seen[-1]
    assert origin_id == "api" and sent.path == "/prod/api/orders" and sent.query == (("q", "1"),)
    assert sent.header("x-api-key") == "K"  # the origin's custom header replaces the viewer's
    assert sent.header("Stripe-Signature") == "sig"
    assert sent.header("Host") == "abc.execute-api.us-east-2.amazonaws.com"
    # The site behaviour forwards no viewer header, cookie or query string
    cloudfront.handle(HttpRequest("GET", "/app.js", (("q", "1"),), (("Cookie", "a=1"), ("X-Custom", "v"))))
    _, sent = seen[-1]
    assert sent.query == () and sent.header("Cookie") is None and sent.header("X-Custom") is None
    # A method outside the behaviour's allowed set never reaches the origin
    count = len(seen)
    assert cloudfront.handle(HttpRequest("POST", "/app.js")).status == 403
    assert len(seen) == count


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "extra": 1},
        {"statusCode": 200, "isBase64Encoded": True, "body": "%%%"},
        "not an object",
        {"statusCode": 99},
    ],
)
def test_malformed_proxy_responses_are_refused(result: object) -> None:
    assert _proxy_response(result) is None


def test_well_formed_proxy_response_becomes_http() -> None:
    reply = _proxy_response(
        {"statusCode": 201, "headers": {"A": "1"}, "multiValueHeaders": {"B": ["2", "3"]}, "body": "x"}
    )
    assert reply is not None
    assert (reply.status, reply.headers, reply.body) == (201, [("A", "1"), ("B", "2"), ("B", "3")], b"x")


def test_literal_resources_rank_before_parameters_before_greedy() -> None:
    ranks = sorted(["/{proxy+}", "/api/orders/{orderId}", "/api/orders/new"], key=lambda p: Resource.compile(p)[1])
    assert ranks == ["/api/orders/new", "/api/orders/{orderId}", "/{proxy+}"]


def test_token_bucket_allows_the_burst_then_refuses() -> None:
    bucket = TokenBucket(rate=0.001, burst=3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


class ThrottlingRunner:
    """A function at its concurrency limit: Lambda refuses every invocation."""

    def invoke(self, name: str, event: dict[str, object]) -> object:
        raise ThrottledError(name, "ReservedFunctionConcurrentInvocationLimitExceeded")


def test_a_throttled_lambda_is_a_500_in_the_deployed_default_5xx_shape() -> None:
    # Given one open route to a function, and a deployed DEFAULT_5XX body
    arn = "arn:aws:lambda:us-east-2:123456789012:function:orders"
    method = Method("r1", "/api/config", "GET", False, (False, False), {}, {}, arn, 29_000)
    pattern, rank = Resource.compile("/api/config")
    template = '{"error":{"code":"INTERNAL_ERROR"}}'
    allow = {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction"}
    api = RestApi(
        "abc",
        "us-east-2",
        "123456789012",
        [Resource("r1", "/api/config", pattern, rank, {"GET": method})],
        {"prod": Stage("prod", "d1", {}, {}, [])},
        {},
        {"DEFAULT_5XX": GatewayResponse(None, {"application/json": template}, {})},
        {},
        {arn: [allow]},
    )
    gateway = ApiGateway({"abc": api}, ThrottlingRunner())  # type: ignore[arg-type]

    # When the function is throttled / Then API Gateway answers 500 with the deployed body, not Lambda's 429
    reply = gateway.handle("abc", HttpRequest("GET", "/prod/api/config"))
    gateway.stop()
    assert (reply.status, reply.body) == (500, template.encode())

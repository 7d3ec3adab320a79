"""The front door as deployed: CloudFront and API Gateway emulated from the configuration read back.

The ``check_*`` functions are the assertions; each test runs one against the deployed stack, and
``test_front_door_mutations.py`` runs the same checks against a mutated deployment, where each
must fail.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import TYPE_CHECKING, Any

import requests

from harness.apigateway import ApiGateway, RestApi
from harness.http_messages import HttpRequest

if TYPE_CHECKING:
    from harness.front_door import FrontDoor
    from harness.stack import Stack

TIMEOUT = 30


def gateway_error(reply: requests.Response) -> bool:
    """API Gateway answered itself (a gateway response), not the function."""
    return "x-amzn-ErrorType" in reply.headers


def api_id_of(front: FrontDoor) -> str:
    [api_id] = front.api_gateway.apis
    return api_id


def direct_request(front: FrontDoor, method: str, path: str, **changes: Any) -> HttpRequest:
    """A request straight to the execute-api endpoint, as if CloudFront were bypassed."""
    [api] = front.api_gateway.apis.values()
    [stage] = api.stages
    return HttpRequest(method=method, path=f"/{stage}{path}", **changes)


# --- the checks ------------------------------------------------------------------------------


def check_api_reaches_the_function(front: FrontDoor) -> None:
    reply = requests.get(f"{front.url}/api/config", timeout=TIMEOUT)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("application/json")
    assert not gateway_error(reply)
    assert reply.json()["catalog"], reply.text


def check_order_body_is_validated_by_the_gateway(front: FrontDoor) -> None:
    reply = requests.post(f"{front.url}/api/orders", json={"items": []}, timeout=TIMEOUT)
    assert reply.status_code == 400, reply.text
    assert gateway_error(reply), "the function answered: no request validator ran"
    assert reply.json() == {
        "error": {"code": "VALIDATION_ERROR", "message": "The request body is not valid.", "details": []}
    }


def check_stripe_signature_reaches_the_function(front: FrontDoor) -> None:
    url = f"{front.url}/api/webhooks/stripe"
    signed = requests.post(url, data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}, timeout=TIMEOUT)
    assert signed.status_code == 400, signed.text
    assert not gateway_error(signed), f"the gateway did not see the header: {signed.text}"
    assert signed.json()["error"]["code"] == "INVALID_SIGNATURE"  # the function read it and refused it
    unsigned = requests.post(url, data=b"{}", timeout=TIMEOUT)
    assert unsigned.status_code == 400 and gateway_error(unsigned), unsigned.text
    assert unsigned.json()["error"]["message"] == "A required request parameter or header is missing."


def check_api_key_is_required(front: FrontDoor) -> None:
    reply = front.api_gateway.handle(api_id_of(front), direct_request(front, "GET", "/api/config"))
    assert reply.status == 403, reply.body
    assert json.loads(reply.body) == {"message": "Forbidden"}


# --- CloudFront ------------------------------------------------------------------------------


def test_api_routes_reach_the_function_through_cloudfront(stack: Stack) -> None:
    # Given the deployed distribution and API / When the site asks for its config / Then the function answers
    check_api_reaches_the_function(stack.front)


def test_client_side_route_is_rewritten_to_the_index_with_the_policy_headers(stack: Stack) -> None:
    # Given the SPA function on the site behaviour / When a client-side route is requested
    reply = requests.get(f"{stack.front.url}/orders/ord_123", timeout=TIMEOUT)
    # Then the index page is served, with the response headers policy's headers as Terraform planned them
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<html" in reply.text.lower()
    planned = planned_security_headers(stack)
    assert {name: reply.headers.get(name) for name in planned} == planned
    assert "Server" not in reply.headers  # removed by the policy


def test_missing_asset_is_access_denied_by_the_private_bucket(stack: Stack) -> None:
    # Given the bucket policy grants the distribution s3:GetObject only / When a missing file is asked for
    reply = requests.get(f"{stack.front.url}/assets/missing-file.js", timeout=TIMEOUT)
    # Then S3 answers 403 AccessDenied (no ListBucket), passed on by CloudFront
    assert reply.status_code == 403, reply.text
    assert "<Code>AccessDenied</Code>" in reply.text


def test_trace_gets_cloudfronts_answer_on_every_path(stack: Stack) -> None:
    # Given CloudFront processes seven methods only / When TRACE is sent / Then CloudFront's fixed 400 page
    for path in ("/", "/api/orders", "/api/nope"):
        reply = requests.request("TRACE", f"{stack.front.url}{path}", timeout=TIMEOUT)
        assert reply.status_code == 400, (path, reply.status_code)
        assert reply.headers["Server"] == "CloudFront"


def test_delete_on_the_site_is_refused_by_the_behaviour(stack: Stack) -> None:
    # Given the site behaviour allows GET, HEAD, OPTIONS / When DELETE is sent / Then CloudFront's 403
    reply = requests.delete(f"{stack.front.url}/index.html", timeout=TIMEOUT)
    assert reply.status_code == 403
    assert "not configured to allow the HTTP request method" in reply.text


def test_delete_and_unknown_api_paths_get_the_deployed_404(stack: Stack) -> None:
    # Given /api/* allows DELETE but the API has no such method or resource
    for method, path in (("DELETE", "/api/orders"), ("GET", "/api/nope"), ("POST", "/api/config")):
        reply = requests.request(method, f"{stack.front.url}{path}", timeout=TIMEOUT)
        # Then API Gateway's MISSING_AUTHENTICATION_TOKEN response, as deployed (404, contract shape)
        assert reply.status_code == 404, (method, path, reply.text)
        assert gateway_error(reply)
        assert reply.json()["error"]["code"] == "NOT_FOUND"


def test_plain_http_viewer_is_redirected_or_refused(stack: Stack) -> None:
    # Given redirect-to-https on the site and https-only on /api/*
    site = requests.get(f"{stack.front.http_url}/orders?x=1", allow_redirects=False, timeout=TIMEOUT)
    assert site.status_code == 301
    assert site.headers["Location"].startswith("https://") and site.headers["Location"].endswith("/orders?x=1")
    api = requests.post(f"{stack.front.http_url}/api/orders", json={}, timeout=TIMEOUT)
    assert api.status_code == 403
    assert api.headers["Server"] == "CloudFront"


# --- API Gateway -----------------------------------------------------------------------------


def test_order_body_is_validated_against_the_deployed_model(stack: Stack) -> None:
    check_order_body_is_validated_by_the_gateway(stack.front)


def test_stripe_signature_is_forwarded_and_required(stack: Stack) -> None:
    check_stripe_signature_reaches_the_function(stack.front)


def test_direct_call_without_the_cloudfront_key_is_forbidden(stack: Stack) -> None:
    check_api_key_is_required(stack.front)


class ScriptedRunner:
    """Stands in for the Lambda runner where a test needs a function to misbehave."""

    def __init__(self, result: Any = None, delay: float = 0.0) -> None:
        self.result, self.delay = result, delay
        self.events: list[dict[str, Any]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        self.events.append(event)
        time.sleep(self.delay)
        return self.result


def scripted_gateway(stack: Stack, runner: ScriptedRunner, **api_changes: Any) -> tuple[ApiGateway, str]:
    [(api_id, api)] = stack.front.api_gateway.apis.items()
    changed: RestApi = dataclasses.replace(api, **api_changes)
    return ApiGateway({api_id: changed}, runner), api_id  # type: ignore[arg-type]


def keyed(stack: Stack, method: str, path: str) -> HttpRequest:
    [api] = stack.front.api_gateway.apis.values()
    [key] = api.api_keys
    return direct_request(stack.front, method, path, headers=(("x-api-key", key),))


def test_malformed_proxy_response_is_a_502_in_the_deployed_shape(stack: Stack) -> None:
    # Given a function that returns a string status code / When it is invoked through the gateway
    gateway, api_id = scripted_gateway(stack, ScriptedRunner({"statusCode": "200", "body": "{}"}))
    reply = gateway.handle(api_id, keyed(stack, "GET", "/api/config"))
    # Then 502 with the deployed DEFAULT_5XX body
    assert reply.status == 502
    assert json.loads(reply.body)["error"]["code"] == "INTERNAL_ERROR"


def test_integration_timeout_is_a_504(stack: Stack) -> None:
    # Given the deployed 29 s integration timeout, shortened here to keep the test fast
    [api] = stack.front.api_gateway.apis.values()
    resources = [
        dataclasses.replace(
            r, methods={k: dataclasses.replace(m, integration_timeout_ms=200) for k, m in r.methods.items()}
        )
        for r in api.resources
    ]
    assert {m.integration_timeout_ms for r in api.resources for m in r.methods.values()} == {29_000}
    gateway, api_id = scripted_gateway(stack, ScriptedRunner({"statusCode": 200}, delay=1.0), resources=resources)
    reply = gateway.handle(api_id, keyed(stack, "GET", "/api/config"))
    assert reply.status == 504
    gateway.stop()


def test_stage_method_throttle_answers_429_in_the_deployed_shape(stack: Stack) -> None:
    # Given the stage's default method throttle as deployed (terraform/api_gateway.tf: "*/*"; the usage
    # plan itself does not throttle) / When more requests than its burst arrive at once
    [api] = stack.front.api_gateway.apis.values()
    [stage] = api.stages.values()
    _rate, burst = stage.method_throttles["*/*"]
    assert burst
    gateway, api_id = scripted_gateway(stack, ScriptedRunner({"statusCode": 200, "body": "{}"}))
    statuses: list[int] = []
    while len(statuses) < burst * 5 and 429 not in statuses:
        reply = gateway.handle(api_id, keyed(stack, "GET", "/api/config"))
        statuses.append(reply.status)
    # Then at least the burst passes, then the deployed THROTTLED response
    assert statuses[-1] == 429, f"no 429 after {len(statuses)} requests"
    assert statuses.count(200) >= burst
    assert json.loads(reply.body)["error"]["code"] == "RATE_LIMITED"
    gateway.stop()


class WebhookRefusesJunk(ScriptedRunner):
    """The webhook answers a junk signature with 400; every other route answers 200."""

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return {"statusCode": 400 if event["resource"] == "/api/webhooks/stripe" else 200, "body": "{}"}


def applied_method_settings(stack: Stack) -> dict[str, dict[str, Any]]:
    """``aws_api_gateway_method_settings.route`` as Terraform applied it: instance key -> attributes."""
    state = json.loads(stack.workspace.tf.execute_command("state", "pull").out)
    [resource] = [
        r for r in state["resources"] if r["type"] == "aws_api_gateway_method_settings" and r["name"] == "route"
    ]
    return {i["index_key"]: i["attributes"] for i in resource["instances"]}


def test_webhook_flood_is_throttled_by_its_own_method_setting(stack: Stack) -> None:
    # Given the webhook's own stage method throttle as applied, read back by the front door
    applied = applied_method_settings(stack)["stripe_webhook"]
    [api] = stack.front.api_gateway.apis.values()
    [stage] = api.stages.values()
    route = applied["method_path"]
    assert route == "api/webhooks/stripe/POST"
    [settings] = applied["settings"]
    rate, burst = stage.method_throttles[route]
    assert (rate, burst) == (settings["throttling_rate_limit"], settings["throttling_burst_limit"])
    _default_rate, default_burst = stage.method_throttles["*/*"]
    assert burst < default_burst  # so the count below tells the two buckets apart

    # When junk-signed deliveries flood the webhook (the function answers each with a 400)
    gateway, api_id = scripted_gateway(stack, WebhookRefusesJunk())
    [key] = api.api_keys
    junk = direct_request(
        stack.front,
        "POST",
        "/api/webhooks/stripe",
        headers=(("x-api-key", key), ("Stripe-Signature", "t=1,v1=junk"), ("Content-Type", "application/json")),
        body=b"{}",
    )
    started = time.monotonic()
    statuses: list[int] = []
    while len(statuses) < default_burst * 2 and 429 not in statuses:
        reply = gateway.handle(api_id, junk)
        statuses.append(reply.status)
    elapsed = time.monotonic() - started

    # Then the webhook's own bucket runs out (not the default one) and answers the deployed THROTTLED response
    assert statuses[-1] == 429, f"no 429 after {len(statuses)} deliveries"
    assert json.loads(reply.body)["error"]["code"] == "RATE_LIMITED"
    passed = statuses.count(400)
    assert burst <= passed <= burst + rate * elapsed + 1 < default_burst, (passed, elapsed)

    # And the shop still answers meanwhile (its routes draw from the default bucket)
    assert gateway.handle(api_id, keyed(stack, "GET", "/api/config")).status == 200
    assert gateway.handle(api_id, junk).status == 429
    gateway.stop()


def test_stage_variables_reach_the_event(stack: Stack) -> None:
    # Given a stage with a variable (production sets none) / When a route is invoked
    [api] = stack.front.api_gateway.apis.values()
    stages = {name: dataclasses.replace(stage, variables={"flag": "on"}) for name, stage in api.stages.items()}
    runner = ScriptedRunner({"statusCode": 204})
    gateway, api_id = scripted_gateway(stack, runner, stages=stages)
    assert gateway.handle(api_id, keyed(stack, "GET", "/api/config")).status == 204
    assert runner.events[0]["stageVariables"] == {"flag": "on"}
    assert runner.events[0]["requestContext"]["identity"]["apiKeyId"]


# --- helpers ---------------------------------------------------------------------------------


def planned_security_headers(stack: Stack) -> dict[str, str]:
    """The headers the response headers policy adds, from Terraform's state of it (not from the emulator)."""
    state = json.loads(stack.workspace.tf.execute_command("show", "-json", "-no-color").out)
    [policy] = [
        r["values"]
        for r in state["values"]["root_module"]["resources"]
        if r["address"] == "aws_cloudfront_response_headers_policy.site"
    ]
    security = policy["security_headers_config"][0]
    hsts = security["strict_transport_security"][0]
    headers = {
        "Content-Security-Policy": security["content_security_policy"][0]["content_security_policy"],
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["frame_options"][0]["frame_option"],
        "Referrer-Policy": security["referrer_policy"][0]["referrer_policy"],
        "Strict-Transport-Security": f"max-age={hsts['access_control_max_age_sec']}"
        + ("; includeSubDomains" if hsts["include_subdomains"] else "")
        + ("; preload" if hsts["preload"] else ""),
    }
    for item in policy["custom_headers_config"][0]["items"]:
        headers[item["header"]] = item["value"]
    return headers

"""Each check of ``test_front_door.py`` fails when the deployment it guards is broken.

A mutation changes what is deployed, through the same APIs Terraform uses (as the admin
identity, on the running emulator): the distribution with ``update_distribution``, a method with
``put_method``, a permission with ``remove_permission``/``add_permission``. A fresh front door is
then read back from the emulator, the named check must fail against it, the mutation is undone,
and the check must pass again. ``test_stack.py``'s second plan, later in the session, proves the
undo left nothing behind.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from test_front_door import (  # the same module pytest collected (rootdir import mode)
    check_api_key_is_required,
    check_api_reaches_the_function,
    check_order_body_is_validated_by_the_gateway,
    check_stripe_signature_reaches_the_function,
)

from harness.front_door import open_front_door

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness.front_door import FrontDoor
    from harness.stack import Stack

CORS_CUSTOM_ORIGIN = "59781a5b-3903-41f3-afcb-af62929ccde1"  # managed: forwards only the Origin header


def change_distribution(stack: Stack, change: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
    cloudfront = stack.client("cloudfront")
    distribution_id = stack.outputs["cloudfront_distribution_id"]
    found = cloudfront.get_distribution_config(Id=distribution_id)
    original = copy.deepcopy(found["DistributionConfig"])
    config = found["DistributionConfig"]
    change(config)
    cloudfront.update_distribution(Id=distribution_id, IfMatch=found["ETag"], DistributionConfig=config)

    def undo() -> None:
        etag = cloudfront.get_distribution_config(Id=distribution_id)["ETag"]
        cloudfront.update_distribution(Id=distribution_id, IfMatch=etag, DistributionConfig=original)

    return undo


def api_behaviour(config: dict[str, Any]) -> dict[str, Any]:
    [behaviour] = [b for b in config["CacheBehaviors"]["Items"] if b["PathPattern"] == "/api/*"]
    return behaviour


def api_origin(config: dict[str, Any]) -> dict[str, Any]:
    [origin] = [o for o in config["Origins"]["Items"] if ".execute-api." in o["DomainName"]]
    return origin


def wrong_path_pattern(stack: Stack) -> Callable[[], None]:
    return change_distribution(stack, lambda c: api_behaviour(c).update(PathPattern="/apis/*"))


def origin_header_removed(stack: Stack) -> Callable[[], None]:
    return change_distribution(stack, lambda c: api_origin(c).update(CustomHeaders={"Quantity": 0, "Items": []}))


def post_not_allowed(stack: Stack) -> Callable[[], None]:
    def change(config: dict[str, Any]) -> None:
        methods = api_behaviour(config)["AllowedMethods"]
        methods.update(Quantity=3, Items=["GET", "HEAD", "OPTIONS"])

    return change_distribution(stack, change)


def stripe_signature_not_forwarded(stack: Stack) -> Callable[[], None]:
    return change_distribution(stack, lambda c: api_behaviour(c).update(OriginRequestPolicyId=CORS_CUSTOM_ORIGIN))


INTEGRATION_FIELDS = (
    "connectionType",
    "credentials",
    "requestParameters",
    "requestTemplates",
    "passthroughBehavior",
    "cacheNamespace",
    "cacheKeyParameters",
    "contentHandling",
    "timeoutInMillis",
)


def change_method(stack: Stack, path: str, verb: str, **changes: Any) -> Callable[[], None]:
    apigateway = stack.client("apigateway")
    api_id = stack.outputs["api_id"]
    [resource] = [r for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"] if r["path"] == path]
    method = apigateway.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=verb)
    integration = method["methodIntegration"]

    def put(values: dict[str, Any]) -> None:
        apigateway.put_method(
            restApiId=api_id,
            resourceId=resource["id"],
            httpMethod=verb,
            authorizationType=values["authorizationType"],
            apiKeyRequired=bool(values.get("apiKeyRequired")),
            requestParameters=values.get("requestParameters") or {},
            requestModels=values.get("requestModels") or {},
            requestValidatorId=values.get("requestValidatorId") or "",
        )
        apigateway.put_integration(
            restApiId=api_id,
            resourceId=resource["id"],
            httpMethod=verb,
            type=integration["type"],
            integrationHttpMethod=integration["httpMethod"],
            uri=integration["uri"],
            **{name: integration[name] for name in INTEGRATION_FIELDS if integration.get(name) is not None},
        )

    put({**method, **changes})
    return lambda: put(method)


def validator_removed(stack: Stack) -> Callable[[], None]:
    return change_method(stack, "/api/orders", "POST", requestValidatorId="")


def api_key_not_required(stack: Stack) -> Callable[[], None]:
    return change_method(stack, "/api/config", "GET", apiKeyRequired=False)


def permission_with_wrong_source_arn(stack: Stack) -> Callable[[], None]:
    lambda_client = stack.client("lambda")
    function = stack.outputs["function_names"]["orders"]
    policy = json.loads(lambda_client.get_policy(FunctionName=function)["Policy"])
    [statement] = [s for s in policy["Statement"] if s["Sid"] == "api-get-config"]
    source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]

    def grant(arn: str) -> None:
        lambda_client.remove_permission(FunctionName=function, StatementId=statement["Sid"])
        lambda_client.add_permission(
            FunctionName=function,
            StatementId=statement["Sid"],
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=arn,
        )

    grant(source_arn.replace("/GET/api/config", "/GET/api/configuration"))
    return lambda: grant(source_arn)


@dataclass(frozen=True)
class Mutation:
    mutate: Callable[[Stack], Callable[[], None]]
    check: Callable[[FrontDoor], None]


MUTATIONS = {
    "wrong /api/* path pattern": Mutation(wrong_path_pattern, check_api_reaches_the_function),
    "origin header (API key) removed": Mutation(origin_header_removed, check_api_reaches_the_function),
    "POST removed from allowed methods": Mutation(post_not_allowed, check_order_body_is_validated_by_the_gateway),
    "Stripe-Signature not forwarded": Mutation(
        stripe_signature_not_forwarded, check_stripe_signature_reaches_the_function
    ),
    "request validator removed": Mutation(validator_removed, check_order_body_is_validated_by_the_gateway),
    "api_key_required = false": Mutation(api_key_not_required, check_api_key_is_required),
    "Lambda permission with a wrong source_arn": Mutation(
        permission_with_wrong_source_arn, check_api_reaches_the_function
    ),
}


def fresh_front_door(stack: Stack) -> FrontDoor:
    return open_front_door(stack.session, stack.outputs["cloudfront_distribution_id"], stack.runner)


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_mutation_fails_its_check(stack: Stack, name: str) -> None:
    mutation = MUTATIONS[name]
    # Given the deployment with one mutation applied
    undo = mutation.mutate(stack)
    try:
        front = fresh_front_door(stack)
        try:
            # When the check runs against the front door read back from it / Then it fails
            with pytest.raises(AssertionError):
                mutation.check(front)
        finally:
            front.stop()
    finally:
        undo()
    # And with the mutation undone the same check passes again
    restored = fresh_front_door(stack)
    try:
        mutation.check(restored)
    finally:
        restored.stop()


def test_second_plan_sees_a_changed_behaviour(stack: Stack) -> None:
    # Given the production behaviours reach the emulator unchanged (no override forks them)
    undo = wrong_path_pattern(stack)
    try:
        # When the deployed /api/* pattern differs from the configuration / Then Terraform plans to fix it
        changes = stack.workspace.pending_changes()
    finally:
        undo()
    assert "update aws_cloudfront_distribution.site" in changes, changes

"""Proof that enforcement can fail: a deliberately weakened role is reported with exactly its action and ARN.

The admin identity rewrites the orders function's deployed role policy in the emulator (one
statement removed; separately one resource ARN changed), the function's environment is restarted,
one request runs, and the recorded denials must be exactly the action and resource the change took
away. The deployed policy is restored afterwards.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest

from harness.iam.recorder import denied_checks

if TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from harness.iam.recorder import ExpectedDenials
    from harness.stack import Stack


def _statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    [found] = [s for s in document["Statement"] if s.get("Sid") == sid]
    return found


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


class RolePolicy:
    """The orders role's inline policy, as deployed; ``put`` replaces it, ``restore`` puts it back."""

    def __init__(self, stack: Stack) -> None:
        self.iam = stack.client("iam")
        self.function = stack.outputs["function_names"]["orders"]
        role_arn = stack.client("lambda").get_function(FunctionName=self.function)["Configuration"]["Role"]
        self.role = role_arn.rsplit("/", 1)[-1]
        [self.name] = self.iam.list_role_policies(RoleName=self.role)["PolicyNames"]
        raw = self.iam.get_role_policy(RoleName=self.role, PolicyName=self.name)["PolicyDocument"]
        self.original = raw if isinstance(raw, dict) else json.loads(raw)

    def put(self, document: dict[str, Any]) -> None:
        self.iam.put_role_policy(RoleName=self.role, PolicyName=self.name, PolicyDocument=json.dumps(document))

    def restore(self) -> None:
        self.put(self.original)


@pytest.fixture
def orders_policy(stack: Stack) -> Iterator[RolePolicy]:
    policy = RolePolicy(stack)
    yield policy
    policy.restore()
    stack.runner.restart(policy.function)


def denied_pairs(denials: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (entry["function"], check["action"], check["resource"]) for entry in denials for check in denied_checks(entry)
    }


def test_removed_statement_is_reported_with_its_action_and_arn(
    stack: Stack, orders_policy: RolePolicy, api: requests.Session, iam_denials: ExpectedDenials
) -> None:
    # Given the orders role without its ReadConfigParameters statement, and a cold environment
    weakened = copy.deepcopy(orders_policy.original)
    removed = _statement(weakened, "ReadConfigParameters")
    weakened["Statement"].remove(removed)
    orders_policy.put(weakened)
    stack.runner.restart(orders_policy.function)

    # When the site asks for its configuration
    reply = api.get(f"{stack.front.url}/api/config", timeout=30)

    # Then the function fails (AccessDenied inside it) and the run reports exactly that action on
    # the statement's parameter-path ARN, and nothing else
    assert reply.status_code >= 500, reply.text
    [path_arn] = _as_list(removed["Resource"])
    assert denied_pairs(iam_denials.take()) == {(orders_policy.function, "ssm:GetParametersByPath", path_arn)}


def test_changed_resource_arn_is_reported_with_the_arn_the_call_needs(
    stack: Stack, orders_policy: RolePolicy, api: requests.Session, iam_denials: ExpectedDenials
) -> None:
    # Given the orders role whose ReadSecrets statement names a wrong ARN for the Stripe key secret
    weakened = copy.deepcopy(orders_policy.original)
    statement = _statement(weakened, "ReadSecrets")
    secrets = _as_list(statement["Resource"])
    [stripe_key] = [arn for arn in secrets if "stripe" in arn]
    statement["Resource"] = [arn if arn != stripe_key else stripe_key + "-wrong" for arn in secrets]
    orders_policy.put(weakened)
    stack.runner.restart(orders_policy.function)

    # When a customer places an order (the function reads the Stripe key to create the PaymentIntent)
    config = api.get(f"{stack.front.url}/api/config", timeout=30).json()
    body = {
        "items": [{"sku": config["catalog"][0]["sku"], "quantity": 1}],
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
    }
    reply = api.post(f"{stack.front.url}/api/orders", json=body, timeout=30)

    # Then the order fails and the run reports exactly GetSecretValue on the real secret's ARN
    assert reply.status_code >= 500, reply.text
    assert denied_pairs(iam_denials.take()) == {(orders_policy.function, "secretsmanager:GetSecretValue", stripe_key)}

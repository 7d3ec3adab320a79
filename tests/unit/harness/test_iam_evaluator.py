"""The harness IAM evaluator and the operation → action/ARN mapping, on small documents.

The deployed documents themselves (rendered by Terraform) are exercised in
tests/integration/test_iam_policies.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.iam.actions import UnmappedCall, calls_for, iam_action
from harness.iam.policy import Policy, PolicyError, Request, evaluate

ACCOUNT = "123456789012"
REGION = "us-east-2"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-orders"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/shop-orders"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:shop-fulfillment"


def policy(*statements: dict[str, Any], name: str = "inline policy p of role shop-orders") -> Policy:
    return Policy(name, {"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def ask(action: str, resource: str, principal: str = ROLE, **context: Any) -> Request:
    return Request(principal=principal, action=action, resource=resource, account=ACCOUNT, context=context)


def test_action_and_resource_must_both_match() -> None:
    identity = [policy(allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE))]
    assert evaluate(ask("dynamodb:GetItem", TABLE), identity).allowed
    missing_action = evaluate(ask("dynamodb:DeleteItem", TABLE), identity)
    assert not missing_action.allowed and "dynamodb:DeleteItem" in missing_action.reason
    assert not evaluate(ask("dynamodb:GetItem", TABLE + "-other"), identity).allowed


def test_wildcards_actions_ignore_case_resources_do_not() -> None:
    identity = [policy(allow("kms:GenerateDataKey*", "arn:aws:logs:*:*:log-group:/aws/lambda/x:*"))]
    assert evaluate(
        ask("kms:generatedatakeywithoutplaintext", "arn:aws:logs:r:a:log-group:/aws/lambda/x:s"), identity
    ).allowed
    assert not evaluate(ask("kms:GenerateDataKey", "arn:aws:logs:r:a:log-group:/AWS/lambda/x:s"), identity).allowed


def test_explicit_deny_wins_over_any_allow() -> None:
    identity = [
        policy(allow("dynamodb:*", "*")),
        policy(
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}, name="boundary"
        ),
    ]
    decision = evaluate(ask("dynamodb:DeleteItem", TABLE), identity)
    assert not decision.allowed and "explicit deny in boundary" in decision.reason
    assert evaluate(ask("dynamodb:GetItem", TABLE), identity).allowed


def test_not_action_and_not_resource() -> None:
    identity = [policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": TABLE})]
    assert evaluate(ask("sqs:SendMessage", QUEUE), identity).allowed
    assert not evaluate(ask("iam:PassRole", QUEUE), identity).allowed
    assert not evaluate(ask("dynamodb:GetItem", TABLE), identity).allowed


def test_conditions_need_the_key_unless_if_exists() -> None:
    via = {"StringEquals": {"kms:ViaService": ["dynamodb.us-east-2.amazonaws.com"]}}
    identity = [policy(allow("kms:Decrypt", KEY, Condition=via))]
    key_policy = policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        name="key policy",
    )
    through = ask("kms:Decrypt", KEY, **{"kms:ViaService": "dynamodb.us-east-2.amazonaws.com"})
    assert evaluate(through, identity, key_policy, key_policy=True).allowed
    assert not evaluate(ask("kms:Decrypt", KEY), identity, key_policy, key_policy=True).allowed
    other = ask("kms:Decrypt", KEY, **{"kms:ViaService": "sqs.us-east-2.amazonaws.com"})
    assert not evaluate(other, identity, key_policy, key_policy=True).allowed
    if_exists = [policy(allow("kms:Decrypt", KEY, Condition={"StringEqualsIfExists": via["StringEquals"]}))]
    assert evaluate(ask("kms:Decrypt", KEY), if_exists, key_policy, key_policy=True).allowed


def test_negated_and_arn_and_bool_operators() -> None:
    condition = {
        "StringNotEquals": {"aws:SourceAccount": ["999999999999"]},
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    identity = [policy(allow("kms:GenerateDataKey", KEY, Condition=condition))]
    context = {
        "aws:SourceAccount": ACCOUNT,
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/x",
        "aws:SecureTransport": "true",
    }
    assert evaluate(ask("kms:GenerateDataKey", KEY, **context), identity).allowed
    assert not evaluate(
        ask("kms:GenerateDataKey", KEY, **(context | {"aws:SecureTransport": "false"})), identity
    ).allowed
    assert not evaluate(
        ask("kms:GenerateDataKey", KEY, **(context | {"aws:SourceAccount": "999999999999"})), identity
    ).allowed


def test_unknown_operator_fails_loudly() -> None:
    identity = [policy(allow("s3:GetObject", "*", Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}))]
    with pytest.raises(PolicyError, match="DateGreaterThan"):
        evaluate(ask("s3:GetObject", "arn:aws:s3:::b/k"), identity)


def test_key_policy_is_authoritative() -> None:
    identity = [policy(allow("kms:Decrypt", KEY))]
    no_delegation = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "logs.us-east-2.amazonaws.com"},
            "Action": "kms:*",
            "Resource": "*",
        },
        name="key policy of k",
    )
    decision = evaluate(ask("kms:Decrypt", KEY), identity, no_delegation, key_policy=True)
    assert not decision.allowed and decision.needs == "key policy of k"
    # A service principal is allowed by the key policy alone.
    service = ask("kms:Decrypt", KEY, principal="service:logs.us-east-2.amazonaws.com")
    assert evaluate(service, [], no_delegation, key_policy=True).allowed


def test_queue_policy_grants_a_principal_without_an_identity_grant() -> None:
    queue_policy = policy(
        {"Sid": "Q", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": QUEUE},
        name="queue policy",
    )
    assert evaluate(ask("sqs:SendMessage", QUEUE), [], queue_policy).allowed
    denying = policy({"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE}, name="queue policy")
    assert not evaluate(ask("sqs:SendMessage", QUEUE), [policy(allow("sqs:*", "*"))], denying).allowed


class FakeDeployed:
    """Deployed state for the mapping: one CMK-encrypted table, queue and secret."""

    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:shop/stripe-AbCdEf"

    def secret_arn(self, secret_id: str) -> str | None:
        return self.secret if secret_id in ("shop/stripe", self.secret) else None

    def key_arn(self, key_id: str) -> str | None:
        return KEY if key_id in (KEY, "alias/shop-main") else None

    def encryption_key(self, service: str, resource_arn: str) -> str | None:
        return KEY if resource_arn in (TABLE, QUEUE, self.secret) else None


def test_operations_map_to_actions_and_arns() -> None:
    deployed = FakeDeployed()
    [get] = [
        c
        for c in calls_for("dynamodb", "GetItem", {"TableName": "shop-orders"}, deployed, REGION, ACCOUNT)
        if not c.implied_by
    ]
    assert (get.action, get.resource) == ("dynamodb:GetItem", TABLE)
    batch = calls_for(
        "sqs", "DeleteMessageBatch", {"QueueUrl": f"http://h/{ACCOUNT}/shop-fulfillment"}, deployed, REGION, ACCOUNT
    )
    assert (batch[0].action, batch[0].resource) == ("sqs:DeleteMessage", QUEUE)
    by_path = calls_for("ssm", "GetParametersByPath", {"Path": "/shop/config"}, deployed, REGION, ACCOUNT)
    assert [c.resource for c in by_path] == [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/shop/config"]
    stream = calls_for(
        "logs", "CreateLogStream", {"logGroupName": "/aws/lambda/x", "logStreamName": "s"}, deployed, REGION, ACCOUNT
    )
    assert stream[0].resource == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/x:log-stream:s"
    assert iam_action("xray", "PutTraceSegments") == "xray:PutTraceSegments"
    assert calls_for("xray", "PutTraceSegments", {}, deployed, REGION, ACCOUNT)[0].resource == "*"
    with pytest.raises(UnmappedCall):
        iam_action("dynamodb", "NoSuchOperation")


def test_a_direct_kms_call_carries_its_encryption_context_as_condition_keys() -> None:
    params = {"KeyId": KEY, "Plaintext": "eA==", "EncryptionContext": {"tth:order": "o-1", "tth:field": "email"}}
    [call] = calls_for("kms", "Encrypt", params, FakeDeployed(), REGION, ACCOUNT)
    assert (call.action, call.resource) == ("kms:Encrypt", KEY)
    assert call.context == {
        "kms:EncryptionContext:tth:order": "o-1",
        "kms:EncryptionContext:tth:field": "email",
        "kms:EncryptionContextKeys": ["tth:field", "tth:order"],
        "kms:CallerAccount": ACCOUNT,
    }
    # So a grant bound to a field and to the shop's context keys only allows what it names
    grant = policy(
        allow(
            "kms:Encrypt",
            KEY,
            Condition={
                "StringEquals": {"kms:EncryptionContext:tth:field": ["email", "name"]},
                "Null": {"kms:EncryptionContext:tth:order": "false"},
                "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["tth:field", "tth:order"]},
            },
        )
    )
    assert evaluate(ask("kms:Encrypt", KEY, **call.context), [grant]).allowed
    for changed in (
        {"tth:order": "o-1", "tth:field": "order_created"},  # a field it does not name
        {"tth:field": "email"},  # no order
        {"tth:order": "o-1", "tth:field": "email", "SecretARN": "x"},  # another context key
        {},
    ):
        [other] = calls_for("kms", "Encrypt", {**params, "EncryptionContext": changed}, FakeDeployed(), REGION, ACCOUNT)
        assert not evaluate(ask("kms:Encrypt", KEY, **other.context), [grant]).allowed, changed


def test_cmk_encrypted_resources_imply_kms_calls() -> None:
    deployed = FakeDeployed()
    send = calls_for(
        "sqs", "SendMessage", {"QueueUrl": f"http://h/{ACCOUNT}/shop-fulfillment"}, deployed, REGION, ACCOUNT
    )
    assert [(c.action, c.resource) for c in send] == [
        ("sqs:SendMessage", QUEUE),
        ("kms:GenerateDataKey", KEY),
        ("kms:Decrypt", KEY),
    ]
    assert send[1].context["kms:ViaService"] == "sqs.us-east-2.amazonaws.com"
    assert send[1].context["kms:EncryptionContext:aws:sqs:arn"] == QUEUE
    secret = calls_for("secretsmanager", "GetSecretValue", {"SecretId": "shop/stripe"}, deployed, REGION, ACCOUNT)
    assert [(c.action, c.resource) for c in secret] == [
        ("secretsmanager:GetSecretValue", FakeDeployed.secret),
        ("kms:Decrypt", KEY),
    ]
    logs = calls_for("logs", "PutLogEvents", {"logGroupName": "/x", "logStreamName": "s"}, deployed, REGION, ACCOUNT)
    assert [c.action for c in logs] == ["logs:PutLogEvents"]  # that group is not CMK-encrypted here

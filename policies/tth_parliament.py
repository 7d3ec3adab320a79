"""CKV_TTH_23: lint every IAM policy document with parliament and its bundled IAM database.

parliament reads a policy as AWS JSON. Each document the scan sees (a policy rendered as JSON, or the
``statement`` blocks of an ``aws_iam_policy_document``) is rendered the way the AWS provider renders it, with every
Terraform expression replaced by a value of the same shape:

- ``<type>.<name>.arn`` of a resource type in ``ARN_RESOURCE_TYPES`` becomes an ARN in that IAM resource type's
  format, taken from parliament's database, so an action whose resource type does not match the ARN (``s3:GetObject``
  on ``aws_s3_bucket.x.arn`` instead of ``"${aws_s3_bucket.x.arn}/*"``) is found on the HCL;
- any other ARN-valued expression, and a value the plan knows only after apply, becomes ``arn:*:*:*:*:*``: its
  resource type cannot be judged, everything else in the statement still is. In a plan, a deferred value reads as
  its first reference with any suffix dropped (``"${aws_s3_bucket.x.arn}/*"`` reads ``aws_s3_bucket.x.arn``), so a
  plan reference is always this unknown ARN, never the typed one;
- an expression inside an ARN becomes a neutral value of that field (partition ``aws``, a region, an account id).

Findings are parliament's, minus the reviewed exceptions in ``tth_allowlist`` (``PARLIAMENT_IGNORED_ISSUES`` and
``ACTIONS_MISSING_FROM_PARLIAMENT``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from checkov.common.models.enums import CheckResult
from tth_allowlist import ACTIONS_MISSING_FROM_PARLIAMENT, PARLIAMENT_IGNORED_ISSUES
from tth_check_bases import GUIDELINE_BASE
from tth_conf_helpers import first, is_plan, is_reference

with warnings.catch_warnings():
    # parliament 1.6.4 loads its database through pkg_resources, which setuptools deprecates (requirements/policy.txt).
    warnings.simplefilter("ignore")
    import parliament  # type: ignore[import-untyped]  # no type information shipped

if TYPE_CHECKING:
    from tth_iam_helpers import Statement

RULE_NAME = "Ensure IAM and resource policies pass parliament's IAM lint (actions, resource types, condition keys)"
GUIDELINE = (
    GUIDELINE_BASE + "ckv_tth_23: Use actions and condition keys that exist for the service, and ARNs of the "
    "resource type each action needs (objects: bucket ARN + /*; log streams: log group ARN + :*)."
)

# Terraform resource types whose ``arn`` attribute policies reference -> (IAM service prefix, IAM resource type in
# parliament's database). A type missing here is judged as an ARN of unknown type.
ARN_RESOURCE_TYPES: dict[str, tuple[str, str]] = {
    "aws_cloudfront_distribution": ("cloudfront", "distribution"),
    "aws_cloudwatch_log_group": ("logs", "log-group"),
    "aws_dynamodb_table": ("dynamodb", "table"),
    "aws_iam_policy": ("iam", "policy"),
    "aws_iam_role": ("iam", "role"),
    "aws_kms_alias": ("kms", "alias"),
    "aws_kms_key": ("kms", "key"),
    "aws_lambda_function": ("lambda", "function"),
    "aws_s3_bucket": ("s3", "bucket"),
    "aws_secretsmanager_secret": ("secretsmanager", "Secret"),
    "aws_sns_topic": ("sns", "topic"),
    "aws_sqs_queue": ("sqs", "queue"),
    "aws_ssm_parameter": ("ssm", "parameter"),
}
UNKNOWN_ARN = "arn:*:*:*:*:*"
# Neutral values of the ARN fields (partition, service, region, account) and of a name.
_ARN_FIELDS = ("arn", "aws", "tth", "us-east-1", "123456789012")
_NAME = "tthvalue"
_PLACEHOLDERS = {"Partition": "aws", "Region": "us-east-1", "Account": "123456789012"}
# A Terraform interpolation; ``${aws:username}``, ``${s3:prefix}``, ``${*}`` are IAM policy variables and stay.
_INTERPOLATION = re.compile(r"\$\{(?![a-z0-9-]+:[A-Za-z0-9/_-]+\}|[*?$]\})([^{}]*)\}")
_ARN_REFERENCE = re.compile(r"^(?:data\.)?(aws_[a-z0-9_]+)\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.arn$")
_LEADING_REFERENCE = re.compile(
    r"^((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?(?:\.[A-Za-z0-9_]+)+|(?:local|var)\.[A-Za-z0-9_]+)(.*)$"
)
# ``each.value.arn`` / ``each.key`` / ``count.index``: the value of one instance of a for_each/count block, whose
# type the HCL cannot tell (``for_each = local.buckets``), so judged as an unknown ARN like a deferred plan value.
_INSTANCE_REFERENCE = re.compile(r"^(?:each\.(?:key|value)|count\.index)(?:\.[A-Za-z0-9_]+)*$")
_SENTINEL = "\x00"
_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml",
                            "sts:tagsession", "sts:setsourceidentity", "sts:setcontext"})  # fmt: skip


@lru_cache(maxsize=64)
def typed_arn(resource_type: str) -> str | None:
    """An ARN of the IAM resource type that ``resource_type``'s ``arn`` attribute has, from parliament's database."""
    if resource_type not in ARN_RESOURCE_TYPES:
        return None
    prefix, iam_type = ARN_RESOURCE_TYPES[resource_type]
    for service in parliament.iam_definition:
        if service["prefix"] != prefix:
            continue
        for resource in service["resources"]:
            if resource["resource"] == iam_type:
                return re.sub(r"\$\{(\w+)\}", lambda m: _PLACEHOLDERS.get(m.group(1), _NAME), resource["arn"])
    return None


def _expression_value(expression: str) -> str:
    match = _ARN_REFERENCE.match(expression.strip())
    if match:
        return typed_arn(match.group(1)) or UNKNOWN_ARN
    if expression.strip().endswith("arn"):
        return UNKNOWN_ARN
    return _SENTINEL


def concrete(value: Any, in_plan: bool) -> str:
    """``value`` (a string of a policy, possibly a Terraform expression) as a literal of the same shape."""
    if value is None:
        return UNKNOWN_ARN
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text in ("True", "False"):  # a bool that checkov's helpers turned into a string
        return text.lower()
    leading = None if "${" in text or text.startswith("arn:") else _LEADING_REFERENCE.match(text)
    if leading:  # checkov renders "${aws_x.y.arn}:*" inside jsonencode as "aws_x.y.arn:*"
        text = (UNKNOWN_ARN if in_plan else _expression_value(leading.group(1))) + leading.group(2)
    elif _INSTANCE_REFERENCE.match(text):
        text = UNKNOWN_ARN
    elif is_reference(text) and "${" not in text:
        text = UNKNOWN_ARN if in_plan else _expression_value(text)
    else:
        text = _INTERPOLATION.sub(lambda m: UNKNOWN_ARN if in_plan else _expression_value(m.group(1)), text)
    if _SENTINEL not in text:
        return text
    if text.startswith("arn:"):
        fields = text.split(":", 5)
        for position in range(1, min(len(fields), 5)):
            fields[position] = fields[position].replace(_SENTINEL, _ARN_FIELDS[position])
        text = ":".join(fields)
    return text.replace(_SENTINEL, _NAME)


def _one_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _principal_value(kind: str, ident: str, in_plan: bool) -> str:
    value = concrete(ident, in_plan)
    if value == ident or kind != "AWS" or (":iam::" in value and value != UNKNOWN_ARN):
        return value
    # An AWS principal given by an expression of unknown shape (an account id, a deferred ARN): parliament judges
    # only the form, and an account id is a valid one.
    return "123456789012"


def _principal(pairs: list[tuple[str, str]], in_plan: bool) -> str | dict[str, str | list[str]]:
    if pairs == [("*", "*")]:
        return "*"
    grouped: dict[str, list[str]] = {}
    for kind, ident in pairs:
        grouped.setdefault(kind, []).append(_principal_value(kind, ident, in_plan))
    return {kind: _one_or_list(idents) for kind, idents in grouped.items()}


def _values(values: list[str], in_plan: bool) -> str | list[str]:
    return _one_or_list([concrete(v, in_plan) for v in values])


def _rendered_statement(s: Statement, in_plan: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": s.sid} if s.sid else {}
    out["Effect"] = s.effect
    elements = (("Action", s.actions), ("NotAction", s.not_actions), ("Resource", s.resources),
                ("NotResource", s.not_resources))  # fmt: skip
    out.update({key: _values(values, in_plan) for key, values in elements if values})
    if s.principals:
        out["Principal"] = _principal(s.principals, in_plan)
    if s.not_principals:
        out["NotPrincipal"] = _principal(s.not_principals, in_plan)
    # A trust statement has no Resource (AWS forbids one); parliament requires one, so give it "*".
    is_trust = bool(s.principals and s.actions) and all(a.lower() in _TRUST_ACTIONS for a in s.actions)
    if is_trust and not (s.resources or s.not_resources):
        out["Resource"] = "*"
    elif in_plan and not (s.resources or s.not_resources):
        # In a plan, a statement of a ``dynamic`` block whose resources are known only after apply shows them as
        # nulls (checkov cannot substitute their expression): unknown ARNs, judged as a deferred value is. A
        # statement written without resources is still found on the HCL.
        out["Resource"] = UNKNOWN_ARN
    if s.conditions:
        condition: dict[str, dict[str, str | list[str]]] = {}
        for operator, key, values in s.conditions:
            condition.setdefault(operator, {})[key] = _values(values, in_plan)
        out["Condition"] = condition
    return out


def render(statements: list[Statement], in_plan: bool, version: str | None = "2012-10-17") -> dict[str, Any]:
    """A policy document as the AWS provider renders it: single values as scalars, Condition values as strings."""
    document: dict[str, Any] = {"Version": version} if version else {}
    document["Statement"] = [_rendered_statement(s, in_plan) for s in statements]
    return document


def _without_unlisted_actions(statements: list[Statement]) -> list[Statement]:
    """Drop the reviewed actions that parliament's database does not know yet (a statement left without actions
    is not judged: nothing in it is known to parliament)."""
    missing = {a.lower() for a in ACTIONS_MISSING_FROM_PARLIAMENT}
    kept: list[Statement] = []
    for s in statements:
        remaining = [a for a in s.actions if a.lower() not in missing]
        if len(remaining) == len(s.actions):
            kept.append(s)
        elif remaining:
            kept.append(dataclasses.replace(s, actions=remaining))
    return kept


def _describe(finding: Any) -> str:
    location = finding.location if isinstance(finding.location, dict) else {}
    where = location.get("string")
    detail = finding.detail
    if isinstance(detail, list):
        detail = "; ".join(
            f"{d.get('action')} needs {d.get('required_format')}" if isinstance(d, dict) else str(d) for d in detail
        )
    parts = [f"{finding.issue} ({finding.severity})", str(finding.title).strip()]
    if detail:
        parts.append(str(detail))
    if where and not isinstance(where, (dict, list)):
        parts.append(f"at {where}")
    return ": ".join(parts[:2]) + ("" if len(parts) == 2 else " - " + " ".join(parts[2:]))


def _kept(finding: Any) -> bool:
    return finding.issue not in PARLIAMENT_IGNORED_ISSUES


def lint(statements: list[Statement], in_plan: bool, version: str | None = "2012-10-17") -> list[str]:
    """parliament's findings on one policy given as statements (rendered by ``render``), minus the reviewed
    exceptions; each finding of a statement names it (its Sid, else its position)."""
    statements = _without_unlisted_actions(statements)
    if not statements:
        return []
    document = json.dumps(render(statements, in_plan, version))
    policy = parliament.analyze_policy_string(document, ignore_private_auditors=True)
    found: set[str] = set()
    of_statements: set[int] = set()
    for position, (statement, parsed) in enumerate(zip(statements, policy.statements, strict=False)):
        name = statement.sid or f"#{position + 1}"
        for finding in parsed.findings:
            of_statements.add(id(finding))
            if _kept(finding):
                found.add(f"statement {name}: {_describe(parliament.enhance_finding(finding))}")
    for finding in policy.findings:
        if id(finding) not in of_statements and _kept(finding):
            found.add(f"policy: {_describe(parliament.enhance_finding(finding))}")
    return sorted(found)


def json_version(conf: dict[str, Any], attribute: str) -> str | None:
    """The ``Version`` of a policy attribute given as JSON (None when it has none: parliament reports that)."""
    raw = first(conf.get(attribute))
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return "2012-10-17"  # an expression (HCL): the document it names is judged on its own
    if isinstance(raw, dict):
        version = raw.get("Version")
        return str(first(version)) if version else None
    return "2012-10-17"


def judge_documents(
    conf: dict[str, Any], documents: list[tuple[str, list[Statement], str | None]], details: list[str]
) -> CheckResult:
    """FAILED with one detail per finding; PASSED when some document was linted clean; UNKNOWN when the scan could
    read no document (only references, judged where they are defined)."""
    in_plan = is_plan(conf)
    if not documents:
        return CheckResult.UNKNOWN
    for attribute, statements, version in documents:
        try:
            findings = lint(statements, in_plan, version)
        except Exception as exc:  # fail closed: checkov would drop a check that raises from its counts
            findings = [f"parliament could not analyse the document: {type(exc).__name__}: {exc}"]
        details.extend(f"{attribute} {finding}" for finding in findings)
    return CheckResult.FAILED if details else CheckResult.PASSED


__all__ = [
    "ARN_RESOURCE_TYPES",
    "GUIDELINE",
    "RULE_NAME",
    "UNKNOWN_ARN",
    "concrete",
    "json_version",
    "judge_documents",
    "lint",
    "render",
    "typed_arn",
]

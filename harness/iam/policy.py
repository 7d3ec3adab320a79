"""Evaluate one request against IAM policy documents, the way AWS does for a principal in its own account.

Covered: identity policies (inline and attached), the resource policy of the target (KMS key policy,
SQS queue policy, any other document passed in), ``Action``/``NotAction``, ``Resource``/``NotResource``,
``Principal`` of resource policies, the condition operators below (with ``...IfExists``,
``ForAnyValue:`` / ``ForAllValues:``), and AWS's order: an explicit deny anywhere wins; otherwise an
allow is needed. For KMS the key policy is authoritative: a principal is allowed if the key policy
allows it directly, or if the key policy delegates to the account (``arn:aws:iam::ACCOUNT:root``)
and an identity policy allows it. For other services in the same account an allow in either the
identity policies or the resource policy suffices.

Not covered (README fidelity table): SCPs, permission boundaries, session policies, grants, ACLs,
cross-account access.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

# A condition key the request does not carry makes a plain operator false, as in AWS;
# ``...IfExists`` makes it true and ``Null`` tests for it.
_STRING_OPERATORS = {
    "StringEquals": lambda value, pattern: value == pattern,
    "StringNotEquals": lambda value, pattern: value != pattern,
    "StringEqualsIgnoreCase": lambda value, pattern: value.lower() == pattern.lower(),
    "StringNotEqualsIgnoreCase": lambda value, pattern: value.lower() != pattern.lower(),
    "StringLike": lambda value, pattern: _glob(pattern, value),
    "StringNotLike": lambda value, pattern: not _glob(pattern, value),
    "ArnEquals": lambda value, pattern: value == pattern,
    "ArnNotEquals": lambda value, pattern: value != pattern,
    "ArnLike": lambda value, pattern: _glob(pattern, value),
    "ArnNotLike": lambda value, pattern: not _glob(pattern, value),
    "Bool": lambda value, pattern: value.lower() == pattern.lower(),
}
_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


class PolicyError(ValueError):
    """A document the evaluator cannot read (unknown condition operator, bad shape)."""


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: ``*`` any run of characters (also ``:`` and ``/``), ``?`` one character."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Request:
    """One authorization question: who, what, on which ARN, with which condition keys."""

    principal: str  # role ARN, or "service:<host>" for a service principal (e.g. logs.us-east-2.amazonaws.com)
    action: str  # "service:Action"
    resource: str
    account: str
    context: dict[str, Any] = field(default_factory=dict)  # condition key -> str or list[str]


@dataclass(frozen=True)
class Policy:
    """A named policy document: where it comes from (for messages) and its statements."""

    name: str  # e.g. "role tth-prod-orders inline least-privilege", "key policy of arn:..."
    document: dict[str, Any]

    @classmethod
    def parse(cls, name: str, document: str | dict[str, Any]) -> Policy:
        return cls(name, json.loads(document) if isinstance(document, str) else document)

    def statements(self) -> list[dict[str, Any]]:
        return [s for s in _as_list(self.document.get("Statement")) if isinstance(s, dict)]


@dataclass(frozen=True)
class Match:
    """The statement of a policy that matched a request, and which of its patterns did."""

    policy: str
    sid: str
    effect: str
    action: str
    resource: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    allows: tuple[Match, ...] = ()  # identity and resource statements that allowed it
    denies: tuple[Match, ...] = ()  # explicit denies
    needs: str = ""  # which policy would have to grant it, when denied


def _key_holds(base: str, set_op: str, if_exists: bool, patterns: list[str], present: Any) -> bool:
    """One condition key under one operator."""
    if base == "Null":
        return (present is None) == (patterns[0].lower() == "true")
    compare = _STRING_OPERATORS.get(base)
    if compare is None:
        raise PolicyError(f"condition operator {base} is not supported by the harness evaluator")
    if present is None:
        return if_exists or set_op == "ForAllValues"
    # A negated operator holds for a value that matches none of the patterns.
    combine = all if base in _NEGATED else any
    results = [combine(compare(str(value), pattern) for pattern in patterns) for value in _as_list(present)]
    return all(results) if set_op == "ForAllValues" else any(results)


def _condition_holds(conditions: dict[str, Any], context: dict[str, Any]) -> bool:
    for operator, keys in conditions.items():
        set_op, _, base = operator.rpartition(":")
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        for key, patterns in keys.items():
            values = [str(p) for p in _as_list(patterns)]
            if not _key_holds(base, set_op, if_exists, values, _context_value(context, key)):
                return False
    return True


def _context_value(context: dict[str, Any], key: str) -> Any:
    # Condition key names are case-insensitive.
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None


def _first_match(patterns: list[str], value: str, *, ignore_case: bool) -> str | None:
    for pattern in patterns:
        if _glob(pattern, value, ignore_case=ignore_case):
            return pattern
    return None


def _principal_kind(statement: dict[str, Any], request: Request) -> str | None:
    """How a resource policy statement names the request's principal: 'direct', 'account' or None."""
    if "NotPrincipal" in statement:
        raise PolicyError("NotPrincipal is not supported by the harness evaluator")
    principal = statement.get("Principal")
    if principal == "*":
        return "direct"
    if not isinstance(principal, dict):
        return None
    if request.principal.startswith("service:"):
        services = [str(s) for s in _as_list(principal.get("Service"))]
        return "direct" if request.principal.removeprefix("service:") in services else None
    aws = [str(a) for a in _as_list(principal.get("AWS"))]
    if "*" in aws or request.principal in aws:
        return "direct"
    root = f"arn:aws:iam::{request.account}:root"
    if root in aws or request.account in aws:
        return "account"
    return None


def _element_match(statement: dict[str, Any], element: str, value: str, *, ignore_case: bool) -> str | None:
    """Which pattern of ``element`` (``Action``/``Resource``, or their ``Not`` form) admits ``value``.

    Returns the pattern, ``"NotAction"``/``"NotResource"`` when the negated form admits it, ``"*"``
    for an absent ``Resource`` (a resource policy's own resource), or None.
    """
    if element in statement:
        return _first_match([str(p) for p in _as_list(statement[element])], value, ignore_case=ignore_case)
    negated = f"Not{element}"
    if negated in statement:
        excluded = _first_match([str(p) for p in _as_list(statement[negated])], value, ignore_case=ignore_case)
        return None if excluded else negated
    if element == "Resource":
        return "*"
    raise PolicyError(f"a statement has neither {element} nor {negated}")


def _statement_match(policy: Policy, statement: dict[str, Any], request: Request) -> Match | None:
    """The statement's effect applies to this request (principal aside)."""
    action = _element_match(statement, "Action", request.action, ignore_case=True)
    resource = _element_match(statement, "Resource", request.resource, ignore_case=False)
    if action is None or resource is None:
        return None
    if not _condition_holds(statement.get("Condition") or {}, request.context):
        return None
    return Match(policy.name, str(statement.get("Sid", "")), str(statement.get("Effect")), action, resource)


def _identity_matches(request: Request, identity: list[Policy]) -> tuple[list[Match], list[Match]]:
    allows: list[Match] = []
    denies: list[Match] = []
    for policy in identity:
        for statement in policy.statements():
            match = _statement_match(policy, statement, request)
            if match is not None:
                (denies if match.effect == "Deny" else allows if match.effect == "Allow" else []).append(match)
    return allows, denies


def _resource_matches(request: Request, policy: Policy | None) -> tuple[list[Match], list[Match], list[Match]]:
    """(allows naming the principal, allows naming its account, denies) of a resource policy."""
    direct: list[Match] = []
    account: list[Match] = []
    denies: list[Match] = []
    for statement in policy.statements() if policy else []:
        kind = _principal_kind(statement, request)
        match = _statement_match(policy, statement, request) if kind and policy else None
        if match is None:
            continue
        if match.effect == "Deny":
            denies.append(match)
        else:
            (direct if kind == "direct" else account).append(match)
    return direct, account, denies


def evaluate(
    request: Request,
    identity: list[Policy],
    resource_policy: Policy | None = None,
    *,
    key_policy: bool = False,
    identity_owner: str = "",
) -> Decision:
    """Decide one request. ``key_policy`` marks ``resource_policy`` as a KMS key policy (authoritative).

    ``identity_owner`` names the principal's identity policies in messages (e.g. "role tth-prod-orders").
    """
    identity_allows, identity_denies = _identity_matches(request, identity)
    resource_direct, resource_account, resource_denies = _resource_matches(request, resource_policy)
    denies = identity_denies + resource_denies
    what = f"the {request.action} action"  # AWS's wording; the caller's message names the resource
    if denies:
        first = denies[0]
        reason = f"explicit deny in {first.policy} (Sid {first.sid or '-'})"
        return Decision(False, reason, denies=tuple(denies), needs=f"remove the deny in {first.policy}")
    identity_name = identity_owner or "the principal's identity policies"
    if not key_policy:
        allows = identity_allows + resource_direct
        if allows:
            return Decision(True, "allowed", allows=tuple(allows))
        needs = identity_name + (f" (or {resource_policy.name})" if resource_policy else "")
        return Decision(False, f"no identity-based policy allows {what}", needs=needs)
    if resource_direct:
        return Decision(True, "allowed", allows=tuple(resource_direct))
    if resource_account and identity_allows:
        return Decision(True, "allowed", allows=tuple(identity_allows + resource_account))
    if resource_account:
        return Decision(False, f"no identity-based policy allows {what}", needs=identity_name)
    name = resource_policy.name if resource_policy else "the key policy"
    return Decision(False, f"{name} does not allow {what}", needs=name)


def glob_match(pattern: str, value: str) -> bool:
    """IAM-style wildcard match, case-sensitive (resources)."""
    return _glob(pattern, value)


__all__ = ["Decision", "Match", "Policy", "PolicyError", "Request", "evaluate", "glob_match"]

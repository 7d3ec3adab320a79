"""The statement predicates of the CKV_TTH IAM rules, shared by each rule's resource and document check.

Each predicate returns True when the statement VIOLATES the rule. Deny statements never violate: a Deny with
``s3:*``, ``Principal "*"`` and ``Resource "*"`` (the TLS-only bucket policy) is what we want.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from tth_allowlist import (
    LAMBDA_SERVICE_PRINCIPAL,
    LAMBDA_TRUST_CONDITION_KEYS,
    RESTRICTING_CONDITION_KEYS,
    STAR_RESOURCE_ACTIONS,
)
from tth_iam_helpers import Statement, is_public_principal, is_wildcard_action, is_wildcard_resource

_STAR_ACTIONS_LOWER = {a.lower() for a in STAR_RESOURCE_ACTIONS}


def wildcard_action(s: Statement) -> bool:
    """CKV_TTH_2: an Allow with ``*`` or ``service:*`` among its actions."""
    return s.allows and any(is_wildcard_action(a) for a in s.actions)


def wildcard_resource(s: Statement) -> bool:
    """CKV_TTH_3: an identity Allow on ``*`` whose actions are not all in the reviewed allow-list."""
    if not s.allows or s.principals or not any(is_wildcard_resource(r) for r in s.resources):
        return False
    return not s.actions or not all(a.lower() in _STAR_ACTIONS_LOWER for a in s.actions)


def passrole_on_wildcard(s: Statement) -> bool:
    """CKV_TTH_4: an identity Allow of ``iam:PassRole`` (also through ``iam:Pass*``, ``iam:*``, ``*``) on ``*``."""
    if not s.allows or s.principals:
        return False
    grants_passrole = any(fnmatchcase("iam:passrole", a.lower()) for a in s.actions)
    return grants_passrole and any(is_wildcard_resource(r) for r in s.resources)


def not_elements_with_allow(s: Statement) -> bool:
    """CKV_TTH_5: ``NotAction``, ``NotResource`` or ``NotPrincipal`` in an Allow."""
    return s.allows and bool(s.not_actions or s.not_resources or s.not_principals)


def unrestricted_public_principal(s: Statement) -> bool:
    """CKV_TTH_6: an Allow to ``Principal "*"`` (or ``AWS: "*"``) without a restricting condition key."""
    if not s.allows or not any(is_public_principal(p) for p in s.principals):
        return False
    return not (s.condition_keys() & RESTRICTING_CONDITION_KEYS)


def trusts_lambda(statements: list[Statement]) -> bool:
    return any(s.allows and ("Service", LAMBDA_SERVICE_PRINCIPAL) in s.principals for s in statements)


def lambda_trust_violation(s: Statement) -> bool:
    """CKV_TTH_8 (applied to trust policies that name lambda.amazonaws.com): every Allow trusts only
    ``Service: lambda.amazonaws.com``, only for ``sts:AssumeRole``, with an ``aws:SourceAccount``/``aws:SourceArn``
    condition."""
    if not s.allows:
        return False
    if not s.principals or any(p != ("Service", LAMBDA_SERVICE_PRINCIPAL) for p in s.principals):
        return True
    if [a.lower() for a in s.actions] != ["sts:assumerole"]:
        return True
    return not (s.condition_keys() & LAMBDA_TRUST_CONDITION_KEYS)


__all__ = [
    "lambda_trust_violation",
    "not_elements_with_allow",
    "passrole_on_wildcard",
    "trusts_lambda",
    "unrestricted_public_principal",
    "wildcard_action",
    "wildcard_resource",
]

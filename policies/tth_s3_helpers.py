"""S3 helpers of CKV_TTH_11 and CKV_TTH_12: find a bucket's companion resources in the plan, read policies."""

from __future__ import annotations

import re
from typing import Any

from tth_conf_helpers import PlanIndex, first
from tth_iam_helpers import Statement, is_public_principal, statements_from_document, statements_from_json

_DATA_DOC_REF = re.compile(r"^(data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)(\[[^\]]+\])?(\.(minified_)?json)?$")
_INSTANCE_KEY = re.compile(r"(\[[^\]]*\])$")


def instance_key(address: str) -> str:
    """The ``["key"]`` / ``[0]`` suffix of a ``for_each`` / ``count`` instance address, or ``""``."""
    match = _INSTANCE_KEY.search(address)
    return match.group(1) if match else ""


def companions(index: PlanIndex, bucket_address: str, companion_type: str) -> list[str]:
    """Addresses of ``companion_type`` resources whose ``bucket`` argument references ``bucket_address``, or
    (a ``for_each`` over the buckets, ``bucket = each.value.bucket``) whose planned ``bucket`` is its name."""
    name = index.values.get(bucket_address, {}).get("bucket")
    return [
        a
        for a in index.addresses_of_type(companion_type)
        if index.refers_to(a, "bucket", bucket_address)
        or (isinstance(name, str) and name and index.values.get(a, {}).get("bucket") == name)
    ]


def policy_statements(policy: Any, index: PlanIndex | None, owner: str = "") -> list[Statement] | None:
    """Statements of a bucket policy value: a JSON document, or (plan scan) a ``data.aws_iam_policy_document``
    reference resolved through the plan's planned values; ``owner`` is the address of the resource holding the
    value, whose instance key picks the document instance of a ``data.x[each.key]`` reference. None when
    unreadable."""
    policy = first(policy)
    statements = statements_from_json(policy)
    if statements is not None:
        return statements
    if index is None or not isinstance(policy, str):
        return None
    match = _DATA_DOC_REF.match(policy)
    if not match:
        return None
    return document_statements(index, _document_address(index, match.group(1), match.group(2), owner), set())


def _document_address(index: PlanIndex, document: str, key: str | None, owner: str) -> str:
    """The planned address of a referenced document: its literal key, the referring instance's own key (an
    ``each.key`` / ``count.index`` reference, which the plan lists apart from the document), or none."""
    if key and not key.startswith(("[each.", "[count.")):
        return document + key
    own = instance_key(owner)
    if own and document + own in index.values:
        return document + own
    return document


def document_statements(index: PlanIndex, address: str, seen: set[str]) -> list[Statement] | None:
    """Statements of a planned ``aws_iam_policy_document``, following ``source_policy_documents`` and
    ``override_policy_documents`` references to other documents of the plan (the composition the style guide
    recommends), an indexed document's to the same instance of an indexed source. None when the document is
    not in the plan."""
    values = index.values.get(address)
    if values is None or address in seen:
        return None
    seen.add(address)
    rendered = statements_from_json(values.get("json")) if values.get("json") else None
    if rendered is not None:
        return rendered
    statements = statements_from_document(values) or []
    for attribute in ("source_policy_documents", "override_policy_documents"):
        for reference in index.references(address, attribute):
            match = _DATA_DOC_REF.match(reference)
            if not match:
                continue
            source = _document_address(index, match.group(1), match.group(2), address)
            if source != address:
                statements += document_statements(index, source, seen) or []
    return statements


def denies_insecure_transport(statements: list[Statement]) -> bool:
    """True when a Deny to everyone covers all S3 actions on requests with aws:SecureTransport = false."""
    for s in statements:
        if s.allows or not any(is_public_principal(p) for p in s.principals):
            continue
        if not any(a in ("*", "s3:*") for a in s.actions):
            continue
        for operator, key, values in s.conditions:
            if (
                operator.lower() == "bool"
                and key.lower() == "aws:securetransport"
                and "false" in [str(v).lower() for v in values]
            ):
                return True
    return False


__all__ = ["companions", "denies_insecure_transport", "document_statements", "instance_key", "policy_statements"]

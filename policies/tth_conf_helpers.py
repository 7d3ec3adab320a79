"""Helpers shared by the CKV_TTH checks: reading checkov's wrapped values, and the plan-JSON index.

checkov hands a check each attribute wrapped in a list (``{"name": ["x"]}``). In a ``terraform_plan`` scan, values
unknown until apply either are missing or are replaced by the first reference of the expression
(``"aws_kms_key.main.arn"``); in an HCL scan a reference reads ``"aws_kms_key.main.arn"`` or ``"${...}"``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

# Keys checkov adds to every block; never configuration.
_META_KEY = re.compile(r"^(__.*__|start_line|end_line|references_)$")
_REFERENCE = re.compile(r"^(data\.)?[a-z0-9]+_[a-z0-9_]+\.[A-Za-z0-9_-]+(\[[^\]]+\])?(\.[A-Za-z0-9_]+)*$")
PLAN_MARKER = "__change_actions__"


def is_plan(conf: dict[str, Any]) -> bool:
    """Return True when ``conf`` comes from a ``terraform_plan`` scan (it carries the planned change)."""
    return PLAN_MARKER in conf


def first(value: Any) -> Any:
    """Unwrap checkov's single-element lists: ``[["a"]] -> "a"``, ``[None] -> None``, ``[] -> None``."""
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def flat(value: Any) -> list[Any]:
    """Flatten nested lists into a list of non-None scalars or dicts."""
    if value is None:
        return []
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(flat(item))
        return out
    return [value]


def block(conf: dict[str, Any], key: str) -> dict[str, Any] | None:
    """Return the first nested block ``key`` of ``conf`` (``conf[key][0]``), or None."""
    found = first(conf.get(key))
    return found if isinstance(found, dict) else None


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Return every nested block ``key`` of ``conf``."""
    return [b for b in flat(conf.get(key)) if isinstance(b, dict)]


def clean_map(value: Any) -> dict[str, Any] | None:
    """Return a tags-like map without checkov's metadata keys, values unwrapped; None if not a map."""
    mapping = first(value) if isinstance(value, list) else value
    if not isinstance(mapping, dict):
        return None
    return {k: first(v) for k, v in mapping.items() if not _META_KEY.match(str(k))}


def is_reference(value: Any) -> bool:
    """True for an unresolved Terraform expression (``aws_x.y.arn``, ``${...}``, ``data.x.y.json``)."""
    return isinstance(value, str) and ("${" in value or bool(_REFERENCE.match(value)))


def is_set(value: Any) -> bool:
    """True when a scalar attribute holds a value (a literal or a reference resolved at apply)."""
    value = first(value)
    return value is not None and value != "" and value is not False


def is_aws_managed_key(value: Any) -> bool:
    """True for an AWS managed KMS key alias (``alias/aws/...``), which is not a customer-managed key."""
    value = first(value)
    return isinstance(value, str) and ("alias/aws/" in value)


def has_cmk(value: Any) -> bool:
    """True when a KMS key attribute names a key that is not an AWS managed alias."""
    return is_set(value) and not is_aws_managed_key(value)


_last_plan_file: list[str] = []


def plan_file(conf: dict[str, Any]) -> str | None:
    """Return the plan JSON file a plan-scan ``conf`` came from.

    A resource whose planned values are all unknown (``"values": null``) carries no ``__file__``; then the plan
    file last seen is returned, and ``PlanIndex.for_conf`` confirms that it holds the resource's address.
    """
    file_name = first(conf.get("__file__"))
    if isinstance(file_name, str):
        _last_plan_file[:] = [file_name]
        return file_name
    return _last_plan_file[0] if _last_plan_file else None


@lru_cache(maxsize=8)
def _load_plan(path: str) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text()))


class PlanIndex:
    """Read-only index over a ``terraform show -json`` document (root module only, which is all we use).

    Custom checks use it for cross-resource rules that a single resource block cannot answer: which bucket a
    policy or encryption configuration belongs to, and the statements of a policy document that the plan can
    only show as ``data.aws_iam_policy_document.x.json`` because its inputs are known only after apply.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        root = document.get("planned_values", {}).get("root_module", {})
        self.values: dict[str, dict[str, Any]] = {}
        for resource in root.get("resources", []):
            self.values[resource["address"]] = resource.get("values") or {}
        for child in root.get("child_modules", []):
            for resource in child.get("resources", []):
                self.values[resource["address"]] = resource.get("values") or {}
        self.expressions: dict[str, dict[str, Any]] = {}
        for resource in document.get("configuration", {}).get("root_module", {}).get("resources", []):
            self.expressions[resource["address"]] = resource.get("expressions") or {}

    @classmethod
    def for_conf(cls, conf: dict[str, Any]) -> PlanIndex | None:
        path = plan_file(conf)
        if not path or not Path(path).is_file():
            return None
        index = _index(path)
        return index if conf.get("__address__") in index.values else None

    def addresses_of_type(self, resource_type: str) -> list[str]:
        return sorted(
            a for a in self.values if a.split("[")[0].split(".")[-2] == resource_type and not a.startswith("data.")
        )

    def references(self, address: str, attribute: str) -> list[str]:
        """References in the configuration expression ``attribute`` of ``address`` (``count``/``for_each``
        instances share their block's configuration)."""
        config_address = re.sub(r"\[[^\]]*\]$", "", address)
        expression = self.expressions.get(config_address, {}).get(attribute)
        if isinstance(expression, dict):
            return list(expression.get("references") or [])
        return []

    def refers_to(self, address: str, attribute: str, target: str) -> bool:
        """True when ``address``'s ``attribute`` references ``target`` (its configuration address)."""
        target_config = re.sub(r"\[[^\]]*\]$", "", target)
        return any(
            ref == target_config or ref.startswith(target_config + ".") for ref in self.references(address, attribute)
        )


@lru_cache(maxsize=8)
def _index(path: str) -> PlanIndex:
    return PlanIndex(_load_plan(path))


__all__ = [
    "PlanIndex",
    "block",
    "blocks",
    "clean_map",
    "first",
    "flat",
    "has_cmk",
    "is_aws_managed_key",
    "is_plan",
    "is_reference",
    "is_set",
    "plan_file",
]

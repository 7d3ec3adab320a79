"""A second plan's changes, attribute by attribute, against an emulator's list of known read-back gaps.

``tests/integration/test_stack.py`` plans the applied stack again. Each resource the plan would
update is reduced to the attributes whose planned value differs from what the emulator read
back; a change passes only if every one of those attributes is listed for that resource type in
the emulator's ``known_drift.toml`` (``harness/terraform_overrides/<kind>/``), each entry with its
reason. Creates, deletes and replacements never pass, and an entry no change needed any more is
reported as stale, so the list stays exactly what the emulator does.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

DRIFT_FILE = "known_drift.toml"


@dataclass(frozen=True)
class Change:
    """One resource a plan would change, and the top-level attributes that differ."""

    address: str
    type: str
    actions: tuple[str, ...]
    attributes: tuple[str, ...]

    def __str__(self) -> str:
        return f"{'/'.join(self.actions)} {self.address} ({', '.join(self.attributes) or 'no attribute'})"


@dataclass(frozen=True)
class KnownDrift:
    """An attribute an emulator reads back differently from what was applied, and why."""

    type: str
    attribute: str
    reason: str


def _differs(before: Any, after: Any, unknown: Any) -> bool:
    return bool(unknown) or before != after


def changes(plan: dict[str, Any]) -> list[Change]:
    """Every resource change of a ``terraform show -json`` plan other than no-op or read."""
    found = []
    for change in plan.get("resource_changes", []):
        detail = change["change"]
        actions = tuple(detail["actions"])
        if actions in (("no-op",), ("read",)):
            continue
        before = detail.get("before") or {}
        after = detail.get("after") or {}
        unknown = detail.get("after_unknown") or {}
        names = sorted(set(before) | set(after) | set(unknown))
        attributes = tuple(name for name in names if _differs(before.get(name), after.get(name), unknown.get(name)))
        found.append(Change(change["address"], change["type"], actions, attributes))
    return found


def load(overrides_dir: Path) -> list[KnownDrift]:
    """The known drift of one emulator kind; none when it has no ``known_drift.toml``."""
    path = overrides_dir / DRIFT_FILE
    if not path.is_file():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("drift", [])
    known = []
    for entry in entries:
        if not (entry.get("type") and entry.get("attribute") and str(entry.get("reason", "")).strip()):
            raise ValueError(f"{path}: every [[drift]] needs type, attribute and reason: {entry}")
        known.append(KnownDrift(entry["type"], entry["attribute"], entry["reason"]))
    return known


def unexplained(found: list[Change], known: list[KnownDrift]) -> tuple[list[str], list[KnownDrift]]:
    """The changes the known drift does not explain (one line each, naming the attributes left),
    and the known entries no change needed (stale)."""
    allowed = {(entry.type, entry.attribute) for entry in known}
    used: set[tuple[str, str]] = set()
    lines = []
    for change in found:
        rest = [name for name in change.attributes if (change.type, name) not in allowed]
        if change.actions != ("update",) or rest or not change.attributes:
            lines.append(f"{change} — not explained: {', '.join(rest) or '/'.join(change.actions)}")
            continue
        used |= {(change.type, name) for name in change.attributes}
    stale = [entry for entry in known if (entry.type, entry.attribute) not in used]
    return lines, stale

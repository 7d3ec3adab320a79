"""The least-privilege report: per role, every granted (action, resource) pair, whether a call used it, and the calls.

Grants are read back from the emulator with the admin identity (each role's inline and attached
policies, as deployed); use comes from the recorded calls (``reports/iam/calls.jsonl``): a grant is
used when an allowed call matched its statement's action and resource pattern. Unused grants must
be listed, each with a reason, in ``harness/iam/unused_grants.toml``; ``check`` returns what is
neither used nor listed, and list entries that no longer match anything (stale).
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from harness.iam.policy import glob_match

ALLOWLIST = Path(__file__).resolve().parent / "unused_grants.toml"


@dataclass
class Grant:
    """One (action pattern, resource pattern) of an Allow statement in one of a role's policies."""

    role: str
    policy: str  # as the evaluator names it: "inline policy NAME of role ROLE" / "managed policy ARN ..."
    sid: str
    action: str
    resource: str
    conditions: dict[str, Any] = field(default_factory=dict)
    calls: int = 0
    allow_listed: str = ""  # the reason, when the allow-list names it

    @property
    def used(self) -> bool:
        return self.calls > 0


@dataclass
class RoleReport:
    role: str
    role_arn: str
    grants: list[Grant] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)  # summarised: operation, action, resource, count

    def summary(self) -> dict[str, int]:
        return {
            "calls": sum(c["count"] for c in self.calls),
            "grants": len(self.grants),
            "grants_used": sum(1 for g in self.grants if g.used),
            "unused_allow_listed": sum(1 for g in self.grants if not g.used and g.allow_listed),
            "unused_not_listed": sum(1 for g in self.grants if not g.used and not g.allow_listed),
        }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _document(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    return dict(json.loads(unquote(raw)))


def role_policies(iam: Any, role_name: str) -> list[tuple[str, dict[str, Any]]]:
    """(name as the evaluator reports it, document) of each inline and attached policy of a role."""
    found = []
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        found.append((f"inline policy {name} of role {role_name}", _document(document)))
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        found.append(
            (
                f"managed policy {attached['PolicyArn']} attached to role {role_name}",
                _document(version["PolicyVersion"]["Document"]),
            )
        )
    return found


def grants_of(role: str, policies: list[tuple[str, dict[str, Any]]]) -> list[Grant]:
    grants = []
    for name, document in policies:
        for statement in _as_list(document.get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            actions = _as_list(statement.get("Action", statement.get("NotAction", [])))
            for action in actions:
                for resource in _as_list(statement.get("Resource", statement.get("NotResource", "*"))):
                    grants.append(
                        Grant(
                            role,
                            name,
                            str(statement.get("Sid", "")),
                            str(action),
                            str(resource),
                            statement.get("Condition") or {},
                        )
                    )
    return grants


def load_allowlist(path: Path = ALLOWLIST) -> list[dict[str, str]]:
    """Entries ``{role, sid, action, reason}`` and optionally ``resource`` (a wildcard pattern; default ``*``).

    ``role`` is the role name or its suffix after the name prefix (``orders`` for ``tth-prod-orders``).
    """
    entries = tomllib.loads(path.read_text())["unused"]
    for entry in entries:
        missing = {"role", "sid", "action", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path.name}: every entry needs role, sid, action and a reason: {entry}")
    return list(entries)


def _listed(grant: Grant, entry: dict[str, str]) -> bool:
    return (
        (grant.role == entry["role"] or grant.role.endswith("-" + entry["role"]))
        and grant.sid == entry["sid"]
        and grant.action == entry["action"]
        and glob_match(entry.get("resource", "*"), grant.resource)
    )


def build(
    iam: Any, role_names: dict[str, str], calls: list[dict[str, Any]], allowlist: list[dict[str, str]]
) -> list[RoleReport]:
    """``role_names``: role name -> role ARN of every role to report on."""
    reports = []
    for role, arn in sorted(role_names.items()):
        report = RoleReport(role, arn, grants_of(role, role_policies(iam, role)))
        index = {(g.policy, g.sid, g.action, g.resource): g for g in report.grants}
        summary: dict[tuple[str, str, str, str, str, str], int] = defaultdict(int)
        for call in calls:
            if call["role_arn"] != arn:
                continue
            for check in call.get("checks", []) or [{"action": "?", "resource": "?", "allowed": False}]:
                decision = "allow" if check["allowed"] else "deny"
                key = (
                    call["function"],
                    call.get("caller", "function"),
                    call["operation"],
                    check["action"],
                    check["resource"],
                    decision,
                )
                summary[key] += 1
                if not check["allowed"]:
                    continue
                for match in check.get("allows", []):
                    grant = index.get((match["policy"], match["sid"], match["action"], match["resource"]))
                    if grant is not None:
                        grant.calls += 1
        report.calls = [
            {"function": f, "caller": c, "operation": o, "action": a, "resource": r, "decision": d, "count": n}
            for (f, c, o, a, r, d), n in sorted(summary.items())
        ]
        for grant in report.grants:
            for entry in allowlist:
                if _listed(grant, entry):
                    grant.allow_listed = entry["reason"]
        reports.append(report)
    return reports


def problems(reports: list[RoleReport], allowlist: list[dict[str, str]]) -> list[str]:
    """Unused grants not allow-listed, and allow-list entries that match no unused grant (stale)."""
    found = []
    for report in reports:
        for grant in report.grants:
            if not grant.used and not grant.allow_listed:
                found.append(
                    f"unused grant: role {grant.role} Sid {grant.sid or '-'}: {grant.action} on {grant.resource} "
                    f"({grant.policy}): no test used it; add a test that does, remove it, or list it with a reason in "
                    f"{ALLOWLIST.name}"
                )
    all_grants = [g for r in reports for g in r.grants]
    for entry in allowlist:
        matched = [g for g in all_grants if _listed(g, entry)]
        if not matched:
            found.append(f"stale {ALLOWLIST.name} entry (no such grant): {entry}")
        elif all(g.used for g in matched):
            found.append(f"stale {ALLOWLIST.name} entry (the grant is used now; remove the entry): {entry}")
    return found


def write(reports: list[RoleReport], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "roles": [
            {
                "role": r.role,
                "role_arn": r.role_arn,
                "summary": r.summary(),
                "grants": [asdict(g) | {"used": g.used} for g in r.grants],
                "calls": r.calls,
            }
            for r in reports
        ]
    }
    json_path = out_dir / "report.json"
    json_path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    lines = [
        "# IAM least-privilege report",
        "",
        "Granted (action, resource) pairs per role, whether a recorded call used them, and the calls.",
        "",
    ]
    lines += [
        "| role | calls | grants | used | unused, allow-listed | unused, not listed |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in reports:
        counts = r.summary().values()
        lines.append(f"| {r.role} | " + " | ".join(str(n) for n in counts) + " |")
    for r in reports:
        lines += [
            "",
            f"## {r.role}",
            "",
            "| Sid | action | resource | calls | unused reason |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for g in r.grants:
            reason = "" if g.used else (g.allow_listed or "**not allow-listed**")
            lines.append(f"| {g.sid} | `{g.action}` | `{g.resource}` | {g.calls} | {reason} |")
        if r.calls:
            lines += ["", "| function | caller | operation | action | resource | decision | count |"]
            lines += ["| --- | --- | --- | --- | --- | --- | ---: |"]
            for c in r.calls:
                action, resource = f"`{c['action']}`", f"`{c['resource']}`"
                cells = (c["function"], c["caller"], c["operation"], action, resource, c["decision"], str(c["count"]))
                lines.append("| " + " | ".join(cells) + " |")
    md_path = out_dir / "report.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path


__all__ = [
    "ALLOWLIST",
    "Grant",
    "RoleReport",
    "build",
    "grants_of",
    "load_allowlist",
    "problems",
    "role_policies",
    "write",
]

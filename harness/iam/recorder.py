"""Read the calls the enforcing emulator recorded (``reports/iam/calls.jsonl``).

One JSON object per line, written by ``harness.iam.enforce`` for every request signed by an
assumed-role session, allowed or denied::

    {"function": "tth-prod-orders", "caller": "function", "role_arn": "arn:aws:iam::…:role/…", "service": "dynamodb",
     "operation": "GetItem", "actions": ["dynamodb:GetItem", "kms:Decrypt"],
     "resources": ["arn:aws:dynamodb:…:table/…", "arn:aws:kms:…:key/…"], "decision": "allow",
     "time": "2026-12-01T09:00:00.000+00:00", "checks": [{"action", "resource", "allowed",
     "reason", "needs", "implied_by", "allows": [{"policy", "sid", "action", "resource"}]}]}

``caller`` is ``function`` for the function's own code, or the Lambda service acting with the
role for it: ``event-source-mapping`` (the SQS poller), ``logs`` (shipping its output).
``actions[i]`` goes with ``resources[i]``; entries after the first come from the same request
(another resource of it, or a KMS call AWS makes on the caller's behalf: ``implied_by``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

REPORTS_DIR = REPO_ROOT / "reports" / "iam"


@dataclass
class CallLog:
    """The recorded calls file; ``mark`` and ``since`` select the calls of one test."""

    path: Path

    def reset(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("")

    def mark(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, mark: int = 0) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as calls:
            calls.seek(mark)
            return [json.loads(line) for line in calls.read().splitlines() if line.strip()]

    def denials(self, mark: int = 0) -> list[dict[str, Any]]:
        return [entry for entry in self.since(mark) if entry["decision"] != "allow"]


class ExpectedDenials:
    """Denials a test provokes on purpose: ``take`` returns those recorded since the last take."""

    def __init__(self, calls: CallLog) -> None:
        self.calls = calls
        self.mark = calls.mark()

    def take(self) -> list[dict[str, Any]]:
        found = self.calls.denials(self.mark)
        self.mark = self.calls.mark()
        return found


def denied_checks(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The failed authorizations of one recorded call (a whole-call entry if it could not be mapped)."""
    failed = [check for check in entry.get("checks", []) if not check["allowed"]]
    if failed or entry["decision"] == "allow":
        return failed
    return [
        {
            "action": entry["operation"],
            "resource": "?",
            "reason": entry.get("reason", ""),
            "needs": "",
            "implied_by": "",
        }
    ]


def denial_line(entry: dict[str, Any]) -> str:
    """One readable line per denied call: function, action, resource ARN, and what would have to grant it."""
    lines = []
    for check in denied_checks(entry):
        implied = f" (AWS calls it for {check['implied_by']})" if check.get("implied_by") else ""
        needs = f"; to allow it, grant it in {check['needs']}" if check.get("needs") else ""
        what = f"{check['action']} on {check['resource']}{implied}"
        lines.append(f"IAM denied {entry['function']}: {what}: {check['reason']}{needs}")
    return "\n".join(lines)


__all__ = ["REPORTS_DIR", "CallLog", "ExpectedDenials", "denial_line", "denied_checks"]

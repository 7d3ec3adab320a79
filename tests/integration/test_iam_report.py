"""The least-privilege report over the whole run: nothing granted is unexplained.

Runs last (conftest orders it): it reads every call the emulator recorded for the session, writes
``reports/iam/report.json`` and ``report.md``, and fails on a granted (action, resource) pair that
no call used and that ``harness/iam/unused_grants.toml`` does not list with a reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.iam import report
from harness.iam.recorder import REPORTS_DIR

if TYPE_CHECKING:
    from harness.iam.recorder import CallLog
    from harness.stack import Stack


def test_every_grant_is_used_or_allow_listed(stack: Stack, calls: CallLog) -> None:
    iam = stack.client("iam")
    roles = {r["RoleName"]: r["Arn"] for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-")}
    allowlist = report.load_allowlist()
    reports = report.build(iam, roles, calls.since(), allowlist)
    report.write(reports, REPORTS_DIR)
    assert {r.role for r in reports} >= set(stack.outputs["function_names"].values())
    found = report.problems(reports, allowlist)
    assert not found, "\n".join(found)

"""Run the real checkov runners with the custom checks of policies/ on small fixtures."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")  # no guideline download from the vendor's API
os.environ.setdefault("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")

from checkov.runner_filter import RunnerFilter
from checkov.terraform.plan_runner import Runner as PlanRunner
from checkov.terraform.runner import Runner as HclRunner

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
POLICIES_DIR = REPO_ROOT / "policies"


@dataclass(frozen=True)
class Outcome:
    """What one check reported on one fixture."""

    passed: set[str]
    failed: set[str]
    summary: dict[str, Any]
    failed_ids: set[str]
    failed_pairs: set[tuple[str, str]]
    details: dict[str, list[str]]


def _outcome(report: Any) -> Outcome:
    return Outcome(
        passed={c.resource for c in report.passed_checks},
        failed={c.resource for c in report.failed_checks},
        summary=report.get_summary(),
        failed_ids={c.check_id for c in report.failed_checks},
        failed_pairs={(c.check_id, c.resource) for c in report.failed_checks},
        details={c.resource: list(c.details) for c in report.failed_checks},
    )


def scan_hcl(fixture: str, check_id: str) -> Outcome:
    """Scan ``example_<fixture>/`` (HCL) with the single check ``check_id``."""
    report = HclRunner().run(
        root_folder=str(HERE / fixture),
        external_checks_dir=[str(POLICIES_DIR)],
        runner_filter=RunnerFilter(framework=["terraform"], checks=[check_id]),
    )
    return _outcome(report)


def scan_plan(plan_file: str, check_id: str) -> Outcome:
    """Scan a ``terraform show -json`` fixture with the single check ``check_id``."""
    report = PlanRunner().run(
        root_folder=None,
        files=[str(HERE / plan_file)],
        external_checks_dir=[str(POLICIES_DIR)],
        runner_filter=RunnerFilter(framework=["terraform_plan"], checks=[check_id]),
    )
    return _outcome(report)


def assert_clean(outcome: Outcome) -> None:
    """No skipped checks, no parsing errors, and the counts match the address sets."""
    assert outcome.summary["skipped"] == 0
    assert outcome.summary["parsing_errors"] == 0
    assert outcome.summary["passed"] == len(outcome.passed)
    assert outcome.summary["failed"] == len(outcome.failed)

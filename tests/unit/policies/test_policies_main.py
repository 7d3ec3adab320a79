"""``python -m policies`` on the fixtures: non-zero exit, every fail_* block named with its check id; and the
custom checks on the real terraform/ HCL (the plan of the real stack is judged by ``python -m policies`` itself,
the second command of ``tox -e policy``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING

from conftest import HERE, POLICIES_DIR, REPO_ROOT, scan_hcl

if TYPE_CHECKING:
    from pathlib import Path

_BLOCK = re.compile(r'^(resource|data) "(\w+)" "(\w+)"', re.M)
_ID = re.compile(r'^\s*(?:rule_)?id = "(CKV_TTH_\d+)"', re.M)


def _expected_failures() -> dict[str, set[tuple[str, str]]]:
    """{fixture dir: {(check id, address)}} for every fail_* block, the id read from policies/<Check>.py."""
    expected: dict[str, set[tuple[str, str]]] = {}
    for fixture in sorted(HERE.glob("example_*")):
        source = POLICIES_DIR / f"{fixture.name.removeprefix('example_')}.py"
        if not source.is_file():
            continue  # a shared fixture (example_plan_iam), asserted in its checks' own tests
        check_id = _ID.search(source.read_text()).group(1)  # type: ignore[union-attr]
        expected[fixture.name] = {
            (check_id, f"{'data.' if kind == 'data' else ''}{rtype}.{name}")
            for kind, rtype, name in _BLOCK.findall((fixture / "main.tf").read_text())
            if name.startswith("fail")
        }
    return expected


def _failures(report_file: Path) -> set[tuple[str, str, str]]:
    report = json.loads(report_file.read_text())
    return {
        (c["check_id"], c["resource"], c.get("repo_file_path") or c["file_path"])
        for c in report["results"]["failed_checks"]
    }


def test_policies_main_fixtures_exit_non_zero_naming_each_failure(tmp_path: Path) -> None:
    # Given every fixture (HCL directories and plan JSON files), When the entry point scans them
    plans = sorted(HERE.glob("example_*/tfplan.json"))
    command = [sys.executable, "-m", "policies", "--skip-plan", "--custom-only", "--terraform-dir", str(HERE),
               "--reports", str(tmp_path)] + [arg for plan in plans for arg in ("--plan-json", str(plan))]  # fmt: skip
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=600)

    # Then it exits non-zero, and each fail_* block fails its own check in the HCL or the plan scan
    assert completed.returncode == 1, completed.stdout + completed.stderr
    failures = _failures(tmp_path / "hcl" / "results_json.json") | _failures(tmp_path / "plan" / "results_json.json")
    for fixture, expected in _expected_failures().items():
        found = {(check_id, address.removeprefix("data.")) for check_id, address, path in failures if fixture in path}
        for check_id, address in expected:
            assert (check_id, address.removeprefix("data.")) in found, f"{fixture}: {check_id} {address} not failed"
            assert check_id in completed.stdout
        # and no pass_* block fails its own check
        own_ids = {check_id for check_id, _ in expected}
        assert not {a for i, a in found if i in own_ids and ".pass" in a}, fixture
    assert "policy: FAILED" in completed.stdout


def test_policies_main_plans_and_scans_a_plain_module_with_only_a_default_provider(tmp_path: Path) -> None:
    # Given a module with one default aws provider (no us_east_1 alias, none of the stack's variables)
    module = HERE / "plain_module"
    command = [sys.executable, "-m", "policies", "--custom-only", "--terraform-dir", str(module),
               "--reports", str(tmp_path)]  # fmt: skip

    # When the entry point plans and scans it
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=600)

    # Then the plan is made (no "Missing base provider configuration for override") and both scans judge it
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Missing base provider" not in output
    planned = {r["address"] for r in json.loads((tmp_path / "tfplan.json").read_text())["resource_changes"]}
    assert {"aws_kms_key.queue", "aws_sqs_queue.jobs", "aws_iam_policy.send_jobs"} <= planned
    passed = {
        (c["check_id"], c["resource"])
        for c in json.loads((tmp_path / "plan" / "results_json.json").read_text())["results"]["passed_checks"]
    }
    assert {("CKV_TTH_16", "aws_sqs_queue.jobs"), ("CKV_TTH_19", "aws_kms_key.queue"),
            ("CKV_TTH_23", "data.aws_iam_policy_document.send_jobs")} <= passed  # fmt: skip
    assert "policy: PASSED" in completed.stdout


def test_provider_overrides_name_only_the_configurations_a_module_declares(tmp_path: Path) -> None:
    # Given modules with: the default provider only; the default and an alias; no provider block at all
    sys.path.insert(0, str(REPO_ROOT))
    from policies.__main__ import module_declarations, point_providers_at_emulator

    cases = {
        "default": ('provider "aws" {\n  region = "us-east-2"\n}\n', [None]),
        "alias": ('provider "aws" {}\nprovider "aws" {\n  alias = "edge"\n}\n', [None, "edge"]),
        "none": ('resource "aws_sqs_queue" "q" {}\n', []),
    }
    for name, (source, aliases) in cases.items():
        module = tmp_path / name
        module.mkdir()
        (module / "main.tf").write_text(source + 'variable "region" {\n  type = string\n}\n')

        # When the declarations are read and the emulator providers written
        found, variables = module_declarations(module)
        point_providers_at_emulator(module, "http://127.0.0.1:1", found)

        # Then the override names exactly the declared configurations; a module without a default one gets a
        # primary default configuration (an override would have no base)
        assert (found, variables) == (aliases, {"region"}), name
        override = module / "zz_emulator_providers_override.tf"
        overridden = re.findall(r'alias = "(\w+)"', override.read_text()) if override.exists() else []
        assert overridden == [a for a in aliases if a], name
        assert override.exists() == bool(aliases), name
        assert (module / "zz_emulator_providers.tf").exists() == (None not in aliases), name


def test_real_terraform_passes_every_custom_check_on_hcl() -> None:
    # Given the real root module, When every CKV_TTH check runs on its HCL
    outcome = scan_hcl(str(REPO_ROOT / "terraform"), "CKV_TTH_*")

    # Then none fails (failures are listed by check id and resource)
    assert outcome.passed
    assert not outcome.failed, sorted(outcome.failed_pairs)
    assert outcome.summary["parsing_errors"] == 0


def test_a_skip_matched_by_substring_is_counted_as_failed(tmp_path: Path) -> None:
    # Given a module whose only skip is CKV2_AWS_62's, and a plan scan in which checkov reported the bucket's
    # CKV2_AWS_6 (a different check whose id is a prefix of it) as skipped with that comment's reason
    sys.path.insert(0, str(REPO_ROOT))
    from policies.__main__ import MISATTRIBUTED, ScanResult, declared_skips, fail_misattributed_skips

    reason = "Nothing consumes object events."
    (tmp_path / "s3.tf").write_text(
        f'resource "aws_s3_bucket" "logs" {{\n  # checkov:skip=CKV2_AWS_62,CKV_AWS_144: {reason}\n}}\n'
    )

    def skipped(check_id: str) -> dict[str, object]:
        return {"check_id": check_id, "resource": "aws_s3_bucket.logs", "check_result": {"suppress_comment": reason}}

    result = ScanResult(name="plan", exit_code=0, skipped=[skipped("CKV2_AWS_62"), skipped("CKV_AWS_144"),
                                                            skipped("CKV2_AWS_6")])  # fmt: skip

    # When the skips are checked against the module's comments
    fail_misattributed_skips(result, declared_skips(tmp_path))

    # Then the two declared skips stay skipped and the substring match fails the run
    assert [r["check_id"] for r in result.skipped] == ["CKV2_AWS_62", "CKV_AWS_144"]
    assert [(r["check_id"], r["details"]) for r in result.failed] == [("CKV2_AWS_6", [MISATTRIBUTED])]
    assert not result.ok

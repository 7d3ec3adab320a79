"""``python -m policies``: plan the stack, run checkov (built-in + CKV_TTH checks) on the HCL and on the plan.

Steps:
1. plan ``terraform/`` against the embedded moto emulator (``harness``) and save ``show -json`` of the saved plan
   to ``reports/policy/tfplan.json`` (the emulator only answers the plan's reads: caller identity, partition...);
2. run checkov twice with ``--external-checks-dir policies``: framework ``terraform`` on the HCL directory and
   framework ``terraform_plan`` on the plan JSON (inline ``# checkov:skip`` comments of the HCL also apply to the
   plan, through ``--repo-root-for-plan-enrichment``);
3. print a table of failures and skips per scan; a skip that no ``# checkov:skip`` comment of the module names
   (checkov matches skip ids as substrings) counts as a failure;
4. write JUnit XML and SARIF (and checkov's JSON) to ``reports/policy/<scan>/``;
5. exit 1 on any failed check or parsing error, 2 when the plan itself cannot be made.

The plan uses the module as committed, without the emulator adaptations of ``harness/terraform_overrides`` (they
relax production settings the emulator cannot serve, which are exactly what the policies judge). Lambda packages
come from ``--lambda-packages-dir``, else ``build/lambda/arm64`` when it holds every function zip, else placeholder
zips (the plan only hashes them).

This file is skipped by checkov's loader (it ignores files starting with ``__``), so it may import the harness.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLICIES_DIR = Path(__file__).resolve().parent
REPO_ROOT = POLICIES_DIR.parent
DEFAULT_REPORTS = REPO_ROOT / "reports" / "policy"
FUNCTIONS = ("orders", "stripe_webhook", "fulfillment", "sweeper")  # as scripts/build_lambdas.py FUNCTIONS
# Values for the module's required inputs that have no production-neutral default. They only shape names and
# parameters in the plan, never a policy-relevant setting. A terraform.tfvars.example, when present, and
# --var-file override them.
PLAN_VARIABLES: dict[str, Any] = {
    "fulfillment_api_base_url": "https://fulfillment.partner.invalid",
    "stripe_publishable_key": "pk_test_policyplan",
}
CUSTOM_CHECKS = "CKV_TTH_*"


@dataclass
class ScanResult:
    """The outcome of one checkov scan, read from its JSON report."""

    name: str
    exit_code: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    passed: int = 0
    parsing_errors: int = 0
    resource_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.parsing_errors and self.exit_code in (0, 1)


def _checkov_command() -> list[str]:
    script = Path(sys.executable).parent / "checkov"
    if script.is_file():
        return [str(script)]
    found = shutil.which("checkov")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from checkov.main import Checkov; sys.exit(Checkov().run())"]


def run_checkov(
    name: str, target: list[str], framework: str, out_dir: Path, custom_only: bool, enrichment_root: Path | None
) -> ScanResult:
    """Run one checkov scan, writing cli/json/junitxml/sarif reports into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *_checkov_command(), *target,
        "--framework", framework,
        "--external-checks-dir", str(POLICIES_DIR),
        "--skip-download",  # no vendor guideline or policy download; everything needed is local
        "--compact",
        "-o", "cli", "-o", "json", "-o", "junitxml", "-o", "sarif",
        "--output-file-path", str(out_dir),
    ]  # fmt: skip
    if custom_only:
        command += ["--check", CUSTOM_CHECKS]
    if enrichment_root is not None:
        command += ["--repo-root-for-plan-enrichment", str(enrichment_root)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
           "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}  # fmt: skip
    completed = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    result = ScanResult(name=name, exit_code=completed.returncode)
    report_file = out_dir / "results_json.json"
    if not report_file.is_file():
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        result.parsing_errors = 1
        return result
    reports = json.loads(report_file.read_text() or "[]")
    for report in reports if isinstance(reports, list) else [reports]:
        if not isinstance(report, dict) or "results" not in report:
            continue
        results = report["results"]
        result.failed += results.get("failed_checks", [])
        result.skipped += results.get("skipped_checks", [])
        result.passed += len(results.get("passed_checks", []))
        summary = report.get("summary", {})
        result.parsing_errors += int(summary.get("parsing_errors", 0))
        result.resource_count += int(summary.get("resource_count", 0))
    return result


_SKIP_COMMENT = re.compile(r"checkov:skip=([A-Za-z0-9_]+(?:,[A-Za-z0-9_]+)*)(?::([^\n]*))?")
MISATTRIBUTED = (
    "reported as skipped, but no checkov:skip comment names this check with this reason: checkov matches a skip's "
    "id as a substring (a CKV2_AWS_62 skip also hides CKV2_AWS_6), so the check failed and is counted as failed"
)


def declared_skips(terraform_dir: Path) -> set[tuple[str, str]]:
    """(check id, reason) of every ``# checkov:skip=ID[,ID...]:reason`` comment in the module's ``.tf`` files."""
    declared: set[tuple[str, str]] = set()
    for source in sorted(terraform_dir.rglob("*.tf")):  # what checkov -d reads
        for ids, reason in _SKIP_COMMENT.findall(source.read_text()):
            declared.update((check_id, reason.strip()) for check_id in ids.split(","))
    return declared


def fail_misattributed_skips(result: ScanResult, declared: set[tuple[str, str]]) -> None:
    """Move the skipped records that no comment of the module skips (a skip matched by substring) to failed."""
    kept, misattributed = [], []
    for record in result.skipped:
        reason = str((record.get("check_result") or {}).get("suppress_comment") or "").strip()
        (kept if (str(record.get("check_id")), reason) in declared else misattributed).append(record)
    result.skipped = kept
    result.failed += [{**record, "details": [MISATTRIBUTED]} for record in misattributed]


def _table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> str:
    widths = [min(max(len(str(r[i])) for r in [headers, *rows]), 70) for i in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(str(c)[: widths[i]].ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    return "\n".join([line(headers), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)])


def print_result(result: ScanResult) -> None:
    print(f"\n=== {result.name}: {result.passed} passed, {len(result.failed)} failed, "
          f"{len(result.skipped)} skipped, {result.parsing_errors} parsing errors "
          f"({result.resource_count} resources) ===")  # fmt: skip
    if result.failed:
        failed_rows: list[tuple[str, ...]] = sorted(
            (
                str(c["check_id"]),
                str(c["resource"]),
                f"{c.get('file_path', '')}:{'-'.join(map(str, c.get('file_line_range') or []))}",
                str(c.get("check_name", "")),
            )
            for c in result.failed
        )
        print("FAILED")
        print(_table(failed_rows, ("check", "resource", "file", "rule")))
        details = sorted(
            (str(c["check_id"]), str(c["resource"]), d) for c in result.failed for d in c.get("details") or []
        )
        if details:
            print("details")
            for check_id, resource, detail in details:
                print(f"  {check_id}  {resource}: {detail}")
        guidelines = {c["check_id"]: c.get("guideline") for c in result.failed if c.get("guideline")}
        for check_id, guideline in sorted(guidelines.items()):
            print(f"  fix {check_id}: {guideline}")
    if result.skipped:
        skipped_rows: list[tuple[str, ...]] = sorted(
            (
                str(c["check_id"]),
                str(c["resource"]),
                str((c.get("check_result", {}) or {}).get("suppress_comment", "")).strip(),
            )
            for c in result.skipped
        )
        print("SKIPPED (inline # checkov:skip with reason)")
        print(_table(skipped_rows, ("check", "resource", "reason")))


def _placeholder_packages(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for function in FUNCTIONS:
        with zipfile.ZipFile(directory / f"{function}.zip", "w") as archive:
            info = zipfile.ZipInfo(f"{function}/handler.py", date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, "def lambda_handler(event, context):\n    raise NotImplementedError\n")
    return directory


def lambda_packages(requested: str | None, workdir: Path) -> tuple[Path, str]:
    if requested:
        return Path(requested).resolve(), "given"
    built = REPO_ROOT / "build" / "lambda" / "arm64"
    if all((built / f"{f}.zip").is_file() for f in FUNCTIONS):
        return built, "built"
    return _placeholder_packages(workdir / "placeholder-packages"), "placeholder"


def module_declarations(terraform_dir: Path) -> tuple[list[str | None], set[str]]:
    """The module's own ``provider "aws"`` configurations (``None``: the default one, else its alias), and the names
    of its variables. Override files are skipped: they can only change what a primary file declares."""
    import hcl2

    aliases: set[str | None] = set()
    variables: set[str] = set()
    for source in sorted(terraform_dir.glob("*.tf")):
        if source.name.endswith("_override.tf"):
            continue
        try:
            parsed = hcl2.loads(source.read_text())
        except Exception as exc:  # the parser raises lark's errors; report the file, not a trace
            raise ValueError(f"{source}: not valid HCL ({type(exc).__name__}: {str(exc).splitlines()[0]})") from exc
        for provider in parsed.get("provider", []):
            if "aws" in provider:
                alias = provider["aws"].get("alias")
                alias = alias[0] if isinstance(alias, list) and alias else alias
                aliases.add(str(alias) if alias else None)
        for variable in parsed.get("variable", []):
            variables.update(variable)
    return sorted(aliases, key=lambda a: (a is not None, a or "")), variables


def point_providers_at_emulator(directory: Path, endpoint: str, aliases: list[str | None]) -> None:
    """Point the module's AWS provider configurations at the emulator, overriding only those it declares (Terraform
    refuses an override without a base: "Missing base provider configuration for override"). A module without
    its own default configuration gets one in a primary file, else its resources would call AWS itself."""
    from harness.terraform import providers_override

    override = directory / "zz_emulator_providers_override.tf"
    if aliases:
        override.write_text(providers_override(endpoint, aliases))
    else:
        override.unlink(missing_ok=True)
    primary = directory / "zz_emulator_providers.tf"
    if None in aliases:
        primary.unlink(missing_ok=True)
    else:
        primary.write_text(providers_override(endpoint, [None]))


def plan_stack(terraform_dir: Path, reports: Path, packages: str | None, var_files: list[str]) -> Path:
    """Plan ``terraform_dir`` against the emulator; return the ``show -json`` file."""
    sys.path.insert(0, str(REPO_ROOT))
    from harness import terraform as harness_terraform
    from harness.emulator import moto_server

    aliases, declared = module_declarations(terraform_dir)
    workdir = reports / "workspace"
    variables = {name: value for name, value in PLAN_VARIABLES.items() if name in declared}
    origin = "none (the module has no lambda_packages_dir)"
    if "lambda_packages_dir" in declared:
        package_dir, kind = lambda_packages(packages, workdir)
        variables["lambda_packages_dir"] = str(package_dir)
        origin = f"{kind}, {package_dir}"
    print(f"planning {terraform_dir} against the emulator (Lambda packages: {origin})", flush=True)
    plan_json = reports / "tfplan.json"
    with moto_server(log_path=reports / "emulator.log") as emulator:
        # Judge the module as committed: none of the harness's emulator adaptations (the module's own
        # override files stay), and only the provider configurations the module declares point at the emulator.
        workspace = harness_terraform.Workspace.for_emulator(
            emulator, workdir, variables=variables, module_dir=terraform_dir, override_dir=None
        )
        point_providers_at_emulator(workspace.dir, emulator.endpoint, aliases)
        for stale in workspace.dir.glob("zz_policy_*.auto.tfvars"):
            stale.unlink()
        # Later files win: the example tfvars, then each --var-file (auto.tfvars load in lexical order).
        example = terraform_dir / "terraform.tfvars.example"
        extra = ([example] if example.is_file() else []) + [Path(v).resolve() for v in var_files]
        for number, var_file in enumerate(extra):
            shutil.copy2(var_file, workspace.dir / f"zz_policy_{number:02d}.auto.tfvars")
        workspace.init()
        workspace.plan_json(out_path=plan_json)
    return plan_json


def _diagnostics(exc: Exception) -> str:
    """Terraform's own error messages from a failed run (its stderr), without the plan it printed."""
    stderr = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], str) else str(exc)
    lines = stderr.strip().splitlines()
    return "\n".join(lines[-60:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies", description=__doc__.split("\n\n")[0])
    parser.add_argument("--terraform-dir", default=str(REPO_ROOT / "terraform"), help="HCL root module to scan")
    parser.add_argument(
        "--plan-json",
        action="append",
        default=[],
        help="scan this existing show -json file instead of planning (repeatable)",
    )
    parser.add_argument("--skip-plan", action="store_true", help="scan the HCL only (no Terraform, no emulator)")
    parser.add_argument("--custom-only", action="store_true", help=f"run only our checks ({CUSTOM_CHECKS})")
    parser.add_argument("--lambda-packages-dir", help="directory with the three Lambda zips (for planning)")
    parser.add_argument("--var-file", action="append", default=[], help="extra .tfvars for the plan (repeatable)")
    parser.add_argument("--reports", default=str(DEFAULT_REPORTS), help="report directory (git-ignored)")
    args = parser.parse_args(argv)

    reports = Path(args.reports).resolve()
    reports.mkdir(parents=True, exist_ok=True)
    terraform_dir = Path(args.terraform_dir).resolve()

    plan_files = [Path(p).resolve() for p in args.plan_json]
    if not plan_files and not args.skip_plan:
        try:
            plan_files = [plan_stack(terraform_dir, reports, args.lambda_packages_dir, args.var_file)]
        except Exception as exc:
            print(f"ERROR: could not plan {terraform_dir}: {type(exc).__name__}", file=sys.stderr)
            print(_diagnostics(exc), file=sys.stderr)
            return 2

    results = [run_checkov("hcl", ["-d", str(terraform_dir)], "terraform", reports / "hcl", args.custom_only, None)]
    if plan_files:
        targets = [arg for plan_file in plan_files for arg in ("-f", str(plan_file))]
        results.append(
            run_checkov("plan", targets, "terraform_plan", reports / "plan", args.custom_only, terraform_dir)
        )
    declared = declared_skips(terraform_dir)
    for result in results:
        fail_misattributed_skips(result, declared)
        print_result(result)

    failed = sum(len(r.failed) for r in results)
    print(f"\nreports (JUnit XML, SARIF, JSON, cli) in {reports}/<scan>/")
    if all(r.ok for r in results):
        print("policy: PASSED")
        return 0
    ids = sorted({c["check_id"] for r in results for c in r.failed})
    print(f"policy: FAILED ({failed} failed checks: {', '.join(ids)})")
    return 1


if __name__ == "__main__" and __spec__ is not None and __spec__.name == "policies.__main__":
    sys.exit(main())

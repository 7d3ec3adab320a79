"""Regenerate the plan-JSON fixtures: ``python tests/unit/policies/make_plan_fixtures.py`` (from the repo root).

Every (or each named) ``example_*/main.tf`` whose first line is ``# plan-fixture`` is planned against the embedded
moto emulator and its ``terraform show -json`` is written, trimmed, to ``tfplan.json`` beside it. The fixtures
are committed: the unit tests never run Terraform. Needs the policy environment plus Terraform and
TF_CLI_CONFIG_FILE (the provider mirror), as ``python -m policies`` does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from harness.emulator import moto_server  # noqa: E402
from harness.toolchain import cli_config, terraform_binary  # noqa: E402

MARKER = "# plan-fixture"
SERVICES = ("apigateway", "cloudfront", "dynamodb", "iam", "kms", "lambda", "logs", "s3", "secretsmanager",
            "sns", "sqs", "ssm", "sts")  # fmt: skip
# Keys of ``show -json`` that checkov's plan runner reads; the rest (prior_state, provider endpoints...) is noise.
KEPT = ("format_version", "terraform_version", "planned_values", "resource_changes", "configuration")


def override(endpoint: str, aliases: list[str]) -> str:
    """Provider override blocks (the default provider and each alias of the fixture) that target the emulator."""
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in SERVICES)
    out = []
    for alias in [None, *aliases]:
        alias_line = f'  alias = "{alias}"\n' if alias else ""
        out.append(
            f'provider "aws" {{\n{alias_line}  access_key = "test"\n  secret_key = "test"\n'
            "  skip_credentials_validation = true\n  skip_metadata_api_check = true\n"
            "  skip_region_validation = true\n  s3_use_path_style = true\n"
            f"  endpoints {{\n{endpoints}\n  }}\n}}\n"
        )
    return "\n".join(out)


def _short_provider_names(node: object) -> None:
    """Keep provider addresses as ``namespace/type`` (drop the source host, which checkov never reads)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "provider_name" and isinstance(value, str) and value.count("/") == 2:
                node[key] = value.split("/", 1)[1]
            else:
                _short_provider_names(value)
    elif isinstance(node, list):
        for item in node:
            _short_provider_names(item)


def trim(document: dict) -> dict:
    """Keep what checkov's plan runner reads; drop provider configuration (emulator endpoints) and hosts."""
    kept = {key: document[key] for key in KEPT if key in document}
    kept.get("configuration", {}).pop("provider_config", None)
    _short_provider_names(kept)
    return kept


def generate(fixture: Path, endpoint: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copy2(fixture / "main.tf", work / "main.tf")
        aliases = re.findall(r'^\s*alias\s*=\s*"([A-Za-z0-9_]+)"', (fixture / "main.tf").read_text(), re.M)
        (work / "zz_emulator_override.tf").write_text(override(endpoint, aliases))
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": cli_config(),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        }
        terraform = terraform_binary()
        run = {"cwd": work, "env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([terraform, "init", "-input=false", "-no-color"], **run)
        subprocess.run([terraform, "plan", "-input=false", "-no-color", "-out=tfplan"], **run)
        shown = subprocess.run([terraform, "show", "-json", "tfplan"], **run).stdout
    (fixture / "tfplan.json").write_text(json.dumps(trim(json.loads(shown)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {fixture.name}/tfplan.json")


def main() -> None:
    """Regenerate every plan fixture, or only those named on the command line (``example_<Check>``)."""
    wanted = set(sys.argv[1:])
    fixtures = [
        d
        for d in sorted(HERE.glob("example_*"))
        if (d / "main.tf").is_file()
        and (d / "main.tf").read_text().startswith(MARKER)
        and (not wanted or d.name in wanted)
    ]
    with moto_server() as emulator:
        for fixture in fixtures:
            generate(fixture, emulator.endpoint)


if __name__ == "__main__":
    main()

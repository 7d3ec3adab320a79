"""``terraform fmt -check``, ``validate`` and ``test`` (plan-only, mocked providers) for the root module, offline.

Validation runs in a scratch copy, so the repository never gets a ``.terraform/`` directory;
the copy is initialised from the provider mirror with ``-backend=false``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.terraform import OVERRIDES_DIR, TERRAFORM_DIR
from harness.toolchain import cli_config, terraform_binary


def run(args: list[str], cwd: Path) -> None:
    print("$ terraform " + " ".join(args), flush=True)
    env = {"TF_CLI_CONFIG_FILE": cli_config(), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin"}
    subprocess.run([terraform_binary(), *args], cwd=cwd, env=env, check=True)


def main() -> int:
    try:
        run(["fmt", "-check", "-diff", "-recursive", str(TERRAFORM_DIR), str(OVERRIDES_DIR)], TERRAFORM_DIR)
        with tempfile.TemporaryDirectory(prefix="tth-validate-") as scratch:
            copy = Path(scratch) / "terraform"
            shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
            # The lock file records registry.terraform.io; OpenTofu resolves its own registry host.
            lock = [] if "tofu" in Path(terraform_binary()).name else ["-lockfile=readonly"]
            run(["init", "-backend=false", "-input=false", "-no-color", *lock], copy)
            run(["validate", "-no-color"], copy)
            # Plan-only tests with mocked providers (terraform/tests/*.tftest.hcl).
            run(["test", "-no-color"], copy)
    except subprocess.CalledProcessError as exc:
        print(f"terraform check failed: {' '.join(map(str, exc.cmd[1:3]))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

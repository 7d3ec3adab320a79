"""The Terraform CLI and provider mirror that ``scripts/bootstrap`` set up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ToolchainMissing(RuntimeError):
    """Set-up has not run: there is no Terraform CLI or provider mirror to use."""


def terraform_binary() -> str:
    """Return the Terraform binary chosen by ``scripts/bootstrap``: ``TTH_TERRAFORM``, else ``terraform`` on PATH.

    Set-up requires Terraform >= 1.11 and rejects OpenTofu, so a ``tofu`` on PATH is never used.
    """
    binary = os.environ.get("TTH_TERRAFORM") or shutil.which("terraform")
    if not binary:
        raise ToolchainMissing("no Terraform CLI: run `scripts/bootstrap` (or `make up` / `make test`) first")
    return binary


def cli_config() -> str:
    """Return the CLI config file that installs providers from the offline mirror."""
    path = os.environ.get("TF_CLI_CONFIG_FILE", "")
    if not path or not Path(path).is_file():
        raise ToolchainMissing(
            f"TF_CLI_CONFIG_FILE={path!r} is not a file: run `scripts/bootstrap` and source its env.sh"
        )
    return path

"""harness.toolchain: which Terraform binary the harness runs (set-up requires Terraform >= 1.11, never OpenTofu)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from harness.toolchain import ToolchainMissing, terraform_binary

if TYPE_CHECKING:
    from pathlib import Path


def executable(folder: Path, name: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_the_binary_named_in_tth_terraform_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    executable(tmp_path, "terraform")
    chosen = executable(tmp_path, "terraform-1.11.4")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("TTH_TERRAFORM", chosen)
    assert terraform_binary() == chosen


def test_terraform_on_path_is_used_without_tth_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = executable(tmp_path, "terraform")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("TTH_TERRAFORM", raising=False)
    assert terraform_binary() == found


def test_a_tofu_on_path_is_not_a_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    executable(tmp_path, "tofu")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("TTH_TERRAFORM", raising=False)
    with pytest.raises(ToolchainMissing, match="scripts/bootstrap"):
        terraform_binary()

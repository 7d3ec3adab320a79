"""``Workspace`` copies the root module and the override set it is given (no emulator started)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.emulator import Emulator
from harness.terraform import OVERRIDES_DIR, TERRAFORM_DIR, Workspace

if TYPE_CHECKING:
    from pathlib import Path

MOTO = Emulator(endpoint="http://127.0.0.1:9", kind="moto")


def module(directory: Path) -> Path:
    directory.mkdir()
    (directory / "main.tf").write_text('variable "x" {\n  type = string\n}\n')
    (directory / "own_override.tf").write_text("# the module's own override\n")
    return directory


def tf_files(workspace: Workspace) -> set[str]:
    return {p.name for p in workspace.dir.glob("*.tf")} - {"zz_emulator_providers_override.tf"}


def test_default_is_the_stack_with_the_adaptations_of_the_emulator_kind(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, MOTO)
    expected = {p.name for p in TERRAFORM_DIR.glob("*.tf")} | {p.name for p in (OVERRIDES_DIR / "moto").glob("*.tf")}
    assert tf_files(workspace) == expected


def test_module_dir_and_override_dir_are_what_the_caller_passes(tmp_path: Path) -> None:
    # Given another module and an override set of its own
    other = module(tmp_path / "other")
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "adapt_override.tf").write_text("# adaptation\n")

    # When a workspace is built from them / Then it holds exactly those files
    workspace = Workspace(tmp_path / "a", MOTO, module_dir=other, override_dir=overrides)
    assert tf_files(workspace) == {"main.tf", "own_override.tf", "adapt_override.tf"}

    # And without an override set, only the module as committed (a reused workdir loses the old adaptations)
    again = Workspace.for_emulator(MOTO, tmp_path / "a", module_dir=other, override_dir=None)
    assert tf_files(again) == {"main.tf", "own_override.tf"}

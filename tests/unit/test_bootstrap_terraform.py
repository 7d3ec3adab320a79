"""Set-up accepts only a Terraform the stack can run on, and says what to install otherwise.

``scripts/bootstrap`` is sourced (which defines its functions without running set-up) and its
``find_terraform`` is called with a PATH holding only fake binaries, so nothing is installed.
The minimum is read from ``versions.env`` and must match ``terraform/providers.tf`` and the READMEs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PINS = dict(re.findall(r"^([A-Z0-9_]+)=(\S+)$", (REPO / "versions.env").read_text(), re.MULTILINE))
MINIMUM = PINS["TERRAFORM_MIN_VERSION"]


def fake(bin_dir: Path, name: str, banner: str, version: str) -> Path:
    path = bin_dir / name
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$2" = "-json" ]; then echo \'{{"terraform_version": "{version}"}}\'; '
        f"else echo '{banner} v{version}'; fi\n"
    )
    path.chmod(0o755)
    return path


def find_terraform(tmp_path: Path, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    # /usr/bin and /bin for sh, sed and sort only: a terraform installed there would leak in.
    for system in ("/usr/bin", "/bin"):
        assert not (Path(system) / "terraform").exists() and not (Path(system) / "tofu").exists()
    return subprocess.run(
        ["bash", "-c", f'source "{REPO}/scripts/bootstrap" && find_terraform'],
        env={"HOME": str(tmp_path), "PATH": f"{bin_dir}:/usr/bin:/bin", "TTH_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_minimum_is_one_number_everywhere() -> None:
    assert MINIMUM == "1.11.0"  # value_wo (parameters.tf) and override_during (tests/) need 1.11
    providers = (REPO / "terraform" / "providers.tf").read_text()
    assert f'required_version = ">= {MINIMUM}"' in providers
    assert f"`terraform` ≥ {MINIMUM} (`TERRAFORM_MIN_VERSION` in `versions.env`)" in (REPO / "README.md").read_text()
    assert f"Terraform >= {MINIMUM} (`TERRAFORM_MIN_VERSION` in" in (REPO / "terraform" / "README.md").read_text()


def test_a_new_enough_terraform_on_path_is_used(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    terraform = fake(bin_dir, "terraform", "Terraform", MINIMUM)
    result = find_terraform(tmp_path, bin_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(terraform)


@pytest.mark.parametrize(
    ("name", "banner", "version", "found"),
    [
        ("terraform", "Terraform", "1.10.5", "found Terraform 1.10.5 at"),
        ("terraform", "OpenTofu", "1.12.6", "found OpenTofu 1.12.6 at"),
        ("tofu", "OpenTofu", "1.12.6", "found OpenTofu at"),
        (None, "", "", None),
    ],
    ids=["old-terraform", "tofu-named-terraform", "tofu", "nothing"],
)
def test_set_up_stops_with_what_to_install(
    tmp_path: Path, name: str | None, banner: str, version: str, found: str | None
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if name:
        fake(bin_dir, name, banner, version)
    result = find_terraform(tmp_path, bin_dir)
    assert result.returncode == 1
    assert result.stdout == ""
    message = result.stderr.strip()
    ci = PINS["TERRAFORM_CI_VERSION"]
    assert message.startswith(f"bootstrap: error: install Terraform >= {MINIMUM} (CI uses {ci})")
    assert message.count("\n") == 0 and message.endswith(".")  # one sentence
    assert (found in message) if found else ("found" not in message)
    assert not (tmp_path / "cache" / "opentofu").exists()  # nothing built behind the user's back

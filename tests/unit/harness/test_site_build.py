"""harness.deploy_steps.build_site reuses the last site build only while its inputs and its output are unchanged."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from harness.deploy_steps import build_site

if TYPE_CHECKING:
    from pathlib import Path

# A stand-in for `tsc && vite build`: writes dist/ from src/ and counts its runs in builds.log (a .log file,
# not an input).
BUILD = (
    "const fs = require('fs');"
    "fs.mkdirSync('dist', {recursive: true});"
    "fs.writeFileSync('dist/index.html', fs.readFileSync('src/main.ts'));"
    "fs.appendFileSync('builds.log', 'built\\n');"
)


@pytest.fixture
def frontend(tmp_path: Path) -> Path:
    site = tmp_path / "frontend"
    (site / "src").mkdir(parents=True)
    (site / "src" / "main.ts").write_text("console.log('shop');\n")
    (site / "package.json").write_text(
        json.dumps({"name": "site", "private": True, "scripts": {"build": f'node -e "{BUILD}"'}})
    )
    return site


def builds(site: Path) -> int:
    log = site / "builds.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_unchanged_site_is_reused_and_any_change_rebuilds(
    frontend: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "build" / "BUILD_KEY"
    monkeypatch.delenv("VITE_SHOP", raising=False)
    dist = build_site(frontend, key)
    assert dist == frontend / "dist"
    assert (dist / "index.html").read_text() == "console.log('shop');\n"
    assert builds(frontend) == 1
    assert build_site(frontend, key) == dist
    assert builds(frontend) == 1, "nothing changed: the last build is reused"

    (frontend / "src" / "main.ts").write_text("console.log('shop v2');\n")
    build_site(frontend, key)
    assert builds(frontend) == 2, "a source changed"
    assert (dist / "index.html").read_text() == "console.log('shop v2');\n"

    (dist / "index.html").write_text("edited by hand")
    build_site(frontend, key)
    assert builds(frontend) == 3, "dist/ no longer holds what the build wrote"

    (dist / "index.html").unlink()
    build_site(frontend, key)
    assert builds(frontend) == 4, "dist/ lost a file"

    monkeypatch.setenv("VITE_SHOP", "other")
    build_site(frontend, key)
    assert builds(frontend) == 5, "a VITE_ variable (read into the bundle) changed"

    (frontend / "node_modules").mkdir()
    (frontend / "node_modules" / ".package-lock.json").write_text("{}")
    build_site(frontend, key)
    assert builds(frontend) == 6, "the installed modules changed"
    build_site(frontend, key)
    assert builds(frontend) == 6


def test_failed_build_leaves_no_key(frontend: Path, tmp_path: Path) -> None:
    key = tmp_path / "build" / "BUILD_KEY"
    build_site(frontend, key)
    (frontend / "package.json").write_text(json.dumps({"scripts": {"build": 'node -e "process.exit(3)"'}}))
    with pytest.raises(Exception, match="returned non-zero exit status"):
        build_site(frontend, key)
    assert not key.exists()

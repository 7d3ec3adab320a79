"""scripts/build_lambdas.py: deterministic zips and pip platform selection (no pip run here)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import zipfile
from typing import TYPE_CHECKING, Any

import pytest
from lambda_helpers import ENV, ROOT

if TYPE_CHECKING:
    from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_lambdas", ROOT / "scripts" / "build_lambdas.py")
assert _spec and _spec.loader
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def _tree(base: Path) -> Path:
    (base / "deps" / "lib" / "__pycache__").mkdir(parents=True)
    (base / "deps" / "lib" / "__init__.py").write_text("x = 1\n")
    (base / "deps" / "lib" / "__pycache__" / "__init__.cpython-313.pyc").write_bytes(b"junk")
    (base / "deps" / "bin").mkdir()
    (base / "deps" / "bin" / "tool").write_text("#!/usr/bin/python\n")
    return base / "deps"


def test_zip_is_byte_identical_sorted_and_normalised(tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    files = build.package_files("orders", deps)
    first = build.build_zip(files)
    os.utime(deps / "lib" / "__init__.py", (0, 0))  # mtimes must not matter
    second = build.build_zip(build.package_files("orders", deps))
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert "lib/__init__.py" in names and "orders/handler.py" in names and "shop/models.py" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") or n.startswith("bin/") for n in names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_prune_removes_bytecode_and_scripts(tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    build.prune(deps)
    remaining = sorted(p.relative_to(deps).as_posix() for p in deps.rglob("*"))
    assert remaining == ["lib", "lib/__init__.py"]


def test_platform_args_per_target() -> None:
    lam = build.pip_platform_args("lambda", None)
    assert "manylinux2014_aarch64" in lam and lam[lam.index("--python-version") + 1] == "3.13"
    assert "--only-binary=:all:" in lam and "cp" in lam
    assert build.pip_platform_args("host", None) == []
    host = build.pip_platform_args("host", "3.13")
    assert "manylinux2014_x86_64" in host and host[host.index("--python-version") + 1] == "3.13"


def test_cache_key_depends_on_target_and_requirements(monkeypatch: Any, tmp_path: Path) -> None:
    assert build.deps_key("lambda", None) != build.deps_key("host", None)
    req = tmp_path / "requirements.txt"
    req.write_text("a==1\n")
    monkeypatch.setattr(build, "REQUIREMENTS", req)
    before = build.deps_key("lambda", None)
    req.write_text("a==2\n")
    assert build.deps_key("lambda", None) != before
    monkeypatch.setenv("TTH_LAMBDA_DEPS_CACHE", str(tmp_path))
    assert build.cache_root() == tmp_path


def test_main_writes_zips_and_sums_from_cached_tree(monkeypatch: Any, tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    monkeypatch.setattr(build, "install_deps", lambda *a, **k: deps)
    out = tmp_path / "out"
    assert build.main(["--target", "host", "--out", str(out), "--check"]) == 0
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert [line.split()[1] for line in sums] == [f"{name}.zip" for name in build.FUNCTIONS]
    assert "sweeper.zip" in {line.split()[1] for line in sums}
    for line in sums:
        digest, name = line.split()
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


_MODULES_OF = {
    "cryptography": ["cryptography"],
    "cffi": ["cffi", "_cffi_backend"],
    "pycparser": ["pycparser"],
    "stripe": ["stripe"],
}


@pytest.mark.parametrize("function", sorted(build.UNUSED_DISTRIBUTIONS))
def test_handlers_import_without_the_distributions_left_out(function: str) -> None:
    # Given the modules of the distributions the build leaves out of this function's zip are blocked
    blocked = [module for dist in build.UNUSED_DISTRIBUTIONS[function] for module in _MODULES_OF[dist]]
    code = f"import sys\nfor m in {blocked!r}: sys.modules[m] = None\nimport {function}.handler\n"
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "lambda_src")}
    # When the handler is imported in a fresh interpreter / Then it imports
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_opt_in_bytecode_is_hash_based_and_reproducible(tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    first = build.compile_files(build.package_files("fulfillment", deps), sys.executable, tmp_path / "a")
    second = build.compile_files(build.package_files("fulfillment", deps), sys.executable, tmp_path / "b")
    pycs = [name for name, _ in first if name.endswith(".pyc")]
    assert "fulfillment/__pycache__/handler.cpython-{}{}.pyc".format(*sys.version_info[:2]) in pycs
    assert build.build_zip(first) == build.build_zip(second)
    header = dict(first)[pycs[0]].read_bytes()[4:8]
    assert int.from_bytes(header, "little") == 0b01  # PEP 552: hash-based, unchecked

"""scripts/build_lambdas.py: deterministic zips and pip platform selection (no pip run here)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lambda_helpers import ENV, ROOT

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


# Installed in the unit env (moto needs them) but in no package (lambda_src/requirements.txt): blocked for every
# handler, so an import of them fails here as it would in Lambda.
_NOT_SHIPPED = ["cryptography", "cffi", "_cffi_backend", "pycparser"]


def test_no_package_ships_cryptography() -> None:
    pins = {line.split("==")[0].lower() for line in build.REQUIREMENTS.read_text().splitlines() if "==" in line}
    assert not pins & {"cryptography", "cffi", "pycparser"}


@pytest.mark.parametrize("function", sorted(build.UNUSED_DISTRIBUTIONS))
def test_handlers_import_without_the_distributions_left_out(function: str) -> None:
    # Given the modules of the distributions the build leaves out of this function's zip are blocked
    blocked = [module for dist in build.UNUSED_DISTRIBUTIONS[function] for module in build.DISTRIBUTION_MODULES[dist]]
    blocked += _NOT_SHIPPED
    # (a finder that refuses them, not None in sys.modules: Powertools tests ``"pydantic" in sys.modules``)
    code = (
        "import sys\nclass Refuse:\n    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}: raise ModuleNotFoundError(name)\n"
        f"sys.meta_path.insert(0, Refuse())\nimport {function}.handler\n"
    )
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "lambda_src")}
    # When the handler is imported in a fresh interpreter / Then it imports
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_bytecode_is_hash_checked_and_reproducible(tmp_path: Path) -> None:
    deps = build.compiled_deps(_tree(tmp_path), sys.executable)
    first = build.package("fulfillment", deps, sys.executable, tmp_path / "a")
    second = build.package("fulfillment", deps, sys.executable, tmp_path / "b")
    pycs = [name for name, _ in first if name.endswith(".pyc")]
    handler = "fulfillment/__pycache__/handler.cpython-{}{}.pyc".format(*sys.version_info[:2])
    assert handler in pycs and "fulfillment/handler.py" in dict(first)  # own code: source and its bytecode
    assert build.build_zip(first) == build.build_zip(second)
    for name in (handler, "lib/__init__.pyc"):
        header = dict(first)[name].read_bytes()[4:8]
        assert int.from_bytes(header, "little") == 0b11  # PEP 552: hash-based, checked
    # The dependencies ship their bytecode without the source, where the source was (sourceless layout)
    assert "lib/__init__.pyc" in dict(first) and "lib/__init__.py" not in dict(first)
    assert not [name for name, _ in first if name.startswith("lib/__pycache__/")]
    assert not any(name.endswith(".complete") for name, _ in first)


def test_a_sourceless_dependency_imports_from_the_unpacked_zip(tmp_path: Path) -> None:
    # Given a package built from a dependency tree with bytecode only, unpacked
    deps = build.compiled_deps(_tree(tmp_path), sys.executable)
    with zipfile.ZipFile(
        io.BytesIO(build.build_zip(build.package("sweeper", deps, sys.executable, tmp_path / "w")))
    ) as z:
        z.extractall(tmp_path / "task")
    # When a fresh interpreter imports the dependency with bytecode writing off, as Lambda runs it
    code = (
        "import sys; sys.path.insert(0, '.'); import lib\n"
        "print(lib.x, lib.__file__.endswith('lib/__init__.pyc'), lib.__spec__.loader)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code], cwd=tmp_path / "task", capture_output=True, text=True, timeout=60
    )
    # Then it loads from the bytecode
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 True") and "SourcelessFileLoader" in result.stdout


def test_source_of_maps_bytecode_to_its_module() -> None:
    assert build.source_of("a/b/__pycache__/c.cpython-313.pyc") == "a/b/c.py"
    assert build.source_of("a/b/c.pyc") == "a/b/c.py"
    assert build.source_of("__pycache__/top.cpython-313.pyc") == "top.py"
    assert build.source_of("a/b/c.py") == "a/b/c.py"


def test_pruned_files_and_their_bytecode_are_left_out(tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    (deps / "stripe" / "params").mkdir(parents=True)
    (deps / "stripe" / "params" / "_x_params.py").write_text("X = 1\n")
    (deps / "lib" / "stub.pyi").write_text("x: int\n")
    swagger = deps / "aws_lambda_powertools" / "event_handler" / "openapi" / "swagger_ui"
    swagger.mkdir(parents=True)
    (swagger / "swagger-ui-bundle.min.js").write_text("js")
    (swagger / "html.py").write_text("HTML = 1\n")
    names = dict(build.package("orders", build.compiled_deps(deps, sys.executable), sys.executable, tmp_path / "w"))
    assert not [n for n in names if n.startswith("stripe/params/") or n.endswith((".pyi", ".min.js"))]
    assert "aws_lambda_powertools/event_handler/openapi/swagger_ui/html.pyc" in names


def test_a_function_leaves_out_its_unused_distributions_and_files(tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    for top in ("pydantic", "aws_lambda_powertools/utilities/parser", "aws_lambda_powertools/utilities/batch"):
        (deps / top).mkdir(parents=True)
        (deps / top / "__init__.py").write_text("X = 1\n")
    (deps / "pydantic-2.0.dist-info").mkdir()
    (deps / "pydantic-2.0.dist-info" / "RECORD").write_text(
        "pydantic/__init__.py,,\npydantic-2.0.dist-info/METADATA,,\npydantic-2.0.dist-info/RECORD,,\n"
    )
    (deps / "pydantic-2.0.dist-info" / "METADATA").write_text("Name: pydantic\n")
    compiled = build.compiled_deps(deps, sys.executable)

    def names(function: str) -> set[str]:
        return {name for name, _ in build.package(function, compiled, sys.executable, tmp_path / function)}

    orders, webhook, fulfillment = names("orders"), names("stripe_webhook"), names("fulfillment")
    assert {"pydantic/__init__.pyc", "aws_lambda_powertools/utilities/parser/__init__.pyc"} <= orders
    assert not [n for n in webhook | fulfillment if n.startswith(("pydantic", "aws_lambda_powertools/utilities/p"))]
    assert "aws_lambda_powertools/utilities/batch/__init__.pyc" in fulfillment - webhook
    assert not [n for n in orders if n.endswith("/RECORD")]  # the installer's file list ships nowhere


@pytest.mark.parametrize("function", ["stripe_webhook", "sweeper", "fulfillment"])
def test_each_function_runs_its_tests_without_what_its_zip_leaves_out(function: str) -> None:
    # Given every module the function's zip lacks is refused (conftest.py, TTH_LAMBDA_PACKAGE)
    blocked = build.function_blocked_modules(function)
    assert "pydantic" in blocked
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}  # no coverage of the child run
    env |= {"TTH_LAMBDA_PACKAGE": function, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lambda_src'}"}
    # When the function's own unit tests run, every path they cover
    result = subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/unit/lambda/test_{function}.py", "-q", "-p", "no:cacheprovider",
         "-p", "no:cov", "-x", "--tb=short"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    # Then they pass: no path of the function imports what its zip leaves out
    assert result.returncode == 0, result.stdout[-3000:]


def test_distribution_modules_are_the_distributions_top_level_packages() -> None:
    from importlib import metadata

    for distribution, modules in build.DISTRIBUTION_MODULES.items():
        files = metadata.files(distribution) or []
        tops = {f.parts[0] for f in files if f.suffix in {".py", ".so"} or len(f.parts) > 1}
        tops = {t.split(".")[0] for t in tops if not t.endswith((".dist-info", "__pycache__")) and t != ".."}
        assert tops == set(modules), distribution


def test_powertools_parser_cannot_load_without_pydantic() -> None:
    # The reason the parser is pruned where pydantic is: its package __init__ imports pydantic unconditionally.
    import ast

    from aws_lambda_powertools.utilities import parameters

    init = Path(parameters.__file__).parents[1] / "parser" / "__init__.py"
    top_level = ast.parse(init.read_text(encoding="utf-8")).body
    assert any(isinstance(node, ast.ImportFrom) and node.module == "pydantic" for node in top_level)


def test_charset_normalizer_ships_the_source_of_each_compiled_module() -> None:
    # The reason its .so files are pruned: each is a mypyc build of a module whose source ships beside it.
    import charset_normalizer

    root = Path(charset_normalizer.__file__).parent
    compiled = sorted(root.glob("*.so"))
    assert compiled, "expected the compiled wheel, as the packages install it"
    assert [p.name.split(".")[0] for p in compiled if not (root / (p.name.split(".")[0] + ".py")).is_file()] == []


def test_no_shipped_library_reads_its_installer_file_list() -> None:
    # The reason dist-info/RECORD is pruned: only importlib.metadata's files() reads it; nothing shipped calls it.
    from importlib import metadata

    pins = [line.split("==")[0] for line in build.REQUIREMENTS.read_text().splitlines() if "==" in line]
    sources = [f for dist in pins for f in metadata.files(dist) or [] if f.suffix == ".py"]
    reads = re.compile(r"""\.files\(|["']RECORD["']""")  # metadata.files(...) or the file's name
    readers = [str(f) for f in sources if reads.search(f.read_text(encoding="utf-8"))]
    assert readers == []


def test_stripe_imports_its_params_only_for_type_checkers() -> None:
    # The reason stripe/params/ is pruned: no stripe module imports it at run time.
    import ast

    import stripe

    root = Path(stripe.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "params" in path.relative_to(root).parts[:1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(node)
            for guard in ast.walk(tree)
            if isinstance(guard, ast.If) and "TYPE_CHECKING" in ast.unparse(guard.test)
            for stmt in guard.body
            for node in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else []
            touches = (module or "").startswith("stripe.params") or any(n.startswith("stripe.params") for n in names)
            if ((module == "stripe" and "params" in names) or touches) and id(node) not in typing_only:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def test_swagger_assets_are_read_only_by_enable_swagger() -> None:
    # The reason the swagger-ui bundle is pruned: Powertools reads it in enable_swagger(), no function calls it.
    from aws_lambda_powertools.event_handler import api_gateway

    source = Path(api_gateway.__file__).read_text(encoding="utf-8")
    start = source.index("def enable_swagger(")
    end = source.index("\n    def ", start + 1)
    assert source.count("swagger-ui-bundle.min.js") == source[start:end].count("swagger-ui-bundle.min.js") > 0
    assert not [p for p in (ROOT / "lambda_src").rglob("*.py") if "enable_swagger" in p.read_text()]


def test_pydantic_imports_its_v1_layer_only_for_v1_style_types() -> None:
    # The reason pydantic/v1/ is pruned: outside v1/ itself, only the schema builder imports it, and only for a
    # type with __get_validators__, which no shop or Powertools model has (the unit tests run with it blocked).
    import pydantic

    root = Path(pydantic.__file__).parent
    importers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "v1" not in path.relative_to(root).parts[:1] and path.name != "mypy.py"  # the mypy plugin: type checkers
        if "from pydantic.v1" in path.read_text(encoding="utf-8")
    )
    assert importers == ["_internal/_generate_schema.py"]
    source = (root / "_internal" / "_generate_schema.py").read_text(encoding="utf-8")
    guard = source.index("__get_validators__")
    assert source.index("from pydantic.v1") - guard < 200  # the import sits under that guard


def test_tracing_patches_what_it_traces_without_the_pruned_xray_integrations() -> None:
    # The reason the other aws_xray_sdk/ext/* are pruned: patching TRACED_MODULES imports only their integrations.
    blocked = [package for package in build.PRUNED_PACKAGES if package.startswith("aws_xray_sdk.ext.")]
    assert blocked
    code = (
        f"import sys\nfor m in {blocked!r}: sys.modules[m] = None\n"
        "from aws_xray_sdk.core import patch\nfrom shop.tracing import TRACED_MODULES\npatch(TRACED_MODULES)\n"
        "import botocore.client\nassert hasattr(botocore.client.BaseClient._make_api_call, '__wrapped__')\n"
    )
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "lambda_src")}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("imported_first", [False, True])
def test_requests_is_traced_from_its_first_import(imported_first: bool) -> None:
    # Given tracing on, as in Lambda, and requests imported before the Tracer or after it
    code = (
        f"import sys\n{'import requests' if imported_first else ''}\nfrom shop.tracing import make_tracer\n"
        "make_tracer()\nassert ('requests' in sys.modules) is " + str(imported_first) + "\n"
        "import requests, botocore.client\n"
        "assert hasattr(botocore.client.BaseClient._make_api_call, '__wrapped__')\n"
        "assert hasattr(requests.Session.request, '__wrapped__')\n"
    )
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "lambda_src"), "LAMBDA_TASK_ROOT": str(ROOT / "lambda_src")}
    env["POWERTOOLS_TRACE_DISABLED"] = "false"
    # When the function's Tracer is made / Then both are patched, requests without being imported by the Tracer
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_unchanged_build_is_reused_and_a_change_rebuilds(monkeypatch: Any, tmp_path: Path) -> None:
    deps = _tree(tmp_path)
    monkeypatch.setattr(build, "install_deps", lambda *a, **k: deps)
    out = tmp_path / "out"
    assert build.main(["--target", "host", "--out", str(out), "--no-compile"]) == 0
    built = (out / "orders.zip").stat().st_mtime_ns
    assert build.main(["--target", "host", "--out", str(out), "--no-compile"]) == 0
    assert (out / "orders.zip").stat().st_mtime_ns == built  # reused
    (out / "orders.zip").write_bytes(b"tampered")
    assert build.main(["--target", "host", "--out", str(out), "--no-compile"]) == 0
    assert (out / "orders.zip").read_bytes() != b"tampered"  # SHA256SUMS no longer matched: rebuilt
    key = (out / "BUILD_KEY").read_text()
    assert build.main(["--target", "host", "--out", str(out)]) == 0  # other options (bytecode): rebuilt
    assert (out / "BUILD_KEY").read_text() != key


_PARSER = "aws_lambda_powertools.utilities.parser"
# What a function's cold start does not import (its first requests may): each costs init time.
_NOT_AT_INIT = {
    # Stripe (and requests, its HTTP client, traced once imported: shop.tracing) only on the paths that call it.
    "orders": ["stripe", "requests"],
    # Neither parses a request body nor carries pydantic; Stripe and requests as for orders.
    "stripe_webhook": ["pydantic", "shop.models", "stripe", "requests"],
    "sweeper": ["pydantic", "shop.models", "stripe", "requests"],
    # Reads its records as dataclasses (no pydantic, so no Powertools parser models); Stripe only to refund; it
    # serves no HTTP.
    "fulfillment": ["pydantic", "shop.models", "stripe", "aws_lambda_powertools.event_handler", _PARSER],
}


@pytest.mark.parametrize("function", sorted(_NOT_AT_INIT))
def test_cold_start_leaves_out_what_only_later_paths_need(function: str) -> None:
    absent = _NOT_AT_INIT[function]
    code = f"import sys\nimport {function}.handler\nprint(sorted(m for m in {absent!r} if m in sys.modules))\n"
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "lambda_src"), "LAMBDA_TASK_ROOT": str(ROOT / "lambda_src")}
    env["POWERTOOLS_TRACE_DISABLED"] = "false"  # traced, as in Lambda: patching must not import what it traces
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", f"{function} imports at init: {result.stdout.strip()}"

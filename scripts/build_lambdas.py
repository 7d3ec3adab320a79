#!/usr/bin/env python3
"""Build the three Lambda deployment packages reproducibly.

Usage::

    python scripts/build_lambdas.py --target lambda --out build/lambda/arm64
    python scripts/build_lambdas.py --target host --out build/lambda/host [--python 3.13] [--check]

Each ``DIR/<function>.zip`` holds the function package (``orders/`` ...), the shared package
``shop/`` and the pinned runtime dependencies of ``lambda_src/requirements.txt`` (installed with
``--no-deps``: boto3/botocore come from the Lambda runtime). Zips are deterministic: entries sorted,
timestamps 1980-01-01, permissions 0644, no ``bin/``, no bytecode but the build's own, pip ``--no-compile``.
The installed dependency tree is cached per target + requirements hash under
``~/.cache/tickets-to-heaven/lambda-deps/`` (override with ``TTH_LAMBDA_DEPS_CACHE``).
``DIR/SHA256SUMS`` lists the digests; ``--check`` builds every zip twice and fails on any difference.
Distributions a function never imports are left out of its zip (``UNUSED_DISTRIBUTIONS``), and so are
files no function loads (``PRUNED_FILES``) or that function does not (``FUNCTION_PRUNED_FILES``), each with
the reason.
Every zip ships hash-based (PEP 552) ``.pyc`` files compiled by the runtime's Python version
(``python3.13``, found on PATH; ``--compile PYTHON`` names another, ``--no-compile`` leaves them out):
Lambda cannot write bytecode into /var/task, so without them every cold start compiles every module it
imports. They carry no timestamps, so the zips stay reproducible (``--check``). The dependencies ship
their bytecode only (``module.pyc`` where ``module.py`` was, PEP 3147's sourceless layout): pinned and
never edited, their source would only add the source lines to a traceback (file and line stay).
The functions' own code ships source and checked-hash ``__pycache__`` bytecode: tracebacks stay readable.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "lambda_src"
REQUIREMENTS = SRC / "requirements.txt"
FUNCTIONS = ("orders", "stripe_webhook", "fulfillment", "sweeper")
SHARED = ("shop",)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
LAMBDA_PYTHON = "3.13"
# Bump when the way the dependency tree is installed or pruned changes (invalidates caches).
CACHE_SCHEMA = "2"
# Lambda python3.13 runs on Amazon Linux 2023 (glibc 2.34); accept manylinux2014 and newer tags up to it.
MANYLINUX_TAGS = ("manylinux2014", "manylinux_2_28", "manylinux_2_34")
PRUNE_DIRS = {"__pycache__", "bin"}
# Distributions a function never imports (tests/unit/lambda/test_build_lambdas.py proves it by importing
# each handler with them blocked). Leaving them out keeps those packages small.
# (cryptography is in no package since KMS encrypts the PII fields: lambda_src/shop/crypto.py.)
# pydantic and what only it needs: only orders parses a request body or the catalog (shop.config.load_parameters);
# the others read the settings without the catalog (load_settings) and their messages as dataclasses.
PYDANTIC = ("pydantic", "pydantic-core", "annotated-types", "typing-inspection")
UNUSED_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "orders": (),
    "stripe_webhook": PYDANTIC,
    "fulfillment": PYDANTIC,  # stripe stays: refunds when fulfillment fails for good (imported on first refund)
    "sweeper": PYDANTIC,
}
# The top-level modules of each distribution in UNUSED_DISTRIBUTIONS (tests/unit/lambda/conftest.py blocks them
# when it runs one function's tests; a unit test checks the names against each distribution's RECORD).
DISTRIBUTION_MODULES: dict[str, tuple[str, ...]] = {
    "pydantic": ("pydantic",),
    "pydantic-core": ("pydantic_core",),
    "annotated-types": ("annotated_types",),
    "typing-inspection": ("typing_inspection",),
}
PRUNE_SUFFIXES = (".pyc", ".pyo")
# Written beside SHA256SUMS: the digest of the build's inputs, so an unchanged build is reused.
BUILD_KEY_FILE = "BUILD_KEY"
# Stripe products the shop does not use. stripe 16 imports a subpackage on first attribute access
# (stripe.issuing...), and the responses of the calls the shop makes (PaymentIntents, Refunds) hold only
# top-level objects (stripe/_*.py, kept). ``events``: v2 event classes, read by
# StripeClient.parse_event_notification, which no function calls (the webhook verifies the signature and
# reads the JSON itself). Kept: data/ (CA bundle), radar/ and three_d_secure/ (can appear in card payments).
UNUSED_STRIPE = (
    "apps", "billing", "billing_portal", "checkout", "climate", "entitlements", "events", "financial_connections",
    "forwarding", "identity", "issuing", "product_catalog", "reporting", "reserve", "sigma", "tax", "terminal",
    "test_helpers", "treasury", "v2.billing", "v2.commerce", "v2.money_management", "v2.test_helpers",
    "v2.core.accounts", "v2.core.vault",
)  # fmt: skip
# Powertools utilities no function imports (Powertools imports each only from the user's code).
UNUSED_POWERTOOLS = (
    "auth_alpha", "circuit_breaker", "data_masking", "feature_flags", "kafka", "metadata", "streaming", "validation",
)  # fmt: skip
# X-Ray SDK integrations of libraries the shop does not trace: Tracer patches only shop.tracing.TRACED_MODULES
# (botocore, requests), and the SDK imports aws_xray_sdk.ext.<module> only for a module it patches.
UNUSED_XRAY_INTEGRATIONS = (
    "aiobotocore", "aiohttp", "bottle", "django", "flask", "flask_sqlalchemy", "httplib", "httpx", "mysql",
    "pg8000", "psycopg", "psycopg2", "pymongo", "pymysql", "pynamodb", "sqlalchemy", "sqlalchemy_core", "sqlite3",
)  # fmt: skip
# Files of the dependencies that no function loads (fnmatch patterns on archive names; ``*`` spans ``/``).
# tests/unit/lambda/test_build_lambdas.py proves each reason on the installed tree.
PRUNED_FILES = {
    # TypedDicts for type checkers: stripe imports them only under ``if TYPE_CHECKING``.
    "stripe/params/*": "typing only",
    # Powertools serves these only from ``enable_swagger()``, which no function calls.
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.js": "swagger-ui bundle",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.css": "swagger-ui bundle",
    # Stub files: read by type checkers, never imported.
    "*.pyi": "typing only",
    **{f"stripe/{name.replace('.', '/')}/*": "Stripe product the shop does not call" for name in UNUSED_STRIPE},
    **{f"aws_lambda_powertools/utilities/{name}/*": "Powertools utility, unused" for name in UNUSED_POWERTOOLS},
    # pydantic's V1 compatibility layer: imported only for a type with V1's __get_validators__, which no model
    # of the shop or of Powertools has.
    "pydantic/v1/*": "pydantic V1 layer, unused",
    **{f"aws_xray_sdk/ext/{name}/*": "X-Ray integration of a library not traced" for name in UNUSED_XRAY_INTEGRATIONS},
    # charset_normalizer's mypyc builds of md.py/cd.py (both ship beside them and are imported instead): requests
    # asks it for an encoding only when a response names none, which Stripe's and the partner's JSON do.
    "charset_normalizer/*.so": "compiled speed-up of a module shipped as source",
    "charset_normalizer/cli/*": "command-line tool",
    "wrapt/*.c": "C source of the compiled extension",
    # The installer's file list (with hashes): read by pip to uninstall, never at run time (and it would list
    # the files pruned here). importlib.metadata reads METADATA, which stays.
    "*.dist-info/RECORD": "installer's file list",
}
_WITHOUT_PYDANTIC = {
    "aws_lambda_powertools/utilities/parser/*": "Powertools parser: its __init__ imports pydantic, which this zip "
    "does not carry",
}
# The webhook and the sweeper only record events and move order states: no batch of records, no idempotency table.
_WITHOUT_BATCH_OR_IDEMPOTENCY = {
    **_WITHOUT_PYDANTIC,
    "aws_lambda_powertools/utilities/batch/*": "Powertools utility only fulfillment imports",
    "aws_lambda_powertools/utilities/idempotency/*": "Powertools utility only orders and fulfillment import",
}
# Files one function's zip leaves out on top of PRUNED_FILES. tests/unit/lambda/test_build_lambdas.py runs that
# function's unit tests with these modules (and its UNUSED_DISTRIBUTIONS) blocked, and proves the parser's reason.
FUNCTION_PRUNED_FILES: dict[str, dict[str, str]] = {
    "orders": {},
    "stripe_webhook": _WITHOUT_BATCH_OR_IDEMPOTENCY,
    "fulfillment": _WITHOUT_PYDANTIC,
    "sweeper": _WITHOUT_BATCH_OR_IDEMPOTENCY,
}


def pruned_packages(patterns: dict[str, str]) -> tuple[str, ...]:
    """The modules whole-package patterns remove (``pkg/sub/*`` -> ``pkg.sub``)."""
    return tuple(
        pattern[:-2].replace("/", ".") for pattern in patterns if pattern.endswith("/*") and "*" not in pattern[:-2]
    )


# tests/unit/lambda/conftest.py blocks these, so every Lambda unit test runs as if the files were absent and fails
# on a path that imports one.
PRUNED_PACKAGES = pruned_packages(PRUNED_FILES)


def function_blocked_modules(function: str) -> tuple[str, ...]:
    """Every module one function's zip does not carry: pruned everywhere, pruned for it, its unused distributions."""
    unused = [module for dist in UNUSED_DISTRIBUTIONS[function] for module in DISTRIBUTION_MODULES[dist]]
    return (*PRUNED_PACKAGES, *pruned_packages(FUNCTION_PRUNED_FILES[function]), *unused)


def log(message: str) -> None:
    """Print a progress line."""
    print(f"[build_lambdas] {message}", flush=True)


def pip_platform_args(target: str, python: str | None) -> list[str]:
    """pip arguments that select wheels for the target platform."""
    if target == "lambda":
        arch, version = "aarch64", python or LAMBDA_PYTHON
    elif python:
        arch, version = "x86_64", python
    else:
        return []
    args: list[str] = []
    for tag in MANYLINUX_TAGS:
        args += ["--platform", f"{tag}_{arch}"]
    return [*args, "--implementation", "cp", "--python-version", version, "--only-binary=:all:"]


def cache_root() -> Path:
    """Directory holding the cached dependency trees."""
    override = os.environ.get("TTH_LAMBDA_DEPS_CACHE")
    return Path(override) if override else Path.home() / ".cache" / "tickets-to-heaven" / "lambda-deps"


def deps_key(target: str, python: str | None) -> str:
    """Cache key: target, interpreter/platform selection and the exact requirements."""
    interpreter = python or ("" if target == "lambda" else f"{sys.version_info.major}.{sys.version_info.minor}")
    material = "\n".join(
        [CACHE_SCHEMA, target, interpreter, " ".join(pip_platform_args(target, python)), REQUIREMENTS.read_text()]
    )
    return f"{target}-{interpreter or LAMBDA_PYTHON}-{hashlib.sha256(material.encode()).hexdigest()[:16]}"


def prune(tree: Path) -> None:
    """Remove bytecode, caches and console scripts (their shebangs are machine-specific)."""
    for path in sorted(tree.rglob("*"), reverse=True):
        if path.is_dir() and path.name in PRUNE_DIRS:
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in PRUNE_SUFFIXES:
            path.unlink()


def install_deps(target: str, python: str | None, *, refresh: bool = False) -> Path:
    """Return the cached dependency tree for ``target``, installing it with pip if needed."""
    dest = cache_root() / deps_key(target, python)
    if dest.is_dir() and not refresh:
        log(f"dependencies: cache hit {dest}")
        return dest
    log(f"dependencies: installing {REQUIREMENTS.relative_to(ROOT)} for target={target} into {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-compile", "--no-deps",
        "--target", str(staging),
        "--requirement", str(REQUIREMENTS),
        *pip_platform_args(target, python),
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        prune(staging)
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return dest


def iter_files(base: Path, top: Path, *, bytecode: bool = False) -> list[tuple[str, Path]]:
    """(archive name, path) of every file below ``top`` relative to ``base``, pruned.

    With ``bytecode``, the ``.pyc`` this build compiled are kept.
    """
    files = []
    for path in top.rglob("*"):
        rel = path.relative_to(base)
        if not path.is_file():
            continue
        if bytecode and path.suffix == ".pyc" and "__pycache__" not in rel.parts:  # sourceless layout
            files.append((rel.as_posix(), path))
            continue
        if any(part in PRUNE_DIRS for part in rel.parts) or path.suffix in PRUNE_SUFFIXES:
            continue
        files.append((rel.as_posix(), path))
    return files


def source_of(name: str) -> str:
    """The source a ``.pyc`` archive name was compiled from (``__pycache__/<module>.<tag>.pyc`` or the
    sourceless ``<module>.pyc``), else ``name``."""
    parent, _, leaf = name.rpartition("/")
    if not leaf.endswith(".pyc"):
        return name
    if not (parent == "__pycache__" or parent.endswith("/__pycache__")):
        return name[:-1]
    package = parent[: -len("__pycache__")]
    return f"{package}{leaf.split('.', 1)[0]}.py"


def distribution_files(deps_tree: Path, distribution: str) -> set[str]:
    """Archive names of every file an installed distribution owns (from its dist-info RECORD)."""
    normalized = distribution.replace("-", "_").lower()
    owned: set[str] = set()
    for record in deps_tree.glob("*.dist-info/RECORD"):
        if record.parent.name.lower().split("-", 1)[0] != normalized:  # "<name>-<version>.dist-info"
            continue
        owned.add(record.relative_to(deps_tree).as_posix())
        for line in record.read_text().splitlines():
            name = line.rsplit(",", 2)[0]
            if name and not name.startswith(".."):
                owned.add(name)
    return owned


def is_pruned(name: str, function: str) -> bool:
    """Whether ``PRUNED_FILES`` or the function's ``FUNCTION_PRUNED_FILES`` leave this dependency file out."""
    patterns = (*PRUNED_FILES, *FUNCTION_PRUNED_FILES[function])
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def package_files(function: str, deps_tree: Path, *, bytecode: bool = False) -> list[tuple[str, Path]]:
    """Every file of one deployment package, sorted by archive name (``bytecode``: the deps' ``.pyc`` too)."""
    unused: set[str] = set()
    for distribution in UNUSED_DISTRIBUTIONS.get(function, ()):
        unused |= distribution_files(deps_tree, distribution)
    entries = {
        name: path
        for name, path in iter_files(deps_tree, deps_tree, bytecode=bytecode)
        if source_of(name) not in unused and not is_pruned(source_of(name), function)
    }
    for package in (*SHARED, function):
        for name, path in iter_files(SRC, SRC / package):
            if name in entries:
                raise SystemExit(f"{name} exists both in lambda_src and in the dependencies")
            entries[name] = path
    return sorted(entries.items())


def compile_tree(tree: Path, python: str, *, sourceless: bool = False) -> None:
    """Compile every module below ``tree`` in place, as it will sit in /var/task (hash-checked pycs).

    ``sourceless``: write ``module.pyc`` beside ``module.py`` (the layout Python imports without the source)
    and remove the source.
    """
    subprocess.run(
        [
            python, "-m", "compileall", "-q", "-j", "0",
            "--invalidation-mode", "checked-hash",
            "-s", str(tree), "-p", "/var/task",
            *(["-b"] if sourceless else []),
            str(tree),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    if sourceless:
        for source in tree.rglob("*.py"):
            if source.with_suffix(".pyc").is_file():
                source.unlink()


def compiled_deps(deps_tree: Path, python: str) -> Path:
    """The dependency tree as bytecode without source, compiled once per tree and interpreter (cached beside it)."""
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.implementation.cache_tag)"], check=True, capture_output=True, text=True
    ).stdout.strip()
    dest = deps_tree.with_name(f"{deps_tree.name}-{version}-sourceless")
    complete = dest.with_name(dest.name + ".complete")  # outside the tree, so no package ships it
    if complete.exists() and dest.is_dir():
        return dest
    log(f"dependencies: compiling bytecode with {python} into {dest} (once per dependency set)")
    staging = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        shutil.copytree(deps_tree, staging, dirs_exist_ok=True)
        compile_tree(staging, python, sourceless=True)
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)
        complete.touch()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def compile_files(files: list[tuple[str, Path]], python: str, workdir: Path) -> list[tuple[str, Path]]:
    """Add ``__pycache__/*.pyc`` compiled by ``python`` (the runtime's version) for ``files``.

    Hash-checked pycs (PEP 552) carry the source's hash instead of its mtime, so they are
    reproducible and never go stale against the source beside them; code object file names are
    the Lambda paths (``/var/task/...``).
    """
    for name, path in files:
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    compile_tree(workdir, python)
    compiled = [(p.relative_to(workdir).as_posix(), p) for p in workdir.rglob("*.pyc")]
    return sorted([*files, *compiled])


def runtime_compiler(requested: str | None, version: str) -> str:
    """The interpreter that compiles the bytecode; it must be the runtime's ``major.minor``."""
    interpreter = requested or shutil.which(f"python{version}")
    if not interpreter:
        raise SystemExit(f"no python{version} on PATH to compile the bytecode (scripts/bootstrap finds one)")
    found = subprocess.run(
        [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if found != version:
        raise SystemExit(f"{interpreter} is Python {found}; the packages' bytecode must be built by {version}")
    return interpreter


def package(function: str, deps_tree: Path, python: str | None, workdir: Path) -> list[tuple[str, Path]]:
    """The files of one package; with ``python``, the function's own sources compiled in ``workdir``."""
    files = package_files(function, deps_tree, bytecode=bool(python))
    if not python:
        return files
    own = {name for package in (*SHARED, function) for name, _ in iter_files(SRC, SRC / package)}
    log(f"{function}: compiling its sources with {python}")
    compiled = compile_files([(n, p) for n, p in files if n in own], python, workdir)
    return sorted({**dict(files), **dict(compiled)}.items())


def build_key(args: argparse.Namespace, deps_tree: Path) -> str:
    """Digest of everything a build reads: this script, the sources, the dependency set, the options."""
    digest = hashlib.sha256()
    options = [args.target, args.python or "", args.compile or "", *args.functions, deps_tree.name]
    digest.update("\0".join(options).encode())
    for path in [Path(__file__).resolve(), *sorted(p for p in SRC.rglob("*") if p.is_file())]:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def up_to_date(out: Path, key: str, functions: list[str]) -> bool:
    """Whether ``out`` holds the packages of this exact build, intact (SHA256SUMS still matches)."""
    try:
        if (out / BUILD_KEY_FILE).read_text().strip() != key:
            return False
        sums = dict(line.split()[::-1] for line in (out / "SHA256SUMS").read_text().splitlines() if line.strip())
        return all(
            hashlib.sha256((out / f"{f}.zip").read_bytes()).hexdigest() == sums.get(f"{f}.zip") for f in functions
        )
    except (FileNotFoundError, ValueError):
        return False


def build_zip(files: list[tuple[str, Path]]) -> bytes:
    """Deterministic zip of ``files``: fixed dates, fixed modes, sorted, deflate level 6."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.create_system = 3  # unix, so external_attr carries the mode
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=6)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=("lambda", "host"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="output directory for <function>.zip")
    parser.add_argument("--python", help="CPython version of the wheels (host: x86_64 wheels for that version)")
    parser.add_argument("--check", action="store_true", help="build twice and fail unless byte-identical")
    parser.add_argument("--refresh-deps", action="store_true", help="ignore the dependency cache")
    parser.add_argument("--functions", nargs="+", choices=FUNCTIONS, default=list(FUNCTIONS))
    compiled = parser.add_mutually_exclusive_group()
    compiled.add_argument(
        "--compile",
        metavar="PYTHON",
        help=f"interpreter that compiles the shipped .pyc (default: python{LAMBDA_PYTHON} on PATH; runtime's version)",
    )
    compiled.add_argument("--no-compile", action="store_true", help="ship sources only (slower cold starts)")
    args = parser.parse_args(argv)
    if not args.no_compile:
        here = f"{sys.version_info[0]}.{sys.version_info[1]}"
        version = args.python or (LAMBDA_PYTHON if args.target == "lambda" else here)
        args.compile = runtime_compiler(args.compile or (sys.executable if version == here else None), version)

    deps_tree = install_deps(args.target, args.python, refresh=args.refresh_deps)
    out: Path = args.out
    key = build_key(args, deps_tree)
    if not args.check and not args.refresh_deps and up_to_date(out, key, args.functions):
        log(f"packages in {out} are up to date (same sources, dependencies and build); nothing to do")
        return 0
    if args.compile:
        deps_tree = compiled_deps(deps_tree, args.compile)
    out.mkdir(parents=True, exist_ok=True)
    (out / BUILD_KEY_FILE).unlink(missing_ok=True)
    sums = []
    for function in args.functions:
        with tempfile.TemporaryDirectory(prefix=f"tth-{function}-") as workdir:
            files = package(function, deps_tree, args.compile, Path(workdir) / "a")
            data = build_zip(files)
            if args.check:
                again = package(function, deps_tree, args.compile, Path(workdir) / "b")
                if build_zip(again) != data:
                    log(f"{function}: NOT reproducible")
                    return 1
            unpacked = sum(path.stat().st_size for _, path in files)
        (out / f"{function}.zip").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        sums.append(f"{digest}  {function}.zip")
        log(f"{function}.zip: {len(data) / 1e6:.2f} MB zipped, {unpacked / 1e6:.2f} MB unpacked, sha256 {digest}")
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    (out / BUILD_KEY_FILE).write_text(key + "\n")
    log(f"wrote {len(sums)} packages to {out}" + (" (reproducibility checked)" if args.check else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

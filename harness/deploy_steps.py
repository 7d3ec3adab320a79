"""The deploy steps a user runs, as the harness runs them.

Package and site builds, the secret values and the site upload (through the user-facing scripts),
and emptying the buckets and disabling the distribution before destroy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from harness.emulator import Emulator
    from harness.stack import StackSecrets


def build_packages(out_dir: Path) -> None:
    """Build the Lambda packages for the host CPU and the runtime's Python (3.13)."""
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "build_lambdas.py"),
            "--target",
            "host",
            "--python",
            "3.13",
            "--out",
            str(out_dir),
        ],
        check=True,
    )


# Not inputs of the site build: its output, the installed modules (node_modules/.package-lock.json stands for
# them), test and audit output (frontend/.gitignore).
SITE_NOT_INPUTS = frozenset({"dist", "node_modules", "test-results", "playwright-report", "blob-report", ".lighthouse"})
SITE_BUILD_KEY = REPO_ROOT / "build" / "site" / "BUILD_KEY"


def _tree_digest(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def site_build_key(frontend: Path) -> str:
    """Digest of what ``npm run build`` reads: the site's files, the installed modules, node, VITE_* variables."""
    sources = [
        path
        for top in frontend.iterdir()
        if top.name not in SITE_NOT_INPUTS
        for path in ([top] if top.is_file() else top.rglob("*"))
        if path.is_file() and path.suffix != ".log"
    ]
    installed = frontend / "node_modules" / ".package-lock.json"
    node = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True).stdout.strip()
    variables = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("VITE_"))
    return hashlib.sha256(
        "\0".join(
            [_tree_digest(frontend, sources + ([installed] if installed.exists() else [])), node, *variables]
        ).encode()
    ).hexdigest()


def _dist_digest(dist: Path) -> str:
    return _tree_digest(dist, [path for path in dist.rglob("*") if path.is_file()])


def build_site(frontend: Path = REPO_ROOT / "frontend", key_file: Path = SITE_BUILD_KEY) -> Path | None:
    """Build the site if it has sources; return its dist/ directory.

    Reused when the last build had the same inputs and dist/ still holds exactly what it wrote (as the Lambda
    packages are, scripts/build_lambdas.py): ``make up`` then skips the type check and the bundling.
    """
    if not (frontend / "package.json").exists():
        return None
    dist = frontend / "dist"
    key = site_build_key(frontend)
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
        last = json.loads(key_file.read_text())
        if last["inputs"] == key and dist.is_dir() and last["dist"] == _dist_digest(dist):
            print(f"site in {dist} is up to date (same sources, modules, node); not rebuilt", file=sys.stderr)
            return dist
    key_file.unlink(missing_ok=True)
    subprocess.run(["npm", "--prefix", str(frontend), "run", "--silent", "build"], check=True, stdout=sys.stderr)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(json.dumps({"inputs": key, "dist": _dist_digest(dist)}) + "\n")
    return dist


def put_secrets(emulator: Emulator, outputs_file: Path, values: StackSecrets) -> None:
    """Set the secret values with the user-facing script, as the README tells users to."""
    env = {
        **os.environ,
        **emulator.client_env(),
        "STRIPE_SECRET_KEY": values.stripe_secret_key,
        "STRIPE_WEBHOOK_SECRET": values.stripe_webhook_secret,
        "FULFILLMENT_API_KEY": values.fulfillment_api_key,
    }
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "put_secrets.py"), "--outputs", str(outputs_file)],
        check=True,
        env=env,
        stdout=sys.stderr,
    )


def deploy_site(emulator: Emulator, outputs_file: Path, dist: Path) -> None:
    """Upload the site with the user-facing deploy script."""
    env = {**os.environ, **emulator.client_env()}
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "deploy_site.py"),
            "--outputs",
            str(outputs_file),
            "--dist",
            str(dist),
        ],
        check=True,
        env=env,
        stdout=sys.stderr,
    )


def empty_buckets(session: Any, buckets: list[str]) -> None:
    """Delete every object version, as an operator does before destroying (no force_destroy in production)."""
    s3 = session.resource("s3")
    for name in buckets:
        with contextlib.suppress(s3.meta.client.exceptions.NoSuchBucket):
            s3.Bucket(name).object_versions.delete()


def disable_distribution(session: Any, distribution_id: str, *, timeout_s: float = 900.0) -> None:
    """Disable the distribution and wait until it is deployed, as an operator does before destroying.

    CloudFront deletes only a disabled distribution. Left enabled, the provider disables it itself and
    then waits a fixed 30 s before its first status read; done here, the wait polls every second and
    the provider goes straight to the delete.
    """
    cloudfront = session.client("cloudfront")
    try:
        current = cloudfront.get_distribution_config(Id=distribution_id)
    except cloudfront.exceptions.NoSuchDistribution:
        return
    config = current["DistributionConfig"]
    if config["Enabled"]:
        config["Enabled"] = False
        cloudfront.update_distribution(Id=distribution_id, IfMatch=current["ETag"], DistributionConfig=config)
    deadline = time.monotonic() + timeout_s
    while cloudfront.get_distribution(Id=distribution_id)["Distribution"]["Status"] != "Deployed":
        if time.monotonic() > deadline:
            raise TimeoutError(f"distribution {distribution_id} still not deployed after disabling ({timeout_s:.0f} s)")
        time.sleep(1)

"""The deploy steps a user runs, as the harness runs them.

Package and site builds, the secret values and the site upload (through the user-facing scripts),
and emptying the buckets before destroy.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
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


def build_site() -> Path | None:
    """Build the site if it has sources; return its dist/ directory."""
    frontend = REPO_ROOT / "frontend"
    if not (frontend / "package.json").exists():
        return None
    subprocess.run(["npm", "--prefix", str(frontend), "run", "--silent", "build"], check=True, stdout=sys.stderr)
    return frontend / "dist"


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

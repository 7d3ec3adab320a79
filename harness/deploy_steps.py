"""The deploy steps a user runs, as the harness runs them.

Package and site builds, the secret values and the site upload (through the user-facing scripts),
and emptying the buckets and disabling the distribution before destroy.
"""

from __future__ import annotations

import contextlib
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

"""The AWS emulator: an embedded moto server by default, or the one named by ``TTH_AWS_ENDPOINT``."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.net import LOOPBACK, free_port
from harness.processes import child_process

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

REGION = "us-east-2"
# Credentials the emulator accepts; never real ones.
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@dataclass(frozen=True)
class Emulator:
    """Where the emulator answers, and which one it is."""

    endpoint: str
    kind: str  # "moto" (embedded) or "external" (TTH_AWS_ENDPOINT, e.g. LocalStack)

    def client_env(self) -> dict[str, str]:
        """Environment that points an AWS SDK (boto3, the Lambda code, scripts) at the emulator."""
        return {
            **TEST_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }


@contextlib.contextmanager
def moto_server(log_path: Path | None = None) -> Iterator[Emulator]:
    """Yield a running emulator and stop it afterwards.

    With ``TTH_AWS_ENDPOINT`` set, yield that endpoint and start nothing. Otherwise start
    moto's server (``harness.moto_entry``) on 127.0.0.1 on a free port, with AWS managed policies loaded (that
    switch cannot be turned on later), and stop it on exit.
    """
    external = os.environ.get("TTH_AWS_ENDPOINT")
    if external:
        yield Emulator(endpoint=external.rstrip("/"), kind="external")
        return

    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", **TEST_CREDENTIALS}
    endpoint = f"http://{LOOPBACK}:{port}"
    with child_process(
        [sys.executable, "-m", "harness.moto_entry", "-H", LOOPBACK, "-p", str(port)],
        log_path=log_path,
        env=env,
        ready_url=f"{endpoint}/moto-api/",
    ):
        yield Emulator(endpoint=endpoint, kind="moto")

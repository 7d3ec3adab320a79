"""The AWS emulator: an embedded moto server by default, or the one named by ``TTH_AWS_ENDPOINT``."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from harness.net import LOOPBACK, free_port
from harness.processes import child_process

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

REGION = "us-east-2"
# Credentials the emulator accepts; never real ones.
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# The SDKs' AWS_ENDPOINT_URL_<ID> uses the service id, which differs from the provider's endpoint key here.
SDK_ENDPOINT_IDS = {"servicequotas": "SERVICE_QUOTAS"}


@dataclass(frozen=True)
class Emulator:
    """Where the emulator answers, and which one it is."""

    endpoint: str
    kind: str  # "moto" (embedded), "localstack" or "external" (TTH_AWS_ENDPOINT)
    # Services answered at another endpoint: a LocalStack run sends what it cannot serve to moto.
    service_endpoints: dict[str, str] = field(default_factory=dict)

    def client_env(self) -> dict[str, str]:
        """Environment that points an AWS SDK (boto3, the Lambda code, scripts) at the emulator."""
        return {
            **TEST_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            # The SDKs' per-service endpoint variables (service id upper-cased).
            **{
                f"AWS_ENDPOINT_URL_{SDK_ENDPOINT_IDS.get(name, name.upper())}": url
                for name, url in self.service_endpoints.items()
            },
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }


@contextlib.contextmanager
def moto_server(log_path: Path | None = None) -> Iterator[Emulator]:
    """Yield a running emulator and stop it afterwards.

    With ``TTH_AWS_ENDPOINT`` set, yield that endpoint; when it is a LocalStack, also start moto for
    the services LocalStack does not serve (``harness.localstack``). Otherwise start moto's server.
    """
    external = os.environ.get("TTH_AWS_ENDPOINT", "").rstrip("/")
    if not external:
        with _moto_process(log_path) as endpoint:
            yield Emulator(endpoint=endpoint, kind="moto")
        return
    from harness import localstack  # imported here: it imports this module

    if localstack.health(external) is None:
        yield Emulator(endpoint=external, kind="external")
        return
    with _moto_process(log_path) as moto_endpoint:
        services = {name: moto_endpoint for name in localstack.moto_services()}
        yield Emulator(endpoint=external, kind="localstack", service_endpoints=services)


@contextlib.contextmanager
def _moto_process(log_path: Path | None) -> Iterator[str]:
    """Run moto's server (``harness.moto_entry``) on 127.0.0.1 on a free port, with AWS managed policies
    loaded (that switch cannot be turned on later); yield its endpoint and stop it on exit."""
    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", **TEST_CREDENTIALS}
    endpoint = f"http://{LOOPBACK}:{port}"
    with child_process(
        [sys.executable, "-m", "harness.moto_entry", "-H", LOOPBACK, "-p", str(port)],
        log_path=log_path,
        env=env,
        ready_url=f"{endpoint}/moto-api/",
    ):
        yield endpoint

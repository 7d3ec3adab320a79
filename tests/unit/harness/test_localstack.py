"""harness.localstack's guards and the per-service endpoints a LocalStack run uses."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from harness import localstack
from harness.emulator import Emulator
from harness.net import free_port

LISTEN = (
    "import socket, sys, time; s = socket.socket(); s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(); time.sleep(60)"
)


def listener(host: str, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", LISTEN, host, str(port)], start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not localstack.listening_addresses({process.pid}):
        time.sleep(0.05)
    return process


def test_listeners_of_the_process_group_are_found_and_loopback_passes() -> None:
    port = free_port()
    process = listener("127.0.0.1", port)
    try:
        assert localstack.check_loopback_only(process.pid) == [f"127.0.0.1:{port}"]
    finally:
        localstack.stop(process)  # type: ignore[arg-type]
    assert process.poll() is not None, "stop() left the process running"


def test_a_listener_beyond_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # What LocalStack's default gateway (twisted) does with GATEWAY_LISTEN=127.0.0.1:PORT; never bound here.
    monkeypatch.setattr(localstack, "listening_addresses", lambda pids: ["127.0.0.1:4566", "0.0.0.0:4566"])
    with pytest.raises(RuntimeError, match=re.escape("listens beyond 127.0.0.1: 0.0.0.0:4566")):
        localstack.check_loopback_only(1)


def test_moto_services_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTH_LOCALSTACK_MOTO_SERVICES", raising=False)
    assert localstack.moto_services() == ("dynamodb", "cloudfront", "wafv2", "cloudtrail", "servicequotas")
    monkeypatch.setenv("TTH_LOCALSTACK_MOTO_SERVICES", " cloudfront, wafv2 ,")
    assert localstack.moto_services() == ("cloudfront", "wafv2")
    monkeypatch.setenv("TTH_LOCALSTACK_MOTO_SERVICES", "")
    assert localstack.moto_services() == ()


def test_health_is_none_for_an_endpoint_that_is_not_localstack() -> None:
    assert localstack.health(f"http://127.0.0.1:{free_port()}", timeout=0.5) is None


def test_services_sent_elsewhere_reach_sdk_clients() -> None:
    emulator = Emulator(
        "http://127.0.0.1:1", "localstack", {"dynamodb": "http://127.0.0.1:2", "wafv2": "http://127.0.0.1:2"}
    )
    env = emulator.client_env()
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == env["AWS_ENDPOINT_URL_WAFV2"] == "http://127.0.0.1:2"


def test_a_service_whose_sdk_id_differs_gets_the_sdk_variable() -> None:
    # The provider's endpoint key is "servicequotas"; botocore reads AWS_ENDPOINT_URL_SERVICE_QUOTAS.
    import botocore.session

    env = Emulator("http://127.0.0.1:1", "localstack", {"servicequotas": "http://127.0.0.1:2"}).client_env()
    service_id = botocore.session.get_session().get_service_model("service-quotas").service_id
    assert env[f"AWS_ENDPOINT_URL_{service_id.hyphenize().replace('-', '_').upper()}"] == "http://127.0.0.1:2"

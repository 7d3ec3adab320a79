"""LocalStack as the AWS emulator: start it in host mode here, or use one a user runs in Docker.

``python -m harness.localstack run -- COMMAND...`` starts LocalStack (``LOCALSTACK_VERSION`` of
``versions.env``, installed by ``TTH_WITH_LOCALSTACK=1 scripts/bootstrap`` into its own venv) on
127.0.0.1 on a free port, without Docker, runs COMMAND with ``TTH_AWS_ENDPOINT`` pointing at it,
and stops it by the process group it started, whatever COMMAND did.

With ``TTH_AWS_ENDPOINT`` pointing at a LocalStack (``/_localstack/health`` answers), the harness
runs the stack there with the override set ``harness/terraform_overrides/localstack/`` and sends
the services that LocalStack does not serve to an embedded moto server through per-service
endpoints (``MOTO_SERVICES``; ``TTH_LOCALSTACK_MOTO_SERVICES`` changes the list, e.g. to ``""``
on a LocalStack Pro that serves them all).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from harness.net import LOOPBACK, free_port
from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

# Not served by the host-mode open-source runtime: DynamoDB needs DynamoDB Local (its licence is
# not accepted here); CloudFront, WAFv2, CloudTrail and Service Quotas are LocalStack Pro (it answers
# 501 "not included in your current license plan"). The AWS provider calls WAFv2 and CloudFront in
# us-east-1, which the endpoints override covers as well. Names are the provider's endpoint keys.
MOTO_SERVICES = ("dynamodb", "cloudfront", "wafv2", "cloudtrail", "servicequotas")
# Settings of the host-mode runtime: loopback only (its default gateway server, twisted, ignores the
# host of GATEWAY_LISTEN for IPv4 and binds 0.0.0.0; hypercorn honours it), no DNS server (it would
# bind port 53 on every interface), no analytics, nothing kept between runs, SQS queue URLs on the
# gateway itself (the subdomain forms need DNS; the path form is refused by the AWS provider).
RUNTIME_SETTINGS = {
    "GATEWAY_SERVER": "hypercorn",
    "DNS_ADDRESS": "0",
    "DISABLE_EVENTS": "1",
    "SKIP_SSL_CERT_DOWNLOAD": "1",
    "PERSISTENCE": "0",
    "LOCALSTACK_CLI": "0",
    "SQS_ENDPOINT_STRATEGY": "off",  # http://HOST:PORT/ACCOUNT/NAME, the form the AWS provider accepts
}
ENTRY = Path(__file__).resolve().parent / "localstack_entry.py"
READY_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


class LocalStackMissing(RuntimeError):
    """Set-up did not install LocalStack (run ``TTH_WITH_LOCALSTACK=1 scripts/bootstrap``)."""


def health(endpoint: str, timeout: float = 2.0) -> dict[str, object] | None:
    """Return LocalStack's health document, or None when ``endpoint`` is not a LocalStack."""
    try:
        with urllib.request.urlopen(f"{endpoint.rstrip('/')}/_localstack/health", timeout=timeout) as response:
            document = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return document if isinstance(document, dict) and "services" in document else None


def moto_services() -> tuple[str, ...]:
    """The services a LocalStack run sends to moto (``TTH_LOCALSTACK_MOTO_SERVICES`` overrides)."""
    configured = os.environ.get("TTH_LOCALSTACK_MOTO_SERVICES")
    if configured is None:
        return MOTO_SERVICES
    return tuple(name.strip() for name in configured.split(",") if name.strip())


def pinned_version() -> str:
    """``LOCALSTACK_VERSION`` from versions.env."""
    for line in (REPO_ROOT / "versions.env").read_text(encoding="utf-8").splitlines():
        if line.startswith("LOCALSTACK_VERSION="):
            return line.split("=", 1)[1].strip()
    raise LocalStackMissing("versions.env has no LOCALSTACK_VERSION")


def localstack_python() -> Path:
    """The interpreter of the venv set-up installed LocalStack into."""
    configured = os.environ.get("TTH_LOCALSTACK_PYTHON")
    if configured:
        python = Path(configured)
    else:
        cache = Path(
            os.environ.get("TTH_CACHE_DIR")
            or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tickets-to-heaven"
        )
        python = cache / "localstack" / pinned_version() / "venv" / "bin" / "python"
    if not python.is_file():
        raise LocalStackMissing(f"no LocalStack at {python}: run `TTH_WITH_LOCALSTACK=1 scripts/bootstrap` first")
    return python


def listening_addresses(pids: set[int]) -> list[str]:
    """The ``address:port`` of every TCP socket the processes ``pids`` listen on (from ``ss``)."""
    out = subprocess.run(["ss", "-H", "-ltnp"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        if any(f"pid={pid}," in line for pid in pids):
            found.append(line.split()[3])
    return found


def process_group(pgid: int) -> set[int]:
    """Every live process in the process group ``pgid`` (read from /proc)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                # Field 5 of /proc/PID/stat is the process group; the name (field 2) may hold spaces.
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[2]) == pgid:
                    members.add(int(entry.name))
    return members


def check_loopback_only(pgid: int) -> list[str]:
    """Fail if any process LocalStack started listens beyond 127.0.0.1; return what it listens on."""
    addresses = listening_addresses(process_group(pgid))
    exposed = [address for address in addresses if not address.startswith(f"{LOOPBACK}:")]
    if exposed:
        raise RuntimeError(f"LocalStack listens beyond {LOOPBACK}: {', '.join(exposed)}")
    return addresses


@contextlib.contextmanager
def running_localstack(log_path: Path) -> Iterator[str]:
    """Start LocalStack in host mode on 127.0.0.1, yield its endpoint, stop its whole process group."""
    python = localstack_python()
    port = free_port()
    volume = Path(tempfile.mkdtemp(prefix="tth-localstack-"))
    env = {
        **os.environ,
        **RUNTIME_SETTINGS,
        "GATEWAY_LISTEN": f"{LOOPBACK}:{port}",
        "LOCALSTACK_HOST": f"{LOOPBACK}:{port}",
        "LOCALSTACK_VOLUME_DIR": str(volume),
    }
    endpoint = f"http://{LOOPBACK}:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"==> starting LocalStack {pinned_version()} (host mode) at {endpoint}", file=sys.stderr, flush=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(python), "-I", str(ENTRY)],  # -I: harness/ (which has a localstack.py) is not on sys.path
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=volume,
            start_new_session=True,
        )
        try:
            wait_ready(process, endpoint, log_path)
            addresses = check_loopback_only(process.pid)
            print(
                f"==> LocalStack ready in {time.monotonic() - started:.1f} s, listening on {', '.join(addresses)}",
                file=sys.stderr,
                flush=True,
            )
            yield endpoint
        finally:
            stop(process)
            subprocess.run(["rm", "-rf", str(volume)], check=False)


def wait_ready(process: subprocess.Popen[bytes], endpoint: str, log_path: Path) -> None:
    """Wait until LocalStack's health endpoint answers; fail at once if the process exits first."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"LocalStack exited with {process.returncode} while starting; see {log_path}")
        if health(endpoint) is not None:
            return
        time.sleep(0.5)
    raise TimeoutError(f"LocalStack did not answer at {endpoint} within {READY_TIMEOUT:.0f} s; see {log_path}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group LocalStack runs in: SIGTERM, then SIGKILL after ``STOP_TIMEOUT``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Children that outlived the main process (same group) go too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.localstack", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start LocalStack, run COMMAND against it, stop LocalStack")
    run.add_argument("--log", default=str(REPO_ROOT / "reports" / "localstack" / "localstack.log"))
    run.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("run: give a command after --")
    try:
        with running_localstack(Path(args.log)) as endpoint:
            started = time.monotonic()
            result = subprocess.run(command, env={**os.environ, "TTH_AWS_ENDPOINT": endpoint}, check=False)
            elapsed = time.monotonic() - started
            print(f"==> {command[0]} against LocalStack: exit {result.returncode} in {elapsed:.0f} s", file=sys.stderr)
            return result.returncode
    except LocalStackMissing as exc:
        print(f"harness.localstack: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

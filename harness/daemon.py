"""``make up`` / ``make down`` / ``make status``: the local stack as a background service.

``start`` launches ``serve`` detached, waits until the stack is ready, prints the outputs
and the local URL, and returns. ``stop`` signals it; it destroys the stack and stops every
server before it exits. Only the standard library is imported at module level, so ``make
down`` works with any Python 3.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".tth" / "up"
PID_FILE = RUN_DIR / "daemon.pid"
READY_FILE = RUN_DIR / "ready.json"
LOG_FILE = RUN_DIR / "daemon.log"
START_TIMEOUT_S = 900


def _running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def _print_ready(ready: dict[str, object]) -> None:
    outputs = ready.get("outputs", {})
    assert isinstance(outputs, dict)
    print("\nTerraform outputs (emulator):")
    for name in sorted(outputs):
        print(f"  {name:<34} {json.dumps(outputs[name])}")
    print(f"\nLocal site and API:  {ready['url']}  (the distribution's HTTPS viewer; TLS not emulated)")
    if ready.get("http_url"):
        print(f"Plain-HTTP viewer:   {ready['http_url']}  (viewer protocol policy applies)")
    print(f"Emulator endpoint:   {ready['emulator']}")
    print(
        f"localstripe:         {ready['stripe']}  (test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 declines)"
    )
    print(f"Logs:                {LOG_FILE}")
    print("Stop with: make down")


def start() -> int:
    pid = _running_pid()
    if pid:
        print(f"already running (pid {pid})")
        if READY_FILE.exists():
            _print_ready(json.loads(READY_FILE.read_text()))
        return 0
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    READY_FILE.unlink(missing_ok=True)
    with open(LOG_FILE, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness.daemon", "serve"],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    PID_FILE.write_text(str(process.pid))
    print(f"starting the stack (pid {process.pid}); progress in {LOG_FILE}", flush=True)
    shown = 0
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        lines = LOG_FILE.read_text(errors="replace").splitlines()
        for line in lines[shown:]:
            if line.startswith("==> "):
                print(line, flush=True)
        shown = len(lines)
        if READY_FILE.exists():
            _print_ready(json.loads(READY_FILE.read_text()))
            return 0
        if process.poll() is not None:
            print(
                f"\nthe stack failed to start (exit {process.returncode}); last lines of {LOG_FILE}:", file=sys.stderr
            )
            print("\n".join(lines[-30:]), file=sys.stderr)
            PID_FILE.unlink(missing_ok=True)
            return 1
        time.sleep(0.5)
    print(f"the stack did not get ready within {START_TIMEOUT_S} s; see {LOG_FILE}", file=sys.stderr)
    return 1


def stop() -> int:
    pid = _running_pid()
    if pid is None:
        print("not running")
        PID_FILE.unlink(missing_ok=True)
        return 0
    print(f"stopping the stack (pid {pid}): destroying it and stopping its servers...", flush=True)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if _running_pid() is None:
            break
        time.sleep(0.5)
    else:
        os.killpg(pid, signal.SIGKILL)
        print("did not stop in 300 s: killed", file=sys.stderr)
        return 1
    PID_FILE.unlink(missing_ok=True)
    READY_FILE.unlink(missing_ok=True)
    print("stopped")
    return 0


def status() -> int:
    pid = _running_pid()
    if pid and READY_FILE.exists():
        ready = json.loads(READY_FILE.read_text())
        print(f"running (pid {pid}) at {ready['url']}")
        return 0
    print(f"starting (pid {pid})" if pid else "not running")
    return 0


def serve() -> int:
    """Run the stack in the foreground until SIGTERM or SIGINT, then tear it down."""
    from harness.stack import running_stack  # third-party imports only here

    stop_requested = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with running_stack(RUN_DIR / "stack") as stack:
        ready = {
            "url": stack.front.url,
            "http_url": stack.front.http_url,
            "emulator": stack.emulator.endpoint,
            "stripe": stack.stripe.url,
            "outputs": stack.outputs,
            "timings": stack.timings,
        }
        READY_FILE.write_text(json.dumps(ready, indent=2))
        while not stop_requested:
            time.sleep(0.5)
        print("==> stopping", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.daemon", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "serve"])
    args = parser.parse_args()
    return {"start": start, "stop": stop, "status": status, "serve": serve}[args.command]()


if __name__ == "__main__":
    sys.exit(main())

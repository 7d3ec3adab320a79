"""``make up`` / ``make down`` / ``make status``: the local stack as a background service.

``start`` launches ``serve`` detached, waits until the stack is ready, prints the outputs
and the local URL, and returns. ``stop`` signals it; it destroys the stack and stops every
server before it exits. Every child the daemon starts (emulator, fakes, function workers, the
CloudFront Function runner) runs in its own session and is registered in ``children.pids``
(``harness.processes``): if the daemon does not stop in time, or leaves one running, ``stop``
kills their process groups too. Only the standard library is imported at module level, so ``make
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

from harness.processes import CHILDREN_FILE_ENV, kill_registered

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".tth" / "up"
PID_FILE = RUN_DIR / "daemon.pid"
READY_FILE = RUN_DIR / "ready.json"
LOG_FILE = RUN_DIR / "daemon.log"
CHILDREN_FILE = RUN_DIR / "children.pids"
START_TIMEOUT_S = 900
STOP_TIMEOUT_S = 900


def _running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def _show_progress(shown: int) -> int:
    """Print the daemon log's new progress lines (``==> ...``); return how many lines are read."""
    lines = LOG_FILE.read_text(errors="replace").splitlines() if LOG_FILE.exists() else []
    for line in lines[shown:]:
        if line.startswith("==> "):
            print(line, flush=True)
    return len(lines)


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
    CHILDREN_FILE.write_text("")
    with open(LOG_FILE, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness.daemon", "serve"],
            cwd=REPO_ROOT,
            env={**os.environ, CHILDREN_FILE_ENV: str(CHILDREN_FILE)},
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
        shown = _show_progress(shown)
        if READY_FILE.exists():
            _print_ready(json.loads(READY_FILE.read_text()))
            return 0
        if process.poll() is not None:
            print(
                f"\nthe stack failed to start (exit {process.returncode}); last lines of {LOG_FILE}:", file=sys.stderr
            )
            print("\n".join(LOG_FILE.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
            PID_FILE.unlink(missing_ok=True)
            return 1
        time.sleep(0.5)
    print(f"the stack did not get ready within {START_TIMEOUT_S} s; see {LOG_FILE}", file=sys.stderr)
    return 1


def stop() -> int:
    pid = _running_pid()
    if pid is None:
        leftovers = kill_registered(CHILDREN_FILE)  # the daemon died without stopping them
        _forget()
        if leftovers:
            print(f"not running; killed {len(leftovers)} child process group(s) it left: {leftovers}", file=sys.stderr)
            return 1
        print("not running")
        return 0
    print(f"stopping the stack (pid {pid}): destroying it and stopping its servers...", flush=True)
    shown = len(LOG_FILE.read_text(errors="replace").splitlines()) if LOG_FILE.exists() else 0
    os.kill(pid, signal.SIGTERM)
    # Destroy takes minutes on a loaded machine; show its progress rather than give up early.
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        shown = _show_progress(shown)
        if _running_pid() is None:
            break
        time.sleep(0.5)
    else:
        os.killpg(pid, signal.SIGKILL)
        children = kill_registered(CHILDREN_FILE)
        print(
            f"did not stop in {STOP_TIMEOUT_S} s: killed it and {len(children)} child process group(s)"
            f" (emulator, fakes, workers); the stack was not destroyed (see {LOG_FILE})",
            file=sys.stderr,
        )
        _forget()
        return 1
    leftovers = kill_registered(CHILDREN_FILE)
    _forget()
    if leftovers:
        print(f"stopped; killed {len(leftovers)} child process group(s) it left running: {leftovers}", file=sys.stderr)
        return 1
    print("stopped")
    return 0


def _forget() -> None:
    for path in (PID_FILE, READY_FILE, CHILDREN_FILE):
        path.unlink(missing_ok=True)


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

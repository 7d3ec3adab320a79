"""What the harness measures per Lambda invocation, for the cost report (``harness.cost``).

The per-call recorder (``reports/iam/calls.jsonl``) sees each AWS call a function makes; it does
not see what AWS bills for the function itself. The runner adds that here, one JSON line per
invocation, when ``TTH_USAGE_LOG`` names a file: function, trigger (``api`` for an API Gateway
proxy event, ``sqs`` for a batch from an event source mapping), memory size read back from the
emulator, measured duration and the bytes of output shipped to the function's log group.

Requests the test driver makes only to watch or provoke the shop (status polls, injected webhook
deliveries) carry the ``X-TTH-Driver`` header (``harness.customer``); its value is recorded as
``driver``, so the cost report can tell the shop's own traffic from the tests'.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from harness.toolchain import REPO_ROOT

USAGE_LOG_ENV = "TTH_USAGE_LOG"
DRIVER_HEADER = "X-TTH-Driver"
_lock = threading.Lock()


def trigger_of(event: Any) -> str:
    """``api``, ``sqs`` or ``direct``: what invoked the function, read from the event's shape."""
    if isinstance(event, dict):
        if "httpMethod" in event and "requestContext" in event:
            return "api"
        records = event.get("Records")
        if isinstance(records, list) and records and records[0].get("eventSource") == "aws:sqs":
            return "sqs"
    return "direct"


def driver_of(event: Any) -> str | None:
    """The ``X-TTH-Driver`` header of an API Gateway proxy event (any case), or None."""
    headers = event.get("headers") if isinstance(event, dict) else None
    if not isinstance(headers, dict):
        return None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == DRIVER_HEADER.lower():
            return str(value)
    return None


def record_invocation(
    function: str, event: Any, result: Any, memory_mb: int, duration_ms: float, log_bytes: int, error: str | None
) -> None:
    """Append one invocation to ``$TTH_USAGE_LOG`` (nothing when it is unset).

    For an API request, ``route`` is the method and resource template (``POST /api/orders``) and
    ``status`` the function's status code; both are None for other triggers. ``time`` is when the
    invocation ended (after its logs were shipped); it started ``duration_ms`` before its reply.
    """
    path = os.environ.get(USAGE_LOG_ENV)
    if not path:
        return
    trigger = trigger_of(event)
    api = trigger == "api"
    entry = {
        "function": function,
        "trigger": trigger,
        "route": f"{event['httpMethod']} {event.get('resource', '')}" if api else None,
        "status": result.get("statusCode") if api and isinstance(result, dict) else None,
        "driver": driver_of(event) if api else None,
        "messages": len(event.get("Records") or []) if isinstance(event, dict) else 0,
        "memory_mb": memory_mb,
        "duration_ms": round(duration_ms, 3),
        "log_bytes": log_bytes,
        "error": error,
        "time": time.time(),
    }
    with _lock:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, sort_keys=True) + "\n")


# ``python -m harness.usage record --dir DIR -- COMMAND...``: the recording run behind ``make cost``.
# The run's usage log and recorded calls are kept in DIR with a fingerprint of the code they were
# recorded from; a later ``make cost`` on the same code reuses them instead of running again.
FINGERPRINT_PATHS = ("lambda_src", "terraform", "harness", "tests/integration", "requirements")
RUN_FILE = "run.json"
FRESH_ENV = "TTH_COST_FRESH"


def fingerprint(repo: Path) -> str:
    """SHA-256 of HEAD plus every uncommitted change (tracked and untracked) under ``FINGERPRINT_PATHS``."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True).stdout

    digest = hashlib.sha256(git("rev-parse", "HEAD"))
    digest.update(git("diff", "HEAD", "--", *FINGERPRINT_PATHS))
    for name in sorted(git("ls-files", "--others", "--exclude-standard", "--", *FINGERPRINT_PATHS).splitlines()):
        digest.update(name + b"\0" + (repo / name.decode()).read_bytes())
    return digest.hexdigest()


def reusable(run_dir: Path, print_: Any = print) -> bool:
    """True when ``run_dir`` holds a complete recording of the current code (and no fresh one is asked for)."""
    run_file = run_dir / RUN_FILE
    if os.environ.get(FRESH_ENV):
        print_(f"usage: {FRESH_ENV} is set: not reusing the recorded run")
        return False
    if not run_file.is_file():
        print_(f"usage: no recorded run in {run_dir}")
        return False
    run = json.loads(run_file.read_text(encoding="utf-8"))
    complete = all((run_dir / name).is_file() and (run_dir / name).stat().st_size for name in run["files"])
    if not complete or run.get("fingerprint") != fingerprint(REPO_ROOT):
        print_(f"usage: the run recorded {run.get('finished', '?')} is of other code or incomplete")
        return False
    print_(f"usage: reusing the run recorded {run['finished']} ({run_file}; {FRESH_ENV}=1 records a new one)")
    return True


def record(run_dir: Path, command: list[str], calls_log: Path) -> int:
    """Run ``command`` with the usage log in ``run_dir``; on success keep its calls and fingerprint there."""
    usage_log = run_dir / "usage.jsonl"
    run_dir.mkdir(parents=True, exist_ok=True)
    for stale in (run_dir / RUN_FILE, usage_log, run_dir / "calls.jsonl"):
        stale.unlink(missing_ok=True)
    code = fingerprint(REPO_ROOT)
    result = subprocess.run(command, env={**os.environ, USAGE_LOG_ENV: str(usage_log)}, check=False)
    if result.returncode != 0:
        print(f"usage: the recording run failed (exit {result.returncode}); nothing kept for reuse")
        return result.returncode
    shutil.copyfile(calls_log, run_dir / "calls.jsonl")
    finished = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    run = {"fingerprint": code, "finished": finished, "command": command, "files": ["usage.jsonl", "calls.jsonl"]}
    (run_dir / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.usage", description="record (or reuse) a usage run")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run COMMAND with usage recording, unless the same code was recorded")
    rec.add_argument("--dir", type=Path, required=True, help="where the usage log, calls and run.json are kept")
    rec.add_argument("--calls", type=Path, required=True, help="the calls file the run's IAM recorder writes")
    rec.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    check = sub.add_parser("check", help="exit 0 when DIR holds a reusable recording of the current code")
    check.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "check":
        return 0 if reusable(args.dir) else 1
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("record: give a command after --")
    if reusable(args.dir):
        return 0
    return record(args.dir, command, args.calls)


if __name__ == "__main__":
    raise SystemExit(main())

"""Start and stop the harness's child processes (emulator, fakes, function runners) one way.

Every child runs in its own session (so a signal to the harness's terminal does not reach it
half-way through a teardown) and is registered: when ``TTH_CHILDREN_FILE`` names a file, its pid
and start time are appended there. ``make down`` (``harness.daemon``) kills every registered
process group that is still the one registered, if the daemon did not stop them itself.

Only the standard library: ``harness.daemon`` imports this with any Python 3.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence


CHILDREN_FILE_ENV = "TTH_CHILDREN_FILE"


class ChildProcessError(RuntimeError):
    """A child process exited, or never answered, before it was ready."""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22); None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after "(comm)": state is field 3


def register(process: subprocess.Popen[Any]) -> None:
    """Record a child started in its own session, so that ``kill_registered`` can stop its group."""
    path = os.environ.get(CHILDREN_FILE_ENV)
    started = _start_time(process.pid)
    if path and started:
        with open(path, "a", encoding="utf-8") as registry:
            registry.write(f"{process.pid} {started}\n")


def kill_registered(path: Path) -> list[int]:
    """SIGKILL the process group of every registered child still running; return their pids.

    A pid whose start time differs is another process that reused it: left alone.
    """
    killed = []
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        pid_text, started = line.split()
        pid = int(pid_text)
        if _start_time(pid) != started:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
            killed.append(pid)
    return killed


def stop_process(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Terminate, then kill after ``timeout`` seconds; always reaped."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(url: str, process: subprocess.Popen[Any], timeout: float, log_path: Path | None) -> None:
    """Poll ``url`` until it answers any HTTP status; fail at once if the process exits first."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path and log_path.exists() else ""
            raise ChildProcessError(f"{process.args!r} exited with {process.returncode} before it was ready\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # the server answered: it is up
        except OSError as exc:
            last_error = exc
            time.sleep(0.1)
    raise ChildProcessError(f"{url} did not answer within {timeout:.0f} s: {last_error}")


@contextlib.contextmanager
def child_process(
    args: Sequence[str],
    *,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    ready_url: str | None = None,
    ready_timeout: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``args`` in its own session (output to ``log_path``) for the context, ready when ``ready_url`` answers."""
    log: IO[bytes] | int = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        list(args), env=dict(env) if env else None, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    register(process)
    try:
        if ready_url:
            wait_until_ready(ready_url, process, ready_timeout, log_path)
        yield process
    finally:
        stop_process(process)
        if not isinstance(log, int):
            log.close()

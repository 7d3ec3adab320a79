"""Start and stop the harness's child processes (emulator, fakes, function runners) one way."""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.error
import urllib.request
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path


class ChildProcessError(RuntimeError):
    """A child process exited, or never answered, before it was ready."""


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
    try:
        if ready_url:
            wait_until_ready(ready_url, process, ready_timeout, log_path)
        yield process
    finally:
        stop_process(process)
        if not isinstance(log, int):
            log.close()

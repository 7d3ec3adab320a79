"""``make down`` stops every child of the daemon, in whichever session it runs (no stack: a stand-in daemon)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness import daemon
from harness.processes import CHILDREN_FILE_ENV
from harness.toolchain import REPO_ROOT

# A daemon that starts two children in their own sessions, as the real one starts the emulator and fakes.
STAND_IN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    from harness.processes import register
    if sys.argv[1] == "stuck":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # hangs in its teardown
    for _ in range(2):
        register(subprocess.Popen(["sleep", "300"], start_new_session=True))
    if sys.argv[1] == "stuck":
        while True:
            time.sleep(1)
    signal.sigwait([signal.SIGTERM])  # exits at once on stop, forgetting its children
    """
)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PID_FILE", "READY_FILE", "LOG_FILE", "CHILDREN_FILE"):
        monkeypatch.setattr(daemon, name, tmp_path / getattr(daemon, name).name)
    monkeypatch.setattr(daemon, "STOP_TIMEOUT_S", 2)
    return tmp_path


def start_stand_in(run_dir: Path, mode: str) -> tuple[subprocess.Popen[bytes], list[int]]:
    env = {**os.environ, CHILDREN_FILE_ENV: str(daemon.CHILDREN_FILE), "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen([sys.executable, "-c", STAND_IN, mode], env=env, start_new_session=True)
    daemon.PID_FILE.write_text(str(process.pid))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = daemon.CHILDREN_FILE.read_text().splitlines() if daemon.CHILDREN_FILE.exists() else []
        if len(lines) == 2:
            return process, [int(line.split()[0]) for line in lines]
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the stand-in daemon did not register its children")


def test_a_daemon_that_does_not_stop_in_time_is_killed_with_every_child(run_dir: Path) -> None:
    # Given a daemon stuck in its teardown, with two children in their own sessions
    process, children = start_stand_in(run_dir, "stuck")
    assert all(alive(pid) for pid in children)

    # When make down gives up waiting
    assert daemon.stop() == 1
    process.wait(timeout=10)

    # Then the daemon and both children are gone
    time.sleep(0.2)
    assert [pid for pid in children if alive(pid)] == []
    assert not daemon.PID_FILE.exists()


def test_children_a_daemon_left_running_are_killed(run_dir: Path) -> None:
    # Given a daemon that exits on SIGTERM without stopping its children
    process, children = start_stand_in(run_dir, "forgetful")

    # When make down runs / Then it reports and kills what was left
    assert daemon.stop() == 1
    process.wait(timeout=10)
    time.sleep(0.2)
    assert [pid for pid in children if alive(pid)] == []


def test_a_pid_registered_for_another_process_is_left_alone(run_dir: Path) -> None:
    # Given a registry line whose pid now belongs to another process (start time differs)
    bystander = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        daemon.CHILDREN_FILE.write_text(f"{bystander.pid} 1\n")
        # When make down runs with no daemon / Then the bystander survives
        assert daemon.stop() == 0
        assert alive(bystander.pid)
    finally:
        bystander.send_signal(signal.SIGKILL)
        bystander.wait()

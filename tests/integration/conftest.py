"""Session set-up: the real terraform/ applied to the emulator, with the fakes and the local front door.

Nothing here is skipped: if the toolchain is missing the session fails and says how to set it up.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from harness import fakes
from harness.customer import Shop
from harness.stack import Stack, running_stack

if TYPE_CHECKING:
    from collections.abc import Iterator

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    run_dir = tmp_path_factory.mktemp("stack")
    started = time.monotonic()
    with running_stack(run_dir) as running:
        TIMINGS.update(running.timings)
        yield running
        TIMINGS["flows"] = round(time.monotonic() - started - sum(running.timings.values()), 2)
    TIMINGS.update(running.timings)  # adds destroy


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("integration timing (seconds)")
    for name in (
        "build",
        "site_build",
        "emulator_start",
        "fakes_start",
        "init",
        "apply",
        "secrets",
        "site_deploy",
        "flows",
        "destroy",
    ):
        if name in TIMINGS:
            terminalreporter.write_line(f"{name:<16} {TIMINGS[name]:>8.2f}")


@pytest.fixture
def partner(stack: Stack) -> Iterator[Any]:
    """The partner mock, cleared for the test; the default ticket-issuing behaviour is restored after."""
    stack.partner.clear()
    yield stack.partner
    stack.partner.clear()
    fakes.serve_partner(stack.partner)


@pytest.fixture
def api(stack: Stack) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "tth-integration"
    return session


@pytest.fixture
def shop(stack: Stack, api: requests.Session) -> Shop:
    return Shop(stack, api)

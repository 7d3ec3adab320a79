"""Session set-up: the real terraform/ applied to the emulator, with the fakes and the local front door.

Nothing here is skipped: if the toolchain is missing the session fails and says how to set it up.

IAM: the emulator records every call a function (or its event source mapping) makes under its
role to ``reports/iam/calls.jsonl``; a test during which a call was denied fails with one line
per denial, unless it takes the ``iam_denials`` fixture and asserts them itself.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from harness import fakes
from harness.customer import Shop
from harness.iam.recorder import REPORTS_DIR, CallLog, ExpectedDenials, denial_line
from harness.stack import Stack, running_stack

if TYPE_CHECKING:
    from collections.abc import Iterator

TIMINGS: dict[str, float] = {}
CALLS = CallLog(REPORTS_DIR / "calls.jsonl")
# Runs after every other test: it reports on the calls of the whole session.
LAST = "test_iam_report.py::"


@pytest.fixture(scope="session")
def calls() -> CallLog:
    """The calls the emulator records (the file is emptied when the session's emulator starts)."""
    return CALLS


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, calls: CallLog) -> Iterator[Stack]:
    run_dir = tmp_path_factory.mktemp("stack")
    calls.reset()
    os.environ["TTH_IAM_CALLS"] = str(calls.path)  # read by harness.iam.enforce in the emulator process
    started = time.monotonic()
    with running_stack(run_dir) as running:
        TIMINGS.update(running.timings)
        # Each function's environment runs its init (imports) before the flows, as Lambda's is done
        # before it takes a request: on this loaded 2-core host the imports alone can take most of API
        # Gateway's 29 s integration timeout. Cold init itself is measured by `make bench`.
        ready = time.monotonic()
        for name in running.outputs["function_names"].values():
            running.runner.worker(name).start()
        TIMINGS["environments"] = round(time.monotonic() - ready, 2)
        yield running
        TIMINGS["flows"] = round(
            time.monotonic() - started - sum(running.timings.values()) - TIMINGS["environments"], 2
        )
    TIMINGS.update(running.timings)  # adds destroy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: LAST in item.nodeid)


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
        "runtimes",
        "environments",
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


EXPECTED_DENIALS = pytest.StashKey[ExpectedDenials]()


@pytest.fixture
def iam_denials(request: pytest.FixtureRequest, calls: CallLog) -> ExpectedDenials:
    """For a test that provokes denials: what it has not ``take``n still fails it."""
    expected = ExpectedDenials(calls)
    request.node.stash[EXPECTED_DENIALS] = expected
    return expected


@pytest.fixture(autouse=True)
def _no_iam_denials(request: pytest.FixtureRequest, calls: CallLog) -> Iterator[None]:
    mark = calls.mark()
    yield
    expected = request.node.stash.get(EXPECTED_DENIALS, None)
    denied = calls.denials(max(mark, expected.mark) if expected else mark)
    if denied:
        pytest.fail("\n".join(denial_line(entry) for entry in denied), pytrace=False)

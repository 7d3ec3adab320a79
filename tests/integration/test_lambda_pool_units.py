"""The Lambda runner's execution environments on hand-built functions (real worker processes, no stack).

The configuration a runner reads back (``GetFunction``, ``GetFunctionConcurrency``, Service Quotas)
comes from a stand-in Lambda API here, so each rule is checked alone: the concurrency bound as
reserved, the unreserved pool the account leaves, a reservation changed between invocations, and
a handler that cannot be imported failing at start with its output.
"""

from __future__ import annotations

import sys
import threading
import time
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from harness import lambda_runner
from harness.emulator import Emulator
from harness.lambda_runner import InitError, InvocationError, LambdaRunner, ThrottledError, code_sha256

if TYPE_CHECKING:
    from pathlib import Path

SLOW_HANDLER = """
import time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"ok": True}
"""
BROKEN_HANDLER = """
import not_installed_anywhere  # the package lacks a dependency

def handler(event, context):
    return {}
"""
ACCOUNT_ID = "123456789012"


class FakeLambda:
    """What the runner reads from Lambda: configurations and reservations, changeable by a test."""

    def __init__(self) -> None:
        self.functions: dict[str, dict[str, Any]] = {}
        self.reserved: dict[str, int] = {}

    def add(self, name: str, package: Path, handler: str = "app.handler") -> None:
        self.functions[name] = {
            "FunctionName": name,
            "FunctionArn": f"arn:aws:lambda:us-east-2:{ACCOUNT_ID}:function:{name}",
            "Handler": handler,
            "Runtime": "python3.13",
            "Timeout": 30,
            "MemorySize": 128,
            "CodeSha256": code_sha256(package),
            "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
        }

    def get_function(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803 - boto3's parameter names
        return {"Configuration": self.functions[FunctionName]}

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        reserved = self.reserved.get(FunctionName)
        return {} if reserved is None else {"ReservedConcurrentExecutions": reserved}

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_functions"
        functions = list(self.functions.values())

        class Pages:
            def paginate(self) -> list[dict[str, Any]]:
                return [{"Functions": functions}]

        return Pages()


class FakeQuotas:
    def __init__(self, value: float) -> None:
        self.value = value

    def get_service_quota(self, ServiceCode: str, QuotaCode: str) -> dict[str, Any]:  # noqa: N803
        assert (ServiceCode, QuotaCode) == ("lambda", "L-B99A9384")
        return {"Quota": {"Value": self.value}}


class FakeSts:
    def assume_role(self, RoleArn: str, RoleSessionName: str, DurationSeconds: int) -> dict[str, Any]:  # noqa: N803
        return {"Credentials": {"AccessKeyId": "AKIA", "SecretAccessKey": "s", "SessionToken": "t"}}


class FakeSession:
    def __init__(self, lambda_api: FakeLambda, quota: float) -> None:
        self.clients = {"lambda": lambda_api, "service-quotas": FakeQuotas(quota), "sts": FakeSts()}

    def client(self, service: str) -> Any:
        return self.clients[service]


def package(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("app.py", source)
    return path


@pytest.fixture
def lambda_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLambda:
    # The worker runs on this interpreter; the handlers need no runtime libraries; no log group to ship to.
    monkeypatch.setattr(lambda_runner, "runtime_python", lambda runtime: sys.executable)
    monkeypatch.setattr(lambda_runner, "runtime_libraries", lambda interpreter, cache: tmp_path)
    monkeypatch.setattr(lambda_runner.FunctionWorker, "ship_logs", lambda self: 0)
    return FakeLambda()


def runner_for(tmp_path: Path, lambda_api: FakeLambda, quota: float = 1000) -> LambdaRunner:
    emulator = Emulator(endpoint="http://127.0.0.1:9", kind="external")
    return LambdaRunner(emulator, FakeSession(lambda_api, quota), [tmp_path / "packages"], tmp_path / "run")


def burst(runner: LambdaRunner, name: str, count: int, sleep: float) -> tuple[int, list[ThrottledError]]:
    """``count`` invocations at once; return how many ran and the throttle errors of the others."""
    start = threading.Barrier(count)

    def one(_: int) -> Any:
        start.wait()
        try:
            return runner.invoke(name, {"sleep": sleep})
        except ThrottledError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(one, range(count)))
    throttled = [r for r in results if isinstance(r, ThrottledError)]
    return sum(r == {"ok": True} for r in results), throttled


def test_invocations_beyond_the_reservation_are_throttled_and_a_new_reservation_applies(
    tmp_path: Path, lambda_api: FakeLambda
) -> None:
    # Given a function that reserves 2 concurrent executions
    lambda_api.add("slow", package(tmp_path / "packages", "slow", SLOW_HANDLER))
    lambda_api.reserved["slow"] = 2
    runner = runner_for(tmp_path, lambda_api)
    try:
        # When 5 slow invocations arrive at once
        ran, throttled = burst(runner, "slow", 5, sleep=2.0)

        # Then 2 run and 3 get Lambda's throttle
        assert (ran, len(throttled)) == (2, 3)
        assert {t.reason for t in throttled} == {"ReservedFunctionConcurrentInvocationLimitExceeded"}
        assert throttled[0].status == 429 and throttled[0].error_code == "TooManyRequestsException"
        assert throttled[0].body == {
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
            "Type": "User",
            "message": "Rate Exceeded.",
        }
        assert runner.peak_concurrency["slow"] == 2

        # When the reservation becomes 3 (PutFunctionConcurrency) and the burst comes again
        lambda_api.reserved["slow"] = 3
        ran, throttled = burst(runner, "slow", 5, sleep=2.0)

        # Then 3 run, on the warm environments and one more
        assert (ran, len(throttled)) == (3, 2)
        assert runner.peak_concurrency["slow"] == 3
    finally:
        runner.stop()


def test_a_reservation_of_zero_throttles_every_invocation(tmp_path: Path, lambda_api: FakeLambda) -> None:
    lambda_api.add("off", package(tmp_path / "packages", "off", SLOW_HANDLER))
    lambda_api.reserved["off"] = 0
    runner = runner_for(tmp_path, lambda_api)
    with pytest.raises(ThrottledError, match="ReservedFunctionConcurrentInvocationLimitExceeded"):
        runner.invoke("off", {})
    assert runner.throttles["off"] == 1


def test_functions_without_a_reservation_share_what_the_account_leaves_unreserved(
    tmp_path: Path, lambda_api: FakeLambda
) -> None:
    # Given an account quota of 5, one function reserving 2, and two functions without a reservation
    for name in ("reserved", "free_a", "free_b"):
        lambda_api.add(name, package(tmp_path / "packages", name, SLOW_HANDLER + f"\n# {name}\n"))
    lambda_api.reserved["reserved"] = 2
    runner = runner_for(tmp_path, lambda_api, quota=5)
    try:
        # When one unreserved function runs 2 slow invocations
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = [pool.submit(runner.invoke, "free_a", {"sleep": 3.0}) for _ in range(2)]
            time.sleep(1.0)
            # Then the other has the one left of the 3 unreserved: a burst of 3 runs 1
            ran, throttled = burst(runner, "free_b", 3, sleep=0.5)
            assert [f.result() for f in first] == [{"ok": True}] * 2
        assert (ran, len(throttled)) == (1, 2)
        assert {t.reason for t in throttled} == {"ConcurrentInvocationLimitExceeded"}
    finally:
        runner.stop()


def test_a_handler_that_cannot_be_imported_fails_at_start_with_its_output(
    tmp_path: Path, lambda_api: FakeLambda
) -> None:
    # Given a package whose handler module imports something it does not ship
    lambda_api.add("broken", package(tmp_path / "packages", "broken", BROKEN_HANDLER))
    runner = runner_for(tmp_path, lambda_api)

    # When it is invoked
    started = time.monotonic()
    with pytest.raises(InitError) as failed:
        runner.invoke("broken", {})

    # Then it fails within seconds (not after the init timeout), naming the function and quoting the worker
    assert time.monotonic() - started < 15 < lambda_runner.INIT_TIMEOUT_S
    message = str(failed.value)
    assert message.startswith("broken: Runtime.ImportModuleError: ModuleNotFoundError")
    assert "Traceback" in message and "import not_installed_anywhere" in message
    # And the environment is gone: the next invocation starts a new one (and fails the same way)
    with pytest.raises(InitError):
        runner.invoke("broken", {})
    runner.stop()


def _running(pool: ThreadPoolExecutor, runner: LambdaRunner, sleep: float) -> Future[Any]:
    """One invocation of ``slow`` submitted to ``pool``, returned once it is inside its environment."""
    running = pool.submit(runner.invoke, "slow", {"sleep": sleep})
    deadline = time.monotonic() + 10
    while not runner.busy("slow") and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def test_busy_lists_only_the_environments_inside_an_invocation(tmp_path: Path, lambda_api: FakeLambda) -> None:
    # Given a function whose first environment is warm and idle
    lambda_api.add("slow", package(tmp_path / "packages", "slow", SLOW_HANDLER))
    runner = runner_for(tmp_path, lambda_api)
    try:
        runner.invoke("slow", {"sleep": 0})
        assert runner.busy("slow") == []

        # When one invocation is running
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = _running(pool, runner, sleep=1.5)

            # Then busy names exactly that environment (fault injection kills it mid-call)
            busy = runner.busy("slow")
            assert len(busy) == 1 and busy[0]._process is not None and busy[0]._process.poll() is None
            assert running.result(timeout=10) == {"ok": True}
        assert runner.busy("slow") == []
    finally:
        runner.stop()


def test_a_crashed_environment_fails_its_invocation_and_is_replaced(tmp_path: Path, lambda_api: FakeLambda) -> None:
    # Given an invocation running in a function's warm environment
    lambda_api.add("slow", package(tmp_path / "packages", "slow", SLOW_HANDLER))
    runner = runner_for(tmp_path, lambda_api)
    try:
        runner.invoke("slow", {"sleep": 0})
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = _running(pool, runner, sleep=5)
            # When its process is killed mid-call
            assert runner.busy("slow")[0].crash()
            # Then that invocation fails as Lambda reports a crashed runtime, not as a timeout
            with pytest.raises(InvocationError) as failed:
                running.result(timeout=10)
        assert failed.value.error["errorType"] == "Runtime.ExitError"
        # And the next invocation gets a new environment and succeeds
        assert runner.invoke("slow", {"sleep": 0}) == {"ok": True}
    finally:
        runner.stop()


ENV_HANDLER = """
import os
NAMES = ("LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "AWS_LAMBDA_INITIALIZATION_TYPE",
         "AWS_LAMBDA_FUNCTION_NAME")
def handler(event, context):
    return {name: os.environ.get(name) for name in NAMES} | {"cwd": os.getcwd()}
"""


def test_an_environment_has_the_variables_lambda_defines(tmp_path: Path, lambda_api: FakeLambda) -> None:
    # Given a function (libraries such as the X-Ray SDK decide from LAMBDA_TASK_ROOT whether they run in Lambda)
    lambda_api.add("env", package(tmp_path / "packages", "env", ENV_HANDLER))
    runner = runner_for(tmp_path, lambda_api)
    try:
        # When it is invoked / Then it sees Lambda's own variables: its code directory is the task root
        seen = runner.invoke("env", {})
    finally:
        runner.stop()
    assert seen["LAMBDA_TASK_ROOT"] == seen["cwd"]
    assert seen["LAMBDA_RUNTIME_DIR"] and seen["LAMBDA_RUNTIME_DIR"] != seen["LAMBDA_TASK_ROOT"]
    assert (seen["_HANDLER"], seen["AWS_LAMBDA_INITIALIZATION_TYPE"]) == ("app.handler", "on-demand")
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "env"

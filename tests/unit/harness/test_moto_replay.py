"""harness.moto_replay: a retried attempt of an answered call is answered again, never run twice."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from harness.moto_replay import ReplayRetriedAttempts, attempt_number, describe, print_retried_attempts

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


class CountingApp:
    """A WSGI app that creates one thing per call: 201 the first time, 409 after (as moto's creates do)."""

    def __init__(self, release: threading.Event | None = None) -> None:
        self.calls = 0
        self.release = release
        self.closed = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        if self.release is not None:
            self.release.wait(5)
        if self.calls == 1:
            start_response("201 Created", [("Content-Type", "application/json")])
            return _Body([b'{"id":', b' "stage-1"}'], self)
        start_response("409 Conflict", [("Content-Type", "application/json")])
        return _Body([b'{"message": "Stage already exists"}'], self)


class _Body(list[bytes]):
    def __init__(self, parts: list[bytes], app: CountingApp) -> None:
        super().__init__(parts)
        self.app = app

    def close(self) -> None:
        self.app.closed += 1


def call(app: Any, invocation: str | None, attempt: int, method: str = "POST") -> tuple[str, bytes]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": "/restapis/a/stages"}
    if invocation is not None:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = invocation
        environ["HTTP_AMZ_SDK_REQUEST"] = f"attempt={attempt}; max=25"
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"] = status

    body = b"".join(app(environ, start_response))
    return seen["status"], body


def test_a_retry_of_an_answered_create_gets_the_first_answer_and_runs_nothing() -> None:
    app = CountingApp()
    logged: list[str] = []
    replay = ReplayRetriedAttempts(app, log=logged.append)
    assert call(replay, "inv-1", 1) == ("201 Created", b'{"id": "stage-1"}')
    assert call(replay, "inv-1", 2) == ("201 Created", b'{"id": "stage-1"}')
    assert app.calls == 1
    assert app.closed == 1
    assert replay.replayed == 1
    assert logged and "attempt 2 of POST /restapis/a/stages (invocation inv-1)" in logged[0]


def test_another_call_and_a_retry_after_an_error_are_served_afresh() -> None:
    app = CountingApp()
    logged: list[str] = []
    replay = ReplayRetriedAttempts(app, log=logged.append)
    call(replay, "inv-1", 1)
    assert call(replay, "inv-2", 1)[0] == "409 Conflict"  # a new call is run: the conflict is moto's own
    assert call(replay, "inv-2", 2)[0] == "409 Conflict"  # an error is never replayed: the retry runs again
    assert app.calls == 3
    assert replay.replayed == 0
    assert logged == [
        "[retry] attempt 2 of POST /restapis/a/stages (invocation inv-2): no 2xx answer on record, served afresh"
    ]


def test_calls_without_an_invocation_id_and_reads_are_never_replayed() -> None:
    app = CountingApp()
    replay = ReplayRetriedAttempts(app, log=lambda line: None)
    call(replay, None, 1)
    assert call(replay, None, 2)[0] == "409 Conflict"
    get_app = CountingApp()
    gets = ReplayRetriedAttempts(get_app, log=lambda line: None)
    call(gets, "inv-1", 1, method="GET")
    call(gets, "inv-1", 2, method="GET")
    assert get_app.calls == 2


def test_a_retry_that_arrives_while_the_first_attempt_runs_waits_for_its_answer() -> None:
    release = threading.Event()
    app = CountingApp(release)
    replay = ReplayRetriedAttempts(app, log=lambda line: None)
    answers: list[tuple[str, bytes]] = []
    first = threading.Thread(target=lambda: answers.append(call(replay, "inv-1", 1)))
    first.start()
    while app.calls == 0:
        threading.Event().wait(0.01)
    retry = threading.Thread(target=lambda: answers.append(call(replay, "inv-1", 2)))
    retry.start()
    threading.Event().wait(0.1)
    release.set()
    first.join(5)
    retry.join(5)
    assert answers == [("201 Created", b'{"id": "stage-1"}')] * 2
    assert app.calls == 1


def test_old_answers_are_forgotten_beyond_the_capacity() -> None:
    app = CountingApp()
    replay = ReplayRetriedAttempts(app, capacity=1, log=lambda line: None)
    call(replay, "inv-1", 1)
    app.calls = 0  # the next create succeeds again
    call(replay, "inv-2", 1)
    assert call(replay, "inv-1", 2)[0] == "409 Conflict"


def test_attempt_number_reads_the_sdk_header() -> None:
    assert attempt_number("attempt=3; max=25") == 3
    assert attempt_number("ttl=20261201T000000Z; attempt=2; max=3") == 2
    assert attempt_number("") == 1


def test_describe_names_the_service_and_target_a_request_carries() -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=test/20261201/us-east-2/logs/aws4_request, Signed",
        "HTTP_X_AMZ_TARGET": "Logs_20140328.PutDeliverySource",
    }
    assert describe(environ) == "POST / [logs, Logs_20140328.PutDeliverySource]"
    assert describe({"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}) == "GET /x"


def test_a_failed_apply_prints_the_retried_attempts_and_tolerates_a_missing_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "emulator.log"
    log.write_text(
        '127.0.0.1 - - "POST / HTTP/1.1" 200 -\n[replay] attempt 2 of POST / [logs]\n[retry] attempt 3 of PUT /x\n'
    )
    print_retried_attempts(log)
    printed = capsys.readouterr().err
    assert "2 retried attempt(s)" in printed
    assert "[replay] attempt 2 of POST / [logs]" in printed and "[retry] attempt 3 of PUT /x" in printed
    print_retried_attempts(tmp_path / "absent.log")  # another emulator: no log, no error

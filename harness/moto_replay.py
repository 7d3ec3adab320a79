"""A retried call the emulator already answered is answered again, never run twice.

The AWS SDKs (the Terraform provider's Go SDK, botocore) mark each attempt of one call with the same
``amz-sdk-invocation-id`` and ``amz-sdk-request: attempt=N; max=M``, and send another attempt only
when the one before got no answer or a retryable error. Twice in ~40 applies here a create that moto
had answered with 2xx came again within the second (``CreateStage`` 201 then 409, ``PutDeliverySource``
then "Tags can only be provided when a resource is being created"): the answer did not reach the
provider's SDK in a form it could use (what breaks between moto's development server and the client
was not caught), and the run failed on the emulator's transport, not on the stack. So an attempt after
a 2xx answer gets that answer again, an attempt that arrives while the one before is still being served
waits for it, and every later attempt is logged (``[replay]`` or ``[retry]`` lines in the emulator's
log, which a failed apply prints). An attempt after an error (throttling, 5xx, a conflict) is served
afresh, as AWS would.

GET and HEAD are left alone: they change nothing, and S3 downloads can be large.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ATTEMPT = re.compile(r"attempt=(\d+)")
_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Attempts of one call come within the SDKs' retry window (seconds to a minute); the answers kept are
# small (non-GET), so a few thousand cover a whole apply.
CAPACITY = 4096
IN_FLIGHT_WAIT_S = 60.0


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def describe(environ: dict[str, Any]) -> str:
    """A request as the log names it: method, path, and the service and target when the request says them."""
    service = _SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    target = environ.get("HTTP_X_AMZ_TARGET")
    extra = ", ".join(part for part in (service.group(1) if service else None, target) if part)
    return f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}" + (f" [{extra}]" if extra else "")


def attempt_number(header: str) -> int:
    """The attempt an ``amz-sdk-request`` header names (1 when absent or unreadable)."""
    match = _ATTEMPT.search(header)
    return int(match.group(1)) if match else 1


class ReplayRetriedAttempts:
    """WSGI middleware: answer a retried attempt of an already answered call from its first answer."""

    def __init__(self, app: WSGIApp, capacity: int = CAPACITY, log: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.capacity = capacity
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.replayed = 0
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._in_flight: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)  # moto's server sets and reads attributes of its app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD") in SAFE_METHODS:
            return self.app(environ, start_response)
        attempt = attempt_number(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        with self._lock:
            running = self._in_flight.get(invocation)
        if running is not None and attempt > 1:
            running.wait(IN_FLIGHT_WAIT_S)
        with self._lock:
            answer = self._answers.get(invocation) if attempt > 1 else None
            if answer is None:
                done = self._in_flight.setdefault(invocation, threading.Event())
            else:
                self.replayed += 1
        if answer is not None:
            self.log(
                f"[replay] attempt {attempt} of {describe(environ)} "
                f"(invocation {invocation}): attempt 1 was answered {answer.status.split()[0]}; "
                "the same answer is sent again instead of running the call twice"
            )
            start_response(answer.status, answer.headers)
            return [answer.body]
        if attempt > 1:
            self.log(
                f"[retry] attempt {attempt} of {describe(environ)} "
                f"(invocation {invocation}): no 2xx answer on record, served afresh"
            )
        try:
            return [self._serve(invocation, environ, start_response)]
        finally:
            with self._lock:
                self._in_flight.pop(invocation, None)
            done.set()

    def _serve(self, invocation: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> bytes:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info)

        iterable = self.app(environ, capture)
        try:
            body = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        status = str(seen.get("status", ""))
        if status.startswith("2"):
            with self._lock:
                self._answers[invocation] = Answer(status, seen["headers"], body)
                self._answers.move_to_end(invocation)
                while len(self._answers) > self.capacity:
                    self._answers.popitem(last=False)
        return body


def print_retried_attempts(log: Path) -> None:
    """After a failed apply: the calls an SDK sent again (the first thing to rule out), from the emulator's log."""
    if not log.exists():  # another emulator (TTH_AWS_ENDPOINT) keeps its own log
        return
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.startswith(("[replay]", "[retry]"))]
    print(f"==> {len(lines)} retried attempt(s) in {log}", file=sys.stderr, flush=True)
    for line in lines[-20:]:
        print(f"  {line}", file=sys.stderr, flush=True)


__all__ = ["Answer", "ReplayRetriedAttempts", "attempt_number", "describe", "print_retried_attempts"]

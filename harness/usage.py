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

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

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

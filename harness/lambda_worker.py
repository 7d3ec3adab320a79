"""One warm Lambda execution environment: imports a handler from an unpacked package and serves invocations.

Started by ``harness.lambda_runner`` as ``python -I lambda_worker.py PACKAGE_DIR RUNTIME_DIR HANDLER RESULT_FD``
with the function's environment. Reads one JSON request per line on stdin and writes one JSON
result per line to RESULT_FD, so the function's own stdout and stderr stay its log stream, as in
Lambda. Standard library only: it runs on the runtime's interpreter, beside the package.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class Context:
    """The parts of the Lambda context object that handlers and Powertools read."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = os.environ.get("TTH_FUNCTION_ARN", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def main() -> None:
    package_dir, runtime_dir, handler_path, result_fd = sys.argv[1:5]
    # Lambda's order: the function package (/var/task) first, then the runtime's libraries.
    sys.path[:0] = [package_dir, runtime_dir]
    module_name, _, function_name = handler_path.rpartition(".")
    results = os.fdopen(int(result_fd), "w", buffering=1)
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:
        # Reported at once, in the init reply, and the environment ends: Lambda discards it too.
        error = {"errorType": "Runtime.ImportModuleError", "errorMessage": f"{type(exc).__name__}: {exc}"}
        traceback.print_exc()
        sys.stderr.flush()
        results.write(json.dumps({"error": error}) + "\n")
        return
    results.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        context = Context(request["request_id"], request["deadline"])
        print(f"START RequestId: {context.aws_request_id}", flush=True)
        started = time.monotonic()
        reply: dict[str, Any]
        try:
            reply = {"result": handler(request["event"], context)}
        except Exception as exc:
            traceback.print_exc()
            reply = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)}}
        sys.stdout.flush()
        sys.stderr.flush()
        duration_ms = (time.monotonic() - started) * 1000
        print(f"END RequestId: {context.aws_request_id} Duration: {duration_ms:.2f} ms", flush=True)
        results.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()

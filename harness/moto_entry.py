"""Start moto's server with SQS → Lambda delivery left to the harness.

moto delivers a message to a queue's mapped function itself, at send time, by invoking the
function in Docker. Without Docker that invocation "succeeds" with an error payload and moto
deletes the message, so the function never sees it. Here the queues keep their mappings (they
are listed and read back as usual) but moto's delivery loop sees none; ``harness.sqs_poller``
feeds the messages to the deployed package, as the Lambda service polls a queue in AWS.

It also turns on IAM enforcement for assumed-role sessions (``harness.iam.enforce``): every call a
function or its event source mapping makes is checked against the deployed policies.

Usage: ``python -m harness.moto_entry -H 127.0.0.1 -p PORT`` (the arguments of ``moto.server``).
"""

from __future__ import annotations

from typing import Any

from moto.server import main
from moto.sqs import models

from harness.iam import enforce


class _HarnessDelivers(dict[str, Any]):
    """A queue's mappings: stored and removed normally, invisible to moto's delivery loop."""

    def items(self) -> Any:
        return iter(())


_original_init = models.Queue.__init__


def _queue_init(self: models.Queue, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.lambda_event_source_mappings = _HarnessDelivers()


models.Queue.__init__ = _queue_init  # type: ignore[method-assign]

if __name__ == "__main__":
    enforce.install()
    main()

"""Start moto's server with SQS → Lambda delivery left to the harness.

moto delivers a message to a queue's mapped function itself, at send time, by invoking the
function in Docker. Without Docker that invocation "succeeds" with an error payload and moto
deletes the message, so the function never sees it. Here the queues keep their mappings (they
are listed and read back as usual) but moto's delivery loop sees none; ``harness.sqs_poller``
feeds the messages to the deployed package, as the Lambda service polls a queue in AWS.

It also answers the AWS provider's status waiters at once where moto would make them poll
(``_end_waiters_at_once``; each waiter is listed there). Waiters that demand several consecutive
consistent reads (SQS attributes, KMS key settings) cannot be ended by any answer.

Usage: ``python -m harness.moto_entry -H 127.0.0.1 -p PORT`` (the arguments of ``moto.server``).
"""

from __future__ import annotations

from typing import Any

from moto.moto_api import state_manager
from moto.server import main
from moto.sqs import models


class _HarnessDelivers(dict[str, Any]):
    """A queue's mappings: stored and removed normally, invisible to moto's delivery loop."""

    def items(self) -> Any:
        return iter(())


_original_init = models.Queue.__init__


def _queue_init(self: models.Queue, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.lambda_event_source_mappings = _HarnessDelivers()


models.Queue.__init__ = _queue_init  # type: ignore[method-assign]


def _end_waiters_at_once() -> None:
    """Emulator answers that end a provider waiter on its first poll (emulator runs only).

    - ``cloudfront::distribution``: moto reports ``InProgress`` once before ``Deployed``, so the
      provider's deployment waiter (create, update, and the disable before delete) polls a second
      time, 15 s later. ``immediate`` reports ``Deployed`` on the first poll, as a distribution that
      finished deploying does.
    """
    state_manager.set_transition("cloudfront::distribution", {"progression": "immediate"})


_end_waiters_at_once()

if __name__ == "__main__":
    main()

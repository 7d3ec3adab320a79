"""The fulfillment queue's message, in one place: the webhook and the sweeper send it, fulfillment reads it
and parks it in the DLQ with a reason. Built nowhere else (a unit test holds lambda_src to that).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import boto3

__all__ = ["FulfillmentMessage", "FulfillmentQueue"]

MAX_ORDER_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class FulfillmentMessage:
    """Queue message body ``{"order_id": "..."}``; an order parked in the DLQ for review adds ``reason``.

    A plain dataclass read with :meth:`from_json`: no function that sends or reads it imports pydantic.
    """

    order_id: str
    reason: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.order_id) <= MAX_ORDER_ID_LENGTH:
            raise ValueError(f"order_id must have 1 to {MAX_ORDER_ID_LENGTH} characters")

    @classmethod
    def from_json(cls, body: str) -> FulfillmentMessage:
        """Read a message body; unknown keys are ignored (a newer sender may add some).

        Raises
        ------
        ValueError
            When the body is not JSON, not an object, or ``order_id``/``reason`` are not strings of the
            allowed length.
        """
        data = json.loads(body)  # json.JSONDecodeError is a ValueError
        if not isinstance(data, dict):
            raise ValueError("the message is not a JSON object")
        order_id, reason = data.get("order_id"), data.get("reason")
        if not isinstance(order_id, str) or not (reason is None or isinstance(reason, str)):
            raise ValueError("order_id must be a string, reason a string or absent")
        return cls(order_id=order_id, reason=reason)

    def to_json(self) -> str:
        """The wire shape (docs/contracts.md): compact JSON without the absent ``reason``."""
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))


class FulfillmentQueue:
    """Sends the fulfillment message of an order to a queue (the fulfillment queue or its DLQ).

    Fulfillment is idempotent per order, so sending twice is safe.
    """

    def __init__(self, sqs: Any | None, queue_url: str) -> None:
        """``sqs``: a client, or ``None`` to create one at the first send (a cold start need not pay for it)."""
        self._sqs = sqs
        self._queue_url = queue_url

    def enqueue(self, order_id: str, reason: str | None = None) -> None:
        body = FulfillmentMessage(order_id=order_id, reason=reason).to_json()
        if self._sqs is None:
            self._sqs = boto3.client("sqs")
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body)

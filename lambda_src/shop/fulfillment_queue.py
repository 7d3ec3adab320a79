"""The fulfillment queue's message, in one place: the webhook and the sweeper send it, fulfillment reads it
and parks it in the DLQ with a reason. Built nowhere else (a unit test holds lambda_src to that).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FulfillmentMessage", "FulfillmentQueue"]


class FulfillmentMessage(BaseModel):
    """Queue message body ``{"order_id": "..."}``; an order parked in the DLQ for review adds ``reason``."""

    model_config = ConfigDict(extra="ignore")

    order_id: str = Field(min_length=1, max_length=64)
    reason: str | None = None


class FulfillmentQueue:
    """Sends the fulfillment message of an order to a queue (the fulfillment queue or its DLQ).

    Fulfillment is idempotent per order, so sending twice is safe.
    """

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def enqueue(self, order_id: str, reason: str | None = None) -> None:
        body = FulfillmentMessage(order_id=order_id, reason=reason).model_dump_json(exclude_none=True)
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body)

"""Handling one SQS record: parse, fulfil (idempotent per order), schedule the retry."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, Json

from fulfillment import deps
from shop.exceptions import FulfillmentExhaustedError, FulfillmentRetryableError
from shop.fulfillment_service import backoff_seconds, fulfil_order

__all__ = ["FulfillmentMessage", "FulfillmentRecord", "idempotency_config", "record_handler"]


class FulfillmentMessage(BaseModel):
    """Queue message body ``{"order_id": "..."}``."""

    model_config = ConfigDict(extra="ignore")

    order_id: str = Field(min_length=1, max_length=64)


class RecordAttributes(BaseModel):
    """The SQS system attributes this function reads."""

    model_config = ConfigDict(extra="ignore")

    ApproximateReceiveCount: str


class FulfillmentRecord(BaseModel):
    """An SQS record whose body is a :class:`FulfillmentMessage` (the fields this function reads).

    Not Powertools' ``SqsRecordModel``: importing it imports every parser model at cold start.
    """

    model_config = ConfigDict(extra="ignore")

    messageId: str  # noqa: N815 - SQS's field name
    receiptHandle: str  # noqa: N815 - SQS's field name
    body: Json[FulfillmentMessage]
    attributes: RecordAttributes
    eventSourceARN: str  # noqa: N815 - SQS's field name


# Guards against two workers calling the partner for the same order at once (duplicate delivery);
# the order state machine makes later duplicates no-ops anyway, so the record lives one hour only.
idempotency_config = IdempotencyConfig(event_key_jmespath="order_id", expires_after_seconds=3600)
persistence_layer = DynamoDBPersistenceLayer(table_name=deps.IDEMPOTENCY_TABLE_NAME, boto3_client=deps.dynamodb)

_OUTCOME_METRICS = {
    "fulfilled": "FulfillmentSucceeded",
    "failed_permanent": "FulfillmentFailed",
    "order_not_found": "FulfillmentOrderNotFound",
}


@idempotent_function(data_keyword_argument="message", persistence_store=persistence_layer, config=idempotency_config)
def fulfil(*, message: dict[str, Any], attempt: int) -> str:
    """Fulfil one order once; a completed order's later messages get the cached outcome."""
    return fulfil_order(
        str(message["order_id"]),
        attempt=attempt,
        max_attempts=deps.FULFILLMENT_MAX_ATTEMPTS,
        orders=deps.order_repository,
        client=deps.fulfillment_client(),
        pii_key=deps.pii_key(),
    )


def record_handler(record: FulfillmentRecord) -> str:
    """Process one record; raising marks it failed (SQS redelivers it, then the DLQ takes it)."""
    order_id = record.body.order_id
    attempt = int(record.attributes.ApproximateReceiveCount)
    deps.logger.append_keys(order_id=order_id, message_id=record.messageId, attempt=attempt)
    try:
        outcome = str(fulfil(message={"order_id": order_id}, attempt=attempt))
    except FulfillmentRetryableError as exc:
        delay = backoff_seconds(attempt)
        deps.metrics.add_metric(name="FulfillmentRetried", unit=MetricUnit.Count, value=1)
        deps.logger.warning("fulfillment will be retried", extra={"reason": exc.message, "retry_in_s": delay})
        try:
            deps.change_visibility(record.eventSourceARN, record.receiptHandle, delay)
        except ClientError:
            deps.logger.warning("could not change message visibility; default backoff applies")
        raise
    except FulfillmentExhaustedError as exc:
        deps.metrics.add_metric(name="FulfillmentFailed", unit=MetricUnit.Count, value=1)
        deps.logger.error("fulfillment gave up; message goes to the DLQ", extra={"reason": exc.message})
        raise
    deps.logger.info("fulfillment processed", extra={"outcome": outcome})
    if outcome in _OUTCOME_METRICS:
        deps.metrics.add_metric(name=_OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
    return outcome

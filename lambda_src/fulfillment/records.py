"""Handling one SQS record: parse, fulfil (once per message), schedule the retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from botocore.exceptions import ClientError

from fulfillment import deps
from shop.config import STRIPE_TIMEOUT_SECONDS
from shop.exceptions import FulfillmentRetryableError
from shop.fulfillment_client import FULFILLMENT_TIMEOUT_SECONDS, MAX_RETRY_AFTER_SECONDS
from shop.fulfillment_queue import FulfillmentMessage
from shop.fulfillment_service import backoff_seconds, fulfil_order
from shop.outcomes import Outcome, count, record_outcome
from shop.server_errors import log_server_error

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = [
    "RECORD_BUDGET_MS",
    "FulfillmentMessage",
    "FulfillmentRecord",
    "idempotency_config",
    "record_handler",
]

#: Worst case of one record: a partner call that times out, then a refund call that times out
#: (no SDK retry in this function), plus a margin for DynamoDB. terraform/lambda.tf sizes the batch
#: with the same number so that a batch always fits in the function timeout.
RECORD_BUDGET_MS = int((sum(FULFILLMENT_TIMEOUT_SECONDS) + sum(STRIPE_TIMEOUT_SECONDS) + 2) * 1000)
_AUTH_STATUSES = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class FulfillmentRecord:
    """The fields of an SQS record this function reads, its body a :class:`FulfillmentMessage`.

    A dataclass read from Powertools' ``SQSRecord`` (a dict wrapper): neither pydantic nor the parser models
    are imported, so the package carries no pydantic.
    """

    message_id: str
    receipt_handle: str
    body: FulfillmentMessage
    receive_count: int
    event_source_arn: str

    @classmethod
    def from_sqs(cls, record: SQSRecord) -> FulfillmentRecord:
        """Read one SQS record.

        Raises
        ------
        ValueError
            When the body is not a fulfillment message (a poison message: SQS redelivers it, then the DLQ
            takes it).
        """
        try:
            return cls(
                message_id=record.message_id,
                receipt_handle=record.receipt_handle,
                body=FulfillmentMessage.from_json(record.body),
                receive_count=int(record.attributes.approximate_receive_count),
                event_source_arn=record.event_source_arn,
            )
        except KeyError as exc:  # SQSRecord's properties index the record dict
            raise ValueError(f"the SQS record has no {exc}") from exc


class TimeBudgetExceededError(FulfillmentRetryableError):
    """Too little time is left in this invocation for one more partner call: hand the record back."""


# Keyed by the SQS message id: a duplicate delivery of one message is processed once (and one in
# flight makes the duplicate fail and come back), while a new message for the same order (a redrive,
# the sweeper) is a new attempt. The state machine makes late duplicates no-ops anyway.
idempotency_config = IdempotencyConfig(event_key_jmespath="message_id", expires_after_seconds=3600)
persistence_layer = DynamoDBPersistenceLayer(table_name=deps.IDEMPOTENCY_TABLE_NAME, boto3_client=deps.dynamodb)


@idempotent_function(data_keyword_argument="message", persistence_store=persistence_layer, config=idempotency_config)
def fulfil(*, message: dict[str, Any], attempt: int) -> str:
    """Fulfil one order once per message."""
    return fulfil_order(
        str(message["order_id"]),
        attempt=attempt,
        max_attempts=deps.FULFILLMENT_MAX_ATTEMPTS,
        orders=deps.order_repository,
        client=deps.fulfillment_client(),
        pii=deps.pii_cipher(),
        policy=deps.failure_policy(),
    )


def _retry_later(record: FulfillmentRecord, exc: FulfillmentRetryableError, attempt: int) -> None:
    if isinstance(exc, TimeBudgetExceededError):
        delay = 0
    else:
        delay = min(max(backoff_seconds(attempt), exc.retry_after or 0), MAX_RETRY_AFTER_SECONDS)
        count(deps.metrics, "FulfillmentRetried")
        if exc.partner_status in _AUTH_STATUSES:
            count(deps.metrics, "FulfillmentAuthFailed")
    deps.logger.warning("fulfillment will be retried", extra={"reason": exc.message, "retry_in_s": delay})
    try:
        deps.change_visibility(record.event_source_arn, record.receipt_handle, delay)
    except ClientError as change_error:
        deps.logger.error(
            "could not change message visibility; the queue's visibility timeout applies",
            extra={"error_type": type(change_error).__name__},
        )


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> str:
    """Process one record; raising marks it failed (SQS redelivers it, then the DLQ takes it).

    The batch processor passes ``record`` by that name.
    """
    try:
        parsed = FulfillmentRecord.from_sqs(record)
    except ValueError:
        deps.logger.warning(
            "malformed fulfillment message; SQS redelivers it, then the DLQ takes it",
            extra={"message_id": record.message_id},
        )
        raise
    order_id = parsed.body.order_id
    attempt = parsed.receive_count
    deps.logger.append_keys(order_id=order_id, message_id=parsed.message_id, attempt=attempt)
    try:
        if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < RECORD_BUDGET_MS:
            raise TimeBudgetExceededError("too little time left in this invocation")
        outcome = Outcome(fulfil(message={"order_id": order_id, "message_id": parsed.message_id}, attempt=attempt))
    except FulfillmentRetryableError as exc:
        _retry_later(parsed, exc, attempt)
        raise
    except Exception as exc:
        # The batch processor would log this at debug level only: say it loudly, then let SQS retry.
        count(deps.metrics, "FulfillmentErrors")
        log_server_error(deps.logger, exc, "fulfillment failed unexpectedly; the message will be retried")
        raise
    deps.logger.info("fulfillment processed", extra={"outcome": outcome})
    record_outcome(deps.metrics, outcome)
    return outcome

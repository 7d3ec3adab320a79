"""Entry point of the fulfillment function (``fulfillment.handler.lambda_handler``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from fulfillment import deps
from fulfillment.records import idempotency_config, record_handler

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["lambda_handler", "processor"]

# Report every failed record, also when the whole batch failed (no invocation error, no blanket retry).
# No parser model: record_handler reads the SQSRecord itself (fulfillment.records.FulfillmentRecord).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@deps.logger.inject_lambda_context(clear_state=True)
@deps.tracer.capture_lambda_handler(capture_response=False)
@deps.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process an SQS batch and report partial failures (``batchItemFailures``)."""
    idempotency_config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

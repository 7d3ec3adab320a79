"""Entry point of the sweeper function (``sweeper.handler.lambda_handler``), run on a schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shop.outcomes import OUTCOME_METRICS, Outcome, count
from shop.sweeper_service import sweep
from sweeper import deps

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["lambda_handler"]


@deps.logger.inject_lambda_context(clear_state=True)
@deps.tracer.capture_lambda_handler(capture_response=False)
@deps.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Sweep once; the answer (and the log line) says what was found."""
    report = sweep(
        orders=deps.order_repository,
        enqueue_fulfillment=deps.enqueue_fulfillment,
        gateway=deps.payment_gateway,
        now=datetime.now(UTC),
    )
    for outcome in (Outcome.REENQUEUED, Outcome.EXPIRED, Outcome.RECONCILED, Outcome.PAST_BOUND):
        # Emitted even when zero, so the alarms see data rather than gaps.
        for name in OUTCOME_METRICS[outcome]:
            count(deps.metrics, name, report.outcomes[outcome])
    summary = {
        "reenqueued": report.outcomes[Outcome.REENQUEUED],
        "expired": report.outcomes[Outcome.EXPIRED],
        "reconciled": report.outcomes[Outcome.RECONCILED],
        "past_bound": dict(report.past_bound),
    }
    log = deps.logger.warning if report.past_bound else deps.logger.info
    log("sweep done", extra={**summary, "order_ids": report.order_ids})
    return summary

"""What a webhook event, a fulfillment message or a sweep did: one ``StrEnum`` and its metrics.

Every outcome that an operator counts or alarms on maps to exactly one metric here
(``OUTCOME_METRICS``); the functions emit them through :func:`record_outcome` and nowhere else.
Metric names are the contract of the alarms in ``terraform/cloudwatch.tf``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

__all__ = ["OUTCOME_METRICS", "Outcome", "count", "record_outcome"]


class Outcome(StrEnum):
    """Result labels (logged as ``outcome``)."""

    # webhook
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_CANCELED = "payment_canceled"
    AMOUNT_MISMATCH = "amount_mismatch"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUND_FAILED = "refund_failed"
    DISPUTED = "disputed"
    DISPUTE_CLOSED = "dispute_closed"
    DISPUTE_LOST = "dispute_lost"
    IGNORED_STATE = "ignored_state"
    IGNORED_TYPE = "ignored_type"
    DUPLICATE = "duplicate"
    ORDER_NOT_FOUND = "order_not_found"
    # fulfillment
    FULFILLED = "fulfilled"
    ALREADY_FULFILLED = "already_fulfilled"
    FULFILLMENT_FAILED = "fulfillment_failed"  # kept for manual review (auto-refund off)
    REFUNDED_AFTER_FAILURE = "refunded_after_failure"
    TICKETS_AFTER_REFUND = "tickets_after_refund"  # issued after a refund won the race; then canceled
    TICKETS_CANCELED = "tickets_canceled"
    TICKETS_CANCEL_FAILED = "tickets_cancel_failed"
    # sweeper
    REENQUEUED = "reenqueued"
    EXPIRED = "expired"
    RECONCILED = "reconciled"  # an abandoned-looking order was paid after all: its webhook never came
    PAST_BOUND = "past_bound"


#: The metrics of each counted outcome (namespace ``POWERTOOLS_METRICS_NAMESPACE``, dimension ``service``).
OUTCOME_METRICS: dict[Outcome, tuple[str, ...]] = {
    Outcome.PAID: ("PaymentsSucceeded",),
    Outcome.PAYMENT_FAILED: ("PaymentsFailed",),
    Outcome.PAYMENT_CANCELED: ("PaymentsCanceled",),
    Outcome.AMOUNT_MISMATCH: ("PaymentAmountMismatch", "OrdersNeedReview"),
    Outcome.REFUNDED: ("OrdersRefunded",),
    Outcome.PARTIALLY_REFUNDED: ("OrdersPartiallyRefunded",),
    Outcome.REFUND_FAILED: ("RefundFailed",),
    Outcome.DISPUTED: ("PaymentsDisputed",),
    Outcome.DISPUTE_LOST: ("DisputesLost",),
    Outcome.ORDER_NOT_FOUND: ("OrderNotFound",),
    Outcome.DUPLICATE: ("WebhookDuplicate",),
    Outcome.FULFILLED: ("FulfillmentSucceeded",),
    Outcome.FULFILLMENT_FAILED: ("FulfillmentFailed",),
    Outcome.REFUNDED_AFTER_FAILURE: ("FulfillmentFailed", "OrdersAutoRefunded"),
    Outcome.TICKETS_AFTER_REFUND: ("TicketsIssuedAfterRefund", "TicketsCanceled"),
    Outcome.TICKETS_CANCELED: ("TicketsCanceled",),
    Outcome.TICKETS_CANCEL_FAILED: ("TicketsCancelFailed",),
    Outcome.REENQUEUED: ("OrdersReenqueued",),
    Outcome.EXPIRED: ("OrdersExpired",),
    Outcome.RECONCILED: ("PaymentsReconciled",),
    Outcome.PAST_BOUND: ("OrdersPastBound",),
}


def count(metrics: Metrics, name: str, value: int = 1) -> None:
    """Add ``value`` to the count metric ``name``."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def record_outcome(metrics: Metrics, outcome: Outcome) -> None:
    """Emit the metrics of ``outcome`` (none for outcomes nobody counts)."""
    for name in OUTCOME_METRICS.get(outcome, ()):
        count(metrics, name)

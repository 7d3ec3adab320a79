"""Finding orders past their state's bound (the money invariant; no Lambda event or context in here).

Stuck PAID/FULFILLING/REFUNDING orders are re-enqueued (fulfillment and refunds are idempotent);
abandoned PENDING_PAYMENT/PAYMENT_FAILED orders are expired: the PaymentIntent is canceled, the
order becomes CANCELED, its PII is removed and ``expires_at`` lets the table's TTL delete it after
the retention. When Stripe refuses the cancel because the PaymentIntent succeeded after all (every
delivery of its webhook failed), the payment is applied as the webhook would have: the order
becomes PAID and is fulfilled. Orders that need a person (FULFILLMENT_FAILED, NEEDS_REVIEW,
REFUND_FAILED) are counted; every order past its bound is counted as ``OrdersPastBound``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shop.domain import OrderStatus
from shop.exceptions import PaymentRejectedError
from shop.outcomes import Outcome
from shop.payment_events import PII_ATTRIBUTES, EventContext, apply_payment
from shop.repository import utc_now_iso

if TYPE_CHECKING:
    from collections.abc import Callable

    from shop.payments import PaymentGateway
    from shop.repository import OrderRepository, OrderSummary

__all__ = ["BOUNDS", "CANCELED_RETENTION", "SweepReport", "sweep"]

S = OrderStatus
#: How long an order may stay in a state (lambda_src/README.md, "Money invariant").
BOUNDS: dict[OrderStatus, timedelta] = {
    S.PAID: timedelta(minutes=15),
    S.FULFILLING: timedelta(minutes=30),
    S.REFUNDING: timedelta(minutes=15),
    S.FULFILLMENT_FAILED: timedelta(minutes=60),
    S.NEEDS_REVIEW: timedelta(minutes=60),
    S.REFUND_FAILED: timedelta(minutes=60),
    S.PENDING_PAYMENT: timedelta(hours=24),
    S.PAYMENT_FAILED: timedelta(hours=24),
}
_REENQUEUE = frozenset({S.PAID, S.FULFILLING, S.REFUNDING})
_EXPIRE = frozenset({S.PENDING_PAYMENT, S.PAYMENT_FAILED})
#: A canceled order (no money taken, no PII left) is deleted by the table's TTL after this.
CANCELED_RETENTION = timedelta(days=30)


def cancel_idempotency_key(order_id: str) -> str:
    """Stripe idempotency key for canceling an abandoned order's PaymentIntent."""
    return f"tth-order-{order_id}-cancel"


@dataclass(slots=True)
class SweepReport:
    """What one sweep found and did."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    past_bound: Counter[str] = field(default_factory=Counter)  # by state
    order_ids: list[str] = field(default_factory=list)  # past bound, for the log (first 50)


def _parse(timestamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _apply_unseen_payment(order: OrderSummary, payment_intent_id: str, ctx: EventContext) -> Outcome | None:
    """The cancel was refused: if the PaymentIntent succeeded, apply it (RECONCILED), else None."""
    intent = ctx.gateway().payment_intent(payment_intent_id)
    if intent.get("status") != "succeeded":
        return None  # already canceled, or in a state a person should look at
    return Outcome.RECONCILED if apply_payment(order, intent, ctx) == Outcome.PAID else None


def _expire(order: OrderSummary, *, ctx: EventContext, now: datetime) -> Outcome | None:
    """Cancel an abandoned order (EXPIRED), or apply its unseen payment (RECONCILED); None: neither."""
    if order.payment_intent_id:
        try:
            ctx.gateway().cancel_payment_intent(
                order.payment_intent_id, idempotency_key=cancel_idempotency_key(order.order_id)
            )
        except PaymentRejectedError:
            return _apply_unseen_payment(order, order.payment_intent_id, ctx)
    expired = ctx.orders.transition(
        order.order_id,
        S.CANCELED,
        allowed_from={order.status},
        attributes={
            "canceled_at": utc_now_iso(),
            "cancellation_reason": "abandoned",
            "expires_at": int((now + CANCELED_RETENTION).timestamp()),
        },
        remove=PII_ATTRIBUTES,
    )
    return Outcome.EXPIRED if expired else None


def sweep(
    *,
    orders: OrderRepository,
    enqueue_fulfillment: Callable[[str], None],
    gateway: Callable[[], PaymentGateway],
    now: datetime,
) -> SweepReport:
    """Act on every order past its state's bound; returns what was done."""
    report = SweepReport()
    ctx = EventContext(orders, enqueue_fulfillment, gateway)
    for order in orders.scan_by_status(BOUNDS):
        since = _parse(order.updated_at)
        if since is not None and now - since < BOUNDS[order.status]:
            continue
        if order.status in _EXPIRE:
            outcome = _expire(order, ctx=ctx, now=now)
            if outcome is not None:
                report.outcomes[outcome] += 1
                continue
        elif order.status in _REENQUEUE:
            enqueue_fulfillment(order.order_id)
            report.outcomes[Outcome.REENQUEUED] += 1
        report.outcomes[Outcome.PAST_BOUND] += 1
        report.past_bound[order.status.value] += 1
        if len(report.order_ids) < 50:
            report.order_ids.append(order.order_id)
    return report

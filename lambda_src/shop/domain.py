"""The order state machine and the records the functions store and exchange (no pydantic).

Kept apart from the API shapes in :mod:`shop.models` so that the functions that never parse a
request body (the webhook, the sweeper) do not import pydantic at cold start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "ALLOWED_TRANSITIONS",
    "SETTLED_STATES",
    "UNSETTLED_PAID_STATES",
    "FulfillmentResult",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Ticket",
    "payment_idempotency_key",
    "refund_idempotency_key",
    "sources_of",
]


class OrderStatus(StrEnum):
    """States of an order (see ALLOWED_TRANSITIONS)."""

    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    FULFILLING = "FULFILLING"
    FULFILLED = "FULFILLED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    FULFILLMENT_FAILED = "FULFILLMENT_FAILED"
    REFUNDED = "REFUNDED"
    NEEDS_REVIEW = "NEEDS_REVIEW"
    REFUNDING = "REFUNDING"
    REFUND_FAILED = "REFUND_FAILED"
    CANCELED = "CANCELED"


S = OrderStatus
#: Transitions. PAYMENT_FAILED → PAID exists because a customer may retry the same PaymentIntent with
#: another card after a decline. NEEDS_REVIEW (amount/currency mismatch) stops automation until a
#: person looks at it. FULFILLMENT_FAILED (auto-refund off) → FULFILLING is a redrive's re-attempt.
#: REFUNDING means the shop asked Stripe for the refund; REFUNDED → REFUND_FAILED is Stripe reporting
#: later that a refund failed (``refund.failed``), and REFUND_FAILED → REFUNDING a retry. CANCELED is an
#: unpaid order whose PaymentIntent was canceled (abandoned or canceled in Stripe). Disputes and
#: partial refunds are flags on the order, not states.
ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.PAYMENT_FAILED, S.NEEDS_REVIEW, S.REFUNDED, S.CANCELED}),
    S.PAYMENT_FAILED: frozenset({S.PAID, S.NEEDS_REVIEW, S.REFUNDED, S.CANCELED}),
    S.PAID: frozenset({S.FULFILLING, S.REFUNDING, S.REFUNDED}),
    S.FULFILLING: frozenset({S.FULFILLED, S.FULFILLMENT_FAILED, S.REFUNDING, S.REFUNDED}),
    S.FULFILLED: frozenset({S.REFUNDED}),
    S.FULFILLMENT_FAILED: frozenset({S.FULFILLING, S.REFUNDING, S.REFUNDED}),
    S.NEEDS_REVIEW: frozenset({S.REFUNDING, S.REFUNDED}),
    S.REFUNDING: frozenset({S.REFUNDED, S.REFUND_FAILED}),
    S.REFUND_FAILED: frozenset({S.REFUNDING, S.REFUNDED}),
    S.REFUNDED: frozenset({S.REFUND_FAILED}),
    S.CANCELED: frozenset(),
}

#: Where the money invariant ends: a paid order is done when it is FULFILLED or REFUNDED.
SETTLED_STATES = frozenset({S.FULFILLED, S.REFUNDED})
#: States in which the customer's payment has succeeded but the order is not settled yet.
UNSETTLED_PAID_STATES = frozenset(
    {S.PAID, S.FULFILLING, S.FULFILLMENT_FAILED, S.NEEDS_REVIEW, S.REFUNDING, S.REFUND_FAILED}
)


def sources_of(target: OrderStatus) -> frozenset[OrderStatus]:
    """Return every state from which ``target`` may be entered."""
    return frozenset(src for src, targets in ALLOWED_TRANSITIONS.items() if target in targets)


# --------------------------------------------------------------------------- domain records


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A priced order line (prices from the catalog, never from the client)."""

    sku: str
    name: str
    quantity: int
    unit_amount: int

    @property
    def total(self) -> int:
        """Line total in minor units."""
        return self.quantity * self.unit_amount


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket reference from the fulfillment partner."""

    reference: str
    sku: str


@dataclass(frozen=True, slots=True)
class FulfillmentResult:
    """What the partner answers for a ticket order."""

    fulfillment_id: str
    tickets: tuple[Ticket, ...]


@dataclass(slots=True)
class Order:
    """An order as stored (PII fields encrypted, token hashed)."""

    order_id: str
    status: OrderStatus
    amount: int
    currency: str
    lines: tuple[OrderLine, ...]
    token_hash: str
    email_enc: str
    name_enc: str
    created_at: str
    updated_at: str
    payment_intent_id: str | None = None
    fulfillment_id: str | None = None
    tickets: tuple[Ticket, ...] = ()
    flags: dict[str, Any] = field(default_factory=dict)
    tickets_canceled_at: str | None = None


def payment_idempotency_key(order_id: str) -> str:
    """Stripe idempotency key for an order's PaymentIntent."""
    return f"tth-order-{order_id}-payment-intent"


def refund_idempotency_key(order_id: str) -> str:
    """Stripe idempotency key for an order's full refund (a retry can never refund twice)."""
    return f"tth-order-{order_id}-refund"

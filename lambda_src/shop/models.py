"""Typed models: the catalog, the order state machine, the order record and the public API shapes.

Public API models use the camelCase field names of docs/contracts.md directly, so that the
OpenAPI document and the JSON on the wire are the same words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "ALLOWED_TRANSITIONS",
    "MAX_LINE_ITEMS",
    "SETTLED_STATES",
    "UNSETTLED_PAID_STATES",
    "CatalogItem",
    "CatalogItemView",
    "Customer",
    "FulfillmentResult",
    "NewOrderRequest",
    "Order",
    "OrderCreated",
    "OrderItemRequest",
    "OrderLine",
    "OrderLineView",
    "OrderStatus",
    "OrderView",
    "PublicConfig",
    "Ticket",
    "TicketView",
]

MAX_LINE_ITEMS = 20
MAX_QUANTITY = 100
MAX_ORDER_AMOUNT = 99_999_999  # Stripe's upper bound for most currencies (minor units)

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
_SKU_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


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


# --------------------------------------------------------------------------- catalog


class CatalogItem(BaseModel):
    """One entry of the SSM ``/catalog`` parameter (amounts in minor units)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: str = Field(pattern=_SKU_RE)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    unit_amount: int = Field(gt=0, le=MAX_ORDER_AMOUNT)
    max_per_order: int = Field(default=10, ge=1, le=MAX_QUANTITY)


# --------------------------------------------------------------------------- request models


# Each rule below is also the field's ``pattern`` in docs/openapi.yaml, so that a schema-valid
# request is an accepted one (tests/unit/lambda/test_bad_input.py holds them together).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})  # control characters; lone surrogates (not text)


def _check_email(value: str) -> str:
    # Taken as sent: the site trims, and an address with spaces around it is a client bug. The
    # 64-character local part is RFC 5321's, which the spec's ``format: email`` carries.
    if len(value) > 254 or len(value.split("@", 1)[0]) > 64 or not _EMAIL_RE.fullmatch(value):
        raise ValueError("must be a valid email address")
    return value


def _check_name(value: str) -> str:
    # Controls first: some (tab, U+0085) are also whitespace and would vanish in the normalising.
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value):
        raise ValueError("must not contain control characters")
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be empty")
    return value


class OrderItemRequest(BaseModel):
    """A requested line: SKU and quantity only; prices are never accepted from the client."""

    model_config = ConfigDict(extra="forbid", strict=False)

    sku: str = Field(min_length=1, max_length=64, pattern=_SKU_RE)
    quantity: int = Field(ge=1, le=MAX_QUANTITY, strict=True)


class Customer(BaseModel):
    """The only PII we keep: what the fulfillment partner needs."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_check_email)]
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_check_name)]


class NewOrderRequest(BaseModel):
    """Body of ``POST /api/orders``."""

    model_config = ConfigDict(extra="forbid")

    items: list[OrderItemRequest] = Field(min_length=1, max_length=MAX_LINE_ITEMS)
    customer: Customer


# --------------------------------------------------------------------------- response models


class CatalogItemView(BaseModel):
    """A catalog entry as the site sees it."""

    sku: str
    name: str
    description: str
    unitAmount: int
    maxPerOrder: int


class PublicConfig(BaseModel):
    """Body of ``GET /api/config``."""

    publishableKey: str
    currency: str
    catalog: list[CatalogItemView]


class OrderCreated(BaseModel):
    """Body of ``201 POST /api/orders``."""

    orderId: str
    orderToken: str
    clientSecret: str
    amount: int
    currency: str
    status: OrderStatus


class OrderLineView(BaseModel):
    """An order line as returned to the customer."""

    sku: str
    name: str
    quantity: int
    unitAmount: int


class TicketView(BaseModel):
    """A ticket reference issued by the fulfillment partner."""

    reference: str
    sku: str


class OrderView(BaseModel):
    """Body of ``GET /api/orders/{orderId}``."""

    orderId: str
    status: OrderStatus
    amount: int
    currency: str
    items: list[OrderLineView]
    tickets: list[TicketView]
    createdAt: str
    updatedAt: str


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

    def to_view(self) -> OrderView:
        """Return the customer-facing view (tickets only once fulfilled)."""
        tickets = self.tickets if self.status == OrderStatus.FULFILLED else ()
        return OrderView(
            orderId=self.order_id,
            status=self.status,
            amount=self.amount,
            currency=self.currency,
            items=[
                OrderLineView(sku=ln.sku, name=ln.name, quantity=ln.quantity, unitAmount=ln.unit_amount)
                for ln in self.lines
            ],
            tickets=[TicketView(reference=t.reference, sku=t.sku) for t in tickets],
            createdAt=self.created_at,
            updatedAt=self.updated_at,
        )

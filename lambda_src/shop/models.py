"""Typed models: the catalog and the public API shapes (pydantic); the state machine and the order
record are in :mod:`shop.domain`, re-exported here.

Public API models use the camelCase field names of docs/contracts.md directly, so that the
OpenAPI document and the JSON on the wire are the same words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shop.domain import (
    ALLOWED_TRANSITIONS,
    SETTLED_STATES,
    UNSETTLED_PAID_STATES,
    FulfillmentResult,
    Order,
    OrderLine,
    OrderStatus,
    Ticket,
    sources_of,
)

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
    "order_view",
    "sources_of",
]

MAX_LINE_ITEMS = 20
MAX_QUANTITY = 100
MAX_ORDER_AMOUNT = 99_999_999  # Stripe's upper bound for most currencies (minor units)

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
_SKU_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


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


def order_view(order: Order) -> OrderView:
    """Return the customer-facing view (tickets only once fulfilled)."""
    tickets = order.tickets if order.status == OrderStatus.FULFILLED else ()
    return OrderView(
        orderId=order.order_id,
        status=order.status,
        amount=order.amount,
        currency=order.currency,
        items=[
            OrderLineView(sku=ln.sku, name=ln.name, quantity=ln.quantity, unitAmount=ln.unit_amount)
            for ln in order.lines
        ],
        tickets=[TicketView(reference=t.reference, sku=t.sku) for t in tickets],
        createdAt=order.created_at,
        updatedAt=order.updated_at,
    )

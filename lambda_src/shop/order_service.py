"""Placing and reading orders (no Lambda event or context in here).

The amount is always computed from the catalog in SSM; the client sends SKUs and quantities only.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from shop.crypto import Field, FieldCipher, hash_token, new_order_token, token_matches
from shop.domain import Order, OrderLine, OrderStatus, payment_idempotency_key, refund_idempotency_key
from shop.exceptions import NotFoundError, ShopError, ValidationError
from shop.models import MAX_ORDER_AMOUNT, OrderCreated, OrderView, order_view
from shop.repository import utc_now_iso

if TYPE_CHECKING:
    from shop.config import ShopParameters
    from shop.models import NewOrderRequest
    from shop.payments import PaymentGateway
    from shop.repository import OrderRepository

__all__ = ["get_order", "payment_idempotency_key", "place_order", "price_lines", "refund_idempotency_key"]

MIN_ORDER_AMOUNT = 50  # Stripe's minimum charge in minor units for the usual currencies


def price_lines(request: NewOrderRequest, params: ShopParameters) -> tuple[OrderLine, ...]:
    """Price the requested lines from the catalog.

    Raises
    ------
    ValidationError
        Unknown SKU, duplicate SKU, quantity above the SKU's limit, or an amount out of range.
    """
    catalog = params.catalog_by_sku()
    lines: list[OrderLine] = []
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(request.items):
        entry = catalog.get(item.sku)
        if entry is None:
            problems.append({"field": f"items[{index}].sku", "message": f"unknown sku {item.sku!r}"})
            continue
        if item.sku in seen:
            problems.append({"field": f"items[{index}].sku", "message": "each sku may appear only once"})
            continue
        seen.add(item.sku)
        if item.quantity > entry.max_per_order:
            problems.append(
                {"field": f"items[{index}].quantity", "message": f"at most {entry.max_per_order} per order"}
            )
            continue
        lines.append(OrderLine(sku=entry.sku, name=entry.name, quantity=item.quantity, unit_amount=entry.unit_amount))
    if problems:
        raise ValidationError("The order is not valid.", problems)
    total = sum(line.total for line in lines)
    if not MIN_ORDER_AMOUNT <= total <= MAX_ORDER_AMOUNT:
        raise ValidationError("The order total is out of range.", [{"field": "items", "message": "total out of range"}])
    return tuple(lines)


def place_order(
    request: NewOrderRequest,
    params: ShopParameters,
    *,
    repo: OrderRepository,
    gateway: PaymentGateway,
    pii: FieldCipher,
) -> OrderCreated:
    """Create an order (PENDING_PAYMENT) and its Stripe PaymentIntent.

    Returns
    -------
    OrderCreated
        Order id, the one-time-visible access token and the PaymentIntent client secret.

    Raises
    ------
    ValidationError
        See :func:`price_lines`.
    PaymentProviderError, RateLimitedError
        Stripe failed; the order is then marked PAYMENT_FAILED.
    """
    lines = price_lines(request, params)
    amount = sum(line.total for line in lines)
    order_id = str(uuid.uuid4())
    token = new_order_token()
    now = utc_now_iso()
    order = Order(
        order_id=order_id,
        status=OrderStatus.PENDING_PAYMENT,
        amount=amount,
        currency=params.currency,
        lines=lines,
        token_hash=hash_token(token),
        email_enc=pii.encrypt(request.customer.email, order_id=order_id, field=Field.EMAIL),
        name_enc=pii.encrypt(request.customer.name, order_id=order_id, field=Field.NAME),
        created_at=now,
        updated_at=now,
    )
    repo.create(order)
    try:
        intent = gateway.create_payment_intent(
            order_id=order_id,
            amount=amount,
            currency=params.currency,
            receipt_email=request.customer.email,
            idempotency_key=payment_idempotency_key(order_id),
        )
    except ShopError:
        repo.transition(order_id, OrderStatus.PAYMENT_FAILED, attributes={"failure_reason": "payment_intent_create"})
        raise
    repo.set_payment_intent(order_id, intent.id)
    return OrderCreated(
        orderId=order_id,
        orderToken=token,
        clientSecret=intent.client_secret,
        amount=amount,
        currency=params.currency,
        status=OrderStatus.PENDING_PAYMENT,
    )


def get_order(order_id: str, token: str | None, *, repo: OrderRepository) -> OrderView:
    """Return an order's view if ``token`` is its access token.

    Raises
    ------
    NotFoundError
        Unknown order, missing token or wrong token (indistinguishable on purpose).
    """
    order = repo.get(order_id) if _plausible_id(order_id) else None
    if not token_matches(token, order.token_hash if order else None) or order is None:
        raise NotFoundError("Order not found.")
    return order_view(order)


def _plausible_id(order_id: str) -> bool:
    try:
        uuid.UUID(order_id)
    except ValueError:
        return False
    return True

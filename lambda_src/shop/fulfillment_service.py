"""Fulfilling a paid order through a :class:`FulfillmentClient` (no Lambda event or context in here).

PAID → FULFILLING → FULFILLED, or FULFILLMENT_FAILED after a permanent rejection or after
the last allowed attempt. Redelivered messages for orders that are already past FULFILLING
are no-ops. The partner call carries ``Idempotency-Key: <order_id>`` so a retry after an
ambiguous failure cannot issue tickets twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.crypto import decrypt_field
from shop.exceptions import FulfillmentExhaustedError, FulfillmentPermanentError, FulfillmentRetryableError
from shop.fulfillment_client import FulfillmentRequest
from shop.models import OrderStatus

if TYPE_CHECKING:
    from shop.fulfillment_client import FulfillmentClient
    from shop.repository import OrderRepository

__all__ = ["backoff_seconds", "fulfil_order"]

S = OrderStatus
MAX_BACKOFF_SECONDS = 900


def backoff_seconds(attempt: int, *, base: int = 30, cap: int = MAX_BACKOFF_SECONDS) -> int:
    """Visibility timeout before the next attempt: 30 s, 60 s, 120 s, ... capped at 15 min."""
    return int(min(cap, base * 2 ** max(0, attempt - 1)))


def fulfil_order(
    order_id: str,
    *,
    attempt: int,
    max_attempts: int,
    orders: OrderRepository,
    client: FulfillmentClient,
    pii_key: bytes,
) -> str:
    """Fulfil one order; returns an outcome label.

    Raises
    ------
    FulfillmentRetryableError
        Transient failure with attempts left: the message should be retried later.
    FulfillmentExhaustedError
        Transient failure on the last attempt: the order is now FULFILLMENT_FAILED.
    """
    order = orders.get(order_id)
    if order is None:
        return "order_not_found"
    if order.status == S.FULFILLED:
        return "already_fulfilled"
    if order.status == S.PAID:
        orders.transition(order_id, S.FULFILLING, allowed_from={S.PAID})
        order = orders.get(order_id)
    if order is None or order.status != S.FULFILLING:
        return "ignored_state"

    request = FulfillmentRequest(
        order_reference=order.order_id,
        email=decrypt_field(pii_key, order.email_enc, context=order.order_id),
        name=decrypt_field(pii_key, order.name_enc, context=order.order_id),
        items=tuple((line.sku, line.quantity) for line in order.lines),
    )
    try:
        result = client.create_ticket_order(request, idempotency_key=order.order_id)
    except FulfillmentPermanentError as exc:
        orders.transition(
            order_id, S.FULFILLMENT_FAILED, allowed_from={S.FULFILLING}, attributes={"failure_reason": exc.message}
        )
        return "failed_permanent"
    except FulfillmentRetryableError as exc:
        if attempt < max_attempts:
            raise
        orders.transition(
            order_id,
            S.FULFILLMENT_FAILED,
            allowed_from={S.FULFILLING},
            attributes={"failure_reason": f"gave up after {attempt} attempts: {exc.message}"},
        )
        raise FulfillmentExhaustedError(f"gave up after {attempt} attempts") from exc
    applied = orders.transition(
        order_id,
        S.FULFILLED,
        allowed_from={S.FULFILLING},
        attributes={
            "fulfillment_id": result.fulfillment_id,
            "tickets": [{"reference": t.reference, "sku": t.sku} for t in result.tickets],
        },
    )
    return "fulfilled" if applied else "ignored_state"

"""Fulfilling a paid order, or refunding it when fulfillment fails for good (no Lambda event or context).

PAID → FULFILLING → FULFILLED. When the partner rejects the order, or retryable failures use up
the last attempt, the order is refunded automatically (FULFILLING → REFUNDING → REFUNDED, Stripe
idempotency key from the order id) or, with auto-refund off, parked for review
(FULFILLMENT_FAILED, message to the DLQ; a redrive re-attempts it). A message for a REFUNDING
order retries the refund. The partner call carries ``Idempotency-Key: <order_id>`` so a retry
after an ambiguous failure cannot issue tickets twice; tickets that arrive after a refund won the
race are stored and flagged, never thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop.crypto import Field, FieldCipher
from shop.domain import OrderStatus, refund_idempotency_key
from shop.exceptions import (
    FulfillmentPermanentError,
    FulfillmentRetryableError,
    PaymentProviderError,
    PaymentRejectedError,
    RateLimitedError,
)
from shop.fulfillment_client import MAX_RETRY_AFTER_SECONDS, FulfillmentRequest
from shop.outcomes import Outcome
from shop.repository import utc_now_iso

if TYPE_CHECKING:
    from collections.abc import Callable

    from shop.domain import FulfillmentResult, Order
    from shop.fulfillment_client import FulfillmentClient
    from shop.payments import PaymentGateway
    from shop.repository import OrderRepository

__all__ = ["FailurePolicy", "backoff_seconds", "cancel_tickets", "fulfil_order", "refund_order"]

S = OrderStatus
MAX_BACKOFF_SECONDS = MAX_RETRY_AFTER_SECONDS
#: A refund of these orders has started or happened: tickets that arrive now are flagged.
_REFUND_STATES = frozenset({S.REFUNDING, S.REFUNDED, S.REFUND_FAILED})


def backoff_seconds(attempt: int, *, base: int = 30, cap: int = MAX_BACKOFF_SECONDS) -> int:
    """Visibility timeout before the next attempt: 30 s, 60 s, 120 s, ... capped at 15 min."""
    return int(min(cap, base * 2 ** max(0, attempt - 1)))


@dataclass(frozen=True, slots=True)
class FailurePolicy:
    """What happens when fulfillment fails for good.

    Parameters
    ----------
    auto_refund:
        Refund at once (``auto_refund_failed_fulfillment``); otherwise park the order for review.
    gateway:
        Called lazily for the :class:`PaymentGateway` that refunds.
    park:
        ``park(order_id, reason)`` puts the order's message in the DLQ for a later redrive.
    """

    auto_refund: bool
    gateway: Callable[[], PaymentGateway]
    park: Callable[[str, str], None]


def refund_order(order: Order, *, orders: OrderRepository, gateway: Callable[[], PaymentGateway]) -> Outcome:
    """Refund a REFUNDING order in full: REFUNDED, or REFUND_FAILED when Stripe refuses for good.

    Raises
    ------
    FulfillmentRetryableError
        Stripe is unavailable or rate-limited: the order stays REFUNDING and the message is retried.
    """
    reason: str
    if not order.payment_intent_id:
        reason = "no PaymentIntent on the order"
    else:
        try:
            refund = gateway().refund_payment(
                order.payment_intent_id,
                order_id=order.order_id,
                idempotency_key=refund_idempotency_key(order.order_id),
            )
        except PaymentRejectedError as exc:
            reason = exc.message
        except (PaymentProviderError, RateLimitedError) as exc:
            raise FulfillmentRetryableError(f"refund not confirmed yet: {exc.message}") from exc
        else:
            if refund.status in ("succeeded", "pending"):
                orders.transition(
                    order.order_id,
                    S.REFUNDED,
                    allowed_from={S.REFUNDING},
                    attributes={"refund_id": refund.id, "refund_status": refund.status, "refunded_at": utc_now_iso()},
                )
                return Outcome.REFUNDED_AFTER_FAILURE
            reason = f"refund {refund.status or 'without status'}"
    orders.transition(
        order.order_id, S.REFUND_FAILED, allowed_from={S.REFUNDING}, attributes={"refund_failure_reason": reason}
    )
    return Outcome.REFUND_FAILED


def _give_up(order: Order, reason: str, *, orders: OrderRepository, policy: FailurePolicy) -> Outcome:
    if policy.auto_refund:
        orders.transition(
            order.order_id, S.REFUNDING, allowed_from={S.FULFILLING}, attributes={"failure_reason": reason}
        )
        current = orders.get(order.order_id)
        if current is None or current.status != S.REFUNDING:
            return Outcome.IGNORED_STATE  # a refund webhook or another worker got there first
        return refund_order(current, orders=orders, gateway=policy.gateway)
    orders.transition(
        order.order_id, S.FULFILLMENT_FAILED, allowed_from={S.FULFILLING}, attributes={"failure_reason": reason}
    )
    policy.park(order.order_id, reason)
    return Outcome.FULFILLMENT_FAILED


def cancel_tickets(
    order_id: str, fulfillment_id: str, *, orders: OrderRepository, client: FulfillmentClient
) -> Outcome:
    """Cancel a refunded order's tickets at the partner (idempotent per order id).

    Raises
    ------
    FulfillmentRetryableError
        The partner may recover: the message is retried.
    """
    try:
        client.cancel_ticket_order(fulfillment_id, idempotency_key=order_id)
    except FulfillmentPermanentError as exc:
        orders.set_attributes(order_id, {"tickets_cancel_failed": exc.message})
        return Outcome.TICKETS_CANCEL_FAILED
    orders.set_attributes(order_id, {"tickets_canceled_at": utc_now_iso()})
    return Outcome.TICKETS_CANCELED


def _store_result(
    order_id: str, result: FulfillmentResult, *, orders: OrderRepository, client: FulfillmentClient
) -> Outcome:
    attributes = {
        "fulfillment_id": result.fulfillment_id,
        "tickets": [{"reference": t.reference, "sku": t.sku} for t in result.tickets],
    }
    if orders.transition(order_id, S.FULFILLED, allowed_from={S.FULFILLING}, attributes=attributes):
        return Outcome.FULFILLED
    current = orders.get(order_id)
    if current is not None and current.status in _REFUND_STATES:
        # A refund won the race while the partner issued the tickets: keep their ids, cancel them.
        orders.set_attributes(order_id, {**attributes, "tickets_issued_after_refund": True})
        outcome = cancel_tickets(order_id, result.fulfillment_id, orders=orders, client=client)
        return Outcome.TICKETS_AFTER_REFUND if outcome is Outcome.TICKETS_CANCELED else outcome
    return Outcome.IGNORED_STATE


def fulfil_order(
    order_id: str,
    *,
    attempt: int,
    max_attempts: int,
    orders: OrderRepository,
    client: FulfillmentClient,
    pii: FieldCipher,
    policy: FailurePolicy,
) -> Outcome:
    """Fulfil one order (or finish its refund); returns the outcome.

    Raises
    ------
    FulfillmentRetryableError
        Transient failure with attempts left, or a refund Stripe has not confirmed yet: retry later.
    """
    order = orders.get(order_id)
    if order is None:
        return Outcome.ORDER_NOT_FOUND
    if order.status == S.FULFILLED:
        return Outcome.ALREADY_FULFILLED
    if order.status == S.REFUNDING:
        return refund_order(order, orders=orders, gateway=policy.gateway)
    if order.status == S.REFUNDED and order.fulfillment_id and not order.tickets_canceled_at:
        return cancel_tickets(order_id, order.fulfillment_id, orders=orders, client=client)
    if order.status in (S.PAID, S.FULFILLMENT_FAILED):  # FULFILLMENT_FAILED: a redrive re-attempts
        orders.transition(order_id, S.FULFILLING, allowed_from={S.PAID, S.FULFILLMENT_FAILED})
        order = orders.get(order_id)
    if order is None or order.status != S.FULFILLING:
        return Outcome.IGNORED_STATE

    request = FulfillmentRequest(
        order_reference=order.order_id,
        email=pii.decrypt(order.email_enc, order_id=order.order_id, field=Field.EMAIL),
        name=pii.decrypt(order.name_enc, order_id=order.order_id, field=Field.NAME),
        items=tuple((line.sku, line.quantity) for line in order.lines),
    )
    try:
        result = client.create_ticket_order(request, idempotency_key=order.order_id)
    except FulfillmentPermanentError as exc:
        return _give_up(order, exc.message, orders=orders, policy=policy)
    except FulfillmentRetryableError as exc:
        if attempt < max_attempts:
            raise
        return _give_up(order, f"gave up after {attempt} attempts: {exc.message}", orders=orders, policy=policy)
    return _store_result(order_id, result, orders=orders, client=client)

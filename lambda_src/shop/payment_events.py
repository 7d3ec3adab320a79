"""Applying verified Stripe events to orders (no Lambda event or context in here).

Events arrive at least once and in any order. Each handler moves the order with a
conditional write only; replays and out-of-order events do not apply and are reported
as such. ``payment_intent.succeeded`` enqueues exactly one fulfillment message when it
moves the order to PAID (and again only if a redelivery finds the order still PAID,
which repairs a lost enqueue; fulfillment is idempotent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from shop.domain import OrderStatus
from shop.exceptions import EventInProgressError, ShopError
from shop.outcomes import Outcome
from shop.repository import ClaimState, utc_now_iso

if TYPE_CHECKING:
    from collections.abc import Callable

    from shop.payments import PaymentGateway
    from shop.repository import EventRepository, OrderRepository

__all__ = [
    "HANDLED_EVENT_TYPES",
    "EventContext",
    "EventReleaseError",
    "apply_payment",
    "handle_event",
    "process_event",
]

S = OrderStatus
#: PII dropped when an unpaid order is canceled: nothing will be fulfilled for it.
PII_ATTRIBUTES = ("email_enc", "name_enc")


class EventReleaseError(ShopError):
    """Processing failed and the claim could not be released (Stripe's retry waits for the lease)."""


class EventContext:
    """Collaborators of the event handlers.

    Parameters
    ----------
    orders:
        Order repository.
    enqueue_fulfillment:
        Sends ``{"order_id": ...}`` to the fulfillment queue.
    gateway:
        Called lazily to get a :class:`PaymentGateway`; only needed to resolve the order of a
        charge or dispute whose metadata lacks ``order_id``.
    """

    def __init__(
        self,
        orders: OrderRepository,
        enqueue_fulfillment: Callable[[str], None],
        gateway: Callable[[], PaymentGateway],
    ) -> None:
        self.orders = orders
        self.enqueue_fulfillment = enqueue_fulfillment
        self.gateway = gateway
        self.order_id: str | None = None  # set once the event is resolved to an order (for logs)


def _object(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) else {}


def _metadata_order_id(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata")
    value = metadata.get("order_id") if isinstance(metadata, dict) else None
    return str(value) if value else None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _payment_intent_id(obj: dict[str, Any]) -> str | None:
    value = obj.get("payment_intent")
    if isinstance(value, dict):  # expanded object
        value = value.get("id")
    return str(value) if value else None


def _resolve_order_id(obj: dict[str, Any], ctx: EventContext) -> str | None:
    order_id = _metadata_order_id(obj)
    if not order_id:
        pi_id = _payment_intent_id(obj)
        order_id = ctx.gateway().order_id_for_payment_intent(pi_id) if pi_id else None
    ctx.order_id = order_id
    return order_id


class PayableOrder(Protocol):
    """What applying a payment reads of an order (a stored ``Order`` or the sweeper's summary)."""

    @property
    def order_id(self) -> str: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def payment_intent_id(self) -> str | None: ...


def on_payment_succeeded(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """PENDING_PAYMENT/PAYMENT_FAILED → PAID (+ one fulfillment message), or NEEDS_REVIEW on mismatch."""
    order_id = ctx.order_id = _metadata_order_id(obj)
    order = ctx.orders.get(order_id) if order_id else None
    if order is None:
        return Outcome.ORDER_NOT_FOUND
    return apply_payment(order, obj, ctx)


def apply_payment(order: PayableOrder, obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """A succeeded PaymentIntent ``obj`` applied to its order (the webhook's path and the sweeper's)."""
    if order.status == S.PAID:
        ctx.enqueue_fulfillment(order.order_id)  # redelivery after a lost enqueue; fulfillment is idempotent
        return Outcome.ALREADY_PAID
    if order.status not in (S.PENDING_PAYMENT, S.PAYMENT_FAILED):
        return Outcome.IGNORED_STATE
    # 0 received is a real answer (not "field missing"): only old API versions lack amount_received.
    received = _as_int(obj.get("amount_received"))
    amount = received if received is not None else _as_int(obj.get("amount"))
    currency = str(obj.get("currency") or "").lower()
    pi_id = str(obj.get("id") or "")
    if amount != order.amount or currency != order.currency or (order.payment_intent_id not in (None, pi_id)):
        ctx.orders.transition(
            order.order_id,
            S.NEEDS_REVIEW,
            allowed_from={S.PENDING_PAYMENT, S.PAYMENT_FAILED},
            attributes={
                "review_reason": "payment_mismatch",
                "paid_amount": amount if amount is not None else -1,
                "paid_currency": currency,
                "paid_payment_intent_id": pi_id,
            },
        )
        return Outcome.AMOUNT_MISMATCH
    if ctx.orders.transition(
        order.order_id,
        S.PAID,
        allowed_from={S.PENDING_PAYMENT, S.PAYMENT_FAILED},
        attributes={"paid_at": utc_now_iso()},
    ):
        ctx.enqueue_fulfillment(order.order_id)
        return Outcome.PAID
    return Outcome.IGNORED_STATE  # lost a race with a concurrent delivery


def on_payment_failed(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """PENDING_PAYMENT → PAYMENT_FAILED; ignored once the order is paid (out of order)."""
    order_id = ctx.order_id = _metadata_order_id(obj)
    if not order_id:
        return Outcome.ORDER_NOT_FOUND
    applied = ctx.orders.transition(
        order_id,
        S.PAYMENT_FAILED,
        allowed_from={S.PENDING_PAYMENT},
        attributes={"failure_reason": _decline_code(obj)},
    )
    return Outcome.PAYMENT_FAILED if applied else Outcome.IGNORED_STATE


def on_payment_canceled(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """PENDING_PAYMENT/PAYMENT_FAILED → CANCELED, dropping the PII (nothing will be fulfilled)."""
    order_id = ctx.order_id = _metadata_order_id(obj)
    if not order_id:
        return Outcome.ORDER_NOT_FOUND
    applied = ctx.orders.transition(
        order_id,
        S.CANCELED,
        allowed_from={S.PENDING_PAYMENT, S.PAYMENT_FAILED},
        attributes={"canceled_at": utc_now_iso(), "cancellation_reason": str(obj.get("cancellation_reason") or "")},
        remove=PII_ATTRIBUTES,
    )
    return Outcome.PAYMENT_CANCELED if applied else Outcome.IGNORED_STATE


def _decline_code(obj: dict[str, Any]) -> str:
    error = obj.get("last_payment_error")
    if isinstance(error, dict):
        return str(error.get("decline_code") or error.get("code") or "payment_failed")
    return "payment_failed"


def on_charge_refunded(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """Full refund → REFUNDED (from any state that allows it; issued tickets get canceled); partial → flag."""
    order_id = _resolve_order_id(obj, ctx)
    if not order_id:
        return Outcome.ORDER_NOT_FOUND
    amount = _as_int(obj.get("amount"))
    refunded_amount = _as_int(obj.get("amount_refunded")) or 0
    fully = obj.get("refunded") is True or (amount is not None and refunded_amount >= amount > 0)
    if fully:
        before = ctx.orders.get(order_id)
        applied = ctx.orders.transition(order_id, S.REFUNDED, attributes={"refunded_at": utc_now_iso()})
        if applied and before is not None and before.fulfillment_id:
            ctx.enqueue_fulfillment(order_id)  # the worker cancels the issued tickets at the partner
        return Outcome.REFUNDED if applied else Outcome.IGNORED_STATE
    return (
        Outcome.PARTIALLY_REFUNDED
        if ctx.orders.set_flag(order_id, "partially_refunded", refunded_amount)
        else Outcome.ORDER_NOT_FOUND
    )


def on_refund_updated(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """A refund that failed (``refund.failed``, or ``charge.refund.updated`` with status ``failed``).

    REFUNDING/REFUNDED → REFUND_FAILED: the customer's money did not come back; alarmed.
    Other refund updates (pending → succeeded) change nothing.
    """
    if obj.get("status") != "failed":
        return Outcome.IGNORED_STATE
    order_id = _resolve_order_id(obj, ctx)
    if not order_id:
        return Outcome.ORDER_NOT_FOUND
    ctx.orders.transition(
        order_id,
        S.REFUND_FAILED,
        attributes={
            "refund_id": str(obj.get("id") or ""),
            "refund_failure_reason": str(obj.get("failure_reason") or ""),
        },
    )
    # Counted even when the order was not in a refund state: a failed refund is always worth a look.
    return Outcome.REFUND_FAILED


def on_dispute_created(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """Flag the order as disputed (``flags.disputed``); the state is unchanged."""
    order_id = _resolve_order_id(obj, ctx)
    if not order_id:
        return Outcome.ORDER_NOT_FOUND
    flag = {"dispute_id": str(obj.get("id") or ""), "reason": str(obj.get("reason") or ""), "at": utc_now_iso()}
    return Outcome.DISPUTED if ctx.orders.set_flag(order_id, "disputed", flag) else Outcome.ORDER_NOT_FOUND


def on_dispute_closed(obj: dict[str, Any], ctx: EventContext) -> Outcome:
    """Record how a dispute ended (``flags.dispute_closed``); a lost dispute is counted and alarmed."""
    order_id = _resolve_order_id(obj, ctx)
    if not order_id:
        return Outcome.ORDER_NOT_FOUND
    status = str(obj.get("status") or "")
    flag = {"dispute_id": str(obj.get("id") or ""), "status": status, "at": utc_now_iso()}
    if not ctx.orders.set_flag(order_id, "dispute_closed", flag):
        return Outcome.ORDER_NOT_FOUND
    return Outcome.DISPUTE_LOST if status == "lost" else Outcome.DISPUTE_CLOSED


HANDLED_EVENT_TYPES: dict[str, Callable[[dict[str, Any], EventContext], Outcome]] = {
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
    "charge.dispute.closed": on_dispute_closed,
    "payment_intent.canceled": on_payment_canceled,
    "charge.refund.updated": on_refund_updated,
    "refund.failed": on_refund_updated,
    "refund.updated": on_refund_updated,
}


def handle_event(event: dict[str, Any], ctx: EventContext) -> Outcome:
    """Dispatch a verified event by type; unknown types are ignored."""
    handler = HANDLED_EVENT_TYPES.get(str(event.get("type")))
    if handler is None:
        return Outcome.IGNORED_TYPE
    return handler(_object(event), ctx)


def process_event(event: dict[str, Any], ctx: EventContext, events: EventRepository) -> Outcome:
    """Apply a verified event once, per Stripe's at-least-once delivery.

    Claim the event id; apply it; mark it done. A failure releases the claim so Stripe's retry is
    processed; a delivery that finds the event being processed elsewhere raises, so that it gets
    a non-2xx and Stripe tries again later (if the first delivery then fails, the event is not lost).

    Raises
    ------
    EventInProgressError
        Another delivery holds a live claim on this event.
    EventReleaseError
        Processing failed and the claim could not be released (chained to both errors); Stripe's
        retry is processed once the lease expires.
    """
    event_type = str(event.get("type"))
    if event_type not in HANDLED_EVENT_TYPES:
        return Outcome.IGNORED_TYPE
    claim = events.claim(str(event["id"]), event_type)
    if claim.state is ClaimState.DONE:
        return Outcome.DUPLICATE
    if claim.state is ClaimState.IN_PROGRESS:
        raise EventInProgressError("This event is being processed by another delivery; retry later.")
    try:
        outcome = handle_event(event, ctx)
        events.complete(claim, outcome)
    except Exception:
        # Handlers are replay-safe (conditional writes), so a retry after a failed ``complete`` is harmless.
        try:
            events.release(claim)
        except Exception as release_error:
            raise EventReleaseError("processing failed and the event claim could not be released") from release_error
        raise
    return outcome

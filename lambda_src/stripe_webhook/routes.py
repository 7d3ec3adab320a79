"""``POST /api/webhooks/stripe``: verify, record once, apply, answer fast."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from shop.api import raw_body
from shop.exceptions import InvalidSignatureError
from shop.payment_events import HANDLED_EVENT_TYPES, EventContext, handle_event
from shop.payments import verify_webhook
from stripe_webhook import deps

__all__ = ["router"]

router = APIGatewayRouter()

_OUTCOME_METRICS = {
    "paid": "PaymentsSucceeded",
    "payment_failed": "PaymentsFailed",
    "amount_mismatch": "PaymentAmountMismatch",
    "refunded": "OrdersRefunded",
    "partially_refunded": "OrdersPartiallyRefunded",
    "disputed": "PaymentsDisputed",
    "order_not_found": "WebhookOrderNotFound",
}


@router.post("/webhooks/stripe", summary="Stripe webhook endpoint")
def stripe_webhook() -> dict[str, bool]:
    """Verify ``Stripe-Signature`` over the raw body, then apply the event once."""
    body = raw_body(router.current_event.raw_event)
    signature = router.current_event.headers.get("Stripe-Signature")
    try:
        event = verify_webhook(body, signature, deps.signing_secret())
    except InvalidSignatureError:
        deps.metrics.add_metric(name="WebhookSignatureInvalid", unit=MetricUnit.Count, value=1)
        deps.logger.warning("webhook rejected: bad signature", extra={"has_signature": bool(signature)})
        raise
    event_id, event_type = event["id"], event["type"]
    deps.logger.append_keys(event_id=event_id, event_type=event_type)
    if event_type not in HANDLED_EVENT_TYPES:
        deps.logger.info("webhook ignored: event type not handled")
        return {"received": True}
    if not deps.event_repository.claim(event_id, event_type):
        deps.logger.info("webhook ignored: event already processed")
        deps.metrics.add_metric(name="WebhookDuplicate", unit=MetricUnit.Count, value=1)
        return {"received": True}
    ctx = EventContext(deps.order_repository, deps.enqueue_fulfillment, deps.payment_gateway)
    try:
        outcome = handle_event(event, ctx)
    except Exception:
        deps.event_repository.release(event_id)  # let Stripe's redelivery try again
        raise
    deps.event_repository.complete(event_id, outcome)
    if ctx.order_id:
        deps.logger.append_keys(order_id=ctx.order_id)
    deps.logger.info("webhook processed", extra={"outcome": outcome})
    if outcome in _OUTCOME_METRICS:
        deps.metrics.add_metric(name=_OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
    return {"received": True}

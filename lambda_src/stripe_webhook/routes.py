"""``POST /api/webhooks/stripe``: verify, then apply once (``shop.payment_events.process_event``)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shop.api import raw_body
from shop.exceptions import InvalidSignatureError
from shop.outcomes import Outcome, count, record_outcome
from shop.payment_events import EventContext, EventReleaseError, process_event
from shop.payments import verify_webhook
from stripe_webhook import deps

__all__ = ["router"]

router = APIGatewayRouter()

_LOG_LINES = {
    Outcome.DUPLICATE: "webhook ignored: event already processed",
    Outcome.IGNORED_TYPE: "webhook ignored: event type not handled",
}


@router.post("/webhooks/stripe", summary="Stripe webhook endpoint")
def stripe_webhook() -> dict[str, bool]:
    """Verify ``Stripe-Signature`` over the raw body, then apply the event once."""
    body = raw_body(router.current_event.raw_event)
    signature = router.current_event.headers.get("Stripe-Signature")
    try:
        event = verify_webhook(body, signature, deps.signing_secret())
    except InvalidSignatureError:
        count(deps.metrics, "WebhookSignatureInvalid")
        deps.logger.warning("webhook rejected: bad signature", extra={"has_signature": bool(signature)})
        raise
    deps.logger.append_keys(event_id=event["id"], event_type=event["type"])
    ctx = EventContext(deps.order_repository, deps.enqueue_fulfillment, deps.payment_gateway)
    try:
        outcome = process_event(event, ctx, deps.event_repository)
    except EventReleaseError:
        count(deps.metrics, "WebhookReleaseFailed")
        raise
    finally:
        if ctx.order_id:
            deps.logger.append_keys(order_id=ctx.order_id)
    deps.logger.info(_LOG_LINES.get(outcome, "webhook processed"), extra={"outcome": outcome})
    record_outcome(deps.metrics, outcome)
    return {"received": True}

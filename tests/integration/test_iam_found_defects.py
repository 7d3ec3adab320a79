"""Paths that only work when the function's role allows what its code calls (found by enforcement, issue 10).

- the webhook releases a claim whose processing failed (``DeleteItem`` on the events table), so
  Stripe's redelivery is processed instead of being answered as a duplicate;
- the fulfillment function sets its retry backoff (``ChangeMessageVisibility``) with the queue URL
  derived from the record's ARN, with no extra call.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from werkzeug import Response

from harness import fakes
from harness.customer import Shop, new_event_id, wait_until

if TYPE_CHECKING:
    from harness.iam.recorder import CallLog
    from harness.stack import Stack


def test_failed_webhook_is_released_for_stripes_redelivery(stack: Stack, shop: Shop) -> None:
    # Given a signed charge event whose PaymentIntent Stripe cannot find, so processing fails
    event = {
        "id": new_event_id(),
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {"object": {"id": "ch_unknown", "object": "charge", "payment_intent": "pi_does_not_exist"}},
    }

    # When Stripe delivers it, and delivers it again
    first = shop.send_webhook(event)
    again = shop.send_webhook(event)

    # Then both deliveries are processed and fail (Stripe keeps retrying), none is taken for a
    # duplicate, and no claim is left behind
    assert first.status_code == 502, first.text
    assert again.status_code == 502, again.text
    claim = stack.client("dynamodb").get_item(
        TableName=stack.outputs["events_table_name"], Key={"event_id": {"S": event["id"]}}, ConsistentRead=True
    )
    assert "Item" not in claim
    webhook = stack.outputs["function_names"]["stripe_webhook"]
    assert stack.function_log(webhook).count("webhook ignored: event already processed") == 0


def test_fulfillment_backoff_changes_the_message_visibility(
    stack: Stack, shop: Shop, partner: Any, calls: CallLog
) -> None:
    # Given a partner that fails once, then issues tickets
    partner.expect_ordered_request("/v1/ticket-orders", method="POST").respond_with_response(
        Response("upstream broke", status=500)
    )
    partner.expect_ordered_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)
    mark = calls.mark()

    # When an order is paid and the first fulfillment attempt fails
    order = shop.place_order(quantity=1)
    assert shop.pay(order).status_code == 200
    fulfillment = stack.outputs["function_names"]["fulfillment"]
    wait_until(lambda: "fulfillment will be retried" in stack.function_log(fulfillment), what="a retry log line")

    # Then the function itself changed the message's visibility on the fulfillment queue, allowed
    queue_arn = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["fulfillment_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    own = [c for c in calls.since(mark) if c["function"] == fulfillment and c["caller"] == "function"]
    backoff = [c for c in own if c["operation"] == "ChangeMessageVisibility"]
    assert backoff and all(c["decision"] == "allow" and c["resources"] == [queue_arn] for c in backoff), backoff
    assert not [c for c in own if c["operation"] == "GetQueueUrl"]

    # And the retry after the backoff fulfils the order
    wait_until(lambda: stack.poller.fast_forward() or len(partner.log) >= 2, what="the retry")
    shop.wait_for_status(order, "FULFILLED")

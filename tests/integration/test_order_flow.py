"""Whole orders through the deployed stack: API → Stripe (localstripe) → webhook → SQS → partner → FULFILLED."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from werkzeug import Response

from harness import fakes
from harness.customer import CARD_DECLINED, Shop, new_event_id, wait_until

if TYPE_CHECKING:
    from harness.stack import Stack


def partner_requests(partner: Any) -> list[Any]:
    return [request for request, _ in partner.log if request.path == "/v1/ticket-orders"]


def a_fulfilled_order(shop: Shop, partner: Any) -> tuple[dict[str, Any], str]:
    """Place, pay and fulfil a one-ticket order; return it and its PaymentIntent id."""
    fakes.serve_partner(partner)
    order = shop.place_order(quantity=1)
    assert shop.pay(order).status_code == 200
    shop.wait_for_status(order, "FULFILLED")
    return order, order["clientSecret"].split("_secret_")[0]


def test_order_is_paid_and_fulfilled_end_to_end(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given a partner that issues tickets
    partner.expect_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)

    # When a customer orders two tickets and pays with a test card
    order = shop.place_order(quantity=2)
    payment_intent_id = order["clientSecret"].split("_secret_")[0]
    intent = stack.stripe.payment_intent(payment_intent_id)
    assert intent["amount"] == order["amount"] == 2 * shop.config()["catalog"][0]["unitAmount"]
    assert intent["metadata"]["order_id"] == order["orderId"]
    paid = shop.pay(order)
    assert paid.status_code == 200, paid.text

    # Then localstripe's signed webhook makes it PAID, and SQS → fulfillment makes it FULFILLED
    done = shop.wait_for_status(order, "FULFILLED", timeout=60)
    assert [t["reference"] for t in done["tickets"]] and len(done["tickets"]) == 2

    # And the partner got one authenticated, idempotent request with the order
    [request] = partner_requests(partner)
    assert request.headers["Authorization"] == f"Bearer {stack.secrets.fulfillment_api_key}"
    assert request.headers["Idempotency-Key"] == order["orderId"]
    body = request.get_json()
    assert body["customer"]["email"] == "ada@example.com"
    assert body["items"][0]["quantity"] == 2

    # And the record holds Stripe ids and encrypted PII only; the event is recorded once
    record = shop.order_record(order["orderId"])
    assert record["status"]["S"] == "FULFILLED"
    assert "ada@example.com" not in json.dumps(record)
    assert order["orderToken"] not in json.dumps(record)
    [succeeded] = shop.stripe_events(payment_intent_id, "payment_intent.succeeded")
    events = stack.client("dynamodb").get_item(
        TableName=stack.outputs["events_table_name"], Key={"event_id": {"S": succeeded["id"]}}
    )
    assert "Item" in events

    # And both queues are empty
    sqs = stack.client("sqs")
    for url in (stack.outputs["fulfillment_queue_url"], stack.outputs["fulfillment_dlq_url"]):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0", url

    # And the logs carry the order id but never the email, the token or a secret
    logs = "".join(stack.function_log(name) for name in stack.outputs["function_names"].values())
    assert order["orderId"] in logs
    for secret in (
        "ada@example.com",
        order["orderToken"],
        stack.secrets.stripe_secret_key,
        stack.secrets.stripe_webhook_secret,
        stack.secrets.fulfillment_api_key,
    ):
        assert secret not in logs

    # And the order cannot be read without its token
    assert shop.get_order(order, token="not-the-token").status_code == 404
    assert shop.get_order(order, token="").status_code == 404


def test_a_retried_checkout_with_its_idempotency_key_gets_the_same_order(stack: Stack, shop: Shop) -> None:
    # Given an order placed with an Idempotency-Key (the site sends one per checkout)
    sku = shop.config()["catalog"][0]["sku"]
    body = {"items": [{"sku": sku, "quantity": 1}], "customer": {"email": "ada@example.com", "name": "Ada Lovelace"}}
    headers = {"Idempotency-Key": f"retry-{time.monotonic_ns()}"}
    first = shop.api.post(f"{shop.url}/api/orders", json=body, headers=headers, timeout=30)
    assert first.status_code == 201, first.text
    # When the client retries it (a lost answer, a double click)
    again = shop.api.post(f"{shop.url}/api/orders", json=body, headers=headers, timeout=30)
    # Then it gets the same order, token included: the cached answer, KMS-decrypted by the orders function
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    # And the idempotency table holds that answer encrypted, never the token in clear
    table = stack.outputs["idempotency_table_name"]
    items = stack.client("dynamodb").scan(TableName=table)["Items"]
    assert items and first.json()["orderToken"] not in json.dumps(items)


def test_declined_card_leaves_order_unpaid(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given an order
    order = shop.place_order(quantity=1)

    # When the card is declined
    reply = shop.pay(order, card=CARD_DECLINED)

    # Then the customer sees a card error, the failure webhook marks the order, nothing is fulfilled
    assert reply.status_code == 402
    assert reply.json()["error"]["code"] == "card_declined"
    shop.wait_for_status(order, "PAYMENT_FAILED", timeout=30)
    assert partner_requests(partner) == []


def test_duplicate_webhook_delivery_fulfils_once(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given a paid, fulfilled order
    order, payment_intent_id = a_fulfilled_order(shop, partner)
    [event] = shop.stripe_events(payment_intent_id, "payment_intent.succeeded")

    # When Stripe delivers the same event twice more
    for _ in range(2):
        reply = shop.send_webhook(event)
        assert reply.status_code == 200, reply.text
    stack.poller.drain(timeout=10)

    # Then the partner was called exactly once and the order is unchanged
    assert len(partner_requests(partner)) == 1
    assert shop.wait_for_status(order, "FULFILLED")["tickets"]


def test_partner_error_is_retried_then_succeeds(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given a partner that fails once with 500, then issues tickets
    partner.expect_ordered_request("/v1/ticket-orders", method="POST").respond_with_response(
        Response("upstream broke", status=500)
    )
    partner.expect_ordered_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)

    # When an order is paid
    order = shop.place_order(quantity=1)
    assert shop.pay(order).status_code == 200
    wait_until(lambda: len(partner_requests(partner)) >= 1, what="the first partner call")

    # Then the function asked SQS for a backoff; once it passes, the retry fulfils the order
    fulfillment = stack.outputs["function_names"]["fulfillment"]
    wait_until(lambda: "fulfillment will be retried" in stack.function_log(fulfillment), what="a retry log line")
    wait_until(lambda: stack.poller.fast_forward() or len(partner_requests(partner)) >= 2, what="the retry")
    shop.wait_for_status(order, "FULFILLED")
    keys = {request.headers["Idempotency-Key"] for request in partner_requests(partner)}
    assert keys == {order["orderId"]}
    assert len(partner_requests(partner)) == 2


def test_partner_down_for_good_refunds_the_order(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given a partner that always answers 503
    partner.expect_request("/v1/ticket-orders", method="POST").respond_with_response(Response("down", status=503))
    dlq = stack.outputs["fulfillment_dlq_url"]

    # When an order is paid
    order = shop.place_order(quantity=1)
    assert shop.pay(order).status_code == 200
    payment_intent_id = order["clientSecret"].split("_secret_")[0]

    # Then after the bounded number of attempts the payment is refunded and the order says so
    def refunded() -> bool:
        stack.poller.fast_forward()
        stack.poller.drain(timeout=2)
        return shop.get_order(order).json()["status"] == "REFUNDED"

    wait_until(refunded, timeout=120, what="REFUNDED")
    attempts = len(partner_requests(partner))
    assert attempts == int(stack.outputs.get("fulfillment_max_attempts", 5))

    # And the refund is in Stripe (localstripe), in full, once
    refunds = stack.stripe.refunds(payment_intent_id)
    assert [r["amount"] for r in refunds] == [order["amount"]]

    # And the alarm's metrics were emitted, and nothing waits in the DLQ
    log = stack.function_log(stack.outputs["function_names"]["fulfillment"])
    assert '"FulfillmentFailed"' in log and '"OrdersAutoRefunded"' in log
    sqs = stack.client("sqs")
    assert sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []) == []


def test_forged_webhook_is_rejected_without_side_effect(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given an unpaid order
    order = shop.place_order(quantity=1)
    payment_intent_id = order["clientSecret"].split("_secret_")[0]
    forged = {
        "id": new_event_id(),
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment_intent_id,
                "object": "payment_intent",
                "amount": order["amount"],
                "currency": order["currency"],
                "metadata": {"order_id": order["orderId"]},
            }
        },
    }

    # When it is signed with the wrong secret, or not signed at all
    wrong = shop.send_webhook(forged, secret="whsec_attacker")
    unsigned = shop.send_webhook(forged, signature="")

    # Then both are 400 and the order stays unpaid
    assert wrong.status_code == 400 and unsigned.status_code == 400
    assert wrong.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert shop.get_order(order).json()["status"] == "PENDING_PAYMENT"
    events = stack.client("dynamodb").get_item(
        TableName=stack.outputs["events_table_name"], Key={"event_id": {"S": forged["id"]}}
    )
    assert "Item" not in events


def test_refund_after_fulfillment(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given a fulfilled order
    order, payment_intent_id = a_fulfilled_order(shop, partner)

    # When the payment is refunded in Stripe. localstripe refunds but sends no charge.refunded
    # event, so the test delivers the event Stripe would send, signed with the webhook secret.
    refund = stack.stripe.refund(payment_intent_id)
    intent = stack.stripe.payment_intent(payment_intent_id)
    charge_id = intent["latest_charge"]["id"] if isinstance(intent["latest_charge"], dict) else intent["latest_charge"]
    event = {
        "id": new_event_id(),
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": charge_id,
                "object": "charge",
                "payment_intent": payment_intent_id,
                "amount": order["amount"],
                "amount_refunded": refund["amount"],
                "currency": order["currency"],
                "refunded": True,
                "metadata": {"order_id": order["orderId"]},
            }
        },
    }
    reply = shop.send_webhook(event)

    # Then the order is REFUNDED and its tickets are canceled at the partner, under the order's key
    assert reply.status_code == 200, reply.text
    shop.wait_for_status(order, "REFUNDED", timeout=30)

    def cancellations() -> list[Any]:
        return [request for request, _ in partner.log if fakes.CANCEL_PATH.match(request.path)]

    [cancel] = wait_until(cancellations, timeout=30, what="the ticket cancellation")
    assert cancel.headers["Idempotency-Key"] == order["orderId"]

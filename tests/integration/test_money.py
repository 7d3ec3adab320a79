"""The money invariant through the deployed stack: retries, the sweeper, the DLQ redrive.

(Partner down for good → REFUNDED is in test_order_flow.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from pytest_httpserver import HTTPServer
from test_order_flow import partner_requests
from werkzeug import Response

from harness import fakes
from harness.customer import Shop, wait_until
from harness.net import LOOPBACK, free_port

if TYPE_CHECKING:
    from harness.stack import Stack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module", autouse=True)
def _workers_ready(stack: Stack) -> None:
    """Start each function's worker before the first request.

    The first invocation of a session installs the runtime's libraries; on a loaded machine that
    alone can exceed the 30 s HTTP timeout of the first customer request.
    """
    for name in stack.outputs["function_names"].values():
        stack.runner.worker(name)


def _paid_order_with_its_message_held(stack: Stack, shop: Shop) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pay an order while the SQS poller is held, and take its fulfillment message off the queue."""
    sqs = stack.client("sqs")
    with stack.poller._lock:  # the poller cannot take the message meanwhile
        order = shop.place_order(quantity=1)
        assert shop.pay(order).status_code == 200
        shop.wait_for_status(order, "PAID", timeout=30)
        queue = stack.outputs["fulfillment_queue_url"]
        [message] = wait_until(
            lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []),
            what="the fulfillment message",
        )
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return order, message


def _orders_table(stack: Stack) -> str:
    return str(stack.outputs["orders_table_name"])


def test_partner_401_is_retried_not_failed(stack: Stack, shop: Shop, partner: Any) -> None:
    # Given a partner that answers 401 once (an API key rotation), then issues tickets
    partner.expect_ordered_request("/v1/ticket-orders", method="POST").respond_with_response(
        Response('{"error": "invalid api key"}', status=401, content_type="application/json")
    )
    partner.expect_ordered_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)

    # When an order is paid
    order = shop.place_order(quantity=1)
    assert shop.pay(order).status_code == 200

    # Then the 401 is retried with backoff (and counted for its alarm), and the retry fulfils the order
    wait_until(lambda: stack.poller.fast_forward() or len(partner_requests(partner)) >= 2, what="the retry")
    done = shop.wait_for_status(order, "FULFILLED")
    assert len(done["tickets"]) == 1
    assert len(partner_requests(partner)) == 2
    assert '"FulfillmentAuthFailed"' in stack.function_log(stack.outputs["function_names"]["fulfillment"])


def test_sweeper_recovers_an_order_left_fulfilling_by_a_dead_worker(stack: Stack, shop: Shop, partner: Any) -> None:
    partner.expect_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)
    # Given a paid order whose worker died after writing FULFILLING, its message gone, 31 minutes ago
    order, _ = _paid_order_with_its_message_held(stack, shop)
    dynamodb = stack.client("dynamodb")
    long_ago = (datetime.now(UTC) - timedelta(minutes=31)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    dynamodb.update_item(
        TableName=_orders_table(stack),
        Key={"order_id": {"S": order["orderId"]}},
        UpdateExpression="SET #s = :s, updated_at = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "FULFILLING"}, ":t": {"S": long_ago}},
    )

    # And an order left unpaid for more than a day
    abandoned = shop.place_order(quantity=1)
    a_day_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    dynamodb.update_item(
        TableName=_orders_table(stack),
        Key={"order_id": {"S": abandoned["orderId"]}},
        UpdateExpression="SET updated_at = :t",
        ExpressionAttributeValues={":t": {"S": a_day_ago}},
    )

    # When the scheduled sweeper runs
    summary = stack.runner.invoke(stack.outputs["function_names"]["sweeper"], {})

    # Then it re-enqueued the stuck order, which is fulfilled, with one ticket under the order's key
    assert summary["reenqueued"] >= 1 and summary["past_bound"].get("FULFILLING", 0) >= 1
    done = shop.wait_for_status(order, "FULFILLED", timeout=60)
    assert len(done["tickets"]) == 1
    assert [r.headers["Idempotency-Key"] for r in partner_requests(partner)] == [order["orderId"]]

    # And it expired the abandoned one: PaymentIntent canceled in Stripe, order CANCELED without PII
    assert summary["expired"] >= 1
    assert shop.get_order(abandoned).json()["status"] == "CANCELED"
    payment_intent_id = abandoned["clientSecret"].split("_secret_")[0]
    assert stack.stripe.payment_intent(payment_intent_id)["status"] == "canceled"
    item = dynamodb.get_item(TableName=_orders_table(stack), Key={"order_id": {"S": abandoned["orderId"]}})["Item"]
    assert "email_enc" not in item and "expires_at" in item


def test_sweeper_fulfils_a_paid_order_whose_webhooks_were_all_lost(stack: Stack, shop: Shop, partner: Any) -> None:
    partner.expect_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)
    # Given a payment whose webhook deliveries all fail: Stripe's endpoint answers 500 meanwhile
    # (Stripe gives up after three days of retries; the fake after about a minute)
    with HTTPServer(host=LOOPBACK, port=free_port(), threaded=True) as broken:
        broken.expect_request("/webhook").respond_with_data("down", status=500)
        stack.stripe.register_webhook(broken.url_for("/webhook"), stack.secrets.stripe_webhook_secret)
        try:
            order = shop.place_order(quantity=1)
            assert shop.pay(order).status_code == 200
            wait_until(
                lambda: b"payment_intent.succeeded" in b"".join(r.data for r, _ in broken.log), what="a delivery"
            )
        finally:
            stack.stripe.register_webhook(f"{stack.front.url}/api/webhooks/stripe", stack.secrets.stripe_webhook_secret)
    payment_intent_id = order["clientSecret"].split("_secret_")[0]
    assert stack.stripe.payment_intent(payment_intent_id)["status"] == "succeeded"
    assert shop.get_order(order).json()["status"] == "PENDING_PAYMENT"
    # And the order looks abandoned: a day old
    a_day_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stack.client("dynamodb").update_item(
        TableName=_orders_table(stack),
        Key={"order_id": {"S": order["orderId"]}},
        UpdateExpression="SET updated_at = :t",
        ExpressionAttributeValues={":t": {"S": a_day_ago}},
    )

    # When the scheduled sweeper runs: Stripe refuses to cancel a succeeded PaymentIntent
    summary = stack.runner.invoke(stack.outputs["function_names"]["sweeper"], {})

    # Then the payment is applied as its webhook would have been, and the order is fulfilled once
    assert summary["reconciled"] == 1, summary
    done = shop.wait_for_status(order, "FULFILLED", timeout=60)
    assert len(done["tickets"]) == 1
    assert [r.headers["Idempotency-Key"] for r in partner_requests(partner)] == [order["orderId"]]


def _redrive(stack: Stack) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack.emulator.client_env()}
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "redrive.py"), "--outputs", str(stack.run_dir / "outputs.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_redrive_from_the_dlq_fulfils_the_order(stack: Stack, shop: Shop, partner: Any) -> None:
    partner.expect_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)
    # Given a paid order whose message SQS moved to the DLQ (as after maxReceiveCount failed receives)
    order, message = _paid_order_with_its_message_held(stack, shop)
    sqs = stack.client("sqs")
    dlq = stack.outputs["fulfillment_dlq_url"]
    sqs.send_message(QueueUrl=dlq, MessageBody=message["Body"])

    # When the operator runs the documented redrive command
    result = _redrive(stack)

    # Then the message moves back and the order is fulfilled; the DLQ is empty
    assert result.returncode == 0, result.stderr
    assert "1 moved, 0 left" in result.stdout
    shop.wait_for_status(order, "FULFILLED", timeout=60)
    assert sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []) == []
    assert [json.loads(r.get_data())["order_reference"] for r in partner_requests(partner)] == [order["orderId"]]


def test_redrive_with_bad_input_says_so(stack: Stack, tmp_path: Any) -> None:
    missing = tmp_path / "outputs.json"
    missing.write_text("{}")
    env = {**os.environ, **stack.emulator.client_env()}
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "redrive.py"), "--outputs", str(missing)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "fulfillment_dlq_url" in result.stderr

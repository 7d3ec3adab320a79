"""Sweeper: orders past their state's bound are re-enqueued, expired or counted."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from lambda_helpers import STRIPE_API, seed_order


@pytest.fixture
def handler(aws: Any) -> Any:
    from sweeper import handler

    return handler


def _age(aws: Any, order_id: str, **delta: float) -> None:
    when = (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    aws.orders.update_item(
        Key={"order_id": order_id}, UpdateExpression="SET updated_at = :t", ExpressionAttributeValues={":t": when}
    )


def _order(aws: Any, order_id: str) -> dict[str, Any]:
    return dict(aws.orders.get_item(Key={"order_id": order_id})["Item"])


def _metrics(capsys: Any) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and "_aws" in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    values[metric["Name"]] = (
                        sum(blob[metric["Name"]]) if isinstance(blob[metric["Name"]], list) else blob[metric["Name"]]
                    )
    return values


@pytest.mark.parametrize(("status", "minutes"), [("PAID", 16), ("FULFILLING", 31), ("REFUNDING", 16)])
def test_stuck_paid_orders_are_re_enqueued_and_counted(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any, status: str, minutes: int
) -> None:
    # Given one order past its bound and one still within it
    stuck, fresh = seed_order(aws.orders, status=status), seed_order(aws.orders, status=status)
    _age(aws, stuck, minutes=minutes)
    _age(aws, fresh, minutes=minutes - 2)
    capsys.readouterr()
    # When the sweeper runs
    summary = handler.lambda_handler({}, lambda_context)
    # Then only the stuck order is sent to fulfillment again, and it is counted past its bound
    assert aws.queued_messages() == [{"order_id": stuck}]
    assert summary == {"reenqueued": 1, "expired": 0, "reconciled": 0, "past_bound": {status: 1}}
    metrics = _metrics(capsys)
    assert metrics["OrdersPastBound"] == 1 and metrics["OrdersReenqueued"] == 1 and metrics["OrdersExpired"] == 0
    assert _order(aws, stuck)["status"] == status


@pytest.mark.parametrize("status", ["NEEDS_REVIEW", "REFUND_FAILED", "FULFILLMENT_FAILED"])
def test_orders_that_need_a_person_are_counted_not_touched(
    handler: Any, aws: Any, lambda_context: Any, status: str
) -> None:
    order_id = seed_order(aws.orders, status=status)
    _age(aws, order_id, minutes=61)
    assert handler.lambda_handler({}, lambda_context) == {
        "reenqueued": 0,
        "expired": 0,
        "reconciled": 0,
        "past_bound": {status: 1},
    }
    assert aws.queued_messages() == []
    assert _order(aws, order_id)["status"] == status


@pytest.mark.parametrize("status", ["FULFILLED", "REFUNDED", "CANCELED"])
def test_settled_orders_are_never_touched(handler: Any, aws: Any, lambda_context: Any, status: str) -> None:
    order_id = seed_order(aws.orders, status=status)
    _age(aws, order_id, days=3)
    assert handler.lambda_handler({}, lambda_context) == {
        "reenqueued": 0,
        "expired": 0,
        "reconciled": 0,
        "past_bound": {},
    }


@responses.activate
@pytest.mark.parametrize("status", ["PENDING_PAYMENT", "PAYMENT_FAILED"])
def test_abandoned_orders_are_expired_and_lose_their_pii(
    handler: Any, aws: Any, lambda_context: Any, status: str
) -> None:
    # Given an unpaid order older than a day
    order_id = seed_order(aws.orders, status=status)
    _age(aws, order_id, hours=25)
    cancel = responses.post(
        f"{STRIPE_API}/v1/payment_intents/pi_3PTest/cancel",
        json={"id": "pi_3PTest", "object": "payment_intent", "status": "canceled"},
    )
    # When the sweeper runs
    summary = handler.lambda_handler({}, lambda_context)
    # Then its PaymentIntent is canceled (idempotently) and the order is CANCELED without PII, TTL set
    assert summary == {"reenqueued": 0, "expired": 1, "reconciled": 0, "past_bound": {}}
    assert cancel.call_count == 1
    assert cancel.calls[0].request.headers["Idempotency-Key"] == f"tth-order-{order_id}-cancel"
    item = _order(aws, order_id)
    assert item["status"] == "CANCELED"
    assert "email_enc" not in item and "name_enc" not in item
    assert 29 * 86400 < int(item["expires_at"]) - time.time() <= 30 * 86400


def _cancel_refused() -> None:
    """Stripe refuses to cancel the PaymentIntent (it succeeded, or is canceled already)."""
    responses.post(
        f"{STRIPE_API}/v1/payment_intents/pi_3PTest/cancel",
        json={"error": {"type": "invalid_request_error", "message": "You cannot cancel this PaymentIntent"}},
        status=400,
    )


def _intent(status: str, amount: int = 18000) -> dict[str, Any]:
    return {
        "id": "pi_3PTest",
        "object": "payment_intent",
        "status": status,
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": "eur",
    }


@responses.activate
def test_abandoned_looking_order_that_was_paid_is_fulfilled_not_left(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any
) -> None:
    # Given an order left PENDING_PAYMENT for a day whose PaymentIntent succeeded (every webhook lost)
    order_id = seed_order(aws.orders)
    _age(aws, order_id, hours=25)
    _cancel_refused()
    responses.get(f"{STRIPE_API}/v1/payment_intents/pi_3PTest", json=_intent("succeeded"))
    capsys.readouterr()
    # When the sweeper runs
    summary = handler.lambda_handler({}, lambda_context)
    # Then the payment is applied as the webhook would have: PAID, one fulfillment message, counted
    assert summary == {"reenqueued": 0, "expired": 0, "reconciled": 1, "past_bound": {}}
    assert _order(aws, order_id)["status"] == "PAID"
    assert aws.queued_messages() == [{"order_id": order_id}]
    assert _metrics(capsys)["PaymentsReconciled"] == 1


@responses.activate
@pytest.mark.parametrize(
    ("intent", "status"), [(_intent("canceled"), "PENDING_PAYMENT"), (_intent("succeeded", 100), "NEEDS_REVIEW")]
)
def test_abandoned_order_whose_payment_cannot_be_applied_is_left_for_a_person(
    handler: Any, aws: Any, lambda_context: Any, intent: dict[str, Any], status: str
) -> None:
    # Given Stripe refuses the cancel, and the PaymentIntent is canceled already or paid another amount
    order_id = seed_order(aws.orders)
    _age(aws, order_id, hours=25)
    _cancel_refused()
    responses.get(f"{STRIPE_API}/v1/payment_intents/pi_3PTest", json=intent)
    # When the sweeper runs
    summary = handler.lambda_handler({}, lambda_context)
    # Then nothing is fulfilled; the order is counted past its bound (a person looks at it)
    assert summary == {"reenqueued": 0, "expired": 0, "reconciled": 0, "past_bound": {"PENDING_PAYMENT": 1}}
    assert _order(aws, order_id)["status"] == status
    assert aws.queued_messages() == []


def test_abandoned_order_without_payment_intent_is_expired_without_stripe(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    order_id = seed_order(aws.orders, pi_id=None)
    _age(aws, order_id, hours=25)
    with responses.RequestsMock():  # any HTTP call would fail the test
        assert handler.lambda_handler({}, lambda_context)["expired"] == 1
    assert _order(aws, order_id)["status"] == "CANCELED"


def test_an_empty_sweep_still_reports_zero(handler: Any, aws: Any, lambda_context: Any, capsys: Any) -> None:
    capsys.readouterr()
    assert handler.lambda_handler({}, lambda_context) == {
        "reenqueued": 0,
        "expired": 0,
        "reconciled": 0,
        "past_bound": {},
    }
    assert _metrics(capsys)["OrdersPastBound"] == 0

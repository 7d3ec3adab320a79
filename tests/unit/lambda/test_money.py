"""The money invariant in the fulfillment worker: every paid order ends FULFILLED or REFUNDED.

Refund on permanent failure, manual review with a working redrive, what is retried (and how long
it waits), the time budget per batch, crashes and concurrent deliveries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import responses
from lambda_helpers import captured_log, seed_order
from test_fulfillment import OK, PARTNER_URL, REFUND_OK, REFUNDS_URL, _failures, _order, sqs_event


@pytest.fixture
def handler(fulfillment_handler: Any) -> Any:
    return fulfillment_handler


@pytest.fixture
def delays(handler: Any, monkeypatch: Any) -> list[int]:
    from fulfillment import deps

    seen: list[int] = []
    monkeypatch.setattr(deps, "change_visibility", lambda _arn, _receipt, seconds: seen.append(seconds))
    return seen


@pytest.fixture
def manual_review(handler: Any, monkeypatch: Any) -> None:
    from fulfillment import deps

    monkeypatch.setattr(deps, "AUTO_REFUND_FAILED_FULFILLMENT", False)


def _metrics(capsys: Any) -> set[str]:
    """Names of the EMF metrics the handler flushed to stdout."""
    names: set[str] = set()
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and "_aws" in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                names |= {metric["Name"] for metric in directive["Metrics"]}
    return names


@responses.activate
def test_permanent_failure_refunds_and_emits_the_alarm_metrics(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any
) -> None:
    # Given a partner that rejects the order
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json={"error": "event cancelled"}, status=422)
    responses.post(REFUNDS_URL, json=REFUND_OK)
    # When the message is processed
    handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # Then the order is refunded and both the failure and the automatic refund are counted
    assert _order(aws, order_id)["status"] == "REFUNDED"
    assert {"FulfillmentFailed", "OrdersAutoRefunded"} <= _metrics(capsys)


@responses.activate
def test_manual_review_parks_the_order_and_a_redrive_fulfils_it(
    handler: Any, aws: Any, lambda_context: Any, manual_review: None, capsys: Any
) -> None:
    # Given auto-refund is off and the partner rejects the order
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json={"error": "unknown sku"}, status=400)
    first = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # Then the order waits for review, its message is in the DLQ, nothing is refunded
    assert first == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "FULFILLMENT_FAILED"
    [parked] = aws.dead_letters()
    assert parked["order_id"] == order_id and "400" in parked["reason"]
    assert "FulfillmentFailed" in _metrics(capsys)
    assert not [c for c in responses.calls if c.request.url.startswith(REFUNDS_URL)]
    # When the operator fixed the cause and redrives the message (a new message for the same order)
    responses.replace(responses.POST, PARTNER_URL, json=OK, status=201)
    second = handler.lambda_handler(sqs_event(aws, [parked]), lambda_context)
    # Then the fulfillment is re-attempted and succeeds
    assert second == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "FULFILLED"


@responses.activate
def test_manual_review_after_exhaustion_parks_the_order(
    handler: Any, aws: Any, lambda_context: Any, manual_review: None, delays: list[int]
) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, status=503)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}], receive_count=3), lambda_context)
    assert response == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "FULFILLMENT_FAILED"
    assert [m["order_id"] for m in aws.dead_letters()] == [order_id]


@pytest.mark.parametrize("receive_count", [1, 3])
@responses.activate
def test_partner_rejection_on_the_last_attempt_also_refunds(
    handler: Any, aws: Any, lambda_context: Any, receive_count: int
) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json={"error": "sold out"}, status=409)
    responses.post(REFUNDS_URL, json=REFUND_OK)
    event = sqs_event(aws, [{"order_id": order_id}], receive_count=receive_count)
    assert handler.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "REFUNDED"
    assert "409" in _order(aws, order_id)["failure_reason"]


@pytest.mark.parametrize("status", [401, 403, 404, 408, 425, 429, 500, 504])
@responses.activate
def test_statuses_that_may_recover_are_retried_not_failed(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int], status: int, capsys: Any
) -> None:
    # Given a partner answering a status that may recover (e.g. 401 during an API key rotation)
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json={"error": "nope"}, status=status)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # Then the record is retried with backoff, the order waits, nothing is refunded
    assert len(_failures(response)) == 1
    assert delays == [30]
    assert _order(aws, order_id)["status"] == "FULFILLING"
    metrics = _metrics(capsys)
    assert "FulfillmentRetried" in metrics
    assert ("FulfillmentAuthFailed" in metrics) == (status in (401, 403))


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("120", 120), ("5", 30), ("999999", 900), ("soon", 30), (None, 30)],
)
@responses.activate
def test_retry_after_is_respected(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int], retry_after: str | None, expected: int
) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    headers = {"Retry-After": retry_after} if retry_after else {}
    responses.post(PARTNER_URL, status=429, headers=headers)
    handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # The wait is the longer of the backoff (30 s on the first attempt) and Retry-After, at most 15 min
    assert delays == [expected]


def test_retry_after_http_date() -> None:
    from shop.fulfillment_client import retry_after_seconds

    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=300), usegmt=True), now=now.timestamp()) == 300
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=300), usegmt=True), now=now.timestamp()) == 0


@responses.activate
def test_records_that_no_longer_fit_in_the_time_left_are_handed_back(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int], monkeypatch: Any
) -> None:
    from fulfillment.records import RECORD_BUDGET_MS

    # Given an invocation with time for exactly one more partner call (less once it has been made)
    monkeypatch.setattr(
        lambda_context, "get_remaining_time_in_millis", lambda: RECORD_BUDGET_MS + (-1 if responses.calls else 1)
    )
    first, second = seed_order(aws.orders, status="PAID"), seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json=OK, status=201)
    event = sqs_event(aws, [{"order_id": first}, {"order_id": second}])
    # When the batch runs
    response = handler.lambda_handler(event, lambda_context)
    # Then the first is fulfilled; the second is handed back at once without a partner call
    assert _failures(response) == [next(r["messageId"] for r in event["Records"] if second in r["body"])]
    assert _order(aws, first)["status"] == "FULFILLED"
    assert _order(aws, second)["status"] == "PAID"
    assert delays == [0]
    assert len(responses.calls) == 1


def test_batch_size_in_terraform_fits_the_time_budget() -> None:
    import re

    from lambda_helpers import ROOT

    from fulfillment.records import RECORD_BUDGET_MS

    lambda_tf = (ROOT / "terraform" / "lambda.tf").read_text()
    locals_tf = "\n".join(path.read_text() for path in sorted((ROOT / "terraform").glob("*.tf")))
    timeout = int(re.search(r"fulfillment_timeout_seconds\s*=\s*(\d+)", locals_tf).group(1))  # type: ignore[union-attr]
    budget = int(re.search(r"fulfillment_record_budget_seconds\s*=\s*(\d+)", locals_tf).group(1))  # type: ignore[union-attr]
    assert "batch_size                         = local.fulfillment_batch_size" in lambda_tf
    assert budget * 1000 >= RECORD_BUDGET_MS
    assert timeout // budget >= 1


@responses.activate
def test_unexpected_error_is_logged_with_its_cause_and_retried(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any
) -> None:

    from fulfillment import deps

    def broken() -> Any:
        try:
            raise KeyError("pii")
        except KeyError as exc:
            raise RuntimeError("key store broke") from exc

    monkeypatch.setattr(deps, "pii_cipher", broken)
    order_id = seed_order(aws.orders, status="PAID")
    with captured_log(deps.logger) as stream:
        response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert len(_failures(response)) == 1
    [line] = [json.loads(x) for x in stream.getvalue().splitlines() if "failed unexpectedly" in x]
    assert line["level"] == "ERROR"
    assert line["error_chain"] == ["RuntimeError: key store broke", "KeyError: 'pii'"]
    assert "The above exception was the direct cause" in line["exception"]


@responses.activate
def test_worker_crash_mid_fulfillment_is_recovered_by_a_new_message(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    # Given a worker died after FULFILLING was written (its idempotency record still in progress)
    order_id = seed_order(aws.orders, status="FULFILLING")
    responses.post(PARTNER_URL, json=OK, status=200)  # the partner replays the earlier issue
    # When the sweeper's new message for the order arrives
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # Then the order is fulfilled with one partner call under the order's idempotency key
    assert response == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "FULFILLED"
    [call] = responses.calls
    assert call.request.headers["Idempotency-Key"] == order_id


@responses.activate
def test_a_delivery_of_a_message_in_flight_fails_and_comes_back(handler: Any, aws: Any, lambda_context: Any) -> None:
    import time

    # Given another worker is processing this very message (idempotency record in progress)
    order_id = seed_order(aws.orders, status="PAID")
    event = sqs_event(aws, [{"order_id": order_id}])
    message_id = event["Records"][0]["messageId"]
    from fulfillment.records import persistence_layer

    key = persistence_layer._get_hashed_idempotency_key({"order_id": order_id, "message_id": message_id})
    aws.idempotency.put_item(
        Item={
            "id": key,
            "status": "INPROGRESS",
            "expiration": int(time.time()) + 600,
            "in_progress_expiration": int(time.time() * 1000) + 600_000,
        }
    )
    # When the duplicate delivery runs
    response = handler.lambda_handler(event, lambda_context)
    # Then it is reported failed (SQS delivers it again later) and the partner is not called
    assert _failures(response) == [message_id]
    assert len(responses.calls) == 0
    assert _order(aws, order_id)["status"] == "PAID"


@pytest.mark.parametrize(
    ("stripe_reply", "status", "attribute"),
    [
        ({"json": {**REFUND_OK, "status": "pending"}}, "REFUNDED", ("refund_status", "pending")),
        (
            {"json": {"error": {"type": "invalid_request_error", "code": "charge_already_refunded"}}, "status": 400},
            "REFUNDED",
            ("refund_status", "succeeded"),
        ),
        (
            {"json": {"error": {"type": "invalid_request_error", "message": "no charge"}}, "status": 400},
            "REFUND_FAILED",
            ("refund_failure_reason", "The payment provider rejected the refund."),
        ),
        ({"json": {**REFUND_OK, "status": "failed"}}, "REFUND_FAILED", ("refund_failure_reason", "refund failed")),
    ],
)
@responses.activate
def test_refund_answers(
    handler: Any, aws: Any, lambda_context: Any, stripe_reply: dict[str, Any], status: str, attribute: tuple[str, str]
) -> None:
    order_id = seed_order(aws.orders, status="REFUNDING")
    responses.post(REFUNDS_URL, **stripe_reply)
    assert handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context) == {"batchItemFailures": []}
    item = _order(aws, order_id)
    assert item["status"] == status
    assert item[attribute[0]] == attribute[1]


@responses.activate
def test_refund_while_stripe_is_down_is_retried_then_completes(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int]
) -> None:
    # Given a permanent failure while Stripe is unavailable
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json={"error": "no"}, status=409)
    responses.post(REFUNDS_URL, json={"error": {"type": "api_error"}}, status=500)
    first = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # Then the order stays REFUNDING and the message is retried
    assert len(_failures(first)) == 1
    assert _order(aws, order_id)["status"] == "REFUNDING"
    # When Stripe is back, the redelivery refunds without calling the partner again
    responses.replace(responses.POST, REFUNDS_URL, json=REFUND_OK)
    second = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}], receive_count=2), lambda_context)
    assert second == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "REFUNDED"
    assert len([c for c in responses.calls if c.request.url == PARTNER_URL]) == 1


@responses.activate
def test_order_without_payment_intent_cannot_be_refunded_automatically(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    order_id = seed_order(aws.orders, status="REFUNDING", pi_id=None)
    handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert _order(aws, order_id)["status"] == "REFUND_FAILED"
    assert len(responses.calls) == 0


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("true", True), (" FALSE ", False), ("false", False)])
def test_auto_refund_setting(value: str | None, expected: bool) -> None:
    from shop.config import env_flag

    assert (
        env_flag(
            "AUTO_REFUND_FAILED_FULFILLMENT",
            default=True,
            environ={} if value is None else {"AUTO_REFUND_FAILED_FULFILLMENT": value},
        )
        is expected
    )


def test_invalid_auto_refund_setting_fails_fast() -> None:
    from shop.config import env_flag
    from shop.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError):
        env_flag("AUTO_REFUND_FAILED_FULFILLMENT", default=True, environ={"AUTO_REFUND_FAILED_FULFILLMENT": "maybe"})


def _refunded_with_tickets(aws: Any) -> str:
    order_id = seed_order(aws.orders, status="REFUNDED")
    aws.orders.update_item(
        Key={"order_id": order_id},
        UpdateExpression="SET fulfillment_id = :f, tickets = :t",
        ExpressionAttributeValues={":f": "ful_9", ":t": OK["tickets"]},
    )
    return order_id


@responses.activate
def test_refunded_order_with_tickets_gets_them_canceled_once(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any
) -> None:
    # Given an order refunded in Stripe after its tickets were issued
    order_id = _refunded_with_tickets(aws)
    cancel = responses.post(f"{PARTNER_URL}/ful_9/cancellation", json={"fulfillment_id": "ful_9", "status": "canceled"})
    # When its message (enqueued by the refund webhook) is processed, twice
    for _ in range(2):
        assert handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context) == {
            "batchItemFailures": []
        }
    # Then the partner cancels the tickets once, and the order records it
    assert cancel.call_count == 1
    assert "tickets_canceled_at" in _order(aws, order_id)
    assert "TicketsCanceled" in _metrics(capsys)


@responses.activate
def test_tickets_the_partner_refuses_to_cancel_are_flagged_and_alarmed(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any
) -> None:
    order_id = _refunded_with_tickets(aws)
    responses.post(f"{PARTNER_URL}/ful_9/cancellation", json={"error": "already scanned"}, status=409)
    assert handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context) == {"batchItemFailures": []}
    assert "409" in _order(aws, order_id)["tickets_cancel_failed"]
    assert "TicketsCancelFailed" in _metrics(capsys)


@responses.activate
def test_cancel_while_the_partner_is_down_is_retried(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int]
) -> None:
    order_id = _refunded_with_tickets(aws)
    responses.post(f"{PARTNER_URL}/ful_9/cancellation", status=503)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert len(_failures(response)) == 1
    assert delays == [30]
    assert "tickets_canceled_at" not in _order(aws, order_id)

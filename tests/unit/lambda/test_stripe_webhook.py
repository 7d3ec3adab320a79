"""Stripe webhook: signature checks, once-only processing, state transitions, enqueueing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import responses
from lambda_helpers import STRIPE_API, captured_log, plain_client, seed_order, sign, stripe_event, webhook_event


@pytest.fixture
def handler(aws: Any) -> Any:
    from stripe_webhook import handler

    return handler


def _send(handler: Any, ctx: Any, event: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    payload = json.dumps(event)
    return handler.lambda_handler(webhook_event(payload, sign(payload), **kwargs), ctx)


def _status(aws: Any, order_id: str) -> str:
    return str(aws.orders.get_item(Key={"order_id": order_id})["Item"]["status"])


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@pytest.mark.parametrize("options", [{}, {"base64_body": True}, {"lower": True}, {"base64_body": True, "lower": True}])
def test_payment_succeeded_marks_paid_and_enqueues_once(
    handler: Any, aws: Any, lambda_context: Any, options: Any
) -> None:
    # Given a pending order
    order_id = seed_order(aws.orders)
    # When Stripe reports the payment (raw or base64 body, any header case)
    response = _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id), **options)
    # Then 200, the order is PAID and exactly one fulfillment message is queued
    assert response["statusCode"] == 200
    assert _body(response) == {"received": True}
    assert _status(aws, order_id) == "PAID"
    assert aws.queued_messages() == [{"order_id": order_id}]
    [record] = aws.events.scan()["Items"]
    assert (
        record["event_id"] == "evt_succeeded_1"
        and record["state"] == "DONE"
        and int(record["expires_at"]) > time.time()
    )


def test_redelivered_event_is_a_no_op(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    aws.queued_messages()  # drain (messages become invisible)
    # When the same event id arrives again
    response = _send(handler, lambda_context, event)
    # Then it is acknowledged and nothing else happens
    assert response["statusCode"] == 200
    assert (
        aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )
    assert _status(aws, order_id) == "PAID"


def test_second_success_event_for_paid_order_re_enqueues_only_while_paid(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    # Given an order that is PAID (a previous enqueue may have been lost)
    order_id = seed_order(aws.orders, status="PAID")
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    event["id"] = "evt_succeeded_2"
    # Then a new success event re-enqueues (fulfillment is idempotent) without changing state
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert aws.queued_messages() == [{"order_id": order_id}]
    assert _status(aws, order_id) == "PAID"


@pytest.mark.parametrize("status", ["FULFILLING", "FULFILLED", "REFUNDED", "NEEDS_REVIEW"])
def test_success_event_after_later_state_is_ignored(handler: Any, aws: Any, lambda_context: Any, status: str) -> None:
    order_id = seed_order(aws.orders, status=status)
    assert (
        _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))["statusCode"]
        == 200
    )
    assert _status(aws, order_id) == status
    assert aws.queued_messages() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 100, "amount_received": 100},
        {"currency": "usd"},
        {"id": "pi_other"},
        {"amount": None, "amount_received": None},
    ],
)
def test_amount_or_currency_mismatch_flags_order_and_does_not_fulfil(
    handler: Any, aws: Any, lambda_context: Any, changes: Any
) -> None:
    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id, **changes)
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "NEEDS_REVIEW"
    assert item["review_reason"] == "payment_mismatch"
    assert aws.queued_messages() == []


def test_old_api_version_payload_without_amount_received_is_accepted(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    del event["data"]["object"]["amount_received"]
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert _status(aws, order_id) == "PAID"


def test_payment_failed_marks_order_failed(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    response = _send(handler, lambda_context, stripe_event("stripe_payment_intent_payment_failed.json", order_id))
    assert response["statusCode"] == 200
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "PAYMENT_FAILED" and item["failure_reason"] == "generic_decline"


def test_payment_failed_after_succeeded_is_ignored(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given events delivered out of order: succeeded first, then an older failure
    order_id = seed_order(aws.orders)
    _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    response = _send(handler, lambda_context, stripe_event("stripe_payment_intent_payment_failed.json", order_id))
    # Then the order stays PAID
    assert response["statusCode"] == 200
    assert _status(aws, order_id) == "PAID"


def test_succeeded_after_failed_retry_marks_paid(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    _send(handler, lambda_context, stripe_event("stripe_payment_intent_payment_failed.json", order_id))
    _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    assert _status(aws, order_id) == "PAID"
    assert aws.queued_messages() == [{"order_id": order_id}]


@pytest.mark.parametrize("status", ["PAID", "FULFILLED", "FULFILLMENT_FAILED"])
def test_charge_refunded_marks_refunded(handler: Any, aws: Any, lambda_context: Any, status: str) -> None:
    order_id = seed_order(aws.orders, status=status)
    assert _send(handler, lambda_context, stripe_event("stripe_charge_refunded.json", order_id))["statusCode"] == 200
    assert _status(aws, order_id) == "REFUNDED"


def test_refund_replayed_on_refunded_order_is_ignored(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="REFUNDED")
    assert _send(handler, lambda_context, stripe_event("stripe_charge_refunded.json", order_id))["statusCode"] == 200
    assert _status(aws, order_id) == "REFUNDED"


def test_partial_refund_sets_flag_only(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="FULFILLED")
    event = stripe_event("stripe_charge_refunded.json", order_id, refunded=False, amount_refunded=4500)
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "FULFILLED" and item["flags"]["partially_refunded"] == 4500


@responses.activate
def test_refund_without_metadata_looks_up_payment_intent(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="FULFILLED")
    responses.get(
        f"{STRIPE_API}/v1/payment_intents/pi_3PTest",
        json={"id": "pi_3PTest", "object": "payment_intent", "metadata": {"order_id": order_id}},
    )
    event = stripe_event("stripe_charge_refunded.json", order_id, metadata={})
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert _status(aws, order_id) == "REFUNDED"


@responses.activate
def test_dispute_created_flags_order(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given a fulfilled order and a dispute (whose object has no order metadata)
    order_id = seed_order(aws.orders, status="FULFILLED")
    responses.get(
        f"{STRIPE_API}/v1/payment_intents/pi_3PTest",
        json={"id": "pi_3PTest", "object": "payment_intent", "metadata": {"order_id": order_id}},
    )
    assert (
        _send(handler, lambda_context, stripe_event("stripe_charge_dispute_created.json", order_id))["statusCode"]
        == 200
    )
    # Then the order keeps its state and carries the dispute flag
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "FULFILLED"
    assert item["flags"]["disputed"]["dispute_id"] == "dp_1PTest"
    assert item["flags"]["disputed"]["reason"] == "fraudulent"


@responses.activate
def test_dispute_lookup_stripe_error_is_500_and_event_can_be_redelivered(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    order_id = seed_order(aws.orders, status="FULFILLED")
    responses.get(f"{STRIPE_API}/v1/payment_intents/pi_3PTest", json={"error": {"type": "api_error"}}, status=500)
    event = stripe_event("stripe_charge_dispute_created.json", order_id)
    response = _send(handler, lambda_context, event)
    assert response["statusCode"] == 502
    assert aws.events.scan()["Count"] == 0  # claim released: Stripe's retry will be processed
    responses.replace(
        responses.GET,
        f"{STRIPE_API}/v1/payment_intents/pi_3PTest",
        json={"id": "pi_3PTest", "object": "payment_intent", "metadata": {"order_id": order_id}},
    )
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert "disputed" in aws.orders.get_item(Key={"order_id": order_id})["Item"]["flags"]


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("stripe_payment_intent_succeeded.json", {"metadata": {}}),
        ("stripe_payment_intent_payment_failed.json", {"metadata": None}),
        ("stripe_payment_intent_succeeded.json", {"metadata": {"order_id": "00000000-0000-4000-8000-000000000000"}}),
        ("stripe_charge_refunded.json", {"metadata": {}, "payment_intent": None}),
        ("stripe_charge_dispute_created.json", {"payment_intent": None}),
    ],
)
def test_events_for_unknown_orders_are_acknowledged(
    handler: Any, aws: Any, lambda_context: Any, name: str, changes: Any
) -> None:
    event = stripe_event(name, "unused", **changes)
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert aws.queued_messages() == []


def test_unknown_event_type_is_200_and_ignored(handler: Any, aws: Any, lambda_context: Any) -> None:
    from lambda_helpers import load_event

    response = _send(handler, lambda_context, load_event("stripe_customer_created.json"))
    assert response["statusCode"] == 200
    assert aws.events.scan()["Count"] == 0


def _assert_rejected(aws: Any, response: dict[str, Any], order_id: str, code: str = "INVALID_SIGNATURE") -> None:
    assert response["statusCode"] == 400
    assert _body(response)["error"]["code"] == code
    assert _status(aws, order_id) == "PENDING_PAYMENT"
    assert aws.events.scan()["Count"] == 0
    assert aws.queued_messages() == []


def test_forged_signature_is_400_without_side_effects(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    payload = json.dumps(stripe_event("stripe_payment_intent_succeeded.json", order_id))
    response = handler.lambda_handler(webhook_event(payload, sign(payload, secret="whsec_attacker")), lambda_context)
    _assert_rejected(aws, response, order_id)


def test_tampered_body_is_400(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    payload = json.dumps(stripe_event("stripe_payment_intent_succeeded.json", order_id))
    signature = sign(payload)
    response = handler.lambda_handler(webhook_event(payload.replace("18000", "100"), signature), lambda_context)
    _assert_rejected(aws, response, order_id)


def test_stale_signature_is_400(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    payload = json.dumps(stripe_event("stripe_payment_intent_succeeded.json", order_id))
    response = handler.lambda_handler(
        webhook_event(payload, sign(payload, timestamp=int(time.time()) - 600)), lambda_context
    )
    _assert_rejected(aws, response, order_id)


@pytest.mark.parametrize("signature", [None, "", "garbage", "t=abc,v1=00", "t=123"])
def test_missing_or_malformed_signature_is_400(
    handler: Any, aws: Any, lambda_context: Any, signature: str | None
) -> None:
    order_id = seed_order(aws.orders)
    payload = json.dumps(stripe_event("stripe_payment_intent_succeeded.json", order_id))
    _assert_rejected(aws, handler.lambda_handler(webhook_event(payload, signature), lambda_context), order_id)


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '{"id": 1}', ""])
def test_signed_non_json_or_non_event_body_is_400(handler: Any, aws: Any, lambda_context: Any, payload: str) -> None:
    order_id = seed_order(aws.orders)
    response = handler.lambda_handler(webhook_event(payload, sign(payload)), lambda_context)
    _assert_rejected(aws, response, order_id, code="VALIDATION_ERROR")


def test_invalid_base64_body_is_400(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    event = webhook_event("x", "t=1,v1=00")
    event["body"], event["isBase64Encoded"] = "***not base64***", True
    _assert_rejected(aws, handler.lambda_handler(event, lambda_context), order_id, code="VALIDATION_ERROR")


def test_non_utf8_body_is_400(handler: Any, aws: Any, lambda_context: Any) -> None:
    import base64

    order_id = seed_order(aws.orders)
    event = webhook_event("x", "t=1,v1=00")
    event["body"], event["isBase64Encoded"] = base64.b64encode(b"\xff\xfe").decode(), True
    _assert_rejected(aws, handler.lambda_handler(event, lambda_context), order_id, code="VALIDATION_ERROR")


def test_oversize_webhook_is_413(handler: Any, aws: Any, lambda_context: Any) -> None:
    payload = json.dumps({"id": "evt", "type": "x", "pad": "x" * 300_000})
    response = handler.lambda_handler(webhook_event(payload, sign(payload)), lambda_context)
    assert response["statusCode"] == 413
    assert _body(response)["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_in_flight_duplicate_gets_409_so_stripe_retries(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given another invocation holds a fresh claim on the event
    order_id = seed_order(aws.orders)
    from shop.repository import ClaimState, EventRepository

    assert (
        EventRepository(plain_client(), aws.events.name).claim("evt_succeeded_1", "payment_intent.succeeded").state
        is ClaimState.OWNED
    )
    # When the same event arrives concurrently
    response = _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    # Then it is not processed twice, and the answer is not 2xx: if the first delivery fails, Stripe's
    # retry of this one still gets the event applied
    assert response["statusCode"] == 409
    assert _body(response)["error"]["code"] == "CONFLICT"
    assert _status(aws, order_id) == "PENDING_PAYMENT"
    assert aws.queued_messages() == []


def test_release_failure_is_not_silent(handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any) -> None:

    from botocore.exceptions import ClientError

    from stripe_webhook import deps

    order_id = seed_order(aws.orders)

    def failing_enqueue(_: str) -> None:
        raise RuntimeError("sqs down")

    def failing_release(_: Any) -> bool:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "ddb down"}}, "DeleteItem")

    monkeypatch.setattr(deps, "enqueue_fulfillment", failing_enqueue)
    monkeypatch.setattr(deps.event_repository, "release", failing_release)
    with captured_log(deps.logger) as stream:
        response = _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    # Then 500 (Stripe retries once the lease expires) and the log names both failures
    assert response["statusCode"] == 500
    [line] = [json.loads(x) for x in stream.getvalue().splitlines() if '"request failed"' in x]
    assert line["error_type"] == "EventReleaseError"
    assert any("ddb down" in link for link in line["error_chain"])
    assert any("sqs down" in link for link in line["error_chain"])
    [record] = aws.events.scan()["Items"]
    assert record["state"] == "PROCESSING"


def test_release_failure_emits_metric(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any, capsys: Any
) -> None:
    from stripe_webhook import deps

    order_id = seed_order(aws.orders)
    monkeypatch.setattr(deps, "enqueue_fulfillment", lambda _: (_ for _ in ()).throw(RuntimeError("sqs down")))
    monkeypatch.setattr(deps.event_repository, "release", lambda _: (_ for _ in ()).throw(RuntimeError("ddb down")))
    capsys.readouterr()
    _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    assert '"WebhookReleaseFailed"' in capsys.readouterr().out


def test_release_does_not_delete_a_claim_taken_over_by_another_delivery(aws: Any) -> None:
    from shop.repository import ClaimState, EventRepository

    stale = EventRepository(plain_client(), aws.events.name, clock=lambda: time.time() - 3600)
    fresh = EventRepository(plain_client(), aws.events.name)
    old_claim = stale.claim("evt_x", "t")
    new_claim = fresh.claim("evt_x", "t")
    assert new_claim.state is ClaimState.OWNED
    assert fresh.release(old_claim) is False
    assert aws.events.get_item(Key={"event_id": "evt_x"})["Item"]["state"] == "PROCESSING"
    assert fresh.release(new_claim) is True


def test_complete_failure_is_500_and_the_event_is_processed_again_later(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any
) -> None:
    from stripe_webhook import deps

    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    real_complete = deps.event_repository.complete

    def failing(*_: Any) -> None:
        raise RuntimeError("ddb down")

    monkeypatch.setattr(deps.event_repository, "complete", failing)
    assert _send(handler, lambda_context, event)["statusCode"] == 500
    assert _status(aws, order_id) == "PAID"
    assert aws.events.scan()["Count"] == 0  # released: the retry re-applies (a no-op that re-enqueues)
    monkeypatch.setattr(deps.event_repository, "complete", real_complete)
    assert _send(handler, lambda_context, event)["statusCode"] == 200


def test_expired_claim_is_taken_over(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders)
    from shop.repository import EventRepository

    assert EventRepository(plain_client(), aws.events.name, clock=lambda: time.time() - 3600).claim(
        "evt_succeeded_1", "x"
    )
    _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    assert _status(aws, order_id) == "PAID"


def test_enqueue_failure_releases_claim_and_redelivery_repairs(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any
) -> None:
    from stripe_webhook import deps

    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    real_enqueue = deps.enqueue_fulfillment

    def failing(_: str) -> None:
        raise RuntimeError("sqs down")

    monkeypatch.setattr(deps, "enqueue_fulfillment", failing)
    response = _send(handler, lambda_context, event)
    assert response["statusCode"] == 500
    assert _body(response)["error"]["code"] == "INTERNAL_ERROR"
    assert aws.events.scan()["Count"] == 0
    # When Stripe redelivers and SQS is back, the order (already PAID) is enqueued
    monkeypatch.setattr(deps, "enqueue_fulfillment", real_enqueue)
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert aws.queued_messages() == [{"order_id": order_id}]


def test_logs_carry_event_and_order_id_but_no_payload(handler: Any, aws: Any, lambda_context: Any) -> None:

    from stripe_webhook import deps

    order_id = seed_order(aws.orders)
    with captured_log(deps.logger) as stream:
        _send(handler, lambda_context, stripe_event("stripe_payment_intent_succeeded.json", order_id))
    [processed] = [json.loads(line) for line in stream.getvalue().splitlines() if '"webhook processed"' in line]
    assert processed["event_id"] == "evt_succeeded_1"
    assert processed["order_id"] == order_id
    assert processed["outcome"] == "paid"
    assert "whsec" not in stream.getvalue() and "pi_3PTest" not in stream.getvalue()


def test_zero_amount_received_is_a_mismatch_not_the_full_amount(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given Stripe says 0 was received (amount is the full price)
    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id, amount_received=0)
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    # Then the order is not paid: it waits for review and nothing is fulfilled
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "NEEDS_REVIEW"
    assert item["paid_amount"] == 0
    assert aws.queued_messages() == []


@pytest.mark.parametrize("status", ["PENDING_PAYMENT", "PAYMENT_FAILED"])
def test_payment_intent_canceled_cancels_the_order_and_drops_pii(
    handler: Any, aws: Any, lambda_context: Any, status: str
) -> None:
    order_id = seed_order(aws.orders, status=status)
    event = stripe_event(
        "stripe_payment_intent_succeeded.json", order_id, status="canceled", cancellation_reason="abandoned"
    )
    event.update(id="evt_canceled_1", type="payment_intent.canceled")
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "CANCELED"
    assert item["cancellation_reason"] == "abandoned"
    assert "email_enc" not in item and "name_enc" not in item


def test_payment_intent_canceled_after_payment_is_ignored(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    event.update(id="evt_canceled_2", type="payment_intent.canceled")
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    assert _status(aws, order_id) == "PAID"


def _refund_event(order_id: str, event_type: str, status: str) -> dict[str, Any]:
    return {
        "id": f"evt_{event_type}_{status}",
        "object": "event",
        "type": event_type,
        "data": {
            "object": {
                "id": "re_1",
                "object": "refund",
                "status": status,
                "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
                "payment_intent": "pi_3PTest",
                "metadata": {"order_id": order_id},
            }
        },
    }


@pytest.mark.parametrize("event_type", ["charge.refund.updated", "refund.failed", "refund.updated"])
@pytest.mark.parametrize("status", ["REFUNDED", "REFUNDING"])
def test_failed_refund_marks_refund_failed_and_is_counted(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any, event_type: str, status: str
) -> None:
    order_id = seed_order(aws.orders, status=status)
    capsys.readouterr()
    assert _send(handler, lambda_context, _refund_event(order_id, event_type, "failed"))["statusCode"] == 200
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["status"] == "REFUND_FAILED"
    assert item["refund_failure_reason"] == "expired_or_canceled_card"
    assert '"RefundFailed"' in capsys.readouterr().out


def test_refund_update_that_did_not_fail_changes_nothing(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="REFUNDED")
    assert (
        _send(handler, lambda_context, _refund_event(order_id, "charge.refund.updated", "succeeded"))["statusCode"]
        == 200
    )
    assert _status(aws, order_id) == "REFUNDED"


@pytest.mark.parametrize(("dispute_status", "metric"), [("lost", "DisputesLost"), ("won", None)])
def test_dispute_closed_is_recorded_and_a_loss_counted(
    handler: Any, aws: Any, lambda_context: Any, capsys: Any, dispute_status: str, metric: str | None
) -> None:
    order_id = seed_order(aws.orders, status="FULFILLED")
    event = stripe_event(
        "stripe_charge_dispute_created.json", order_id, status=dispute_status, metadata={"order_id": order_id}
    )
    event.update(id=f"evt_dispute_closed_{dispute_status}", type="charge.dispute.closed")
    capsys.readouterr()
    assert _send(handler, lambda_context, event)["statusCode"] == 200
    item = aws.orders.get_item(Key={"order_id": order_id})["Item"]
    assert item["flags"]["dispute_closed"]["status"] == dispute_status
    assert item["status"] == "FULFILLED"
    assert ('"DisputesLost"' in capsys.readouterr().out) == (metric is not None)


def test_refund_webhook_settles_a_refunding_order(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="REFUNDING")
    assert _send(handler, lambda_context, stripe_event("stripe_charge_refunded.json", order_id))["statusCode"] == 200
    assert _status(aws, order_id) == "REFUNDED"


@pytest.mark.parametrize(("age", "accepted"), [(300, True), (301, False)])
def test_signature_tolerance_boundary(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any, age: int, accepted: bool
) -> None:
    import importlib
    import types

    # Given the verifier's clock exactly ``age`` seconds after the signature (tolerance: 300 s)
    signed_at = int(time.time())
    monkeypatch.setattr(
        importlib.import_module("stripe._webhook"), "time", types.SimpleNamespace(time=lambda: signed_at + age)
    )
    order_id = seed_order(aws.orders)
    payload = json.dumps(stripe_event("stripe_payment_intent_succeeded.json", order_id))
    response = handler.lambda_handler(webhook_event(payload, sign(payload, timestamp=signed_at)), lambda_context)
    assert response["statusCode"] == (200 if accepted else 400)
    assert _status(aws, order_id) == ("PAID" if accepted else "PENDING_PAYMENT")


def test_refund_of_a_fulfilled_order_enqueues_the_ticket_cancellation(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    order_id = seed_order(aws.orders, status="FULFILLED")
    aws.orders.update_item(
        Key={"order_id": order_id},
        UpdateExpression="SET fulfillment_id = :f",
        ExpressionAttributeValues={":f": "ful_1"},
    )
    assert _send(handler, lambda_context, stripe_event("stripe_charge_refunded.json", order_id))["statusCode"] == 200
    assert _status(aws, order_id) == "REFUNDED"
    assert aws.queued_messages() == [{"order_id": order_id}]


def test_duplicates_and_unhandled_types_say_so_in_the_log(handler: Any, aws: Any, lambda_context: Any) -> None:
    from lambda_helpers import load_event

    from stripe_webhook import deps

    order_id = seed_order(aws.orders)
    event = stripe_event("stripe_payment_intent_succeeded.json", order_id)
    with captured_log(deps.logger) as stream:
        _send(handler, lambda_context, event)
        _send(handler, lambda_context, event)
        _send(handler, lambda_context, load_event("stripe_customer_created.json"))
    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert messages.count("webhook processed") == 1
    assert messages.count("webhook ignored: event already processed") == 1
    assert messages.count("webhook ignored: event type not handled") == 1

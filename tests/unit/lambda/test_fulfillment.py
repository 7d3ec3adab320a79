"""Fulfillment worker: partner calls, retries with backoff, give-up, partial batch failures."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from lambda_helpers import (
    PARTNER_API,
    PARTNER_API_KEY,
    STRIPE_API,
    STRIPE_SECRET_KEY,
    captured_log,
    load_event,
    seed_order,
)
from responses import matchers

PARTNER_URL = f"{PARTNER_API}/v1/ticket-orders"
REFUNDS_URL = f"{STRIPE_API}/v1/refunds"
REFUND_OK = {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 18000}
OK = {
    "fulfillment_id": "ful_1",
    "tickets": [{"reference": "TCK-1", "sku": "GA-2027"}, {"reference": "TCK-2", "sku": "VIP-2027"}],
}


@pytest.fixture
def handler(fulfillment_handler: Any) -> Any:
    return fulfillment_handler


@pytest.fixture
def delays(handler: Any, monkeypatch: Any) -> list[int]:
    """Record the visibility changes (backoff) the worker asks for, still calling SQS."""
    from fulfillment import deps

    seen: list[int] = []
    real = deps.change_visibility

    def spy(arn: str, receipt: str, seconds: int) -> None:
        seen.append(seconds)
        real(arn, receipt, seconds)

    monkeypatch.setattr(deps, "change_visibility", spy)
    return seen


def sqs_event(aws: Any, bodies: list[Any], receive_count: int = 1) -> dict[str, Any]:
    """Send ``bodies`` to the queue, receive them (real receipt handles) and build the Lambda event."""
    template = load_event("sqs_fulfillment.json")["Records"][0]
    for body in bodies:
        aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=body if isinstance(body, str) else json.dumps(body))
    received = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == len(bodies)
    records = []
    for message in received:
        record = json.loads(json.dumps(template))
        record.update(messageId=message["MessageId"], receiptHandle=message["ReceiptHandle"], body=message["Body"])
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        records.append(record)
    return {"Records": records}


def _order(aws: Any, order_id: str) -> dict[str, Any]:
    return dict(aws.orders.get_item(Key={"order_id": order_id})["Item"])


def _failures(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


@responses.activate
def test_paid_order_is_fulfilled_with_idempotency_key_and_auth(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given a paid order and a partner that accepts it
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(
        PARTNER_URL,
        json=OK,
        status=201,
        match=[
            matchers.header_matcher({"Authorization": f"Bearer {PARTNER_API_KEY}", "Idempotency-Key": order_id}),
            matchers.json_params_matcher(
                {
                    "order_reference": order_id,
                    "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
                    "items": [{"sku": "GA-2027", "quantity": 2}, {"sku": "VIP-2027", "quantity": 1}],
                }
            ),
        ],
    )
    # When the message is processed
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    # Then no failures, the order is FULFILLED with its tickets
    assert response == {"batchItemFailures": []}
    item = _order(aws, order_id)
    assert item["status"] == "FULFILLED"
    assert item["fulfillment_id"] == "ful_1"
    assert item["tickets"] == OK["tickets"]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": {"error": "boom"}},
        {"status": 503, "body": "unavailable"},
        {"status": 429, "json": {"error": "slow down"}},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.ConnectTimeout("connect timed out")},
        {"body": requests.ConnectionError("refused")},
        {"status": 200, "body": "not json"},
    ],
)
@responses.activate
def test_transient_failure_is_retried_with_backoff_then_succeeds(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int], failure: dict[str, Any]
) -> None:
    # Given a partner that fails once, then succeeds
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, **failure)
    # When the first attempt runs
    first = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}], receive_count=1), lambda_context)
    # Then the record is reported failed, its visibility is pushed out, the order waits in FULFILLING
    assert len(_failures(first)) == 1
    assert delays == [30]
    assert _order(aws, order_id)["status"] == "FULFILLING"
    # When SQS redelivers (second receive) and the partner recovers
    responses.replace(responses.POST, PARTNER_URL, json=OK, status=200)
    second = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}], receive_count=2), lambda_context)
    # Then the order is fulfilled
    assert second == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "FULFILLED"


@responses.activate
def test_backoff_grows_with_attempts(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int], monkeypatch: Any
) -> None:
    from fulfillment import deps

    monkeypatch.setattr(deps, "FULFILLMENT_MAX_ATTEMPTS", 10)
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, status=500)
    for attempt in (1, 2, 3, 7):
        handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}], receive_count=attempt), lambda_context)
    assert delays == [30, 60, 120, 900]


def _refund_calls() -> list[Any]:
    return [call for call in responses.calls if call.request.url.startswith(REFUNDS_URL)]


@responses.activate
def test_gives_up_after_max_attempts_and_refunds(
    handler: Any, aws: Any, lambda_context: Any, delays: list[int]
) -> None:
    # Given the partner keeps failing and this is the last allowed receive (FULFILLMENT_MAX_ATTEMPTS=3)
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, status=502)
    responses.post(REFUNDS_URL, json=REFUND_OK)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}], receive_count=3), lambda_context)
    # Then the payment is refunded in full with an idempotency key derived from the order id
    [refund] = _refund_calls()
    assert refund.request.headers["Idempotency-Key"] == f"tth-order-{order_id}-refund"
    assert refund.request.headers["Authorization"] == f"Bearer {STRIPE_SECRET_KEY}"
    assert "payment_intent=pi_3PTest" in refund.request.body
    # And the order is REFUNDED with the reason kept; the message is done (no DLQ, no backoff)
    assert response == {"batchItemFailures": []}
    assert delays == []
    item = _order(aws, order_id)
    assert item["status"] == "REFUNDED"
    assert item["refund_id"] == "re_1"
    assert "gave up after 3 attempts" in item["failure_reason"]
    assert aws.dead_letters() == []


@pytest.mark.parametrize("status", [400, 409, 422])
@responses.activate
def test_partner_rejection_refunds_at_once(handler: Any, aws: Any, lambda_context: Any, status: int) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json={"error": "invalid sku"}, status=status)
    responses.post(REFUNDS_URL, json=REFUND_OK)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert response == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == "REFUNDED"
    assert len(responses.calls) == 2  # one partner call, one refund


@responses.activate
def test_partial_batch_failure_reports_only_failed_records(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given three orders: the partner accepts two and fails one transiently
    good_1 = seed_order(aws.orders, status="PAID")
    bad = seed_order(aws.orders, status="PAID")
    good_2 = seed_order(aws.orders, status="PAID")

    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers["Idempotency-Key"] == bad:
            return 503, {}, "unavailable"
        return 201, {}, json.dumps(OK)

    responses.add_callback(responses.POST, PARTNER_URL, callback=reply)
    event = sqs_event(aws, [{"order_id": good_1}, {"order_id": bad}, {"order_id": good_2}, "not json"])
    bad_message = next(r["messageId"] for r in event["Records"] if bad in r["body"])
    junk_message = next(r["messageId"] for r in event["Records"] if r["body"] == "not json")
    # When the batch is processed
    response = handler.lambda_handler(event, lambda_context)
    # Then only the failed and the malformed records are reported
    assert sorted(_failures(response)) == sorted([bad_message, junk_message])
    assert _order(aws, good_1)["status"] == "FULFILLED"
    assert _order(aws, good_2)["status"] == "FULFILLED"
    assert _order(aws, bad)["status"] == "FULFILLING"


@responses.activate
def test_duplicate_message_after_success_is_a_no_op(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, json=OK, status=201)
    handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert response == {"batchItemFailures": []}
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "status", ["FULFILLED", "REFUNDED", "NEEDS_REVIEW", "PENDING_PAYMENT", "REFUND_FAILED", "CANCELED"]
)
@responses.activate
def test_orders_not_paid_are_skipped(handler: Any, aws: Any, lambda_context: Any, status: str) -> None:
    order_id = seed_order(aws.orders, status=status)
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert response == {"batchItemFailures": []}
    assert _order(aws, order_id)["status"] == status
    assert len(responses.calls) == 0


@responses.activate
def test_unknown_order_is_acknowledged(handler: Any, aws: Any, lambda_context: Any) -> None:
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": "missing"}]), lambda_context)
    assert response == {"batchItemFailures": []}


@responses.activate
def test_refund_during_fulfillment_keeps_refunded_and_stores_the_tickets(
    handler: Any, aws: Any, lambda_context: Any
) -> None:
    # Given a refund webhook lands while the partner is issuing the tickets
    order_id = seed_order(aws.orders, status="FULFILLING")

    def reply(_: Any) -> tuple[int, dict[str, str], str]:
        aws.orders.update_item(
            Key={"order_id": order_id},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "REFUNDED"},
        )
        return 201, {}, json.dumps(OK)

    responses.add_callback(responses.POST, PARTNER_URL, callback=reply)
    cancel = responses.post(f"{PARTNER_URL}/ful_1/cancellation", json={"fulfillment_id": "ful_1", "status": "canceled"})
    # When the partner's answer comes back
    assert handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context) == {"batchItemFailures": []}
    # Then the refund stands, the issued tickets are kept and flagged (not thrown away) and canceled
    item = _order(aws, order_id)
    assert item["status"] == "REFUNDED"
    assert item["fulfillment_id"] == "ful_1"
    assert item["tickets"] == OK["tickets"]
    assert item["tickets_issued_after_refund"] is True
    assert cancel.call_count == 1
    assert cancel.calls[0].request.headers["Idempotency-Key"] == order_id
    assert "tickets_canceled_at" in item


@responses.activate
def test_visibility_change_failure_is_logged_and_still_reports_record(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any
) -> None:

    from botocore.exceptions import ClientError

    from fulfillment import deps

    def refuse(*_: Any) -> None:
        raise ClientError({"Error": {"Code": "ReceiptHandleIsInvalid", "Message": "no"}}, "ChangeMessageVisibility")

    monkeypatch.setattr(deps, "change_visibility", refuse)
    order_id = seed_order(aws.orders, status="PAID")
    responses.post(PARTNER_URL, status=500)
    with captured_log(deps.logger) as stream:
        response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert len(_failures(response)) == 1
    [line] = [json.loads(x) for x in stream.getvalue().splitlines() if "could not change message visibility" in x]
    assert line["level"] == "ERROR"
    assert line["error_type"] == "ClientError"


def test_missing_partner_url_fails_record(handler: Any, aws: Any, lambda_context: Any) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    aws.ssm.delete_parameter(Name="/tickets-to-heaven/prod/fulfillment/api_base_url")
    response = handler.lambda_handler(sqs_event(aws, [{"order_id": order_id}]), lambda_context)
    assert len(_failures(response)) == 1


def test_a_record_without_what_sqs_always_sends_is_refused(handler: Any) -> None:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from fulfillment.records import FulfillmentRecord

    record = load_event("sqs_fulfillment.json")["Records"][0]
    assert FulfillmentRecord.from_sqs(SQSRecord(record)).receive_count >= 1
    del record["attributes"]["ApproximateReceiveCount"]
    with pytest.raises(ValueError, match="ApproximateReceiveCount"):
        FulfillmentRecord.from_sqs(SQSRecord(record))

"""Orders API: GET /api/config, POST /api/orders, GET /api/orders/{orderId}."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from lambda_helpers import CONFIG_PATH, STRIPE_API, captured_log, load_event

PI_URL = f"{STRIPE_API}/v1/payment_intents"


@pytest.fixture
def handler(aws: Any) -> Any:
    from orders import handler

    return handler


def _pi_json(pi_id: str = "pi_123") -> dict[str, Any]:
    return {
        "id": pi_id,
        "object": "payment_intent",
        "client_secret": f"{pi_id}_secret_abc",
        "status": "requires_payment_method",
    }


def _post(
    handler: Any, ctx: Any, body: Any, headers: dict[str, str] | None = None, *, raw: str | None = None
) -> dict[str, Any]:
    event = load_event("apigw_post_order.json")
    event["body"] = raw if raw is not None else json.dumps(body)
    event["headers"].update(headers or {})
    return handler.lambda_handler(event, ctx)


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def _valid_body() -> dict[str, Any]:
    return json.loads(load_event("apigw_post_order.json")["body"])


def _get(handler: Any, ctx: Any, order_id: str, token: str | None) -> dict[str, Any]:
    event = load_event("apigw_get_order.json")
    event["path"] = f"/api/orders/{order_id}"
    event["pathParameters"] = {"orderId": order_id}
    event["headers"] = {"x-order-token": token} if token is not None else {}
    event["multiValueHeaders"] = {}
    return handler.lambda_handler(event, ctx)


def test_get_config_returns_publishable_key_and_catalog(handler: Any, lambda_context: Any) -> None:
    # Given the catalog in SSM / When the site asks for its config
    response = handler.lambda_handler(load_event("apigw_get_config.json"), lambda_context)
    # Then it gets the public parts only, in the contract's names
    assert response["statusCode"] == 200
    assert _body(response) == {
        "publishableKey": "pk_test_123",
        "currency": "eur",
        "catalog": [
            {
                "sku": "GA-2027",
                "name": "General admission",
                "description": "Standing",
                "unitAmount": 4500,
                "maxPerOrder": 10,
            },
            {"sku": "VIP-2027", "name": "VIP", "description": "Seated", "unitAmount": 9000, "maxPerOrder": 2},
        ],
    }


@responses.activate
def test_post_order_prices_from_catalog_and_creates_payment_intent(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given the real Stripe API (base URL from SSM) accepts the PaymentIntent
    aws.ssm.put_parameter(Name=f"{CONFIG_PATH}/stripe/api_base_url", Value="https://api.stripe.com", Overwrite=True)
    responses.post("https://api.stripe.com/v1/payment_intents", json=_pi_json())
    # When a valid order is posted
    response = _post(handler, lambda_context, _valid_body())
    # Then it is 201 with id, token and client secret, amount computed server-side
    assert response["statusCode"] == 201, response["body"]
    body = _body(response)
    assert set(body) == {"orderId", "orderToken", "clientSecret", "amount", "currency", "status"}
    assert body["amount"] == 2 * 4500 + 9000
    assert body["currency"] == "eur"
    assert body["status"] == "PENDING_PAYMENT"
    assert body["clientSecret"] == "pi_123_secret_abc"
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["amount"] == ["18000"]
    assert sent["currency"] == ["eur"]
    assert sent["metadata[order_id]"] == [body["orderId"]]
    assert sent["receipt_email"] == ["ada@example.com"]
    assert sent["payment_method_types[0]"] == ["card"]
    assert responses.calls[0].request.headers["Idempotency-Key"] == f"tth-order-{body['orderId']}-payment-intent"
    # And the stored order holds no plaintext PII nor the token
    item = aws.orders.get_item(Key={"order_id": body["orderId"]})["Item"]
    assert item["status"] == "PENDING_PAYMENT"
    assert item["payment_intent_id"] == "pi_123"
    stored = json.dumps(item, default=str)
    assert "ada@example.com" not in stored and "Ada Lovelace" not in stored and body["orderToken"] not in stored


@responses.activate
def test_get_order_with_token_returns_status(handler: Any, lambda_context: Any) -> None:
    # Given a placed order
    responses.post(PI_URL, json=_pi_json())
    created = _body(_post(handler, lambda_context, _valid_body()))
    # When it is read with its token
    response = _get(handler, lambda_context, created["orderId"], created["orderToken"])
    # Then the status, lines and (no) tickets come back
    assert response["statusCode"] == 200
    body = _body(response)
    assert body["orderId"] == created["orderId"]
    assert body["status"] == "PENDING_PAYMENT"
    assert body["amount"] == 18000
    assert body["tickets"] == []
    assert body["items"] == [
        {"sku": "GA-2027", "name": "General admission", "quantity": 2, "unitAmount": 4500},
        {"sku": "VIP-2027", "name": "VIP", "quantity": 1, "unitAmount": 9000},
    ]
    assert body["createdAt"].endswith("Z") and body["updatedAt"].endswith("Z")
    assert response["multiValueHeaders"]["Cache-Control"] == ["no-store"]


@responses.activate
def test_get_order_returns_tickets_once_fulfilled(handler: Any, aws: Any, lambda_context: Any) -> None:
    responses.post(PI_URL, json=_pi_json())
    created = _body(_post(handler, lambda_context, _valid_body()))
    aws.orders.update_item(
        Key={"order_id": created["orderId"]},
        UpdateExpression="SET #s = :s, tickets = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "FULFILLED", ":t": [{"reference": "TCK-1", "sku": "GA-2027"}]},
    )
    body = _body(_get(handler, lambda_context, created["orderId"], created["orderToken"]))
    assert body["status"] == "FULFILLED"
    assert body["tickets"] == [{"reference": "TCK-1", "sku": "GA-2027"}]


@pytest.mark.parametrize("token", [None, "", "wrong-token", "x" * 43])
@responses.activate
def test_get_order_with_wrong_or_missing_token_is_404(handler: Any, lambda_context: Any, token: str | None) -> None:
    responses.post(PI_URL, json=_pi_json())
    created = _body(_post(handler, lambda_context, _valid_body()))
    response = _get(handler, lambda_context, created["orderId"], token)
    assert response["statusCode"] == 404
    assert _body(response) == {"error": {"code": "NOT_FOUND", "message": "Order not found.", "details": []}}


@pytest.mark.parametrize("order_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1"])
def test_get_unknown_order_is_404(handler: Any, lambda_context: Any, order_id: str) -> None:
    response = _get(handler, lambda_context, order_id, "some-token")
    assert response["statusCode"] == 404
    assert _body(response)["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["items"][0].update(unit_amount=1), "items[0].unit_amount"),
        (lambda b: b["items"][0].update(price=1), "items[0].price"),
        (lambda b: b.update(amount=1), "amount"),
        (lambda b: b["items"][0].update(quantity=0), "items[0].quantity"),
        (lambda b: b["items"][0].update(quantity="2"), "items[0].quantity"),
        (lambda b: b["items"][0].update(quantity=1000), "items[0].quantity"),
        (lambda b: b.update(items=[]), "items"),
        (lambda b: b["customer"].update(email="not-an-email"), "customer.email"),
        (lambda b: b["customer"].update(email="a@b"), "customer.email"),
        (lambda b: b["customer"].update(name="   "), "customer.name"),
        (lambda b: b["customer"].update(name="Ada\x00"), "customer.name"),
        (lambda b: b["customer"].update(name="x" * 101), "customer.name"),
        (lambda b: b.pop("customer"), "customer"),
    ],
)
def test_post_order_rejects_invalid_fields_and_client_prices(
    handler: Any, lambda_context: Any, mutate: Any, field: str
) -> None:
    # Given a body with a tampered price or an invalid field
    body = _valid_body()
    mutate(body)
    # When posted
    response = _post(handler, lambda_context, body)
    # Then 422 VALIDATION_ERROR names the field, and nothing is charged
    assert response["statusCode"] == 422, response["body"]
    error = _body(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in error["details"]], error


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ([{"sku": "NOPE", "quantity": 1}], "items[0].sku", "unknown sku"),
        ([{"sku": "VIP-2027", "quantity": 3}], "items[0].quantity", "at most 2"),
        ([{"sku": "GA-2027", "quantity": 1}, {"sku": "GA-2027", "quantity": 1}], "items[1].sku", "only once"),
    ],
)
def test_post_order_checks_items_against_catalog(
    handler: Any, aws: Any, lambda_context: Any, items: Any, field: str, message: str
) -> None:
    body = _valid_body() | {"items": items}
    response = _post(handler, lambda_context, body)
    assert response["statusCode"] == 422
    error = _body(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == field and message in error["details"][0]["message"]
    assert aws.orders.scan()["Count"] == 0


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", "null", '"text"'])
def test_post_order_malformed_body_is_4xx(handler: Any, lambda_context: Any, raw: str) -> None:
    response = _post(handler, lambda_context, None, raw=raw)
    assert response["statusCode"] in (400, 422)
    assert _body(response)["error"]["code"] == "VALIDATION_ERROR"


def test_post_order_invalid_json_is_400(handler: Any, lambda_context: Any) -> None:
    response = _post(handler, lambda_context, None, raw='{"items": [')
    assert response["statusCode"] == 400
    assert _body(response) == {
        "error": {"code": "VALIDATION_ERROR", "message": "The request body is not valid JSON.", "details": []}
    }


def test_post_order_oversize_body_is_413(handler: Any, aws: Any, lambda_context: Any) -> None:
    body = _valid_body()
    body["customer"]["name"] = "x" * 20_000
    response = _post(handler, lambda_context, body)
    assert response["statusCode"] == 413
    assert _body(response)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert aws.orders.scan()["Count"] == 0


@responses.activate
def test_post_order_accepts_base64_body(handler: Any, lambda_context: Any) -> None:
    responses.post(PI_URL, json=_pi_json())
    event = load_event("apigw_post_order.json")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    assert handler.lambda_handler(event, lambda_context)["statusCode"] == 201


@pytest.mark.parametrize(
    ("status", "payload", "code", "http"),
    [
        (
            402,
            {"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}},
            "PAYMENT_PROVIDER_ERROR",
            502,
        ),
        (500, {"error": {"type": "api_error", "message": "boom"}}, "PAYMENT_PROVIDER_ERROR", 502),
        (
            429,
            {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "slow down"}},
            "RATE_LIMITED",
            429,
        ),
        (401, {"error": {"type": "invalid_request_error", "message": "bad key"}}, "PAYMENT_PROVIDER_ERROR", 502),
    ],
)
@responses.activate
def test_post_order_stripe_errors_map_to_stable_codes(
    handler: Any, aws: Any, lambda_context: Any, status: int, payload: Any, code: str, http: int
) -> None:
    # Given Stripe fails
    responses.post(PI_URL, json=payload, status=status)
    # When an order is posted
    response = _post(handler, lambda_context, _valid_body())
    # Then the client gets a stable code, no Stripe detail, and the order is marked PAYMENT_FAILED
    assert response["statusCode"] == http
    error = _body(response)["error"]
    assert error["code"] == code
    assert "sk_test" not in response["body"]
    [item] = aws.orders.scan()["Items"]
    assert item["status"] == "PAYMENT_FAILED"
    assert len(responses.calls) == 1  # max_network_retries=0


@responses.activate
def test_stripe_failure_logs_the_chain_and_the_stripe_request_id(handler: Any, lambda_context: Any) -> None:

    from orders import deps

    responses.post(
        PI_URL,
        json={"error": {"type": "api_error", "message": "internal /v1/secret"}},
        status=500,
        headers={"Request-Id": "req_abc123"},
    )
    with captured_log(deps.logger) as stream:
        response = _post(handler, lambda_context, _valid_body())
    assert response["statusCode"] == 502
    assert _body(response)["error"]["message"] == "The payment provider is unavailable; please retry."
    assert "internal" not in response["body"]
    [line] = [json.loads(x) for x in stream.getvalue().splitlines() if '"request failed"' in x]
    assert line["stripe_request_id"] == "req_abc123"
    assert line["error_type"] == "PaymentProviderError"
    assert line["error_chain"][1].startswith("APIError")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_post_order_with_another_content_type_is_415(handler: Any, lambda_context: Any, content_type: str) -> None:
    response = _post(handler, lambda_context, _valid_body(), {"Content-Type": content_type})
    assert response["statusCode"] == 415
    assert _body(response)["error"]["code"] == "VALIDATION_ERROR"
    assert response["headers"]["Content-Type"] == "application/json"


@responses.activate
@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json", ""])
def test_post_order_json_content_type_variants_are_accepted(
    handler: Any, lambda_context: Any, content_type: str
) -> None:
    responses.post(PI_URL, json=_pi_json())
    assert _post(handler, lambda_context, _valid_body(), {"Content-Type": content_type})["statusCode"] == 201


@responses.activate
def test_set_payment_intent_failure_is_500_and_logged(
    handler: Any, aws: Any, lambda_context: Any, monkeypatch: Any
) -> None:
    from botocore.exceptions import ClientError

    from orders import deps

    def failing(*_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "ddb"}}, "UpdateItem")

    monkeypatch.setattr(deps.order_repository, "set_payment_intent", failing)
    responses.post(PI_URL, json=_pi_json())
    response = _post(handler, lambda_context, _valid_body())
    assert response["statusCode"] == 500
    assert _body(response)["error"]["message"] == "Something went wrong on our side; please retry."
    # No client secret leaves without the order knowing its PaymentIntent; the order stays unpaid
    assert "secret" not in response["body"]
    [item] = aws.orders.scan()["Items"]
    assert item["status"] == "PENDING_PAYMENT"


def test_order_with_empty_stored_token_hash_is_never_readable(handler: Any, aws: Any, lambda_context: Any) -> None:
    from lambda_helpers import seed_order

    order_id = seed_order(aws.orders)
    aws.orders.update_item(
        Key={"order_id": order_id}, UpdateExpression="SET token_hash = :e", ExpressionAttributeValues={":e": ""}
    )
    for token in ("no-such-order", "x", ""):
        assert _get(handler, lambda_context, order_id, token)["statusCode"] == 404


@responses.activate
def test_post_order_while_the_same_key_is_in_flight_is_429(handler: Any, aws: Any, lambda_context: Any) -> None:
    import time

    # Given a request with this Idempotency-Key whose record is still in progress (another invocation)
    key = "client-key-in-flight"
    responses.post(PI_URL, json=_pi_json())
    assert _post(handler, lambda_context, _valid_body(), {"Idempotency-Key": key})["statusCode"] == 201
    [record] = aws.idempotency.scan()["Items"]
    aws.idempotency.update_item(
        Key={"id": record["id"]},
        UpdateExpression="SET #s = :s, in_progress_expiration = :e",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "INPROGRESS", ":e": int(time.time() * 1000) + 600_000},
    )
    # When the client retries at once
    response = _post(handler, lambda_context, _valid_body(), {"Idempotency-Key": key})
    # Then it is told to retry shortly, and no second order or PaymentIntent is made
    assert response["statusCode"] == 429
    assert _body(response)["error"]["code"] == "RATE_LIMITED"
    assert aws.orders.scan()["Count"] == 1
    assert len(responses.calls) == 1


@responses.activate
def test_post_order_stripe_network_error_is_502(handler: Any, lambda_context: Any) -> None:
    import requests

    responses.post(PI_URL, body=requests.ConnectionError("refused"))
    response = _post(handler, lambda_context, _valid_body())
    assert response["statusCode"] == 502
    assert _body(response)["error"]["code"] == "PAYMENT_PROVIDER_ERROR"


@responses.activate
def test_post_order_stripe_incomplete_answer_is_502(handler: Any, lambda_context: Any) -> None:
    responses.post(PI_URL, json={"id": "pi_1", "object": "payment_intent"})
    response = _post(handler, lambda_context, _valid_body())
    assert response["statusCode"] == 502


@responses.activate
def test_post_order_with_idempotency_key_replays_same_answer(handler: Any, aws: Any, lambda_context: Any) -> None:
    # Given Stripe accepts one PaymentIntent
    responses.post(PI_URL, json=_pi_json())
    headers = {"Idempotency-Key": "checkout-0123456789"}
    # When the same request is sent twice with the same key
    first = _post(handler, lambda_context, _valid_body(), headers)
    second = _post(handler, lambda_context, _valid_body(), headers)
    # Then one order and one PaymentIntent exist, and both answers are identical
    assert first["statusCode"] == second["statusCode"] == 201
    assert _body(first) == _body(second)
    assert aws.orders.scan()["Count"] == 1
    assert len(responses.calls) == 1
    # And the cached answer is stored encrypted (no token, no client secret in the clear)
    stored = json.dumps(aws.idempotency.scan()["Items"], default=str)
    assert _body(first)["orderToken"] not in stored and "secret_abc" not in stored


@responses.activate
def test_post_order_same_idempotency_key_other_body_is_rejected(handler: Any, lambda_context: Any) -> None:
    responses.post(PI_URL, json=_pi_json())
    headers = {"Idempotency-Key": "checkout-0123456789"}
    assert _post(handler, lambda_context, _valid_body(), headers)["statusCode"] == 201
    other = _valid_body() | {"items": [{"sku": "GA-2027", "quantity": 1}]}
    response = _post(handler, lambda_context, other, headers)
    assert response["statusCode"] == 422
    assert _body(response)["error"]["code"] == "VALIDATION_ERROR"


def test_post_order_invalid_idempotency_key_is_422(handler: Any, lambda_context: Any) -> None:
    response = _post(handler, lambda_context, _valid_body(), {"Idempotency-Key": "bad key!"})
    assert response["statusCode"] == 422
    assert _body(response)["error"]["details"][0]["field"] == "Idempotency-Key"


def test_unknown_route_is_404_json(handler: Any, lambda_context: Any) -> None:
    event = load_event("apigw_get_config.json")
    event["path"] = "/api/nope"
    response = handler.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 404
    assert _body(response)["error"]["code"] == "NOT_FOUND"


def test_missing_config_is_500_with_a_generic_body_and_the_cause_in_the_log(
    handler: Any, aws: Any, lambda_context: Any
) -> None:

    from orders import deps

    aws.ssm.delete_parameter(Name="/tickets-to-heaven/prod/catalog")
    with captured_log(deps.logger) as stream:
        response = handler.lambda_handler(load_event("apigw_get_config.json"), lambda_context)
    # Then the caller learns nothing internal (no parameter path, no exception text)
    assert response["statusCode"] == 500
    assert _body(response) == {
        "error": {"code": "INTERNAL_ERROR", "message": "Something went wrong on our side; please retry.", "details": []}
    }
    # And the operator's log line names the error and what was missing
    [line] = [json.loads(x) for x in stream.getvalue().splitlines() if '"request failed"' in x]
    assert line["level"] == "ERROR"
    assert line["error_type"] == "ConfigurationError"
    assert "missing SSM parameter /catalog" in line["error_chain"][0]


def test_unexpected_exception_is_500_internal_error(handler: Any, lambda_context: Any, monkeypatch: Any) -> None:
    from orders import deps

    def boom() -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(deps, "shop_parameters", boom)
    response = handler.lambda_handler(load_event("apigw_get_config.json"), lambda_context)
    assert response["statusCode"] == 500
    assert _body(response) == {
        "error": {"code": "INTERNAL_ERROR", "message": "Something went wrong on our side; please retry.", "details": []}
    }


@responses.activate
def test_post_order_to_fake_stripe_sends_only_localstripe_fields(handler: Any, lambda_context: Any) -> None:
    # Given a Stripe double (localstripe rejects receipt_email/description with 400 "Unexpected")
    responses.post(PI_URL, json=_pi_json())
    # When an order is posted
    assert _post(handler, lambda_context, _valid_body())["statusCode"] == 201
    # Then only the fields localstripe knows are sent
    sent = parse_qs(responses.calls[0].request.body)
    assert set(sent) == {"amount", "currency", "payment_method_types[0]", "metadata[order_id]"}


def test_post_order_logs_order_id_but_no_pii_or_secrets(handler: Any, lambda_context: Any) -> None:

    from orders import deps

    with captured_log(deps.logger) as stream, responses.RequestsMock() as mock:
        mock.post(PI_URL, json=_pi_json())
        created = _body(_post(handler, lambda_context, _valid_body()))
        _get(handler, lambda_context, created["orderId"], created["orderToken"])
    logs = stream.getvalue()
    assert '"message":"order created"' in logs
    assert created["orderId"] in logs
    for secret in ("ada@example.com", "Ada Lovelace", created["orderToken"], created["clientSecret"], "sk_test"):
        assert secret not in logs


@responses.activate
@pytest.mark.parametrize(
    "content_type",
    [
        "APPLICATION/JSON",
        "Application/Json; Charset=UTF-8",
        'application/json;charset="utf-8"',
        "application/merge-patch+json",
    ],
)
def test_post_order_media_type_is_case_insensitive(handler: Any, lambda_context: Any, content_type: str) -> None:
    # Given a JSON body whose media type differs from "application/json" only in case, parameters or a +json suffix
    # (media types and the charset value are case-insensitive, RFC 9110 8.3.1; the spec accepts +json)
    responses.post(PI_URL, json=_pi_json())
    # When it is posted / Then the order is created, as with the canonical spelling
    assert _post(handler, lambda_context, _valid_body(), {"Content-Type": content_type})["statusCode"] == 201


@pytest.mark.parametrize("content_type", ["application/json; charset=ISO-8859-1", "APPLICATION/JSON; charset=utf-16"])
def test_post_order_json_in_another_charset_is_415(handler: Any, lambda_context: Any, content_type: str) -> None:
    # JSON is UTF-8 (RFC 8259 8.1): a body declared in another charset gets the spec's 415, not a guess
    response = _post(handler, lambda_context, _valid_body(), {"Content-Type": content_type})
    assert response["statusCode"] == 415
    error = _body(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"] == "The request body must be application/json in UTF-8."

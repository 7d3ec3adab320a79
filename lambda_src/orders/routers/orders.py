"""``POST /api/orders`` and ``GET /api/orders/{orderId}``."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer

from orders import deps
from shop.api import SECURITY_HEADERS
from shop.crypto import Field
from shop.exceptions import RateLimitedError, ShopError, ValidationError
from shop.models import NewOrderRequest, OrderCreated, OrderView
from shop.order_service import get_order, place_order

__all__ = ["idempotency_config", "router"]

router = APIGatewayRouter()

_IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")

idempotency_config = IdempotencyConfig(
    event_key_jmespath="idempotency_key",
    payload_validation_jmespath="request",
    expires_after_seconds=15 * 60,
    raise_on_no_idempotency_key=False,
)
persistence_layer = DynamoDBPersistenceLayer(table_name=deps.IDEMPOTENCY_TABLE_NAME, boto3_client=deps.dynamodb)


class EncryptedOrderCreatedSerializer(BaseIdempotencySerializer):
    """Stores the cached 201 body (which holds the order token) encrypted under its order id."""

    def to_dict(self, data: Any) -> dict[str, Any]:
        """Encrypt an :class:`OrderCreated` for the idempotency table (the order id beside it, as its context)."""
        sealed = deps.pii_cipher().encrypt(data.model_dump_json(), order_id=data.orderId, field=Field.ORDER_CREATED)
        return {"order_id": data.orderId, "sealed": sealed}

    def from_dict(self, data: dict[str, Any]) -> OrderCreated:
        """Decrypt a cached :class:`OrderCreated`."""
        order_id = str(data.get("order_id", ""))  # a record without it does not decrypt (its context)
        plain = deps.pii_cipher().decrypt(str(data["sealed"]), order_id=order_id, field=Field.ORDER_CREATED)
        return OrderCreated.model_validate_json(plain)


@idempotent_function(
    data_keyword_argument="submission",
    persistence_store=persistence_layer,
    config=idempotency_config,
    output_serializer=EncryptedOrderCreatedSerializer(),
)
def create_order(*, submission: dict[str, Any]) -> OrderCreated:
    """Place an order once per client ``Idempotency-Key`` (same key and body: same answer)."""
    return _place(NewOrderRequest.model_validate(submission["request"]))


def _place(request: NewOrderRequest) -> OrderCreated:
    return place_order(
        request,
        deps.shop_parameters(),
        repo=deps.order_repository,
        gateway=deps.payment_gateway(),
        pii=deps.pii_cipher(),
    )


def _create_once(key: str, order: NewOrderRequest) -> OrderCreated:
    try:
        result: OrderCreated = create_order(
            submission={"idempotency_key": key, "request": order.model_dump(mode="json")}
        )
    except IdempotencyValidationError as exc:
        raise ValidationError(
            "This Idempotency-Key was already used with a different order.",
            [{"field": "Idempotency-Key", "message": "reused with a different body"}],
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise RateLimitedError("An order with this Idempotency-Key is still being placed; retry shortly.") from exc
    return result


@router.post(
    "/orders",
    summary="Place an order",
    responses={201: {"description": "Order created", "content": {"application/json": {"model": OrderCreated}}}},
)
def post_order(order: NewOrderRequest) -> Response[OrderCreated]:
    """Validate, price from the catalog, store PENDING_PAYMENT and create the PaymentIntent."""
    key = router.current_event.headers.get("Idempotency-Key")  # case-insensitive in Powertools v3
    if key is not None and not _IDEMPOTENCY_KEY_RE.match(key):
        raise ValidationError(
            "The Idempotency-Key header is not valid.",
            [{"field": "Idempotency-Key", "message": "8-128 characters of A-Z a-z 0-9 _ -"}],
        )
    try:
        created = _place(order) if key is None else _create_once(key, order)
    except ShopError as exc:
        deps.metrics.add_metric(name="OrderCreateFailed", unit=MetricUnit.Count, value=1)
        deps.logger.info("order not created", extra={"error_code": exc.code})
        raise
    deps.logger.append_keys(order_id=created.orderId)
    deps.logger.info("order created", extra={"amount": created.amount, "currency": created.currency})
    deps.metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=created,
        headers=dict(SECURITY_HEADERS),
    )


@router.get("/orders/<orderId>", summary="Read an order with its access token")
def get_order_route(orderId: str) -> OrderView:
    """Return the order's status (and tickets once fulfilled); 404 without the right ``X-Order-Token``."""
    deps.logger.append_keys(order_id=orderId[:64])
    token = router.current_event.headers.get("X-Order-Token")
    return get_order(orderId, token, repo=deps.order_repository)

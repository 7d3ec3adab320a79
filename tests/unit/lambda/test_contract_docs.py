"""docs/openapi.yaml stays in line with the code (models, routes, error codes, states)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from lambda_helpers import ROOT

from shop import exceptions, models

SPEC = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
PARTNER_SPEC = yaml.safe_load((ROOT / "docs" / "fulfillment-api.yaml").read_text())
CONTRACT_CODES = {
    "VALIDATION_ERROR", "NOT_FOUND", "PAYMENT_PROVIDER_ERROR", "PAYLOAD_TOO_LARGE",
    "INVALID_SIGNATURE", "RATE_LIMITED", "INTERNAL_ERROR",
}  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "model"),
    [
        ("PublicConfig", models.PublicConfig),
        ("CatalogItem", models.CatalogItemView),
        ("NewOrder", models.NewOrderRequest),
        ("OrderItemRequest", models.OrderItemRequest),
        ("Customer", models.Customer),
        ("OrderCreated", models.OrderCreated),
        ("Order", models.OrderView),
        ("OrderLine", models.OrderLineView),
        ("Ticket", models.TicketView),
    ],
)
def test_openapi_schema_matches_model_fields(schema: str, model: Any) -> None:
    spec = SPEC["components"]["schemas"][schema]
    assert set(spec["properties"]) == set(model.model_fields)
    assert set(spec["required"]) == set(model.model_fields)


def test_openapi_order_states_match_state_machine() -> None:
    assert SPEC["components"]["schemas"]["OrderStatus"]["enum"] == [s.value for s in models.OrderStatus]
    assert set(models.ALLOWED_TRANSITIONS) == set(models.OrderStatus)


def test_openapi_error_codes_are_the_contract_codes() -> None:
    assert set(SPEC["components"]["schemas"]["ErrorCode"]["enum"]) == CONTRACT_CODES
    public = {
        cls.code
        for cls in vars(exceptions).values()
        if (isinstance(cls, type) and issubclass(cls, exceptions.ShopError) and cls.status < 500)
        or cls is exceptions.ShopError
    }
    assert public - {"CONFLICT"} <= CONTRACT_CODES


def test_openapi_paths_match_routes(aws: Any) -> None:
    from orders.handler import app as orders_app
    from stripe_webhook.handler import app as webhook_app

    routes = set(orders_app.get_openapi_schema().paths) | set(webhook_app.get_openapi_schema().paths)
    assert {p.replace("<orderId>", "{orderId}") for p in routes} == set(SPEC["paths"])


def test_partner_spec_documents_the_client_call() -> None:
    operation = PARTNER_SPEC["paths"]["/v1/ticket-orders"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"Idempotency-Key"}
    assert set(PARTNER_SPEC["components"]["schemas"]["TicketOrderRequest"]["required"]) == {
        "order_reference", "customer", "items",
    }  # fmt: skip

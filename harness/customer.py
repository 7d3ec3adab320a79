"""A customer, and Stripe, driving the shop through the local front door (tests and benchmarks)."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import requests
import stripe

from harness.usage import DRIVER_HEADER

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness.stack import Stack

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"


class Shop:
    """What a customer (and Stripe) do, through the local front door."""

    def __init__(self, stack: Stack, api: requests.Session) -> None:
        self.stack = stack
        self.api = api
        self.url = stack.front.url

    def config(self) -> dict[str, Any]:
        reply = self.api.get(f"{self.url}/api/config", timeout=30)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def place_order(self, quantity: int = 2, email: str = "ada@example.com") -> dict[str, Any]:
        sku = self.config()["catalog"][0]["sku"]
        body: dict[str, Any] = {
            "items": [{"sku": sku, "quantity": quantity}],
            "customer": {"email": email, "name": "Ada Lovelace"},
        }
        reply = self.api.post(f"{self.url}/api/orders", json=body, timeout=30)
        assert reply.status_code == 201, reply.text
        return dict(reply.json())

    def pay(self, order: dict[str, Any], card: str = CARD_OK) -> requests.Response:
        return self.api.post(
            f"{self.url}/__stub_stripe/confirm",
            json={"clientSecret": order["clientSecret"], "cardNumber": card},
            timeout=30,
        )

    def get_order(self, order: dict[str, Any], token: str | None = None) -> requests.Response:
        # A status read by the test, not the site's own polling: the cost report models the site's.
        headers = {"X-Order-Token": token if token is not None else order["orderToken"], DRIVER_HEADER: "status-poll"}
        return self.api.get(f"{self.url}/api/orders/{order['orderId']}", headers=headers, timeout=30)

    def wait_for_status(self, order: dict[str, Any], wanted: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            reply = self.get_order(order)
            assert reply.status_code == 200, reply.text
            seen = reply.json()
            if seen["status"] == wanted:
                return dict(seen)
            time.sleep(0.3)
        raise AssertionError(f"order {order['orderId']} stayed {seen and seen['status']}, wanted {wanted}")

    def order_record(self, order_id: str) -> dict[str, Any]:
        table = self.stack.outputs["orders_table_name"]
        item = self.stack.client("dynamodb").get_item(TableName=table, Key={"order_id": {"S": order_id}})
        return dict(item.get("Item") or {})

    def send_webhook(
        self, event: dict[str, Any], secret: str | None = None, signature: str | None = None
    ) -> requests.Response:
        """POST a Stripe event to the webhook route, signed like Stripe does (or as given)."""
        payload = json.dumps(event)
        if signature is None:
            signature = stripe.WebhookSignature.generate_signature_header(
                payload, secret or self.stack.secrets.stripe_webhook_secret
            )
        return self.api.post(
            f"{self.url}/api/webhooks/stripe",
            data=payload.encode(),
            # Injected by the test (Stripe's own deliveries come from localstripe): not the shop's traffic.
            headers={"Stripe-Signature": signature, "Content-Type": "application/json", DRIVER_HEADER: "webhook"},
            timeout=30,
        )

    def stripe_events(self, payment_intent_id: str, event_type: str) -> list[dict[str, Any]]:
        # Stripe lists 10 per page by default; earlier tests (the fuzz run) leave many more.
        reply = requests.get(
            f"{self.stack.stripe.url}/v1/events",
            params={"limit": 100_000},
            auth=(self.stack.stripe.secret_key, ""),
            timeout=30,
        )
        reply.raise_for_status()
        return [
            e
            for e in reply.json()["data"]
            if e["type"] == event_type and e["data"]["object"].get("id") == payment_intent_id
        ]


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex[:24]


def wait_until(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")

"""The doubles of the outside world: Stripe (localstripe) and the fulfillment partner.

Both listen on 127.0.0.1 on free ports and stop with their context.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sys
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from harness.net import LOOPBACK, free_port
from harness.processes import child_process

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Stripe's test cards, as localstripe's payment methods.
TEST_CARDS = {
    "4242424242424242": "pm_card_visa",
    "4000000000000002": "pm_card_chargeCustomerFail",
}


class LocalStripe:
    """A running localstripe, with the calls the harness needs."""

    def __init__(self, url: str, secret_key: str) -> None:
        self.url = url
        self.secret_key = secret_key
        self._session = requests.Session()
        self._session.auth = (secret_key, "")

    def register_webhook(self, url: str, signing_secret: str) -> None:
        """Have localstripe deliver every event, signed with ``signing_secret``, to ``url``."""
        reply = self._session.post(f"{self.url}/_config/webhooks/tth", data={"url": url, "secret": signing_secret})
        reply.raise_for_status()

    @contextlib.contextmanager
    def slowed(self, seconds: float) -> Iterator[None]:
        """Answer every Stripe API call ``seconds`` late for the context (functions calling Stripe are slow)."""
        self._session.post(f"{self.url}/_config/tth_delay", data={"seconds": str(seconds)}).raise_for_status()
        try:
            yield
        finally:
            self._session.post(f"{self.url}/_config/tth_delay", data={"seconds": "0"}).raise_for_status()

    def payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        reply = self._session.get(f"{self.url}/v1/payment_intents/{payment_intent_id}")
        reply.raise_for_status()
        return dict(reply.json())

    def confirm(self, client_secret: str, card_number: str) -> tuple[int, dict[str, Any]]:
        """Confirm a PaymentIntent with a test card, as Stripe.js's ``confirmPayment`` would."""
        payment_intent_id = client_secret.split("_secret_", 1)[0]
        payment_method = TEST_CARDS.get(card_number.replace(" ", ""))
        if payment_method is None:
            error = {"type": "card_error", "code": "invalid_number", "message": "Your card number is invalid."}
            return HTTPStatus.PAYMENT_REQUIRED, {"error": error}
        # localstripe rejects confirm(payment_method=...), so attach it first, then confirm.
        attach = self._session.post(
            f"{self.url}/v1/payment_intents/{payment_intent_id}", data={"payment_method": payment_method}
        )
        if attach.status_code != HTTPStatus.OK:
            return attach.status_code, attach.json()
        confirm = self._session.post(f"{self.url}/v1/payment_intents/{payment_intent_id}/confirm")
        if confirm.status_code != HTTPStatus.OK:
            error = confirm.json().get("error", {})
            # Stripe answers a decline with 402 and type card_error; localstripe says invalid_request_error.
            card_error = confirm.status_code == HTTPStatus.PAYMENT_REQUIRED
            return confirm.status_code, {
                "error": {
                    "type": "card_error" if card_error else error.get("type", "api_error"),
                    "code": error.get("code", "card_declined"),
                    "message": error.get("message", "Your card was declined."),
                }
            }
        return HTTPStatus.OK, {"status": confirm.json()["status"], "id": payment_intent_id}

    def refunds(self, payment_intent_id: str) -> list[dict[str, Any]]:
        """The refunds of a PaymentIntent."""
        reply = self._session.get(f"{self.url}/v1/refunds", params={"payment_intent": payment_intent_id})
        reply.raise_for_status()
        return list(reply.json()["data"])

    def refund(self, payment_intent_id: str) -> dict[str, Any]:
        charge = self.payment_intent(payment_intent_id).get("latest_charge")
        charge_id = charge["id"] if isinstance(charge, dict) else charge
        reply = self._session.post(f"{self.url}/v1/refunds", data={"charge": charge_id})
        reply.raise_for_status()
        return dict(reply.json())


@contextlib.contextmanager
def localstripe(log_path: Path | None = None) -> Iterator[LocalStripe]:
    """Run localstripe on 127.0.0.1 (in memory, no shared pickle file) for the context."""
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    with child_process(
        [sys.executable, "-m", "harness.localstripe_server", "--port", str(port)],
        log_path=log_path,
        ready_url=f"{url}/v1/customers",
        ready_timeout=30,
    ):
        yield LocalStripe(url, secret_key="sk_test_" + secrets.token_hex(12))


def issue_tickets(request: Request) -> Response:
    """A well-behaved partner: one ticket per item unit, idempotent per ``Idempotency-Key``."""
    body = request.get_json(silent=True) or {}
    key = request.headers.get("Idempotency-Key", "")
    tickets = [
        {"reference": f"TKT-{key[-6:].upper()}-{n:03d}-{item.get('sku', '')}", "sku": item.get("sku")}
        for item in body.get("items", [])
        for n in range(int(item.get("quantity", 1)))
    ]
    payload = {"fulfillment_id": f"ful_{key}", "tickets": tickets}
    return Response(json.dumps(payload), status=HTTPStatus.CREATED, content_type="application/json")


def cancel_tickets(request: Request) -> Response:
    """A well-behaved partner's cancellation: idempotent, always ``canceled``."""
    fulfillment_id = request.path.split("/")[-2]
    payload = {"fulfillment_id": fulfillment_id, "status": "canceled"}
    return Response(json.dumps(payload), status=HTTPStatus.OK, content_type="application/json")


CANCEL_PATH = re.compile(r"^/v1/ticket-orders/[^/]+/cancellation$")


def serve_partner(server: HTTPServer) -> None:
    """The partner's default behaviour (docs/fulfillment-api.yaml): issue and cancel tickets."""
    server.expect_request("/v1/ticket-orders", method="POST").respond_with_handler(issue_tickets)
    server.expect_request(CANCEL_PATH, method="POST").respond_with_handler(cancel_tickets)


@contextlib.contextmanager
def partner_api(default_behaviour: bool = True) -> Iterator[HTTPServer]:
    """Run the fulfillment partner's mock API (pytest-httpserver) on 127.0.0.1.

    With ``default_behaviour`` it issues tickets for every order (for ``make up``); tests
    clear it and script the answers they need.
    """
    server = HTTPServer(host=LOOPBACK, port=free_port(), threaded=True)
    server.start()
    if default_behaviour:
        serve_partner(server)
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


__all__ = [
    "CANCEL_PATH",
    "TEST_CARDS",
    "LocalStripe",
    "cancel_tickets",
    "issue_tickets",
    "localstripe",
    "partner_api",
    "serve_partner",
]

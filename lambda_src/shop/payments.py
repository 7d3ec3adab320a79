"""Stripe gateway: PaymentIntents (``StripeClient``) and webhook signature verification.

The gateway is a small :class:`PaymentGateway` Protocol so domain code and tests can swap it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from shop.config import STRIPE_TIMEOUT_SECONDS, get_secret_string, load_settings
from shop.exceptions import (
    InvalidSignatureError,
    MalformedBodyError,
    PaymentProviderError,
    PaymentRejectedError,
    RateLimitedError,
)

__all__ = [
    "STRIPE_API_BASE_URL",
    "STRIPE_TIMEOUT_SECONDS",
    "PaymentGateway",
    "PaymentIntentRef",
    "RefundRef",
    "StripeGateway",
    "is_stripe_api",
    "make_stripe_client",
    "stripe_gateway",
    "verify_webhook",
]

if TYPE_CHECKING:
    import stripe

WEBHOOK_TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class PaymentIntentRef:
    """The parts of a PaymentIntent the shop keeps or hands to the browser."""

    id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class RefundRef:
    """A refund as Stripe answered it (``status``: ``succeeded``, ``pending``, ``failed``, ...)."""

    id: str
    status: str


class PaymentGateway(Protocol):
    """What the order flow needs from a payment provider."""

    def create_payment_intent(
        self, *, order_id: str, amount: int, currency: str, receipt_email: str, idempotency_key: str
    ) -> PaymentIntentRef:
        """Create a PaymentIntent for an order."""
        ...

    def order_id_for_payment_intent(self, payment_intent_id: str) -> str | None:
        """Return ``metadata.order_id`` of a PaymentIntent (or ``None``)."""
        ...

    def payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        """The PaymentIntent as the provider has it now (the object of its events)."""
        ...

    def refund_payment(self, payment_intent_id: str, *, order_id: str, idempotency_key: str) -> RefundRef:
        """Refund a PaymentIntent in full."""
        ...

    def cancel_payment_intent(self, payment_intent_id: str, *, idempotency_key: str) -> None:
        """Cancel an unpaid PaymentIntent."""
        ...


def is_stripe_api(base_url: str) -> bool:
    """Whether ``base_url`` is Stripe's own API (not localstripe or another fake)."""
    return base_url.rstrip("/") == STRIPE_API_BASE_URL


@lru_cache(maxsize=4)
def make_stripe_client(secret_key: str, api_base_url: str, max_network_retries: int = 1) -> stripe.StripeClient:
    """Return a (cached) ``StripeClient`` for a key and API base URL (localstripe in tests)."""
    import stripe  # on the paths that call Stripe only: the SDK is a large share of the cold start

    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base_url},
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
    )


def stripe_gateway(secret_key_secret_id: str, config_parameter_path: str, max_network_retries: int) -> StripeGateway:
    """The gateway for the current secret key and API base URL (both cached; client cached per pair)."""
    base_url = load_settings(config_parameter_path).stripe_api_base_url
    client = make_stripe_client(get_secret_string(secret_key_secret_id), base_url, max_network_retries)
    return StripeGateway(client, receipt_fields=is_stripe_api(base_url))


def _provider_error(exc: stripe.StripeError) -> Exception:
    """Translate a Stripe SDK error into a domain error (no secrets in the message).

    The Stripe error stays the ``__cause__``: its ``request_id`` is logged with the fault.
    """
    import stripe

    if isinstance(exc, stripe.RateLimitError):
        return RateLimitedError("The payment provider is busy; please retry shortly.")
    if isinstance(exc, stripe.CardError):
        return PaymentProviderError("The payment provider declined the payment.")
    return PaymentProviderError("The payment provider is unavailable; please retry.")


STRIPE_API_BASE_URL = "https://api.stripe.com"


class StripeGateway:
    """:class:`PaymentGateway` backed by ``stripe.StripeClient``.

    Parameters
    ----------
    client:
        The Stripe client.
    receipt_fields:
        Send ``receipt_email`` and ``description``. On by default; the deps turn it off when the API
        base URL is not Stripe's own (localstripe answers 400 "Unexpected receipt_email").
    """

    def __init__(self, client: stripe.StripeClient, *, receipt_fields: bool = True) -> None:
        self._client = client
        self._receipt_fields = receipt_fields

    def create_payment_intent(
        self, *, order_id: str, amount: int, currency: str, receipt_email: str, idempotency_key: str
    ) -> PaymentIntentRef:
        """Create a card PaymentIntent (amount in minor units) with ``metadata.order_id``.

        Raises
        ------
        RateLimitedError
            Stripe answered 429.
        PaymentProviderError
            Any other Stripe error (declines, 5xx, network).
        """
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency,
            "payment_method_types": ["card"],
            "metadata": {"order_id": order_id},
        }
        if self._receipt_fields:
            params |= {"receipt_email": receipt_email, "description": f"TicketsToHeaven order {order_id}"}
        import stripe

        try:
            intent = self._client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        intent_id, client_secret = getattr(intent, "id", None), getattr(intent, "client_secret", None)
        if not intent_id or not client_secret:
            raise PaymentProviderError("The payment provider returned an incomplete PaymentIntent.")
        return PaymentIntentRef(id=str(intent_id), client_secret=str(client_secret))

    def order_id_for_payment_intent(self, payment_intent_id: str) -> str | None:
        """Look up ``metadata.order_id`` of a PaymentIntent (for charge and dispute events)."""
        metadata = self.payment_intent(payment_intent_id).get("metadata") or {}
        order_id = metadata.get("order_id")
        return str(order_id) if order_id else None

    def payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        """Retrieve a PaymentIntent as a plain dict, the shape of ``data.object`` in its events."""
        import stripe

        try:
            intent = self._client.v1.payment_intents.retrieve(payment_intent_id)
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return dict(intent.to_dict())

    def refund_payment(self, payment_intent_id: str, *, order_id: str, idempotency_key: str) -> RefundRef:
        """Refund a PaymentIntent in full (``metadata.order_id`` lets refund events find the order).

        A charge that is already refunded counts as refunded.

        Raises
        ------
        PaymentRejectedError
            Stripe rejected the refund for good (invalid request).
        RateLimitedError, PaymentProviderError
            Transient: retry later with the same idempotency key.
        """
        import stripe

        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "metadata": {"order_id": order_id}},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as exc:
            if exc.code == "charge_already_refunded":
                return RefundRef(id="", status="succeeded")
            raise PaymentRejectedError("The payment provider rejected the refund.") from exc
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return RefundRef(id=str(getattr(refund, "id", "") or ""), status=str(getattr(refund, "status", "") or ""))

    def cancel_payment_intent(self, payment_intent_id: str, *, idempotency_key: str) -> None:
        """Cancel an unpaid PaymentIntent (no ``cancellation_reason``: localstripe rejects the argument).

        Raises
        ------
        PaymentRejectedError
            The PaymentIntent can no longer be canceled (it succeeded, or is already canceled).
        RateLimitedError, PaymentProviderError
            Transient: retry later.
        """
        import stripe

        try:
            self._client.v1.payment_intents.cancel(payment_intent_id, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as exc:
            raise PaymentRejectedError("The payment provider refused to cancel the PaymentIntent.") from exc
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc


def verify_webhook(
    payload: bytes, signature_header: str | None, secret: str, *, tolerance: int = WEBHOOK_TOLERANCE_SECONDS
) -> dict[str, Any]:
    """Verify ``Stripe-Signature`` over the raw body and return the parsed event.

    Raises
    ------
    InvalidSignatureError
        Missing, malformed, forged or stale signature.
    MalformedBodyError
        Signed body that is not UTF-8 or not a JSON Stripe event object.
    """
    import stripe

    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBodyError("Webhook body is not valid UTF-8.") from exc
    try:
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignatureError("Webhook signature verification failed.") from exc
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise MalformedBodyError("Webhook body is not valid JSON.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise MalformedBodyError("Webhook body is not a Stripe event.")
    return event

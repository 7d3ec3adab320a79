"""Domain exceptions, all derived from :class:`ShopError`.

Each exception carries the stable error ``code`` and HTTP ``status`` that the API
layer maps to the JSON error shape ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigurationError",
    "EventInProgressError",
    "FulfillmentError",
    "FulfillmentPermanentError",
    "FulfillmentRetryableError",
    "InvalidSignatureError",
    "MalformedBodyError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentProviderError",
    "PaymentRejectedError",
    "RateLimitedError",
    "ShopError",
    "UnsupportedMediaTypeError",
    "ValidationError",
]


class ShopError(Exception):
    """Base class of every error raised by the shop's own code."""

    code = "INTERNAL_ERROR"
    status = 500

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ConfigurationError(ShopError):
    """A required environment variable, parameter or secret is missing or malformed."""


class ValidationError(ShopError):
    """The client sent input that does not satisfy the contract."""

    code = "VALIDATION_ERROR"
    status = 422


class MalformedBodyError(ValidationError):
    """The request body is not parseable (malformed JSON, not an object, not UTF-8)."""

    status = 400


class PayloadTooLargeError(ShopError):
    """The request body exceeds the size limit."""

    code = "PAYLOAD_TOO_LARGE"
    status = 413


class NotFoundError(ShopError):
    """Unknown resource, or a resource the caller may not see (same answer on purpose)."""

    code = "NOT_FOUND"
    status = 404


class PaymentProviderError(ShopError):
    """Stripe refused or failed the request."""

    code = "PAYMENT_PROVIDER_ERROR"
    status = 502


class RateLimitedError(ShopError):
    """An upstream provider rate-limited us; the client may retry later."""

    code = "RATE_LIMITED"
    status = 429


class InvalidSignatureError(ShopError):
    """A webhook's signature is missing, forged, stale, or the body is not JSON."""

    code = "INVALID_SIGNATURE"
    status = 400


class UnsupportedMediaTypeError(ValidationError):
    """The request body is not ``application/json``."""

    status = 415


class EventInProgressError(ShopError):
    """Another delivery of the same Stripe event is being processed: answer non-2xx so Stripe retries."""

    code = "CONFLICT"
    status = 409


class PaymentRejectedError(PaymentProviderError):
    """Stripe rejected a request for good (invalid request, e.g. a refund of a failed charge)."""


class FulfillmentError(ShopError):
    """Base class of errors raised by a fulfillment client."""

    code = "FULFILLMENT_ERROR"


class FulfillmentRetryableError(FulfillmentError):
    """Failure that may recover (401/403/404/408/429, 5xx, timeout, connection error): try again later.

    ``retry_after`` is the partner's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(self, message: str, *, retry_after: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.partner_status = status


class FulfillmentPermanentError(FulfillmentError):
    """The partner explicitly rejected the order (400/409/422 ...): retrying cannot help."""

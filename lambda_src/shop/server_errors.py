"""How a fault is logged for the operator, in one place for the HTTP functions and fulfillment.

Apart from :mod:`shop.api`, so that fulfillment (no HTTP) does not import Powertools' event handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

__all__ = ["log_server_error", "stripe_request_id"]


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes (``raise ... from``) or contexts, outermost first, without cycles."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not other for other in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def stripe_request_id(exc: BaseException) -> str | None:
    """The ``request_id`` of a Stripe error anywhere in the chain (what Stripe support asks for)."""
    for link in _chain(exc):
        request_id = getattr(link, "request_id", None)
        if isinstance(request_id, str) and request_id:
            return request_id
    return None


def log_server_error(logger: Logger, exc: BaseException, message: str = "request failed") -> None:
    """Log a fault for the operator: the traceback with its whole cause chain, and the Stripe request id."""
    logger.error(
        message,
        exc_info=exc,
        extra={
            "error_type": type(exc).__name__,
            "error_code": getattr(exc, "code", "INTERNAL_ERROR"),
            "error_chain": [f"{type(link).__name__}: {link}" for link in _chain(exc)],
            "stripe_request_id": stripe_request_id(exc),
        },
    )

"""HTTP plumbing shared by the API functions: the JSON error shape, exception mapping, body limit.

Every error leaves as ``{"error": {"code", "message", "details"}}`` with a stable code
(docs/contracts.md). :func:`map_exception` is the only place that turns exceptions into HTTP
answers: the resolver's handler and the pre-routing guard (413, 415) both go through it.
"""

from __future__ import annotations

import base64
import binascii
import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

from shop.exceptions import MalformedBodyError, PayloadTooLargeError, ShopError, UnsupportedMediaTypeError
from shop.server_errors import log_server_error, stripe_request_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = [
    "SECURITY_HEADERS",
    "check_request",
    "error_response",
    "guard_request",
    "log_server_error",
    "map_exception",
    "raw_body",
    "register_error_handlers",
    "security_headers",
    "stripe_request_id",
]

_JSON_ONLY_MESSAGE = "The request body must be application/json."
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_SERVICE_ERROR_CODES = {
    HTTPStatus.BAD_REQUEST: "VALIDATION_ERROR",
    HTTPStatus.NOT_FOUND: "NOT_FOUND",
    HTTPStatus.METHOD_NOT_ALLOWED: "NOT_FOUND",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "VALIDATION_ERROR",
    HTTPStatus.UNPROCESSABLE_ENTITY: "VALIDATION_ERROR",
    HTTPStatus.TOO_MANY_REQUESTS: "RATE_LIMITED",
}


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the contract's error object."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response[Any]:
    """Build a JSON error :class:`Response`."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(code, message, details)),
        headers=dict(SECURITY_HEADERS),
    )


def _loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "header", "path") else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        message = str(err.get("msg") or err.get("type") or "invalid")
        if err.get("type") == "extra_forbidden":
            message = "unknown field (prices and other extra fields are not accepted)"
        details.append({"field": _loc_to_field(err.get("loc", ())), "message": message})
    return details


_GENERIC_5XX_MESSAGES = {
    "PAYMENT_PROVIDER_ERROR": "The payment provider is unavailable; please retry.",
    "RATE_LIMITED": "Too many requests; please retry shortly.",
}
_GENERIC_5XX_MESSAGE = "Something went wrong on our side; please retry."


def map_exception(exc: Exception, logger: Logger) -> Response[Any]:
    """The one mapping from an exception to the JSON error answer.

    4xx answers say what the caller got wrong; 5xx answers are generic and the detail goes to the log.
    """
    if isinstance(exc, RequestUnsupportedContentType):
        return error_response(415, "VALIDATION_ERROR", _JSON_ONLY_MESSAGE)
    if isinstance(exc, RequestValidationError):
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return error_response(400, "VALIDATION_ERROR", "The request body is not valid JSON.")
        return error_response(422, "VALIDATION_ERROR", "The request is not valid.", _validation_details(exc))
    if isinstance(exc, ShopError) and exc.status < 500:
        return error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, ServiceError) and exc.status_code < 500:
        code = _SERVICE_ERROR_CODES.get(HTTPStatus(exc.status_code), "VALIDATION_ERROR")
        if code == "NOT_FOUND":
            return error_response(404, code, "Not found.")
        return error_response(exc.status_code, code, str(exc.msg))
    log_server_error(logger, exc)
    if isinstance(exc, ShopError):
        return error_response(exc.status, exc.code, _GENERIC_5XX_MESSAGES.get(exc.code, _GENERIC_5XX_MESSAGE))
    return error_response(500, "INTERNAL_ERROR", _GENERIC_5XX_MESSAGE)


def register_error_handlers(app: APIGatewayRestResolver, logger: Logger) -> None:
    """Route every exception of the resolver through :func:`map_exception`."""

    @app.exception_handler(Exception)
    def _any(exc: Exception) -> Response[Any]:
        return map_exception(exc, logger)

    @app.not_found
    def _not_found(_: Exception) -> Response[Any]:
        return error_response(404, "NOT_FOUND", "Not found.")


def security_headers(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Route middleware: responses carry personal data, so no caching anywhere."""
    response = next_middleware(app)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def raw_body(event: dict[str, Any]) -> bytes:
    """Return the request body exactly as sent (base64-decoded when API Gateway says so).

    Raises
    ------
    MalformedBodyError
        When ``isBase64Encoded`` is set but the body is not valid base64.
    """
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedBodyError("The request body is not valid base64.") from exc
    return body.encode("utf-8")


def _to_proxy(response: Response[Any]) -> dict[str, Any]:
    """A :class:`Response` built outside the resolver, as the API Gateway proxy answer."""
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": response.content_type or content_types.APPLICATION_JSON, **response.headers},
        "body": response.body,
        "isBase64Encoded": False,
    }


def _content_type(event: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The request's media type and parameters, lower-cased where RFC 9110 (8.3.1) makes them case-insensitive."""
    headers = event.get("headers") or {}
    for name, value in headers.items():
        if name.lower() == "content-type" and isinstance(value, str) and value.strip():
            media_type, *parameters = value.split(";")
            pairs = (p.partition("=") for p in parameters)
            return media_type.strip().lower(), {k.strip().lower(): v.strip().strip('"') for k, _, v in pairs}
    return None


def _with_canonical_json_type(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with its Content-Type spelled ``application/json``, the one spelling Powertools parses as JSON."""
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = content_types.APPLICATION_JSON
    if event.get("multiValueHeaders") is not None:
        multi["Content-Type"] = [content_types.APPLICATION_JSON]
        return {**event, "headers": headers, "multiValueHeaders": multi}
    return {**event, "headers": headers}


def check_request(event: dict[str, Any], *, max_bytes: int, json_only: bool) -> None:
    """Reject what no route accepts before any parsing.

    Raises
    ------
    PayloadTooLargeError
        The body exceeds ``max_bytes``.
    UnsupportedMediaTypeError
        ``json_only`` and a body sent with a ``Content-Type`` other than ``application/json`` (or ``+json``),
        or with a charset other than UTF-8 (JSON is UTF-8, RFC 8259 8.1).
    """
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8"))
    if size > max_bytes:
        raise PayloadTooLargeError(f"The request body exceeds {max_bytes} bytes.")
    content_type = _content_type(event)
    if not (json_only and body and content_type):
        return
    media_type, parameters = content_type
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaTypeError(_JSON_ONLY_MESSAGE)
    if parameters.get("charset", "utf-8").lower() != "utf-8":
        raise UnsupportedMediaTypeError("The request body must be application/json in UTF-8.")


@lambda_handler_decorator
def guard_request(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
    logger: Logger,
    max_bytes: int = 16 * 1024,
    json_only: bool = False,
) -> dict[str, Any]:
    """Answer 413/415 through :func:`map_exception` before the resolver parses anything.

    With ``json_only`` the body must also be UTF-8 text: API Gateway hands any other body over
    base64-encoded, and the resolver would fail decoding it (``UnicodeDecodeError``, a 500). It is
    decoded here once, a 400 if it is not text, and passed on as text.
    """
    try:
        check_request(event, max_bytes=max_bytes, json_only=json_only)
        if json_only and event.get("isBase64Encoded"):
            event = {**event, "body": _text_body(event), "isBase64Encoded": False}
        if json_only and event.get("body") and _content_type(event):
            # Accepted above in any spelling (APPLICATION/JSON, +json, charset=UTF-8); Powertools would 415 those.
            event = _with_canonical_json_type(event)
    except ShopError as exc:
        return _to_proxy(map_exception(exc, logger))
    return handler(event, context)


def _text_body(event: dict[str, Any]) -> str:
    try:
        return raw_body(event).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBodyError("The request body is not valid UTF-8 text.") from exc

"""HTTP plumbing shared by the API functions: the JSON error shape, exception mapping, body limit.

Every error leaves as ``{"error": {"code", "message", "details"}}`` with a stable code
(docs/contracts.md). Domain errors are mapped in :func:`register_error_handlers`, the only
place that turns exceptions into HTTP answers.
"""

from __future__ import annotations

import base64
import binascii
import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

from shop.exceptions import MalformedBodyError, ShopError

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = [
    "SECURITY_HEADERS",
    "error_response",
    "raw_body",
    "register_error_handlers",
    "reject_oversize_body",
    "require_text_body",
    "security_headers",
]

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


def register_error_handlers(app: APIGatewayRestResolver, logger: Logger) -> None:
    """Map every exception to the JSON error shape (one place for the whole resolver)."""

    @app.exception_handler(RequestValidationError)
    def _validation(exc: RequestValidationError) -> Response[Any]:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return error_response(400, "VALIDATION_ERROR", "The request body is not valid JSON.")
        return error_response(422, "VALIDATION_ERROR", "The request is not valid.", _validation_details(exc))

    @app.exception_handler(ShopError)
    def _domain(exc: ShopError) -> Response[Any]:
        if exc.status >= 500:
            logger.warning("request failed", extra={"error_code": exc.code, "error_type": type(exc).__name__})
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(ServiceError)
    def _service(exc: ServiceError) -> Response[Any]:
        code = _SERVICE_ERROR_CODES.get(HTTPStatus(exc.status_code), "VALIDATION_ERROR")
        status = 404 if code == "NOT_FOUND" else exc.status_code
        message = "Not found." if code == "NOT_FOUND" else str(exc.msg)
        return error_response(status, code, message)

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
        return error_response(500, "INTERNAL_ERROR", "Something went wrong on our side; please retry.")

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


def _proxy_error(status: int, code: str, message: str) -> dict[str, Any]:
    """An error as a Lambda proxy response, for answers given before the resolver runs."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **SECURITY_HEADERS},
        "body": json.dumps(error_body(code, message)),
        "isBase64Encoded": False,
    }


@lambda_handler_decorator
def reject_oversize_body(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
    max_bytes: int = 16 * 1024,
) -> dict[str, Any]:
    """Answer 413 ``PAYLOAD_TOO_LARGE`` before any parsing when the body exceeds ``max_bytes``."""
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8"))
    if size > max_bytes:
        return _proxy_error(413, "PAYLOAD_TOO_LARGE", f"The request body exceeds {max_bytes} bytes.")
    return handler(event, context)


@lambda_handler_decorator
def require_text_body(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
) -> dict[str, Any]:
    """Answer 400 ``VALIDATION_ERROR`` for a body that is not UTF-8 text, before any parsing.

    API Gateway hands a body that is not UTF-8 over base64-encoded; the resolver would decode it
    and fail with ``UnicodeDecodeError`` (a 500). A JSON API reads text only, so the body is
    decoded here once and passed on as text.
    """
    if not event.get("isBase64Encoded"):
        return handler(event, context)
    try:
        text = raw_body(event).decode("utf-8")
    except MalformedBodyError as exc:
        return _proxy_error(exc.status, exc.code, exc.message)
    except UnicodeDecodeError:
        return _proxy_error(400, "VALIDATION_ERROR", "The request body is not valid UTF-8 text.")
    return handler({**event, "body": text, "isBase64Encoded": False}, context)

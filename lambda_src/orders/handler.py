"""Entry point of the orders function (``orders.handler.lambda_handler``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths

from orders import deps
from orders.routers import config as config_routes
from orders.routers import orders as order_routes
from shop.api import guard_request, register_error_handlers, security_headers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["app", "lambda_handler"]

MAX_BODY_BYTES = 16 * 1024

app = APIGatewayRestResolver(enable_validation=True, strip_prefixes=["/api"])
app.include_router(config_routes.router)
app.include_router(order_routes.router)
app.use(middlewares=[security_headers])
register_error_handlers(app, deps.logger)


@deps.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@deps.tracer.capture_lambda_handler(capture_response=False)
@deps.metrics.log_metrics
@guard_request(logger=deps.logger, max_bytes=MAX_BODY_BYTES, json_only=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route an API Gateway REST event."""
    order_routes.idempotency_config.register_lambda_context(context)
    return app.resolve(event, context)

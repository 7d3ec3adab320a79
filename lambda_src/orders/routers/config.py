"""``GET /api/config``: what the site needs to render the shop (no secrets)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from orders import deps
from shop.models import CatalogItemView, PublicConfig

__all__ = ["router"]

router = APIGatewayRouter()


@router.get("/config", summary="Public site configuration", response_description="Publishable key and catalog")
def get_config() -> PublicConfig:
    """Return the Stripe publishable key, the currency and the catalog."""
    params = deps.shop_parameters()
    return PublicConfig(
        publishableKey=params.publishable_key,
        currency=params.currency,
        catalog=[
            CatalogItemView(
                sku=item.sku,
                name=item.name,
                description=item.description,
                unitAmount=item.unit_amount,
                maxPerOrder=item.max_per_order,
            )
            for item in params.catalog
        ],
    )

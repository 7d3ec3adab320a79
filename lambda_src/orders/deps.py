"""Module-level collaborators of the orders function, created once per execution environment.

Environment (docs/contracts.md): ``ORDERS_TABLE_NAME``, ``IDEMPOTENCY_TABLE_NAME``,
``CONFIG_PARAMETER_PATH``, ``STRIPE_SECRET_KEY_SECRET_ID``, ``PII_KMS_KEY_ID``.
Optional: ``STRIPE_MAX_NETWORK_RETRIES`` (default 1; tests use 0).
"""

from __future__ import annotations

import os

import boto3
from aws_lambda_powertools import Logger, Metrics

from shop.config import ShopParameters, load_parameters, require_env
from shop.crypto import FieldCipher, field_cipher
from shop.payments import StripeGateway, stripe_gateway
from shop.repository import OrderRepository
from shop.tracing import make_tracer

__all__ = [
    "IDEMPOTENCY_TABLE_NAME",
    "dynamodb",
    "logger",
    "metrics",
    "order_repository",
    "payment_gateway",
    "pii_cipher",
    "shop_parameters",
    "tracer",
]

logger = Logger()
tracer = make_tracer()
metrics = Metrics()

ORDERS_TABLE_NAME = require_env("ORDERS_TABLE_NAME")
IDEMPOTENCY_TABLE_NAME = require_env("IDEMPOTENCY_TABLE_NAME")
CONFIG_PARAMETER_PATH = require_env("CONFIG_PARAMETER_PATH")
STRIPE_SECRET_KEY_SECRET_ID = require_env("STRIPE_SECRET_KEY_SECRET_ID")
PII_KMS_KEY_ID = require_env("PII_KMS_KEY_ID")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "1"))

dynamodb = boto3.client("dynamodb")
order_repository = OrderRepository(dynamodb, ORDERS_TABLE_NAME)


def shop_parameters() -> ShopParameters:
    """Catalog, currency and endpoints from SSM (cached)."""
    return load_parameters(CONFIG_PARAMETER_PATH)


def payment_gateway() -> StripeGateway:
    """Stripe gateway for the current secret key and API base URL (client cached per pair)."""
    return stripe_gateway(STRIPE_SECRET_KEY_SECRET_ID, CONFIG_PARAMETER_PATH, STRIPE_MAX_NETWORK_RETRIES)


def pii_cipher() -> FieldCipher:
    """KMS encryption of the PII fields (client created on first use)."""
    return field_cipher(PII_KMS_KEY_ID)

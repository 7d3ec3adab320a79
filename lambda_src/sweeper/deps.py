"""Module-level collaborators of the sweeper function.

Environment (docs/contracts.md): ``ORDERS_TABLE_NAME``, ``FULFILLMENT_QUEUE_URL``,
``CONFIG_PARAMETER_PATH``, ``STRIPE_SECRET_KEY_SECRET_ID`` (cancels abandoned PaymentIntents).
"""

from __future__ import annotations

import os

import boto3
from aws_lambda_powertools import Logger, Metrics

from shop.config import require_env
from shop.fulfillment_queue import FulfillmentQueue
from shop.payments import StripeGateway, stripe_gateway
from shop.repository import OrderRepository
from shop.tracing import make_tracer

__all__ = ["enqueue_fulfillment", "logger", "metrics", "order_repository", "payment_gateway", "tracer"]

logger = Logger()
tracer = make_tracer()
metrics = Metrics()

ORDERS_TABLE_NAME = require_env("ORDERS_TABLE_NAME")
FULFILLMENT_QUEUE_URL = require_env("FULFILLMENT_QUEUE_URL")
CONFIG_PARAMETER_PATH = require_env("CONFIG_PARAMETER_PATH")
STRIPE_SECRET_KEY_SECRET_ID = require_env("STRIPE_SECRET_KEY_SECRET_ID")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "1"))

order_repository = OrderRepository(boto3.client("dynamodb"), ORDERS_TABLE_NAME)
#: Sends ``{"order_id": ...}`` to the fulfillment queue again (fulfillment is idempotent).
enqueue_fulfillment = FulfillmentQueue(None, FULFILLMENT_QUEUE_URL).enqueue  # its client at the first send


def payment_gateway() -> StripeGateway:
    """Stripe gateway (cancels the PaymentIntents of abandoned orders)."""
    return stripe_gateway(STRIPE_SECRET_KEY_SECRET_ID, CONFIG_PARAMETER_PATH, STRIPE_MAX_NETWORK_RETRIES)

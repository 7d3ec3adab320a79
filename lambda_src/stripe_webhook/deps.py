"""Module-level collaborators of the stripe_webhook function.

Environment (docs/contracts.md): ``ORDERS_TABLE_NAME``, ``EVENTS_TABLE_NAME``, ``FULFILLMENT_QUEUE_URL``,
``CONFIG_PARAMETER_PATH``, ``STRIPE_WEBHOOK_SECRET_ID``, ``STRIPE_SECRET_KEY_SECRET_ID`` (the last
one only to look up the order of a charge/dispute event whose metadata lacks ``order_id``).
"""

from __future__ import annotations

import os

import boto3
from aws_lambda_powertools import Logger, Metrics

from shop.config import get_secret_string, require_env
from shop.fulfillment_queue import FulfillmentQueue
from shop.payments import StripeGateway, stripe_gateway
from shop.repository import EventRepository, OrderRepository
from shop.tracing import make_tracer

__all__ = [
    "enqueue_fulfillment",
    "event_repository",
    "logger",
    "metrics",
    "order_repository",
    "payment_gateway",
    "signing_secret",
    "tracer",
]

logger = Logger()
tracer = make_tracer()
metrics = Metrics()

ORDERS_TABLE_NAME = require_env("ORDERS_TABLE_NAME")
EVENTS_TABLE_NAME = require_env("EVENTS_TABLE_NAME")
FULFILLMENT_QUEUE_URL = require_env("FULFILLMENT_QUEUE_URL")
CONFIG_PARAMETER_PATH = require_env("CONFIG_PARAMETER_PATH")
STRIPE_WEBHOOK_SECRET_ID = require_env("STRIPE_WEBHOOK_SECRET_ID")
STRIPE_SECRET_KEY_SECRET_ID = require_env("STRIPE_SECRET_KEY_SECRET_ID")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "1"))

_dynamodb = boto3.client("dynamodb")
order_repository = OrderRepository(_dynamodb, ORDERS_TABLE_NAME)
event_repository = EventRepository(_dynamodb, EVENTS_TABLE_NAME)


def signing_secret() -> str:
    """Webhook signing secret (``whsec_...``, cached)."""
    return get_secret_string(STRIPE_WEBHOOK_SECRET_ID)


def payment_gateway() -> StripeGateway:
    """Stripe gateway (only used to resolve charge/dispute events to an order)."""
    return stripe_gateway(STRIPE_SECRET_KEY_SECRET_ID, CONFIG_PARAMETER_PATH, STRIPE_MAX_NETWORK_RETRIES)


#: Sends ``{"order_id": ...}`` to the fulfillment queue.
enqueue_fulfillment = FulfillmentQueue(None, FULFILLMENT_QUEUE_URL).enqueue  # its client at the first send

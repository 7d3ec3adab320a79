"""Module-level collaborators of the fulfillment function.

Environment (docs/contracts.md): ``ORDERS_TABLE_NAME``, ``IDEMPOTENCY_TABLE_NAME``,
``FULFILLMENT_MAX_ATTEMPTS``, ``CONFIG_PARAMETER_PATH``, ``FULFILLMENT_API_KEY_PARAMETER`` (SecureString),
``PII_KMS_KEY_ID``, ``STRIPE_SECRET_KEY_SECRET_ID`` (refunds), ``FULFILLMENT_DLQ_URL`` (orders
parked for review), ``AUTO_REFUND_FAILED_FULFILLMENT`` (``true``/``false``, default ``true``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from aws_lambda_powertools import Logger, Metrics

from shop.config import env_flag, get_secure_parameter, load_settings, require_env
from shop.crypto import FieldCipher, field_cipher
from shop.exceptions import ConfigurationError
from shop.fulfillment_client import HttpFulfillmentClient
from shop.fulfillment_queue import FulfillmentQueue
from shop.fulfillment_service import FailurePolicy
from shop.repository import OrderRepository
from shop.tracing import make_tracer

if TYPE_CHECKING:
    from shop.payments import PaymentGateway

__all__ = [
    "FULFILLMENT_MAX_ATTEMPTS",
    "IDEMPOTENCY_TABLE_NAME",
    "change_visibility",
    "dynamodb",
    "failure_policy",
    "fulfillment_client",
    "logger",
    "metrics",
    "order_repository",
    "park_for_review",
    "payment_gateway",
    "pii_cipher",
    "tracer",
]

logger = Logger()
tracer = make_tracer()
metrics = Metrics()

ORDERS_TABLE_NAME = require_env("ORDERS_TABLE_NAME")
IDEMPOTENCY_TABLE_NAME = require_env("IDEMPOTENCY_TABLE_NAME")
CONFIG_PARAMETER_PATH = require_env("CONFIG_PARAMETER_PATH")
FULFILLMENT_API_KEY_PARAMETER = require_env("FULFILLMENT_API_KEY_PARAMETER")
PII_KMS_KEY_ID = require_env("PII_KMS_KEY_ID")
STRIPE_SECRET_KEY_SECRET_ID = require_env("STRIPE_SECRET_KEY_SECRET_ID")
FULFILLMENT_DLQ_URL = require_env("FULFILLMENT_DLQ_URL")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "0"))
AUTO_REFUND_FAILED_FULFILLMENT = env_flag("AUTO_REFUND_FAILED_FULFILLMENT", default=True)
try:
    FULFILLMENT_MAX_ATTEMPTS = max(1, int(require_env("FULFILLMENT_MAX_ATTEMPTS")))
except ValueError as _exc:
    raise ConfigurationError("FULFILLMENT_MAX_ATTEMPTS must be an integer") from _exc

dynamodb = boto3.client("dynamodb")
order_repository = OrderRepository(dynamodb, ORDERS_TABLE_NAME)
# Created at init: a backoff's ChangeMessageVisibility follows its "will be retried" log line at once.
_sqs = boto3.client("sqs")


@lru_cache(maxsize=4)
def _client(base_url: str, api_key: str) -> HttpFulfillmentClient:
    return HttpFulfillmentClient(base_url, api_key)


def fulfillment_client() -> HttpFulfillmentClient:
    """HTTP client for the partner (base URL from SSM, API key from a SecureString parameter; cached)."""
    base_url = load_settings(CONFIG_PARAMETER_PATH).fulfillment_api_base_url
    if not base_url:
        raise ConfigurationError("missing SSM parameter /fulfillment/api_base_url")
    return _client(base_url, get_secure_parameter(FULFILLMENT_API_KEY_PARAMETER))


def pii_cipher() -> FieldCipher:
    """KMS encryption of the PII fields (client created on first use)."""
    return field_cipher(PII_KMS_KEY_ID)


@lru_cache(maxsize=8)
def _queue_url(queue_arn: str) -> str:
    """The queue URL from its ARN, ``{SQS endpoint}/{account}/{name}``: no API call, so no IAM grant needed."""
    _, _, _, _region, account, name = queue_arn.split(":", 5)
    return f"{str(_sqs.meta.endpoint_url).rstrip('/')}/{account}/{name}"


def change_visibility(queue_arn: str, receipt_handle: str, seconds: int) -> None:
    """Delay the next delivery of a message (backoff between attempts)."""
    _sqs.change_message_visibility(
        QueueUrl=_queue_url(queue_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


def payment_gateway() -> PaymentGateway:
    """Stripe gateway for refunds (imported on first use: most invocations never refund)."""
    from shop.payments import stripe_gateway

    return stripe_gateway(STRIPE_SECRET_KEY_SECRET_ID, CONFIG_PARAMETER_PATH, STRIPE_MAX_NETWORK_RETRIES)


def park_for_review(order_id: str, reason: str) -> None:
    """Put a failed order's message in the DLQ, where ``scripts/redrive.py`` finds it."""
    FulfillmentQueue(_sqs, FULFILLMENT_DLQ_URL).enqueue(order_id, reason)


def failure_policy() -> FailurePolicy:
    """What a permanent fulfillment failure does (``auto_refund_failed_fulfillment``)."""
    return FailurePolicy(auto_refund=AUTO_REFUND_FAILED_FULFILLMENT, gateway=payment_gateway, park=park_for_review)

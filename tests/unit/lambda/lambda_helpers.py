"""Constants, environment and helpers shared by the Lambda unit tests (imported by conftest first)."""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[3]
EVENTS_DIR = ROOT / "tests" / "events"
if str(ROOT / "lambda_src") not in sys.path:
    sys.path.insert(0, str(ROOT / "lambda_src"))

REGION = "us-east-2"
CONFIG_PATH = "/tickets-to-heaven/prod"
WEBHOOK_SECRET = "whsec_test_secret"
STRIPE_SECRET_KEY = "sk_test_123"
PARTNER_API_KEY = "partner-key-123"
STRIPE_API = "https://stripe.test"
PARTNER_API = "https://partner.test"
QUEUE_NAME = "tickets-to-heaven-prod-fulfillment"
DLQ_NAME = "tickets-to-heaven-prod-fulfillment-dlq"
CATALOG = [
    {
        "sku": "GA-2027",
        "name": "General admission",
        "description": "Standing",
        "unit_amount": 4500,
        "max_per_order": 10,
    },
    {"sku": "VIP-2027", "name": "VIP", "description": "Seated", "unit_amount": 9000, "max_per_order": 2},
]

ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "ORDERS_TABLE_NAME": "tickets-to-heaven-prod-orders",
    "EVENTS_TABLE_NAME": "tickets-to-heaven-prod-stripe-events",
    "IDEMPOTENCY_TABLE_NAME": "tickets-to-heaven-prod-idempotency",
    "FULFILLMENT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/123456789012/{QUEUE_NAME}",
    "FULFILLMENT_DLQ_URL": f"https://sqs.{REGION}.amazonaws.com/123456789012/{DLQ_NAME}",
    "FULFILLMENT_MAX_ATTEMPTS": "3",
    "CONFIG_PARAMETER_PATH": CONFIG_PATH,
    "STRIPE_SECRET_KEY_SECRET_ID": "tickets-to-heaven/prod/stripe-secret-key",
    "STRIPE_WEBHOOK_SECRET_ID": "tickets-to-heaven/prod/stripe-webhook-secret",
    "FULFILLMENT_API_KEY_PARAMETER": "/tickets-to-heaven/prod-secure/fulfillment-api-key",
    "PII_KMS_KEY_ID": "alias/tickets-to-heaven-prod-test-pii",  # conftest creates the key and this alias
    "POWERTOOLS_SERVICE_NAME": "tickets-to-heaven-test",
    "POWERTOOLS_METRICS_NAMESPACE": "TicketsToHeaven",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "STRIPE_MAX_NETWORK_RETRIES": "0",
}
os.environ.update(ENV)
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_var, None)


def load_event(name: str) -> dict[str, Any]:
    """Load a checked-in event from tests/events/."""
    return copy.deepcopy(json.loads((EVENTS_DIR / name).read_text()))


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Return a Stripe-Signature header for ``payload``."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def seed_order(
    table: Any, *, status: str = "PENDING_PAYMENT", amount: int = 18000, pi_id: str | None = "pi_3PTest"
) -> str:
    """Store an order as the orders function would, and return its id."""
    import uuid

    import boto3

    from shop.crypto import Field, field_cipher, hash_token
    from shop.domain import Order, OrderLine, OrderStatus
    from shop.repository import OrderRepository, utc_now_iso

    repo = OrderRepository(boto3.client("dynamodb", region_name=REGION), table.name)
    pii = field_cipher(ENV["PII_KMS_KEY_ID"])
    order_id = str(uuid.uuid4())
    now = utc_now_iso()
    repo.create(
        Order(
            order_id=order_id,
            status=OrderStatus(status),
            amount=amount,
            currency="eur",
            lines=(
                OrderLine(sku="GA-2027", name="General admission", quantity=2, unit_amount=4500),
                OrderLine(sku="VIP-2027", name="VIP", quantity=1, unit_amount=9000),
            ),
            token_hash=hash_token("token-" + order_id),
            email_enc=pii.encrypt("ada@example.com", order_id=order_id, field=Field.EMAIL),
            name_enc=pii.encrypt("Ada Lovelace", order_id=order_id, field=Field.NAME),
            created_at=now,
            updated_at=now,
        )
    )
    if pi_id:
        repo.set_payment_intent(order_id, pi_id)
    return order_id


def stripe_event(name: str, order_id: str, **changes: Any) -> dict[str, Any]:
    """Load a Stripe event fixture with its order id filled in; ``changes`` patch ``data.object``."""
    event = load_event(name)
    obj = event["data"]["object"]
    if obj.get("metadata", {}).get("order_id") == "ORDER_ID":
        obj["metadata"]["order_id"] = order_id
    obj.update(changes)
    return event


def webhook_event(
    payload: str, signature: str | None, *, base64_body: bool = False, lower: bool = False
) -> dict[str, Any]:
    """API Gateway event for POST /api/webhooks/stripe with the given raw body and signature."""
    event = load_event("apigw_stripe_webhook.json")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is not None:
        headers["stripe-signature" if lower else "Stripe-Signature"] = signature
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["body"] = base64.b64encode(payload.encode()).decode() if base64_body else payload
    event["isBase64Encoded"] = base64_body
    return event


def plain_client() -> Any:
    """A low-level DynamoDB client (a resource's ``meta.client`` transforms values itself)."""
    import boto3

    return boto3.client("dynamodb", region_name=REGION)


@contextlib.contextmanager
def captured_log(logger: Any) -> Iterator[io.StringIO]:
    """Capture what a Powertools ``logger`` writes (JSON lines) during the block."""
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    try:
        yield stream
    finally:
        logger.registered_handler.setStream(previous)

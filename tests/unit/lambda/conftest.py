"""Fixtures for the Lambda unit tests: fake context, moto-backed AWS, cache isolation."""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any


class _Pruned(importlib.abc.MetaPathFinder):
    """Refuses the modules scripts/build_lambdas.py leaves out of every zip (``PRUNED_PACKAGES``): each Lambda
    unit test then runs as the deployed package would, and a code path that needs a pruned module fails.

    With ``TTH_LAMBDA_PACKAGE=<function>`` it refuses every module that function's zip lacks
    (``function_blocked_modules``): test_build_lambdas.py runs each function's tests that way."""

    def __init__(self, packages: tuple[str, ...]) -> None:
        self.packages = packages

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if any(fullname == package or fullname.startswith(package + ".") for package in self.packages):
            raise ModuleNotFoundError(f"{fullname} is pruned from the Lambda packages (scripts/build_lambdas.py)")


def _pruned_packages() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location(
        "build_lambdas_for_conftest", Path(__file__).resolve().parents[3] / "scripts" / "build_lambdas.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = os.environ.get("TTH_LAMBDA_PACKAGE")
    return tuple(module.function_blocked_modules(function) if function else module.PRUNED_PACKAGES)


sys.meta_path.insert(0, _Pruned(_pruned_packages()))

import boto3  # noqa: E402
import pytest  # noqa: E402
from lambda_helpers import (  # noqa: E402
    CATALOG,
    CONFIG_PATH,
    DLQ_NAME,
    ENV,
    PARTNER_API,
    PARTNER_API_KEY,
    QUEUE_NAME,
    REGION,
    STRIPE_API,
    STRIPE_SECRET_KEY,
    WEBHOOK_SECRET,
)
from moto import mock_aws  # noqa: E402  # imported before any handler so module-level boto3 clients are interceptable

if TYPE_CHECKING:
    from collections.abc import Iterator


@dataclass
class LambdaContext:
    """Fake Lambda context (Powertools reads these attributes)."""

    function_name: str = "tickets-to-heaven-prod-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-2:123456789012:function:tickets-to-heaven-prod-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    from aws_lambda_powertools.utilities import parameters

    from shop.crypto import field_cipher
    from shop.payments import make_stripe_client

    parameters.clear_caches()
    make_stripe_client.cache_clear()
    field_cipher.cache_clear()
    yield
    parameters.clear_caches()
    make_stripe_client.cache_clear()
    field_cipher.cache_clear()


@dataclass
class Aws:
    """Handles to the mocked AWS resources."""

    orders: Any
    events: Any
    idempotency: Any
    sqs: Any
    queue_url: str
    ssm: Any
    secrets: Any
    kms: Any
    dlq_url: str = ""

    def queued_messages(self, url: str | None = None) -> list[dict[str, Any]]:
        out = self.sqs.receive_message(QueueUrl=url or self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return [json.loads(m["Body"]) for m in out.get("Messages", [])]

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.queued_messages(self.dlq_url)


def _table(dynamodb: Any, name: str, key: str, ttl: str | None) -> Any:
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    if ttl:
        boto3.client("dynamodb", region_name=REGION).update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )
    return table


SSM_VALUES = {
    "catalog": json.dumps(CATALOG),
    "currency": "eur",
    "stripe/publishable_key": "pk_test_123",
    "stripe/api_base_url": STRIPE_API,
    "fulfillment/api_base_url": PARTNER_API,
}
SECRET_VALUES = {
    "STRIPE_SECRET_KEY_SECRET_ID": STRIPE_SECRET_KEY,
    "STRIPE_WEBHOOK_SECRET_ID": WEBHOOK_SECRET,
}


@pytest.fixture(scope="session")
def _aws_session() -> Iterator[Aws]:
    """One moto backend for the session (creating clients and tables per test is slow)."""
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        orders = _table(dynamodb, ENV["ORDERS_TABLE_NAME"], "order_id", None)
        events = _table(dynamodb, ENV["EVENTS_TABLE_NAME"], "event_id", "expires_at")
        idem = _table(dynamodb, ENV["IDEMPOTENCY_TABLE_NAME"], "id", "expiration")
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        ssm = boto3.client("ssm", region_name=REGION)
        secrets = boto3.client("secretsmanager", region_name=REGION)
        for env_name, value in SECRET_VALUES.items():
            secrets.create_secret(Name=ENV[env_name], SecretString=value)
        kms = boto3.client("kms", region_name=REGION)
        kms.create_alias(AliasName=ENV["PII_KMS_KEY_ID"], TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
        yield Aws(orders, events, idem, sqs, queue_url, ssm, secrets, kms)


def _empty(table: Any, key: str) -> None:
    with table.batch_writer() as batch:
        for item in table.scan(ProjectionExpression="#k", ExpressionAttributeNames={"#k": key})["Items"]:
            batch.delete_item(Key={key: item[key]})


@pytest.fixture
def aws(_aws_session: Aws) -> Aws:
    """Tables, queue, parameters and secrets as Terraform creates them, reset for each test."""
    env = _aws_session
    _empty(env.orders, "order_id")
    _empty(env.events, "event_id")
    _empty(env.idempotency, "id")
    env.sqs.delete_queue(QueueUrl=env.queue_url)
    env.queue_url = env.sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    if env.dlq_url:
        env.sqs.delete_queue(QueueUrl=env.dlq_url)
    env.dlq_url = env.sqs.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
    for name, value in SSM_VALUES.items():
        env.ssm.put_parameter(Name=f"{CONFIG_PATH}/{name}", Value=value, Type="String", Overwrite=True)
    env.ssm.put_parameter(
        Name=ENV["FULFILLMENT_API_KEY_PARAMETER"], Value=PARTNER_API_KEY, Type="SecureString", Overwrite=True
    )
    for env_name, value in SECRET_VALUES.items():
        env.secrets.put_secret_value(SecretId=ENV[env_name], SecretString=value)
    return env


@pytest.fixture
def fulfillment_handler(aws: Aws) -> Any:
    """The fulfillment function's handler module, with its per-environment caches cleared."""
    from fulfillment import deps, handler

    deps._client.cache_clear()
    deps._queue_url.cache_clear()
    return handler

"""Which emulator answered each service: the one the run was asked for, nothing silently swapped.

``TTH_EXPECT_EMULATOR`` (set by ``tox -e integration-localstack``) names the kind the run must have
used; without it the default embedded moto server is expected unless ``TTH_AWS_ENDPOINT`` is set.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import boto3

from harness import localstack
from harness.emulator import REGION, TEST_CREDENTIALS

if TYPE_CHECKING:
    from harness.stack import Stack


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def test_run_used_the_emulator_it_was_asked_for(stack: Stack) -> None:
    # Given the run's settings / When the harness picked the emulator / Then it is the expected kind
    default = "external" if os.environ.get("TTH_AWS_ENDPOINT") else "moto"
    assert stack.emulator.kind == os.environ.get("TTH_EXPECT_EMULATOR", default)


def test_each_service_lives_where_its_endpoint_says(stack: Stack) -> None:
    # Given the applied stack / When each emulator is asked directly / Then the functions are on the main
    # endpoint and the table is on the endpoint its service was sent to (moto, in a LocalStack run)
    functions = set(stack.outputs["function_names"].values())
    main = _client("lambda", stack.emulator.endpoint)
    listed = {f["FunctionName"] for f in main.list_functions()["Functions"]}
    assert functions <= listed

    table = stack.outputs["orders_table_name"]
    table_endpoint = stack.emulator.service_endpoints.get("dynamodb", stack.emulator.endpoint)
    tables = _client("dynamodb", table_endpoint).list_tables()["TableNames"]
    assert table in tables
    if stack.emulator.kind == "localstack":
        assert set(stack.emulator.service_endpoints) == set(localstack.moto_services())
        assert table_endpoint != stack.emulator.endpoint
        served = localstack.health(stack.emulator.endpoint)
        assert served is not None, "LocalStack stopped answering during the run"

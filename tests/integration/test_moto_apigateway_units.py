"""moto keeps a stage method setting for a multi-segment route, as the provider sends it (in-process moto)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from harness import moto_apigateway


@pytest.fixture
def stage() -> Any:
    moto_apigateway.install()
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-2")
        api = client.create_rest_api(name="api")["id"]
        root = client.get_resources(restApiId=api)["items"][0]["id"]
        client.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        client.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        deployment = client.create_deployment(restApiId=api)["id"]
        client.create_stage(restApiId=api, stageName="prod", deploymentId=deployment)
        yield client, api


def patch(path: str, value: str) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": value}


def test_route_setting_is_stored_under_the_providers_method_path(stage: Any) -> None:
    client, api = stage
    # When the provider applies the default and the webhook's own throttle (its patch paths)
    client.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[patch("/*/*/throttling/rateLimit", "50.000000"), patch("/*/*/throttling/burstLimit", "100")],
    )
    client.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[
            patch("/api/webhooks/stripe/POST/throttling/rateLimit", "20.000000"),
            patch("/api/webhooks/stripe/POST/throttling/burstLimit", "40"),
            patch("/api/webhooks/stripe/POST/logging/loglevel", "ERROR"),
        ],
    )
    # Then GetStage returns each under the key the provider reads back
    settings = client.get_stage(restApiId=api, stageName="prod")["methodSettings"]
    assert settings["*/*"]["throttlingRateLimit"] == 50.0
    webhook = settings["api/webhooks/stripe/POST"]
    assert (webhook["throttlingRateLimit"], webhook["throttlingBurstLimit"], webhook["loggingLevel"]) == (
        20.0,
        40,
        "ERROR",
    )

    # And removing it (destroy) deletes only it
    client.update_stage(
        restApiId=api, stageName="prod", patchOperations=[{"op": "remove", "path": "/api/webhooks/stripe/POST"}]
    )
    assert set(client.get_stage(restApiId=api, stageName="prod")["methodSettings"]) == {"*/*"}


def test_escaped_resource_path_and_stage_paths_still_work(stage: Any) -> None:
    client, api = stage
    client.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[
            patch("/~1api~1orders/GET/metrics/enabled", "true"),
            patch("/variables/flag", "on"),
            patch("/tracingEnabled", "true"),
        ],
    )
    found = client.get_stage(restApiId=api, stageName="prod")
    assert found["methodSettings"]["api/orders/GET"]["metricsEnabled"] is True
    assert found["variables"] == {"flag": "on"}
    assert found["tracingEnabled"] is True

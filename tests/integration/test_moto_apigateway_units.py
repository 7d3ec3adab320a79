"""moto keeps a stage method setting for a multi-segment route, as the provider sends it (in-process moto)."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest
from moto import mock_aws

from harness import moto_apigateway


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Any:
    # In-process moto: an endpoint the session's stack set in the environment would send the calls to its server.
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    moto_apigateway.install()
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-2")
        api = client.create_rest_api(name="api")["id"]
        root = client.get_resources(restApiId=api)["items"][0]["id"]
        client.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        client.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        deployment = client.create_deployment(restApiId=api)["id"]
        client.create_stage(restApiId=api, stageName="prod", deploymentId=deployment)
        assert client.meta.endpoint_url.endswith("amazonaws.com")  # served by the in-process mock
        yield client, api
        client.delete_rest_api(restApiId=api)


def patch(path: str, value: str) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": value}


def update(stage: Any, *operations: dict[str, str]) -> dict[str, Any]:
    """UpdateStage with these patch operations; return GetStage afterwards."""
    client, api = stage
    client.update_stage(restApiId=api, stageName="prod", patchOperations=list(operations))
    return dict(client.get_stage(restApiId=api, stageName="prod"))


def test_route_setting_is_stored_under_the_providers_method_path(stage: Any) -> None:
    # When the provider applies the default and the webhook's own throttle (its patch paths)
    update(stage, patch("/*/*/throttling/rateLimit", "50.000000"), patch("/*/*/throttling/burstLimit", "100"))
    settings = update(
        stage,
        patch("/api/webhooks/stripe/POST/throttling/rateLimit", "20.000000"),
        patch("/api/webhooks/stripe/POST/throttling/burstLimit", "40"),
        patch("/api/webhooks/stripe/POST/logging/loglevel", "ERROR"),
    )["methodSettings"]
    # Then GetStage returns each under the key the provider reads back
    assert settings["*/*"]["throttlingRateLimit"] == 50.0
    webhook = settings["api/webhooks/stripe/POST"]
    assert (webhook["throttlingRateLimit"], webhook["throttlingBurstLimit"], webhook["loggingLevel"]) == (
        20.0,
        40,
        "ERROR",
    )

    # And removing it (destroy) deletes only it
    removed = update(stage, {"op": "remove", "path": "/api/webhooks/stripe/POST"})
    assert set(removed["methodSettings"]) == {"*/*"}


def test_escaped_resource_path_and_stage_paths_still_work(stage: Any) -> None:
    found = update(
        stage,
        patch("/~1api~1orders/GET/metrics/enabled", "true"),
        patch("/variables/flag", "on"),
        patch("/tracingEnabled", "true"),
    )
    assert found["methodSettings"]["api/orders/GET"]["metricsEnabled"] is True
    assert found["variables"] == {"flag": "on"}
    assert found["tracingEnabled"] is True

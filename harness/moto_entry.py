"""Start moto's server with SQS → Lambda delivery left to the harness.

moto delivers a message to a queue's mapped function itself, at send time, by invoking the
function in Docker. Without Docker that invocation "succeeds" with an error payload and moto
deletes the message, so the function never sees it. Here the queues keep their mappings (they
are listed and read back as usual) but moto's delivery loop sees none; ``harness.sqs_poller``
feeds the messages to the deployed package, as the Lambda service polls a queue in AWS.

It also turns on IAM enforcement for assumed-role sessions (``harness.iam.enforce``): every call a
function or its event source mapping makes is checked against the deployed policies.

API Gateway: UpdateStage escapes a method path's slashes as ``~1`` (``/api~1webhooks~1stripe/POST/...``);
moto keeps the escaped form as the methodSettings key, where AWS returns ``api/webhooks/stripe/POST``, so a
method settings resource for one route would read back as missing. The key is unescaped here.

Service Quotas: moto knows VPC quotas only and has no GetAWSDefaultServiceQuota; the stack reads Lambda's
concurrent-executions quota (terraform/lambda.tf; the provider asks for the applied and the default value), so
both are answered with AWS's default for a new region (1000).

Usage: ``python -m harness.moto_entry -H 127.0.0.1 -p PORT`` (the arguments of ``moto.server``).
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigateway.models import Stage
from moto.server import main
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.responses import ServiceQuotasResponse
from moto.sqs import models

from harness.iam import enforce


class _HarnessDelivers(dict[str, Any]):
    """A queue's mappings: stored and removed normally, invisible to moto's delivery loop."""

    def items(self) -> Any:
        return iter(())


_original_init = models.Queue.__init__


def _queue_init(self: models.Queue, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.lambda_event_source_mappings = _HarnessDelivers()


models.Queue.__init__ = _queue_init  # type: ignore[method-assign]

LAMBDA_CONCURRENCY_QUOTA: dict[str, Any] = {
    "Adjustable": True,
    "GlobalQuota": False,
    "QuotaArn": "arn:aws:servicequotas:us-east-2::lambda/L-B99A9384",
    "QuotaCode": "L-B99A9384",
    "QuotaName": "Concurrent executions",
    "ServiceCode": "lambda",
    "ServiceName": "AWS Lambda",
    "Unit": "None",
    "Value": 1000.0,
}


_original_get_service_quota = ServiceQuotasBackend.get_service_quota


def _get_service_quota(self: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict[str, Any]:
    if (service_code, quota_code) == ("lambda", LAMBDA_CONCURRENCY_QUOTA["QuotaCode"]):
        return LAMBDA_CONCURRENCY_QUOTA
    return _original_get_service_quota(self, service_code, quota_code)


def _get_aws_default_service_quota(self: ServiceQuotasResponse) -> str:
    params = json.loads(self.body)
    quota = self.backend.get_service_quota(
        service_code=str(params.get("ServiceCode")), quota_code=str(params.get("QuotaCode"))
    )
    return json.dumps({"Quota": quota})


ServiceQuotasBackend.get_service_quota = _get_service_quota  # type: ignore[method-assign]
ServiceQuotasResponse.get_aws_default_service_quota = _get_aws_default_service_quota  # type: ignore[attr-defined]

_original_patch_method_setting = Stage._patch_method_setting


def _patch_method_setting(self: Stage, resource_path_and_method: str, key: str, value: str) -> None:
    _original_patch_method_setting(self, resource_path_and_method.replace("~1", "/"), key, value)


Stage._patch_method_setting = _patch_method_setting  # type: ignore[method-assign]

if __name__ == "__main__":
    enforce.install()
    main()

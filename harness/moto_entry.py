"""Start moto's server with SQS → Lambda delivery left to the harness.

moto delivers a message to a queue's mapped function itself, at send time, by invoking the
function in Docker. Without Docker that invocation "succeeds" with an error payload and moto
deletes the message, so the function never sees it. Here the queues keep their mappings (they
are listed and read back as usual) but moto's delivery loop sees none; ``harness.sqs_poller``
feeds the messages to the deployed package, as the Lambda service polls a queue in AWS.

It also turns on IAM enforcement for assumed-role sessions (``harness.iam.enforce``): every call a
function or its event source mapping makes is checked against the deployed policies.

Service Quotas: moto knows VPC quotas only and has no GetAWSDefaultServiceQuota; the stack reads Lambda's
concurrent-executions quota (terraform/lambda.tf; the provider asks for the applied and the default value), so
both are answered with AWS's default for a new region (1000).

Warm start: moto creates a service's app (imports its models, builds its URL map) at that service's first
request, holding the one lock every request takes, so the first burst of ``terraform apply`` (32 calls to 15
services at once) waited ~5 s for every import in turn. The services the stack uses are created in a background
thread as the server starts (during ``terraform init`` and the plan), exactly as a first request would.

Retries: an attempt of a call moto already answered with 2xx gets the same answer again instead of running
twice (``harness.moto_replay``: twice the provider sent a create again that moto had answered, and the
second attempt failed the apply with "already exists").

CloudTrail: the provider deletes a trail by its ARN (the resource id); moto's DeleteTrail matches names
only and silently keeps the trail, so destroy would leave it behind. The ARN is resolved to the name here.

Usage: ``python -m harness.moto_entry -H 127.0.0.1 -p PORT`` (the arguments of ``moto.server``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto import server
from moto.backends import list_of_moto_modules
from moto.cloudtrail.models import CloudTrailBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.responses import ServiceQuotasResponse
from moto.sqs import models

from harness import moto_apigateway, moto_cloudfront, moto_replay
from harness.iam import enforce
from harness.terraform import ENDPOINT_SERVICES


class _HarnessDelivers(dict[str, Any]):
    """A queue's mappings: stored and removed normally, invisible to moto's delivery loop."""

    def items(self) -> Any:
        return iter(())


_original_init = models.Queue.__init__


def _queue_init(self: models.Queue, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.lambda_event_source_mappings = _HarnessDelivers()


models.Queue.__init__ = _queue_init  # type: ignore[method-assign]
moto_cloudfront.install()  # CloudFront as production sends it (harness/moto_cloudfront.py)
moto_apigateway.install()  # per-route stage method settings (harness/moto_apigateway.py)

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

_original_delete_trail = CloudTrailBackend.delete_trail


def _delete_trail(self: CloudTrailBackend, name: str) -> None:
    arn_names = {trail.arn: trail_name for trail_name, trail in self.trails.items()}
    _original_delete_trail(self, arn_names.get(name, name))


CloudTrailBackend.delete_trail = _delete_trail  # type: ignore[method-assign]

# moto's backend names for the provider's endpoint keys (Lambda is "awslambda"), plus EventBridge and STS.
WARM_BACKENDS = tuple(
    dict.fromkeys(("awslambda" if service == "lambda" else service) for service in (*ENDPOINT_SERVICES, "events"))
)


def warm(app: DomainDispatcherApplication, backends: tuple[str, ...] = WARM_BACKENDS) -> None:
    """Create each backend's app as its first request would (same lock, same cache)."""
    for backend in backends:
        with app.lock:
            if backend not in app.app_instances:
                app.app_instances[backend] = app.create_app(backend)  # type: ignore[arg-type]


_original_dispatcher_init = DomainDispatcherApplication.__init__


def _dispatcher_init(self: DomainDispatcherApplication, *args: Any, **kwargs: Any) -> None:
    _original_dispatcher_init(self, *args, **kwargs)
    threading.Thread(target=warm, args=(self,), name="moto-warm", daemon=True).start()


def unknown_backends(backends: tuple[str, ...] = WARM_BACKENDS) -> list[str]:
    """Names in ``backends`` that moto does not have (a typo would only make the warm-up fail in its thread)."""
    known = set(list_of_moto_modules())
    return [backend for backend in backends if backend not in known]


def _replaying_dispatcher(*args: Any, **kwargs: Any) -> moto_replay.ReplayRetriedAttempts:
    return moto_replay.ReplayRetriedAttempts(DomainDispatcherApplication(*args, **kwargs))


if __name__ == "__main__":
    DomainDispatcherApplication.__init__ = _dispatcher_init  # type: ignore[method-assign]
    server.DomainDispatcherApplication = _replaying_dispatcher  # type: ignore[attr-defined,assignment]
    enforce.install()
    server.main()

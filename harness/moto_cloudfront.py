"""Make moto's CloudFront keep what the production distribution sends, so no override forks it.

moto 5.2.5 drops a cache behaviour's function associations and an origin's OAC id, adds
legacy ``ForwardedValues`` to behaviours that use a cache policy, reports an SSL support
method for the default certificate, has no response headers policies and cannot publish a
CloudFront Function. Each of those made ``harness/terraform_overrides/moto`` replace part of
``cloudfront.tf`` with a hand-kept copy and ignore the read-back. Here moto stores and returns
them as sent (the API's own shapes, serialised by moto from botocore's model), so the
distribution the harness emulates (``harness.cloudfront``) is the production one and a second
plan sees drift in any of it.

moto also deletes an enabled distribution; CloudFront refuses (``DistributionNotDisabled``, 409), and so
does moto here, so a destroy or teardown that skips disabling fails in the emulator as it would in AWS.

Imported by ``harness.moto_entry`` before the server starts.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from moto.cloudfront import exceptions, models, responses, urls
from moto.core.responses import ActionResult, EmptyResult
from moto.moto_api._internal import mock_random


class NoSuchResponseHeadersPolicy(exceptions.CloudFrontException):
    def __init__(self) -> None:
        super().__init__("NoSuchResponseHeadersPolicy", "The response headers policy does not exist.")


class NoSuchLiveFunction(exceptions.CloudFrontException):
    def __init__(self, name: str) -> None:
        super().__init__("NoSuchFunctionExists", f"The function {name} has no LIVE stage (never published).")


class DistributionNotDisabled(exceptions.CloudFrontException):
    def __init__(self) -> None:
        super().__init__("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")


_behaviour_init = models.DefaultCacheBehaviour.__init__
_origin_init = models.Origin.__init__
_certificate_init = models.ViewerCertificate.__init__


def _behaviour(self: Any, config: dict[str, Any]) -> None:
    _behaviour_init(self, config)
    self.function_associations = config.get("FunctionAssociations") or {"Quantity": 0}
    self.lambda_function_associations = config.get("LambdaFunctionAssociations") or {"Quantity": 0}
    if config.get("CachePolicyId") and "ForwardedValues" not in config:
        self.forwarded_values = None  # CloudFront returns none for a behaviour with a cache policy


def _origin(self: Any, origin: dict[str, Any]) -> None:
    _origin_init(self, origin)
    self.origin_access_control_id = origin.get("OriginAccessControlId") or ""


def _certificate(self: Any, config: dict[str, Any]) -> None:
    _certificate_init(self, config)
    if not config.get("SSLSupportMethod"):
        self.ssl_support_method = None  # not reported for the *.cloudfront.net certificate


def _now() -> datetime:
    return datetime.now(UTC)


def _policy_result(backend: Any, policy_id: str) -> dict[str, Any]:
    policy = backend.response_headers_policies.get(policy_id)
    if policy is None:
        raise NoSuchResponseHeadersPolicy()
    return {
        "ResponseHeadersPolicy": {
            "Id": policy_id,
            "LastModifiedTime": policy["modified"],
            "ResponseHeadersPolicyConfig": policy["config"],
        },
        "ETag": policy["etag"],
        "Location": f"https://cloudfront.amazonaws.com/2020-05-31/response-headers-policy/{policy_id}",
    }


def _policies(self: Any) -> dict[str, Any]:
    if not hasattr(self, "_tth_response_headers_policies"):
        self._tth_response_headers_policies = {}
    return self._tth_response_headers_policies  # type: ignore[no-any-return]


def create_response_headers_policy(self: Any) -> ActionResult:
    policy_id = str(mock_random.uuid4())
    config = copy.deepcopy(self._get_param("ResponseHeadersPolicyConfig", {}))
    self.backend.response_headers_policies[policy_id] = {
        "config": config,
        "etag": models.random_id(),
        "modified": _now(),
    }
    return ActionResult(_policy_result(self.backend, policy_id))


def get_response_headers_policy(self: Any) -> ActionResult:
    return ActionResult(_policy_result(self.backend, self._get_param("Id")))


def get_response_headers_policy_config(self: Any) -> ActionResult:
    result = _policy_result(self.backend, self._get_param("Id"))
    return ActionResult(
        {
            "ResponseHeadersPolicyConfig": result["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"],
            "ETag": result["ETag"],
        }
    )


def update_response_headers_policy(self: Any) -> ActionResult:
    policy_id = self._get_param("Id")
    _policy_result(self.backend, policy_id)  # 404 if unknown
    self.backend.response_headers_policies[policy_id] = {
        "config": copy.deepcopy(self._get_param("ResponseHeadersPolicyConfig", {})),
        "etag": models.random_id(),
        "modified": _now(),
    }
    return ActionResult(_policy_result(self.backend, policy_id))


def delete_response_headers_policy(self: Any) -> EmptyResult:
    policy_id = self._get_param("Id")
    _policy_result(self.backend, policy_id)
    del self.backend.response_headers_policies[policy_id]
    return EmptyResult()


def list_response_headers_policies(self: Any) -> ActionResult:
    if self._get_param("Type") == "managed":
        items = []  # AWS's managed policies are not served; harness.cloudfront has no table of them either
    else:
        items = [
            {
                "Type": "custom",
                "ResponseHeadersPolicy": _policy_result(self.backend, policy_id)["ResponseHeadersPolicy"],
            }
            for policy_id in self.backend.response_headers_policies
        ]
    return ActionResult({"ResponseHeadersPolicyList": {"MaxItems": 100, "Quantity": len(items), "Items": items}})


def publish_function(self: Any) -> ActionResult:
    function = self.backend.describe_function(name=self._get_param("Name"))
    function.live_code = function.code
    function.stage = "LIVE"
    function.status = "UNASSOCIATED"
    function.etag = models.random_id()
    return ActionResult({"FunctionSummary": function.function_summary})


_get_function = responses.CloudFrontResponse.get_function


def get_function(self: Any) -> ActionResult:
    # The LIVE stage is the published code, the code a distribution runs.
    if self._get_param("Stage") == "LIVE":
        name = self._get_param("Name")
        function = self.backend.describe_function(name=name)
        if getattr(function, "live_code", None) is None:
            raise NoSuchLiveFunction(name)
        return ActionResult(
            {"FunctionCode": function.live_code, "ETag": function.etag, "ContentType": "application/octet-stream"}
        )
    return _get_function(self)


_delete_distribution = models.CloudFrontBackend.delete_distribution


def delete_distribution(self: Any, distribution_id: str, if_match: bool) -> None:
    # AWS deletes only a disabled distribution; the provider and harness.stack's teardown disable it first.
    distribution = self.distributions.get(distribution_id)
    if distribution is not None and if_match and distribution.distribution_config.Enabled:
        raise DistributionNotDisabled()
    _delete_distribution(self, distribution_id, if_match)


def install() -> None:
    """Patch moto's CloudFront models, responses and routes (idempotent)."""
    if getattr(models, "_tth_patched", False):
        return
    models.DefaultCacheBehaviour.__init__ = _behaviour  # type: ignore[method-assign]
    models.Origin.__init__ = _origin  # type: ignore[method-assign]
    models.ViewerCertificate.__init__ = _certificate  # type: ignore[method-assign]
    models.CloudFrontBackend.delete_distribution = delete_distribution  # type: ignore[method-assign]
    models.CloudFrontBackend.response_headers_policies = property(_policies)  # type: ignore[attr-defined]
    response = responses.CloudFrontResponse
    for handler in (
        create_response_headers_policy,
        get_response_headers_policy,
        get_response_headers_policy_config,
        update_response_headers_policy,
        delete_response_headers_policy,
        list_response_headers_policies,
        publish_function,
        get_function,
    ):
        setattr(response, handler.__name__, handler)
    dispatch = response.dispatch
    urls.url_paths.update(
        {
            "{0}/2020-05-31/response-headers-policy$": dispatch,
            "{0}/2020-05-31/response-headers-policy/(?P<policy_id>[^/]+)$": dispatch,
            "{0}/2020-05-31/response-headers-policy/(?P<policy_id>[^/]+)/config$": dispatch,
            "{0}/2020-05-31/function/(?P<function_name>[^/]+)/publish$": dispatch,
        }
    )
    models._tth_patched = True  # type: ignore[attr-defined]

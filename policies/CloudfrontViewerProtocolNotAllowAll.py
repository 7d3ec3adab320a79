"""CKV_TTH_20: no CloudFront cache behaviour lets viewers use plain HTTP."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import blocks, first


class CloudfrontViewerProtocolNotAllowAll(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure no CloudFront cache behavior has viewer_protocol_policy allow-all"
        id = "CKV_TTH_20"
        supported_resources = ("aws_cloudfront_distribution",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            'See policies/README.md#ckv_tth_20: set viewer_protocol_policy = "redirect-to-https" (site) or '
            '"https-only" (API) on default_cache_behavior and every ordered_cache_behavior.'
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        behaviors = blocks(conf, "default_cache_behavior") + blocks(conf, "ordered_cache_behavior")
        self.evaluated_keys = [
            "default_cache_behavior/[0]/viewer_protocol_policy",
            "ordered_cache_behavior/[*]/viewer_protocol_policy",
        ]
        if not behaviors:
            return CheckResult.UNKNOWN
        policies = [first(b.get("viewer_protocol_policy")) for b in behaviors]
        return CheckResult.FAILED if "allow-all" in policies else CheckResult.PASSED


check = CloudfrontViewerProtocolNotAllowAll()

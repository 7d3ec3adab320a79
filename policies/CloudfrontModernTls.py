"""CKV_TTH_21: a CloudFront distribution with its own certificate accepts only modern TLS."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_allowlist import CLOUDFRONT_MIN_TLS_POLICIES
from tth_conf_helpers import block, first, is_set


class CloudfrontModernTls(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure CloudFront distributions with a certificate use minimum protocol TLSv1.2_2021 or newer"
        id = "CKV_TTH_21"
        supported_resources = ("aws_cloudfront_distribution",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_21: in viewer_certificate set minimum_protocol_version = "
            '"TLSv1.2_2021" (with ssl_support_method = "sni-only") whenever acm_certificate_arn or '
            "iam_certificate_id is set."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["viewer_certificate/[0]/minimum_protocol_version"]
        certificate = block(conf, "viewer_certificate")
        if certificate is None:
            return CheckResult.UNKNOWN
        own_certificate = is_set(certificate.get("acm_certificate_arn")) or is_set(
            certificate.get("iam_certificate_id")
        )
        if not own_certificate:
            # The *.cloudfront.net default certificate: CloudFront fixes the policy, nothing to choose.
            return CheckResult.PASSED
        version = first(certificate.get("minimum_protocol_version"))
        return CheckResult.PASSED if version in CLOUDFRONT_MIN_TLS_POLICIES else CheckResult.FAILED


check = CloudfrontModernTls()

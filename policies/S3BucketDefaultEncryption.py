"""CKV_TTH_11: every S3 bucket has default encryption configured.

On the plan, a bucket passes when an ``aws_s3_bucket_server_side_encryption_configuration`` references it (that
resource's algorithm is judged on itself); an HCL scan cannot see other resources, so there buckets are UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_allowlist import S3_SSE_ALGORITHMS
from tth_conf_helpers import PlanIndex, blocks, first, is_plan
from tth_s3_helpers import companions

SSE_CONFIGURATION = "aws_s3_bucket_server_side_encryption_configuration"


def _algorithms(conf: dict[str, Any]) -> list[Any]:
    return [
        first(default.get("sse_algorithm"))
        for rule in blocks(conf, "rule")
        for default in blocks(rule, "apply_server_side_encryption_by_default")
    ]


class S3BucketDefaultEncryption(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure every S3 bucket has default encryption (SSE-KMS or SSE-S3)"
        id = "CKV_TTH_11"
        supported_resources = ("aws_s3_bucket", SSE_CONFIGURATION)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_11: add aws_s3_bucket_server_side_encryption_configuration.<bucket> "
            'with rule { apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" '
            '(kms_master_key_id = the CMK) or "AES256" } }.'
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        if self.entity_type == SSE_CONFIGURATION:
            self.evaluated_keys = ["rule/[*]/apply_server_side_encryption_by_default/[0]/sse_algorithm"]
            algorithms = _algorithms(conf)
            ok = bool(algorithms) and all(a in S3_SSE_ALGORITHMS for a in algorithms)
            return CheckResult.PASSED if ok else CheckResult.FAILED
        # aws_s3_bucket: the deprecated inline block, else a companion resource in the plan.
        inline = [a for block in blocks(conf, "server_side_encryption_configuration") for a in _algorithms(block)]
        if inline and all(a in S3_SSE_ALGORITHMS for a in inline):
            return CheckResult.PASSED
        index = PlanIndex.for_conf(conf) if is_plan(conf) else None
        if index is None:
            return CheckResult.UNKNOWN
        self.evaluated_keys = [SSE_CONFIGURATION]
        address = conf.get("__address__")
        found = companions(index, str(address), SSE_CONFIGURATION)
        return CheckResult.PASSED if found else CheckResult.FAILED


check = S3BucketDefaultEncryption()

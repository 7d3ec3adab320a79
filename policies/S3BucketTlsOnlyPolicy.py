"""CKV_TTH_12: every S3 bucket has a bucket policy that denies requests without TLS.

The policy is read from the ``aws_s3_bucket_policy`` (JSON, or on the plan the ``aws_iam_policy_document`` it
references). A bucket passes on the plan when a bucket policy references it and that policy is not known to lack
the TLS deny; the policy resource itself fails when its statements are readable and have no such deny.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import PlanIndex, is_plan
from tth_s3_helpers import companions, denies_insecure_transport, policy_statements

BUCKET_POLICY = "aws_s3_bucket_policy"


class S3BucketTlsOnlyPolicy(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure every S3 bucket has a bucket policy that denies non-TLS requests (aws:SecureTransport)"
        id = "CKV_TTH_12"
        supported_resources = ("aws_s3_bucket", BUCKET_POLICY)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_12: give the bucket an aws_s3_bucket_policy whose document has "
            'statement { effect = "Deny", principals { type = "*", identifiers = ["*"] }, actions = '
            '["s3:*"], resources = [bucket ARN, "<bucket ARN>/*"], condition { test = "Bool", variable = '
            '"aws:SecureTransport", values = ["false"] } }.'
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        index = PlanIndex.for_conf(conf) if is_plan(conf) else None
        if self.entity_type == BUCKET_POLICY:
            self.evaluated_keys = ["policy"]
            statements = policy_statements(conf.get("policy"), index, str(conf.get("__address__", "")))
            if statements is None:
                return CheckResult.UNKNOWN
            return CheckResult.PASSED if denies_insecure_transport(statements) else CheckResult.FAILED
        if index is None:
            return CheckResult.UNKNOWN
        self.evaluated_keys = [BUCKET_POLICY]
        for policy_address in companions(index, str(conf.get("__address__")), BUCKET_POLICY):
            statements = policy_statements(
                index.values.get(policy_address, {}).get("policy") or _reference(index, policy_address),
                index,
                policy_address,
            )
            if statements is None or denies_insecure_transport(statements):
                return CheckResult.PASSED
        return CheckResult.FAILED


def _reference(index: PlanIndex, address: str) -> str | None:
    refs = index.references(address, "policy")
    return refs[0] if refs else None


check = S3BucketTlsOnlyPolicy()

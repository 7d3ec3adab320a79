"""CKV_TTH_17: Ensure SNS topics are encrypted with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import has_cmk


class SnsTopicKms(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure SNS topics are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_17"
        supported_resources = ("aws_sns_topic",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_17: set kms_master_key_id = aws_kms_key.<key>.arn (CloudWatch"
            " alarms cannot publish to a topic under alias/aws/sns); the key policy must allow "
            "cloudwatch.amazonaws.com kms:GenerateDataKey*/kms:Decrypt."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["kms_master_key_id"]
        return CheckResult.PASSED if has_cmk(conf.get("kms_master_key_id")) else CheckResult.FAILED


check = SnsTopicKms()

"""CKV_TTH_16: Ensure SQS queues are encrypted with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import has_cmk


class SqsQueueKms(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure SQS queues are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_16"
        supported_resources = ("aws_sqs_queue",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_16: set kms_master_key_id = aws_kms_key.<key>.arn "
            "(sqs_managed_sse_enabled and alias/aws/sqs are not KMS CMK encryption); allow the producers "
            "and consumers kms:GenerateDataKey/kms:Decrypt on the key."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["kms_master_key_id"]
        return CheckResult.PASSED if has_cmk(conf.get("kms_master_key_id")) else CheckResult.FAILED


check = SqsQueueKms()

"""CKV_TTH_15: every CloudWatch log group is encrypted with a KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.consts import ANY_VALUE
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck


class CloudwatchLogGroupKms(BaseResourceValueCheck):
    def __init__(self) -> None:
        name = "Ensure CloudWatch log groups are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_15"
        supported_resources = ("aws_cloudwatch_log_group",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_15: set kms_key_id to the CMK ARN; the key policy must allow "
            "logs.<region>.amazonaws.com with a kms:EncryptionContext:aws:logs:arn condition."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def get_inspected_key(self) -> str:
        return "kms_key_id"

    def get_expected_value(self) -> Any:
        return ANY_VALUE


check = CloudwatchLogGroupKms()

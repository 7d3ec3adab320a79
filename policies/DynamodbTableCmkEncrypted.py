"""CKV_TTH_10: every DynamoDB table is encrypted with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import block, first, has_cmk


class DynamodbTableCmkEncrypted(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure DynamoDB tables are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_10"
        supported_resources = ("aws_dynamodb_table",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_10: add server_side_encryption { enabled = true, kms_key_arn = "
            "aws_kms_key.<key>.arn } (without kms_key_arn DynamoDB uses the AWS managed key)."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["server_side_encryption/[0]/enabled", "server_side_encryption/[0]/kms_key_arn"]
        sse = block(conf, "server_side_encryption")
        if sse is None or first(sse.get("enabled")) is not True:
            return CheckResult.FAILED
        return CheckResult.PASSED if has_cmk(sse.get("kms_key_arn")) else CheckResult.FAILED


check = DynamodbTableCmkEncrypted()

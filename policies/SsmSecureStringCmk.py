"""CKV_TTH_14: every SecureString SSM parameter is encrypted with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import first, has_cmk


class SsmSecureStringCmk(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure SecureString SSM parameters are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_14"
        supported_resources = ("aws_ssm_parameter",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_14: set key_id = aws_kms_key.<key>.arn on SecureString parameters "
            "(not alias/aws/ssm); String parameters hold no secrets and pass."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["type", "key_id"]
        parameter_type = first(conf.get("type"))
        if parameter_type != "SecureString":
            return CheckResult.PASSED if isinstance(parameter_type, str) else CheckResult.UNKNOWN
        return CheckResult.PASSED if has_cmk(conf.get("key_id")) else CheckResult.FAILED


check = SsmSecureStringCmk()

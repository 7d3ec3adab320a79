"""CKV_TTH_18: a Lambda function with environment variables encrypts them with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import block, clean_map, first, has_cmk


class LambdaEnvironmentKms(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure Lambda environment variables are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_18"
        supported_resources = ("aws_lambda_function",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_18: set kms_key_arn = aws_kms_key.<key>.arn on every function "
            "that has an environment block, and allow its role kms:Decrypt on that key."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["environment/[0]/variables", "kms_key_arn"]
        environment = block(conf, "environment")
        variables = clean_map(environment.get("variables")) if environment else None
        if not variables and not (environment and isinstance(first(environment.get("variables")), str)):
            return CheckResult.PASSED  # no environment variables to encrypt
        return CheckResult.PASSED if has_cmk(conf.get("kms_key_arn")) else CheckResult.FAILED


check = LambdaEnvironmentKms()

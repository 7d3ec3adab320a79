"""CKV_TTH_13: Ensure Secrets Manager secrets are encrypted with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import has_cmk


class SecretsManagerSecretCmk(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure Secrets Manager secrets are encrypted with a customer-managed KMS key"
        id = "CKV_TTH_13"
        supported_resources = ("aws_secretsmanager_secret",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = (
            "See policies/README.md#ckv_tth_13: set kms_key_id = aws_kms_key.<key>.arn (not the default "
            "aws/secretsmanager key)."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["kms_key_id"]
        return CheckResult.PASSED if has_cmk(conf.get("kms_key_id")) else CheckResult.FAILED


check = SecretsManagerSecretCmk()

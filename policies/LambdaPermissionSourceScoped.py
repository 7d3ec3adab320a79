"""CKV_TTH_9: a Lambda permission granted to an AWS service names the source (confused-deputy protection)."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_conf_helpers import first, is_set


class LambdaPermissionSourceScoped(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure Lambda permissions for AWS service principals are scoped with source_arn or source_account"
        id = "CKV_TTH_9"
        supported_resources = ("aws_lambda_permission",)
        categories = [CheckCategories.IAM]
        guideline = (
            "See policies/README.md#ckv_tth_9: set source_arn to the invoking resource (for API Gateway "
            '"${aws_api_gateway_rest_api.x.execution_arn}/*/POST/path"), or source_account for S3.'
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = ["principal", "source_arn", "source_account"]
        principal = first(conf.get("principal"))
        if not isinstance(principal, str):
            return CheckResult.UNKNOWN
        if not (principal == "*" or principal.endswith(".amazonaws.com")):
            return CheckResult.PASSED  # an account or role: already a named principal
        if is_set(conf.get("source_arn")) or is_set(conf.get("source_account")):
            return CheckResult.PASSED
        return CheckResult.FAILED


check = LambdaPermissionSourceScoped()

"""CKV_TTH_22: every API Gateway stage writes access logs."""

from __future__ import annotations

from typing import Any

from checkov.common.models.consts import ANY_VALUE
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck


class ApiGatewayStageAccessLogs(BaseResourceValueCheck):
    def __init__(self) -> None:
        name = "Ensure API Gateway stages have access logging to a log group"
        id = "CKV_TTH_22"
        supported_resources = ("aws_api_gateway_stage", "aws_apigatewayv2_stage")
        categories = [CheckCategories.LOGGING]
        guideline = (
            "See policies/README.md#ckv_tth_22: add access_log_settings { destination_arn = <log group ARN>, "
            "format = jsonencode({...}) } to the stage."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def get_inspected_key(self) -> str:
        return "access_log_settings/[0]/destination_arn"

    def get_expected_value(self) -> Any:
        return ANY_VALUE


check = ApiGatewayStageAccessLogs()

"""CKV_TTH_19: every customer-managed KMS key rotates its key material."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck


class KmsKeyRotationEnabled(BaseResourceValueCheck):
    def __init__(self) -> None:
        name = "Ensure KMS keys have automatic key rotation enabled"
        id = "CKV_TTH_19"
        supported_resources = ("aws_kms_key",)
        categories = [CheckCategories.ENCRYPTION]
        guideline = "See policies/README.md#ckv_tth_19: set enable_key_rotation = true on the aws_kms_key."
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def get_inspected_key(self) -> str:
        return "enable_key_rotation"

    def get_expected_value(self) -> Any:
        return True


check = KmsKeyRotationEnabled()

"""CKV_TTH_7: no AWS managed administrator, power-user or *FullAccess policy is attached to any identity."""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_allowlist import FORBIDDEN_MANAGED_POLICY_PATTERN
from tth_conf_helpers import flat

_FORBIDDEN = re.compile(FORBIDDEN_MANAGED_POLICY_PATTERN)
# Where each resource type names the managed policies it attaches.
_ATTACHMENT_KEYS: dict[str, tuple[str, ...]] = {
    "aws_iam_role_policy_attachment": ("policy_arn",),
    "aws_iam_user_policy_attachment": ("policy_arn",),
    "aws_iam_group_policy_attachment": ("policy_arn",),
    "aws_iam_policy_attachment": ("policy_arn",),
    "aws_iam_role": ("managed_policy_arns",),
    "aws_iam_user": ("managed_policy_arns",),
    "aws_iam_role_policy_attachments_exclusive": ("policy_arns",),
    "aws_iam_user_policy_attachments_exclusive": ("policy_arns",),
    "aws_iam_group_policy_attachments_exclusive": ("policy_arns",),
    "aws_ssoadmin_managed_policy_attachment": ("managed_policy_arn",),
}


class IamNoAdminManagedPolicies(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure no AWS managed admin, power-user or *FullAccess policy is attached"
        id = "CKV_TTH_7"
        supported_resources = tuple(_ATTACHMENT_KEYS)
        categories = [CheckCategories.IAM]
        guideline = (
            "See policies/README.md#ckv_tth_7: detach AdministratorAccess, PowerUserAccess, IAMFullAccess and "
            "every *FullAccess policy; attach a customer-managed policy (aws_iam_policy_document) that lists the "
            "actions and ARNs the role needs."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        keys = _ATTACHMENT_KEYS[self.entity_type]
        self.evaluated_keys = list(keys)
        arns = [str(v) for key in keys for v in flat(conf.get(key)) if isinstance(v, str)]
        if any(_FORBIDDEN.match(arn) for arn in arns):
            return CheckResult.FAILED
        return CheckResult.PASSED


check = IamNoAdminManagedPolicies()

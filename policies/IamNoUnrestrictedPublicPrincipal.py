"""CKV_TTH_6: Ensure no policy allows Principal * without a restricting condition (policies, Lambda permissions)."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckResult
from tth_check_bases import GUIDELINE_BASE, TthPolicyResourceCheck
from tth_conf_helpers import first, is_set
from tth_iam_helpers import POLICY_RESOURCE_TYPES, Statement
from tth_iam_rules import unrestricted_public_principal


class IamNoUnrestrictedPublicPrincipal(TthPolicyResourceCheck):
    rule_id = "CKV_TTH_6"
    rule_name = "Ensure no policy allows Principal * without a restricting condition"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_6: Name the principal (account, role or service), or add a condition on "
        "aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:PrincipalAccount or "
        "aws:SourceVpce."
    )

    supported = (*POLICY_RESOURCE_TYPES, "aws_lambda_permission")

    def violates(self, statement: Statement) -> bool:
        return unrestricted_public_principal(statement)

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        if self.entity_type == "aws_lambda_permission":
            # A Lambda permission is a resource-policy statement: principal "*" needs a source condition.
            self.evaluated_keys = ["principal", "source_arn", "source_account", "principal_org_id"]
            if first(conf.get("principal")) != "*":
                return CheckResult.PASSED
            restricted = any(is_set(conf.get(key)) for key in ("source_arn", "source_account", "principal_org_id"))
            return CheckResult.PASSED if restricted else CheckResult.FAILED
        return super().scan_resource_conf(conf)


check = IamNoUnrestrictedPublicPrincipal()

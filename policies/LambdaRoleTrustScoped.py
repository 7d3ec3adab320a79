"""CKV_TTH_8: Ensure Lambda roles are trusted by lambda.amazonaws.com only, with a source account or ARN condition
(aws_iam_role).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckResult
from tth_check_bases import GUIDELINE_BASE, TthPolicyResourceCheck
from tth_iam_helpers import Statement, evaluate, policies_of_resource
from tth_iam_rules import lambda_trust_violation, trusts_lambda


class LambdaRoleTrustScoped(TthPolicyResourceCheck):
    rule_id = "CKV_TTH_8"
    rule_name = "Ensure Lambda roles are trusted by lambda.amazonaws.com only, with a source account or ARN condition"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_8: Trust only Service lambda.amazonaws.com for sts:AssumeRole, with condition "
        "StringEquals aws:SourceAccount = the account id (or ArnLike aws:SourceArn = the function"
        " ARN)."
    )

    supported = ("aws_iam_role",)

    def violates(self, statement: Statement) -> bool:
        return lambda_trust_violation(statement)

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        documents, unresolved = policies_of_resource(self.entity_type, conf)
        trust = [(attribute, stmts) for attribute, stmts in documents if attribute == "assume_role_policy"]
        self.evaluated_keys = ["assume_role_policy"]
        if not trust:
            return CheckResult.UNKNOWN  # the trust policy is a data source: its document check judges it
        if not trusts_lambda(trust[0][1]):
            return CheckResult.UNKNOWN  # not a Lambda role
        return evaluate(trust, unresolved, self.violates, self.details)


check = LambdaRoleTrustScoped()

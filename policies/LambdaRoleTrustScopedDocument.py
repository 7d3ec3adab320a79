"""CKV_TTH_8: Ensure Lambda roles are trusted by lambda.amazonaws.com only, with a source account or ARN condition
(aws_iam_policy_document).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckResult
from tth_check_bases import GUIDELINE_BASE, TthPolicyDocumentCheck
from tth_iam_helpers import Statement, evaluate, statements_from_document
from tth_iam_rules import lambda_trust_violation, trusts_lambda


class LambdaRoleTrustScopedDocument(TthPolicyDocumentCheck):
    rule_id = "CKV_TTH_8"
    rule_name = "Ensure Lambda roles are trusted by lambda.amazonaws.com only, with a source account or ARN condition"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_8: Trust only Service lambda.amazonaws.com for sts:AssumeRole, with condition "
        "StringEquals aws:SourceAccount = the account id (or ArnLike aws:SourceArn = the function"
        " ARN)."
    )

    def violates(self, statement: Statement) -> bool:
        return lambda_trust_violation(statement)

    def scan_data_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        statements = statements_from_document(conf) or []
        self.evaluated_keys = ["statement"]
        if not trusts_lambda(statements):
            return CheckResult.UNKNOWN  # not a trust policy for Lambda
        return evaluate([("document", statements)], False, self.violates, self.details)


check = LambdaRoleTrustScopedDocument()

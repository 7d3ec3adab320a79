"""CKV_TTH_2: Ensure IAM and resource policies allow no * or service:* actions (aws_iam_policy_document)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tth_check_bases import GUIDELINE_BASE, TthPolicyDocumentCheck
from tth_iam_rules import wildcard_action

if TYPE_CHECKING:
    from tth_iam_helpers import Statement


class IamNoWildcardActionsDocument(TthPolicyDocumentCheck):
    rule_id = "CKV_TTH_2"
    rule_name = "Ensure IAM and resource policies allow no * or service:* actions"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_2: Name the exact actions the code calls (dynamodb:GetItem, not dynamodb:* or *)."
    )

    def violates(self, statement: Statement) -> bool:
        return wildcard_action(statement)


check = IamNoWildcardActionsDocument()

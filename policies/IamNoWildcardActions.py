"""CKV_TTH_2: Ensure IAM and resource policies allow no * or service:* actions (resource policies and IAM policies)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tth_check_bases import GUIDELINE_BASE, TthPolicyResourceCheck
from tth_iam_rules import wildcard_action

if TYPE_CHECKING:
    from tth_iam_helpers import Statement


class IamNoWildcardActions(TthPolicyResourceCheck):
    rule_id = "CKV_TTH_2"
    rule_name = "Ensure IAM and resource policies allow no * or service:* actions"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_2: Name the exact actions the code calls (dynamodb:GetItem, not dynamodb:* or *)."
    )

    def violates(self, statement: Statement) -> bool:
        return wildcard_action(statement)


check = IamNoWildcardActions()

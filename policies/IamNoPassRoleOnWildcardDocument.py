"""CKV_TTH_4: Ensure no policy allows iam:PassRole on * (aws_iam_policy_document)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tth_check_bases import GUIDELINE_BASE, TthPolicyDocumentCheck
from tth_iam_rules import passrole_on_wildcard

if TYPE_CHECKING:
    from tth_iam_helpers import Statement


class IamNoPassRoleOnWildcardDocument(TthPolicyDocumentCheck):
    rule_id = "CKV_TTH_4"
    rule_name = "Ensure no policy allows iam:PassRole on *"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_4: Grant iam:PassRole only on the ARNs of the roles that must be passed, with an"
        " iam:PassedToService condition."
    )

    def violates(self, statement: Statement) -> bool:
        return passrole_on_wildcard(statement)


check = IamNoPassRoleOnWildcardDocument()

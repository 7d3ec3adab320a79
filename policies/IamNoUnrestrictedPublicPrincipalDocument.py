"""CKV_TTH_6: Ensure no policy allows Principal * without a restricting condition (aws_iam_policy_document)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tth_check_bases import GUIDELINE_BASE, TthPolicyDocumentCheck
from tth_iam_rules import unrestricted_public_principal

if TYPE_CHECKING:
    from tth_iam_helpers import Statement


class IamNoUnrestrictedPublicPrincipalDocument(TthPolicyDocumentCheck):
    rule_id = "CKV_TTH_6"
    rule_name = "Ensure no policy allows Principal * without a restricting condition"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_6: Name the principal (account, role or service), or add a condition on "
        "aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:PrincipalAccount or "
        "aws:SourceVpce."
    )

    def violates(self, statement: Statement) -> bool:
        return unrestricted_public_principal(statement)


check = IamNoUnrestrictedPublicPrincipalDocument()

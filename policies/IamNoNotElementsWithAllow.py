"""CKV_TTH_5: Ensure no Allow statement uses NotAction, NotResource or NotPrincipal (resource policies and IAM
policies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tth_check_bases import GUIDELINE_BASE, TthPolicyResourceCheck
from tth_iam_rules import not_elements_with_allow

if TYPE_CHECKING:
    from tth_iam_helpers import Statement


class IamNoNotElementsWithAllow(TthPolicyResourceCheck):
    rule_id = "CKV_TTH_5"
    rule_name = "Ensure no Allow statement uses NotAction, NotResource or NotPrincipal"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_5: Rewrite the Allow with explicit Action/Resource/Principal lists; NotAction, "
        "NotResource and NotPrincipal belong only in Deny statements."
    )

    def violates(self, statement: Statement) -> bool:
        return not_elements_with_allow(statement)


check = IamNoNotElementsWithAllow()

"""CKV_TTH_3: Ensure IAM policies allow no * resource except for reviewed actions that AWS cannot scope (resource
policies and IAM policies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tth_check_bases import GUIDELINE_BASE, TthPolicyResourceCheck
from tth_iam_rules import wildcard_resource

if TYPE_CHECKING:
    from tth_iam_helpers import Statement


class IamNoWildcardResources(TthPolicyResourceCheck):
    rule_id = "CKV_TTH_3"
    rule_name = "Ensure IAM policies allow no * resource except for reviewed actions that AWS cannot scope"
    rule_guideline = (
        GUIDELINE_BASE + "ckv_tth_3: Scope Resource to the ARNs the actions touch; if AWS offers no resource-level"
        " permission for the action, add it with the reason to policies/tth_allowlist.py "
        "STAR_RESOURCE_ACTIONS in a reviewed change."
    )

    def violates(self, statement: Statement) -> bool:
        return wildcard_resource(statement)


check = IamNoWildcardResources()

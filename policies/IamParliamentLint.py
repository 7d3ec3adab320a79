"""CKV_TTH_23: Ensure IAM and resource policies pass parliament's IAM lint (resource and inline policies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tth_check_bases import TthPolicyResourceCheck
from tth_parliament import GUIDELINE, RULE_NAME, json_version, judge_documents

if TYPE_CHECKING:
    from checkov.common.models.enums import CheckResult
    from tth_iam_helpers import Statement


class IamParliamentLint(TthPolicyResourceCheck):
    rule_id = "CKV_TTH_23"
    rule_name = RULE_NAME
    rule_guideline = GUIDELINE

    def judge(
        self, conf: dict[str, Any], documents: list[tuple[str, list[Statement]]], unresolved: bool
    ) -> CheckResult:
        versioned = [(attribute, statements, json_version(conf, attribute)) for attribute, statements in documents]
        return judge_documents(conf, versioned, self.details)


check = IamParliamentLint()

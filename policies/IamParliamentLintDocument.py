"""CKV_TTH_23: Ensure IAM and resource policies pass parliament's IAM lint (aws_iam_policy_document)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tth_check_bases import TthPolicyDocumentCheck
from tth_conf_helpers import first
from tth_parliament import GUIDELINE, RULE_NAME, judge_documents

if TYPE_CHECKING:
    from checkov.common.models.enums import CheckResult
    from tth_iam_helpers import Statement


class IamParliamentLintDocument(TthPolicyDocumentCheck):
    rule_id = "CKV_TTH_23"
    rule_name = RULE_NAME
    rule_guideline = GUIDELINE

    def judge(self, conf: dict[str, Any], statements: list[Statement]) -> CheckResult:
        # The provider renders Version 2012-10-17 unless the document sets one.
        version = first(conf.get("version")) or "2012-10-17"
        return judge_documents(conf, [("document", statements, str(version))], self.details)


check = IamParliamentLintDocument()

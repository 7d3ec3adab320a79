"""Base classes of the CKV_TTH policy-document checks: one rule, judged on resources and on policy documents.

Each IAM rule has two checks with the same id: a resource check (policies inline on IAM and resource-policy
resources, and every policy the plan shows rendered) and a data check (``data "aws_iam_policy_document"``, which
checkov resource checks never see). Both call the rule's ``violates(statement)``.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_iam_helpers import (
    POLICY_DOCUMENT_DATA,
    POLICY_RESOURCE_TYPES,
    Statement,
    evaluate,
    policies_of_resource,
    statements_from_document,
)

GUIDELINE_BASE = "See policies/README.md#"


class TthPolicyResourceCheck(BaseResourceCheck):
    """A statement rule applied to every policy attribute of the IAM and resource-policy resource types."""

    rule_name = ""
    rule_id = ""
    rule_guideline = ""
    supported: tuple[str, ...] = POLICY_RESOURCE_TYPES

    def __init__(self) -> None:
        super().__init__(
            name=self.rule_name,
            id=self.rule_id,
            categories=[CheckCategories.IAM],
            supported_resources=self.supported,
            guideline=self.rule_guideline,
        )

    def violates(self, statement: Statement) -> bool:
        raise NotImplementedError

    def documents(self, conf: dict[str, Any]) -> tuple[list[tuple[str, list[Statement]]], bool]:
        return policies_of_resource(self.entity_type, conf)

    def judge(
        self, conf: dict[str, Any], documents: list[tuple[str, list[Statement]]], unresolved: bool
    ) -> CheckResult:
        """The result on the resource's documents; a rule that judges whole documents overrides this."""
        return evaluate(documents, unresolved, self.violates, self.details)

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        documents, unresolved = self.documents(conf)
        self.evaluated_keys = [attribute for attribute, _ in documents]
        return self.judge(conf, documents, unresolved)


class TthPolicyDocumentCheck(BaseDataCheck):
    """The same statement rule applied to ``data "aws_iam_policy_document"``."""

    rule_name = ""
    rule_id = ""
    rule_guideline = ""

    def __init__(self) -> None:
        super().__init__(
            name=self.rule_name,
            id=self.rule_id,
            categories=[CheckCategories.IAM],
            supported_data=POLICY_DOCUMENT_DATA,
            guideline=self.rule_guideline,
        )

    def violates(self, statement: Statement) -> bool:
        raise NotImplementedError

    def judge(self, conf: dict[str, Any], statements: list[Statement]) -> CheckResult:
        """The result on the document's statements; a rule that judges whole documents overrides this."""
        return evaluate([("document", statements)], False, self.violates, self.details)

    def scan_data_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        statements = statements_from_document(conf) or []
        self.evaluated_keys = ["statement"]
        return self.judge(conf, statements)


__all__ = ["GUIDELINE_BASE", "TthPolicyDocumentCheck", "TthPolicyResourceCheck"]

"""CKV_TTH_1: every taggable AWS resource carries the required tags, with non-empty and allowed values.

Judged on the plan (``tags_all``, where the provider's ``default_tags`` are merged in). An HCL scan cannot see
``default_tags``, so there the check only fails explicit ``tags`` that set a required tag to an empty or
disallowed value, and is UNKNOWN otherwise.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tth_allowlist import ALLOWED_TAG_VALUES, REQUIRED_TAGS
from tth_conf_helpers import clean_map, is_plan


def tag_problems(tags: dict[str, Any], require_all: bool) -> list[str]:
    """Return what is wrong with ``tags``: missing (when ``require_all``), empty or disallowed required tags."""
    problems = []
    for key in REQUIRED_TAGS:
        if key not in tags:
            if require_all:
                problems.append(f"{key} missing")
            continue
        value = tags[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{key} empty")
        elif key in ALLOWED_TAG_VALUES and value not in ALLOWED_TAG_VALUES[key]:
            problems.append(f"{key}={value!r} not in {sorted(ALLOWED_TAG_VALUES[key])}")
    return problems


class RequiredTagsPresent(BaseResourceCheck):
    def __init__(self) -> None:
        name = "Ensure every taggable resource has non-empty Project, Environment, Owner, CostCenter, ManagedBy tags"
        id = "CKV_TTH_1"
        supported_resources = ("aws_*",)
        categories = [CheckCategories.CONVENTION]
        guideline = (
            "See policies/README.md#ckv_tth_1: set the required tags in the provider's default_tags "
            '(terraform/providers.tf) with Environment = "prod" and ManagedBy = "terraform"; never override '
            "them with empty values on a resource, and keep every tag value known at plan time (an empty or "
            "unknown tag value leaves tags_all unknown in the plan, which this check cannot verify)."
        )
        super().__init__(
            name=name, id=id, categories=categories, supported_resources=supported_resources, guideline=guideline
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        explicit = clean_map(conf.get("tags")) or {}
        if not is_plan(conf):
            # HCL: default_tags are invisible here; only explicit bad values are certain failures.
            self.evaluated_keys = ["tags"]
            problems = tag_problems(explicit, require_all=False)
            self.details.extend(problems)
            return CheckResult.FAILED if problems else CheckResult.UNKNOWN
        if "tags_all" not in conf and "tags" not in conf:
            return CheckResult.UNKNOWN  # the resource type has no tags
        self.evaluated_keys = ["tags_all"]
        merged = clean_map(conf.get("tags_all"))
        if merged is None:
            # tags_all unknown at plan time (an empty or computed tag value): unverifiable, so it fails.
            self.details.append("tags_all unknown at plan time (an empty or computed tag value)")
            return CheckResult.FAILED
        problems = tag_problems(merged, require_all=True)
        self.details.extend(problems)
        return CheckResult.FAILED if problems else CheckResult.PASSED


check = RequiredTagsPresent()

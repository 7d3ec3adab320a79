"""CKV_TTH_1 (RequiredTagsPresent): required tags, non-empty, allowed values, judged on the plan's tags_all."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl, scan_plan

CHECK_ID = "CKV_TTH_1"


def test_required_tags_present_plan_uses_default_tags_exact_results() -> None:
    # Given a plan whose provider default_tags carry the required tags (one aliased provider lacks CostCenter)
    outcome = scan_plan("example_RequiredTagsPresent/tfplan.json", CHECK_ID)

    # Then resources tagged only through default_tags pass, and each broken clause fails its resource
    assert outcome.passed == {"aws_sqs_queue.pass", "aws_kms_key.pass_resource_override"}
    assert outcome.failed == {
        "aws_sqs_queue.fail_missing_cost_center",  # a required tag missing
        "aws_sqs_queue.fail_empty_owner",  # an empty value (tags_all unknown at plan time)
        "aws_sns_topic.fail_environment",  # Environment not in {prod}
        "aws_sqs_queue.fail_managed_by",  # ManagedBy != terraform
        "aws_sqs_queue.fail_unknown_at_plan",  # a tag value known only after apply
    }
    assert outcome.failed_ids == {CHECK_ID}
    assert_clean(outcome)


def test_required_tags_present_hcl_fails_only_explicit_bad_values() -> None:
    # Given the same module as HCL, where default_tags are invisible to a resource check
    outcome = scan_hcl("example_RequiredTagsPresent", CHECK_ID)

    # Then only resources whose own tags set a required tag to an empty or disallowed value fail
    assert outcome.passed == set()
    assert outcome.failed == {
        "aws_sqs_queue.fail_empty_owner",
        "aws_sns_topic.fail_environment",
        "aws_sqs_queue.fail_managed_by",
    }
    assert_clean(outcome)

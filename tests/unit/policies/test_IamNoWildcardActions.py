"""CKV_TTH_2 (IamNoWildcardActions + IamNoWildcardActionsDocument): no "*" or "service:*" actions in an Allow."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl, scan_plan

CHECK_ID = "CKV_TTH_2"


def test_iam_no_wildcard_actions_hcl_fixture_exact_results() -> None:
    # Given the fixture, When the check runs on the HCL
    outcome = scan_hcl("example_IamNoWildcardActions", CHECK_ID)

    # Then exactly the fail_* resources and documents fail
    assert outcome.passed == {
        "aws_iam_policy.pass",
        "aws_s3_bucket_policy.pass_deny_wildcard",
        "aws_iam_policy_document.pass",
    }
    assert outcome.failed == {
        "aws_iam_policy.fail_star",
        "aws_iam_role_policy.fail_service_star",
        "aws_kms_key.fail_key_policy",
        "aws_iam_policy_document.fail_service_star",
    }
    assert outcome.failed_ids == {CHECK_ID}
    assert_clean(outcome)


def test_iam_no_wildcard_actions_plan_rendered_and_deferred_documents() -> None:
    # Given a plan with a rendered inline policy, a deferred policy document and one read at plan time
    outcome = scan_plan("example_plan_iam/tfplan.json", CHECK_ID)

    # Then the rendered JSON strings (inline policy, trust policy read at plan time) and the deferred data
    # sources are judged; a policy shown only as a reference to a deferred document is left to that document
    assert outcome.failed == {"aws_iam_role_policy.fail_inline", "data.aws_iam_policy_document.fail_doc"}
    assert outcome.passed == {"aws_iam_role.pass", "data.aws_iam_policy_document.pass_deferred"}
    assert_clean(outcome)

"""CKV_TTH_3 (IamNoWildcardResources): no "*" resource in an identity Allow, except allow-listed actions."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_3"


def test_iam_no_wildcard_resources_fixture_exact_results() -> None:
    # Given example_IamNoWildcardResources/main.tf, When the check runs on it
    outcome = scan_hcl("example_IamNoWildcardResources", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_3
    assert outcome.passed == {
        "aws_iam_policy_document.pass_scoped",
        "aws_iam_policy_document.pass_allowlisted",
        "aws_kms_key.pass_key_policy",
        "aws_iam_policy.pass_deny_star",
    }
    assert outcome.failed == {
        "aws_iam_policy_document.fail_star",
        "aws_iam_policy_document.fail_mixed_with_allowlisted",
        "aws_iam_role_policy.fail_arn_wildcard",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

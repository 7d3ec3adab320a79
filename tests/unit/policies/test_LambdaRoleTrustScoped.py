"""CKV_TTH_8 (LambdaRoleTrustScoped): Lambda roles trusted by lambda.amazonaws.com only, with a source condition."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_8"


def test_lambda_role_trust_scoped_fixture_exact_results() -> None:
    # Given example_LambdaRoleTrustScoped/main.tf, When the check runs on it
    outcome = scan_hcl("example_LambdaRoleTrustScoped", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_8
    assert outcome.passed == {
        "aws_iam_policy_document.pass",
        "aws_iam_role.pass",
    }
    assert outcome.failed == {
        "aws_iam_policy_document.fail_no_condition",
        "aws_iam_policy_document.fail_extra_principal",
        "aws_iam_role.fail_extra_action",
        "aws_iam_role.fail_second_statement",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

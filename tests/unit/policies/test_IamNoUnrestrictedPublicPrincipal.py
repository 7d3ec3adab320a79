"""CKV_TTH_6 (IamNoUnrestrictedPublicPrincipal): no Principal "*" in an Allow without a restricting condition."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_6"


def test_iam_no_unrestricted_public_principal_fixture_exact_results() -> None:
    # Given example_IamNoUnrestrictedPublicPrincipal/main.tf, When the check runs on it
    outcome = scan_hcl("example_IamNoUnrestrictedPublicPrincipal", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_6
    assert outcome.passed == {
        "aws_iam_policy_document.pass_cloudfront_oac",
        "aws_sns_topic_policy.pass_star_with_source_account",
        "aws_lambda_permission.pass_service",
    }
    assert outcome.failed == {
        "aws_s3_bucket_policy.fail_public_read",
        "aws_iam_policy_document.fail_star_principal",
        "aws_lambda_permission.fail_public",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

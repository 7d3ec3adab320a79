"""CKV_TTH_18 (LambdaEnvironmentKms): Lambda environment encrypted with a customer-managed KMS key."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_18"


def test_lambda_environment_kms_fixture_exact_results() -> None:
    # Given example_LambdaEnvironmentKms/main.tf, When the check runs on it
    outcome = scan_hcl("example_LambdaEnvironmentKms", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_18
    assert outcome.passed == {
        "aws_lambda_function.pass",
        "aws_lambda_function.pass_no_environment",
    }
    assert outcome.failed == {
        "aws_lambda_function.fail",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

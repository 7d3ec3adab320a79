"""CKV_TTH_9 (LambdaPermissionSourceScoped): Lambda permissions for service principals name source_arn or
source_account.
"""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_9"


def test_lambda_permission_source_scoped_fixture_exact_results() -> None:
    # Given example_LambdaPermissionSourceScoped/main.tf, When the check runs on it
    outcome = scan_hcl("example_LambdaPermissionSourceScoped", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_9
    assert outcome.passed == {
        "aws_lambda_permission.pass",
        "aws_lambda_permission.pass_account_principal",
    }
    assert outcome.failed == {
        "aws_lambda_permission.fail_service_unscoped",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

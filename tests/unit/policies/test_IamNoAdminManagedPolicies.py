"""CKV_TTH_7 (IamNoAdminManagedPolicies): no AWS managed admin, power-user or *FullAccess policy attached."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_7"


def test_iam_no_admin_managed_policies_fixture_exact_results() -> None:
    # Given example_IamNoAdminManagedPolicies/main.tf, When the check runs on it
    outcome = scan_hcl("example_IamNoAdminManagedPolicies", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_7
    assert outcome.passed == {
        "aws_iam_role_policy_attachment.pass",
        "aws_iam_role_policy_attachment.pass_aws_managed_narrow",
    }
    assert outcome.failed == {
        "aws_iam_role_policy_attachment.fail_admin",
        "aws_iam_policy_attachment.fail_power_user",
        "aws_iam_role.fail_full_access",
        "aws_iam_role_policy_attachments_exclusive.fail_iam_full_access",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

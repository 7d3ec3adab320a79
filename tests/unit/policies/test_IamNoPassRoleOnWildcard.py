"""CKV_TTH_4 (IamNoPassRoleOnWildcard): no iam:PassRole on "*"."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_4"


def test_iam_no_pass_role_on_wildcard_fixture_exact_results() -> None:
    # Given example_IamNoPassRoleOnWildcard/main.tf, When the check runs on it
    outcome = scan_hcl("example_IamNoPassRoleOnWildcard", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_4
    assert outcome.passed == {
        "aws_iam_policy_document.pass",
        "aws_iam_policy.pass_other_action",
    }
    assert outcome.failed == {
        "aws_iam_policy_document.fail_passrole_star",
        "aws_iam_policy.fail_pass_wildcard_action",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

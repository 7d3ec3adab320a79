"""CKV_TTH_5 (IamNoNotElementsWithAllow): no NotAction/NotResource/NotPrincipal in an Allow."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_5"


def test_iam_no_not_elements_with_allow_fixture_exact_results() -> None:
    # Given example_IamNoNotElementsWithAllow/main.tf, When the check runs on it
    outcome = scan_hcl("example_IamNoNotElementsWithAllow", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_5
    assert outcome.passed == {
        "aws_iam_policy_document.pass_deny_not_action",
        "aws_iam_policy.pass",
    }
    assert outcome.failed == {
        "aws_iam_policy_document.fail_not_actions",
        "aws_iam_policy_document.fail_not_resources",
        "aws_sqs_queue_policy.fail_not_principal",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

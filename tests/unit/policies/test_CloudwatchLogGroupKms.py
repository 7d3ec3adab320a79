"""CKV_TTH_15 (CloudwatchLogGroupKms): log groups encrypted with KMS."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_15"


def test_cloudwatch_log_group_kms_fixture_exact_results() -> None:
    # Given example_CloudwatchLogGroupKms/main.tf, When the check runs on it
    outcome = scan_hcl("example_CloudwatchLogGroupKms", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_15
    assert outcome.passed == {
        "aws_cloudwatch_log_group.pass",
    }
    assert outcome.failed == {
        "aws_cloudwatch_log_group.fail",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

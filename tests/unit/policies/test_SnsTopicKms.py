"""CKV_TTH_17 (SnsTopicKms): SNS topics encrypted with a customer-managed KMS key."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_17"


def test_sns_topic_kms_fixture_exact_results() -> None:
    # Given example_SnsTopicKms/main.tf, When the check runs on it
    outcome = scan_hcl("example_SnsTopicKms", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_17
    assert outcome.passed == {
        "aws_sns_topic.pass",
    }
    assert outcome.failed == {
        "aws_sns_topic.fail_unencrypted",
        "aws_sns_topic.fail_aws_managed_alias",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

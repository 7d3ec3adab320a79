"""CKV_TTH_16 (SqsQueueKms): SQS queues encrypted with a customer-managed KMS key."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_16"


def test_sqs_queue_kms_fixture_exact_results() -> None:
    # Given example_SqsQueueKms/main.tf, When the check runs on it
    outcome = scan_hcl("example_SqsQueueKms", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_16
    assert outcome.passed == {
        "aws_sqs_queue.pass",
    }
    assert outcome.failed == {
        "aws_sqs_queue.fail_sqs_managed_sse",
        "aws_sqs_queue.fail_aws_managed_alias",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

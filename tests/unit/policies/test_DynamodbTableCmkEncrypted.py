"""CKV_TTH_10 (DynamodbTableCmkEncrypted): DynamoDB tables encrypted with a customer-managed KMS key."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_10"


def test_dynamodb_table_cmk_encrypted_fixture_exact_results() -> None:
    # Given example_DynamodbTableCmkEncrypted/main.tf, When the check runs on it
    outcome = scan_hcl("example_DynamodbTableCmkEncrypted", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_10
    assert outcome.passed == {
        "aws_dynamodb_table.pass",
    }
    assert outcome.failed == {
        "aws_dynamodb_table.fail_no_sse_block",
        "aws_dynamodb_table.fail_aws_managed_key",
        "aws_dynamodb_table.fail_disabled",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

"""CKV_TTH_19 (KmsKeyRotationEnabled): KMS keys have rotation enabled."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_19"


def test_kms_key_rotation_enabled_fixture_exact_results() -> None:
    # Given example_KmsKeyRotationEnabled/main.tf, When the check runs on it
    outcome = scan_hcl("example_KmsKeyRotationEnabled", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_19
    assert outcome.passed == {
        "aws_kms_key.pass",
    }
    assert outcome.failed == {
        "aws_kms_key.fail_disabled",
        "aws_kms_key.fail_default",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

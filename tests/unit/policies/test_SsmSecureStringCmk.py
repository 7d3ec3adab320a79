"""CKV_TTH_14 (SsmSecureStringCmk): SecureString parameters encrypted with a customer-managed KMS key."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_14"


def test_ssm_secure_string_cmk_fixture_exact_results() -> None:
    # Given example_SsmSecureStringCmk/main.tf, When the check runs on it
    outcome = scan_hcl("example_SsmSecureStringCmk", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_14
    assert outcome.passed == {
        "aws_ssm_parameter.pass_secure",
        "aws_ssm_parameter.pass_plain_string",
    }
    assert outcome.failed == {
        "aws_ssm_parameter.fail_default_key",
        "aws_ssm_parameter.fail_aws_managed_alias",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

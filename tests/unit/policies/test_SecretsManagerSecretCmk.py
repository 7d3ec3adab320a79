"""CKV_TTH_13 (SecretsManagerSecretCmk): secrets encrypted with a customer-managed KMS key."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_13"


def test_secrets_manager_secret_cmk_fixture_exact_results() -> None:
    # Given example_SecretsManagerSecretCmk/main.tf, When the check runs on it
    outcome = scan_hcl("example_SecretsManagerSecretCmk", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_13
    assert outcome.passed == {
        "aws_secretsmanager_secret.pass",
    }
    assert outcome.failed == {
        "aws_secretsmanager_secret.fail_default_key",
        "aws_secretsmanager_secret.fail_aws_managed_alias",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

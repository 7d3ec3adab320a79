"""scripts/put_secrets.py against moto: secrets into Secrets Manager, the partner key into its SecureString."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import boto3
from lambda_helpers import ENV, REGION, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import put_secrets

if TYPE_CHECKING:
    import pytest

PARAMETER = ENV["FULFILLMENT_API_KEY_PARAMETER"]
VALUES = {
    "STRIPE_SECRET_KEY": "sk_test_new",
    "STRIPE_WEBHOOK_SECRET": "whsec_new",
    "FULFILLMENT_API_KEY": "partner-new",
}


def _outputs(tmp_path: Any) -> str:
    secrets = {
        "stripe_secret_key": ENV["STRIPE_SECRET_KEY_SECRET_ID"],
        "stripe_webhook_secret": ENV["STRIPE_WEBHOOK_SECRET_ID"],
    }
    path = tmp_path / "outputs.json"
    path.write_text(
        json.dumps(
            {
                "secret_arns": {"value": secrets},
                "secure_parameter_names": {"value": {"fulfillment_api_key": PARAMETER}},
                "region": {"value": REGION},
            }
        )
    )
    return str(path)


def test_partner_key_goes_to_the_secure_string_with_terraforms_key(
    aws: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the SecureString as Terraform creates it: its own key, a placeholder value
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    aws.ssm.put_parameter(Name=PARAMETER, Value="unset", Type="SecureString", KeyId=key_id, Overwrite=True)
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    # When the operator runs the script
    assert put_secrets.main(["--outputs", _outputs(tmp_path)]) == 0
    # Then the value is in the parameter, still a SecureString under Terraform's key, and not in Secrets Manager
    parameter = aws.ssm.get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]
    assert (parameter["Value"], parameter["Type"]) == ("partner-new", "SecureString")
    described = aws.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [PARAMETER]}])
    assert described["Parameters"][0]["KeyId"] == key_id
    assert aws.secrets.get_secret_value(SecretId=ENV["STRIPE_SECRET_KEY_SECRET_ID"])["SecretString"] == "sk_test_new"
    # And a second run changes nothing
    assert put_secrets.main(["--outputs", _outputs(tmp_path)]) == 0
    assert aws.ssm.get_parameter(Name=PARAMETER)["Parameter"]["Version"] == parameter["Version"]


def test_a_plain_string_parameter_is_refused(
    aws: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a parameter of that name that is not a SecureString
    aws.ssm.put_parameter(Name=PARAMETER, Value="unset", Type="String", Overwrite=True)
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    # When the script runs, Then it refuses to put the key there, says why, and never prints the value
    assert put_secrets.main(["--outputs", _outputs(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not a SecureString" in err
    assert "partner-new" not in err
    assert aws.ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == "unset"


def test_a_role_the_secrets_key_does_not_name_is_told_which_variable_to_set(
    aws: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from botocore.exceptions import ClientError

    # Given an operator role outside secrets_operator_role_arns: KMS refuses Secrets Manager's decrypt
    def denied(client: Any, secret_id: str) -> None:
        error = {"Code": "AccessDeniedException", "Message": "Access to KMS is not allowed"}
        raise ClientError({"Error": error}, "GetSecretValue")

    monkeypatch.setattr(put_secrets, "_current_value", denied)
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    # When the script runs, Then each secret fails with the variable that grants it, and no value is printed
    assert put_secrets.main(["--outputs", _outputs(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("secrets_operator_role_arns") == 2  # one line per Secrets Manager secret
    assert "sk_test_new" not in err

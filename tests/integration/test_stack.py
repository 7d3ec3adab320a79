"""The applied stack itself: what Terraform created in the emulator, and that a second plan is quiet."""

from __future__ import annotations

from harness import drift
from harness.audit import leftovers
from harness.stack import HOST_ARCHITECTURE, Stack
from harness.terraform import OVERRIDES_DIR


def test_stack_outputs_name_every_part(stack: Stack) -> None:
    # Given the applied stack / When its outputs are read / Then every part a test or deploy needs is named
    outputs = stack.outputs
    for name in (
        "api_id",
        "api_stage_name",
        "orders_table_name",
        "events_table_name",
        "idempotency_table_name",
        "fulfillment_queue_url",
        "fulfillment_dlq_url",
        "site_bucket_name",
        "function_names",
        "secret_arns",
        "secure_parameter_names",
        "config_parameter_path",
    ):
        assert outputs.get(name), f"output {name} is empty"
    assert set(outputs["function_names"]) == {"orders", "stripe_webhook", "fulfillment", "sweeper"}
    assert set(outputs["secret_arns"]) == {"stripe_secret_key", "stripe_webhook_secret"}


def test_functions_run_deployed_configuration(stack: Stack) -> None:
    # Given the deployed functions / When their configuration is read back / Then it is what the runner executes
    client = stack.client("lambda")
    for name in stack.outputs["function_names"].values():
        config = client.get_function_configuration(FunctionName=name)
        assert config["Runtime"] == "python3.13"
        assert config["Architectures"] == [HOST_ARCHITECTURE]
        env = config["Environment"]["Variables"]
        assert not any(value.startswith(("sk_", "whsec_")) for value in env.values()), "secret value in env"
        assert env["CONFIG_PARAMETER_PATH"] == stack.outputs["config_parameter_path"]
        worker = stack.runner.worker(name)
        assert worker.config.code_sha256 == config["CodeSha256"]


def test_secrets_hold_values_put_out_of_band(stack: Stack) -> None:
    # Given scripts/put_secrets.py ran / When the secrets are read / Then they hold the values, and state has none
    secrets = stack.client("secretsmanager")
    value = secrets.get_secret_value(SecretId=stack.outputs["secret_arns"]["stripe_webhook_secret"])["SecretString"]
    assert value == stack.secrets.stripe_webhook_secret
    state = stack.workspace.tf.execute_command("state", "pull").out
    assert stack.secrets.stripe_webhook_secret not in state
    assert stack.secrets.stripe_secret_key not in state


def test_second_plan_is_empty_except_known_emulator_gaps(stack: Stack) -> None:
    # Given the applied stack / When Terraform plans again / Then nothing changes but the attributes the
    # emulator is known to read back differently (harness/terraform_overrides/<kind>/known_drift.toml)
    found = drift.changes(stack.workspace.plan_json())
    unexplained, stale = drift.unexplained(found, drift.load(OVERRIDES_DIR / stack.emulator.kind))
    assert unexplained == [], "second plan is not empty:\n" + "\n".join(unexplained)
    assert stale == [], "known drift no change needs any more:\n" + "\n".join(map(str, stale))


def test_leftover_audit_sees_every_kind_of_resource_the_stack_creates(stack: Stack) -> None:
    # Given the applied stack / When the after-destroy audit runs now / Then it finds each kind, in both regions
    found = leftovers(stack.session)
    kinds = {entry.split(":", 1)[0] for entry in found}
    expected = [
        "us-east-2 cloudtrail trail",
        "us-east-2 lambda function",
        "us-east-2 lambda event source mapping",
        "us-east-2 dynamodb table",
        "us-east-2 sqs queue",
        "us-east-2 sns topic",
        "us-east-2 apigateway rest api",
        "us-east-2 apigateway api key",
        "us-east-2 apigateway usage plan",
        "us-east-2 secretsmanager secret",
        "us-east-2 ssm parameter",
        "us-east-2 logs log group",
        "us-east-2 cloudwatch alarm",
        "us-east-2 cloudwatch dashboard",
        "us-east-2 kms alias",
        "us-east-2 kms key",
        "us-east-1 logs log group",
        "us-east-1 logs delivery source",
        "us-east-1 logs delivery destination",
        "us-east-1 logs delivery",
        "global s3 bucket",
        "global iam role",
        "global cloudfront distribution",
        "global cloudfront origin access control",
        "global cloudfront function",
        "global cloudfront response headers policy",
        "global wafv2 cloudfront web acl",
        "global wafv2 cloudfront ip set",
    ]
    if "aws_cloudtrail.dynamodb" not in stack.workspace.state_addresses():
        # Only the LocalStack run leaves the trail out (harness/terraform_overrides/localstack/cloudtrail_override.tf).
        assert stack.emulator.kind == "localstack", "the trail was not applied"
        expected.remove("us-east-2 cloudtrail trail")
    for kind in expected:
        assert kind in kinds, f"the audit does not see any {kind}"


def test_secure_string_value_is_in_the_parameter_and_never_in_terraform_state(stack: Stack) -> None:
    # Given the stack applied and the partner key put by scripts/put_secrets.py
    name = stack.outputs["secure_parameter_names"]["fulfillment_api_key"]
    parameter = stack.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", stack.secrets.fulfillment_api_key)
    # When Terraform refreshes its state from the deployed parameter
    stack.workspace.tf.execute_command("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    # Then the state holds no value of it (value_wo is write-only), neither the key nor the placeholder
    state = stack.workspace.tf.execute_command("state", "pull").out
    assert name in state
    assert stack.secrets.fulfillment_api_key not in state
    assert "unset: put the value" not in state

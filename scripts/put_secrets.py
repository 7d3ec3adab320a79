#!/usr/bin/env python3
"""Put the shop's secret values into Secrets Manager and Parameter Store, out of band from Terraform.

Terraform creates the two secrets (name, customer-managed key, recovery
window) and the SecureString parameter (name, key; a write-only placeholder
value) but never their values, because Terraform state is plain text. This
script sets the values from environment variables, never from command-line
arguments (which end up in shell history and process listings), and never
prints them. A SecureString keeps the key Terraform gave it.

Environment variables
---------------------
STRIPE_SECRET_KEY       Stripe secret (sk_...) or restricted (rk_...) key.
STRIPE_WEBHOOK_SECRET   Signing secret of the Stripe webhook endpoint (whsec_...).
FULFILLMENT_API_KEY     Bearer key of the fulfillment partner API (SecureString parameter).
(The customer's e-mail and name are encrypted by KMS itself, so there is no PII key to put;
README: "PII encryption".)

Secret ids and parameter names come from ``--outputs FILE`` (the JSON of
``terraform output -json``, outputs ``secret_arns`` and ``secure_parameter_names``)
or, without it, from the naming conventions ``<project>-<environment>/<secret-name>``
and ``/<project>/<environment>-secure/<parameter-name>``.

Examples
--------
    terraform -chdir=terraform output -json > outputs.json
    export STRIPE_SECRET_KEY=... STRIPE_WEBHOOK_SECRET=... FULFILLMENT_API_KEY=...
    python scripts/put_secrets.py --outputs outputs.json

    AWS_ENDPOINT_URL=http://127.0.0.1:4566 python scripts/put_secrets.py --region us-east-2

Exit status: 0 when every secret was set or already up to date, 1 when AWS
refused an operation, 2 for a usage or input error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["main"]

DEFAULT_PROJECT = "tickets-to-heaven"
DEFAULT_ENVIRONMENT = "prod"
DEFAULT_REGION = "us-east-2"

EXIT_OK = 0
EXIT_AWS_ERROR = 1
EXIT_USAGE = 2


class InputError(Exception):
    """A value or an argument the user supplied is unusable."""


@dataclass(frozen=True)
class SecretSpec:
    """One secret value: its output key, its name suffix, where its value comes from and where it goes."""

    key: str
    name: str
    env_var: str
    required: bool
    validate: Callable[[str], None]
    store: Literal["secretsmanager", "ssm"] = "secretsmanager"


def _require_prefix(env_var: str, prefixes: tuple[str, ...]) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not value.startswith(prefixes):
            raise InputError(f"{env_var} does not start with {' or '.join(prefixes)}")

    return check


def _require_non_empty(env_var: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not value.strip():
            raise InputError(f"{env_var} is empty")

    return check


SPECS: tuple[SecretSpec, ...] = (
    SecretSpec(
        "stripe_secret_key",
        "stripe-secret-key",
        "STRIPE_SECRET_KEY",
        True,
        _require_prefix("STRIPE_SECRET_KEY", ("sk_", "rk_")),
    ),
    SecretSpec(
        "stripe_webhook_secret",
        "stripe-webhook-secret",
        "STRIPE_WEBHOOK_SECRET",
        True,
        _require_prefix("STRIPE_WEBHOOK_SECRET", ("whsec_",)),
    ),
    SecretSpec(
        "fulfillment_api_key",
        "fulfillment-api-key",
        "FULFILLMENT_API_KEY",
        True,
        _require_non_empty("FULFILLMENT_API_KEY"),
        store="ssm",
    ),
)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Set the shop's secret values in Secrets Manager and Parameter Store from environment variables "
        "(STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, FULFILLMENT_API_KEY).",
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        metavar="FILE",
        help="JSON from 'terraform output -json'; ids are read from its secret_arns and secure_parameter_names outputs",
    )
    parser.add_argument(
        "--project",
        default=DEFAULT_PROJECT,
        help="naming convention without --outputs (default: %(default)s)",
    )
    parser.add_argument(
        "--environment",
        default=DEFAULT_ENVIRONMENT,
        help="naming convention without --outputs (default: %(default)s)",
    )
    parser.add_argument(
        "--region",
        help="AWS region (default: the outputs' region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-2)",
    )
    parser.add_argument(
        "--endpoint-url", help="Secrets Manager and SSM endpoint (default: AWS_ENDPOINT_URL, for emulators)"
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="leave secrets whose environment variable is unset unchanged instead of failing",
    )
    return parser.parse_args(argv)


def _output_value(outputs: dict[str, Any], name: str) -> Any:
    entry = outputs.get(name)
    if isinstance(entry, dict) and "value" in entry:
        return entry["value"]
    return entry


def _load_outputs(path: Path) -> dict[str, Any]:
    try:
        outputs = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON (expected 'terraform output -json'): {exc}") from exc
    if not isinstance(outputs, dict):
        raise InputError(f"{path} is not a JSON object (expected 'terraform output -json')")
    return outputs


#: Where each store's ids are in the outputs, and its naming convention without them.
_OUTPUT_OF_STORE = {"secretsmanager": "secret_arns", "ssm": "secure_parameter_names"}


def _conventional_id(args: argparse.Namespace, spec: SecretSpec) -> str:
    if spec.store == "ssm":
        return f"/{args.project}/{args.environment}-secure/{spec.name}"
    return f"{args.project}-{args.environment}/{spec.name}"


def _secret_ids(args: argparse.Namespace, outputs: dict[str, Any] | None) -> dict[str, str]:
    if outputs is None:
        return {spec.key: _conventional_id(args, spec) for spec in SPECS}
    ids: dict[str, str] = {}
    for output in dict.fromkeys(_OUTPUT_OF_STORE[spec.store] for spec in SPECS):
        found = _output_value(outputs, output)
        if not isinstance(found, dict):
            raise InputError(
                f"{args.outputs} has no {output} output; was it written by 'terraform output -json' in terraform/?"
            )
        wanted = [spec.key for spec in SPECS if _OUTPUT_OF_STORE[spec.store] == output]
        missing = [key for key in wanted if not isinstance(found.get(key), str)]
        if missing:
            raise InputError(f"{output} in {args.outputs} lacks {', '.join(missing)}")
        ids.update({key: found[key] for key in wanted})
    return ids


def _resolve_region(args: argparse.Namespace, outputs: dict[str, Any] | None) -> str:
    if args.region:
        return str(args.region)
    from_outputs = _output_value(outputs, "region") if outputs else None
    if isinstance(from_outputs, str) and from_outputs:
        return from_outputs
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def _collect_values(allow_missing: bool) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    problems: list[str] = []
    for spec in SPECS:
        value = os.environ.get(spec.env_var)
        if value is None or value == "":
            if spec.required and not allow_missing:
                problems.append(f"{spec.env_var} is not set")
            values[spec.key] = None
            continue
        try:
            spec.validate(value)
        except InputError as exc:
            problems.append(str(exc))
        values[spec.key] = value
    if problems:
        raise InputError("; ".join(problems))
    return values


def _current_value(client: Any, secret_id: str) -> str | None:
    """Return the secret's current string value, or None when it has none yet."""
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except client.exceptions.ResourceNotFoundException:
        # Raised both for an unknown secret and for a secret without a value;
        # DescribeSecret tells them apart (it raises for an unknown secret).
        client.describe_secret(SecretId=secret_id)
        return None
    value = response.get("SecretString")
    return value if isinstance(value, str) else None


def _put(client: Any, secret_id: str, value: str, current: str | None) -> str:
    if current == value:
        return "unchanged"
    client.put_secret_value(SecretId=secret_id, SecretString=value)
    return "set" if current is None else "updated"


def _put_secure_parameter(client: Any, name: str, value: str) -> str:
    """Overwrite a SecureString Terraform created, keeping its type and key; return the outcome."""
    found = client.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
    parameters = found.get("Parameters", [])
    if not parameters:
        raise InputError(f"parameter {name} does not exist (was 'terraform apply' run for this region and account?)")
    if parameters[0].get("Type") != "SecureString" or not parameters[0].get("KeyId"):
        raise InputError(f"parameter {name} is not a SecureString with a key; refusing to put a secret in it")
    current = client.get_parameter(Name=name, WithDecryption=True)["Parameter"].get("Value")
    if current == value:
        return "unchanged"
    client.put_parameter(Name=name, Value=value, Type="SecureString", KeyId=parameters[0]["KeyId"], Overwrite=True)
    return "updated"


def _hint(code: str, spec: SecretSpec) -> str:
    """What to do about an AWS error code, for the error line."""
    if code in ("ResourceNotFoundException", "ParameterNotFound"):
        return " (was 'terraform apply' run for this region and account?)"
    if code == "AccessDeniedException" and spec.store == "secretsmanager":
        # The secrets key delegates no use to IAM (terraform/kms.tf).
        return " (the secrets key lets only the roles in secrets_operator_role_arns read or put a value: add yours)"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parse_args(argv)
    try:
        outputs = _load_outputs(args.outputs) if args.outputs else None
        ids = _secret_ids(args, outputs)
        values = _collect_values(args.allow_missing)
    except InputError as exc:
        print(f"put_secrets: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        print("put_secrets: error: boto3 is not installed (pip install boto3)", file=sys.stderr)
        return EXIT_USAGE

    endpoint_url = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    region = _resolve_region(args, outputs)
    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    ssm = boto3.client("ssm", region_name=region, endpoint_url=endpoint_url)

    failures = 0
    for spec in SPECS:
        secret_id = ids[spec.key]
        try:
            if spec.store == "ssm":
                value = values[spec.key]
                if value is None:
                    print(f"{spec.key}: skipped ({spec.env_var} not set) [{secret_id}]")
                else:
                    print(f"{spec.key}: {_put_secure_parameter(ssm, secret_id, value)} [{secret_id}]")
                continue
            current = _current_value(client, secret_id)
            value = values[spec.key]
            if value is None:
                print(f"{spec.key}: skipped ({spec.env_var} not set) [{secret_id}]")
                continue
            print(f"{spec.key}: {_put(client, secret_id, value, current)} [{secret_id}]")
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "ClientError")
            message = error.get("Message", "")
            hint = _hint(code, spec)
            print(f"put_secrets: error: {spec.key} [{secret_id}]: {code}: {message}{hint}", file=sys.stderr)
            failures += 1
        except (BotoCoreError, InputError) as exc:
            print(f"put_secrets: error: {spec.key} [{secret_id}]: {exc}", file=sys.stderr)
            failures += 1

    return EXIT_AWS_ERROR if failures else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

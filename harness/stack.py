"""The whole stack on one machine: emulator, Terraform apply, fakes, local front door, SQS poller.

``Stack`` is a context manager used by the integration suite and by ``make up``. Steps print
progress and are timed; on exit everything is destroyed and stopped, and the emulator is
checked for anything Terraform left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3

from harness import fakes
from harness.audit import leftovers
from harness.deploy_steps import (
    build_packages,
    build_site,
    deploy_site,
    disable_distribution,
    empty_buckets,
    put_secrets,
)
from harness.emulator import REGION, Emulator, moto_server
from harness.front_door import FrontDoor, open_front_door
from harness.lambda_runner import LambdaRunner
from harness.moto_replay import print_retried_attempts
from harness.sqs_poller import SqsPoller, read_mappings
from harness.terraform import Workspace
from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# The emulator host executes the packages, so they carry wheels for its CPU; the Lambda runtime's
# Python version is kept (python3.13). See terraform/README.md, "Emulator fidelity".
HOST_ARCHITECTURE = "x86_64"
PUBLISHABLE_KEY = "pk_test_tthlocalharness"


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


@dataclass
class StackSecrets:
    """Test-only secret values, generated per run, put the way the README tells users to."""

    stripe_secret_key: str
    stripe_webhook_secret: str = field(default_factory=lambda: "whsec_" + secrets.token_hex(24))
    fulfillment_api_key: str = field(default_factory=lambda: "partner_" + secrets.token_hex(16))


@dataclass
class Stack:
    """Handles on every running part; built by ``running_stack``."""

    emulator: Emulator
    session: Any
    workspace: Workspace
    outputs: dict[str, Any]
    runner: LambdaRunner
    poller: SqsPoller
    front: FrontDoor
    stripe: fakes.LocalStripe
    partner: Any
    secrets: StackSecrets
    run_dir: Path
    timings: dict[str, float]

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def function_log(self, name: str) -> str:
        """Everything a function printed in this run (also shipped to its log group in the emulator)."""
        path = self.run_dir / "logs" / f"{name}.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


class Timer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str, message: str) -> Iterator[None]:
        say(message)
        started = time.monotonic()
        yield
        self.steps[name] = round(time.monotonic() - started, 2)


def emulator_variables(packages_dir: Path, stripe_url: str, partner_url: str) -> dict[str, Any]:
    """The tfvars of an emulator run: production defaults except what points at local doubles."""
    return {
        "lambda_architecture": HOST_ARCHITECTURE,
        "lambda_packages_dir": str(packages_dir),
        "stripe_api_base_url": stripe_url,
        "stripe_publishable_key": PUBLISHABLE_KEY,
        "fulfillment_api_base_url": partner_url,
    }


@contextlib.contextmanager
def running_stack(run_dir: Path, *, with_site: bool = True, destroy: bool = True) -> Iterator[Stack]:
    """Bring the whole stack up under ``run_dir`` and tear it down afterwards."""
    run_dir.mkdir(parents=True, exist_ok=True)
    timer = Timer()
    packages_dir = REPO_ROOT / "build" / "lambda" / HOST_ARCHITECTURE
    with timer.step("build", "building the Lambda packages (host CPU, Python 3.13)"):
        build_packages(packages_dir)
    dist = None
    if with_site:
        with timer.step("site_build", "building the site (npm run build)"):
            dist = build_site()
    with contextlib.ExitStack() as stack:
        with timer.step("emulator_start", "starting the AWS emulator"):
            emulator = stack.enter_context(moto_server(run_dir / "emulator.log"))
        with timer.step("fakes_start", "starting localstripe and the partner mock on 127.0.0.1"):
            stripe = stack.enter_context(fakes.localstripe(run_dir / "localstripe.log"))
            partner = stack.enter_context(fakes.partner_api())
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        for name, value in emulator.client_env().items():  # boto3 clients of this process
            if name.startswith("AWS_ENDPOINT_URL"):
                os.environ.setdefault(name, value)
        variables = emulator_variables(packages_dir, stripe.url, partner.url_for("").rstrip("/"))
        workspace = Workspace(run_dir, emulator, variables)
        with timer.step("init", "terraform init (offline provider mirror)"):
            workspace.init()
        if destroy:
            stack.callback(_teardown, workspace, session, timer)
        with timer.step("apply", f"terraform apply to the emulator at {emulator.endpoint}"):
            try:
                workspace.apply()
            except Exception:
                print_retried_attempts(run_dir / "emulator.log")
                raise
        outputs = workspace.outputs()
        outputs_file = run_dir / "outputs.json"
        outputs_file.write_text(json.dumps(outputs, indent=2, sort_keys=True))
        values = StackSecrets(stripe_secret_key=stripe.secret_key)
        with timer.step("secrets", "putting test secret values (scripts/put_secrets.py)"):
            put_secrets(emulator, outputs_file, values)
        if dist is not None:
            with timer.step("site_deploy", "uploading the site (scripts/deploy_site.py)"):
                deploy_site(emulator, outputs_file, dist)
        runner = LambdaRunner(emulator, session, [packages_dir], run_dir)
        stack.callback(runner.stop)
        function_names = list(outputs["function_names"].values())
        # Unpack the packages and install the runtime's libraries now: harness set-up, not Lambda's
        # init, so it must not count against API Gateway's 29 s integration timeout.
        with timer.step("runtimes", "preparing the function packages and runtimes"):
            for name in function_names:
                runner.worker(name)
        front = open_front_door(
            session,
            outputs["cloudfront_distribution_id"],
            runner,
            stub_confirm=lambda request: stripe.confirm(request.get("clientSecret", ""), request.get("cardNumber", "")),
            log_path=run_dir / "logs" / "cloudfront-functions.log",
        )
        stack.callback(front.stop)
        stripe.register_webhook(f"{front.url}/api/webhooks/stripe", values.stripe_webhook_secret)
        mappings = read_mappings(session.client("lambda"), session.client("sqs"), function_names)
        poller = SqsPoller(runner, mappings).start()
        stack.callback(poller.stop)
        say(f"stack ready: {front.url}")
        yield Stack(
            emulator=emulator,
            session=session,
            workspace=workspace,
            outputs=outputs,
            runner=runner,
            poller=poller,
            front=front,
            stripe=stripe,
            partner=partner,
            secrets=values,
            run_dir=run_dir,
            timings=timer.steps,
        )


def _teardown(workspace: Workspace, session: Any, timer: Timer) -> None:
    with contextlib.suppress(Exception):
        outputs = workspace.outputs()
        empty_buckets(session, [outputs[k] for k in ("site_bucket_name", "logs_bucket_name") if k in outputs])
        try:
            disable_distribution(session, outputs["cloudfront_distribution_id"])
        except Exception as error:  # destroy disables it itself, only slower
            say(f"could not disable the distribution before destroy ({error}); terraform destroy will")
    with timer.step("destroy", "terraform destroy"):
        workspace.destroy()
    remaining = leftovers(session)
    if remaining:
        raise RuntimeError("destroy left resources behind:\n  " + "\n  ".join(remaining))
    say("destroyed: nothing left in the emulator")

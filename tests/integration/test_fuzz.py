"""Hostile input through the front door: schemathesis on docs/openapi.yaml, and the webhook fuzzed.

1. The contract run: every phase schemathesis has (examples, coverage, fuzzing, stateful via the
   spec's createOrder → getOrder link) with every check it has (no 5xx; status code, content
   type, headers and body as the spec says; schema-valid accepted; schema-invalid refused;
   missing required headers refused), plus the front door's configured answer to undeclared
   methods (fuzz_checks.py). Deterministic and bounded by tests/integration/schemathesis.toml.
2. The webhook: random bodies, headers, signatures and timestamps, some signed with the real
   secret but stale or over a body that is no event; every answer is a 400 with the error body,
   and no event, order or queue message appears.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    import requests

    from harness.stack import Stack

HERE = Path(__file__).resolve().parent
SPEC = REPO_ROOT / "docs" / "openapi.yaml"
CONFIG = HERE / "schemathesis.toml"
PHASES = ("Examples", "Coverage", "Fuzzing", "Stateful")
OPERATIONS = 4
FUZZ_TIMEOUT_S = 600  # a bound, far above the measured run, so a hang fails instead of blocking


def front_door_configuration(stack: Stack) -> dict[str, Any]:
    """What the deployed front door answers to an undeclared method, read back from the emulator."""
    apigateway = stack.client("apigateway")
    response = apigateway.get_gateway_response(
        restApiId=stack.outputs["api_id"], responseType="MISSING_AUTHENTICATION_TOKEN"
    )
    template = response["responseTemplates"]["application/json"]
    config = stack.client("cloudfront").get_distribution_config(Id=stack.outputs["cloudfront_distribution_id"])
    behaviours = config["DistributionConfig"]["CacheBehaviors"].get("Items") or []
    [api] = [b for b in behaviours if b["PathPattern"] == "/api/*"]
    return {
        "cloudfront_allowed_methods": sorted(api["AllowedMethods"]["Items"]),
        "missing_route": {"status": int(response["statusCode"]), "body": json.loads(template)},
    }


def run_schemathesis(stack: Stack, api: requests.Session, report_dir: Path) -> subprocess.CompletedProcess[str]:
    catalog = api.get(f"{stack.front.url}/api/config", timeout=30).json()["catalog"]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "fuzz_checks",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "TTH_FUZZ_FRONT_DOOR": json.dumps(front_door_configuration(stack)),
        "TTH_FUZZ_CATALOG": json.dumps(catalog),
    }
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(SPEC),
        "--url",
        f"{stack.front.url}/api",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    return subprocess.run(
        command, env=env, cwd=report_dir, capture_output=True, text=True, timeout=FUZZ_TIMEOUT_S, check=False
    )


def summary(output: str) -> dict[str, Any]:
    """The run's numbers, from the CLI's summary block."""
    cases = re.search(r"(\d+) generated(?:, (\d+) found (\d+) unique failures)?", output)
    tested = re.search(r"Tested:\s+(\d+)", output)
    links = re.search(r"API Links:\s+(\d+) covered", output)
    assert cases and tested, output[-3000:]
    return {
        "generated": int(cases.group(1)),
        "failures": int(cases.group(3) or 0),
        "operations": int(tested.group(1)),
        "links_covered": int(links.group(1)) if links else 0,
        "phases_passed": [p for p in PHASES if re.search(rf"✅\s+{p}\b", output)],
    }


def test_api_conforms_to_its_contract_under_fuzzing(
    stack: Stack, api: requests.Session, tmp_path: Path, capsys: Any
) -> None:
    # Given the deployed stack behind the local front door, and the spec it promises
    started = time.monotonic()
    # When schemathesis runs every phase and check against it
    result = run_schemathesis(stack, api, tmp_path)
    numbers = summary(result.stdout)
    with capsys.disabled():
        print(f"\nschemathesis: {numbers} in {time.monotonic() - started:.1f} s", flush=True)
    # Then every operation and the create → read link were exercised, in every phase, and nothing failed
    assert numbers["operations"] == OPERATIONS, result.stdout[-3000:]
    assert numbers["links_covered"] == 1, result.stdout[-3000:]
    assert numbers["generated"] >= 100, numbers
    assert result.returncode == 0 and numbers["failures"] == 0, result.stdout[-12000:]
    assert numbers["phases_passed"] == list(PHASES), result.stdout[-3000:]


# --------------------------------------------------------------------------- the webhook alone

NOW = int(time.time())
timestamps = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=NOW - 10**6, max_value=NOW - 301),  # stale: outside Stripe's 300 s tolerance
    st.integers(min_value=NOW + 301, max_value=NOW + 10**6),  # from the future
)
text = st.text(st.characters(codec="utf-8"), max_size=200)
bodies = st.one_of(
    st.binary(max_size=512),
    text.map(str.encode),
    st.recursive(
        st.none() | st.booleans() | st.integers() | text, lambda inner: st.lists(inner) | st.dictionaries(text, inner)
    ).map(lambda value: json.dumps(value).encode()),
)
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "X-Forwarded-For", "User-Agent", "Accept", "Stripe-Account", "X-Custom"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=100),
    max_size=4,
)


@st.composite
def signatures(draw: st.DrawFn, body: bytes, secret: str) -> str | None:
    """A Stripe-Signature header that must not verify: missing, garbage, forged, stale or future."""
    kind = draw(st.sampled_from(["none", "garbage", "wrong-secret", "real-secret-bad-time", "tampered"]))
    if kind == "none":
        return None
    if kind == "garbage":
        return draw(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300))
    stamp = draw(timestamps)
    key = secret if kind != "wrong-secret" else "whsec_" + draw(st.text("0123456789abcdef", min_size=8, max_size=40))
    # Stripe's scheme: HMAC-SHA256 over "<timestamp>.<raw body>" (computed here: bodies may be any bytes)
    signature = hmac.new(key.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    if kind == "tampered":
        signature = signature[::-1]
    if kind == "wrong-secret" or kind == "tampered":
        stamp = NOW  # a fresh timestamp: only the signature is wrong
    return f"t={stamp},v1={signature}"


def table_count(stack: Stack, name: str) -> int:
    return int(stack.client("dynamodb").scan(TableName=stack.outputs[name], Select="COUNT")["Count"])


def queued(stack: Stack) -> int:
    sqs = stack.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.outputs["fulfillment_queue_url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_webhook_refuses_every_unsigned_or_badly_signed_request(stack: Stack, api: requests.Session) -> None:
    # Given the events and orders tables and the fulfillment queue as they are now
    url = f"{stack.front.url}/api/webhooks/stripe"
    secret = stack.secrets.stripe_webhook_secret
    before = (table_count(stack, "events_table_name"), table_count(stack, "orders_table_name"), queued(stack))
    answers: list[int] = []

    @settings(
        max_examples=80,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data(), body=bodies, extra=headers)
    def deliver(data: st.DataObject, body: bytes, extra: dict[str, str]) -> None:
        # When a request with a random body, headers and a signature that cannot verify arrives
        signature = data.draw(signatures(body, secret))
        sent = dict(extra)
        if signature is not None:
            sent["Stripe-Signature"] = signature
        reply = api.post(url, data=body, headers=sent, timeout=30)
        answers.append(reply.status_code)
        # Then it is a 400 with the contract's error body and a stable code
        assert reply.status_code == 400, (reply.status_code, reply.text, sent)
        error = reply.json()["error"]
        assert set(error) == {"code", "message", "details"}
        assert error["code"] in {"INVALID_SIGNATURE", "VALIDATION_ERROR"}, error

    deliver()
    # And nothing was recorded, moved or queued
    after = (table_count(stack, "events_table_name"), table_count(stack, "orders_table_name"), queued(stack))
    assert after == before
    assert len(answers) == 80


def test_webhook_refuses_signed_bodies_that_are_no_stripe_event(stack: Stack, api: requests.Session) -> None:
    # Given bodies signed correctly and freshly with the real secret, that are no Stripe event
    url = f"{stack.front.url}/api/webhooks/stripe"
    before = table_count(stack, "events_table_name")
    for body in (b"not json", b"[]", b"null", b'"text"', b"{}", b'{"id": 1}', b'{"type": "x"}', b"\xff\xfe"):
        payload = body.decode("utf-8", "replace")
        signature = stripe.WebhookSignature.generate_signature_header(payload, stack.secrets.stripe_webhook_secret)
        # When each is delivered
        reply = api.post(url, data=payload.encode(), headers={"Stripe-Signature": signature}, timeout=30)
        # Then it is a 400 with a stable code, and no event is recorded
        assert reply.status_code == 400, (body, reply.status_code, reply.text)
        assert reply.json()["error"]["code"] in {"INVALID_SIGNATURE", "VALIDATION_ERROR"}
    assert table_count(stack, "events_table_name") == before

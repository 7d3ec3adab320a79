"""The emulator's server answers a retried attempt of a served create from its first answer.

A server of its own (``harness.emulator.moto_server``, seconds to start), so the session's stack is not
touched. IAM's CreateRole stands in for any create: run twice, moto refuses the second with
EntityAlreadyExists, as AWS does.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import requests

from harness.emulator import REGION, moto_server

if TYPE_CHECKING:
    from pathlib import Path

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def create_role(endpoint: str, invocation: str, attempt: int) -> requests.Response:
    return requests.post(
        endpoint,
        data={
            "Action": "CreateRole",
            "Version": "2010-05-08",
            "RoleName": "replayed",
            "AssumeRolePolicyDocument": TRUST,
        },
        headers={
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20261201/{REGION}/iam/aws4_request, "
            "SignedHeaders=host, Signature=0",
            "amz-sdk-invocation-id": invocation,
            "amz-sdk-request": f"attempt={attempt}; max=25",
        },
        timeout=60,
    )


def test_a_retried_create_is_answered_once_and_a_new_call_still_conflicts(tmp_path: Path) -> None:
    log = tmp_path / "emulator.log"
    with moto_server(log) as emulator:
        invocation = str(uuid.uuid4())
        first = create_role(emulator.endpoint, invocation, 1)
        retried = create_role(emulator.endpoint, invocation, 2)
        another = create_role(emulator.endpoint, str(uuid.uuid4()), 1)
    assert first.status_code == 200, first.text
    assert (retried.status_code, retried.text) == (200, first.text)
    assert another.status_code == 409 and "EntityAlreadyExists" in another.text
    assert f"[replay] attempt 2 of POST / [iam] (invocation {invocation})" in log.read_text()

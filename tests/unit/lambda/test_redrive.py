"""scripts/redrive.py against moto's SQS: DLQ messages go back as new messages, junk stays."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from lambda_helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import redrive


@pytest.mark.parametrize("terraform_format", [True, False])
def test_redrive_moves_messages_back_and_leaves_junk(aws: Any, tmp_path: Any, terraform_format: bool) -> None:
    # Given two parked orders and one unreadable message in the DLQ
    for body in ({"order_id": "o-1", "reason": "partner said 400"}, {"order_id": "o-2"}):
        aws.sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=json.dumps(body))
    aws.sqs.send_message(QueueUrl=aws.dlq_url, MessageBody="not json")
    values = {"fulfillment_dlq_url": aws.dlq_url, "fulfillment_queue_url": aws.queue_url, "region": "us-east-2"}
    outputs = {k: {"value": v} for k, v in values.items()} if terraform_format else values
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    # When the operator runs the command
    code = redrive.main(["--outputs", str(path)])
    # Then both orders are on the fulfillment queue again (without the reason), the junk is reported
    assert code == 1
    assert sorted(aws.queued_messages(), key=str) == [{"order_id": "o-1"}, {"order_id": "o-2"}]
    attributes = aws.sqs.get_queue_attributes(QueueUrl=aws.dlq_url, AttributeNames=["All"])["Attributes"]
    assert (
        int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) == 1
    )


def test_redrive_dry_run_changes_nothing(aws: Any, tmp_path: Any) -> None:
    aws.sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=json.dumps({"order_id": "o-1"}))
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"fulfillment_dlq_url": aws.dlq_url, "fulfillment_queue_url": aws.queue_url}))
    assert redrive.main(["--outputs", str(path), "--dry-run"]) == 0
    assert aws.queued_messages() == []


@pytest.mark.parametrize("content", ["{}", "[]", "not json"])
def test_redrive_bad_outputs_is_exit_2(tmp_path: Any, content: str, capsys: Any) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(content)
    assert redrive.main(["--outputs", str(path)]) == 2
    assert "redrive:" in capsys.readouterr().err

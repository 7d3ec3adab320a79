#!/usr/bin/env python3
"""Move the fulfillment DLQ's messages back to the fulfillment queue (after the cause is fixed).

Usage::

    terraform -chdir=terraform output -json > outputs.json
    python scripts/redrive.py --outputs outputs.json [--dry-run] [--max 100]

Each message becomes a new message ``{"order_id": ...}`` on the fulfillment queue (so its receive
count starts again), then is deleted from the DLQ. The fulfillment function then fulfils the order,
re-attempts a ``FULFILLMENT_FAILED`` one (auto-refund off) or finishes a ``REFUNDING`` one; orders
already settled are no-ops. A message whose body has no order id is left in the DLQ and reported.

Exit status: 0 every message moved (or none waiting), 1 AWS refused something or a message was
left, 2 bad input. ``--region``/``--endpoint-url`` (or ``AWS_ENDPOINT_URL``) select the account or
an emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main", "redrive"]


def _say(message: str) -> None:
    print(f"[redrive] {message}", flush=True)


def _optional_output(outputs: dict[str, Any], name: str) -> str | None:
    """An output's value, from ``terraform output -json`` ({"value": ...}) or a plain name -> value map."""
    value = outputs.get(name)
    value = value.get("value") if isinstance(value, dict) else value
    return value if isinstance(value, str) and value else None


def _output(outputs: dict[str, Any], name: str) -> str:
    value = _optional_output(outputs, name)
    if value is None:
        raise ValueError(f"the outputs file has no {name} output; was it written by 'terraform output -json'?")
    return value


def _order_id(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    order_id = data.get("order_id") if isinstance(data, dict) else None
    return order_id if isinstance(order_id, str) and order_id else None


def redrive(sqs: Any, dlq_url: str, queue_url: str, *, limit: int, dry_run: bool = False) -> tuple[int, int]:
    """Move up to ``limit`` messages; returns (moved, left in the DLQ)."""
    moved = left = 0
    seen: set[str] = set()
    while moved + left < limit:
        batch = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=min(10, limit - moved - left), WaitTimeSeconds=1, VisibilityTimeout=60
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            order_id = _order_id(message["Body"])
            if order_id is None:
                left += 1
                _say(f"left in the DLQ: message {message['MessageId']} has no order id")
                continue
            if dry_run:
                _say(f"would redrive order {order_id}")
                moved += 1
                continue
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"order_id": order_id}))
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
            _say(f"redriven order {order_id} ({moved} so far)")
    return moved, left


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=Path, required=True, help="JSON of 'terraform output -json'")
    parser.add_argument("--max", type=int, default=1000, help="move at most this many messages (default %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="list what would move; change nothing")
    parser.add_argument("--region", help="AWS region (default: the outputs' region, else the environment's)")
    parser.add_argument("--endpoint-url", help="SQS endpoint (default: AWS_ENDPOINT_URL, for emulators)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the redrive; see the module docstring for the exit status."""
    args = _parse_args(argv)
    try:
        outputs = json.loads(args.outputs.read_text(encoding="utf-8"))
        if not isinstance(outputs, dict):
            raise ValueError("the outputs file is not a JSON object")
        dlq_url, queue_url = _output(outputs, "fulfillment_dlq_url"), _output(outputs, "fulfillment_queue_url")
        if args.max < 1:
            raise ValueError("--max must be at least 1")
    except (OSError, ValueError) as exc:
        print(f"redrive: {exc}", file=sys.stderr)
        return 2
    region = args.region or _optional_output(outputs, "region") or os.environ.get("AWS_REGION")
    endpoint_url = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    sqs = boto3.client("sqs", region_name=region or "us-east-2", endpoint_url=endpoint_url)
    _say(f"from {dlq_url} to {queue_url}{' (dry run)' if args.dry_run else ''}")
    try:
        moved, left = redrive(sqs, dlq_url, queue_url, limit=args.max, dry_run=args.dry_run)
    except (BotoCoreError, ClientError) as exc:
        print(f"redrive: AWS refused: {exc}", file=sys.stderr)
        return 1
    _say(f"done: {moved} moved, {left} left in the DLQ")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())

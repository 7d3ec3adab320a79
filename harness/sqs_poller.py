"""Feed SQS messages to functions the way their event source mappings say.

Reads each enabled SQS event source mapping back from the emulator (queue, batch size,
``ReportBatchItemFailures``), receives batches, invokes the function with an SQS event and
deletes what succeeded. Failed messages stay on the queue and come back after their
visibility timeout; the queue's redrive policy moves them to the DLQ, as in AWS.

The poller acts with each function's execution role (``LambdaRunner.client``), as the event
source mapping does, so the role must allow what the mapping calls: ``GetQueueAttributes`` when
polling starts, then ``ReceiveMessage``, ``DeleteMessage`` (batch) and ``ChangeMessageVisibility``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from harness.emulator import REGION
from harness.lambda_runner import InvocationError, LambdaRunner


@dataclass(frozen=True)
class SqsMapping:
    """One SQS → Lambda event source mapping."""

    function: str
    queue_arn: str
    queue_url: str
    batch_size: int
    report_failures: bool


def read_mappings(lambda_client: Any, sqs_client: Any, function_names: list[str]) -> list[SqsMapping]:
    """Read the enabled SQS mappings of these functions from the emulator."""
    mappings = []
    # Listed unfiltered and matched on FunctionArn: AWS accepts a name or an ARN as the
    # FunctionName filter, moto only the exact string the mapping was created with.
    listed = lambda_client.get_paginator("list_event_source_mappings").paginate().build_full_result()
    for mapping in listed["EventSourceMappings"]:
        function = mapping["FunctionArn"].split(":function:", 1)[1].split(":", 1)[0]
        arn = mapping["EventSourceArn"]
        enabled = mapping.get("State", "Enabled") in ("Enabled", "Creating", "Updating")
        if function not in function_names or ":sqs:" not in arn or not enabled:
            continue
        mappings.append(
            SqsMapping(
                function=function,
                queue_arn=arn,
                queue_url=sqs_client.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"],
                batch_size=int(mapping.get("BatchSize", 10)),
                report_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
            )
        )
    return mappings


def to_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's SQS event delivers it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {**{k[0].lower() + k[1:]: v for k, v in value.items()}}
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class SqsPoller:
    """Background poller for a set of mappings; ``drain`` runs one round synchronously."""

    def __init__(self, runner: LambdaRunner, mappings: list[SqsMapping]) -> None:
        self.runner = runner
        self.mappings = mappings
        # One client per mapping, with the mapped function's role.
        self._clients = {
            mapping: runner.client(mapping.function, "sqs", caller="event-source-mapping") for mapping in mappings
        }
        self.batches = 0
        self.failures = 0
        self._in_flight: dict[str, tuple[SqsMapping, str]] = {}  # message id -> (mapping, receipt handle)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poll_once(self, mapping: SqsMapping) -> int:
        """Receive and process one batch; return how many messages it held."""
        sqs = self._clients[mapping]
        with self._lock:
            received = sqs.receive_message(
                QueueUrl=mapping.queue_url,
                MaxNumberOfMessages=min(mapping.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not received:
                return 0
            self.batches += 1
            event = {"Records": [to_record(m, mapping.queue_arn) for m in received]}
            try:
                response = self.runner.invoke(mapping.function, event) or {}
            except InvocationError:
                self.failures += 1
                return len(received)  # the whole batch returns to the queue
            failed = {item["itemIdentifier"] for item in (response.get("batchItemFailures") or [])}
            if not mapping.report_failures:
                failed = set()
            self.failures += len(failed)
            for message in received:
                if message["MessageId"] in failed:
                    self._in_flight[message["MessageId"]] = (mapping, message["ReceiptHandle"])
            done = [m for m in received if m["MessageId"] not in failed]
            for start in range(0, len(done), 10):
                sqs.delete_message_batch(
                    QueueUrl=mapping.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done[start : start + 10])
                    ],
                )
            return len(received)

    def fast_forward(self) -> int:
        """Make failed messages visible now, as if their backoff had passed; return how many.

        Tests use this instead of sleeping through the function's retry backoff (tens of
        seconds); the backoff the function asked for is still in its log.
        """
        with self._lock:
            moved = 0
            for mapping, receipt in self._in_flight.values():
                try:
                    self._clients[mapping].change_message_visibility(
                        QueueUrl=mapping.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
                    )
                    moved += 1
                except Exception:
                    pass
            self._in_flight.clear()
            return moved

    def drain(self, timeout: float = 30.0) -> None:
        """Poll every mapping until all queues are empty of visible messages, or ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(self.poll_once(mapping) for mapping in self.mappings):
                return

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = False
            for mapping in self.mappings:
                try:
                    busy = self.poll_once(mapping) > 0 or busy
                except Exception:
                    busy = False
            self._stop.wait(0.05 if busy else 0.5)

    def start(self) -> SqsPoller:
        for mapping, sqs in self._clients.items():
            # What the mapping reads when it starts polling; fails here if the role lacks it.
            sqs.get_queue_attributes(QueueUrl=mapping.queue_url, AttributeNames=["VisibilityTimeout"])
        self._thread = threading.Thread(target=self._run, name="sqs-poller", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

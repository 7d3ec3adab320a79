"""Feed SQS messages to functions the way their event source mappings say.

Reads each enabled SQS event source mapping back from the emulator and honours it as Lambda's
poller does:

- ``BatchSize`` and ``MaximumBatchingWindowInSeconds``: a batch is invoked when it is full, or
  when the window since its first message has passed (no window: at once);
- ``ScalingConfig.MaximumConcurrency``: at most that many batches of the mapping in flight at
  once (without it, ``DEFAULT_MAX_CONCURRENCY``: Lambda would scale further, the harness caps
  it — README, fidelity table);
- ``ReportBatchItemFailures``: only the failed records return to the queue.

Failed messages stay on the queue and come back after their visibility timeout; the queue's
redrive policy moves them to the DLQ, as in AWS. A throttled invocation (the function at its
concurrency limit, ``ThrottledError``) leaves the whole batch untouched too: it is received again
after the visibility timeout, as Lambda's poller retries a throttled batch.

The poller acts with each function's execution role (``LambdaRunner.client``), as the event
source mapping does, so the role must allow what the mapping calls: ``GetQueueAttributes`` when
polling starts, then ``ReceiveMessage``, ``DeleteMessage`` (batch) and ``ChangeMessageVisibility``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from harness.emulator import REGION
from harness.lambda_runner import InvocationError, LambdaRunner, ThrottledError

#: Batches in flight per mapping when the mapping sets no ``MaximumConcurrency``.
DEFAULT_MAX_CONCURRENCY = 10
#: SQS's own cap on one ReceiveMessage.
RECEIVE_MAX = 10


@dataclass(frozen=True)
class SqsMapping:
    """One SQS → Lambda event source mapping, as read back."""

    function: str
    queue_arn: str
    queue_url: str
    batch_size: int
    report_failures: bool
    batching_window_s: float = 0.0
    max_concurrency: int | None = None


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
        scaling = mapping.get("ScalingConfig") or {}
        mappings.append(
            SqsMapping(
                function=function,
                queue_arn=arn,
                queue_url=sqs_client.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"],
                batch_size=int(mapping.get("BatchSize", 10)),
                report_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
                batching_window_s=float(mapping.get("MaximumBatchingWindowInSeconds") or 0),
                max_concurrency=int(scaling["MaximumConcurrency"]) if scaling.get("MaximumConcurrency") else None,
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
    """Background poller for a set of mappings; ``drain`` runs rounds synchronously until the queues are empty."""

    def __init__(self, runner: LambdaRunner, mappings: list[SqsMapping]) -> None:
        self.runner = runner
        self.mappings = mappings
        # One client per mapping, with the mapped function's role.
        self._clients = {
            mapping: runner.client(mapping.function, "sqs", caller="event-source-mapping") for mapping in mappings
        }
        self._slots = {
            mapping: threading.BoundedSemaphore(mapping.max_concurrency or DEFAULT_MAX_CONCURRENCY)
            for mapping in mappings
        }
        self.batches = 0
        self.failures = 0
        self.throttled = 0
        self.batch_sizes: list[int] = []
        self.peak_in_flight: dict[SqsMapping, int] = {}
        self._busy: dict[SqsMapping, int] = dict.fromkeys(mappings, 0)
        self._in_flight: dict[str, tuple[SqsMapping, str, float]] = {}  # message id -> (mapping, receipt, not before)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pool: ThreadPoolExecutor | None = None
        # Held while receiving: a test that holds it keeps the poller off the queues.
        self._lock = threading.Lock()
        self._state = threading.Lock()

    def _receive(self, mapping: SqsMapping, count: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(
                self._clients[mapping]
                .receive_message(
                    QueueUrl=mapping.queue_url,
                    MaxNumberOfMessages=min(count, RECEIVE_MAX),
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                    WaitTimeSeconds=0,
                )
                .get("Messages", [])
            )

    def gather(self, mapping: SqsMapping, window: bool = True) -> list[dict[str, Any]]:
        """One batch: up to ``BatchSize`` messages, waiting up to the batching window for more."""
        received = self._receive(mapping, mapping.batch_size)
        if not received:
            return []
        deadline = time.monotonic() + (mapping.batching_window_s if window else 0)
        while len(received) < mapping.batch_size:
            more = self._receive(mapping, mapping.batch_size - len(received))
            # A window longer than the queue's visibility timeout receives a message again: keep it once,
            # with its newest receipt handle.
            again = {m["MessageId"] for m in more}
            received = [m for m in received if m["MessageId"] not in again] + more
            left = deadline - time.monotonic()
            if left <= 0 or self._stop.is_set():
                break
            if not more:
                self._stop.wait(min(0.1, left))
        return received

    def process(self, mapping: SqsMapping, received: list[dict[str, Any]]) -> None:
        """Invoke the function with one batch; delete what succeeded, leave the rest for their visibility timeout."""
        sqs = self._clients[mapping]
        with self._state:
            self.batches += 1
            self.batch_sizes.append(len(received))
            self._busy[mapping] += 1
            self.peak_in_flight[mapping] = max(self.peak_in_flight.get(mapping, 0), self._busy[mapping])
        try:
            event = {"Records": [to_record(m, mapping.queue_arn) for m in received]}
            try:
                response = self.runner.invoke(mapping.function, event) or {}
            except ThrottledError:
                # Lambda's poller leaves a throttled batch on the queue: it is received again after its
                # visibility timeout (fast_forward may skip that wait).
                self._hold(mapping, received, throttled=True)
                return
            except InvocationError:
                self._hold(mapping, received, throttled=False)
                return
            failed = {item["itemIdentifier"] for item in (response.get("batchItemFailures") or [])}
            if not mapping.report_failures:
                failed = set()
            with self._state:
                self.failures += len(failed)
                for message in received:
                    if message["MessageId"] in failed:
                        self._in_flight[message["MessageId"]] = (mapping, message["ReceiptHandle"], 0.0)
            done = [m for m in received if m["MessageId"] not in failed]
            for start in range(0, len(done), RECEIVE_MAX):
                sqs.delete_message_batch(
                    QueueUrl=mapping.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done[start : start + RECEIVE_MAX])
                    ],
                )
        finally:
            with self._state:
                self._busy[mapping] -= 1

    def _hold(self, mapping: SqsMapping, received: list[dict[str, Any]], throttled: bool) -> None:
        """The whole batch returns after its visibility timeout.

        fast_forward may skip that, but not, after a function error, the function's timeout: state the
        dead invocation left (an in-progress idempotency record) expires only then, and in AWS the
        visibility timeout is longer. A throttled batch never ran, so it may come back at once.
        """
        not_before = 0.0 if throttled else time.monotonic() + self.runner.worker(mapping.function).config.timeout
        with self._state:
            if throttled:
                self.throttled += 1
            else:
                self.failures += 1
            for message in received:
                self._in_flight[message["MessageId"]] = (mapping, message["ReceiptHandle"], not_before)

    def poll_once(self, mapping: SqsMapping, window: bool = False) -> int:
        """Receive and process one batch now (within the mapping's maximum concurrency); return its size."""
        with self._slots[mapping]:
            received = self.gather(mapping, window=window)
            if received:
                self.process(mapping, received)
            return len(received)

    def fast_forward(self) -> int:
        """Make failed and throttled messages visible now, as if their backoff had passed; return how many.

        Tests use this instead of sleeping through the function's retry backoff (tens of
        seconds); the backoff the function asked for is still in its log.
        """
        with self._lock:
            moved = 0
            now = time.monotonic()
            with self._state:
                due = [(k, v) for k, v in self._in_flight.items() if v[2] <= now]
                for message_id, _ in due:
                    del self._in_flight[message_id]
            for _, (mapping, receipt, _) in due:
                try:
                    self._clients[mapping].change_message_visibility(
                        QueueUrl=mapping.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
                    )
                    moved += 1
                except Exception:
                    continue
            return moved

    def in_flight(self) -> int:
        """Batches being processed now, over every mapping."""
        with self._state:
            return sum(self._busy.values())

    def drain(self, timeout: float = 30.0) -> None:
        """Poll every mapping until all queues are empty of visible messages and no batch is in flight, or ``timeout``.

        A synchronous round does not wait for a batching window: it takes what is visible.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(self.poll_once(mapping) for mapping in self.mappings) and not self.in_flight():
                return
            if self.in_flight():
                time.sleep(0.05)

    def _run(self, mapping: SqsMapping) -> None:
        assert self._pool is not None
        slots = self._slots[mapping]
        while not self._stop.is_set():
            if not slots.acquire(timeout=0.5):
                continue  # every batch slot of the mapping is busy
            try:
                received = self.gather(mapping)
            except Exception:
                received = []
            if not received:
                slots.release()
                self._stop.wait(0.5)
                continue
            self._pool.submit(self._process_then_release, mapping, received)

    def _process_then_release(self, mapping: SqsMapping, received: list[dict[str, Any]]) -> None:
        try:
            with contextlib.suppress(Exception):  # the messages come back after their visibility timeout
                self.process(mapping, received)
        finally:
            self._slots[mapping].release()

    def start(self) -> SqsPoller:
        for mapping, sqs in self._clients.items():
            # What the mapping reads when it starts polling; fails here if the role lacks it.
            sqs.get_queue_attributes(QueueUrl=mapping.queue_url, AttributeNames=["VisibilityTimeout"])
        workers = sum(m.max_concurrency or DEFAULT_MAX_CONCURRENCY for m in self.mappings) or 1
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sqs-batch")
        for mapping in self.mappings:
            thread = threading.Thread(
                target=self._run, args=(mapping,), name=f"sqs-poller-{mapping.function}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

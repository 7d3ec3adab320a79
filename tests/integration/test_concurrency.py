"""Concurrency as deployed: reserved concurrency through the front door, and the SQS poller's mapping.

The reservation is changed with ``PutFunctionConcurrency`` (as an operator would) and read back
by the runner at each invocation; every test puts the deployed value back, so the second plan
stays empty.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import requests

from harness.sqs_poller import SqsMapping, SqsPoller, read_mappings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from harness.stack import Stack

STRIPE_DELAY_S = 3.0  # each order's PaymentIntent call takes this long: the invocations overlap


@contextlib.contextmanager
def reserved(stack: Stack, function: str, value: int) -> Iterator[None]:
    """Set the function's reserved concurrency for the context, then put the deployed value back."""
    client = stack.client("lambda")
    deployed = client.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"]
    client.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=value)
    try:
        yield
    finally:
        client.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=deployed)


def order_burst(stack: Stack, count: int) -> list[requests.Response]:
    """``count`` checkouts at once through the front door."""
    sku = requests.get(f"{stack.front.url}/api/config", timeout=60).json()["catalog"][0]["sku"]
    body: dict[str, Any] = {
        "items": [{"sku": sku, "quantity": 1}],
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
    }
    start = threading.Barrier(count)

    def one(_: int) -> requests.Response:
        start.wait()
        return requests.post(f"{stack.front.url}/api/orders", json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def deployed_default_5xx(stack: Stack) -> dict[str, Any]:
    response = stack.client("apigateway").get_gateway_response(
        restApiId=stack.outputs["api_id"], responseType="DEFAULT_5XX"
    )
    return dict(json.loads(response["responseTemplates"]["application/json"]))


def test_burst_beyond_the_reservation_gets_the_throttle_answer_and_a_new_reservation_applies(stack: Stack) -> None:
    orders = stack.outputs["function_names"]["orders"]
    lambda_client = stack.client("lambda")
    with reserved(stack, orders, 2), stack.stripe.slowed(STRIPE_DELAY_S):
        # Given the orders function reserves 2 (read back) and each checkout takes seconds
        assert lambda_client.get_function_concurrency(FunctionName=orders)["ReservedConcurrentExecutions"] == 2

        # When 5 customers check out at once
        replies = order_burst(stack, 5)

        # Then 2 orders are taken and the other 3 get what API Gateway answers for a throttled Lambda:
        # 500, in the deployed DEFAULT_5XX shape
        statuses = sorted(r.status_code for r in replies)
        assert statuses == [201, 201, 500, 500, 500], [r.text for r in replies]
        throttled = [r for r in replies if r.status_code == 500]
        assert all(r.json() == deployed_default_5xx(stack) for r in throttled)
        assert all(r.headers.get("x-amzn-ErrorType") for r in throttled)

        # When the reservation becomes 3 and the burst comes again
        lambda_client.put_function_concurrency(FunctionName=orders, ReservedConcurrentExecutions=3)
        assert lambda_client.get_function_concurrency(FunctionName=orders)["ReservedConcurrentExecutions"] == 3
        statuses = sorted(r.status_code for r in order_burst(stack, 5))

        # Then 3 are taken
        assert statuses == [201, 201, 201, 500, 500]


class RecordingRunner:
    """The poller's view of Lambda for a test queue: records each batch; or passes it to the real runner."""

    def __init__(self, stack: Stack, hold_s: float = 0.0) -> None:
        self.stack = stack
        self.hold_s = hold_s
        self.real = False  # True: invoke the deployed function through the stack's runner
        self.batches: list[tuple[float, list[dict[str, Any]]]] = []  # (wall-clock time of the invocation, records)
        self.peak = 0
        self._running = 0
        self._lock = threading.Lock()

    def client(self, name: str, service: str, caller: str = "function") -> Any:
        return self.stack.client(service)  # the test queue is not in the function's policy

    def worker(self, name: str) -> Any:
        return self.stack.runner.worker(name)

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        if self.real:
            return self.stack.runner.invoke(name, event)
        with self._lock:
            self.batches.append((time.time(), event["Records"]))
            self._running += 1
            self.peak = max(self.peak, self._running)
        time.sleep(self.hold_s)
        with self._lock:
            self._running -= 1
        return {}


@contextlib.contextmanager
def mapped_test_queue(
    stack: Stack, runner: RecordingRunner, batch_size: int, window_s: int, max_concurrency: int, visibility_s: int = 30
) -> Iterator[tuple[str, SqsMapping, SqsPoller]]:
    """A fresh queue mapped to the fulfillment function, polled for the context."""
    sqs, lambda_client = stack.client("sqs"), stack.client("lambda")
    fulfillment = stack.outputs["function_names"]["fulfillment"]
    url = sqs.create_queue(
        QueueName=f"tth-poller-test-{secrets.token_hex(4)}", Attributes={"VisibilityTimeout": str(visibility_s)}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    created = lambda_client.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fulfillment,
        BatchSize=batch_size,
        MaximumBatchingWindowInSeconds=window_s,
        ScalingConfig={"MaximumConcurrency": max_concurrency},
    )
    poller = None
    try:
        [mapping] = [m for m in read_mappings(lambda_client, sqs, [fulfillment]) if m.queue_arn == arn]
        assert (mapping.batch_size, mapping.batching_window_s, mapping.max_concurrency) == (
            batch_size,
            window_s,
            max_concurrency,
        )
        poller = SqsPoller(runner, [mapping]).start()  # type: ignore[arg-type]
        yield url, mapping, poller
    finally:
        if poller is not None:
            poller.stop()
        lambda_client.delete_event_source_mapping(UUID=created["UUID"])
        sqs.delete_queue(QueueUrl=url)


def send(stack: Stack, url: str, count: int) -> None:
    entries = [{"Id": str(n), "MessageBody": json.dumps({"n": n})} for n in range(count)]
    for start in range(0, count, 10):
        stack.client("sqs").send_message_batch(QueueUrl=url, Entries=entries[start : start + 10])


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def gathered_for(invoked: float, records: list[dict[str, Any]]) -> float:
    """Seconds from the batch's first receive (SQS's ApproximateFirstReceiveTimestamp) to its invocation."""
    first = min(int(r["attributes"]["ApproximateFirstReceiveTimestamp"]) for r in records) / 1000
    return invoked - first


def test_poller_waits_the_batching_window_for_a_partial_batch_and_not_for_a_full_one(stack: Stack) -> None:
    runner = RecordingRunner(stack)
    with mapped_test_queue(stack, runner, batch_size=3, window_s=2, max_concurrency=2) as (url, _, _):
        # When one message arrives: the batch is invoked once the 2 s window since its receive has passed
        send(stack, url, 1)
        wait_for(lambda: len(runner.batches) == 1, 15, "the first batch")
        invoked, records = runner.batches[0]
        assert len(records) == 1
        assert gathered_for(invoked, records) >= 2.0

        # When a full batch arrives at once: invoked without waiting for the window
        send(stack, url, 3)
        wait_for(lambda: len(runner.batches) == 2, 15, "the second batch")
        invoked, records = runner.batches[1]
        assert len(records) == 3
        assert gathered_for(invoked, records) < 1.0


def test_poller_keeps_at_most_the_mapping_maximum_concurrency_in_flight(stack: Stack) -> None:
    runner = RecordingRunner(stack, hold_s=1.5)
    with mapped_test_queue(stack, runner, batch_size=2, window_s=0, max_concurrency=2) as (url, _, poller):
        # When 8 messages wait (4 batches) and each batch takes 1.5 s
        send(stack, url, 8)
        wait_for(lambda: sum(len(r) for _, r in runner.batches) == 8 and not poller.in_flight(), 30, "every batch")

        # Then never more than 2 batches ran at once, and every message was deleted
        assert runner.peak == 2
        attributes = stack.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_throttled_batch_is_received_again_after_the_visibility_timeout(stack: Stack) -> None:
    fulfillment = stack.outputs["function_names"]["fulfillment"]
    runner = RecordingRunner(stack)
    runner.real = True
    with mapped_test_queue(stack, runner, batch_size=1, window_s=0, max_concurrency=2, visibility_s=2) as (
        url,
        _,
        poller,
    ):
        # Given the function reserves 0 (every invocation throttled by the real runner)
        with reserved(stack, fulfillment, 0):
            # When a message arrives
            send(stack, url, 1)
            wait_for(lambda: poller.throttled >= 1, 10, "the throttle")
            throttled_at = time.time()
            runner.real = False  # from now on the test records the redelivery instead of running the function

            # Then it stays on the queue, invisible: not deleted, not failed
            attributes = stack.client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
            assert poller.failures == 0
            assert stack.runner.throttles.get(fulfillment, 0) >= 1

        # And it is received again once the queue's 2 s visibility timeout has passed
        wait_for(lambda: len(runner.batches) == 1, 10, "the redelivery")
        invoked, [record] = runner.batches[0]
        assert invoked - throttled_at >= 1.5
        assert int(record["attributes"]["ApproximateReceiveCount"]) >= 2

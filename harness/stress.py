"""A crowd of customers, a chaotic Stripe and a flaky partner against the deployed stack; then the ledger.

``run_chaos`` places N orders from M concurrent customers through the local front door. Around
them: some customers double-click (the same ``Idempotency-Key`` twice), some cards are declined
and retried with a good card, and some customers give up after a decline; every Stripe event is
delivered again, up to 3 times in all, shuffled and from several threads at once (localstripe
delivers each once by itself); the partner answers a share of calls with 500, 429 or a reply
slower than the client's timeout; one fulfillment worker is killed in the middle of a partner
call; one request in a hundred from the functions to the emulator fails with a throttling error.
Then it waits for the stack to settle and checks the ledger (``Ledger.violations``).

``run_load`` measures what the stack sustains: the same order (place + pay) at rising
concurrency, without faults, and the p95 latency of ``POST /api/orders`` at each step.

``python -m harness.stress`` (``make stress``) brings a stack up, runs both, writes
``reports/stress.md`` and ``reports/stress.png`` and exits non-zero on any ledger violation.
Loopback only; every step is bounded in count and time and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import stripe
from werkzeug import Request, Response

from harness import fakes
from harness.customer import CARD_DECLINED, CARD_OK
from harness.localstripe_server import WEBHOOK_RETRY_DELAYS_S
from harness.net import LOOPBACK, LoopbackHTTPServer, free_port
from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from harness.stack import Stack

PARTNER_PATH = "/v1/ticket-orders"
PARTNER_READ_TIMEOUT_S = 10.0  # shop.fulfillment_client.FULFILLMENT_TIMEOUT_SECONDS[1]
# States an order rests in (nothing more happens without a person); REFUNDING, PAID, FULFILLING move on.
TERMINAL = {
    "FULFILLED",
    "PAYMENT_FAILED",
    "REFUNDED",
    "FULFILLMENT_FAILED",
    "NEEDS_REVIEW",
    "REFUND_FAILED",
    "CANCELED",
}


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class ChaosPlan:
    """How many, how concurrent, and how hostile. Every share is per order or per call."""

    orders: int = 200
    customers: int = 20
    seed: int = 15
    double_click_share: float = 0.1
    decline_share: float = 0.15
    abandon_share_of_declines: float = 0.3
    max_deliveries: int = 3
    partner_fault_share: float = 0.2
    partner_timeout_share_of_faults: float = 0.1
    kill_worker_at_call: int = 10  # 0: no kill
    emulator_throttle_every: int = 100  # 0: no throttling
    settle_timeout_s: float = 600.0


# --------------------------------------------------------------------------- latency samples


@dataclass
class Samples:
    """(start, latency, label, status) of every request the customers made, thread-safe."""

    rows: list[tuple[float, float, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, label: str, call: Callable[[], requests.Response]) -> requests.Response:
        started = time.monotonic()
        reply = call()
        with self.lock:
            self.rows.append((started, time.monotonic() - started, label, reply.status_code))
        return reply

    def latencies(self, label: str) -> list[float]:
        return sorted(row[1] for row in self.rows if row[2] == label)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --------------------------------------------------------------------------- the partner, flaky


@dataclass
class FlakyPartner:
    """The partner mock: idempotent per ``Idempotency-Key``, with injected faults.

    A key never fails more than ``max_faults`` times, so that each order can still succeed
    within its attempts: the run asserts "fulfilled exactly once", and a fault schedule that
    exhausts an order would test the refund path instead (see ``Ledger``).
    """

    plan: ChaosPlan
    max_faults: int
    on_call: Callable[[int], None] | None = None
    issued: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    fault_kinds: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)

    def handle(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
            total = sum(self.calls.values())
            fault = None
            if self.faults.get(key, 0) < self.max_faults and self.rng.random() < self.plan.partner_fault_share:
                fault = "timeout" if self.rng.random() < self.plan.partner_timeout_share_of_faults else None
                fault = fault or self.rng.choice(["500", "429"])
                self.faults[key] = self.faults.get(key, 0) + 1
                self.fault_kinds[fault] = self.fault_kinds.get(fault, 0) + 1
        if self.on_call:
            self.on_call(total)
        if fault in ("500", "429"):
            return Response("injected fault", status=int(fault))
        with self.lock:
            if key not in self.issued:
                self.issued[key] = json.loads(fakes.issue_tickets(request).get_data())
            payload = self.issued[key]
        if fault == "timeout":
            time.sleep(PARTNER_READ_TIMEOUT_S + 1)  # tickets issued, the answer too late: an ambiguous failure
        return Response(json.dumps(payload), status=HTTPStatus.CREATED, content_type="application/json")


# --------------------------------------------------------------------------- the emulator, throttling


class ThrottlingProxy(LoopbackHTTPServer):
    """Forwards the functions' AWS calls to the emulator; every Nth answers a throttling error."""

    def __init__(self, upstream: str, every: int) -> None:
        super().__init__((LOOPBACK, free_port()), _ProxyHandler)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or LOOPBACK, parts.port or 80)
        self.every = every
        self.count = 0
        self.throttled = 0
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def should_throttle(self) -> bool:
        with self.lock:
            self.count += 1
            hit = self.every > 0 and self.count % self.every == 0
            self.throttled += hit
            return hit


class _ProxyHandler(BaseHTTPRequestHandler):
    server: ThrottlingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.should_throttle():
            # The shape botocore's retry handler recognises as throttling, per protocol.
            if self.headers.get("X-Amz-Target"):
                reply = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
                content_type = "application/x-amz-json-1.0"
            else:
                reply = (
                    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                    b"<Message>Rate exceeded</Message></Error></ErrorResponse>"
                )
                content_type = "text/xml"
            self._send(400, reply, {"Content-Type": content_type})
            return
        connection = http.client.HTTPConnection(*self.server.upstream, timeout=60)
        try:
            connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            upstream = connection.getresponse()
            payload = upstream.read()
            headers = {
                k: v
                for k, v in upstream.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")
            }
            self._send(upstream.status, payload, headers)
        finally:
            connection.close()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_POST

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def functions_through(stack: Stack, proxy: ThrottlingProxy) -> Iterator[None]:
    """Point every function's AWS endpoint at the proxy (fresh workers), and back afterwards."""
    original = stack.runner.emulator
    threading.Thread(target=proxy.serve_forever, name="throttling-proxy", daemon=True).start()
    stack.runner.stop()  # the next invocation starts each worker with the proxied endpoint
    stack.runner.emulator = dataclasses.replace(original, endpoint=proxy.endpoint)
    try:
        yield
    finally:
        stack.runner.emulator = original
        stack.runner.stop()
        proxy.shutdown()
        proxy.server_close()


# --------------------------------------------------------------------------- customers


@dataclass
class Story:
    """What happened to one order, from the customer's side."""

    index: int
    order: dict[str, Any] | None = None
    paid: bool = False
    declined: bool = False
    double_clicked: bool = False
    same_answer_twice: bool | None = None
    retried: int = 0  # places sent again after a retryable answer (the site's "Try again")
    errors: list[str] = field(default_factory=list)


def order_body(sku: str, index: int) -> dict[str, Any]:
    return {
        "items": [{"sku": sku, "quantity": 1 + index % 2}],
        "customer": {"email": f"crowd{index}@example.com", "name": f"Customer {index}"},
    }


# The site's retry of a failed request (frontend/src/poll.ts retryDelay), offered as "Try again"
# with the same Idempotency-Key for 429, 408 and 5xx (frontend/src/api.ts ApiError.retryable).
SITE_RETRY_DELAYS_S = (2.0, 4.0, 8.0)


def retryable(status: int) -> bool:
    return status in (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.REQUEST_TIMEOUT) or status >= 500


def customer(stack: Stack, plan: ChaosPlan, sku: str, index: int, *, samples: Samples) -> Story:
    """One customer's order: place (maybe twice), pay (maybe declined first), maybe give up."""
    rng = random.Random(f"{plan.seed}-{index}")
    story = Story(index)
    api = requests.Session()
    url = stack.front.url
    body = order_body(sku, index)
    key = f"stress-{plan.seed}-{index}-{uuid.uuid4().hex[:8]}"
    place = lambda: api.post(f"{url}/api/orders", json=body, headers={"Idempotency-Key": key}, timeout=60)  # noqa: E731
    reply = samples.timed("place", place)
    for delay in SITE_RETRY_DELAYS_S:  # a lost or throttled answer: the customer tries again, same key
        if not retryable(reply.status_code):
            break
        story.retried += 1
        time.sleep(delay)
        reply = samples.timed("place", place)
    if reply.status_code != HTTPStatus.CREATED:
        story.errors.append(f"place: {reply.status_code} {reply.text[:200]}")
        return story
    story.order = reply.json()
    if rng.random() < plan.double_click_share:
        story.double_clicked = True
        again = samples.timed("place", place)
        story.same_answer_twice = again.status_code == HTTPStatus.CREATED and again.json() == story.order
    secret = story.order["clientSecret"]

    def pay(card: str) -> requests.Response:
        return api.post(f"{url}/__stub_stripe/confirm", json={"clientSecret": secret, "cardNumber": card}, timeout=60)

    if rng.random() < plan.decline_share:
        story.declined = True
        declined = samples.timed("pay", lambda: pay(CARD_DECLINED))
        if declined.status_code != HTTPStatus.PAYMENT_REQUIRED:
            story.errors.append(f"decline: {declined.status_code} {declined.text[:200]}")
        if rng.random() < plan.abandon_share_of_declines:
            return story
    paid = samples.timed("pay", lambda: pay(CARD_OK))
    story.paid = paid.status_code == HTTPStatus.OK
    if not story.paid:
        story.errors.append(f"pay: {paid.status_code} {paid.text[:200]}")
    return story


# --------------------------------------------------------------------------- Stripe, at least once and out of order


def stripe_events(stack: Stack) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{stack.stripe.url}/v1/events", params={"limit": 100_000}, auth=(stack.stripe.secret_key, ""), timeout=60
    )
    reply.raise_for_status()
    return list(reply.json()["data"])


def redeliver(stack: Stack, plan: ChaosPlan, payment_intents: set[str]) -> int:
    """Deliver every event of these PaymentIntents again (1 to max_deliveries-1 more times), shuffled, concurrently."""
    rng = random.Random(plan.seed)
    events = [e for e in stripe_events(stack) if (e["data"]["object"].get("id") in payment_intents)]
    copies = [event for event in events for _ in range(rng.randint(1, plan.max_deliveries - 1))]
    rng.shuffle(copies)
    url = f"{stack.front.url}/api/webhooks/stripe"
    secret = stack.secrets.stripe_webhook_secret

    retried: list[int] = []

    def send(event: dict[str, Any]) -> int:
        """One delivery, retried as Stripe retries (harness/localstripe_server.py), each attempt signed anew."""
        payload = json.dumps(event)
        for delay in (0.0, *WEBHOOK_RETRY_DELAYS_S):
            time.sleep(delay)
            signature = stripe.WebhookSignature.generate_signature_header(payload, secret)
            headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
            status = requests.post(url, data=payload.encode(), headers=headers, timeout=60).status_code
            if HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
                break
            retried.append(status)
        return status

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="stripe") as pool:
        statuses = list(pool.map(send, copies))
    if retried:
        say(f"redelivery: {len(retried)} attempts answered {sorted(set(retried))} and were retried")
    failed = [s for s in statuses if not HTTPStatus.OK <= s < HTTPStatus.MULTIPLE_CHOICES]
    if failed:
        say(f"redelivery: {len(failed)} of {len(statuses)} given up after every retry ({sorted(set(failed))})")
    return len(copies)


# --------------------------------------------------------------------------- the ledger


@dataclass
class Ledger:
    """The end state, and every way it breaks the money invariant."""

    orders: dict[str, dict[str, Any]]
    stories: list[Story]
    captured: dict[str, int]  # order id -> amount Stripe captured
    refunded: dict[str, int]
    partner_issued: set[str]  # order ids (the shop's Idempotency-Key) the partner issued tickets for
    queue_messages: dict[str, int]
    violations: list[str] = field(default_factory=list)
    partner_tickets: dict[str, list[str]] = field(default_factory=dict)  # order id -> references issued

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for order in self.orders.values():
            counts[order["status"]] = counts.get(order["status"], 0) + 1
        return dict(sorted(counts.items()))

    def check(self) -> Ledger:
        v = self.violations
        placed = [s for s in self.stories if s.order]
        v += [f"order {s.index} not placed: {s.errors}" for s in self.stories if not s.order]
        v += [f"order {s.index}: {e}" for s in placed for e in s.errors]
        v += [f"order {s.index}: a double click got another answer" for s in placed if s.same_answer_twice is False]
        if len(self.orders) != len(placed):
            v.append(f"{len(placed)} orders placed but {len(self.orders)} stored")
        fulfilled_amount = refunded_amount = 0
        for story in placed:
            assert story.order is not None
            order_id = story.order["orderId"]
            order = self.orders.get(order_id)
            if order is None:
                v.append(f"{order_id}: lost (not stored)")
                continue
            v += self._order_violations(order_id, order, paid_by_customer=story.paid)
            if order["status"] == "FULFILLED":
                fulfilled_amount += order["amount"]
            refunded_amount += self.refunded.get(order_id, 0)
        if sum(self.captured.values()) != fulfilled_amount + refunded_amount:
            v.append(
                f"Stripe captured {sum(self.captured.values())} "
                f"but fulfilled {fulfilled_amount} + refunded {refunded_amount}"
            )
        v += [f"{count} message(s) left in {queue}" for queue, count in self.queue_messages.items() if count]
        return self

    def _order_violations(self, order_id: str, order: dict[str, Any], *, paid_by_customer: bool) -> list[str]:
        v = []
        status, paid, fulfilled = order["status"], order_id in self.captured, order["status"] == "FULFILLED"
        if paid != paid_by_customer:
            v.append(f"{order_id}: customer paid={paid_by_customer} but Stripe captured={paid}")
        if paid and status not in ("FULFILLED", "REFUNDED"):
            v.append(f"{order_id}: paid but {status} (neither fulfilled nor refunded)")
        if not paid and (fulfilled or order_id in self.partner_issued):
            v.append(f"{order_id}: fulfilled without payment ({status})")
        if fulfilled and order_id not in self.partner_issued:
            v.append(f"{order_id}: FULFILLED but the partner issued nothing")
        if fulfilled and len(order["tickets"]) != sum(i["quantity"] for i in order["items"]):
            v.append(f"{order_id}: {len(order['tickets'])} tickets for {order['items']}")
        issued = self.partner_tickets.get(order_id)
        shown = sorted(t.get("reference", "") for t in order["tickets"])
        if fulfilled and issued is not None and shown != sorted(issued):
            v.append(f"{order_id}: shows tickets {shown} but the partner issued {sorted(issued)}")
        if status not in TERMINAL:
            v.append(f"{order_id}: still {status} after the run settled")
        return v


def fetch_order(api: requests.Session, stack: Stack, order: dict[str, Any]) -> dict[str, Any] | None:
    """The order as its customer reads it (``GET /api/orders/{id}`` with its token), None if not readable."""
    reply = api.get(
        f"{stack.front.url}/api/orders/{order['orderId']}", headers={"X-Order-Token": order["orderToken"]}, timeout=60
    )
    return dict(reply.json()) if reply.status_code == HTTPStatus.OK else None


def read_ledger(stack: Stack, stories: list[Story], partner: FlakyPartner) -> Ledger:
    api = requests.Session()
    orders: dict[str, dict[str, Any]] = {}
    captured: dict[str, int] = {}
    refunded: dict[str, int] = {}
    for story in stories:
        if not story.order:
            continue
        stored = fetch_order(api, stack, story.order)
        if stored is not None:
            orders[story.order["orderId"]] = stored
        intent = stack.stripe.payment_intent(story.order["clientSecret"].split("_secret_")[0])
        if intent.get("status") == "succeeded":
            captured[story.order["orderId"]] = int(intent.get("amount_received") or intent["amount"])
            charge = intent.get("latest_charge")
            if isinstance(charge, dict) and charge.get("amount_refunded"):
                refunded[story.order["orderId"]] = int(charge["amount_refunded"])
    sqs = stack.client("sqs")
    queues = {}
    for name in ("fulfillment_queue_url", "fulfillment_dlq_url"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=stack.outputs[name],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        queues[name.removesuffix("_url")] = sum(int(value) for value in attributes.values())
    tickets = partner_tickets(partner, orders)
    return Ledger(orders, stories, captured, refunded, set(tickets), queues, partner_tickets=tickets).check()


def partner_tickets(partner: FlakyPartner, orders: dict[str, Any]) -> dict[str, list[str]]:
    """Ticket references the partner issued per order (its Idempotency-Key), for these orders only:
    orders of an earlier run (the load run's late fulfillments) may reach the same partner."""
    return {
        key: [t["reference"] for t in payload.get("tickets", [])]
        for key, payload in partner.issued.items()
        if key in orders
    }


def settle(stack: Stack, stories: list[Story], timeout: float) -> None:
    """Let the queue drain: failed fulfillment messages come back now instead of after their backoff."""
    api = requests.Session()
    deadline = time.monotonic() + timeout
    pending = [s.order for s in stories if s.order and s.paid]
    while pending and time.monotonic() < deadline:
        stack.poller.fast_forward()
        time.sleep(1)
        still = []
        for order in pending:
            stored = fetch_order(api, stack, order)
            if stored is None or stored["status"] not in TERMINAL:
                still.append(order)
        pending = still
    stack.poller.drain(timeout=30)


@dataclass
class ChaosResult:
    plan: ChaosPlan
    ledger: Ledger
    samples: Samples
    partner: FlakyPartner
    redelivered: int
    throttled: int
    killed: bool
    seconds: float
    lambda_throttles: dict[str, int] = field(default_factory=dict)  # function -> invocations beyond its bound


def run_chaos(stack: Stack, plan: ChaosPlan) -> ChaosResult:
    """Run the crowd, the chaos and the ledger check against a running stack."""
    started = time.monotonic()
    sku = requests.get(f"{stack.front.url}/api/config", timeout=60).json()["catalog"][0]["sku"]
    fulfillment = stack.outputs["function_names"]["fulfillment"]
    max_attempts = int(stack.runner.worker(fulfillment).config.environment.get("FULFILLMENT_MAX_ATTEMPTS", "3"))
    killed = threading.Event()

    def kill_mid_call(total: int) -> None:
        if plan.kill_worker_at_call and total == plan.kill_worker_at_call and not killed.is_set():
            # With a pool, the latest environment may be idle: kill one that is inside an invocation.
            busy = stack.runner.busy(fulfillment)
            if busy and busy[0].crash():  # the invocation waiting for this partner call dies with it
                killed.set()

    # Faults leave room for the kill too: it costs the killed order one attempt.
    partner = FlakyPartner(plan, max_faults=max(0, max_attempts - 2), on_call=kill_mid_call)
    stack.partner.clear()
    stack.partner.expect_request(PARTNER_PATH, method="POST").respond_with_handler(partner.handle)
    samples = Samples()
    proxy = ThrottlingProxy(stack.emulator.endpoint, plan.emulator_throttle_every)
    throttles_before = dict(stack.runner.throttles)
    try:
        with functions_through(stack, proxy):
            say(f"chaos: {plan.orders} orders from {plan.customers} concurrent customers")
            with ThreadPoolExecutor(max_workers=plan.customers, thread_name_prefix="customer") as pool:
                stories = list(
                    pool.map(functools.partial(customer, stack, plan, sku, samples=samples), range(plan.orders))
                )
            intents = {s.order["clientSecret"].split("_secret_")[0] for s in stories if s.order}
            time.sleep(2)  # localstripe's own deliveries go out about a second after each event
            say("chaos: Stripe delivers every event again, shuffled and concurrently")
            redelivered = redeliver(stack, plan, intents)
            say("chaos: waiting for the stack to settle")
            settle(stack, stories, plan.settle_timeout_s)
    finally:
        stack.partner.clear()
        stack.partner.expect_request(PARTNER_PATH, method="POST").respond_with_handler(fakes.issue_tickets)
    ledger = read_ledger(stack, stories, partner)
    lambda_throttles = {
        name: count - throttles_before.get(name, 0)
        for name, count in stack.runner.throttles.items()
        if count > throttles_before.get(name, 0)
    }
    return ChaosResult(
        plan,
        ledger,
        samples,
        partner,
        redelivered,
        proxy.throttled,
        killed.is_set(),
        time.monotonic() - started,
        lambda_throttles,
    )


# --------------------------------------------------------------------------- the load figure


# Which process is which layer, by a marker in its command line (the harness starts them all).
PROCESS_MARKERS = (
    ("harness.moto_entry", "emulator (moto)"),
    ("localstripe", "Stripe (localstripe)"),
    ("lambda_worker", "function worker"),
)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def _layer(argv: list[str]) -> str | None:
    for marker, layer in PROCESS_MARKERS:
        if any(marker in arg for arg in argv):
            # A worker's argv: python -I lambda_worker.py PACKAGE RUNTIME HANDLER FD
            return f"worker {argv[-2].split('.')[0]}" if marker == "lambda_worker" and len(argv) >= 4 else layer
    return None


def layer_cpu() -> dict[str, float]:
    """CPU seconds so far of each layer of the local stack: this process (customers, front door,
    poller, partner mock), the emulator, localstripe, and each function's worker (by handler)."""
    totals = {"harness (customers, front door, poller, partner)": _cpu_seconds(os.getpid())}
    todo = _children(os.getpid())
    while todo:
        pid = todo.pop()
        todo += _children(pid)
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").rstrip("\0").split("\0")
        except OSError:
            continue
        layer = _layer(argv)
        if layer:
            totals[layer] = totals.get(layer, 0.0) + _cpu_seconds(pid)
    return totals


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine so far (/proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class FunctionTime:
    """Per function over one step: invocations and where their time went."""

    invocations: int = 0
    service_s: float = 0.0  # the worker running the invocation (the runner's measured duration)
    logs_s: float = 0.0  # shipping the invocation's output to its log group (the worker is held meanwhile)
    config_s: float = 0.0  # the runner's GetFunction read before each invocation
    total_s: float = 0.0  # from the runner's invoke to its answer

    @property
    def held_s(self) -> float:
        """Seconds the function's one worker was taken: the invocation and its log shipping."""
        return self.service_s + self.logs_s

    @property
    def queue_s(self) -> float:
        """Seconds invocations spent in the runner besides work, logs and the read: a new environment's start."""
        return max(0.0, self.total_s - self.held_s - self.config_s)


@contextlib.contextmanager
def function_times(stack: Stack) -> Iterator[dict[str, FunctionTime]]:
    """Time per function while the context runs: work, log shipping, config read, and waiting."""
    from harness import lambda_runner, usage

    times: dict[str, FunctionTime] = {}
    lock = threading.Lock()
    original_invoke, original_record = stack.runner.invoke, usage.record_invocation
    worker_class, config_class = lambda_runner.FunctionWorker, lambda_runner.FunctionConfig
    original_ship, original_read = worker_class.ship_logs, config_class.read

    def add(name: str, attribute: str, seconds: float) -> None:
        with lock:
            entry = times.setdefault(name, FunctionTime())
            setattr(entry, attribute, getattr(entry, attribute) + seconds)

    def invoke(name: str, event: dict[str, Any]) -> Any:
        started = time.monotonic()
        try:
            return original_invoke(name, event)
        finally:
            add(name, "total_s", time.monotonic() - started)
            add(name, "invocations", 1)

    def record(
        function: str, event: Any, result: Any, memory_mb: int, duration_ms: float, log_bytes: int, error: str | None
    ) -> None:
        add(function, "service_s", duration_ms / 1000)
        original_record(function, event, result, memory_mb, duration_ms, log_bytes, error)

    def ship_logs(worker: Any) -> int:
        started = time.monotonic()
        try:
            return original_ship(worker)
        finally:
            add(worker.config.name, "logs_s", time.monotonic() - started)

    def read(lambda_client: Any, name: str) -> Any:
        started = time.monotonic()
        try:
            return original_read(lambda_client, name)
        finally:
            add(name, "config_s", time.monotonic() - started)

    stack.runner.invoke = invoke  # type: ignore[method-assign]
    usage.record_invocation = record
    worker_class.ship_logs = ship_logs  # type: ignore[method-assign,assignment]
    config_class.read = read  # type: ignore[method-assign]
    try:
        yield times
    finally:
        stack.runner.invoke = original_invoke  # type: ignore[method-assign]
        usage.record_invocation = original_record
        worker_class.ship_logs = original_ship  # type: ignore[method-assign]
        config_class.read = original_read  # type: ignore[method-assign]


@dataclass
class LoadStep:
    concurrency: int
    orders: int
    seconds: float
    place_p50: float
    place_p95: float
    pay_p95: float
    functions: dict[str, FunctionTime]
    cpu_cores: dict[str, float]  # layer -> CPU seconds per second of the step
    machine_busy: float  # share of all cores busy (every process on the machine)
    queue_left: int  # fulfillment messages still waiting when the step ended
    started: float = 0.0  # time.monotonic() at the step's start (the plot marks the steps)
    pool_bounds: dict[str, int] = field(default_factory=dict)  # function -> environments it may run at once
    pool_peaks: dict[str, int] = field(default_factory=dict)  # function -> most environments busy at once

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    def environments(self, function: str) -> float:
        """Mean environments of the function taken over the step (invocation + log shipping)."""
        entry = self.functions.get(function)
        return entry.held_s / self.seconds if entry and self.seconds else 0.0

    def utilisation(self, function: str) -> float:
        """Share of the function's pool (its concurrency bound) taken over the step."""
        bound = self.pool_bounds.get(function, 1)
        return self.environments(function) / bound if bound else 0.0


@dataclass
class LoadResult:
    steps: list[LoadStep]
    samples: Samples
    bound_s: float
    names: dict[str, str]  # function key -> deployed name
    final_states: dict[str, int] = field(default_factory=dict)  # the load run's orders once settled
    step_s: float = 0.0

    def sustained(self) -> LoadStep | None:
        """The fastest step whose p95 stays under the bound."""
        within = [s for s in self.steps if s.place_p95 <= self.bound_s]
        return max(within, key=lambda s: s.orders_per_s) if within else None


def fulfillment_backlog(stack: Stack) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["fulfillment_queue_url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def shop_until(
    stack: Stack, plan: ChaosPlan, sku: str, deadline: float, first_index: int, *, samples: Samples
) -> list[Story]:
    """One customer placing and paying orders one after the other until ``deadline``."""
    done: list[Story] = []
    while time.monotonic() < deadline:
        done.append(customer(stack, plan, sku, first_index + len(done), samples=samples))
    return done


def run_load(stack: Stack, levels: tuple[int, ...], step_s: float, bound_s: float) -> LoadResult:
    """At each concurrency level, that many customers place and pay orders one after the other for
    ``step_s`` seconds (a closed-loop step, long enough to be a steady state), no faults.

    Per step: throughput, latency percentiles, each function's service and waiting time, and the
    CPU each layer of the stack used (which one saturates first is the bottleneck).
    """
    plan = ChaosPlan(double_click_share=0, decline_share=0)
    sku = requests.get(f"{stack.front.url}/api/config", timeout=60).json()["catalog"][0]["sku"]
    samples = Samples()
    steps = []
    stories: list[Story] = []
    for level in levels:
        say(f"load: {level} customers for {step_s:g} s")
        step_samples = Samples()
        cpu_before, machine_before = layer_cpu(), machine_busy()
        started = time.monotonic()
        deadline = started + step_s

        shopper = functools.partial(shop_until, stack, plan, sku, deadline, samples=step_samples)
        stack.runner.peak_concurrency.clear()
        with function_times(stack) as times, ThreadPoolExecutor(level, thread_name_prefix="load") as pool:
            slots = [100_000 * level + 1000 * slot for slot in range(level)]
            step_stories = [story for done in pool.map(shopper, slots) for story in done]
        seconds = time.monotonic() - started
        stories += step_stories
        cpu_after, machine_after = layer_cpu(), machine_busy()
        cores = {k: round((v - cpu_before.get(k, 0.0)) / seconds, 2) for k, v in cpu_after.items()}
        busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
        place, pay = step_samples.latencies("place"), step_samples.latencies("pay")
        steps.append(
            LoadStep(
                level,
                sum(story.paid for story in step_stories),
                seconds,
                percentile(place, 0.5),
                percentile(place, 0.95),
                percentile(pay, 0.95),
                dict(times),
                cores,
                busy,
                fulfillment_backlog(stack),
                started,
                {name: stack.runner.concurrency(name).limit for name in times},
                dict(stack.runner.peak_concurrency),
            )
        )
        samples.rows += step_samples.rows
        stack.poller.drain(timeout=60)  # each step starts with an empty queue
    settle(stack, stories, timeout=300)
    names = {key: name for key, name in stack.outputs["function_names"].items()}
    return LoadResult(steps, samples, bound_s, names, order_states(stack, stories), step_s)


def order_states(stack: Stack, stories: list[Story]) -> dict[str, int]:
    """How many of these orders rest in each state (``UNKNOWN`` when the order cannot be read)."""
    api = requests.Session()
    counts: dict[str, int] = {}
    for story in stories:
        if not story.order:
            continue
        stored = fetch_order(api, stack, story.order)
        status = stored["status"] if stored else "UNKNOWN"
        counts[status] = counts.get(status, 0) + 1
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------- the report


PLOT_BIN_S = 5


def plot(chaos: ChaosResult | None, load: LoadResult, path: Path) -> None:
    """Latency (p50/p95 per 5 s) and throughput over the whole run, the load steps and the chaos marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted((chaos.samples.rows if chaos else []) + load.samples.rows)
    origin = rows[0][0] if rows else 0.0
    bins: dict[int, list[float]] = {}
    done: dict[int, int] = {}
    for started, latency, label, status in rows:
        if label == "place":
            bins.setdefault(int((started + latency - origin) // PLOT_BIN_S), []).append(latency)
        if label == "pay" and status == HTTPStatus.OK:
            key = int((started + latency - origin) // PLOT_BIN_S)
            done[key] = done.get(key, 0) + 1
    # Every bin from the first to the last: an empty one breaks the latency line (NaN) instead of
    # bridging a pause (a drain between steps, the settling before the chaos).
    keys = list(range(min(bins.keys() | done.keys(), default=0), max(bins.keys() | done.keys(), default=0) + 1))
    x = [k * PLOT_BIN_S for k in keys]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True, constrained_layout=True)
    top.plot(x, [percentile(bins.get(k, []), 0.5) for k in keys], label="POST /api/orders p50", color="tab:blue")
    top.plot(x, [percentile(bins.get(k, []), 0.95) for k in keys], label="POST /api/orders p95", color="tab:orange")
    top.axhline(load.bound_s, color="tab:red", linestyle="--", label=f"bound p95 ≤ {load.bound_s:g} s")
    top.set(ylabel="latency (s)", title=f"Latency through the front door ({PLOT_BIN_S} s bins)")
    bottom.plot(x, [done.get(k, 0) / PLOT_BIN_S for k in keys], color="tab:green", label="orders paid / s")
    bottom.set(xlabel="seconds into the run", ylabel="orders / s", title="Throughput")
    for axis in (top, bottom):
        for step in load.steps:
            axis.axvline(step.started - origin, color="grey", linewidth=0.6)
        if chaos and chaos.samples.rows:
            axis.axvspan(min(r[0] for r in chaos.samples.rows) - origin, x[-1] if x else 0, color="tab:red", alpha=0.06)
        axis.legend(loc="upper left", fontsize=8)
    for step in load.steps:
        top.annotate(f"c={step.concurrency}", (step.started - origin, top.get_ylim()[1]), fontsize=7, va="top")
    if chaos and chaos.samples.rows:
        top.annotate("chaos", (min(r[0] for r in chaos.samples.rows) - origin, top.get_ylim()[1]), fontsize=7, va="top")
    figure.savefig(path, dpi=110)
    plt.close(figure)


def resources(step: LoadStep, names: dict[str, str]) -> list[str]:
    """A step's resources, busiest first: a function's pool (share of its concurrency bound taken over
    the step), or a process's CPU (cores; a Python process holds about one at most, the GIL)."""
    candidates = {f"the {key} function's pool (busy)": step.utilisation(name) for key, name in names.items()}
    candidates |= {f"{layer} (CPU, cores)": cores for layer, cores in step.cpu_cores.items()}
    ranked = sorted(candidates.items(), key=lambda item: -item[1])
    return [f"{name} at {value:.0%}" if "busy" in name else f"{name} at {value:.2f}" for name, value in ranked]


def bottleneck(step: LoadStep, names: dict[str, str]) -> str:
    """The busiest resource of a step."""
    return resources(step, names)[0]


def saturated_step(load: LoadResult) -> LoadStep | None:
    """The first step past the sustained one: where more customers stopped buying more throughput."""
    sustained = load.sustained()
    if not load.steps:
        return None
    if sustained is None:
        return load.steps[0]
    later = load.steps[load.steps.index(sustained) + 1 :]
    return later[0] if later else sustained


def report(chaos: ChaosResult | None, load: LoadResult, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    plot(chaos, load, out_dir / "stress.png")
    lines = ["# Stress: a crowd, chaos and the ledger", ""]
    if chaos:
        p = chaos.plan
        ledger = chaos.ledger
        lines += [
            f"`make stress` (N={p.orders} orders, M={p.customers} customers, seed {p.seed}), {chaos.seconds:.0f} s.",
            "",
            "| injected | count |",
            "| --- | --- |",
            f"| double clicks (same Idempotency-Key) | {sum(s.double_clicked for s in ledger.stories)} |",
            f"| declined payments (then retried or abandoned) | {sum(s.declined for s in ledger.stories)} |",
            f"| extra Stripe deliveries (shuffled, 4 at a time) | {chaos.redelivered} |",
            f"| partner faults | {dict(sorted(chaos.partner.fault_kinds.items()))} |",
            f"| fulfillment worker killed mid-call | {'yes' if chaos.killed else 'no'} |",
            f"| emulator calls answered with a throttling error | {chaos.throttled} |",
            f"| invocations beyond a function's concurrency (429 from Lambda) | {chaos.lambda_throttles or 0} |",
            f"| orders placed again after a retryable answer (same key) | {sum(s.retried for s in ledger.stories)} |",
            "",
            "| ledger | value |",
            "| --- | --- |",
            f"| orders by final state | {ledger.counts()} |",
            f"| Stripe captured | {sum(ledger.captured.values())} ({len(ledger.captured)} orders) |",
            f"| fulfilled amount | {sum(o['amount'] for o in ledger.orders.values() if o['status'] == 'FULFILLED')} |",
            f"| refunded amount | {sum(ledger.refunded.values())} |",
            f"| partner issuances (one per key) | {len(ledger.partner_issued)} |",
            f"| messages left | {ledger.queue_messages} |",
            f"| violations | {len(ledger.violations)} |",
            "",
        ]
        lines += [f"- {v}" for v in ledger.violations[:50]]
    sustained = load.sustained()
    keys = sorted(key for key, name in load.names.items() if any(name in step.functions for step in load.steps))
    layers = sorted({layer for step in load.steps for layer in step.cpu_cores})
    lines += [
        "## Load",
        "",
        "Place + pay, no faults, a closed-loop step per concurrency level (each customer places and pays,",
        f"then the next order, for {load.step_s:g} s); bound: p95 of `POST /api/orders` ≤ {load.bound_s:g} s.",
        "",
        "| concurrency | orders paid | orders/s | place p50 (s) | place p95 (s) | pay p95 (s) | fulfillment backlog |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {s.concurrency} | {s.orders} | {s.orders_per_s:.2f} | {s.place_p50:.2f} | {s.place_p95:.2f} "
        f"| {s.pay_p95:.2f} | {s.queue_left} |"
        for s in load.steps
    ]
    lines += [
        "",
        f"**Sustained: {sustained.orders_per_s:.2f} orders/s with p95 {sustained.place_p95:.2f} s ≤ "
        f"{load.bound_s:g} s (concurrency {sustained.concurrency}).**"
        if sustained
        else f"**No step kept p95 under {load.bound_s:g} s.**",
        "",
        f"The load run's orders once settled: {load.final_states} (every one paid; none may rest elsewhere "
        "than FULFILLED).",
        "",
        "Where the time goes, per step. Per function (a pool of environments up to its concurrency "
        "bound, one invocation each at a time): *envs*, the mean environments taken over the step, the "
        "most at once and the bound; *busy*, the mean as a share of the bound; then per invocation the "
        "mean milliseconds of work (the runner's measured duration) + log shipping (the environment stays "
        "taken) + the runner's GetFunction read, and the mean seconds *waited* besides (starting a new "
        "environment). CPU: cores each process used (a Python process holds about one at most).",
        "",
        "| concurrency | "
        + " | ".join(f"{k}: envs mean/peak/bound · busy · work+logs+read ms · wait s" for k in keys)
        + " | "
        + " | ".join(f"{layer} CPU" for layer in layers)
        + " | machine CPU | busiest |",
        "| --- " * (2 + len(keys) + len(layers)) + "| --- |",
    ]
    for s in load.steps:
        cells = []
        for key in keys:
            entry = s.functions.get(load.names[key], FunctionTime())
            n = entry.invocations or 1
            name = load.names[key]
            cells.append(
                f"{s.environments(name):.1f}/{s.pool_peaks.get(name, 0)}/{s.pool_bounds.get(name, '?')} · "
                f"{s.utilisation(name):.0%} · {1000 * entry.service_s / n:.0f}+"
                f"{1000 * entry.logs_s / n:.0f}+{1000 * entry.config_s / n:.0f} · {entry.queue_s / n:.2f}"
            )
        cells += [f"{s.cpu_cores.get(layer, 0.0):.2f}" for layer in layers]
        lines.append(
            f"| {s.concurrency} | " + " | ".join(cells) + f" | {s.machine_busy:.0%} | {bottleneck(s, load.names)} |"
        )
    saturated = saturated_step(load)
    if saturated:
        ranked = resources(saturated, load.names)
        lines += [
            "",
            f"**Bottleneck** (step at concurrency {saturated.concurrency}, where p95 passed the bound or "
            f"throughput stopped rising): {ranked[0]}; then {', '.join(ranked[1:3])}. Machine CPU "
            f"{saturated.machine_busy:.0%} of all cores (shared with other work on this machine).",
        ]
    lines += ["", "![latency and throughput](stress.png)", ""]
    path = out_dir / "stress.md"
    path.write_text("\n".join(lines))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.stress", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=ChaosPlan.orders)
    parser.add_argument("--customers", type=int, default=ChaosPlan.customers)
    parser.add_argument("--seed", type=int, default=ChaosPlan.seed)
    parser.add_argument("--levels", default="1,2,3,4,6,8,12,20", help="concurrency levels of the load run")
    parser.add_argument("--step-seconds", type=float, default=20.0, help="seconds each load level runs")
    parser.add_argument("--bound", type=float, default=2.0, help="p95 latency bound (s) for the sustained figure")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "reports")
    args = parser.parse_args(argv)

    from harness.stack import running_stack

    plan = ChaosPlan(orders=args.orders, customers=args.customers, seed=args.seed)
    with running_stack(REPO_ROOT / ".tth" / "stress", with_site=False) as stack:
        load = run_load(stack, tuple(int(x) for x in args.levels.split(",")), args.step_seconds, args.bound)
        chaos = run_chaos(stack, plan)
    path = report(chaos, load, args.out)
    print(path.read_text(), flush=True)
    say(f"report: {path} (plot: {path.with_suffix('.png')})")
    unsettled = {state: n for state, n in load.final_states.items() if state != "FULFILLED"}
    for violation in chaos.ledger.violations:
        say(f"ledger violation: {violation}")
    if unsettled:
        say(f"load run: paid orders not fulfilled: {unsettled}")
    return 1 if chaos.ledger.violations or unsettled else 0


if __name__ == "__main__":
    raise SystemExit(main())

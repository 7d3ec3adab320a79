"""The parts of `make stress` that judge a run, on made-up data (no emulator, seconds).

The ledger must name every way the money invariant can break; the load figure must split a
function's time into work and waiting, and see which process burns the CPU.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from harness import lambda_runner, stress, usage
from harness.stress import FunctionTime, Ledger, LoadResult, LoadStep, Samples, Story


def _story(index: int, *, paid: bool = True) -> Story:
    order = {"orderId": f"o{index}", "orderToken": "t", "clientSecret": f"pi_{index}_secret_x"}
    return Story(index, order=order, paid=paid)


def _order(index: int, status: str, amount: int = 4500, tickets: int = 1) -> dict[str, Any]:
    return {
        "orderId": f"o{index}",
        "status": status,
        "amount": amount,
        "items": [{"sku": "GA", "quantity": 1}],
        "tickets": [{"id": f"t{n}"} for n in range(tickets)],
    }


def _ledger(**changes: Any) -> Ledger:
    """Three orders: one fulfilled, one refunded, one never paid; everything consistent."""
    parts: dict[str, Any] = {
        "orders": {"o1": _order(1, "FULFILLED"), "o2": _order(2, "REFUNDED", tickets=0), "o3": _order(3, "CANCELED")},
        "stories": [_story(1), _story(2), _story(3, paid=False)],
        "captured": {"o1": 4500, "o2": 4500},
        "refunded": {"o2": 4500},
        "partner_issued": {"o1"},
        "queue_messages": {"fulfillment_queue": 0, "fulfillment_dlq": 0},
    }
    return Ledger(**(parts | changes)).check()


def test_a_consistent_ledger_has_no_violations() -> None:
    assert _ledger().violations == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"orders": {"o1": _order(1, "PAID"), "o2": _order(2, "REFUNDED", tickets=0), "o3": _order(3, "CANCELED")}},
         "o1: paid but PAID (neither fulfilled nor refunded)"),
        ({"orders": {"o1": _order(1, "FULFILLED"), "o2": _order(2, "REFUNDED", tickets=0),
                     "o3": _order(3, "FULFILLED")}, "partner_issued": {"o1", "o3"}},
         "o3: fulfilled without payment (FULFILLED)"),
        ({"partner_issued": {"o1", "o3"}}, "o3: fulfilled without payment (CANCELED)"),
        ({"partner_issued": set()}, "o1: FULFILLED but the partner issued nothing"),
        ({"captured": {"o1": 9000, "o2": 4500}}, "Stripe captured 13500 but fulfilled 4500 + refunded 4500"),
        ({"queue_messages": {"fulfillment_queue": 0, "fulfillment_dlq": 2}}, "2 message(s) left in fulfillment_dlq"),
        ({"orders": {"o1": _order(1, "FULFILLED"), "o2": _order(2, "REFUNDED", tickets=0)}},
         "3 orders placed but 2 stored"),
        ({"orders": {"o1": _order(1, "FULFILLED", tickets=3), "o2": _order(2, "REFUNDED", tickets=0),
                     "o3": _order(3, "CANCELED")}}, "o1: 3 tickets for [{'sku': 'GA', 'quantity': 1}]"),
        ({"orders": {"o1": _order(1, "FULFILLED"), "o2": _order(2, "REFUNDED", tickets=0),
                     "o3": _order(3, "PENDING_PAYMENT")}}, "o3: still PENDING_PAYMENT after the run settled"),
        ({"stories": [_story(1), _story(2), _story(3, paid=True)]}, "o3: customer paid=True but Stripe captured=False"),
    ],
)  # fmt: skip
def test_the_ledger_names_each_break(changes: dict[str, Any], expected: str) -> None:
    assert expected in _ledger(**changes).violations


def test_tickets_other_than_the_partner_issued_are_a_violation() -> None:
    order = _order(1, "FULFILLED") | {"tickets": [{"reference": "TKT-A"}]}
    orders = {"o1": order, "o2": _order(2, "REFUNDED", tickets=0), "o3": _order(3, "CANCELED")}
    assert _ledger(orders=orders, partner_tickets={"o1": ["TKT-A"]}).violations == []
    assert "o1: shows tickets ['TKT-A'] but the partner issued ['TKT-B']" in (
        _ledger(orders=orders, partner_tickets={"o1": ["TKT-B"]}).violations
    )


def test_the_partner_record_counts_only_this_runs_orders() -> None:
    # Found by the first default run: 257 issuances for 182 paid orders, the load run's late ones included
    partner = stress.FlakyPartner(stress.ChaosPlan(), max_faults=0)
    partner.issued = {"o1": {"tickets": [{"reference": "TKT-1"}]}, "load-9": {"tickets": [{"reference": "TKT-9"}]}}
    assert stress.partner_tickets(partner, {"o1": {}, "o2": {}}) == {"o1": ["TKT-1"]}


def test_a_double_click_with_another_answer_is_a_violation() -> None:
    story = _story(1)
    story.same_answer_twice = False
    stories = [story, _story(2), _story(3, paid=False)]
    assert "order 1: a double click got another answer" in _ledger(stories=stories).violations


def _step(concurrency: int, orders_per_s: float, p95: float) -> LoadStep:
    return LoadStep(concurrency, 10, 10 / orders_per_s, p95 / 2, p95, p95, {}, {}, 0.5, 0)


def test_sustained_is_the_fastest_step_under_the_bound() -> None:
    steps = [_step(1, 1.0, 0.5), _step(5, 3.0, 1.5), _step(10, 3.5, 2.5), _step(20, 2.0, 1.9)]
    result = LoadResult(steps, Samples(), 2.0, {})
    assert result.sustained() is steps[1]
    assert LoadResult([_step(1, 1.0, 3.0)], Samples(), 2.0, {}).sustained() is None


def test_layer_cpu_sees_a_busy_child_by_its_command_line() -> None:
    # A child that burns CPU and carries the emulator's marker in its argv
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.time() + 3\nwhile time.time() < end: pass",
            "harness.moto_entry",
        ]
    )
    try:
        before = stress.layer_cpu().get("emulator (moto)", 0.0)
        time.sleep(1.0)
        after = stress.layer_cpu().get("emulator (moto)", 0.0)
    finally:
        child.kill()
        child.wait()
    assert after - before > 0.3  # about one core for a second, less on a loaded machine


def test_layer_cpu_names_a_worker_by_its_handler() -> None:
    assert stress._layer(["python3.13", "-I", "/x/lambda_worker.py", "/pkg", "/rt", "orders.handler.h", "7"]) == (
        "worker orders"
    )
    assert stress._layer(["python", "-m", "harness.localstripe_server"]) == "Stripe (localstripe)"
    assert stress._layer(["node", "x.js"]) is None


def test_function_times_split_work_from_waiting_for_the_one_worker() -> None:
    # Given a runner with one worker per function (a lock) whose invocation takes 0.3 s
    worker = threading.Lock()

    def invoke(name: str, event: dict[str, Any]) -> Any:
        with worker:
            started = time.monotonic()
            time.sleep(0.3)
            usage.record_invocation(name, event, None, 128, (time.monotonic() - started) * 1000, 0, None)

    fake = SimpleNamespace(runner=SimpleNamespace(invoke=invoke))
    ship_logs, read = lambda_runner.FunctionWorker.ship_logs, lambda_runner.FunctionConfig.read
    # When three invocations arrive at once
    with stress.function_times(fake) as times:  # type: ignore[arg-type]
        threads = [threading.Thread(target=fake.runner.invoke, args=("fn", {})) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Then about 0.9 s of work, and 0.3 + 0.6 s of waiting behind the worker
    entry = times["fn"]
    assert entry.invocations == 3
    assert 0.85 < entry.service_s < 1.2
    assert 0.8 < entry.queue_s < 1.5
    # And the runner and the usage recorder are themselves again
    assert fake.runner.invoke is invoke
    assert usage.record_invocation.__module__ == "harness.usage"
    assert (lambda_runner.FunctionWorker.ship_logs, lambda_runner.FunctionConfig.read) == (ship_logs, read)


def test_bottleneck_is_the_busiest_resource() -> None:
    # Given a 10 s step in which the orders function's environments were taken 9.2 s in all
    names = {"orders": "tth-orders", "fulfillment": "tth-fulfillment"}
    step = LoadStep(
        10, 30, 10.0, 0.5, 1.0, 1.0,
        {"tth-orders": FunctionTime(30, service_s=8.2, logs_s=1.0, total_s=20.0),
         "tth-fulfillment": FunctionTime(15, service_s=3.0, total_s=3.0)},
        {"emulator (moto)": 0.7, "harness (customers, front door, poller, partner)": 0.4},
        0.9, 0, pool_bounds={"tth-orders": 1, "tth-fulfillment": 10}, pool_peaks={"tth-orders": 1},
    )  # fmt: skip
    # Then with one environment allowed, its pool is the busiest resource
    assert stress.bottleneck(step, names) == "the orders function's pool (busy) at 92%"
    # And a pool of four is a quarter as busy (never past 100% of the pool): the emulator's CPU leads
    step.pool_bounds["tth-orders"] = 4
    assert step.environments("tth-orders") == pytest.approx(0.92)
    assert step.utilisation("tth-orders") == pytest.approx(0.23)
    assert stress.bottleneck(step, names) == "emulator (moto) (CPU, cores) at 0.70"


def test_a_customer_tries_again_with_the_same_key_after_a_lost_answer(
    httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a front door whose first answer to a new order is API Gateway's 504
    monkeypatch.setattr(stress, "SITE_RETRY_DELAYS_S", (0.01, 0.01, 0.01))
    order = {"orderId": "o1", "orderToken": "t", "clientSecret": "pi_1_secret_x"}
    httpserver.expect_ordered_request("/api/orders", method="POST").respond_with_data("timeout", status=504)
    httpserver.expect_ordered_request("/api/orders", method="POST").respond_with_json(order, status=201)
    httpserver.expect_ordered_request("/__stub_stripe/confirm", method="POST").respond_with_json({})
    fake = SimpleNamespace(front=SimpleNamespace(url=httpserver.url_for("").rstrip("/")))
    plan = stress.ChaosPlan(double_click_share=0, decline_share=0)
    # When a customer orders
    story = stress.customer(fake, plan, "GA", 1, samples=Samples())  # type: ignore[arg-type]
    # Then the order is placed on the second try, with the same Idempotency-Key, and paid
    assert (story.order, story.retried, story.paid, story.errors) == (order, 1, True, [])
    keys = [request.headers["Idempotency-Key"] for request, _ in httpserver.log if request.path == "/api/orders"]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_a_customer_gives_up_after_the_sites_retries(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stress, "SITE_RETRY_DELAYS_S", (0.01, 0.01))
    httpserver.expect_request("/api/orders", method="POST").respond_with_data("busy", status=429)
    fake = SimpleNamespace(front=SimpleNamespace(url=httpserver.url_for("").rstrip("/")))
    story = stress.customer(fake, stress.ChaosPlan(), "GA", 1, samples=Samples())  # type: ignore[arg-type]
    assert story.order is None and story.retried == 2
    assert story.errors == ["place: 429 busy"]

"""`make stress` writes its report and plot (runs in the stress env, where matplotlib is; no emulator)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from harness import stress
from harness.stress import (
    ChaosPlan,
    ChaosResult,
    FlakyPartner,
    FunctionTime,
    Ledger,
    LoadResult,
    LoadStep,
    Samples,
    Story,
)

if TYPE_CHECKING:
    from pathlib import Path


def _load() -> LoadResult:
    samples = Samples()
    steps = []
    for n, level in enumerate((1, 5)):
        for i in range(20):
            start = 100.0 + 20 * n + i
            samples.rows += [(start, 0.2 * level, "place", 201), (start + 0.3, 0.1, "pay", 200)]
        functions = {
            "tth-orders": FunctionTime(
                40,
                service_s=3.0 * level,
                logs_s=0.0,
                config_s=0.4,
                total_s=3.0 * level + 0.4 + (4.0 if level == 5 else 0.0),
            )
        }
        steps.append(
            LoadStep(
                level,
                20,
                20.0,
                0.2 * level,
                0.25 * level,
                0.1,
                functions,
                {"emulator (moto)": 0.3},
                0.6,
                0,
                100.0 + 20 * n,
                pool_bounds={"tth-orders": 2},
                pool_peaks={"tth-orders": min(level, 2)},
            )
        )
    return LoadResult(steps, samples, 1.0, {"orders": "tth-orders"})


def test_report_writes_the_ledger_the_figure_and_the_plot(tmp_path: Path) -> None:
    story = Story(1, order={"orderId": "o1", "orderToken": "t", "clientSecret": "pi_1_secret_x"}, paid=True)
    order = {"orderId": "o1", "status": "FULFILLED", "amount": 4500, "items": [{"quantity": 1}], "tickets": [{}]}
    ledger = Ledger({"o1": order}, [story], {"o1": 4500}, {}, {"o1"}, {"fulfillment_queue": 0}).check()
    samples = Samples([(150.0, 0.4, "place", 201), (150.5, 0.1, "pay", 200)])
    chaos = ChaosResult(
        ChaosPlan(orders=1, customers=1), ledger, samples, FlakyPartner(ChaosPlan(), 1), 2, 1, True, 9.0
    )

    path = stress.report(chaos, _load(), tmp_path)

    text = path.read_text()
    assert "| orders by final state | {'FULFILLED': 1} |" in text
    assert "| violations | 0 |" in text
    # Step 1: 20 orders in 20 s, p95 0.25 s <= 1 s; step 5: p95 1.25 s > 1 s
    assert "**Sustained: 1.00 orders/s with p95 0.25 s ≤ 1 s (concurrency 1).**" in text
    # Step 5: its environments were taken 15 s of 20 s, 0.75 at a time, of a pool of 2: 38% busy
    assert "| 5 | 0.8/2/2 · 38% · 375+0+10 · 0.10 | 0.30 | 60% | the orders function's pool (busy) at 38% |" in text
    assert (
        "**Bottleneck** (step at concurrency 5, where p95 passed the bound or throughput stopped rising): "
        "the orders function's pool (busy) at 38%; then emulator (moto) (CPU, cores) at 0.30. Machine CPU 60%"
    ) in text
    png = (tmp_path / "stress.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1100, 770)  # 10 x 7 inches at 110 dpi

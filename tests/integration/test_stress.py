"""The bounded chaos run of `make stress` inside the suite: a small crowd, every fault, the whole ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.stress import ChaosPlan, run_chaos

if TYPE_CHECKING:
    from harness.stack import Stack

# Small enough for `make test`, large enough that every fault happens at least once.
PLAN = ChaosPlan(
    orders=20,
    double_click_share=0.3,  # with seed 15: orders 13, 14, 17 and 18 double-click
    customers=5,
    partner_fault_share=0.4,
    kill_worker_at_call=4,
    emulator_throttle_every=100,
    settle_timeout_s=300,
)


def test_crowd_with_faults_loses_nothing_and_fulfils_once(stack: Stack, capsys: Any) -> None:
    # Given the deployed stack, a flaky partner, a throttling emulator and a Stripe that redelivers
    # When 20 orders are placed by 5 concurrent customers, some double-clicked, declined, abandoned
    result = run_chaos(stack, PLAN)
    ledger = result.ledger
    with capsys.disabled():
        print(
            f"\nstress: {ledger.counts()} captured={sum(ledger.captured.values())} redelivered={result.redelivered} "
            f"faults={result.partner.fault_kinds} throttled={result.throttled} killed={result.killed} "
            f"lambda_throttles={result.lambda_throttles} retried={sum(s.retried for s in ledger.stories)} "
            f"in {result.seconds:.0f} s",
            flush=True,
        )
    # Then every fault was really injected
    assert result.killed, "no fulfillment worker was killed"
    assert result.throttled >= 1, "no emulator call was throttled"
    assert result.partner.fault_kinds, "the partner never failed"
    assert result.redelivered >= PLAN.orders, "Stripe events were not redelivered"
    assert any(s.declined for s in ledger.stories) and any(s.double_clicked for s in ledger.stories)
    # And the ledger holds: every paid order fulfilled exactly once or refunded, no unpaid one
    # fulfilled, Stripe's captured total = fulfilled + refunded, no message left, nothing stuck
    assert ledger.violations == []
    assert ledger.captured and len(ledger.partner_issued) == len(ledger.captured)

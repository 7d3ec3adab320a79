"""The cost model (harness.cost) on a small recorded sample: the arithmetic, the inputs it refuses."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness import cost, usage

FIXTURES = Path(__file__).parent / "fixtures" / "cost"
PRICES = json.loads(cost.PRICES_FILE.read_text(encoding="utf-8"))["prices"]


def price(key: str) -> float:
    return float(PRICES[key]["usd"]) / float(PRICES[key]["per"])


def sample() -> tuple[list[dict], list[dict], dict]:
    calls = [json.loads(line) for line in (FIXTURES / "calls.jsonl").read_text().splitlines()]
    used = [json.loads(line) for line in (FIXTURES / "usage.jsonl").read_text().splitlines()]
    return calls, used, json.loads((FIXTURES / "plan.json").read_text())


def test_prices_are_dated_and_sourced() -> None:
    meta = json.loads(cost.PRICES_FILE.read_text(encoding="utf-8"))
    assert meta["region"] == "us-east-2" and meta["as_of"]
    used = {item.price_key for item in cost.build_model(*sample()).variable + cost.build_model(*sample()).fixed}
    assert used <= set(meta["prices"]), "a line item has no price"
    for key in used:
        assert meta["prices"][key]["source"].startswith("https://"), f"{key} has no source"
        assert meta["prices"][key]["checked"], f"{key} does not say whether it was checked"


def test_fixed_monthly_cost_counts_the_planned_resources() -> None:
    # Given a plan with 2 keys, 3 secrets, an alarm + a 2-metric math alarm, a dashboard, a web ACL of 3 rules
    # and one SQS event source mapping / When the model is built / Then each fee is counted once per item
    model = cost.build_model(*sample())
    idle_polls = 5 * 30 * 24 * 3600 / 20
    expected = (
        2 * price("kms_key_month")
        + 3 * price("secretsmanager_secret_month")
        + 3 * price("cloudwatch_alarm_month")
        + price("cloudwatch_dashboard_month")
        + price("waf_web_acl_month")
        + 3 * price("waf_rule_month")
        + idle_polls * price("sqs_request")
    )
    assert model.fixed_monthly() == pytest.approx(expected)


def test_cost_per_1000_orders_from_the_recorded_sample() -> None:
    # Given 2 successful orders, 4 API requests, 1 SQS batch and the recorded calls of the fixture
    model = cost.build_model(*sample())
    assert model.orders == 2
    gb_seconds = (0.100 * 0.5) + (0.050 * 0.5) + (0.010 * 0.5) + (0.200 * 0.25) + (0.300 * 0.25)  # ms rounded up
    run = (
        4 * (price("cloudfront_https_request") + price("waf_request") + price("apigateway_rest_request"))
        + 5 * price("lambda_request")
        + gb_seconds * price("lambda_gb_second_arm64")
        + (1 + 2 * 2 + 1) * price("dynamodb_write_request_unit")  # PutItem, a 2-item transaction, UpdateItem
        + 1 * price("dynamodb_read_request_unit")
        + (1 + 2) * price("sqs_request")  # SendMessage + the mapping's recorded receive and delete
        + 3 * price("kms_request")  # implied: Secrets Manager decrypt, SQS data key, SQS decrypt
        + 1 * price("secretsmanager_api_call")
        + 6000 / 1024**3 * price("logs_ingested_gb")
        + 5 * price("xray_trace_recorded")
    )
    assert model.variable_per_1000() == pytest.approx(run * 1000 / 2)
    for orders in cost.MONTHLY_ORDERS:
        assert model.monthly(orders) == pytest.approx(model.fixed_monthly() + run / 2 * orders)


def test_mapping_requests_are_modelled_when_the_recorder_did_not_see_them() -> None:
    calls, used, plan = sample()
    without = [call for call in calls if call["caller"] != "event-source-mapping"]
    items = {item.what: item.quantity for item in cost.build_model(without, used, plan).variable}
    assert items["requests by the event source mapping (2/batch)"] == 2


def test_empty_receives_of_the_mapping_are_not_charged_to_orders() -> None:
    # Given the sample plus 40 receives that found nothing (the run's idle polling)
    calls, used, plan = sample()
    receive = next(c for c in calls if c["caller"] == "event-source-mapping" and c["operation"] == "ReceiveMessage")
    base = cost.build_model(calls, used, plan).variable_per_1000()
    # Then the cost per order is unchanged: idle polling is the fixed line
    assert cost.build_model([*calls, *[receive] * 40], used, plan).variable_per_1000() == pytest.approx(base)


def test_a_run_without_a_successful_order_is_refused() -> None:
    calls, used, plan = sample()
    failed = [dict(entry, status=500) if entry["route"] == cost.ORDER_ROUTE else entry for entry in used]
    with pytest.raises(cost.CostInputMissing, match="no successful POST /api/orders"):
        cost.build_model(calls, failed, plan)


def test_main_writes_the_report_and_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cost.md"
    args = ["--usage", str(FIXTURES / "usage.jsonl"), "--plan", str(FIXTURES / "plan.json"), "--out", str(out)]
    assert cost.main(["--calls", str(tmp_path / "absent.jsonl"), *args]) == 2
    assert "IAM recorder" in capsys.readouterr().err
    shutil.copy(FIXTURES / "calls.jsonl", tmp_path / "calls.jsonl")
    assert cost.main(["--calls", str(tmp_path / "calls.jsonl"), *args]) == 0
    report = out.read_text()
    assert "Cost per 1000 orders" in report and "as of 2026-12-01" in report
    for orders in ("1,000", "10,000", "100,000"):
        assert f"**{orders} orders a month: $" in report
    assert "https://aws.amazon.com/lambda/pricing/" in report
    assert "Prices not verified against a stored page: cloudfront_https_request" in report


def test_usage_log_records_route_status_and_trigger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "usage.jsonl"
    monkeypatch.setenv(usage.USAGE_LOG_ENV, str(log))
    api_event = {"httpMethod": "POST", "resource": "/api/orders", "requestContext": {}}
    usage.record_invocation("orders", api_event, {"statusCode": 201}, 512, 12.5, 300, None)
    sqs_event = {"Records": [{"eventSource": "aws:sqs"}, {"eventSource": "aws:sqs"}]}
    usage.record_invocation("fulfillment", sqs_event, {}, 256, 40.0, 100, None)
    first, second = (json.loads(line) for line in log.read_text().splitlines())
    assert (first["trigger"], first["route"], first["status"]) == ("api", "POST /api/orders", 201)
    assert (second["trigger"], second["messages"], second["route"]) == ("sqs", 2, None)
    monkeypatch.delenv(usage.USAGE_LOG_ENV)
    usage.record_invocation("orders", api_event, {"statusCode": 201}, 512, 1.0, 1, None)
    assert len(log.read_text().splitlines()) == 2, "recorded with TTH_USAGE_LOG unset"


def _at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def with_driver_traffic() -> tuple[list[dict], list[dict], dict]:
    """The sample plus one status poll and one injected webhook by the test driver, each with a call."""
    calls, used, plan = sample()
    poll = dict(used[0], route=cost.STATUS_ROUTE, status=200, driver="status-poll", duration_ms=100.0, time=10.0)
    forged = dict(used[3], status=400, driver="webhook", duration_ms=100.0, time=20.0)
    get_item = dict(calls[2], operation="GetItem", actions=["dynamodb:GetItem"], time=_at(9.95))
    put_item = dict(calls[2], function=forged["function"], time=_at(19.95))
    return [*calls, get_item, put_item], [*used, poll, forged], plan


def test_test_driver_traffic_is_left_out_and_the_site_polls_priced_instead() -> None:
    # Given the sample plus a test's status poll (1 GetItem) and an injected webhook (1 PutItem)
    base = {item.what: item.quantity for item in cost.build_model(*sample()).variable}
    model = cost.build_model(*with_driver_traffic())
    items = {item.what: item.quantity for item in model.variable}
    # Then the webhook and its write are gone, and the poll counts as the site's polls for 2 orders
    polls = cost.SITE_POLLS_PER_ORDER * model.orders
    assert items["REST API requests"] == base["REST API requests"] + polls
    assert items["invocations"] == base["invocations"] + polls
    assert items["write request units"] == base["write request units"]
    assert items["read request units"] == base["read request units"] + polls
    assert items["compute, GB-s (arm64)"] == pytest.approx(base["compute, GB-s (arm64)"] + polls * 0.1 * 0.5)
    assert any("1 status-poll: GET /api/orders/{orderId}, 1 webhook" in text for text in model.assumptions)


def test_usage_log_records_the_driver_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "usage.jsonl"
    monkeypatch.setenv(usage.USAGE_LOG_ENV, str(log))
    event = {"httpMethod": "GET", "resource": cost.STATUS_ROUTE.split(" ")[1], "requestContext": {}}
    usage.record_invocation("orders", {**event, "headers": {"x-tth-driver": "status-poll"}}, {}, 512, 1.0, 1, None)
    usage.record_invocation("orders", {**event, "headers": {"Accept": "*/*"}}, {}, 512, 1.0, 1, None)
    first, second = (json.loads(line) for line in log.read_text().splitlines())
    assert (first["driver"], second["driver"]) == ("status-poll", None)


def test_a_recorded_run_is_reused_only_for_the_same_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a recording command that writes one usage line and a calls file the "IAM recorder" wrote
    calls = tmp_path / "calls.jsonl"
    calls.write_text('{"service": "sqs"}\n')
    write_usage = f"import os; open(os.environ['{usage.USAGE_LOG_ENV}'], 'a').write('{{}}\\n')"
    command = [sys.executable, "-c", write_usage]
    run_dir = tmp_path / "cost"
    monkeypatch.setattr(usage, "fingerprint", lambda repo: "code-1")
    monkeypatch.delenv(usage.FRESH_ENV, raising=False)
    # When it is recorded / Then the same code reuses it, other code or TTH_COST_FRESH records again
    assert not usage.reusable(run_dir)
    assert usage.record(run_dir, command, calls) == 0
    assert (run_dir / "calls.jsonl").read_text() == calls.read_text()
    assert usage.reusable(run_dir)
    monkeypatch.setenv(usage.FRESH_ENV, "1")
    assert not usage.reusable(run_dir)
    monkeypatch.delenv(usage.FRESH_ENV)
    monkeypatch.setattr(usage, "fingerprint", lambda repo: "code-2")
    assert not usage.reusable(run_dir)
    # And a failed recording leaves nothing to reuse
    assert usage.record(run_dir, [sys.executable, "-c", "raise SystemExit(3)"], calls) == 3
    monkeypatch.setattr(usage, "fingerprint", lambda repo: "code-1")
    assert not usage.reusable(run_dir)


def test_the_fingerprint_changes_with_an_uncommitted_edit(tmp_path: Path) -> None:
    base = usage.fingerprint(cost.REPO_ROOT)
    assert usage.fingerprint(cost.REPO_ROOT) == base
    probe = cost.REPO_ROOT / "harness" / f"zz_fingerprint_probe_{tmp_path.name}.py"
    try:
        probe.write_text("# probe\n")
        assert usage.fingerprint(cost.REPO_ROOT) != base
    finally:
        probe.unlink()

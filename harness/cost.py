"""Cost per 1000 orders and the monthly bill, from what a real run recorded (``make cost``).

Inputs, all written by a run, never typed by hand:

- ``reports/iam/calls.jsonl``: one JSON object per AWS call a function made (the IAM recorder of
  issue 10: ``function, role_arn, service, operation, actions, resources, decision, time``);
- ``reports/cost/usage.jsonl``: one object per Lambda invocation (``harness.usage``: trigger,
  route and status, memory, measured duration, bytes logged);
- a Terraform plan of the production module as JSON (``reports/policy/tfplan.json``, written by
  ``tox -e policy``, which ``make cost`` runs first): function memory and architecture, and the
  resources with a monthly fee.

Test-driver traffic is not the shop's: a request marked ``X-TTH-Driver`` (the tests' status polls
and injected webhook deliveries, see ``harness.usage``) and the AWS calls its invocation made are
left out. The site's own status polls are priced instead: ``SITE_POLLS_PER_ORDER`` per order at
the measured cost of one poll. A call is matched to the invocation of its function that was
running when it was made; a call that matches none, or several, is charged.

Prices come from ``harness/prices/us-east-2.json`` (dated, with its sources). What the model
assumes where the run cannot measure (DynamoDB item sizes, the Lambda service's own SQS polling,
calls AWS services make on the stack's behalf) is printed in the report next to the figures.

Usage: ``python -m harness.cost [--calls F] [--usage F] [--plan F] [--out reports/cost.md]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.toolchain import REPO_ROOT

PRICES_FILE = REPO_ROOT / "harness" / "prices" / "us-east-2.json"
DEFAULT_CALLS = REPO_ROOT / "reports" / "iam" / "calls.jsonl"
DEFAULT_USAGE = REPO_ROOT / "reports" / "cost" / "usage.jsonl"
DEFAULT_PLAN = REPO_ROOT / "reports" / "policy" / "tfplan.json"
DEFAULT_OUT = REPO_ROOT / "reports" / "cost.md"
ORDER_ROUTE = "POST /api/orders"  # the REST API resource template, as read back
MONTHLY_ORDERS = (1_000, 10_000, 100_000)
SECONDS_PER_MONTH = 30 * 24 * 3600
STATUS_ROUTE = "GET /api/orders/{orderId}"
# The site polls the order once a second while it waits (frontend/src/poll.ts); in AWS an order is
# FULFILLED a few seconds after payment (Stripe's webhook, then SQS -> fulfillment -> partner).
# Not measurable here (the emulated stack is far slower), so a stated assumption.
SITE_POLLS_PER_ORDER = 5

# On-demand request units per call for items up to 1 KB (writes) and 4 KB (strongly consistent
# reads): this stack's items are a few hundred bytes. Transactions cost two units per item.
DYNAMODB_UNITS: dict[str, tuple[str, float]] = {
    "PutItem": ("write", 1.0),
    "UpdateItem": ("write", 1.0),
    "DeleteItem": ("write", 1.0),
    "BatchWriteItem": ("write", 1.0),  # per item (resource)
    "TransactWriteItems": ("write", 2.0),  # per item (resource)
    "GetItem": ("read", 1.0),
    "BatchGetItem": ("read", 1.0),  # per item (resource)
    "TransactGetItems": ("read", 2.0),  # per item (resource)
    "Query": ("read", 1.0),
    "Scan": ("read", 1.0),
}
PER_ITEM_OPERATIONS = {"BatchWriteItem", "TransactWriteItems", "BatchGetItem", "TransactGetItems"}
# The Lambda service's side of an SQS event source mapping, per delivered batch: the receive that
# returned it and the delete after success. Idle, each mapping keeps five long polls (20 s) open.
SQS_REQUESTS_PER_BATCH = 2
ESM_IDLE_POLLERS = 5
LONG_POLL_SECONDS = 20


class CostInputMissing(RuntimeError):
    """A file the report is computed from is missing or empty; the message says which run writes it."""


@dataclass
class LineItem:
    service: str
    what: str
    quantity: float
    price_key: str

    def cost(self, prices: dict[str, Any]) -> float:
        price = prices[self.price_key]
        return self.quantity * float(price["usd"]) / float(price["per"])


@dataclass
class CostModel:
    orders: int
    variable: list[LineItem]
    fixed: list[LineItem]
    prices: dict[str, Any]
    assumptions: list[str] = field(default_factory=list)

    def variable_per_1000(self) -> float:
        return sum(item.cost(self.prices) for item in self.variable) * 1000 / self.orders

    def fixed_monthly(self) -> float:
        return sum(item.cost(self.prices) for item in self.fixed)

    def monthly(self, orders: int) -> float:
        return self.fixed_monthly() + self.variable_per_1000() * orders / 1000


def read_jsonl(path: Path, what: str, written_by: str) -> list[dict[str, Any]]:
    if not path.is_file() or path.stat().st_size == 0:
        raise CostInputMissing(f"no {what} at {path}: {written_by}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CostInputMissing(f"{path}:{number}: not JSON ({exc.msg})") from None
    return rows


def planned_resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource in a ``terraform show -json`` plan, child modules included."""
    found: list[dict[str, Any]] = []
    pending = [plan.get("planned_values", {}).get("root_module", {})]
    while pending:
        module = pending.pop()
        found += module.get("resources", [])
        pending += module.get("child_modules", [])
    return found


def functions_from_plan(resources: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """``function_name -> (memory MB, architecture)`` as the production module deploys them."""
    functions = {}
    for resource in resources:
        if resource.get("type") == "aws_lambda_function":
            values = resource.get("values", {})
            architectures = values.get("architectures") or ["x86_64"]
            functions[values["function_name"]] = (int(values.get("memory_size") or 128), architectures[0])
    return functions


def short_function_name(name: str, planned: dict[str, tuple[int, str]]) -> str:
    """Match a recorded function name (``orders`` or ``tickets-to-heaven-prod-orders``) to the plan."""
    if name in planned:
        return name
    matches = [full for full in planned if full.endswith(f"-{name}") or name.endswith(f"-{full}")]
    return matches[0] if len(matches) == 1 else name


@dataclass
class Traffic:
    """How much of each recorded invocation and call is the shop's: weight 1 for the shop's own, 0 for
    test-driver traffic; the tests' status polls stand for the site's (``SITE_POLLS_PER_ORDER`` per order)."""

    invocation_weights: list[float]
    call_weights: list[float]
    driver_requests: Counter[str]
    ambiguous_calls: int
    polls_modelled: float


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


def classify(calls: list[dict[str, Any]], usage: list[dict[str, Any]], orders: int) -> Traffic:
    polls = [u for u in usage if u.get("driver") and u.get("route") == STATUS_ROUTE]
    poll_weight = SITE_POLLS_PER_ORDER * orders / len(polls) if polls else 0.0
    weights = [(poll_weight if u.get("route") == STATUS_ROUTE else 0.0) if u.get("driver") else 1.0 for u in usage]
    # Each invocation ran from duration_ms before its end (``time``) until its end.
    windows: dict[str, list[tuple[float, float, float]]] = {}
    for invocation, weight in zip(usage, weights, strict=True):
        end = float(invocation.get("time") or 0.0)
        windows.setdefault(invocation["function"], []).append(
            (end - float(invocation["duration_ms"]) / 1000, end, weight)
        )
    # The mapping's receives: only those that returned a batch are the orders' (a batch is decrypted, then
    # deleted); the empty ones depend on how long the run took and are the fixed idle polling line.
    receives = [
        c for c in calls if c.get("caller") == "event-source-mapping" and c.get("operation") == "ReceiveMessage"
    ]
    batches = sum(1 for u in usage if u.get("trigger") == "sqs")
    receive_weight = min(1.0, batches / len(receives)) if receives else 1.0
    call_weights, ambiguous = [], 0
    for call in calls:
        if call.get("caller") == "event-source-mapping" and call.get("operation") == "ReceiveMessage":
            call_weights.append(receive_weight)
            continue
        if call.get("caller", "function") != "function" or "time" not in call:
            call_weights.append(1.0)
            continue
        at = _epoch(call["time"])
        matches = {w for start, end, w in windows.get(call.get("function", ""), []) if start <= at <= end}
        if len(matches) > 1:
            ambiguous += 1
        call_weights.append(matches.pop() if len(matches) == 1 else 1.0)
    driver = Counter(f"{u['driver']}: {u['route']}" for u in usage if u.get("driver"))
    return Traffic(weights, call_weights, driver, ambiguous, SITE_POLLS_PER_ORDER * orders if polls else 0.0)


def lambda_items(
    usage: list[dict[str, Any]], weights: list[float], planned: dict[str, tuple[int, str]]
) -> list[LineItem]:
    gb_seconds: dict[str, float] = {}
    for invocation, weight in zip(usage, weights, strict=True):
        name = short_function_name(invocation["function"], planned)
        memory, architecture = planned.get(name, (int(invocation["memory_mb"]), "x86_64"))
        billed_ms = math.ceil(float(invocation["duration_ms"]))  # Lambda bills per started millisecond
        gb_seconds[architecture] = gb_seconds.get(architecture, 0.0) + weight * billed_ms / 1000 * memory / 1024
    items = [LineItem("Lambda", "invocations", sum(weights), "lambda_request")]
    for architecture, amount in sorted(gb_seconds.items()):
        items.append(LineItem("Lambda", f"compute, GB-s ({architecture})", amount, f"lambda_gb_second_{architecture}"))
    return items


def dynamodb_items(calls: list[dict[str, Any]], weights: list[float]) -> list[LineItem]:
    units = {"read": 0.0, "write": 0.0}
    for call, weight in zip(calls, weights, strict=True):
        if call.get("service") != "dynamodb" or call.get("operation") not in DYNAMODB_UNITS:
            continue
        kind, per = DYNAMODB_UNITS[call["operation"]]
        count = max(1, len(call.get("resources") or [])) if call["operation"] in PER_ITEM_OPERATIONS else 1
        units[kind] += weight * per * count
    return [
        LineItem("DynamoDB", "write request units", units["write"], "dynamodb_write_request_unit"),
        LineItem("DynamoDB", "read request units", units["read"], "dynamodb_read_request_unit"),
    ]


def esm_sqs_requests(weighted: list[tuple[dict[str, Any], float]], sqs_batches: int) -> tuple[float, str]:
    """SQS requests of the Lambda service's poller for the delivered batches: recorded when the recorder saw
    them (receives weighted by ``classify``), else modelled."""
    recorded = [w for c, w in weighted if c.get("caller") == "event-source-mapping" and c.get("service") == "sqs"]
    if recorded:
        return sum(recorded), "requests by the event source mapping (recorded; receives that returned a batch)"
    return (
        sqs_batches * SQS_REQUESTS_PER_BATCH,
        f"requests by the event source mapping ({SQS_REQUESTS_PER_BATCH}/batch)",
    )


def variable_items(
    calls: list[dict[str, Any]], usage: list[dict[str, Any]], plan: dict[str, Any], traffic: Traffic
) -> list[LineItem]:
    planned = functions_from_plan(planned_resources(plan))
    weighted = list(zip(calls, traffic.call_weights, strict=True))
    invocations = list(zip(usage, traffic.invocation_weights, strict=True))
    # The functions' own calls; the recorder also logs the Lambda service acting with a function's role.
    own = [(call, w) for call, w in weighted if call.get("caller", "function") == "function"]
    by_service: defaultdict[str, float] = defaultdict(float)
    for call, weight in own:
        by_service[call.get("service") or ""] += weight
    # KMS requests AWS services make for a call (SSE-KMS, Secrets Manager decrypts): the recorder lists
    # them after the call's own action. An upper bound: services cache data keys.
    implied_kms = sum(
        w for call, w in weighted for action in (call.get("actions") or [])[1:] if action.startswith("kms:")
    )
    api_requests = sum(w for invocation, w in invocations if invocation["trigger"] == "api")
    sqs_batches = sum(1 for invocation in usage if invocation["trigger"] == "sqs")
    log_bytes = sum(w * int(invocation.get("log_bytes") or 0) for invocation, w in invocations)
    esm_requests, esm_what = esm_sqs_requests(weighted, sqs_batches)
    return [
        LineItem("CloudFront", "HTTPS requests to /api/*", api_requests, "cloudfront_https_request"),
        LineItem("WAF", "requests inspected", api_requests, "waf_request"),
        LineItem("API Gateway", "REST API requests", api_requests, "apigateway_rest_request"),
        *lambda_items(usage, traffic.invocation_weights, planned),
        *dynamodb_items([c for c, _ in own], [w for _, w in own]),
        LineItem("SQS", "requests by functions", by_service["sqs"], "sqs_request"),
        LineItem("SQS", esm_what, esm_requests, "sqs_request"),
        LineItem("KMS", "requests by functions", by_service["kms"], "kms_request"),
        LineItem("KMS", "requests on the functions' behalf (upper bound)", implied_kms, "kms_request"),
        LineItem(
            "Secrets Manager", "API calls (after caching)", by_service["secretsmanager"], "secretsmanager_api_call"
        ),
        LineItem("SSM Parameter Store", "API calls (after caching)", by_service["ssm"], "ssm_standard_api_call"),
        LineItem("CloudWatch Logs", "GB ingested", log_bytes / 1024**3, "logs_ingested_gb"),
        LineItem("X-Ray", "traces (one per request or batch)", api_requests + sqs_batches, "xray_trace_recorded"),
    ]


def alarm_metrics(values: dict[str, Any]) -> int:
    """Billed metrics of one alarm: one, or each metric (not expression) of a metric-math alarm."""
    queries = values.get("metric_query") or []
    metrics = sum(1 for query in queries if query.get("metric"))
    return metrics or 1


def fixed_items(plan: dict[str, Any]) -> list[LineItem]:
    resources = planned_resources(plan)
    of_type = Counter(resource["type"] for resource in resources)
    alarms = sum(alarm_metrics(r.get("values", {})) for r in resources if r["type"] == "aws_cloudwatch_metric_alarm")
    rules = sum(len(r.get("values", {}).get("rule") or []) for r in resources if r["type"] == "aws_wafv2_web_acl")
    mappings = of_type["aws_lambda_event_source_mapping"]
    idle_polls = mappings * ESM_IDLE_POLLERS * SECONDS_PER_MONTH / LONG_POLL_SECONDS
    return [
        LineItem("KMS", "customer managed keys", of_type["aws_kms_key"], "kms_key_month"),
        LineItem("Secrets Manager", "secrets", of_type["aws_secretsmanager_secret"], "secretsmanager_secret_month"),
        LineItem("CloudWatch", "alarm metrics", alarms, "cloudwatch_alarm_month"),
        LineItem("CloudWatch", "dashboards", of_type["aws_cloudwatch_dashboard"], "cloudwatch_dashboard_month"),
        LineItem("WAF", "web ACLs", of_type["aws_wafv2_web_acl"], "waf_web_acl_month"),
        LineItem("WAF", "rules and rule groups", rules, "waf_rule_month"),
        LineItem("SQS", "idle long polls of the event source mapping", idle_polls, "sqs_request"),
    ]


def build_model(calls: list[dict[str, Any]], usage: list[dict[str, Any]], plan: dict[str, Any]) -> CostModel:
    orders = sum(1 for u in usage if u.get("route") == ORDER_ROUTE and 200 <= int(u.get("status") or 0) < 300)
    if not orders:
        raise CostInputMissing(f"the run recorded no successful {ORDER_ROUTE}: nothing to divide by")
    prices = json.loads(PRICES_FILE.read_text(encoding="utf-8"))["prices"]
    trails = sum(1 for r in planned_resources(plan) if r["type"] == "aws_cloudtrail")
    traffic = classify(calls, usage, orders)
    driver = ", ".join(f"{count} {what}" for what, count in sorted(traffic.driver_requests.items())) or "none"
    assumptions = [
        f"Orders = successful `{ORDER_ROUTE}` requests of the run ({orders}). The shop's other traffic of the run "
        "(declined cards, Stripe's webhook deliveries, fulfillment batches and their retries) is charged to them.",
        f"Test-driver traffic left out, with the AWS calls its invocations made: {driver}. In its place, the site's "
        f"own status polls: {SITE_POLLS_PER_ORDER} per order ({traffic.polls_modelled:g} for the run) at the "
        "measured cost of one poll (the site polls once a second; an order is fulfilled a few seconds after "
        "payment in AWS: an assumption, this stack is far slower on the emulator).",
        f"Calls are matched to the invocation of their function that was running; {traffic.ambiguous_calls} fell in "
        "overlapping invocations and were charged.",
        "DynamoDB: one request unit per read or write and two per transactional item (items under 1 KB / 4 KB, "
        "strongly consistent reads: an upper bound for this stack's items). moto's ReturnConsumedCapacity is a "
        "constant, so it is not used.",
        "Lambda duration is measured on this host (x86_64, the emulator's network) and priced at the deployed "
        "architecture and memory size of the production plan.",
        f"SQS event source mapping: its recorded calls, else {SQS_REQUESTS_PER_BATCH} requests per delivered batch; "
        f"and {ESM_IDLE_POLLERS} idle {LONG_POLL_SECONDS} s long polls per mapping all month.",
        "Not counted: the site's own "
        "CloudFront/S3 requests and data transfer, storage (DynamoDB, PITR, S3, log retention), Lambda's START/"
        "END/REPORT log lines, free tiers.",
        f"CloudTrail data events: {'none configured' if not trails else f'{trails} trail(s), not priced'}.",
    ]
    return CostModel(orders, variable_items(calls, usage, plan, traffic), fixed_items(plan), prices, assumptions)


def money(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def render(model: CostModel, inputs: dict[str, str]) -> str:
    meta = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    used = sorted({item.price_key for item in model.variable + model.fixed})
    unverified = [key for key in used if "NOT VERIFIED" in str(model.prices[key].get("checked", "NOT VERIFIED"))]
    lines = [
        "# Cost of running TicketsToHeaven (us-east-2)",
        "",
        f"From a real run: {model.orders} orders. Prices: `{PRICES_FILE.relative_to(REPO_ROOT)}`, "
        f"{meta['region']}, as of {meta['as_of']} ({meta['note']})",
        "",
        f"- **Cost per 1000 orders: {money(model.variable_per_1000())}** (usage-based part)",
        f"- **Fixed: {money(model.fixed_monthly())} per month**",
        *(f"- **{n:,} orders a month: {money(model.monthly(n))}**" for n in MONTHLY_ORDERS),
        f"- Prices not verified against a stored page: {', '.join(unverified) or 'none'}",
        "",
        "## Per 1000 orders",
        "",
        "| service | what | in the run | per 1000 orders | cost per 1000 orders |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for item in model.variable:
        per = item.quantity * 1000 / model.orders
        cost = item.cost(model.prices) * 1000 / model.orders
        lines.append(f"| {item.service} | {item.what} | {item.quantity:,.3f} | {per:,.3f} | {money(cost)} |")
    lines += ["", "## Fixed monthly", "", "| service | what | count | per month |", "| --- | --- | ---: | ---: |"]
    for item in model.fixed:
        lines.append(f"| {item.service} | {item.what} | {item.quantity:,.0f} | {money(item.cost(model.prices))} |")
    lines += ["", "## Assumptions", "", *(f"- {text}" for text in model.assumptions), "", "## Inputs", ""]
    lines += [f"- {name}: `{path}`" for name, path in inputs.items()]
    lines += ["", "## Prices used", "", "| price | USD | per | source | checked |", "| --- | ---: | ---: | --- | --- |"]
    for key in used:
        price = model.prices[key]
        checked = price.get("checked", "NOT VERIFIED")
        lines.append(f"| {key} | {price['usd']} | {price['per']:,} | {price.get('source', '')} | {checked} |")
    return "\n".join([*lines, ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=Path, default=DEFAULT_CALLS)
    parser.add_argument("--usage", type=Path, default=DEFAULT_USAGE)
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        calls = read_jsonl(args.calls, "recorded AWS calls", "an integration run with the IAM recorder (issue 10)")
        usage = read_jsonl(args.usage, "Lambda usage", f"an integration run with TTH_USAGE_LOG={args.usage}")
        if not args.plan.is_file():
            raise CostInputMissing(f"no plan JSON at {args.plan}: `tox -e policy` writes it")
        model = build_model(calls, usage, json.loads(args.plan.read_text(encoding="utf-8")))
    except CostInputMissing as exc:
        print(f"cost: {exc}", file=sys.stderr)
        return 2
    inputs = {"calls": str(args.calls), "usage": str(args.usage), "plan": str(args.plan)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(model, inputs), encoding="utf-8")
    print(
        f"cost: {money(model.variable_per_1000())} per 1000 orders, fixed {money(model.fixed_monthly())}/month; "
        f"wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

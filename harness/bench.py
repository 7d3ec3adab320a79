"""``make bench``: the speed and size figures of issue 14, each beside its goal, in ``reports/bench.md``.

Usage: ``python -m harness.bench [--skip loop] [--rounds 5]`` (``make bench`` runs it in the
integration env). Targets live here, not in timed unit tests; the run fails only when a figure
could not be measured. Every figure is the median of ``--rounds`` whole-process runs.

Cold init is measured as Lambda sees it: a fresh ``python3.13 -I -B`` per sample, the deployed
zip unpacked into a read-only directory with only what the zip holds (its ``.pyc`` if shipped, and
none written during the run: checked afterwards), the runtime's own boto3 (compiled, as the
runtime ships it), and the function's environment as read back from the emulator. The floor,
``import boto3; boto3.client("dynamodb")`` on the same interpreter and libraries, is sampled in the
same rounds, interleaved with the functions, so each ratio compares runs under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.provider_log import parse as parse_provider_log
from harness.provider_log import summary as provider_log_summary
from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REPORT = REPO_ROOT / "reports" / "bench.md"
CACHE = REPO_ROOT / ".tth" / "bench"
FUNCTIONS = ("orders", "stripe_webhook", "fulfillment")
# Sized too (the issue sets no goal for it): every function's zip carries only what that function imports.
SIZED = (*FUNCTIONS, "sweeper")
FLOOR_SCRIPT = 'import boto3; boto3.client("dynamodb")'
# Goals of issue 14. Ratios are cold init over the floor; sizes are zipped MB (10^6 bytes).
COLD_GOALS = {"stripe_webhook": 1.5, "orders": 2.0, "fulfillment": 1.75}
SIZE_GOALS_MB = {"orders": 6.0, "stripe_webhook": 3.0, "fulfillment": 4.0}
APPLY_GOAL_S, DESTROY_GOAL_S = 40.0, 20.0
LOOP_GOALS_S = {"`tox -e integration`": 150.0, "`bash .ci/run` (clean clone)": 360.0, "`make up` to ready": 60.0}
LATENCY_SAMPLES = 30
# Why the slow resources wait: the waiters of terraform-provider-aws 5.100.0 (the pinned provider), read in its
# source. A fixed delay or "N equal reads in a row" cannot be ended by an emulator answering at once.
WAITS_EXPLAINED = [
    "Why (terraform-provider-aws 5.100.0 waiters; moto already answers each read with the final state):",
    "",
    "- `aws_s3_bucket_lifecycle_configuration`: waitLifecycleConfigEquals: Delay 10 s, then 10 equal reads in a "
    "row 5 s apart (ContinuousTargetOccurence 10, PollInterval 5 s) = 55 s minimum, on AWS too.",
    "- `aws_sqs_queue`: waitQueueAttributesPropagated: 6 equal reads in a row, MinTimeout 5 s = 25 s minimum; "
    "the fulfillment queue needs its DLQ's ARN, so two queues in a row.",
    "- `aws_kms_key`: description, policy, rotation and tag propagation waits, 5 equal reads in a row 1-2 s "
    "apart each = ~12 s minimum.",
    "- `aws_lambda_function`: waitFunctionCreated: Delay 5 s (moto answers Active at once); a package given by "
    "`filename` is created under the provider's global lock, one function at a time (about 6 s each in a row).",
    "- `aws_cloudfront_distribution`: create: waitDistributionDeployed Delay 30 s, skipped in the emulator run "
    "(`wait_for_deployment = false`, harness/terraform_overrides/moto/cloudfront_override.tf); delete: the "
    "provider disables an enabled distribution and waits for it whatever that setting says (Delay 30 s), so "
    "the teardown disables it first through the API (harness/deploy_steps.py, as an operator does; moto refuses "
    "to delete an enabled one, as CloudFront does); left: waitDistributionDeleted (Delay 15 s).",
    "- first calls: moto created each service's app at its first request under one lock (~5 s for the first "
    "burst); harness/moto_entry.py creates them as the server starts.",
    "- Terraform-only stretches: starting the provider (4-5 s a start, several per command) and Terraform's "
    "own planning (not profiled further: `TF_LOG_CORE`); destroy no longer refreshes first (`-refresh=false`).",
]


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "**not met**"


@dataclass
class Figures:
    """Everything one bench run measured."""

    rounds: int
    floor_s: float = 0.0
    load: tuple[float, float] | None = None  # 1-minute load average before and after the cold-init rounds
    cold_s: dict[str, float] | None = None
    cold_ratio: dict[str, float] | None = None
    sizes: dict[str, int] | None = None
    apply_s: float | None = None
    destroy_s: float | None = None
    first_request_ms: dict[str, float] | None = None
    warm_ms: dict[str, tuple[float, float, int]] | None = None
    loop_s: dict[str, float | str] | None = None
    slowest: dict[str, list[tuple[int, str]]] | None = None
    waits: dict[str, list[str]] | None = None  # step -> harness.provider_log summary lines


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- cold init -------------------------------------------------------------------------------------


def compiled_runtime(python: str) -> Path:
    """The runtime's libraries (boto3) with bytecode, as the Lambda runtime ships them (built once)."""
    from harness.lambda_runner import runtime_libraries

    source = runtime_libraries(python, REPO_ROOT / ".tth" / "runtime")
    target = CACHE / f"{source.name}-compiled"
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
        compileall = [python, "-m", "compileall", "-q", "-j", "0", str(target)]
        subprocess.run(compileall, check=True, stdout=subprocess.DEVNULL)
        (target / ".complete").touch()
    return target


@contextlib.contextmanager
def read_only_tree(zip_path: Path) -> Iterator[Path]:
    """Unpack a zip into a directory nobody can write to (like /var/task); restore on exit."""
    with tempfile.TemporaryDirectory(prefix="tth-bench-") as scratch:
        root = Path(scratch) / "task"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(root)
        dirs = [root, *(p for p in root.rglob("*") if p.is_dir())]
        for path in root.rglob("*"):
            if path.is_file():
                path.chmod(0o444)
        for path in dirs:
            path.chmod(0o555)
        try:
            yield root
        finally:
            for path in dirs:
                path.chmod(0o755)


def pyc_count(tree: Path) -> int:
    return sum(1 for _ in tree.rglob("*.pyc"))


def run_once(python: str, paths: list[Path], script: str, env: dict[str, str]) -> float:
    """Seconds for one whole ``python -I -B`` process with ``paths`` first on sys.path."""
    prelude = f"import sys; sys.path[:0] = {[str(p) for p in paths]!r}; "
    started = time.monotonic()
    subprocess.run([python, "-I", "-B", "-c", prelude + script], check=True, env=env, cwd=paths[0])
    return time.monotonic() - started


def cold_init(packages_dir: Path, envs: dict[str, dict[str, str]], rounds: int, figures: Figures) -> None:
    """Median cold init of each function and of the floor, sampled in interleaved rounds."""
    from harness.lambda_runner import runtime_python

    python = runtime_python("python3.13")
    runtime = compiled_runtime(python)
    floor_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **envs[FUNCTIONS[0]]}
    samples: dict[str, list[float]] = {name: [] for name in ("floor", *FUNCTIONS)}
    ratios: dict[str, list[float]] = {name: [] for name in FUNCTIONS}
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        trees = {f: stack.enter_context(read_only_tree(packages_dir / f"{f}.zip")) for f in FUNCTIONS}
        before = {f: pyc_count(t) for f, t in trees.items()}
        runtime_before = pyc_count(runtime)
        for number in range(1, rounds + 1):
            say(f"cold init round {number}/{rounds}")
            floor = run_once(python, [runtime], FLOOR_SCRIPT, floor_env)
            samples["floor"].append(floor)
            for function in FUNCTIONS:
                env = {"PATH": floor_env["PATH"], "LANG": "C.UTF-8", **envs[function]}
                handler_module = envs[function].get("_HANDLER", f"{function}.handler").rpartition(".")[0]
                seconds = run_once(python, [trees[function], runtime], f"import {handler_module}", env)
                samples[function].append(seconds)
                ratios[function].append(seconds / floor)
        written = {f: pyc_count(t) - before[f] for f, t in trees.items() if pyc_count(t) != before[f]}
        if written or pyc_count(runtime) != runtime_before:
            raise RuntimeError(f"bytecode was written during the measurement: {written}")
    figures.load = (load_before, os.getloadavg()[0])
    figures.floor_s = statistics.median(samples["floor"])
    figures.cold_s = {f: statistics.median(samples[f]) for f in FUNCTIONS}
    figures.cold_ratio = {f: statistics.median(ratios[f]) for f in FUNCTIONS}


# --- the stack: apply, first request, warm latency, destroy -------------------------------------------


def lambda_environment(runner: Any, name: str) -> dict[str, str]:
    """What the harness gives a worker of this function (Lambda's variables + the function's own)."""
    worker = runner.worker(name)
    return dict(worker._environment())  # the exact environment a worker starts with (with _HANDLER)


def timed_ms(call: Callable[[], Any]) -> float:
    started = time.monotonic()
    call()
    return (time.monotonic() - started) * 1000


def sqs_event(queue_arn: str, order_id: str) -> dict[str, Any]:
    """An SQS batch of one fulfillment message, shaped as the event source mapping delivers it."""
    return {
        "Records": [
            {
                "messageId": f"bench-{time.monotonic_ns()}",
                "receiptHandle": "bench",
                "body": json.dumps({"order_id": order_id}),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(time.time() * 1000)),
                    "SenderId": "bench",
                    "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-2",
            }
        ]
    }


@contextlib.contextmanager
def provider_debug_log(path: Path) -> Iterator[None]:
    """Terraform commands started meanwhile append the AWS provider's debug log to ``path``."""
    os.environ.update(TF_LOG_PROVIDER="DEBUG", TF_LOG_PATH=str(path))
    try:
        yield
    finally:
        for name in ("TF_LOG_PROVIDER", "TF_LOG_PATH"):
            os.environ.pop(name, None)


def measure_stack(figures: Figures) -> tuple[Path, dict[str, dict[str, str]]]:
    """Apply, time first and warm requests per function, destroy; return the packages and their envs."""
    import requests

    from harness.customer import Shop, new_event_id
    from harness.stack import HOST_ARCHITECTURE, running_stack

    envs: dict[str, dict[str, str]] = {}
    first: dict[str, float] = {}
    warm: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="tth-bench-stack-") as run_dir:
        provider_log = Path(run_dir) / "provider.log"
        # The provider's debug log (every call, timestamped, per resource) is the profile of the waits (the
        # Workspace hands this process's environment to Terraform). It costs a little: request bodies are logged.
        with provider_debug_log(provider_log), running_stack(Path(run_dir), with_site=False) as stack:
            apply_log = provider_log.rename(provider_log.with_name("provider-apply.log"))
            shop = Shop(stack, requests.Session())
            names = stack.outputs["function_names"]
            for function in FUNCTIONS:
                envs[function] = lambda_environment(stack.runner, names[function])

            def webhook() -> None:
                event = {"id": new_event_id(), "type": "customer.created", "data": {"object": {}}}
                reply = shop.send_webhook(event)
                assert reply.status_code == 200, reply.text

            def fulfillment() -> None:
                # An order that does not exist: the whole path (idempotency, table read) without a partner call.
                queue_arn = stack.client("sqs").get_queue_attributes(
                    QueueUrl=stack.outputs["fulfillment_queue_url"],
                    AttributeNames=["QueueArn"],
                )["Attributes"]["QueueArn"]
                stack.runner.invoke(names["fulfillment"], sqs_event(queue_arn, f"bench-{time.monotonic_ns()}"))

            calls: dict[str, Callable[[], Any]] = {
                "orders (GET /api/config)": shop.config,
                "stripe_webhook (POST /api/webhooks/stripe)": webhook,
                "fulfillment (SQS batch of one, direct invoke)": fulfillment,
            }
            for label, call in calls.items():
                first[label] = timed_ms(call)  # the worker starts here: init + first invoke
                warm[label] = [timed_ms(call) for _ in range(LATENCY_SAMPLES)]
            label = "orders (POST /api/orders)"
            warm[label] = [timed_ms(lambda: shop.place_order(quantity=1)) for _ in range(LATENCY_SAMPLES)]
            timings, workspace = stack.timings, stack.workspace
        figures.slowest = {step: workspace.slowest(step) for step in ("apply", "destroy")}
        figures.waits = {
            step: provider_log_summary(*parse_provider_log(path, "ApplyResourceChange"))
            for step, path in (("apply", apply_log), ("destroy", provider_log))
        }
        packages_dir = REPO_ROOT / "build" / "lambda" / HOST_ARCHITECTURE
    figures.apply_s = timings.get("apply")
    figures.destroy_s = timings.get("destroy")
    figures.first_request_ms = first
    figures.warm_ms = {k: (percentile(v, 0.5), percentile(v, 0.95), len(v)) for k, v in warm.items()}
    figures.sizes = {f: (packages_dir / f"{f}.zip").stat().st_size for f in SIZED}
    return packages_dir, envs


# --- the feedback loop (whole suites; slow, skip with --skip loop) ------------------------------------


def measure_loop(figures: Figures) -> None:
    loop: dict[str, float | str] = {}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOX_", "VIRTUAL_ENV"))}
    say("timing tox -e integration")
    started = time.monotonic()
    subprocess.run(["tox", "run", "-e", "integration"], check=True, cwd=REPO_ROOT, env=env, stdout=sys.stderr)
    loop["`tox -e integration`"] = time.monotonic() - started
    say("timing make up to ready")
    started = time.monotonic()
    try:
        subprocess.run(["make", "up"], check=True, cwd=REPO_ROOT, env=env, stdout=sys.stderr)
        loop["`make up` to ready"] = time.monotonic() - started
    finally:
        subprocess.run(["make", "down"], check=False, cwd=REPO_ROOT, env=env, stdout=sys.stderr)
    if (REPO_ROOT / ".ci" / "run").exists():
        say("timing bash .ci/run on a clean clone")
        with tempfile.TemporaryDirectory(prefix="tth-bench-clone-") as clone:
            subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), clone], check=True)
            started = time.monotonic()
            subprocess.run(["bash", ".ci/run"], check=True, cwd=clone, env=env, stdout=sys.stderr)
            loop["`bash .ci/run` (clean clone)"] = time.monotonic() - started
    else:
        loop["`bash .ci/run` (clean clone)"] = "no .ci/run in this tree"
    figures.loop_s = loop


# --- report --------------------------------------------------------------------------------------------


def goal_rows(figures: Figures, skipped: set[str]) -> list[str]:
    """The issue's table: one row per figure, each beside its goal."""
    rows = []
    if figures.cold_s and figures.cold_ratio:
        rows.append(f"| cold init floor: `{FLOOR_SCRIPT}` (runtime's boto3) | {figures.floor_s:.2f} s | (anchor) | |")
        for function in ("stripe_webhook", "orders", "fulfillment"):
            ratio, goal = figures.cold_ratio[function], COLD_GOALS[function]
            rows.append(
                f"| cold init {function} | {figures.cold_s[function]:.2f} s = {ratio:.2f}x floor "
                f"| <= {goal:.2f}x | {verdict(ratio, goal)} |"
            )
    for function, size in (figures.sizes or {}).items():
        size_mb, size_goal = size / 1e6, SIZE_GOALS_MB.get(function)
        if size_goal is None:
            rows.append(f"| zip size {function} | {size_mb:.2f} MB | (no goal in the issue) | |")
        else:
            judged = f"<= {size_goal:.0f} MB | {verdict(size_mb, size_goal)}"
            rows.append(f"| zip size {function} | {size_mb:.2f} MB | {judged} |")
    measured: dict[str, float | str | None] = {
        "`terraform apply` to moto": figures.apply_s,
        "`terraform destroy`": figures.destroy_s,
        **(figures.loop_s or {}),
    }
    goals = {"`terraform apply` to moto": APPLY_GOAL_S, "`terraform destroy`": DESTROY_GOAL_S, **LOOP_GOALS_S}
    for label, goal in goals.items():
        value = measured.get(label)
        if isinstance(value, float):
            rows.append(f"| {label} (one run) | {value:.0f} s | <= {goal:.0f} s | {verdict(value, goal)} |")
        else:
            why = value or ("skipped (`--skip loop`)" if "loop" in skipped else "not measured")
            rows.append(f"| {label} | {why} | <= {goal:.0f} s | |")
    return rows


def load_line(figures: Figures) -> list[str]:
    """The machine's load during the cold-init rounds (the cores are shared; the ratios absorb some of it)."""
    if not figures.load:
        return []
    before, after = figures.load
    return ["", f"Machine load (1-minute average): {before:.1f} before the cold-init rounds, {after:.1f} after."]


def report(figures: Figures, skipped: set[str]) -> str:
    lines = [
        "# Benchmarks (issue 14)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores; "
        f"cold init is the median of {figures.rounds} interleaved rounds. Reproduce: `make bench` "
        "(`tox run -e bench -- --skip loop` leaves out the whole-suite timings).",
        *load_line(figures),
        "",
        "| figure | measured | goal | |",
        "| --- | ---: | ---: | --- |",
        *goal_rows(figures, skipped),
    ]
    if figures.first_request_ms and figures.warm_ms:
        lines += [
            "",
            "## Through the local front door (deployed packages on the emulator)",
            "",
            "First request = the worker's init + first invoke; warm over the next requests. Issue 14 asks for "
            "these figures without a goal: reported, not judged.",
            "",
            "| request | first ms | warm p50 ms | warm p95 ms | n |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for label, (p50, p95, count) in figures.warm_ms.items():
            first = figures.first_request_ms.get(label)
            lines.append(f"| {label} | {'' if first is None else f'{first:.0f}'} | {p50:.0f} | {p95:.0f} | {count} |")
    if figures.slowest:
        lines += ["", "## Where apply and destroy wait (the provider's own per-resource times, slowest first)", ""]
        for step, rows in figures.slowest.items():
            lines.append(f"- {step}: " + (", ".join(f"{address} {seconds} s" for seconds, address in rows) or "no log"))
    for step, summary_lines in (figures.waits or {}).items():
        lines += ["", f"### {step}: the provider's calls per resource (`TF_LOG_PROVIDER=DEBUG`)", ""]
        lines += summary_lines
    if figures.waits:
        lines += ["", *WAITS_EXPLAINED]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="samples per cold-init figure (median)")
    parser.add_argument("--skip", action="append", default=[], choices=("loop",), help="leave out a slow group")
    args = parser.parse_args(argv)
    figures = Figures(rounds=args.rounds)
    packages_dir, envs = measure_stack(figures)
    cold_init(packages_dir, envs, args.rounds, figures)
    if "loop" not in args.skip:
        measure_loop(figures)
    text = report(figures, set(args.skip))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text)
    print(text)
    print(f"written to {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

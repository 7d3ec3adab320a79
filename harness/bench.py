"""``make bench``: speed and size measurements, written to ``reports/bench.md``.

Targets live here, not in timed unit tests: each row states the measured value next to
its target, and the run fails only if a measurement could not be taken.
"""

from __future__ import annotations

import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.toolchain import REPO_ROOT

REPORT = REPO_ROOT / "reports" / "bench.md"
HANDLERS = {
    "orders": "orders.handler",
    "stripe_webhook": "stripe_webhook.handler",
    "fulfillment": "fulfillment.handler",
}
# Environment the handlers need at import time (names only; nothing is called).
IMPORT_ENV = {
    "ORDERS_TABLE_NAME": "bench-orders",
    "EVENTS_TABLE_NAME": "bench-events",
    "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
    "FULFILLMENT_QUEUE_URL": "https://sqs.us-east-2.amazonaws.com/123456789012/bench",
    "FULFILLMENT_MAX_ATTEMPTS": "5",
    "CONFIG_PARAMETER_PATH": "/tickets-to-heaven/prod",
    "STRIPE_SECRET_KEY_SECRET_ID": "bench",
    "STRIPE_WEBHOOK_SECRET_ID": "bench",
    "FULFILLMENT_API_KEY_SECRET_ID": "bench",
    "PII_KEY_SECRET_ID": "bench",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "TicketsToHeaven",
    "AWS_REGION": "us-east-2",
    "AWS_DEFAULT_REGION": "us-east-2",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def setup_time() -> float:
    """Warm set-up: scripts/bootstrap with everything cached."""
    return timed([str(REPO_ROOT / "scripts" / "bootstrap")])


def packages(out_dir: Path) -> list[tuple[str, int, float]]:
    """Build the packages as the emulator run does; return (function, zip bytes, median cold import seconds).

    Each import runs in a fresh interpreter with only the unpacked package and the runtime's
    libraries on the path, as a Lambda cold start's init phase does.
    """
    from harness.deploy_steps import build_packages
    from harness.lambda_runner import runtime_libraries, runtime_python

    build_packages(out_dir)
    python = runtime_python("python3.13")
    runtime = runtime_libraries(python, REPO_ROOT / ".tth" / "runtime")
    rows = []
    for function, module in HANDLERS.items():
        zip_path = out_dir / f"{function}.zip"
        with tempfile.TemporaryDirectory() as unpacked:
            shutil.unpack_archive(zip_path, unpacked)
            env = {**IMPORT_ENV, "PATH": os.environ["PATH"]}
            script = f"import sys; sys.path[:0] = [{unpacked!r}, {str(runtime)!r}]; import {module}"
            samples = [timed([python, "-I", "-c", script], env=env) for _ in range(5)]
        rows.append((function, zip_path.stat().st_size, statistics.median(samples)))
    return rows


def site_sizes() -> list[tuple[str, int, int]]:
    dist = REPO_ROOT / "frontend" / "dist"
    subprocess.run(
        ["npm", "--prefix", str(REPO_ROOT / "frontend"), "run", "--silent", "build"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    rows = []
    for path in sorted(dist.rglob("*")):
        if path.suffix in {".js", ".css", ".html"}:
            data = path.read_bytes()
            rows.append((str(path.relative_to(dist)), len(data), len(gzip.compress(data, 9))))
    return rows


def api_latency(requests_count: int = 50) -> dict[str, list[float]]:
    """Latency through the local front door (deployed packages, emulator), loopback only, bounded."""
    import requests

    from harness.customer import Shop
    from harness.stack import running_stack

    results: dict[str, list[float]] = {"GET /api/config": [], "POST /api/orders": []}
    with tempfile.TemporaryDirectory() as run_dir, running_stack(Path(run_dir), with_site=False) as stack:
        shop = Shop(stack, requests.Session())
        shop.config()  # warm
        for _ in range(requests_count):
            started = time.monotonic()
            shop.config()
            results["GET /api/config"].append(time.monotonic() - started)
        for _ in range(min(requests_count, 20)):
            started = time.monotonic()
            shop.place_order(quantity=1)
            results["POST /api/orders"].append(time.monotonic() - started)
        results["apply (s)"] = [stack.timings.get("apply", 0.0)]
    return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores. Regenerate with `make bench`.",
        "",
    ]
    lines += [
        "## Set-up",
        "",
        "| what | seconds | target |",
        "| --- | ---: | --- |",
        f"| warm `scripts/bootstrap` | {setup_time():.2f} | < 10 |",
        "",
    ]
    with tempfile.TemporaryDirectory() as out:
        rows = packages(Path(out))
    lines += [
        "## Lambda packages (x86_64 build, Python 3.13)",
        "",
        "| function | zip KiB | cold import s (median of 5) | target |",
        "| --- | ---: | ---: | --- |",
    ]
    # 50 MiB: Lambda's limit for a zip uploaded directly; 1.5 s: our cold-start budget for imports.
    lines += [
        f"| {f} | {size / 1024:.0f} | {seconds:.3f} | < 51200 KiB, < 1.5 s: "
        f"{'met' if size < 50 * 1024 * 1024 and seconds < 1.5 else 'NOT met'} |"
        for f, size, seconds in rows
    ]
    lines.append("")
    if (REPO_ROOT / "frontend" / "package.json").exists():
        lines += ["## Site bundle", "", "| file | bytes | gzip bytes |", "| --- | ---: | ---: |"]
        lines += [f"| {name} | {raw} | {gz} |" for name, raw, gz in site_sizes()]
        lines.append("")
    latency = api_latency()
    lines += [
        "## Local API through the deployed packages",
        "",
        "| request | n | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, values in latency.items():
        if name.endswith("(s)"):
            lines.append(f"| (terraform apply to the emulator, for scale) | 1 | {values[0] * 1000:.0f} | |")
            continue
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 0.5) * 1000:.0f} | {percentile(values, 0.95) * 1000:.0f} |"
        )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten to {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

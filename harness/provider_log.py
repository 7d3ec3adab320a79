"""Where an apply or destroy waits, from the AWS provider's own debug log (``TF_LOG_PROVIDER=DEBUG``).

Terraform's output says how long each resource took, not why. The provider's debug log has a timestamped
line for every HTTP call, tagged with the gRPC call it serves (``tf_rpc``, e.g. ApplyResourceChange), a
request id (``tf_req_id``: one resource's create or delete) and the resource type. Per request this module
finds the span, the API calls and the idle time (the provider sleeping between polls); across the whole
log, the stretches where no provider logged anything (Terraform itself working, e.g. starting providers or
diffing a large schema). ``harness.bench`` writes the result into ``reports/bench.md``.

Usage: ``python -m harness.provider_log LOG [--rpc ApplyResourceChange] [--top 15]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_RECORD_START = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \[")
_FIELD = re.compile(r'([\w.@]+)=("(?:[^"\\]|\\.)*"|\S+)')
_BODY = re.compile(r'http\.(?:request|response)\.body="(?:[^"\\]|\\.)*"', re.S)
_HEAD_CHARS = 20_000  # request bodies (a Lambda zip) can be megabytes; the fields we need come first or last
# A gap between two calls of one request longer than this is the provider waiting, not working.
IDLE_GAP_S = 1.0
# No provider line for this long: Terraform itself is busy (or every provider is asleep).
QUIET_GAP_S = 3.0


@dataclass
class Span:
    """One gRPC request (one resource's create, read or delete) as the provider logged it."""

    rpc: str
    resource_type: str
    start: float
    end: float
    calls: Counter[str] = field(default_factory=Counter)
    idle_s: float = 0.0

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _records(lines: Iterator[str]) -> Iterator[str]:
    """Join continuation lines (bodies) to the timestamped line they belong to."""
    current: list[str] = []
    for line in lines:
        if _RECORD_START.match(line):
            if current:
                yield "".join(current)
            current = [line]
        elif current:
            current.append(line)
    if current:
        yield "".join(current)


def _timestamp(record: str) -> float:
    return datetime.fromisoformat(record[:23] + "+00:00").timestamp()


def _fields(record: str) -> dict[str, str]:
    text = record if len(record) <= 2 * _HEAD_CHARS else record[:_HEAD_CHARS] + " " + record[-_HEAD_CHARS:]
    return {key: value.strip('"') for key, value in _FIELD.findall(_BODY.sub("", text))}


def parse(path: Path, rpc: str | None = None) -> tuple[list[Span], list[tuple[float, float]]]:
    """Spans of every request (only ``rpc`` if given), and the quiet stretches (start, seconds) of the log."""
    spans: dict[str, Span] = {}
    last_seen: dict[str, float] = {}
    quiet: list[tuple[float, float]] = []
    previous: float | None = None
    with path.open(encoding="utf-8", errors="replace") as lines:
        for record in _records(lines):
            when = _timestamp(record)
            if previous is not None and when - previous > QUIET_GAP_S:
                quiet.append((previous, when - previous))
            previous = when
            head = record[:200]
            if "HTTP Request Sent" not in head and "HTTP Response Received" not in head:
                continue
            found = _fields(record)
            request_id, kind = found.get("tf_req_id"), found.get("tf_rpc", "")
            if not request_id or (rpc and kind != rpc):
                continue
            span = spans.get(request_id)
            if span is None:
                span = spans[request_id] = Span(kind, found.get("tf_resource_type", "?"), when, when)
            if span.resource_type == "?" and "tf_resource_type" in found:
                span.resource_type = found["tf_resource_type"]
            gap = when - last_seen.get(request_id, when)
            if gap > IDLE_GAP_S:
                span.idle_s += gap
            last_seen[request_id] = when
            span.end = max(span.end, when)
            if "HTTP Request Sent" in head and "rpc.method" in found:
                span.calls[found["rpc.method"]] += 1
    return sorted(spans.values(), key=lambda s: s.start), quiet


def summary(spans: list[Span], quiet: list[tuple[float, float]], top: int = 15) -> list[str]:
    """Markdown lines: the slowest requests and the quiet stretches, with offsets from the first call."""
    if not spans:
        return ["no provider calls in the log"]
    origin = spans[0].start
    last = max(span.end for span in spans)
    lines = [
        f"First to last provider call: {last - origin:.0f} s; Terraform-only stretches (no provider line for "
        f">{QUIET_GAP_S:.0f} s): {sum(seconds for _, seconds in quiet):.0f} s in {len(quiet)} stretches.",
        "",
        "| resource type | s | of which idle s | at +s | API calls |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for span in sorted(spans, key=lambda s: -s.seconds)[:top]:
        calls = ", ".join(f"{method} x{count}" for method, count in sorted(span.calls.items()))
        lines.append(
            f"| {span.resource_type} | {span.seconds:.1f} | {span.idle_s:.1f} | {span.start - origin:.0f} | {calls} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", type=Path)
    parser.add_argument("--rpc", default="ApplyResourceChange", help="gRPC call to profile ('' for all)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    spans, quiet = parse(args.log, args.rpc or None)
    print("\n".join(summary(spans, quiet, args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

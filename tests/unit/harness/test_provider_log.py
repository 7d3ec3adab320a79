"""harness.provider_log: spans, idle time and quiet stretches from a provider debug log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.provider_log import parse, summary

if TYPE_CHECKING:
    from pathlib import Path

PREFIX = "[DEBUG] provider.terraform-provider-aws_v5.100.0_x5"


def line(clock: str, what: str, req: str, rpc: str, rtype: str, method: str, body: str = "") -> str:
    fields = f"tf_req_id={req} tf_rpc={rpc} tf_resource_type={rtype} rpc.method={method}"
    tail = f"\n  | {body}" if body else ""
    return f'2026-12-01T11:{clock}Z {PREFIX}: HTTP {what}: {fields} http.request.body="x y"{tail}\n'


def write_log(tmp_path: Path) -> Path:
    rows = [
        line("00:00.000", "Request Sent", "q1", "ApplyResourceChange", "aws_sqs_queue", "CreateQueue"),
        line("00:00.100", "Response Received", "q1", "ApplyResourceChange", "aws_sqs_queue", "CreateQueue", "{}"),
        # the queue's waiter: two more reads, 5 s apart (idle)
        line("00:05.100", "Request Sent", "q1", "ApplyResourceChange", "aws_sqs_queue", "GetQueueAttributes"),
        line("00:05.150", "Response Received", "q1", "ApplyResourceChange", "aws_sqs_queue", "GetQueueAttributes"),
        line("00:05.200", "Request Sent", "r1", "ReadResource", "aws_iam_role", "GetRole"),
        line("00:10.150", "Request Sent", "q1", "ApplyResourceChange", "aws_sqs_queue", "GetQueueAttributes"),
        line("00:10.200", "Response Received", "q1", "ApplyResourceChange", "aws_sqs_queue", "GetQueueAttributes"),
        # a busy request without waits
        line("00:10.300", "Request Sent", "k1", "ApplyResourceChange", "aws_kms_key", "CreateKey"),
        line("00:10.900", "Response Received", "k1", "ApplyResourceChange", "aws_kms_key", "CreateKey"),
    ]
    path = tmp_path / "provider.log"
    path.write_text("".join(rows), encoding="utf-8")
    return path


def test_spans_count_calls_and_idle_time(tmp_path: Path) -> None:
    spans, quiet = parse(write_log(tmp_path), "ApplyResourceChange")
    by_type = {span.resource_type: span for span in spans}
    assert set(by_type) == {"aws_sqs_queue", "aws_kms_key"}  # the ReadResource request is left out
    queue = by_type["aws_sqs_queue"]
    assert round(queue.seconds, 2) == 10.2
    assert round(queue.idle_s, 2) == 10.0  # 0.1 -> 5.1 and 5.15 -> 10.15
    assert queue.calls == {"CreateQueue": 1, "GetQueueAttributes": 2}
    assert round(by_type["aws_kms_key"].idle_s, 2) == 0.0
    assert [round(seconds, 2) for _, seconds in quiet] == [5.0, 4.95]


def test_summary_lists_the_slowest_first(tmp_path: Path) -> None:
    spans, quiet = parse(write_log(tmp_path))
    rows = [row for row in summary(spans, quiet) if row.startswith("| aws_")]
    assert rows[0].startswith("| aws_sqs_queue | 10.2 | 10.0 |")
    assert "GetQueueAttributes x2" in rows[0]

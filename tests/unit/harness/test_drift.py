"""harness.drift: a second plan's changes, attribute by attribute, against an emulator's known gaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import drift

# harness.terraform's OVERRIDES_DIR (that module needs tftest, which the unit env does not have).
OVERRIDES_DIR = Path(drift.__file__).resolve().parent / "terraform_overrides"


def plan(*changes: tuple[str, list[str], dict, dict]) -> dict:
    return {
        "resource_changes": [
            {
                "address": address,
                "type": address.split(".")[0],
                "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
            }
            for address, actions, before, after in changes
        ]
    }


ALARM = "aws_cloudwatch_metric_alarm.errors"
KNOWN = [drift.KnownDrift("aws_cloudwatch_metric_alarm", "treat_missing_data", "reads back missing")]


def test_only_the_differing_attributes_are_named() -> None:
    found = drift.changes(
        plan(
            (ALARM, ["update"], {"name": "a", "treat_missing_data": None}, {"name": "a", "treat_missing_data": "x"}),
            ("aws_sqs_queue.q", ["no-op"], {}, {}),
        )
    )
    assert [(c.address, c.attributes) for c in found] == [(ALARM, ("treat_missing_data",))]


def test_a_known_attribute_passes_and_any_other_fails() -> None:
    quiet = plan((ALARM, ["update"], {"treat_missing_data": None}, {"treat_missing_data": "x"}))
    assert drift.unexplained(drift.changes(quiet), KNOWN) == ([], [])
    noisy = plan(
        (ALARM, ["update"], {"treat_missing_data": None, "period": 60}, {"treat_missing_data": "x", "period": 300})
    )
    lines, _ = drift.unexplained(drift.changes(noisy), KNOWN)
    assert len(lines) == 1 and lines[0].endswith("not explained: period")


def test_a_replacement_or_another_type_is_never_explained() -> None:
    replaced = plan((ALARM, ["delete", "create"], {"treat_missing_data": None}, {"treat_missing_data": "x"}))
    assert drift.unexplained(drift.changes(replaced), KNOWN)[0]
    other = plan(("aws_lambda_function.f", ["update"], {"treat_missing_data": None}, {"treat_missing_data": "x"}))
    assert drift.unexplained(drift.changes(other), KNOWN)[0]


def test_an_entry_no_change_needs_is_stale() -> None:
    assert drift.unexplained([], KNOWN) == ([], KNOWN)


def test_an_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    (tmp_path / drift.DRIFT_FILE).write_text('[[drift]]\ntype = "aws_sqs_queue"\nattribute = "policy"\nreason = " "\n')
    with pytest.raises(ValueError, match="reason"):
        drift.load(tmp_path)


@pytest.mark.parametrize("kind", ["moto", "localstack"])
def test_each_emulator_drift_list_loads(kind: str) -> None:
    for entry in drift.load(OVERRIDES_DIR / kind):
        assert entry.type.startswith("aws_") and entry.reason

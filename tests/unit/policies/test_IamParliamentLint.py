"""CKV_TTH_23 (IamParliamentLint + IamParliamentLintDocument): parliament's IAM lint on every policy document."""

from __future__ import annotations

import re
import sys

import pytest
from conftest import POLICIES_DIR, assert_clean, scan_hcl, scan_plan

sys.path.insert(0, str(POLICIES_DIR))  # checkov imports the helpers by bare name; so do these tests

import tth_parliament
from tth_allowlist import ACTIONS_MISSING_FROM_PARLIAMENT
from tth_iam_helpers import Statement

parliament = tth_parliament.parliament  # imported there, with its pkg_resources warning silenced
CHECK_ID = "CKV_TTH_23"
FIXTURE = "example_IamParliamentLint"
PASSED = {
    "aws_iam_policy.pass_logs_and_traces",
    "aws_iam_policy_document.pass_bucket_and_objects",
    "aws_iam_role.pass_trust",
    "aws_kms_key.pass_key",
}
# Each failing block and the one parliament issue it must fail with.
FAILED = {
    "aws_iam_policy.fail_unknown_action": "UNKNOWN_ACTION",
    "aws_iam_policy_document.fail_unknown_prefix": "UNKNOWN_PREFIX",
    "aws_iam_policy.fail_resource_mismatch": "RESOURCE_MISMATCH",
    "aws_iam_policy_document.fail_resource_mismatch_reference": "RESOURCE_MISMATCH",
    "aws_iam_policy_document.fail_unknown_condition_key": "UNKNOWN_CONDITION_FOR_ACTION",
    "aws_iam_policy_document.fail_mismatched_type": "MISMATCHED_TYPE",
    "aws_iam_policy.fail_invalid_arn": "INVALID_ARN",
}
_ISSUE = re.compile(r"\b([A-Z]+(?:_[A-Z]+)+) \((?:LOW|MEDIUM|HIGH|CRITICAL)\)")


def _issues(details: list[str]) -> set[str]:
    return {m.group(1) for d in details for m in _ISSUE.finditer(d)}


def test_parliament_hcl_fixture_each_kind_fails_with_its_issue() -> None:
    # Given one block per kind of finding, When CKV_TTH_23 runs on the HCL
    outcome = scan_hcl(FIXTURE, CHECK_ID)

    # Then exactly the fail_* blocks fail, each with exactly its own parliament issue in the details
    assert outcome.passed == PASSED
    assert outcome.failed == set(FAILED)
    for address, issue in FAILED.items():
        assert _issues(outcome.details[address]) == {issue}, (address, outcome.details[address])
    assert outcome.failed_ids == {CHECK_ID}
    assert_clean(outcome)


def test_parliament_plan_fixture_judges_rendered_and_deferred_documents() -> None:
    # Given the plan of the same fixture (rendered JSON policies, and documents deferred to apply)
    outcome = scan_plan(f"{FIXTURE}/tfplan.json", CHECK_ID)

    # Then every finding whose values the plan knows fails there too. The reference block's bucket ARN is known
    # only after apply (the plan shows the bare reference, suffix dropped), so its type is judged on the HCL only.
    plan_failed = {f"{'data.' if '_document.' in a else ''}{a}": i for a, i in FAILED.items()}
    deferred = "data.aws_iam_policy_document.fail_resource_mismatch_reference"
    del plan_failed[deferred]
    assert outcome.failed == set(plan_failed)
    for address, issue in plan_failed.items():
        assert _issues(outcome.details[address]) == {issue}, (address, outcome.details[address])
    # pass_logs_and_traces renders its policy only after apply (it names the log group): neither passed nor failed
    assert outcome.passed == {
        "aws_iam_role.pass_trust",
        "aws_kms_key.pass_key",
        "data.aws_iam_policy_document.pass_bucket_and_objects",
        deferred,
    }
    assert_clean(outcome)


def test_reference_placeholders_have_the_resource_type_of_the_arn() -> None:
    # Given Terraform expressions as checkov renders them on the HCL and in a plan
    bucket = tth_parliament.typed_arn("aws_s3_bucket")

    # Then a typed reference becomes an ARN of that IAM resource type, suffixes stay, other expressions are neutral
    assert bucket == "arn:aws:s3:::tthvalue"
    assert tth_parliament.concrete("aws_s3_bucket.site.arn", in_plan=False) == bucket
    assert tth_parliament.concrete("${aws_s3_bucket.site.arn}/*", in_plan=False) == bucket + "/*"
    assert tth_parliament.concrete('aws_cloudwatch_log_group.f["a"].arn:*', in_plan=False).endswith(
        ":log-group:tthvalue:*"
    )
    assert (
        tth_parliament.concrete("arn:${data.aws_partition.current.partition}:ssm:us-east-2:${local.account}:x", False)
        == "arn:aws:ssm:us-east-2:123456789012:x"
    )
    # in a plan a deferred value is its first reference without the suffix: its type cannot be known
    assert tth_parliament.concrete("aws_s3_bucket.site.arn", in_plan=True) == tth_parliament.UNKNOWN_ARN
    assert tth_parliament.concrete(None, in_plan=True) == tth_parliament.UNKNOWN_ARN
    assert tth_parliament.concrete("logs.us-east-2.amazonaws.com", in_plan=False) == "logs.us-east-2.amazonaws.com"
    # an instance's value (for_each over resources of any type) is an unknown ARN, bare or interpolated
    assert tth_parliament.concrete("each.value.arn", in_plan=False) == tth_parliament.UNKNOWN_ARN
    assert tth_parliament.concrete("${each.value.arn}/*", in_plan=False) == tth_parliament.UNKNOWN_ARN + "/*"
    # IAM policy variables are not Terraform expressions
    home = "arn:aws:s3:::b/home/${aws:username}/*"
    assert tth_parliament.concrete(home, in_plan=True) == home


def test_principals_given_by_expressions_keep_a_valid_form() -> None:
    # Given AWS principals named by an account-id expression, a role reference and a deferred plan value
    statement = Statement(
        actions=["sqs:SendMessage"],
        resources=["arn:aws:sqs:us-east-2:123456789012:q"],
        principals=[("AWS", "data.aws_caller_identity.current.account_id"), ("AWS", "aws_iam_role.r.arn")],
    )

    # Then parliament finds nothing wrong with their form, on the HCL and in a plan
    assert tth_parliament.lint([statement], in_plan=False) == []
    assert tth_parliament.lint([statement], in_plan=True) == []
    typo = Statement(actions=["sqs:SendMessage"], resources=["*"], principals=[("AWS", "not-an-account")])
    assert _issues(tth_parliament.lint([typo], in_plan=False)) == {"UNKNOWN_PRINCIPAL"}


def test_every_mapped_resource_type_is_in_parliaments_database() -> None:
    # A mapping that parliament cannot resolve would silently judge that type as unknown
    assert {t for t in tth_parliament.ARN_RESOURCE_TYPES if tth_parliament.typed_arn(t) is None} == set()


def test_actions_missing_from_parliament_are_left_out_only_when_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a statement with an action parliament does not know
    statement = Statement(actions=["s3:GetObject", "s3:FutureAction"], resources=["arn:aws:s3:::b/*"])

    # Then it fails as UNKNOWN_ACTION, and passes once the action is in the reviewed list (the rest still judged)
    assert _issues(tth_parliament.lint([statement], in_plan=False)) == {"UNKNOWN_ACTION"}
    monkeypatch.setitem(tth_parliament.ACTIONS_MISSING_FROM_PARLIAMENT, "s3:FutureAction", "test")
    assert tth_parliament.lint([statement], in_plan=False) == []
    mismatch = Statement(actions=["s3:GetObject", "s3:FutureAction"], resources=["arn:aws:s3:::b"])
    assert _issues(tth_parliament.lint([mismatch], in_plan=False)) == {"RESOURCE_MISMATCH"}


@pytest.mark.parametrize("action", sorted(ACTIONS_MISSING_FROM_PARLIAMENT) or ["(the list is empty)"])
def test_listed_missing_actions_are_still_unknown_to_parliament(action: str) -> None:
    # An entry parliament has learnt is stale: remove it, so the action is linted again
    if action == "(the list is empty)":
        assert ACTIONS_MISSING_FROM_PARLIAMENT == {}
        return
    prefix, name = action.split(":", 1)
    with pytest.raises((parliament.UnknownActionException, parliament.UnknownPrefixException)):
        parliament.expand_action(action)
    assert prefix and name and ACTIONS_MISSING_FROM_PARLIAMENT[action].strip()


def test_a_document_parliament_cannot_analyse_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given parliament raising on a document (checkov would drop a check that raises from its counts)
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(tth_parliament.parliament, "analyze_policy_string", broken)
    details: list[str] = []

    # When the document is judged, Then the check fails closed and says why
    statement = Statement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"])
    result = tth_parliament.judge_documents({}, [("policy", [statement], "2012-10-17")], details)
    assert result == tth_parliament.CheckResult.FAILED
    assert details == ["policy parliament could not analyse the document: ValueError: boom"]

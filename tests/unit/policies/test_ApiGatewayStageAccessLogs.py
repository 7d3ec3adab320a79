"""CKV_TTH_22 (ApiGatewayStageAccessLogs): API Gateway stages write access logs."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_22"


def test_api_gateway_stage_access_logs_fixture_exact_results() -> None:
    # Given example_ApiGatewayStageAccessLogs/main.tf, When the check runs on it
    outcome = scan_hcl("example_ApiGatewayStageAccessLogs", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_22
    assert outcome.passed == {
        "aws_api_gateway_stage.pass",
    }
    assert outcome.failed == {
        "aws_api_gateway_stage.fail",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

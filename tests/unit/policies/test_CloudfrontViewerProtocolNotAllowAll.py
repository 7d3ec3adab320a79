"""CKV_TTH_20 (CloudfrontViewerProtocolNotAllowAll): no CloudFront behavior allows plain HTTP."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_20"


def test_cloudfront_viewer_protocol_not_allow_all_fixture_exact_results() -> None:
    # Given example_CloudfrontViewerProtocolNotAllowAll/main.tf, When the check runs on it
    outcome = scan_hcl("example_CloudfrontViewerProtocolNotAllowAll", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_20
    assert outcome.passed == {
        "aws_cloudfront_distribution.pass",
    }
    assert outcome.failed == {
        "aws_cloudfront_distribution.fail_default_behavior",
        "aws_cloudfront_distribution.fail_ordered_behavior",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

"""CKV_TTH_21 (CloudfrontModernTls): CloudFront with a certificate uses TLSv1.2_2021 or newer."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl

CHECK_ID = "CKV_TTH_21"


def test_cloudfront_modern_tls_fixture_exact_results() -> None:
    # Given example_CloudfrontModernTls/main.tf, When the check runs on it
    outcome = scan_hcl("example_CloudfrontModernTls", CHECK_ID)

    # Then exactly the pass_* blocks pass and the fail_* blocks fail, each reported under CKV_TTH_21
    assert outcome.passed == {
        "aws_cloudfront_distribution.pass_acm",
        "aws_cloudfront_distribution.pass_default_certificate",
    }
    assert outcome.failed == {
        "aws_cloudfront_distribution.fail_old_tls",
        "aws_cloudfront_distribution.fail_version_unset",
    }
    assert outcome.failed_ids == ({CHECK_ID} if outcome.failed else set())
    assert_clean(outcome)

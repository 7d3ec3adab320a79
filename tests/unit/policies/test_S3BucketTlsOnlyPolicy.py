"""CKV_TTH_12 (S3BucketTlsOnlyPolicy): every bucket has a policy denying requests without TLS."""

from __future__ import annotations

from conftest import assert_clean, scan_plan

CHECK_ID = "CKV_TTH_12"


def test_s3_bucket_tls_only_policy_plan_exact_results() -> None:
    # Given a plan whose bucket policies come from deferred aws_iam_policy_document data sources
    outcome = scan_plan("example_S3BucketTlsOnlyPolicy/tfplan.json", CHECK_ID)

    # Then the document is resolved through the plan: no policy, or a policy without the deny, fails
    assert outcome.passed == {
        "aws_s3_bucket.pass",
        "aws_s3_bucket_policy.pass",
        "aws_s3_bucket.pass_composed",
        "aws_s3_bucket_policy.pass_composed",
        # indexed: the bucket found by its planned name, each policy's own document instance followed
        "aws_s3_bucket.pass_indexed_a",
        "aws_s3_bucket.pass_indexed_b",
        'aws_s3_bucket_policy.indexed["a"]',
        'aws_s3_bucket_policy.indexed["b"]',
    }
    assert outcome.failed == {
        "aws_s3_bucket.fail_no_policy",
        "aws_s3_bucket.fail_policy_without_tls_deny",
        "aws_s3_bucket_policy.fail_policy_without_tls_deny",
        "aws_s3_bucket.fail_indexed",
        'aws_s3_bucket_policy.indexed_no_deny["c"]',
    }
    assert outcome.failed_ids == {CHECK_ID}
    assert_clean(outcome)

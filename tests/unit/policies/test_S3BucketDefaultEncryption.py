"""CKV_TTH_11 (S3BucketDefaultEncryption): every bucket has a default-encryption configuration."""

from __future__ import annotations

from conftest import assert_clean, scan_hcl, scan_plan

CHECK_ID = "CKV_TTH_11"


def test_s3_bucket_default_encryption_plan_exact_results() -> None:
    # Given a plan with two encrypted buckets and one without an encryption configuration
    outcome = scan_plan("example_S3BucketDefaultEncryption/tfplan.json", CHECK_ID)

    # Then the bucket without a companion configuration fails; the configurations pass on their own
    assert outcome.passed == {
        "aws_s3_bucket.pass",
        "aws_s3_bucket.pass_sse_s3",
        "aws_s3_bucket_server_side_encryption_configuration.pass",
        "aws_s3_bucket_server_side_encryption_configuration.pass_sse_s3",
    }
    assert outcome.failed == {"aws_s3_bucket.fail_no_encryption_configuration"}
    assert outcome.failed_ids == {CHECK_ID}
    assert_clean(outcome)


def test_s3_bucket_default_encryption_hcl_judges_configurations_only() -> None:
    # Given the HCL, where a bucket cannot see its companion resources
    outcome = scan_hcl("example_S3BucketDefaultEncryption", CHECK_ID)

    # Then only the encryption configurations are judged
    assert outcome.passed == {
        "aws_s3_bucket_server_side_encryption_configuration.pass",
        "aws_s3_bucket_server_side_encryption_configuration.pass_sse_s3",
    }
    assert outcome.failed == set()
    assert_clean(outcome)

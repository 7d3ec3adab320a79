# LocalStack: CloudTrail is LocalStack Pro, so the run sends it to moto
# (harness.localstack.MOTO_SERVICES); moto's CreateTrail checks the bucket in
# its own S3, but the log bucket lives in LocalStack's S3, so the trail cannot
# be created across the two emulators. Not applied in the LocalStack run;
# nothing references it. The moto run applies and audits it; production keeps
# it (cloudtrail.tf).

resource "aws_cloudtrail" "dynamodb" {
  count = 0
}

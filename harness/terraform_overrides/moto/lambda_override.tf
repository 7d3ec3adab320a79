# moto: Lambda accepts dead_letter_config and drops it on read, which would
# plan an update forever. The block is still sent on create (see lambda.tf);
# only the read-back is ignored in the emulator run.

resource "aws_lambda_function" "function" {
  lifecycle {
    ignore_changes = [dead_letter_config]
  }
}

# moto serves Service Quotas for VPC only, so the Lambda concurrency quota
# cannot be read there; the emulator run assumes AWS's default quota (1000).
# Production reads the account's real quota (lambda.tf).
data "aws_servicequotas_service_quota" "lambda_concurrency" {
  count = 0
}

locals {
  lambda_concurrency_quota = 1000
}

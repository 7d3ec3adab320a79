# CKV_TTH_15: log groups encrypted with KMS.

# pass
resource "aws_cloudwatch_log_group" "pass" {
  name              = "/aws/lambda/tickets-to-heaven-prod-orders"
  retention_in_days = 30
  kms_key_id        = aws_kms_key.logs.arn
}

# fail
resource "aws_cloudwatch_log_group" "fail" {
  name              = "/aws/lambda/tickets-to-heaven-prod-fulfillment"
  retention_in_days = 30
}

# CKV_TTH_16: SQS queues encrypted with a customer-managed KMS key.

# pass
resource "aws_sqs_queue" "pass" {
  name              = "fulfillment"
  kms_master_key_id = aws_kms_key.messaging.arn
}

# fail
resource "aws_sqs_queue" "fail_sqs_managed_sse" {
  name                    = "fulfillment-dlq"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "fail_aws_managed_alias" {
  name              = "other"
  kms_master_key_id = "alias/aws/sqs"
}

# The fulfillment queue decouples payment from the partner API: retries with
# backoff (visibility timeout), a DLQ after FULFILLMENT_MAX_ATTEMPTS receives.
# A second DLQ keeps failed asynchronous invocations (the sweeper's schedule;
# lambda.tf says why every function has it).

resource "aws_sqs_queue" "fulfillment_dlq" {
  name                      = "${local.name_prefix}-fulfillment-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum: time to investigate and redrive
  kms_master_key_id         = aws_kms_key.regional["main"].arn
}

resource "aws_sqs_queue" "fulfillment" {
  name = "${local.name_prefix}-fulfillment"
  # AWS's guidance for Lambda event sources: six times the function timeout.
  visibility_timeout_seconds = 6 * local.fulfillment_timeout_seconds
  message_retention_seconds  = 345600 # 4 days
  kms_master_key_id          = aws_kms_key.regional["main"].arn

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.fulfillment_dlq.arn
    maxReceiveCount     = var.fulfillment_max_attempts
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "fulfillment_dlq" {
  queue_url = aws_sqs_queue.fulfillment_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.fulfillment.arn]
  })
}

resource "aws_sqs_queue" "lambda_dlq" {
  name                      = "${local.name_prefix}-lambda-async-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum
  kms_master_key_id         = aws_kms_key.regional["main"].arn
}

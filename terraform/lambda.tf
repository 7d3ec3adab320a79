# Packages come from scripts/build_lambdas.py (deterministic zips: same
# sources, same bytes, same hash, so a plan without source changes is quiet).

# The account's concurrent-executions quota. Lambda refuses a reservation
# that leaves less than 100 unreserved, and a new account's quota is often
# 10: without this read the apply would fail midway, after half the stack.
data "aws_servicequotas_service_quota" "lambda_concurrency" {
  service_code = "lambda"
  quota_code   = "L-B99A9384" # Concurrent executions
}

locals {
  lambda_concurrency_quota            = data.aws_servicequotas_service_quota.lambda_concurrency.value
  lambda_reserved_concurrency_total   = sum([for fn in local.functions : fn.reserved_concurrency])
  lambda_unreserved_concurrency_floor = 100 # Lambda keeps this much unreserved (PutFunctionConcurrency)
}

resource "aws_lambda_function" "function" {
  # checkov:skip=CKV_AWS_117: The functions call only AWS APIs and public HTTPS APIs (Stripe, the partner); a VPC would add NAT gateways and endpoints and no control, since access is governed by IAM.
  # checkov:skip=CKV_AWS_272: Packages are built reproducibly from the reviewed commit and deployed by the same pipeline; AWS Signer is not part of this stack yet (README: known gaps).
  for_each = local.functions

  function_name = local.function_names[each.key]
  description   = each.value.description
  role          = aws_iam_role.function[each.key].arn

  filename         = "${local.lambda_packages_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${local.lambda_packages_dir}/${each.key}.zip")
  handler          = each.value.handler
  runtime          = "python3.13"
  architectures    = [var.lambda_architecture]

  memory_size                    = each.value.memory_size
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.reserved_concurrency

  # The environment holds only resource names (docs/contracts.md), so this
  # key guards nothing secret; it is the main key (no extra key, no extra
  # cost), which keeps CKV_AWS_173 / CKV_TTH_18 passing without a skip. A
  # secret value must never go here: it belongs in secrets.tf or parameters.tf.
  kms_key_arn = aws_kms_key.regional["main"].arn

  environment {
    variables = merge(
      local.lambda_common_environment,
      { POWERTOOLS_SERVICE_NAME = each.key },
      local.function_environment[each.key],
    )
  }

  # Keeps the event of a failed asynchronous invocation: the sweeper's
  # schedule invokes it that way, so a sweep that fails three times lands
  # here and is alarmed (cloudwatch.tf). API Gateway and the SQS mapping
  # invoke the other three synchronously; they get the same queue so that an
  # operator's `--invocation-type Event` retry of them is not lost either.
  dead_letter_config {
    target_arn = aws_sqs_queue.lambda_dlq.arn
  }

  tracing_config {
    mode = "Active"
  }

  # The log group must exist first (else Lambda creates one without
  # retention or KMS), and the role must be able to write to it and to the
  # DLQ (Lambda checks the DLQ permission at create time).
  depends_on = [
    aws_cloudwatch_log_group.function,
    aws_iam_role_policy.function,
  ]

  lifecycle {
    precondition {
      condition     = local.lambda_concurrency_quota - local.lambda_reserved_concurrency_total >= local.lambda_unreserved_concurrency_floor
      error_message = "The functions reserve ${local.lambda_reserved_concurrency_total} concurrent executions, but the account's Lambda quota (L-B99A9384) is ${local.lambda_concurrency_quota} and Lambda keeps ${local.lambda_unreserved_concurrency_floor} unreserved: request a quota of at least ${local.lambda_reserved_concurrency_total + local.lambda_unreserved_concurrency_floor} in Service Quotas, or lower fulfillment_reserved_concurrency."
    }
  }
}

resource "aws_lambda_event_source_mapping" "fulfillment" {
  event_source_arn = aws_sqs_queue.fulfillment.arn
  function_name    = aws_lambda_function.function["fulfillment"].arn

  # Sized so that a whole batch fits in the function timeout (locals.tf).
  batch_size                         = local.fulfillment_batch_size
  maximum_batching_window_in_seconds = 5
  # Failed records return to the queue alone; the rest of the batch is deleted.
  function_response_types = ["ReportBatchItemFailures"]

  # Pollers never exceed the reserved concurrency, so SQS messages are not
  # throttled into the DLQ.
  scaling_config {
    maximum_concurrency = var.fulfillment_reserved_concurrency
  }
}

# The sweeper (money invariant): every 5 minutes, so an order is found at
# most 5 minutes after its state's bound (lambda_src/README.md).
resource "aws_cloudwatch_event_rule" "sweeper" {
  name                = "${local.name_prefix}-sweeper"
  description         = "Runs ${local.function_names["sweeper"]}: orders past their state's bound."
  schedule_expression = "rate(5 minutes)"
}

resource "aws_cloudwatch_event_target" "sweeper" {
  rule = aws_cloudwatch_event_rule.sweeper.name
  arn  = aws_lambda_function.function["sweeper"].arn

  # A missed run is covered by the next one; failed async invocations go to
  # the function's dead_letter_config.
  retry_policy {
    maximum_event_age_in_seconds = 300
    maximum_retry_attempts       = 0
  }
}

resource "aws_lambda_permission" "sweeper_schedule" {
  statement_id  = "AllowSweeperSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["sweeper"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweeper.arn
}

# One role per function. Each statement names the exact ARNs the function
# touches: shared statements (logs, tracing, configuration, async DLQ, the
# main key through services) from function_base, the function's own from its
# access entry in local.functions (main.tf), merged into one document.

locals {
  dynamodb_item_read  = ["dynamodb:GetItem"]
  dynamodb_item_write = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
  # Only the orders function creates orders; the others move their state.
  dynamodb_item_update = ["dynamodb:UpdateItem"]
  # What the Powertools idempotency layer calls.
  dynamodb_idempotency = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]

  config_parameter_arn = "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.config_parameter_path}"

  # The queues an access entry (main.tf) may name.
  queue_arns = {
    fulfillment     = aws_sqs_queue.fulfillment.arn
    fulfillment_dlq = aws_sqs_queue.fulfillment_dlq.arn
  }
}

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Confused-deputy guard: only Lambda acting for this account assumes the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = local.function_names[each.key]
  description        = "Execution role of ${local.function_names[each.key]}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "function_base" {
  for_each = local.functions

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  # X-Ray has no resource-level permissions: "*" is the only resource AWS
  # accepts for these two actions.
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }

  # The functions read their parameters with one recursive GetParametersByPath,
  # which is authorised against the path itself.
  statement {
    sid       = "ReadConfigParameters"
    actions   = ["ssm:GetParametersByPath"]
    resources = [local.config_parameter_arn]
  }

  statement {
    sid       = "SendFailedAsyncInvocationsToDlq"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.lambda_dlq.arn]
  }

  statement {
    sid       = "UseMainKeyThroughServices"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "dynamodb.${var.region}.amazonaws.com",
        "lambda.${var.region}.amazonaws.com",
        "secretsmanager.${var.region}.amazonaws.com",
        "sqs.${var.region}.amazonaws.com",
      ]
    }
  }
}

# Each function's own statements, from its access entry in local.functions
# (main.tf): one statement per table, queue and PII entry, one for its secrets,
# two for its SecureString parameters.
data "aws_iam_policy_document" "function" {
  for_each = local.functions

  source_policy_documents = [data.aws_iam_policy_document.function_base[each.key].json]

  dynamic "statement" {
    for_each = each.value.access.tables

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = [aws_dynamodb_table.shop[statement.value.table].arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.access.queues

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = [local.queue_arns[statement.value.queue]]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.access.secrets) > 0 ? [each.value.access.secrets] : []

    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [for key in statement.value : aws_secretsmanager_secret.runtime[key].arn]
    }
  }

  # SecureString parameters (parameters.tf): GetParameter with decryption,
  # and KMS only through SSM and only for those parameters.
  dynamic "statement" {
    for_each = length(each.value.access.parameters) > 0 ? [each.value.access.parameters] : []

    content {
      sid       = "ReadSecureParameters"
      actions   = ["ssm:GetParameter"]
      resources = [for key in statement.value : aws_ssm_parameter.secure[key].arn]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.access.parameters) > 0 ? [each.value.access.parameters] : []

    content {
      sid       = "DecryptSecureParameters"
      actions   = ["kms:Decrypt"]
      resources = [aws_kms_key.main.arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${var.region}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:PARAMETER_ARN"
        values   = [for key in statement.value : aws_ssm_parameter.secure[key].arn]
      }
    }
  }

  # PII fields (lambda_src/shop/crypto.py): KMS Encrypt/Decrypt called directly, on the main key, only for
  # the listed fields of an order (encryption context tth:field, tth:order) and with no other context key,
  # so these grants cannot decrypt what a service (Secrets Manager, SQS, ...) encrypted with the same key.
  dynamic "statement" {
    for_each = each.value.access.pii

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = [aws_kms_key.main.arn]

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:tth:field"
        values   = statement.value.fields
      }

      condition {
        test     = "Null"
        variable = "kms:EncryptionContext:tth:order"
        values   = ["false"]
      }

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "kms:EncryptionContextKeys"
        values   = ["tth:field", "tth:order"]
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

################################################################################
# API Gateway's account-wide CloudWatch role (execution and access logs),
# created only when the stack manages the account setting (api_gateway.tf)
################################################################################

locals {
  api_gateway_account_managed = var.api_gateway_account_role_arn == null
}

data "aws_iam_policy_document" "api_gateway_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }

    # Confused-deputy guard: only API Gateway acting for this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  # On/off switch with the account setting.
  count = local.api_gateway_account_managed ? 1 : 0

  name               = "${local.name_prefix}-apigw-cloudwatch"
  description        = "Lets API Gateway write the shop API's execution and access logs"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume_role.json
}

# Scoped to the shop API's execution and access log groups (created in
# cloudwatch.tf) instead of the AWS managed AmazonAPIGatewayPushToCloudWatchLogs
# (logs:* on *): API Gateway writes both with this role. The account setting is
# regional and shared: this assumes the account serves only this shop, as the
# project's one production environment does.
data "aws_iam_policy_document" "api_gateway_cloudwatch" {
  statement {
    sid = "WriteExecutionAndAccessLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      "${aws_cloudwatch_log_group.api_execution.arn}:*",
      "${aws_cloudwatch_log_group.api_access.arn}:*",
    ]
  }

  # DescribeLogGroups has no resource-level permissions (IAM service
  # reference): only "*" grants it. API Gateway calls it to find the group
  # it writes to.
  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "api_gateway_cloudwatch" {
  # On/off switch with the account setting.
  count = local.api_gateway_account_managed ? 1 : 0

  name   = "execution-logs"
  role   = aws_iam_role.api_gateway_cloudwatch[0].id
  policy = data.aws_iam_policy_document.api_gateway_cloudwatch.json
}

################################################################################
# CloudTrail's role for the DynamoDB data-event log group (cloudtrail.tf)
################################################################################

data "aws_iam_policy_document" "cloudtrail_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    # Confused-deputy guard: only this stack's trail.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.dynamodb_trail_arn]
    }
  }
}

resource "aws_iam_role" "cloudtrail_logs" {
  name               = "${local.name_prefix}-cloudtrail-logs"
  description        = "Lets CloudTrail write the DynamoDB data events to CloudWatch Logs"
  assume_role_policy = data.aws_iam_policy_document.cloudtrail_assume_role.json
}

data "aws_iam_policy_document" "cloudtrail_logs" {
  statement {
    sid       = "WriteDataEvents"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.dynamodb.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "cloudtrail_logs" {
  name   = "data-event-logs"
  role   = aws_iam_role.cloudtrail_logs.id
  policy = data.aws_iam_policy_document.cloudtrail_logs.json
}

# One role per function. Each statement names the exact ARNs the function
# touches: shared statements (logs, tracing, configuration, async DLQ, the
# main key through services) from function_base, the function's own from its
# access entry in local.functions (main.tf), merged into one document.
# The secrets key's policy (kms.tf) lets each role decrypt its own secrets:
# that key delegates no use to IAM, so no statement here could.

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

# Who may assume each service role, with a confused-deputy guard: only the
# service acting for this account and, where it names one, for this stack's
# resource (CloudTrail: the trail).
locals {
  service_role_trust = {
    lambda      = { service = "lambda.amazonaws.com", source_arns = [] }
    api_gateway = { service = "apigateway.amazonaws.com", source_arns = [] }
    cloudtrail  = { service = "cloudtrail.amazonaws.com", source_arns = [local.dynamodb_trail_arn] }
  }
}

data "aws_iam_policy_document" "assume_role" {
  for_each = local.service_role_trust

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    dynamic "condition" {
      for_each = length(each.value.source_arns) > 0 ? [each.value.source_arns] : []

      content {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = local.function_names[each.key]
  description        = "Execution role of ${local.function_names[each.key]}"
  assume_role_policy = data.aws_iam_policy_document.assume_role["lambda"].json
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
    resources = [aws_kms_key.regional["main"].arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "dynamodb.${var.region}.amazonaws.com",
        "lambda.${var.region}.amazonaws.com",
        "sqs.${var.region}.amazonaws.com",
      ]
    }
  }
}

# Each function's own statements, from its access entry in local.functions
# (main.tf): one per table and queue entry, one for its secrets, one for its
# SecureString parameters (GetParameter with decryption), all of one shape;
# and KMS for those parameters, only through SSM and only for them.
locals {
  function_statements = {
    for key, fn in local.functions : key => concat(
      [for sid, entry in fn.access.tables : { sid = sid, actions = entry.actions, resources = [aws_dynamodb_table.shop[entry.table].arn] }],
      [for sid, entry in fn.access.queues : { sid = sid, actions = entry.actions, resources = [local.queue_arns[entry.queue]] }],
      [for secrets in [fn.access.secrets] : {
        sid       = "ReadSecrets"
        actions   = ["secretsmanager:GetSecretValue"]
        resources = [for secret in secrets : aws_secretsmanager_secret.runtime[secret].arn]
      } if length(secrets) > 0],
      [for parameters in [fn.access.parameters] : {
        sid       = "ReadSecureParameters"
        actions   = ["ssm:GetParameter"]
        resources = [for parameter in parameters : aws_ssm_parameter.secure[parameter].arn]
      } if length(parameters) > 0],
    )
  }
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  source_policy_documents = [data.aws_iam_policy_document.function_base[each.key].json]

  dynamic "statement" {
    for_each = local.function_statements[each.key]

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = length(each.value.access.parameters) > 0 ? [[for parameter in each.value.access.parameters : aws_ssm_parameter.secure[parameter].arn]] : []

    content {
      sid       = "DecryptSecureParameters"
      actions   = ["kms:Decrypt"]
      resources = [aws_kms_key.regional["main"].arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${var.region}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:PARAMETER_ARN"
        values   = statement.value
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
      resources = [aws_kms_key.regional["main"].arn]

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

resource "aws_iam_role" "api_gateway_cloudwatch" {
  # On/off switch with the account setting.
  count = local.api_gateway_account_managed ? 1 : 0

  name               = "${local.name_prefix}-apigw-cloudwatch"
  description        = "Lets API Gateway write the shop API's execution and access logs"
  assume_role_policy = data.aws_iam_policy_document.assume_role["api_gateway"].json
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
      "${aws_cloudwatch_log_group.service["api_execution"].arn}:*",
      "${aws_cloudwatch_log_group.service["api_access"].arn}:*",
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

resource "aws_iam_role" "cloudtrail_logs" {
  name               = "${local.name_prefix}-cloudtrail-logs"
  description        = "Lets CloudTrail write the DynamoDB data events to CloudWatch Logs"
  assume_role_policy = data.aws_iam_policy_document.assume_role["cloudtrail"].json
}

data "aws_iam_policy_document" "cloudtrail_logs" {
  statement {
    sid       = "WriteDataEvents"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.service["dynamodb"].arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "cloudtrail_logs" {
  name   = "data-event-logs"
  role   = aws_iam_role.cloudtrail_logs.id
  policy = data.aws_iam_policy_document.cloudtrail_logs.json
}

# Log groups (created before their writers, with retention and the CMK),
# alarms to the encrypted SNS topic, and one dashboard.

################################################################################
# Log groups
################################################################################

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.regional["main"].arn
}

locals {
  # The services' own log groups, created here so they get retention and the
  # CMK before their writer makes one without.
  service_log_groups = {
    api_access = "/aws/apigateway/${local.name_prefix}-api/access"
    # The name API Gateway writes execution logs to.
    api_execution = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.api.id}/${local.api_stage_name}"
    # DynamoDB writes no logs itself: its item-level data events come from
    # the CloudTrail trail in cloudtrail.tf.
    dynamodb = "/aws/dynamodb/${local.name_prefix}/data-events"
  }
}

resource "aws_cloudwatch_log_group" "service" {
  for_each = local.service_log_groups

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.regional["main"].arn
}

################################################################################
# Alarms
################################################################################

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]

  # Item operations the functions call (iam.tf); single-digit ms is normal.
  dynamodb_operations           = ["GetItem", "PutItem", "UpdateItem"]
  dynamodb_latency_threshold_ms = 100

  dead_letter_queues = {
    fulfillment_dlq = aws_sqs_queue.fulfillment_dlq.name
    lambda_dlq      = aws_sqs_queue.lambda_dlq.name
  }

  # What an alarm on one metric sets unless its entry says otherwise.
  metric_alarm_defaults = {
    stat      = "Sum", period = 300, evaluation_periods = 1, datapoints_to_alarm = null
    threshold = 1, comparison = "GreaterThanOrEqualToThreshold"
  }

  # Every alarm on a single metric: key => { name, description, namespace,
  # metric, dimensions } and what differs from the defaults above. A stat
  # "pNN" is a percentile (an extended statistic).
  metric_alarm_entries = merge(
    # Any unhandled error or throttle of a function is worth a page; a p99
    # duration near the timeout, or concurrency near the reservation, pages
    # before the function fails or throttles.
    merge([
      for key, fn in local.functions : {
        for suffix, alarm in {
          errors      = { metric = "Errors", description = "${local.function_names[key]} raised unhandled errors." }
          throttles   = { metric = "Throttles", description = "${local.function_names[key]} hit its reserved concurrency." }
          duration    = { metric = "Duration", description = "p99 duration of ${local.function_names[key]} above 80% of its timeout.", stat = "p99", evaluation_periods = 3, threshold = fn.timeout * 1000 * 0.8, comparison = "GreaterThanThreshold" }
          concurrency = { metric = "ConcurrentExecutions", description = "${local.function_names[key]} used more than 80% of its ${fn.reserved_concurrency} reserved executions.", stat = "Maximum", period = 60, evaluation_periods = 5, datapoints_to_alarm = 3, threshold = floor(fn.reserved_concurrency * 0.8), comparison = "GreaterThanThreshold" }
        } :
        "${key}/${suffix}" => merge(alarm, {
          name       = "${local.function_names[key]}-function-${suffix}"
          namespace  = "AWS/Lambda"
          dimensions = { FunctionName = aws_lambda_function.function[key].function_name }
        })
      }
    ]...),
    {
      for suffix, alarm in {
        "5xx"   = { metric = "5XXError", description = "The shop API answered 5xx.", threshold = 5 }
        latency = { metric = "Latency", description = "p95 latency of the shop API above 3 s.", stat = "p95", evaluation_periods = 3, threshold = 3000, comparison = "GreaterThanThreshold" }
      } :
      "api/${suffix}" => merge(alarm, {
        name       = "${local.name_prefix}-api-${suffix}"
        namespace  = "AWS/ApiGateway"
        dimensions = { ApiName = aws_api_gateway_rest_api.api.name, Stage = aws_api_gateway_stage.api.stage_name }
      })
    },
    {
      for key, queue in local.dead_letter_queues : "${key}/not_empty" => {
        name      = "${queue}-not-empty", description = "Messages are waiting in ${queue}: investigate, then redrive."
        namespace = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = queue }, stat = "Maximum"
      }
    },
    {
      "fulfillment/oldest_message" = {
        name      = "${aws_sqs_queue.fulfillment.name}-oldest-message", description = "A paid order has waited more than 15 minutes for fulfillment."
        namespace = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", dimensions = { QueueName = aws_sqs_queue.fulfillment.name }
        stat      = "Maximum", threshold = 900, comparison = "GreaterThanThreshold"
      }
    },
  )
  metric_alarms = { for key, alarm in local.metric_alarm_entries : key => merge(local.metric_alarm_defaults, alarm) }
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.metric_alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.stat, "p") ? null : each.value.stat
  extended_statistic  = startswith(each.value.stat, "p") ? each.value.stat : null
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Every request path reads or writes a table item: slow items are slow
# checkouts. One alarm per table over the operations the functions use.
resource "aws_cloudwatch_metric_alarm" "table_latency" {
  for_each = aws_dynamodb_table.shop

  alarm_name          = "${each.value.name}-latency"
  alarm_description   = "p99 item latency of ${each.value.name} above ${local.dynamodb_latency_threshold_ms} ms."
  evaluation_periods  = 3
  threshold           = local.dynamodb_latency_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "slowest"
    expression  = "MAX([${join(", ", [for op in local.dynamodb_operations : lower(op)])}])"
    label       = "Slowest operation p99 (ms)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = toset(local.dynamodb_operations)

    content {
      id = lower(metric_query.value)

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SuccessfulRequestLatency"
        dimensions  = { TableName = each.value.name, Operation = metric_query.value }
        stat        = "p99"
        period      = 300
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "table_throttles" {
  for_each = aws_dynamodb_table.shop

  alarm_name          = "${each.value.name}-table-throttles"
  alarm_description   = "Requests to ${each.value.name} were throttled."
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "throttles"
    expression  = "reads + writes"
    label       = "Throttled requests"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { reads = "ReadThrottleEvents", writes = "WriteThrottleEvents" }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = metric_query.value
        dimensions  = { TableName = each.value.name }
        stat        = "Sum"
        period      = 300
      }
    }
  }
}

################################################################################
# Business-metric alarms (the money invariant, lambda_src/README.md)
################################################################################

locals {
  metrics_namespace = local.lambda_common_environment.POWERTOOLS_METRICS_NAMESPACE

  # Each alarm sums one custom metric over the functions (dimension service)
  # that emit it. The description is the runbook line (terraform/README.md).
  business_alarms = {
    fulfillment_failed = {
      metric      = "FulfillmentFailed"
      services    = ["fulfillment"]
      threshold   = 1
      description = "A paid order could not be fulfilled (refunded automatically, or FULFILLMENT_FAILED for review). Read the fulfillment log's failure_reason; fix the partner; with auto-refund off run scripts/redrive.py."
    }
    fulfillment_auth_failed = {
      metric      = "FulfillmentAuthFailed"
      services    = ["fulfillment"]
      threshold   = 1
      description = "The partner answered 401/403: the fulfillment API key is wrong or mid-rotation. Put the right key with scripts/put_secrets.py before the retries run out (about 13 minutes)."
    }
    fulfillment_retried = {
      metric      = "FulfillmentRetried"
      services    = ["fulfillment"]
      threshold   = 10
      description = "Many partner calls failed and are being retried: the partner is degraded. Check its status; orders are refunded after the last attempt."
    }
    fulfillment_errors = {
      metric      = "FulfillmentErrors"
      services    = ["fulfillment"]
      threshold   = 1
      description = "The fulfillment worker failed unexpectedly (bug or AWS fault). Read the ERROR line (error_chain) in its log; the sweeper re-enqueues stuck orders."
    }
    refund_failed = {
      metric      = "RefundFailed"
      services    = ["fulfillment", "stripe_webhook"]
      threshold   = 1
      description = "A refund failed: a customer paid and gets neither tickets nor money. Open the order (REFUND_FAILED, refund_failure_reason) and the payment in Stripe; refund again or pay back another way."
    }
    needs_review = {
      metric      = "OrdersNeedReview"
      services    = ["stripe_webhook"]
      threshold   = 1
      description = "A payment did not match its order (amount, currency or PaymentIntent): the order is NEEDS_REVIEW. Compare in Stripe; refund it there (the webhook settles the order)."
    }
    orders_past_bound = {
      metric      = "OrdersPastBound"
      services    = ["sweeper"]
      threshold   = 1
      description = "Orders are past their state's bound (money invariant, lambda_src/README.md). The sweeper log lists them by state; PAID/FULFILLING/REFUNDING were re-enqueued, the others need a person."
    }
    tickets_after_refund = {
      metric      = "TicketsIssuedAfterRefund"
      services    = ["fulfillment"]
      threshold   = 1
      description = "Tickets were issued for an order that was refunded meanwhile (tickets_issued_after_refund). Cancel them at the partner."
    }
    disputes = {
      metric      = "PaymentsDisputed"
      services    = ["stripe_webhook"]
      threshold   = 1
      description = "A payment is disputed (flags.disputed). Answer the dispute in Stripe with the order's tickets as evidence."
    }
    partial_refunds = {
      metric      = "OrdersPartiallyRefunded"
      services    = ["stripe_webhook"]
      threshold   = 1
      description = "A payment was partly refunded in Stripe (flags.partially_refunded): the order keeps its tickets. Check that this was intended."
    }
    disputes_lost = {
      metric      = "DisputesLost"
      services    = ["stripe_webhook"]
      threshold   = 1
      description = "A dispute was lost (flags.dispute_closed): the money is gone. Cancel the order's tickets at the partner."
    }
    webhook_release_failed = {
      metric      = "WebhookReleaseFailed"
      services    = ["stripe_webhook"]
      threshold   = 1
      description = "A webhook failed and its claim could not be released (DynamoDB fault). Stripe's retry is processed once the 2-minute lease expires; check the events table's health."
    }
    webhook_signature_failures = {
      metric      = "WebhookSignatureInvalid"
      services    = ["stripe_webhook"]
      threshold   = 10
      description = "More than 10 webhook calls with a bad signature in 5 minutes: the signing secret is stale (re-run scripts/put_secrets.py with the endpoint's secret) or someone probes the endpoint."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "business" {
  for_each = local.business_alarms

  alarm_name          = "${local.name_prefix}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "total"
    expression  = join(" + ", [for index, _ in each.value.services : "m${index}"])
    label       = each.value.metric
    return_data = true
  }

  # One query per function that emits the metric (the list differs per alarm).
  dynamic "metric_query" {
    for_each = each.value.services

    content {
      id = "m${metric_query.key}"

      metric {
        namespace   = local.metrics_namespace
        metric_name = each.value.metric
        dimensions  = { service = metric_query.value }
        stat        = "Sum"
        period      = 300
      }
    }
  }
}

################################################################################
# Dashboard
################################################################################

locals {
  dashboard_function_metrics = {
    for metric in ["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"] : metric => [
      for key in keys(local.functions) : ["AWS/Lambda", metric, "FunctionName", local.function_names[key]]
    ]
  }
  dashboard_table_metrics = {
    for metric in ["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"] : metric => [
      for table in aws_dynamodb_table.shop : ["AWS/DynamoDB", metric, "TableName", table.name]
    ]
  }
  dashboard_api_dimensions = ["ApiName", aws_api_gateway_rest_api.api.name, "Stage", local.api_stage_name]

  # The dashboard, row by row: the widgets of a row share its 24 columns
  # equally, every widget is 6 high. Each is { title, stat, period, metrics }.
  dashboard_rows = [
    [
      { title = "Lambda invocations", stat = "Sum", period = 300, metrics = local.dashboard_function_metrics["Invocations"] },
      { title = "Lambda errors", stat = "Sum", period = 300, metrics = local.dashboard_function_metrics["Errors"] },
      { title = "Lambda throttles", stat = "Sum", period = 300, metrics = local.dashboard_function_metrics["Throttles"] },
    ],
    [
      {
        title   = "API requests and errors", stat = "Sum", period = 300
        metrics = [for metric in ["Count", "4XXError", "5XXError"] : concat(["AWS/ApiGateway", metric], local.dashboard_api_dimensions)]
      },
      {
        title   = "API latency p95", stat = "p95", period = 300
        metrics = [for metric in ["Latency", "IntegrationLatency"] : concat(["AWS/ApiGateway", metric], local.dashboard_api_dimensions)]
      },
      {
        title = "Fulfillment queue", stat = "Maximum", period = 300
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.fulfillment.name],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.fulfillment.name, { yAxis = "right" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.fulfillment_dlq.name],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.lambda_dlq.name],
        ]
      },
    ],
    [
      { title = "Lambda duration p95", stat = "p95", period = 300, metrics = local.dashboard_function_metrics["Duration"] },
      { title = "Lambda concurrent executions", stat = "Maximum", period = 60, metrics = local.dashboard_function_metrics["ConcurrentExecutions"] },
    ],
    [
      { title = "DynamoDB consumed read capacity", stat = "Sum", period = 300, metrics = local.dashboard_table_metrics["ConsumedReadCapacityUnits"] },
      { title = "DynamoDB consumed write capacity", stat = "Sum", period = 300, metrics = local.dashboard_table_metrics["ConsumedWriteCapacityUnits"] },
      {
        title = "DynamoDB item latency p99 (ms)", stat = "p99", period = 300
        metrics = [
          for pair in setproduct(values(aws_dynamodb_table.shop), local.dynamodb_operations) :
          ["AWS/DynamoDB", "SuccessfulRequestLatency", "TableName", pair[0].name, "Operation", pair[1]]
        ]
      },
    ],
    [
      {
        title = "DynamoDB throttled requests", stat = "Sum", period = 300
        metrics = [
          for pair in setproduct(["ReadThrottleEvents", "WriteThrottleEvents"], values(aws_dynamodb_table.shop)) :
          ["AWS/DynamoDB", pair[0], "TableName", pair[1].name]
        ]
      },
    ],
  ]

  dashboard_widgets = flatten([
    for row, widgets in local.dashboard_rows : [
      for column, widget in widgets : {
        type       = "metric"
        x          = column * 24 / length(widgets)
        y          = row * 6
        width      = 24 / length(widgets)
        height     = 6
        properties = merge(widget, { region = var.region })
      }
    ]
  ])
}

resource "aws_cloudwatch_dashboard" "shop" {
  dashboard_name = local.name_prefix
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}

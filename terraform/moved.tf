# Addresses that changed when copied blocks were folded into one for_each:
# a state applied before the fold keeps every object (moved, not replaced).
# A moved block names one instance (it cannot loop), hence one per address.
# They can go once every state in use has been applied past the fold.

moved {
  from = aws_cloudwatch_metric_alarm.function_count["orders/errors"]
  to   = aws_cloudwatch_metric_alarm.metric["orders/errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["orders/throttles"]
  to   = aws_cloudwatch_metric_alarm.metric["orders/throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["stripe_webhook/errors"]
  to   = aws_cloudwatch_metric_alarm.metric["stripe_webhook/errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["stripe_webhook/throttles"]
  to   = aws_cloudwatch_metric_alarm.metric["stripe_webhook/throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["fulfillment/errors"]
  to   = aws_cloudwatch_metric_alarm.metric["fulfillment/errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["fulfillment/throttles"]
  to   = aws_cloudwatch_metric_alarm.metric["fulfillment/throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["sweeper/errors"]
  to   = aws_cloudwatch_metric_alarm.metric["sweeper/errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_count["sweeper/throttles"]
  to   = aws_cloudwatch_metric_alarm.metric["sweeper/throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_duration["orders"]
  to   = aws_cloudwatch_metric_alarm.metric["orders/duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_duration["stripe_webhook"]
  to   = aws_cloudwatch_metric_alarm.metric["stripe_webhook/duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_duration["fulfillment"]
  to   = aws_cloudwatch_metric_alarm.metric["fulfillment/duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_duration["sweeper"]
  to   = aws_cloudwatch_metric_alarm.metric["sweeper/duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_concurrency["orders"]
  to   = aws_cloudwatch_metric_alarm.metric["orders/concurrency"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_concurrency["stripe_webhook"]
  to   = aws_cloudwatch_metric_alarm.metric["stripe_webhook/concurrency"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_concurrency["fulfillment"]
  to   = aws_cloudwatch_metric_alarm.metric["fulfillment/concurrency"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_concurrency["sweeper"]
  to   = aws_cloudwatch_metric_alarm.metric["sweeper/concurrency"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx
  to   = aws_cloudwatch_metric_alarm.metric["api/5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_latency
  to   = aws_cloudwatch_metric_alarm.metric["api/latency"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dlq_depth["fulfillment_dlq"]
  to   = aws_cloudwatch_metric_alarm.metric["fulfillment_dlq/not_empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dlq_depth["lambda_dlq"]
  to   = aws_cloudwatch_metric_alarm.metric["lambda_dlq/not_empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.fulfillment_oldest_message
  to   = aws_cloudwatch_metric_alarm.metric["fulfillment/oldest_message"]
}

moved {
  from = aws_cloudwatch_log_group.api_access
  to   = aws_cloudwatch_log_group.service["api_access"]
}

moved {
  from = aws_cloudwatch_log_group.api_execution
  to   = aws_cloudwatch_log_group.service["api_execution"]
}

moved {
  from = aws_cloudwatch_log_group.dynamodb
  to   = aws_cloudwatch_log_group.service["dynamodb"]
}

moved {
  from = aws_api_gateway_resource.config
  to   = aws_api_gateway_resource.section["config"]
}

moved {
  from = aws_api_gateway_resource.orders
  to   = aws_api_gateway_resource.section["orders"]
}

moved {
  from = aws_api_gateway_resource.webhooks
  to   = aws_api_gateway_resource.section["webhooks"]
}

moved {
  from = aws_api_gateway_resource.order
  to   = aws_api_gateway_resource.leaf["order"]
}

moved {
  from = aws_api_gateway_resource.stripe_webhook
  to   = aws_api_gateway_resource.leaf["stripe_webhook"]
}

moved {
  from = aws_api_gateway_request_validator.body
  to   = aws_api_gateway_request_validator.route["body"]
}

moved {
  from = aws_api_gateway_request_validator.parameters
  to   = aws_api_gateway_request_validator.route["parameters"]
}

moved {
  from = aws_kms_key.main
  to   = aws_kms_key.regional["main"]
}

moved {
  from = aws_kms_alias.main
  to   = aws_kms_alias.regional["main"]
}

moved {
  from = aws_kms_key.secrets
  to   = aws_kms_key.regional["secrets"]
}

moved {
  from = aws_kms_alias.secrets
  to   = aws_kms_alias.regional["secrets"]
}

moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = aws_s3_bucket_ownership_controls.bucket["logs"]
}

moved {
  from = aws_s3_bucket_ownership_controls.site
  to   = aws_s3_bucket_ownership_controls.bucket["site"]
}

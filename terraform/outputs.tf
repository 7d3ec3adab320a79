locals {
  site_url = "https://${local.custom_domain_enabled ? var.site_domain_name : aws_cloudfront_distribution.site.domain_name}"
}

################################################################################
# ---- site ----
################################################################################

output "cloudfront_distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.site.arn
}

output "cloudfront_distribution_id" {
  description = "Id of the CloudFront distribution (for cache invalidations after a deploy)."
  value       = aws_cloudfront_distribution.site.id
}

output "cloudfront_domain_name" {
  description = "The distribution's *.cloudfront.net name (target of the custom domain's DNS record)."
  value       = aws_cloudfront_distribution.site.domain_name
}

output "logs_bucket_name" {
  description = "Bucket receiving S3 and CloudFront access logs."
  value       = aws_s3_bucket.logs.id
}

output "security_headers" {
  description = "Headers the distribution adds to every response (HSTS, CSP, frame/referrer/content-type options, permissions policy)."
  value       = local.security_headers
}

output "site_bucket_name" {
  description = "Private bucket the built frontend (frontend/dist) is synced to."
  value       = aws_s3_bucket.site.id
}

output "site_url" {
  description = "Public URL of the shop."
  value       = local.site_url
}

output "waf_web_acl_arn" {
  description = "ARN of the CloudFront web ACL, null when waf_enabled is false."
  value       = try(aws_wafv2_web_acl.site[0].arn, null)
}

################################################################################
# ---- api_gateway ----
################################################################################

output "api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.api.id
}

output "api_invoke_url" {
  description = "Regional stage URL (requires CloudFront's API key; clients use api_url)."
  value       = aws_api_gateway_stage.api.invoke_url
}

output "api_key_id" {
  description = "Id of the API key CloudFront sends (read its value with aws apigateway get-api-key --include-value)."
  value       = aws_api_gateway_api_key.cloudfront[local.api_key_current].id
}

output "api_stage_name" {
  description = "Stage name of the REST API (also the CloudFront origin path)."
  value       = aws_api_gateway_stage.api.stage_name
}

output "api_url" {
  description = "Public base URL of the API, through CloudFront."
  value       = "${local.site_url}/api"
}

output "stripe_webhook_url" {
  description = "URL to register as the Stripe webhook endpoint."
  value       = "${local.site_url}${local.stripe_webhook_path}"
}

################################################################################
# ---- dynamodb ----
################################################################################

output "events_table_name" {
  description = "Table of processed Stripe event ids (EVENTS_TABLE_NAME)."
  value       = aws_dynamodb_table.shop["events"].name
}

output "idempotency_table_name" {
  description = "Powertools idempotency table (IDEMPOTENCY_TABLE_NAME)."
  value       = aws_dynamodb_table.shop["idempotency"].name
}

output "orders_table_name" {
  description = "Orders table (ORDERS_TABLE_NAME)."
  value       = aws_dynamodb_table.shop["orders"].name
}

################################################################################
# ---- lambda ----
################################################################################

output "function_arns" {
  description = "Function ARNs by key (orders, stripe_webhook, fulfillment, sweeper)."
  value       = { for key, fn in aws_lambda_function.function : key => fn.arn }
}

output "function_names" {
  description = "Function names by key (orders, stripe_webhook, fulfillment, sweeper)."
  value       = { for key, fn in aws_lambda_function.function : key => fn.function_name }
}

################################################################################
# ---- sqs ----
################################################################################

output "fulfillment_dlq_url" {
  description = "URL of the fulfillment dead-letter queue."
  value       = aws_sqs_queue.fulfillment_dlq.url
}

output "fulfillment_queue_url" {
  description = "URL of the fulfillment queue (FULFILLMENT_QUEUE_URL)."
  value       = aws_sqs_queue.fulfillment.url
}

output "lambda_dlq_url" {
  description = "URL of the dead-letter queue for failed asynchronous invocations."
  value       = aws_sqs_queue.lambda_dlq.url
}

################################################################################
# ---- secrets and parameters ----
################################################################################

output "config_parameter_path" {
  description = "SSM path of the shop configuration (CONFIG_PARAMETER_PATH)."
  value       = local.config_parameter_path
}

output "secure_parameter_names" {
  description = "SecureString parameter names by key (fulfillment_api_key); values put by scripts/put_secrets.py --outputs."
  value       = { for key, parameter in aws_ssm_parameter.secure : key => parameter.name }
}

output "secret_arns" {
  description = "Secret ARNs by key (stripe_secret_key, stripe_webhook_secret); read by scripts/put_secrets.py --outputs."
  value       = { for key, secret in aws_secretsmanager_secret.runtime : key => secret.arn }
}

################################################################################
# ---- operations ----
################################################################################

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the shop."
  value       = aws_cloudwatch_dashboard.shop.dashboard_name
}

output "kms_key_arn" {
  description = "ARN of the main customer-managed key."
  value       = aws_kms_key.regional["main"].arn
}

output "region" {
  description = "Region of the stack."
  value       = var.region
}

# Plan-only tests of the root module, offline with a mocked provider
# (tests/mocks/), Terraform >= 1.11. tests/fake_packages/*.zip are
# placeholders: a plan only hashes them.
#
# 1. The contract: what docs/contracts.md fixes (names, the Lambda
#    environment, table keys, SSM parameters).
# 2. Real-account guards: what a real AWS account rejects or regrets
#    although the emulator accepts it, one run per defect
#    (terraform/README.md, "Real-account guards").
# 3. Input validations: every variable validation and precondition rejects
#    bad input. A run lists each input it breaks in expect_failures, so it
#    fails when any one of them is accepted; the catalog has several rules,
#    so one run per rule.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias = "us_east_1"
}

variables {
  cloudfront_default_domain_allowed = true
  lambda_packages_dir               = "tests/fake_packages"
  stripe_publishable_key            = "pk_test_contract"
  fulfillment_api_base_url          = "https://partner.example.com"
}

################################################################################
# 1. The contract
################################################################################

run "names_follow_the_contract" {
  command = plan

  assert {
    condition = {
      for key, fn in aws_lambda_function.function : key => fn.function_name
      } == {
      orders         = "tickets-to-heaven-prod-orders"
      stripe_webhook = "tickets-to-heaven-prod-stripe-webhook"
      fulfillment    = "tickets-to-heaven-prod-fulfillment"
      sweeper        = "tickets-to-heaven-prod-sweeper"
    }
    error_message = "Function names differ from docs/contracts.md."
  }

  assert {
    condition = alltrue([
      for key, fn in aws_lambda_function.function :
      fn.handler == "${key}.handler.lambda_handler" && fn.runtime == "python3.13" && one(fn.architectures) == "arm64"
    ])
    error_message = "Handlers, runtime or architecture differ from docs/contracts.md."
  }

  assert {
    condition = toset([for p in aws_ssm_parameter.config : p.name]) == toset([
      "/tickets-to-heaven/prod/catalog",
      "/tickets-to-heaven/prod/currency",
      "/tickets-to-heaven/prod/fulfillment/api_base_url",
      "/tickets-to-heaven/prod/log_level",
      "/tickets-to-heaven/prod/stripe/api_base_url",
      "/tickets-to-heaven/prod/stripe/publishable_key",
    ])
    error_message = "SSM parameter names differ from docs/contracts.md."
  }

  assert {
    condition = toset([for s in aws_secretsmanager_secret.runtime : s.name]) == toset([
      "tickets-to-heaven-prod/stripe-secret-key",
      "tickets-to-heaven-prod/stripe-webhook-secret",
    ])
    error_message = "Secret names differ from the naming convention."
  }

  assert {
    condition = (
      aws_dynamodb_table.shop["orders"].hash_key == "order_id" &&
      aws_dynamodb_table.shop["events"].hash_key == "event_id" &&
      one(aws_dynamodb_table.shop["events"].ttl).attribute_name == "expires_at" &&
      aws_dynamodb_table.shop["idempotency"].hash_key == "id" &&
      one(aws_dynamodb_table.shop["idempotency"].ttl).attribute_name == "expiration"
    )
    error_message = "Table keys or TTL attributes differ from docs/contracts.md."
  }
}

run "environment_names_resources_only" {
  command = plan

  # Makes the redrive policy known at plan time (Terraform >= 1.11).
  override_resource {
    target          = aws_sqs_queue.fulfillment_dlq
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-east-2:123456789012:tickets-to-heaven-prod-fulfillment-dlq"
    }
  }

  assert {
    condition = keys(aws_lambda_function.function["orders"].environment[0].variables) == sort([
      "CONFIG_PARAMETER_PATH", "IDEMPOTENCY_TABLE_NAME", "ORDERS_TABLE_NAME", "PII_KMS_KEY_ID",
      "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME", "STRIPE_SECRET_KEY_SECRET_ID",
    ])
    error_message = "orders environment differs from the contract."
  }

  assert {
    condition = keys(aws_lambda_function.function["stripe_webhook"].environment[0].variables) == sort([
      "CONFIG_PARAMETER_PATH", "EVENTS_TABLE_NAME", "FULFILLMENT_QUEUE_URL", "ORDERS_TABLE_NAME",
      "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME", "STRIPE_SECRET_KEY_SECRET_ID",
      "STRIPE_WEBHOOK_SECRET_ID",
    ])
    error_message = "stripe_webhook environment differs from the contract."
  }

  assert {
    condition = keys(aws_lambda_function.function["fulfillment"].environment[0].variables) == sort([
      "AUTO_REFUND_FAILED_FULFILLMENT", "CONFIG_PARAMETER_PATH", "FULFILLMENT_API_KEY_PARAMETER", "FULFILLMENT_DLQ_URL",
      "FULFILLMENT_MAX_ATTEMPTS", "IDEMPOTENCY_TABLE_NAME", "ORDERS_TABLE_NAME", "PII_KMS_KEY_ID", "POWERTOOLS_LOG_LEVEL",
      "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME", "STRIPE_MAX_NETWORK_RETRIES", "STRIPE_SECRET_KEY_SECRET_ID",
    ])
    error_message = "fulfillment environment differs from the contract."
  }

  assert {
    condition = (
      aws_lambda_function.function["fulfillment"].environment[0].variables.FULFILLMENT_MAX_ATTEMPTS ==
      tostring(jsondecode(aws_sqs_queue.fulfillment.redrive_policy).maxReceiveCount)
    )
    error_message = "FULFILLMENT_MAX_ATTEMPTS must equal the queue's maxReceiveCount."
  }

  assert {
    condition     = aws_lambda_function.function["orders"].environment[0].variables.CONFIG_PARAMETER_PATH == "/tickets-to-heaven/prod"
    error_message = "CONFIG_PARAMETER_PATH differs from docs/contracts.md."
  }
}

# The partner's key: a SecureString under the main key (its value is
# write-only, so a plan cannot show it), readable by the fulfillment role alone.
run "partner_key_is_a_secure_string_only_fulfillment_reads" {
  command = plan

  override_resource {
    target          = aws_ssm_parameter.secure["fulfillment_api_key"]
    override_during = plan
    values          = { arn = "arn:aws:ssm:us-east-2:123456789012:parameter/tickets-to-heaven/prod-secure/fulfillment-api-key" }
  }

  override_resource {
    target          = aws_kms_key.regional["main"]
    override_during = plan
    values          = { arn = "arn:aws:kms:us-east-2:123456789012:key/main" }
  }

  assert {
    condition = (
      aws_ssm_parameter.secure["fulfillment_api_key"].name == "/tickets-to-heaven/prod-secure/fulfillment-api-key" &&
      aws_ssm_parameter.secure["fulfillment_api_key"].type == "SecureString" &&
      aws_ssm_parameter.secure["fulfillment_api_key"].key_id == aws_kms_key.regional["main"].arn
    )
    error_message = "The partner key must be a SecureString under the main key."
  }

  assert {
    condition = (
      aws_lambda_function.function["fulfillment"].environment[0].variables.FULFILLMENT_API_KEY_PARAMETER ==
      aws_ssm_parameter.secure["fulfillment_api_key"].name
    )
    error_message = "The fulfillment function must be told the parameter's name."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.function["fulfillment"].statement :
      s.resources == toset([aws_ssm_parameter.secure["fulfillment_api_key"].arn]) if s.sid == "ReadSecureParameters"
      ]) && anytrue([
      for s in data.aws_iam_policy_document.function["fulfillment"].statement :
      s.actions == toset(["kms:Decrypt"]) && anytrue([
        for c in s.condition : c.variable == "kms:EncryptionContext:PARAMETER_ARN" && c.values == tolist([aws_ssm_parameter.secure["fulfillment_api_key"].arn])
      ]) if s.sid == "DecryptSecureParameters"
    ])
    error_message = "Fulfillment must get ssm:GetParameter on the parameter and kms:Decrypt only for its encryption context."
  }

  assert {
    condition = !anytrue(flatten([
      for key, document in data.aws_iam_policy_document.function : [
        for s in document.statement : contains(s.actions, "ssm:GetParameter")
      ] if key != "fulfillment"
    ]))
    error_message = "Only the fulfillment role may read the partner key."
  }
}

################################################################################
# 2. Real-account guards
################################################################################

# ---- Lambda: reserved concurrency vs the account's quota ----

run "reservations_leaving_less_than_100_unreserved_fail_the_plan" {
  command = plan

  # 50 + 20 + 5 + 1 (sweeper) reserved: 175 leaves 99.
  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 175 }
  }

  expect_failures = [aws_lambda_function.function]
}

run "reservations_leaving_100_unreserved_plan" {
  command = plan

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 176 }
  }

  assert {
    condition     = sum([for fn in aws_lambda_function.function : fn.reserved_concurrent_executions]) == 76
    error_message = "The test assumes 76 reserved executions; adjust the quotas above."
  }
}

# ---- API Gateway: the key CloudFront sends, rotated without an outage ----

run "rotating_the_api_key_keeps_both_generations_valid" {
  command = plan

  variables {
    api_key_generations = ["1", "2"]
  }

  # Key values are known only after apply; give each generation its own.
  override_resource {
    target          = aws_api_gateway_api_key.cloudfront["1"]
    override_during = plan
    values          = { value = "generation-one" }
  }

  override_resource {
    target          = aws_api_gateway_api_key.cloudfront["2"]
    override_during = plan
    values          = { value = "generation-two" }
  }

  assert {
    condition     = keys(aws_api_gateway_usage_plan_key.cloudfront) == ["1", "2"]
    error_message = "During a rotation both keys must stay in the usage plan."
  }

  assert {
    condition = one([
      for o in aws_cloudfront_distribution.site.origin : one(o.custom_header).value if o.origin_id == "api-gateway"
    ]) == aws_api_gateway_api_key.cloudfront["2"].value
    error_message = "CloudFront must send the newest key generation."
  }
}

run "rejects_three_key_generations" {
  command = plan

  variables {
    api_key_generations = ["1", "2", "3"]
  }

  expect_failures = [var.api_key_generations]
}

# ---- API Gateway: the account-wide CloudWatch role ----

run "an_existing_account_role_is_left_alone" {
  command = plan

  variables {
    api_gateway_account_role_arn = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"
  }

  assert {
    condition     = length(aws_api_gateway_account.settings) == 0 && length(aws_iam_role.api_gateway_cloudwatch) == 0
    error_message = "With api_gateway_account_role_arn set the stack must not touch the account setting."
  }
}

run "api_gateway_role_trusts_only_this_account" {
  command = plan

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.assume_role["api_gateway"].statement[0].condition :
      c.test == "StringEquals" && c.variable == "aws:SourceAccount" && contains(c.values, "123456789012")
    ])
    error_message = "The API Gateway role's trust policy needs an aws:SourceAccount condition (confused deputy)."
  }
}

# ---- The webhook path: its own throttle, Stripe's addresses only ----

run "webhook_has_its_own_throttle_and_source_addresses" {
  command = plan

  variables {
    stripe_webhook_throttling_rate_limit = 7
  }

  assert {
    condition = (
      aws_api_gateway_method_settings.route["stripe_webhook"].method_path == "api/webhooks/stripe/POST" &&
      aws_api_gateway_method_settings.route["stripe_webhook"].settings[0].throttling_rate_limit == 7
    )
    error_message = "POST /api/webhooks/stripe needs its own method throttle."
  }

  assert {
    condition     = length(aws_api_gateway_usage_plan.cloudfront.throttle_settings) == 0
    error_message = "A usage-plan throttle is one bucket for all traffic (one key): webhook floods would throttle checkout."
  }

  assert {
    condition     = aws_wafv2_ip_set.stripe_webhooks[0].addresses == toset(var.stripe_webhook_source_cidrs)
    error_message = "The WAF must know Stripe's webhook addresses."
  }

  assert {
    condition = alltrue([
      for r in aws_wafv2_web_acl.site[0].rule : (
        length(r.action[0].block) == 1 &&
        length(r.statement[0].and_statement[0].statement[1].not_statement[0].statement[0].ip_set_reference_statement) == 1
      ) if r.name == "stripe-webhook-sources"
    ]) && contains([for r in aws_wafv2_web_acl.site[0].rule : r.name], "stripe-webhook-sources")
    error_message = "The WAF must block the webhook path from addresses outside Stripe's list."
  }
}

run "rejects_a_webhook_source_that_is_not_a_cidr" {
  command = plan

  variables {
    stripe_webhook_source_cidrs = ["stripe.com"]
  }

  expect_failures = [var.stripe_webhook_source_cidrs]
}

# ---- CloudFront: no TLSv1 by omission ----

run "production_without_a_domain_needs_the_explicit_opt_out" {
  command = plan

  variables {
    cloudfront_default_domain_allowed = false
  }

  expect_failures = [aws_cloudfront_distribution.site]
}

run "a_custom_domain_requires_tls_1_2" {
  command = plan

  variables {
    cloudfront_default_domain_allowed = false
    site_domain_name                  = "tickets.example.com"
    site_certificate_arn              = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = aws_cloudfront_distribution.site.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021"
    error_message = "With a custom domain the distribution must require TLS 1.2."
  }
}

# ---- Keys and log delivery ----

run "waf_logs_use_a_customer_managed_key" {
  command = plan

  override_resource {
    target          = aws_kms_key.waf_logs
    override_during = plan
    values          = { arn = "arn:aws:kms:us-east-1:123456789012:key/waf-logs" }
  }

  assert {
    condition     = aws_cloudwatch_log_group.waf[0].kms_key_id == aws_kms_key.waf_logs[0].arn
    error_message = "The WAF log group must be encrypted with the us-east-1 CMK."
  }
}

run "key_administrators_can_rotate_on_demand" {
  command = plan

  assert {
    condition = alltrue([
      for actions in [one(data.aws_iam_policy_document.kms_account.statement).actions, local.kms_account_administers.actions] :
      contains(actions, "kms:RotateKeyOnDemand")
    ])
    error_message = "The key policies must allow kms:RotateKeyOnDemand."
  }
}

# The secrets have their own key, and IAM cannot hand out its use: the
# account statement administers it only, and each function may decrypt,
# through Secrets Manager, only the secrets of its access entry.
run "secrets_key_lets_only_the_functions_that_read_a_secret_decrypt_it" {
  command = plan

  override_resource {
    target          = aws_kms_key.regional["secrets"]
    override_during = plan
    values          = { arn = "arn:aws:kms:us-east-2:123456789012:key/secrets" }
  }

  override_resource {
    target          = aws_kms_key.regional["main"]
    override_during = plan
    values          = { arn = "arn:aws:kms:us-east-2:123456789012:key/main" }
  }

  assert {
    condition     = alltrue([for secret in aws_secretsmanager_secret.runtime : secret.kms_key_id == aws_kms_key.regional["secrets"].arn])
    error_message = "Every secret must be encrypted with the secrets key."
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.kms_regional["secrets"].source_policy_documents) == 0 &&
      [
        for s in data.aws_iam_policy_document.kms_regional["secrets"].statement :
        length(setintersection(s.actions, ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"])) == 0 && contains(s.actions, "kms:PutKeyPolicy")
        if one(s.principals).identifiers == toset(["arn:aws:iam::123456789012:root"])
      ] == [true]
    )
    error_message = "The secrets key's account statement must not delegate any cryptographic use (or grants) to IAM."
  }

  assert {
    condition = {
      for s in data.aws_iam_policy_document.kms_regional["secrets"].statement : s.sid => {
        principals = one(s.principals).identifiers
        actions    = s.actions
        via        = one([for c in s.condition : c.values if c.variable == "kms:ViaService"])
        secrets    = one([for c in s.condition : c.values if c.variable == "kms:EncryptionContext:SecretARN"])
      } if s.sid != "AccountAdministersKeyThroughIam"
      } == {
      for key, fn in local.functions : "${join("", [for word in split("_", key) : title(word)])}DecryptsItsSecrets" => {
        principals = toset(["arn:aws:iam::123456789012:role/tickets-to-heaven-prod-${replace(key, "_", "-")}"])
        actions    = toset(["kms:Decrypt"])
        via        = tolist(["secretsmanager.us-east-2.amazonaws.com"])
        secrets = tolist([
          for secret in fn.access.secrets :
          "arn:aws:secretsmanager:us-east-2:123456789012:secret:tickets-to-heaven-prod/${local.secrets[secret].name}-??????"
        ])
      } if length(fn.access.secrets) > 0
    }
    error_message = "The secrets key must let exactly each reading function's role decrypt its own secrets through Secrets Manager, and nobody else."
  }

  assert {
    condition = !anytrue(flatten([
      for s in data.aws_iam_policy_document.function_base["orders"].statement : [
        for c in s.condition : contains(c.values, "secretsmanager.us-east-2.amazonaws.com")
      ]
    ]))
    error_message = "The main key must no longer be granted through Secrets Manager."
  }
}

run "operators_named_may_put_and_compare_secrets" {
  command = plan

  variables {
    secrets_operator_role_arns = ["arn:aws:iam::123456789012:role/operator"]
  }

  assert {
    condition = [
      for s in data.aws_iam_policy_document.kms_regional["secrets"].statement : {
        principals = one(s.principals).identifiers
        actions    = s.actions
        conditions = [for c in s.condition : "${c.variable}=${join(",", c.values)}"]
      } if s.sid == "OperatorsPutAndCompareSecrets"
      ] == [{
        principals = toset(["arn:aws:iam::123456789012:role/operator"])
        actions    = toset(["kms:Decrypt", "kms:GenerateDataKey"])
        conditions = ["kms:ViaService=secretsmanager.us-east-2.amazonaws.com"]
    }]
    error_message = "The operators listed must get Decrypt and GenerateDataKey on the secrets key through Secrets Manager only."
  }
}

# The dashboard is laid out from its rows: every row fills the 24 columns
# without overlap, each widget under the previous row.
run "dashboard_rows_tile_the_grid" {
  command = plan

  assert {
    condition = alltrue([
      for row, widgets in local.dashboard_rows : (
        [for w in local.dashboard_widgets : w.x if w.y == row * 6] == [for column in range(length(widgets)) : column * 24 / length(widgets)] &&
        sum([for w in local.dashboard_widgets : w.width if w.y == row * 6]) == 24
      )
    ]) && length(local.dashboard_widgets) == length(flatten(local.dashboard_rows))
    error_message = "Each dashboard row must split the 24 columns among its widgets, left to right."
  }

  assert {
    condition     = alltrue([for w in local.dashboard_widgets : w.properties.region == "us-east-2" && length(w.properties.metrics) > 0])
    error_message = "Every widget needs the stack's region and at least one metric."
  }
}

# The single-metric alarms are one for_each: each function still gets its
# four, a percentile is an extended statistic (never both kinds), and the
# duration and concurrency alarms page at 80% of the timeout and reservation.
run "every_function_has_its_four_alarms" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for key, fn in aws_lambda_function.function : [
        for suffix in ["errors", "throttles", "duration", "concurrency"] :
        aws_cloudwatch_metric_alarm.metric["${key}/${suffix}"].dimensions.FunctionName == fn.function_name
      ]
    ]))
    error_message = "Every function needs its errors, throttles, duration and concurrency alarms."
  }

  assert {
    condition = alltrue([
      for alarm in aws_cloudwatch_metric_alarm.metric : (alarm.statistic == null) != (alarm.extended_statistic == null)
    ])
    error_message = "An alarm sets exactly one of statistic and extended_statistic."
  }

  assert {
    condition = alltrue([
      for key, fn in aws_lambda_function.function :
      aws_cloudwatch_metric_alarm.metric["${key}/duration"].extended_statistic == "p99" &&
      aws_cloudwatch_metric_alarm.metric["${key}/duration"].threshold == fn.timeout * 800 &&
      aws_cloudwatch_metric_alarm.metric["${key}/concurrency"].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.metric["${key}/concurrency"].threshold == floor(fn.reserved_concurrent_executions * 0.8)
    ])
    error_message = "Duration alarms page at 80% of the timeout (p99), concurrency alarms at 80% of the reservation."
  }
}

# The trail names a topic (CKV_AWS_252 without a skip) that only the trail may publish to.
run "trail_announces_its_log_files_on_its_own_topic" {
  command = plan

  override_resource {
    target          = aws_sns_topic.trail_deliveries
    override_during = plan
    values          = { arn = "arn:aws:sns:us-east-2:123456789012:tickets-to-heaven-prod-trail-deliveries" }
  }

  assert {
    condition     = aws_cloudtrail.dynamodb.sns_topic_name == aws_sns_topic.trail_deliveries.name
    error_message = "The DynamoDB trail must announce its log files on the trail_deliveries topic."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.cloudtrail_delivery["topic"].statement :
      s.actions == toset(["sns:Publish"]) &&
      anytrue([for c in s.condition : c.variable == "aws:SourceArn" && c.values == tolist([local.dynamodb_trail_arn])])
    ])
    error_message = "Only the DynamoDB trail may publish to its topic."
  }
}

run "log_bucket_policy_matches_what_log_delivery_appends" {
  command = plan

  override_resource {
    target          = aws_s3_bucket.logs
    override_during = plan
    values          = { arn = "arn:aws:s3:::logs" }
  }

  assert {
    condition = (
      toset(flatten([for s in data.aws_iam_policy_document.logs_bucket_delivery.statement : s.resources if s.sid == "AWSLogDeliveryWrite"])) ==
      toset(["arn:aws:s3:::logs/cloudfront/AWSLogs/123456789012/*"]) &&
      toset(flatten([for s in data.aws_iam_policy_document.logs_bucket_delivery.statement : s.resources if s.sid == "AWSLogDeliveryAclCheck"])) ==
      toset(["arn:aws:s3:::logs"])
    )
    error_message = "The log bucket policy must hold AWS's AWSLogDeliveryWrite/AWSLogDeliveryAclCheck statements as AWS appends them."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.logs_bucket_delivery.statement :
      anytrue([for c in s.condition : c.variable == "aws:SourceArn" && contains(c.values, "arn:aws:logs:us-east-1:123456789012:*")])
      if startswith(s.sid, "AWSLogDelivery")
    ])
    error_message = "AWS's log-delivery statements scope aws:SourceArn to arn:aws:logs:us-east-1:<account>:*."
  }
}

################################################################################
# 3. Input validations
################################################################################

run "rejects_a_bad_value_of_every_single_rule_variable" {
  command = plan

  variables {
    environment                           = "Prod"
    cost_center                           = "-shop"
    owner                                 = "team!"
    project                               = "TicketsToHeaven"
    region                                = "Ohio"
    tags                                  = { "aws:owner" = "me" }
    api_gateway_account_role_arn          = "apigateway-cloudwatch"
    api_throttling_burst_limit            = 0
    api_throttling_rate_limit             = 0
    stripe_webhook_throttling_burst_limit = 1.5
    stripe_webhook_throttling_rate_limit  = 20000
    cloudfront_price_class                = "PriceClass_300"
    site_certificate_arn                  = "arn:aws:acm:us-east-2:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    site_domain_name                      = "Tickets.Example.com"
    waf_rate_limit                        = 99
    alarm_email                           = "oncall"
    log_level                             = "TRACE"
    log_retention_days                    = 30
    fulfillment_reserved_concurrency      = 1
    fulfillment_max_attempts              = 0
    lambda_architecture                   = "arm"
    currency                              = "EUR"
    fulfillment_api_base_url              = "http://partner.example.com"
    stripe_api_base_url                   = "https://api.stripe.com/v1"
    stripe_publishable_key                = "sk_live_oops"
    secrets_operator_role_arns            = ["arn:aws:iam::123456789012:user/operator"]
  }

  expect_failures = [
    var.environment,
    var.cost_center,
    var.owner,
    var.project,
    var.region,
    var.tags,
    var.api_gateway_account_role_arn,
    var.api_throttling_burst_limit,
    var.api_throttling_rate_limit,
    var.stripe_webhook_throttling_burst_limit,
    var.stripe_webhook_throttling_rate_limit,
    var.cloudfront_price_class,
    var.site_certificate_arn,
    var.site_domain_name,
    var.waf_rate_limit,
    var.alarm_email,
    var.log_level,
    var.log_retention_days,
    var.fulfillment_reserved_concurrency,
    var.fulfillment_max_attempts,
    var.lambda_architecture,
    var.currency,
    var.fulfillment_api_base_url,
    var.stripe_api_base_url,
    var.stripe_publishable_key,
    var.secrets_operator_role_arns,
  ]
}

run "rejects_a_key_generation_that_cannot_end_a_name" {
  command = plan

  variables {
    api_key_generations = ["Gen 1"]
  }

  expect_failures = [var.api_key_generations]
}

run "rejects_a_domain_without_a_certificate" {
  command = plan

  variables {
    site_domain_name = "tickets.example.com"
  }

  expect_failures = [aws_cloudfront_distribution.site]
}

# ---- catalog: one run per rule ----

run "rejects_an_empty_catalog" {
  command = plan

  variables {
    catalog = []
  }

  expect_failures = [var.catalog]
}

run "rejects_duplicate_skus" {
  command = plan

  variables {
    catalog = [
      { sku = "GA-2027", name = "GA", description = "", unit_amount = 4500, max_per_order = 1 },
      { sku = "GA-2027", name = "GA again", description = "", unit_amount = 4500, max_per_order = 1 },
    ]
  }

  expect_failures = [var.catalog]
}

run "rejects_a_lower_case_sku" {
  command = plan

  variables {
    catalog = [{ sku = "ga-2027", name = "GA", description = "", unit_amount = 4500, max_per_order = 1 }]
  }

  expect_failures = [var.catalog]
}

run "rejects_a_price_below_the_stripe_minimum" {
  command = plan

  variables {
    catalog = [{ sku = "GA-2027", name = "GA", description = "", unit_amount = 10, max_per_order = 1 }]
  }

  expect_failures = [var.catalog]
}

run "rejects_a_zero_per_order_limit" {
  command = plan

  variables {
    catalog = [{ sku = "GA-2027", name = "GA", description = "", unit_amount = 4500, max_per_order = 0 }]
  }

  expect_failures = [var.catalog]
}

run "rejects_a_blank_product_name" {
  command = plan

  variables {
    catalog = [{ sku = "GA-2027", name = "  ", description = "", unit_amount = 4500, max_per_order = 1 }]
  }

  expect_failures = [var.catalog]
}

run "rejects_a_catalog_larger_than_a_parameter" {
  command = plan

  variables {
    catalog = [for i in range(40) : { sku = "GA-${i}", name = "GA", description = join("", [for j in range(100) : "x"]), unit_amount = 4500, max_per_order = 1 }]
  }

  expect_failures = [var.catalog]
}

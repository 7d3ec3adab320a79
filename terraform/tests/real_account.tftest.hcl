# What a real AWS account rejects or regrets although the emulator accepts
# it: each run guards one defect (terraform/README.md, "Real-account
# guards"). Plan-only, mocked providers, Terraform >= 1.11.

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

# ---- Lambda: reserved concurrency vs the account's quota ----

run "reservations_leaving_less_than_100_unreserved_fail_the_plan" {
  command = plan

  # 50 + 20 + 5 reserved: 174 leaves 99.
  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 174 }
  }

  expect_failures = [aws_lambda_function.function]
}

run "reservations_leaving_100_unreserved_plan" {
  command = plan

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 175 }
  }

  assert {
    condition     = sum([for fn in aws_lambda_function.function : fn.reserved_concurrent_executions]) == 75
    error_message = "The test assumes 75 reserved executions; adjust the quotas above."
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
      for c in data.aws_iam_policy_document.api_gateway_assume_role.statement[0].condition :
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
    condition = contains(flatten([
      for s in data.aws_iam_policy_document.kms_account.statement : s.actions
    ]), "kms:RotateKeyOnDemand")
    error_message = "The key policies must allow kms:RotateKeyOnDemand."
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

# Every variable validation and precondition rejects bad input. A run lists
# each input it breaks in expect_failures, so it fails when any one of them
# is accepted; the catalog has several rules, so one run per rule.
# Plan-only, mocked providers, Terraform >= 1.11.

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

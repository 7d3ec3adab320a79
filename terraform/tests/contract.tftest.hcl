# Plan-only checks of what docs/contracts.md fixes: names, the Lambda
# environment, table keys, SSM parameters, and a few input validations.
# Runs offline with mocked providers: terraform test (Terraform >= 1.11).
# tests/fake_packages/*.zip are placeholders: a plan only hashes them.

mock_provider "aws" {
  # Policy documents are rendered by the real provider only; a valid empty
  # policy keeps the resources that validate JSON happy.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }

  override_data {
    target = data.aws_partition.current
    values = { partition = "aws" }
  }
}

mock_provider "aws" {
  alias = "us_east_1"
}

variables {
  lambda_packages_dir      = "tests/fake_packages"
  stripe_publishable_key   = "pk_test_contract"
  fulfillment_api_base_url = "https://partner.example.com"
}

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
      "tickets-to-heaven-prod/fulfillment-api-key",
      "tickets-to-heaven-prod/pii-encryption-key",
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
      "CONFIG_PARAMETER_PATH", "IDEMPOTENCY_TABLE_NAME", "ORDERS_TABLE_NAME", "PII_KEY_SECRET_ID",
      "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME", "STRIPE_SECRET_KEY_SECRET_ID",
    ])
    error_message = "orders environment differs from the contract."
  }

  assert {
    condition = keys(aws_lambda_function.function["stripe_webhook"].environment[0].variables) == sort([
      "CONFIG_PARAMETER_PATH", "EVENTS_TABLE_NAME", "FULFILLMENT_QUEUE_URL", "IDEMPOTENCY_TABLE_NAME", "ORDERS_TABLE_NAME",
      "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME", "STRIPE_SECRET_KEY_SECRET_ID",
      "STRIPE_WEBHOOK_SECRET_ID",
    ])
    error_message = "stripe_webhook environment differs from the contract."
  }

  assert {
    condition = keys(aws_lambda_function.function["fulfillment"].environment[0].variables) == sort([
      "AUTO_REFUND_FAILED_FULFILLMENT", "CONFIG_PARAMETER_PATH", "FULFILLMENT_API_KEY_SECRET_ID", "FULFILLMENT_DLQ_URL",
      "FULFILLMENT_MAX_ATTEMPTS", "IDEMPOTENCY_TABLE_NAME", "ORDERS_TABLE_NAME", "PII_KEY_SECRET_ID", "POWERTOOLS_LOG_LEVEL",
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

run "rejects_upper_case_currency" {
  command = plan

  variables {
    currency = "EUR"
  }

  expect_failures = [var.currency]
}

run "rejects_a_secret_key_as_publishable_key" {
  command = plan

  variables {
    stripe_publishable_key = "sk_live_oops"
  }

  expect_failures = [var.stripe_publishable_key]
}

run "rejects_a_price_below_the_stripe_minimum" {
  command = plan

  variables {
    catalog = [{ sku = "GA-2027", name = "GA", description = "", unit_amount = 10, max_per_order = 1 }]
  }

  expect_failures = [var.catalog]
}

# REST API (regional) behind CloudFront's /api/* behaviour.
#
# Who may call it: only CloudFront. Stripe's webhook endpoint is registered
# at the public site URL (https://<site>/api/webhooks/stripe), so Stripe's
# calls also pass CloudFront and its WAF. Every method requires an API key
# that CloudFront adds as an origin header (cloudfront.tf); a direct call to
# the execute-api endpoint without it gets 403 before any Lambda runs.
# Why this and not the alternatives:
# - a resource policy can't match a header, and CloudFront has no fixed
#   source addresses for aws:SourceIp;
# - a second (regional) WAF checking a secret header costs a web ACL more
#   and checks the same secret;
# - a Lambda authorizer adds latency and cost to every request.
# The key's value is in state and in the distribution config: anyone who can
# read those can skip the WAF, not reach more data. Rotate it with
# var.api_key_generations (README: rotation): the new key is valid before
# CloudFront sends it and the old one stays valid until CloudFront is
# deployed, so no request is refused in between.

locals {
  api_stage_name = var.environment

  # Method throttles: every method's default, and the webhook's own.
  api_method_throttles = {
    all = {
      method_path = "*/*"
      burst_limit = var.api_throttling_burst_limit
      rate_limit  = var.api_throttling_rate_limit
    }
    stripe_webhook = {
      method_path = "${local.api_routes.stripe_webhook.arn_path}/${local.api_routes.stripe_webhook.http_method}"
      burst_limit = var.stripe_webhook_throttling_burst_limit
      rate_limit  = var.stripe_webhook_throttling_rate_limit
    }
  }

  # The generation CloudFront sends (the last one listed).
  api_key_current = var.api_key_generations[length(var.api_key_generations) - 1]

  # Every route: the function behind it, and how API Gateway validates it
  # before invoking anything. arn_path is the route in execute-api ARN form.
  api_routes = {
    get_config = {
      resource_id = aws_api_gateway_resource.section["config"].id
      http_method = "GET"
      function    = "orders"
      arn_path    = "api/config"
      validator   = aws_api_gateway_request_validator.route["parameters"].id
      model       = null
      parameters  = {}
    }
    create_order = {
      resource_id = aws_api_gateway_resource.section["orders"].id
      http_method = "POST"
      function    = "orders"
      arn_path    = "api/orders"
      validator   = aws_api_gateway_request_validator.route["body"].id
      model       = aws_api_gateway_model.new_order.name
      parameters  = {}
    }
    get_order = {
      resource_id = aws_api_gateway_resource.leaf["order"].id
      http_method = "GET"
      function    = "orders"
      arn_path    = "api/orders/*"
      validator   = aws_api_gateway_request_validator.route["parameters"].id
      model       = null
      parameters  = { "method.request.path.orderId" = true }
    }
    stripe_webhook = {
      resource_id = aws_api_gateway_resource.leaf["stripe_webhook"].id
      http_method = "POST"
      function    = "stripe_webhook"
      arn_path    = "api/webhooks/stripe"
      validator   = aws_api_gateway_request_validator.route["parameters"].id
      model       = null
      parameters  = { "method.request.header.Stripe-Signature" = true }
    }
  }

  # Errors API Gateway answers itself, in the contract's error shape.
  api_gateway_responses = {
    BAD_REQUEST_BODY = {
      status_code = "400"
      code        = "VALIDATION_ERROR"
      message     = "The request body is not valid."
    }
    BAD_REQUEST_PARAMETERS = {
      status_code = "400"
      code        = "VALIDATION_ERROR"
      message     = "A required request parameter or header is missing."
    }
    MISSING_AUTHENTICATION_TOKEN = {
      status_code = "404"
      code        = "NOT_FOUND"
      message     = "No such resource."
    }
    REQUEST_TOO_LARGE = {
      status_code = "413"
      code        = "PAYLOAD_TOO_LARGE"
      message     = "The request body is too large."
    }
    THROTTLED = {
      status_code = "429"
      code        = "RATE_LIMITED"
      message     = "Too many requests, try again shortly."
    }
    DEFAULT_5XX = {
      status_code = null
      code        = "INTERNAL_ERROR"
      message     = "Internal error."
    }
  }
}

resource "aws_api_gateway_rest_api" "api" {
  name           = "${local.name_prefix}-api"
  description    = "TicketsToHeaven shop API, reached through CloudFront /api/*"
  api_key_source = "HEADER"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  # If a change ever forces a new API, CloudFront's origin moves to it
  # before the old one is deleted (no window without an API).
  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Resources: /api/config, /api/orders, /api/orders/{orderId},
# /api/webhooks/stripe
################################################################################

# The path tree, one block per level: a level's parent is in the level above
# (an instance cannot name a sibling of its own for_each).
resource "aws_api_gateway_resource" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "api"
}

resource "aws_api_gateway_resource" "section" {
  for_each = toset(["config", "orders", "webhooks"])

  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.api.id
  path_part   = each.key
}

resource "aws_api_gateway_resource" "leaf" {
  for_each = {
    order          = { section = "orders", path_part = "{orderId}" }
    stripe_webhook = { section = "webhooks", path_part = "stripe" }
  }

  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.section[each.value.section].id
  path_part   = each.value.path_part
}

################################################################################
# Validation
################################################################################

# Every method validates its parameters; only those with a model, the body.
resource "aws_api_gateway_request_validator" "route" {
  for_each = { body = true, parameters = false }

  rest_api_id                 = aws_api_gateway_rest_api.api.id
  name                        = each.key
  validate_request_body       = each.value
  validate_request_parameters = true
}

# Shape only; business rules (known SKU, per-order limits, e-mail syntax)
# are checked by the function, which answers with field details.
resource "aws_api_gateway_model" "new_order" {
  rest_api_id = aws_api_gateway_rest_api.api.id

  name         = "NewOrder"
  description  = "POST /api/orders body"
  content_type = "application/json"
  schema = jsonencode({
    "$schema" = "http://json-schema.org/draft-04/schema#"
    title     = "NewOrder"
    type      = "object"
    required  = ["items", "customer"]
    properties = {
      items = {
        type     = "array"
        minItems = 1
        maxItems = 50
        items = {
          type     = "object"
          required = ["sku", "quantity"]
          properties = {
            sku      = { type = "string", minLength = 1, maxLength = 64 }
            quantity = { type = "integer" }
          }
        }
      }
      customer = {
        type     = "object"
        required = ["email", "name"]
        properties = {
          email = { type = "string", minLength = 3, maxLength = 254 }
          name  = { type = "string", minLength = 1, maxLength = 200 }
        }
      }
    }
  })
}

resource "aws_api_gateway_gateway_response" "error" {
  for_each = local.api_gateway_responses

  rest_api_id   = aws_api_gateway_rest_api.api.id
  response_type = each.key
  status_code   = each.value.status_code

  response_templates = {
    "application/json" = jsonencode({
      error = {
        code    = each.value.code
        message = each.value.message
        details = []
      }
    })
  }
}

################################################################################
# Methods and Lambda proxy integrations
################################################################################

resource "aws_api_gateway_method" "route" {
  for_each = local.api_routes

  rest_api_id      = aws_api_gateway_rest_api.api.id
  resource_id      = each.value.resource_id
  http_method      = each.value.http_method
  authorization    = "NONE"
  api_key_required = true # the key only CloudFront sends: see the top of this file

  request_validator_id = each.value.validator
  request_models       = each.value.model == null ? {} : { "application/json" = each.value.model }
  request_parameters   = each.value.parameters
}

resource "aws_api_gateway_integration" "route" {
  for_each = local.api_routes

  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = each.value.resource_id
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.function[each.value.function].invoke_arn
  timeout_milliseconds    = 29000
}

resource "aws_lambda_permission" "api" {
  for_each = local.api_routes

  statement_id  = "api-${replace(each.key, "_", "-")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.value.function].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/${local.api_stage_name}/${each.value.http_method}/${each.value.arn_path}"
}

################################################################################
# Deployment and stage
################################################################################

resource "aws_api_gateway_deployment" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  description = "Managed by Terraform"

  # A deployment is a snapshot: redeploy whenever the configuration it
  # snapshots changes. Built from configuration values (not attributes read
  # back), so an unchanged API plans no redeployment.
  triggers = {
    redeployment = sha1(jsonencode([
      local.api_routes,
      local.api_gateway_responses,
      aws_api_gateway_model.new_order.schema,
      [for key, route in local.api_routes : aws_lambda_function.function[route.function].invoke_arn],
      [for key, method in aws_api_gateway_method.route : method.id],
      [for key, integration in aws_api_gateway_integration.route : integration.id],
    ]))
  }

  # A deployment snapshots what exists when it is created: the triggers
  # above hash the configuration, these make sure it is all in place first
  # (else the stage keeps AWS's default error bodies until the next deploy).
  depends_on = [
    aws_api_gateway_gateway_response.error,
    aws_api_gateway_integration.route,
  ]

  # The stage points at the new deployment before the old one is deleted.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "api" {
  # checkov:skip=CKV_AWS_120: Responses are per order and per request (PaymentIntent secrets, order tokens); caching them would be wrong. CloudFront also sends /api/* uncached.
  # checkov:skip=CKV2_AWS_29: The WAF sits on the CloudFront distribution; the regional endpoint accepts only requests carrying the API key CloudFront injects.
  # checkov:skip=CKV2_AWS_51: Client certificates authenticate API Gateway to HTTP backends; every integration here is a Lambda proxy.
  rest_api_id          = aws_api_gateway_rest_api.api.id
  deployment_id        = aws_api_gateway_deployment.api.id
  stage_name           = local.api_stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.service["api_access"].arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integration.status"
      integrationLatency = "$context.integration.latency"
      integrationError   = "$context.integration.error"
      errorMessage       = "$context.error.message"
      apiKeyId           = "$context.identity.apiKeyId"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  # The account must name its CloudWatch role before a stage may log, and
  # the execution log group must exist before API Gateway creates its own
  # (without retention or KMS).
  depends_on = [
    aws_api_gateway_account.settings,
    aws_cloudwatch_log_group.service,
  ]
}

# Stage throttles are per method: "*/*" sets every method's own bucket, and
# Stripe's webhook gets its own limits, so a flood of forged signatures is
# throttled there and never takes the capacity of checkout.
resource "aws_api_gateway_method_settings" "route" {
  # checkov:skip=CKV_AWS_225: Caching is off on purpose: responses are per order and per request (see the stage).
  for_each = local.api_method_throttles

  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.api.stage_name
  method_path = each.value.method_path

  settings {
    metrics_enabled = true
    logging_level   = "ERROR"
    # Request and response bodies carry customer e-mail and names.
    data_trace_enabled     = false
    caching_enabled        = false
    throttling_burst_limit = each.value.burst_limit
    throttling_rate_limit  = each.value.rate_limit
  }
}

moved {
  from = aws_api_gateway_method_settings.all
  to   = aws_api_gateway_method_settings.route["all"]
}

# Regional, account-wide setting: the role API Gateway writes execution logs
# with, for every API of the account. Managed here only when the account has
# no role yet (var.api_gateway_account_role_arn null). Destroy only forgets
# it (provider 5.x); reset_on_delete is left unset because it is deprecated
# and the emulator cannot reset it.
resource "aws_api_gateway_account" "settings" {
  # On/off switch: leave an existing account setting alone.
  count = local.api_gateway_account_managed ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn

  # The role must be allowed to write before API Gateway accepts it.
  depends_on = [aws_iam_role_policy.api_gateway_cloudwatch]
}

################################################################################
# The key CloudFront presents, and the usage plan it belongs to
################################################################################

resource "aws_api_gateway_api_key" "cloudfront" {
  for_each = toset(var.api_key_generations)

  name        = "${local.name_prefix}-cloudfront-${each.key}"
  description = "Sent by CloudFront as x-api-key on every /api/* request; proves the request passed the distribution"
  enabled     = true
}

moved {
  from = aws_api_gateway_api_key.cloudfront
  to   = aws_api_gateway_api_key.cloudfront["1"]
}

# Authentication only: throttling is per method on the stage. A plan-wide
# limit would be one bucket for all traffic (every request carries
# CloudFront's key), so webhook bursts would throttle checkout.
resource "aws_api_gateway_usage_plan" "cloudfront" {
  name        = "${local.name_prefix}-cloudfront"
  description = "All shop traffic arrives with CloudFront's key"

  api_stages {
    api_id = aws_api_gateway_rest_api.api.id
    stage  = aws_api_gateway_stage.api.stage_name
  }
}

resource "aws_api_gateway_usage_plan_key" "cloudfront" {
  for_each = aws_api_gateway_api_key.cloudfront

  key_id        = each.value.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.cloudfront.id
}

moved {
  from = aws_api_gateway_usage_plan_key.cloudfront
  to   = aws_api_gateway_usage_plan_key.cloudfront["1"]
}

# WAF web ACL in front of the CloudFront distribution (scope CLOUDFRONT, so
# everything here lives in us-east-1), its Stripe source list and its logs.
#
# Stripe's webhook path is matched once, by the first rule, which labels the
# request; every other rule refers to the label. The webhook is admitted
# only from Stripe's published source addresses (a forged-signature flood
# from elsewhere never reaches API Gateway's throttle), and it is spared the
# body rules and per-IP rate limits that would drop Stripe's bursts.

locals {
  stripe_webhook_path  = "/api/webhooks/stripe"
  waf_webhook_label    = "stripe-webhook"
  waf_webhook_label_ns = "awswaf:${local.account_id}:webacl:${local.name_prefix}-site:${local.waf_webhook_label}"

  # AWS managed rule groups: rules whose action is counted rather than
  # applied, and whether the group skips the webhook.
  waf_managed_rule_groups = {
    aws-ip-reputation = {
      priority     = 10
      name         = "AWSManagedRulesAmazonIpReputationList"
      count_rules  = []
      skip_webhook = false
    }
    aws-common = {
      priority = 20
      name     = "AWSManagedRulesCommonRuleSet"
      # Stripe event payloads can exceed the rule's 8 KB body limit; the
      # API itself caps bodies (API Gateway 10 MB, handlers validate).
      count_rules = ["SizeRestrictions_BODY"]
      # Stripe webhooks are authenticated by their signature and carry
      # arbitrary customer text; body rules would drop paid orders.
      skip_webhook = true
    }
    # Log4j and other known exploit payloads.
    aws-known-bad-inputs = {
      priority     = 30
      name         = "AWSManagedRulesKnownBadInputsRuleSet"
      count_rules  = []
      skip_webhook = false
    }
  }

  # Per-IP limits per 5 minutes; the webhook is exempt (Stripe sends bursts
  # from a few addresses after a ticket drop, and only Stripe reaches it).
  waf_rate_limits = {
    rate-limit-api = {
      priority    = 40
      limit       = max(100, floor(var.waf_rate_limit / 5))
      path_prefix = "/api/"
    }
    rate-limit-all = {
      priority    = 50
      limit       = var.waf_rate_limit
      path_prefix = "/"
    }
  }
}

resource "aws_wafv2_ip_set" "stripe_webhooks" {
  # On/off switch with the web ACL.
  count = var.waf_enabled ? 1 : 0

  provider = aws.us_east_1

  name               = "${local.name_prefix}-stripe-webhooks"
  description        = "Addresses Stripe sends webhooks from (var.stripe_webhook_source_cidrs)"
  scope              = "CLOUDFRONT"
  ip_address_version = "IPV4"
  addresses          = var.stripe_webhook_source_cidrs
}

resource "aws_wafv2_web_acl" "site" {
  # On/off switch: the web ACL costs a monthly fee plus per request.
  count = var.waf_enabled ? 1 : 0

  provider = aws.us_east_1

  name        = "${local.name_prefix}-site"
  description = "Managed rule groups, Stripe source addresses and per-IP rate limits in front of the shop"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  # Labels the webhook path (counting changes nothing else).
  rule {
    name     = "label-stripe-webhook"
    priority = 0

    action {
      count {}
    }

    rule_label {
      name = local.waf_webhook_label
    }

    statement {
      byte_match_statement {
        search_string         = local.stripe_webhook_path
        positional_constraint = "EXACTLY"

        field_to_match {
          uri_path {}
        }

        text_transformation {
          priority = 0
          type     = "NONE"
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "label-stripe-webhook"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "stripe-webhook-sources"
    priority = 1

    action {
      block {}
    }

    statement {
      and_statement {
        statement {
          label_match_statement {
            scope = "LABEL"
            key   = local.waf_webhook_label_ns
          }
        }

        statement {
          not_statement {
            statement {
              ip_set_reference_statement {
                arn = aws_wafv2_ip_set.stripe_webhooks[0].arn
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "stripe-webhook-sources"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = local.waf_managed_rule_groups

    content {
      name     = rule.key
      priority = rule.value.priority

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.value.name

          dynamic "rule_action_override" {
            for_each = toset(rule.value.count_rules)

            content {
              name = rule_action_override.value

              action_to_use {
                count {}
              }
            }
          }

          dynamic "scope_down_statement" {
            for_each = rule.value.skip_webhook ? [local.waf_webhook_label_ns] : []

            content {
              not_statement {
                statement {
                  label_match_statement {
                    scope = "LABEL"
                    key   = scope_down_statement.value
                  }
                }
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = rule.key
        sampled_requests_enabled   = true
      }
    }
  }

  dynamic "rule" {
    for_each = local.waf_rate_limits

    content {
      name     = rule.key
      priority = rule.value.priority

      action {
        block {}
      }

      statement {
        rate_based_statement {
          limit              = rule.value.limit
          aggregate_key_type = "IP"

          scope_down_statement {
            and_statement {
              statement {
                byte_match_statement {
                  search_string         = rule.value.path_prefix
                  positional_constraint = "STARTS_WITH"

                  field_to_match {
                    uri_path {}
                  }

                  text_transformation {
                    priority = 0
                    type     = "NONE"
                  }
                }
              }

              statement {
                not_statement {
                  statement {
                    label_match_statement {
                      scope = "LABEL"
                      key   = local.waf_webhook_label_ns
                    }
                  }
                }
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = rule.key
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.name_prefix}-site"
    sampled_requests_enabled   = true
  }
}

################################################################################
# Logs: a log group named aws-waf-logs-* in the web ACL's region, under a
# key of that region (the main key lives in var.region).
################################################################################

resource "aws_kms_key" "waf_logs" {
  # On/off switch with the web ACL.
  count = var.waf_enabled ? 1 : 0

  provider = aws.us_east_1

  description             = "${local.name_prefix}: WAF logs (us-east-1)"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.kms_regional["waf_logs"].json
}

resource "aws_cloudwatch_log_group" "waf" {
  # On/off switch with the web ACL.
  count = var.waf_enabled ? 1 : 0

  provider = aws.us_east_1

  name              = "aws-waf-logs-${local.name_prefix}-site"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.waf_logs[0].arn
}

resource "aws_wafv2_web_acl_logging_configuration" "site" {
  # On/off switch with the web ACL.
  count = var.waf_enabled ? 1 : 0

  provider = aws.us_east_1

  resource_arn            = aws_wafv2_web_acl.site[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  redacted_fields {
    single_header {
      name = "x-order-token"
    }
  }

  redacted_fields {
    single_header {
      name = "stripe-signature"
    }
  }
}

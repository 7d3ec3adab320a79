# One distribution serves the site from the private bucket and forwards
# /api/* to the REST API: one origin for browser and API, no CORS, one
# certificate, one WAF attachment point.

locals {
  # AWS managed policies, referenced by their documented, fixed ids rather
  # than looked up: the lookup data source needs cloudfront:ListCachePolicies
  # on every plan and the ids never change.
  cloudfront_cache_policy_caching_optimized               = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  cloudfront_cache_policy_caching_disabled                = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  cloudfront_origin_request_policy_all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

  site_origin_id = "site-bucket"
  api_origin_id  = "api-gateway"

  custom_domain_enabled = var.site_domain_name != null && var.site_certificate_arn != null

  # Stripe.js and its iframes are the only third-party content the shop
  # loads (PCI SAQ-A: card data is typed into Stripe's iframe).
  content_security_policy = join("; ", [
    "default-src 'self'",
    "script-src 'self' https://js.stripe.com https://*.js.stripe.com",
    "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com",
    "connect-src 'self' https://api.stripe.com",
    "img-src 'self' data: https://*.stripe.com",
    "style-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "upgrade-insecure-requests",
  ])

  hsts_max_age_seconds = 63072000 # two years, the preload list's expectation
  permissions_policy   = "camera=(), microphone=(), geolocation=(), payment=(self \"https://js.stripe.com\")"

  # The headers the response headers policy adds, as a browser sees them
  # (output security_headers: local doubles of CloudFront add the same).
  security_headers = {
    "Content-Security-Policy"   = local.content_security_policy
    "Permissions-Policy"        = local.permissions_policy
    "Referrer-Policy"           = "strict-origin-when-cross-origin"
    "Strict-Transport-Security" = "max-age=${local.hsts_max_age_seconds}; includeSubDomains; preload"
    "X-Content-Type-Options"    = "nosniff"
    "X-Frame-Options"           = "DENY"
  }
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${local.name_prefix}-site"
  description                       = "CloudFront signs every request to the site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "site" {
  name    = "${local.name_prefix}-security-headers"
  comment = "HSTS, CSP allowing Stripe.js only, frame/referrer/content-type options"

  security_headers_config {
    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    strict_transport_security {
      access_control_max_age_sec = local.hsts_max_age_seconds
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
  }

  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = local.permissions_policy
      override = true
    }
  }

  remove_headers_config {
    items {
      header = "Server"
    }
  }
}

# SPA fallback: a path without a file extension is a client-side route and
# gets /index.html. Done at the viewer request of the site behaviour only:
# a distribution-wide custom_error_response would also turn the API's own
# 404s (unknown order) into the index page.
resource "aws_cloudfront_function" "spa_rewrite" {
  name    = "${local.name_prefix}-spa-rewrite"
  comment = "Rewrite client-side routes to /index.html"
  runtime = "cloudfront-js-2.0"
  publish = true
  code    = <<-EOT
    function handler(event) {
      var request = event.request;
      var lastSegment = request.uri.split('/').pop();
      if (lastSegment.indexOf('.') === -1) {
        request.uri = '/index.html';
      }
      return request;
    }
  EOT
}

resource "aws_cloudfront_distribution" "site" {
  # checkov:skip=CKV_AWS_86: Access logs use CloudFront standard logging v2 (aws_cloudwatch_log_delivery.cloudfront, cloudwatch.tf), which the check does not know; v1 would need ACLs on the log bucket.
  # checkov:skip=CKV_AWS_310: Each path has one origin (S3 or the regional API); there is no second copy to fail over to.
  # checkov:skip=CKV_AWS_374: The shop sells worldwide; no country is excluded.
  # checkov:skip=CKV_AWS_174: Without a custom domain the *.cloudfront.net certificate fixes the minimum at TLSv1; with site_certificate_arn it is TLSv1.2_2021 (CKV_TTH_21).
  # checkov:skip=CKV2_AWS_42: Production must set site_domain_name/site_certificate_arn (precondition below); only the explicit opt-out cloudfront_default_domain_allowed (trials, the emulator, which cannot issue a certificate) serves *.cloudfront.net.
  # checkov:skip=CKV2_AWS_47: The web ACL below runs AWSManagedRulesKnownBadInputsRuleSet (Log4j rules) unmodified; the check cannot follow the count-switched web_acl_id.
  comment             = "${local.name_prefix} shop"
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  default_root_object = "index.html"
  price_class         = var.cloudfront_price_class
  aliases             = local.custom_domain_enabled ? [var.site_domain_name] : []
  web_acl_id          = var.waf_enabled ? aws_wafv2_web_acl.site[0].arn : null

  origin {
    origin_id                = local.site_origin_id
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  origin {
    origin_id   = local.api_origin_id
    domain_name = "${aws_api_gateway_rest_api.api.id}.execute-api.${var.region}.amazonaws.com"
    origin_path = "/${aws_api_gateway_stage.api.stage_name}"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }

    # Proves to API Gateway that the request came through CloudFront (and
    # so through the WAF): every method requires this API key (api_gateway.tf).
    custom_header {
      name  = "x-api-key"
      value = aws_api_gateway_api_key.cloudfront[local.api_key_current].value
    }
  }

  default_cache_behavior {
    target_origin_id           = local.site_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cloudfront_cache_policy_caching_optimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_rewrite.arn
    }
  }

  ordered_cache_behavior {
    path_pattern = "/api/*"

    target_origin_id = local.api_origin_id
    # A redirect would turn POST into GET: API clients get HTTPS or nothing.
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cloudfront_cache_policy_caching_disabled
    origin_request_policy_id   = local.cloudfront_origin_request_policy_all_viewer_except_host
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  # The *.cloudfront.net certificate only accepts TLSv1 as its minimum; with
  # a custom domain the distribution requires TLS 1.2 (2021 ciphers).
  viewer_certificate {
    cloudfront_default_certificate = !local.custom_domain_enabled
    acm_certificate_arn            = local.custom_domain_enabled ? var.site_certificate_arn : null
    ssl_support_method             = local.custom_domain_enabled ? "sni-only" : null
    minimum_protocol_version       = local.custom_domain_enabled ? "TLSv1.2_2021" : "TLSv1"
  }

  # A domain without a certificate (or the reverse) would silently fall back
  # to the *.cloudfront.net name; refuse it at plan time instead.
  lifecycle {
    precondition {
      condition     = (var.site_domain_name == null) == (var.site_certificate_arn == null)
      error_message = "Set site_domain_name and site_certificate_arn together, or neither."
    }

    # The *.cloudfront.net certificate accepts TLSv1: serving the shop on it
    # must be a decision, not a forgotten variable.
    precondition {
      condition     = local.custom_domain_enabled || var.cloudfront_default_domain_allowed
      error_message = "Set site_domain_name and site_certificate_arn (TLS 1.2 minimum), or opt out with cloudfront_default_domain_allowed = true (the *.cloudfront.net certificate accepts TLSv1)."
    }
  }
}

################################################################################
# Access logs: CloudFront standard logging v2 (vended logs) into the log
# bucket; the delivery source must be created in us-east-1.
################################################################################

resource "aws_cloudwatch_log_delivery_source" "cloudfront" {
  provider = aws.us_east_1

  name         = "${local.name_prefix}-cloudfront"
  log_type     = "ACCESS_LOGS"
  resource_arn = aws_cloudfront_distribution.site.arn
}

resource "aws_cloudwatch_log_delivery_destination" "cloudfront" {
  provider = aws.us_east_1

  name          = "${local.name_prefix}-cloudfront-s3"
  output_format = "json"

  delivery_destination_configuration {
    destination_resource_arn = "${aws_s3_bucket.logs.arn}/${trimsuffix(local.cloudfront_log_prefix, "/")}"
  }
}

resource "aws_cloudwatch_log_delivery" "cloudfront" {
  provider = aws.us_east_1

  delivery_source_name     = aws_cloudwatch_log_delivery_source.cloudfront.name
  delivery_destination_arn = aws_cloudwatch_log_delivery_destination.cloudfront.arn

  # The log bucket's policy must admit the delivery service first.
  depends_on = [aws_s3_bucket_policy.logs]
}

# moto: response headers policies answer 404 and CloudFront functions cannot
# be published (PublishFunction 404), and moto drops function associations.
# The emulator run therefore
# - does not create the response headers policy (count = 0),
# - creates the SPA rewrite function unpublished (DEVELOPMENT stage),
# - uses cache behaviours identical to cloudfront.tf minus the response
#   headers policy and the function association.
# Keep the behaviours below in step with cloudfront.tf.

resource "aws_cloudfront_response_headers_policy" "site" {
  count = 0
}

resource "aws_cloudfront_function" "spa_rewrite" {
  publish = false
}

resource "aws_cloudfront_distribution" "site" {
  default_cache_behavior {
    target_origin_id       = local.site_origin_id
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD", "OPTIONS"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    cache_policy_id        = local.cloudfront_cache_policy_caching_optimized
  }

  ordered_cache_behavior {
    path_pattern = "/api/*"

    target_origin_id         = local.api_origin_id
    viewer_protocol_policy   = "https-only"
    allowed_methods          = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = local.cloudfront_cache_policy_caching_disabled
    origin_request_policy_id = local.cloudfront_origin_request_policy_all_viewer_except_host
  }

  # moto drops the origin's OAC id on read (the origin set would be replaced
  # forever), adds legacy forwarded_values defaults to cache behaviours that
  # use cache policies, and reports ssl_support_method for the default
  # certificate. Sent as configured on create; read-back ignored.
  lifecycle {
    ignore_changes = [
      origin,
      default_cache_behavior[0].forwarded_values,
      ordered_cache_behavior[0].forwarded_values,
      viewer_certificate[0].ssl_support_method,
    ]
  }
}

# CKV_TTH_6: no Principal "*" in an Allow without a restricting condition (policies and Lambda permissions).

# pass
data "aws_iam_policy_document" "pass_cloudfront_oac" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::site/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = ["arn:aws:cloudfront::123456789012:distribution/E1"]
    }
  }
}

resource "aws_sns_topic_policy" "pass_star_with_source_account" {
  arn = "arn:aws:sns:us-east-2:123456789012:alarms"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow", Principal = { AWS = "*" }, Action = "sns:Publish", Resource = "arn:aws:sns:us-east-2:123456789012:alarms"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
  })
}

resource "aws_lambda_permission" "pass_service" {
  action        = "lambda:InvokeFunction"
  function_name = "orders"
  principal     = "apigateway.amazonaws.com"
  source_arn    = "arn:aws:execute-api:us-east-2:123456789012:abc/*/POST/orders"
}

# fail
resource "aws_s3_bucket_policy" "fail_public_read" {
  bucket = "site"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*" }]
  })
}

data "aws_iam_policy_document" "fail_star_principal" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:us-east-2:123456789012:q"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["*"]
    }
  }
}

resource "aws_lambda_permission" "fail_public" {
  action        = "lambda:InvokeFunction"
  function_name = "orders"
  principal     = "*"
}

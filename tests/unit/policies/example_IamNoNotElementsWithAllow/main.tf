# CKV_TTH_5: no NotAction / NotResource / NotPrincipal in an Allow.

# pass
data "aws_iam_policy_document" "pass_deny_not_action" {
  statement {
    effect      = "Deny"
    not_actions = ["s3:GetObject"]
    resources   = ["arn:aws:s3:::site/*"]
  }
}

resource "aws_iam_policy" "pass" {
  name = "pass"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*" }]
  })
}

# fail
data "aws_iam_policy_document" "fail_not_actions" {
  statement {
    not_actions = ["iam:*"]
    resources   = ["arn:aws:s3:::site/*"]
  }
}

data "aws_iam_policy_document" "fail_not_resources" {
  statement {
    actions       = ["s3:GetObject"]
    not_resources = ["arn:aws:s3:::secret/*"]
  }
}

resource "aws_sqs_queue_policy" "fail_not_principal" {
  queue_url = "https://sqs.us-east-2.amazonaws.com/123456789012/q"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", NotPrincipal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sqs:SendMessage", Resource = "arn:aws:sqs:us-east-2:123456789012:q" }]
  })
}

# CKV_TTH_3: no "*" resource in an identity Allow, except for actions in policies/tth_allowlist.py.

# pass
data "aws_iam_policy_document" "pass_scoped" {
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = ["arn:aws:dynamodb:us-east-2:123456789012:table/orders", "arn:aws:dynamodb:us-east-2:123456789012:table/orders/index/*"]
  }
}

data "aws_iam_policy_document" "pass_allowlisted" {
  statement {
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_kms_key" "pass_key_policy" {
  enable_key_rotation = true
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/admin" }, Action = ["kms:DescribeKey"], Resource = "*" }]
  })
}

resource "aws_iam_policy" "pass_deny_star" {
  name = "pass_deny_star"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = ["s3:DeleteBucket"], Resource = "*" }]
  })
}

# fail
data "aws_iam_policy_document" "fail_star" {
  statement {
    actions   = ["dynamodb:GetItem"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "fail_mixed_with_allowlisted" {
  statement {
    actions   = ["xray:PutTraceSegments", "s3:GetObject"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "fail_arn_wildcard" {
  role = "fn"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "arn:aws:logs:*:*:*" }]
  })
}

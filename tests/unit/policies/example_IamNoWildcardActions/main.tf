# CKV_TTH_2: no "*" or "service:*" actions in an Allow (resources and aws_iam_policy_document).

# pass
resource "aws_iam_policy" "pass" {
  name = "pass"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["dynamodb:GetItem"], Resource = "arn:aws:dynamodb:us-east-2:123456789012:table/orders" }]
  })
}

resource "aws_s3_bucket_policy" "pass_deny_wildcard" {
  bucket = "site"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny", Principal = "*", Action = "s3:*"
      Resource  = ["arn:aws:s3:::site", "arn:aws:s3:::site/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

data "aws_iam_policy_document" "pass" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:us-east-2:123456789012:fulfillment"]
  }
}

# fail
resource "aws_iam_policy" "fail_star" {
  name = "fail_star"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::site/*" }]
  })
}

resource "aws_iam_role_policy" "fail_service_star" {
  role   = "fn"
  policy = <<-POLICY
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": "arn:aws:dynamodb:us-east-2:123456789012:table/orders"}]}
  POLICY
}

resource "aws_kms_key" "fail_key_policy" {
  enable_key_rotation = true
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}

data "aws_iam_policy_document" "fail_service_star" {
  statement {
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::site/*"]
  }
}

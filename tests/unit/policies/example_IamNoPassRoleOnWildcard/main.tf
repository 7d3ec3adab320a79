# CKV_TTH_4: no iam:PassRole on "*".

# pass
data "aws_iam_policy_document" "pass" {
  statement {
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::123456789012:role/tickets-to-heaven-prod-orders"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "pass_other_action" {
  name = "pass_other_action"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "xray:PutTraceSegments", Resource = "*" }]
  })
}

# fail
data "aws_iam_policy_document" "fail_passrole_star" {
  statement {
    actions   = ["iam:PassRole"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "fail_pass_wildcard_action" {
  name = "fail_pass_wildcard_action"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:Pass*"], Resource = "*" }]
  })
}

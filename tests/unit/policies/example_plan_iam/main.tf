# plan-fixture: planned by make_plan_fixtures.py into tfplan.json (IAM rules on rendered and deferred policies).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.100" }
  }
}

provider "aws" {
  region = "us-east-2"
  default_tags {
    tags = { Project = "tickets-to-heaven", Environment = "prod", Owner = "platform", CostCenter = "shop", ManagedBy = "terraform" }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_sqs_queue" "orders" {
  name              = "orders"
  kms_master_key_id = "alias/shop"
}

# pass: read at plan time (all inputs known) and rendered into the role's assume_role_policy
data "aws_iam_policy_document" "pass_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "pass" {
  name               = "pass"
  assume_role_policy = data.aws_iam_policy_document.pass_trust.json
}

# pass: deferred to apply (references an ARN known only after apply)
data "aws_iam_policy_document" "pass_deferred" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.orders.arn]
  }
}

resource "aws_iam_role_policy" "deferred" {
  role   = aws_iam_role.pass.id
  policy = data.aws_iam_policy_document.pass_deferred.json
}

# fail: a wildcard action on *, rendered as a JSON string in the plan
resource "aws_iam_role_policy" "fail_inline" {
  role   = aws_iam_role.pass.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}

# fail: a deferred document with a wildcard action on *
data "aws_iam_policy_document" "fail_doc" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
  statement {
    actions   = ["sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.orders.arn]
  }
}

resource "aws_iam_role_policy" "fail_doc" {
  role   = aws_iam_role.pass.id
  policy = data.aws_iam_policy_document.fail_doc.json
}

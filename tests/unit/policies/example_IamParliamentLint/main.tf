# plan-fixture: planned by make_plan_fixtures.py into tfplan.json (CKV_TTH_23, parliament's IAM lint).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.100" }
  }
}

provider "aws" {
  region = "us-east-2"
}

resource "aws_s3_bucket" "site" {
  bucket = "tth-parliament-fixture"
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/tth/parliament-fixture"
}

# ---- pass ----

# pass: object actions on the bucket ARN + "/*", bucket actions on the bucket ARN (typed placeholders on the HCL)
data "aws_iam_policy_document" "pass_bucket_and_objects" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.site.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["public/*"]
    }
  }
}

# pass: log streams are the log group ARN + ":*"; X-Ray has no resource type, so "*"
resource "aws_iam_policy" "pass_logs_and_traces" {
  name = "pass-logs-and-traces"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.app.arn}:*" },
      { Effect = "Allow", Action = "xray:PutTraceSegments", Resource = "*" },
    ]
  })
}

# pass: a trust policy has no Resource; a global condition key of the right type
resource "aws_iam_role" "pass_trust" {
  name = "pass-trust"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
  })
}

# pass: a key policy names its own key as "*" (RESOURCE_STAR is CKV_TTH_3's, see tth_allowlist)
resource "aws_kms_key" "pass_key" {
  description         = "parliament fixture"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountRoot"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = ["kms:Decrypt", "kms:DescribeKey"]
      Resource  = "*"
    }]
  })
}

# ---- fail: one block per kind of finding ----
# (the documents name the bucket by reference, so the plan defers them to apply and judges their statements)

# fail: UNKNOWN_ACTION (no such S3 action)
resource "aws_iam_policy" "fail_unknown_action" {
  name = "fail-unknown-action"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObjekt", Resource = "arn:aws:s3:::tth-parliament-fixture/*" }]
  })
}

# fail: UNKNOWN_PREFIX (no such service)
data "aws_iam_policy_document" "fail_unknown_prefix" {
  statement {
    actions   = ["s4:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
  }
}

# fail: RESOURCE_MISMATCH, literal ARN (s3:GetObject needs an object ARN, this is the bucket's)
resource "aws_iam_policy" "fail_resource_mismatch" {
  name = "fail-resource-mismatch"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::tth-parliament-fixture" }]
  })
}

# fail: RESOURCE_MISMATCH through a reference (the bucket's ARN without "/*"); the plan knows the ARN only after
# apply, so this one fails on the HCL scan
data "aws_iam_policy_document" "fail_resource_mismatch_reference" {
  statement {
    actions   = ["s3:GetObject"]
    resources = [aws_s3_bucket.site.arn]
  }
}

# fail: UNKNOWN_CONDITION_FOR_ACTION (s3:GetObject has no condition key s3:NoSuchKey)
data "aws_iam_policy_document" "fail_unknown_condition_key" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    condition {
      test     = "StringEquals"
      variable = "s3:NoSuchKey"
      values   = ["x"]
    }
  }
}

# fail: MISMATCHED_TYPE (aws:CurrentTime is a date)
data "aws_iam_policy_document" "fail_mismatched_type" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    condition {
      test     = "DateGreaterThan"
      variable = "aws:CurrentTime"
      values   = ["yesterday"]
    }
  }
}

# fail: INVALID_ARN (the region field is not a region)
resource "aws_iam_policy" "fail_invalid_arn" {
  name = "fail-invalid-arn"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:useast2:123456789012:jobs" }]
  })
}

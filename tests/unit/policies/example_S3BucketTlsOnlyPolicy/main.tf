# plan-fixture: planned by make_plan_fixtures.py into tfplan.json (bucket ↔ policy ↔ document is cross-resource).
# CKV_TTH_12: every bucket has a bucket policy that denies requests without TLS.
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

# pass
resource "aws_s3_bucket" "pass" {
  bucket = "pass-tls"
}

data "aws_iam_policy_document" "pass" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.pass.arn, "${aws_s3_bucket.pass.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "pass" {
  bucket = aws_s3_bucket.pass.id
  policy = data.aws_iam_policy_document.pass.json
}

# fail
resource "aws_s3_bucket" "fail_no_policy" {
  bucket = "fail-no-policy"
}

resource "aws_s3_bucket" "fail_policy_without_tls_deny" {
  bucket = "fail-no-tls"
}

data "aws_iam_policy_document" "no_tls_deny" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.fail_policy_without_tls_deny.arn}/*"]
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

resource "aws_s3_bucket_policy" "fail_policy_without_tls_deny" {
  bucket = aws_s3_bucket.fail_policy_without_tls_deny.id
  policy = data.aws_iam_policy_document.no_tls_deny.json
}

# pass: the TLS deny comes through source_policy_documents (the composition terraform/s3.tf uses)
resource "aws_s3_bucket" "pass_composed" {
  bucket = "pass-composed"
}

data "aws_iam_policy_document" "pass_composed_deny" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.pass_composed.arn, "${aws_s3_bucket.pass_composed.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "pass_composed_read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.pass_composed.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/reader"]
    }
  }
}

data "aws_iam_policy_document" "pass_composed" {
  source_policy_documents = [
    data.aws_iam_policy_document.pass_composed_read.json,
    data.aws_iam_policy_document.pass_composed_deny.json,
  ]
}

resource "aws_s3_bucket_policy" "pass_composed" {
  bucket = aws_s3_bucket.pass_composed.id
  policy = data.aws_iam_policy_document.pass_composed.json
}

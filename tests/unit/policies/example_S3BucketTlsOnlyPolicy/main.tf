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

# Indexed documents: companions and TLS-deny documents as one for_each over the buckets (terraform/s3.tf's
# shape). The policy's bucket is `each.value.bucket` and its document `data.x[each.key]`, so the resolver must
# match the bucket by its planned name and follow the document of the policy's own instance.
resource "aws_s3_bucket" "pass_indexed_a" {
  bucket = "pass-indexed-a"
}

resource "aws_s3_bucket" "pass_indexed_b" {
  bucket = "pass-indexed-b"
}

resource "aws_s3_bucket" "fail_indexed" {
  bucket = "fail-indexed"
}

locals {
  indexed         = { a = aws_s3_bucket.pass_indexed_a, b = aws_s3_bucket.pass_indexed_b }
  indexed_no_deny = { c = aws_s3_bucket.fail_indexed }
}

data "aws_iam_policy_document" "indexed_deny" {
  for_each = local.indexed

  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
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

data "aws_iam_policy_document" "indexed" {
  for_each = local.indexed

  source_policy_documents = [data.aws_iam_policy_document.indexed_deny[each.key].json]
}

resource "aws_s3_bucket_policy" "indexed" {
  for_each = local.indexed

  bucket = each.value.bucket
  policy = data.aws_iam_policy_document.indexed[each.key].json
}

# fail: the same shape, but the instance's document has no TLS deny
data "aws_iam_policy_document" "indexed_read" {
  for_each = local.indexed_no_deny

  statement {
    actions   = ["s3:GetObject"]
    resources = ["${each.value.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/reader"]
    }
  }
}

resource "aws_s3_bucket_policy" "indexed_no_deny" {
  for_each = local.indexed_no_deny

  bucket = each.value.bucket
  policy = data.aws_iam_policy_document.indexed_read[each.key].json
}

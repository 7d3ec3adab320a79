# Two buckets: the private site bucket CloudFront reads through Origin Access
# Control, and the log bucket that receives S3 server access logs, CloudFront
# access logs and the DynamoDB trail's files (cloudtrail.tf).

locals {
  site_bucket_name = "${local.name_prefix}-site-${local.account_id}"
  logs_bucket_name = "${local.name_prefix}-logs-${local.account_id}"

  # Log object prefixes inside the log bucket.
  site_access_log_prefix = "s3/${local.site_bucket_name}/"
  cloudfront_log_prefix  = "cloudfront/"
  # The CloudFront delivery source lives in us-east-1 (cloudfront.tf).
  log_delivery_source_arn = "arn:${local.partition}:logs:us-east-1:${local.account_id}:*"
  noncurrent_version_days = 90
}

################################################################################
# Log bucket
################################################################################

resource "aws_s3_bucket" "logs" {
  # checkov:skip=CKV_AWS_18: This is the access-log target; logging it into itself would loop, CloudTrail data events cover it if wanted.
  # checkov:skip=CKV_AWS_144: Logs are kept in-region for a year; a replica would double cost without a recovery need.
  # checkov:skip=CKV_AWS_145: S3 server access logging delivers only to SSE-S3 target buckets (AWS documented limit); SSE-S3 is set.
  # checkov:skip=CKV2_AWS_62: Nothing consumes log-object events; Athena reads the bucket on demand.
  bucket = local.logs_bucket_name
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket = aws_s3_bucket.logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      # Server access logging refuses SSE-KMS targets.
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }

    expiration {
      days = var.log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Lifecycle rules act on a versioned bucket; set them after versioning.
  depends_on = [aws_s3_bucket_versioning.logs]
}

data "aws_iam_policy_document" "logs_bucket_delivery" {
  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.site_access_log_prefix}*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.site.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # The two statements CloudWatch Logs' vended delivery (CloudFront logging
  # v2) needs, exactly as AWS documents and appends them: a policy without
  # them gets them appended on the first delivery set-up, and Terraform and
  # the service then undo each other on every apply.
  statement {
    sid       = "AWSLogDeliveryWrite"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.cloudfront_log_prefix}AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.log_delivery_source_arn]
    }
  }

  statement {
    sid       = "AWSLogDeliveryAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.logs.arn]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.log_delivery_source_arn]
    }
  }
}

data "aws_iam_policy_document" "logs_bucket" {
  source_policy_documents = [
    data.aws_iam_policy_document.logs_bucket_delivery.json,
    data.aws_iam_policy_document.cloudtrail_delivery["logs_bucket"].json,
    data.aws_iam_policy_document.deny_insecure_transport["logs"].json,
  ]
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  # A bucket policy is rejected while public access blocking is being set.
  depends_on = [aws_s3_bucket_public_access_block.logs]
}

################################################################################
# Site bucket
################################################################################

resource "aws_s3_bucket" "site" {
  # checkov:skip=CKV_AWS_144: The site is a build artefact of this repository; disaster recovery is a redeploy, not a replica.
  # checkov:skip=CKV2_AWS_62: Deploys invalidate CloudFront themselves; nothing consumes object events.
  bucket = local.site_bucket_name
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket = aws_s3_bucket.site.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.site.arn
    }
  }
}

resource "aws_s3_bucket_logging" "site" {
  bucket = aws_s3_bucket.site.id

  target_bucket = aws_s3_bucket.logs.id
  target_prefix = local.site_access_log_prefix

  # S3 checks the target bucket's policy when logging is switched on.
  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = local.noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Lifecycle rules act on a versioned bucket; set them after versioning.
  depends_on = [aws_s3_bucket_versioning.site]
}

data "aws_iam_policy_document" "site_bucket_cloudfront_read" {
  statement {
    sid       = "CloudFrontReadsThroughOac"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudfront_distribution.site.arn]
    }
  }
}

data "aws_iam_policy_document" "site_bucket" {
  source_policy_documents = [
    data.aws_iam_policy_document.site_bucket_cloudfront_read.json,
    data.aws_iam_policy_document.deny_insecure_transport["site"].json,
  ]
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site_bucket.json

  # A bucket policy is rejected while public access blocking is being set.
  depends_on = [aws_s3_bucket_public_access_block.site]
}

################################################################################
# What both buckets get alike
################################################################################

# The public access blocks and versioning above stay one block per bucket:
# checkov's CKV2_AWS_6 and CKV_AWS_21 find a bucket's public access block and
# versioning on the plan only through a direct reference to the bucket, and
# fail a bucket whose companion is an instance of a for_each.
locals {
  buckets = { logs = aws_s3_bucket.logs, site = aws_s3_bucket.site }
}

resource "aws_s3_bucket_ownership_controls" "bucket" {
  for_each = local.buckets

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

data "aws_iam_policy_document" "deny_insecure_transport" {
  for_each = local.buckets

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      each.value.arn,
      "${each.value.arn}/*",
    ]

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

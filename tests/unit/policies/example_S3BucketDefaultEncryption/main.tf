# plan-fixture: planned by make_plan_fixtures.py into tfplan.json (bucket ↔ encryption resource is cross-resource).
# CKV_TTH_11: every bucket has default encryption.
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
  bucket = "pass-kms"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "pass" {
  bucket = aws_s3_bucket.pass.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "alias/shop"
    }
  }
}

resource "aws_s3_bucket" "pass_sse_s3" {
  bucket = "pass-sse-s3"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "pass_sse_s3" {
  bucket = aws_s3_bucket.pass_sse_s3.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# fail
resource "aws_s3_bucket" "fail_no_encryption_configuration" {
  bucket = "fail-plain"
}

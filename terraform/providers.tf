terraform {
  # The SecureString parameter's write-only value (parameters.tf: value_wo,
  # kept out of state) needs Terraform 1.11, as do the tests (tests/, mocked
  # providers, override_during).
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # State is local by default. backend.tf.example holds the S3 backend with
  # either native lock files (Terraform >= 1.10) or a DynamoDB lock table
  # (any Terraform, deprecated from 1.11); README.md explains how to migrate.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.common_tags
  }
}

# CloudFront reads ACM certificates and WAF web ACLs (scope CLOUDFRONT) from
# us-east-1 only, and a CloudFront vended-log delivery source must live there
# too. Nothing else uses this alias.
provider "aws" {
  alias = "us_east_1"

  region = "us-east-1"

  default_tags {
    tags = local.common_tags
  }
}

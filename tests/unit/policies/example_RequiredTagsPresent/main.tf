# plan-fixture: planned by make_plan_fixtures.py into tfplan.json (tags_all merges the provider's default_tags).
# CKV_TTH_1: every taggable resource has the required tags with non-empty, allowed values.
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

# A provider whose default_tags lack CostCenter, to prove a missing tag fails.
provider "aws" {
  alias  = "partial"
  region = "us-east-2"
  default_tags {
    tags = { Project = "tickets-to-heaven", Environment = "prod", Owner = "platform", ManagedBy = "terraform" }
  }
}

# pass
resource "aws_sqs_queue" "pass" {
  name = "pass"
}

resource "aws_kms_key" "pass_resource_override" {
  description = "resource tags merge over default_tags"
  tags        = { Owner = "payments" }
}

# not taggable: not judged
resource "aws_sqs_queue_policy" "not_taggable" {
  queue_url = aws_sqs_queue.pass.url
  policy    = jsonencode({ Version = "2012-10-17", Statement = [] })
}

# fail
resource "aws_sqs_queue" "fail_missing_cost_center" {
  provider = aws.partial
  name     = "missing"
}

resource "aws_sqs_queue" "fail_empty_owner" {
  name = "empty"
  tags = { Owner = "" }
}

resource "aws_sns_topic" "fail_environment" {
  name = "dev"
  tags = { Environment = "dev" }
}

resource "aws_sqs_queue" "fail_managed_by" {
  name = "console"
  tags = { ManagedBy = "console" }
}

resource "aws_sqs_queue" "fail_unknown_at_plan" {
  name = "unknown"
  tags = { Owner = aws_sqs_queue.pass.arn }
}

# A plain root module for `python -m policies --terraform-dir`: only a default aws provider (no alias, no
# variables the real stack declares, no Lambda packages). test_policies_main.py plans and scans it.
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

resource "aws_kms_key" "queue" {
  description         = "plain module fixture"
  enable_key_rotation = true
}

resource "aws_sqs_queue" "jobs" {
  name              = "plain-module-jobs"
  kms_master_key_id = aws_kms_key.queue.arn
}

data "aws_iam_policy_document" "send_jobs" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.jobs.arn]
  }
}

resource "aws_iam_policy" "send_jobs" {
  name   = "plain-module-send-jobs"
  policy = data.aws_iam_policy_document.send_jobs.json
}

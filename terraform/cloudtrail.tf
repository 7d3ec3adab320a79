# DynamoDB data events (every item read and write of the shop's tables, who
# made it and from where) into the log bucket and the /aws/dynamodb/ log
# group (cloudwatch.tf). DynamoDB itself writes no logs: CloudTrail is the
# only source of item-level access records. Data events only: the account's
# management events are left to its own (free) trail.
#
# Cost (us-east-2, 2026 prices): $0.10 per 100,000 data events plus
# CloudWatch Logs ingestion ($0.50/GB) and storage; an order touches the
# tables about 15 times, so 10,000 orders a month cost about $0.15 in
# events and a few cents in logs.

locals {
  dynamodb_trail_name = "${local.name_prefix}-dynamodb"
  # Built, not read from the trail: the bucket and key policies name it and
  # the trail needs both in place before it is created.
  dynamodb_trail_arn    = "arn:${local.partition}:cloudtrail:${var.region}:${local.account_id}:trail/${local.dynamodb_trail_name}"
  cloudtrail_log_prefix = "cloudtrail"
}

resource "aws_cloudtrail" "dynamodb" {
  name                          = local.dynamodb_trail_name
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = local.cloudtrail_log_prefix
  kms_key_id                    = aws_kms_key.regional["main"].arn
  enable_log_file_validation    = true
  is_multi_region_trail         = true
  include_global_service_events = true

  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.service["dynamodb"].arn}:*"
  cloud_watch_logs_role_arn  = aws_iam_role.cloudtrail_logs.arn
  # The name: the topic is in the trail's home region and account.
  sns_topic_name = aws_sns_topic.trail_deliveries.name

  advanced_event_selector {
    name = "Item-level access to the shop's tables"

    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }

    field_selector {
      field  = "resources.type"
      equals = ["AWS::DynamoDB::Table"]
    }

    field_selector {
      field  = "resources.ARN"
      equals = [for table in aws_dynamodb_table.shop : table.arn]
    }
  }

  # CloudTrail checks its bucket and log-group permissions at create time.
  depends_on = [
    aws_s3_bucket_policy.logs,
    aws_iam_role_policy.cloudtrail_logs,
    aws_sns_topic_policy.trail_deliveries,
  ]
}

# The trail announces every log file it writes to S3 here. That is how a log
# archive or SIEM (often in another account) learns of new CloudTrail files:
# it subscribes an SQS queue (README, "Shipping the trail's files") instead
# of S3 event notifications on the shared log bucket, which would also fire
# for every CloudFront and access-log object. No subscription is made here;
# a publish with none costs $0.50 per million, and the trail publishes about
# one per delivered file (a few every 5 minutes per region).
resource "aws_sns_topic" "trail_deliveries" {
  name              = "${local.name_prefix}-trail-deliveries"
  kms_master_key_id = aws_kms_key.regional["main"].arn
}

# What CloudTrail may do to deliver the trail's files: check and write the
# log bucket (s3.tf adds this to the bucket policy) and announce each file.
# Every statement is confined to this stack's trail (confused-deputy guard).
locals {
  cloudtrail_delivery_statements = {
    logs_bucket = [
      { sid = "AWSCloudTrailAclCheck", actions = ["s3:GetBucketAcl"], resources = [aws_s3_bucket.logs.arn], owner_full_control = false },
      {
        sid                = "AWSCloudTrailWrite"
        actions            = ["s3:PutObject"]
        resources          = ["${aws_s3_bucket.logs.arn}/${local.cloudtrail_log_prefix}/AWSLogs/${local.account_id}/*"]
        owner_full_control = true
      },
    ]
    topic = [
      { sid = "CloudTrailAnnouncesLogFiles", actions = ["sns:Publish"], resources = [aws_sns_topic.trail_deliveries.arn], owner_full_control = false },
    ]
  }
}

data "aws_iam_policy_document" "cloudtrail_delivery" {
  for_each = local.cloudtrail_delivery_statements

  dynamic "statement" {
    for_each = each.value

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = [local.dynamodb_trail_arn]
      }

      # Objects the trail writes stay the bucket owner's.
      dynamic "condition" {
        for_each = statement.value.owner_full_control ? ["s3:x-amz-acl"] : []

        content {
          test     = "StringEquals"
          variable = condition.value
          values   = ["bucket-owner-full-control"]
        }
      }
    }
  }
}

resource "aws_sns_topic_policy" "trail_deliveries" {
  arn    = aws_sns_topic.trail_deliveries.arn
  policy = data.aws_iam_policy_document.cloudtrail_delivery["topic"].json
}

# Customer-managed keys (the WAF logs key is in waf.tf, in us-east-1):
# - main: data at rest of the backend (DynamoDB, Secrets Manager, SSM
#   SecureString, SQS, SNS, CloudWatch Logs, Lambda environment).
# - site: the static site bucket; its policy names the CloudFront
#   distribution, which depends (through the API origin) on resources
#   encrypted with the main key, so one key would form a dependency cycle.

# The account (through IAM policies) administers and uses every key. The
# actions are listed instead of "kms:*": the same effect for key management
# (on-demand rotation included), without granting future KMS actions by
# default.
data "aws_iam_policy_document" "kms_account" {
  # checkov:skip=CKV_AWS_109: Key policy: Resource "*" means this key only; the root statement delegates to IAM as AWS documents.
  # checkov:skip=CKV_AWS_111: Key policy: Resource "*" means this key only; writes are limited to the account root (IAM).
  # checkov:skip=CKV_AWS_356: Key policy: a key policy can only name its own key, as "*".
  statement {
    sid = "AccountAdministersKeyThroughIam"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKey",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListGrants",
      "kms:ListKeyPolicies",
      "kms:ListKeyRotations",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:ReEncrypt*",
      "kms:RetireGrant",
      "kms:RevokeGrant",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

# The policies of the main key (var.region) and the WAF logs key (us-east-1,
# waf.tf): CloudWatch Logs encrypts this account's log groups of the key's
# region, plus each key's own service statements below.
locals {
  kms_regional_keys = { main = var.region, waf_logs = "us-east-1" }

  kms_service_statements = {
    main = [
      {
        sid     = "CloudTrailEncryptsDynamodbTrail"
        service = "cloudtrail.amazonaws.com"
        actions = ["kms:GenerateDataKey*"]
        conditions = [
          { test = "StringEquals", variable = "aws:SourceArn", values = [local.dynamodb_trail_arn] },
          { test = "StringLike", variable = "kms:EncryptionContext:aws:cloudtrail:arn", values = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"] },
        ]
      },
      {
        sid        = "CloudTrailDescribesKey"
        service    = "cloudtrail.amazonaws.com"
        actions    = ["kms:DescribeKey"]
        conditions = [{ test = "StringEquals", variable = "aws:SourceArn", values = [local.dynamodb_trail_arn] }]
      },
      {
        # Publishing to the encrypted trail_deliveries topic (cloudtrail.tf).
        sid        = "CloudTrailPublishesToEncryptedTopic"
        service    = "cloudtrail.amazonaws.com"
        actions    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        conditions = [{ test = "StringEquals", variable = "aws:SourceArn", values = [local.dynamodb_trail_arn] }]
      },
      {
        sid        = "CloudWatchAlarmsPublishToEncryptedTopic"
        service    = "cloudwatch.amazonaws.com"
        actions    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
      },
    ]
    waf_logs = []
  }
}

data "aws_iam_policy_document" "kms_regional" {
  # checkov:skip=CKV_AWS_109: Key policy: Resource "*" means this key only; the root statement delegates to IAM as AWS documents.
  # checkov:skip=CKV_AWS_111: Key policy: Resource "*" means this key only; writes are limited to the account root (IAM) and to services by condition.
  # checkov:skip=CKV_AWS_356: Key policy: a key policy can only name its own key, as "*".
  for_each = local.kms_regional_keys

  source_policy_documents = [data.aws_iam_policy_document.kms_account.json]

  # No kms:DescribeKey here: its requests carry no encryption context, so
  # the condition below could never allow it. The context key is a String
  # (IAM service reference), hence StringLike.
  statement {
    sid = "CloudWatchLogsEncryptsOurLogGroups"
    actions = [
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:ReEncrypt*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${each.value}.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${each.value}:${local.account_id}:log-group:*"]
    }
  }

  dynamic "statement" {
    for_each = local.kms_service_statements[each.key]

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "main" {
  description             = "${local.name_prefix}: data at rest (DynamoDB, secrets, parameters, queues, topics, logs, Lambda environment)"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.kms_regional["main"].json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name_prefix}-main"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "kms_site" {
  # checkov:skip=CKV_AWS_109: Key policy: Resource "*" means this key only; the root statement delegates to IAM as AWS documents.
  # checkov:skip=CKV_AWS_111: Key policy: Resource "*" means this key only; CloudFront may only decrypt, for our distribution.
  # checkov:skip=CKV_AWS_356: Key policy: a key policy can only name its own key, as "*".
  source_policy_documents = [data.aws_iam_policy_document.kms_account.json]

  statement {
    sid       = "CloudFrontReadsSiteObjects"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

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

resource "aws_kms_key" "site" {
  description             = "${local.name_prefix}: static site bucket, readable by the CloudFront distribution"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.kms_site.json
}

resource "aws_kms_alias" "site" {
  name          = "alias/${local.name_prefix}-site"
  target_key_id = aws_kms_key.site.key_id
}

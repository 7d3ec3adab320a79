# Customer-managed keys (the WAF logs key is in waf.tf, in us-east-1):
# - main: data at rest of the backend (DynamoDB, SSM SecureString, SQS, SNS,
#   CloudWatch Logs, Lambda environment).
# - secrets: the Secrets Manager secrets only. Its policy gives the account
#   (IAM) administration but no cryptographic use, so no IAM policy can let
#   anyone else read a secret: only the functions that read one (each for its
#   own secrets) and var.secrets_operator_role_arns decrypt, through Secrets
#   Manager. The SecureString stays on main: the provider reads a parameter
#   back with decryption on every refresh, so whoever runs Terraform needs
#   kms:Decrypt on its key.
# - site: the static site bucket; its policy names the CloudFront
#   distribution, which depends (through the API origin) on resources
#   encrypted with the main key, so one key would form a dependency cycle.

# What the account root (that is, IAM policies) may do with a key. The
# actions are listed instead of "kms:*": the same effect for key management
# (on-demand rotation included), without granting future KMS actions by
# default. The secrets key gets the same statement without the actions that
# use the key (kms_use_actions) and CreateGrant, which could hand those out.
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

locals {
  kms_use_actions = ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]

  kms_account_administers = {
    sid        = "AccountAdministersKeyThroughIam"
    principal  = { type = "AWS", identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"] }
    actions    = [for action in one(data.aws_iam_policy_document.kms_account.statement).actions : action if !contains(local.kms_use_actions, action)]
    conditions = []
  }
}

# The regional keys: main (var.region), secrets (var.region) and WAF logs
# (us-east-1, waf.tf), each with its own statements; all but secrets start
# from the account statement.
locals {
  kms_regional_keys = toset(["main", "secrets", "waf_logs"])

  # CloudWatch Logs encrypts this account's log groups of a key's region (main
  # and WAF logs). No kms:DescribeKey: its requests carry no encryption
  # context, so the condition could never allow it. The context key is a
  # String (IAM service reference), hence StringLike.
  kms_log_groups_statement = {
    for region in distinct([var.region, "us-east-1"]) : region => {
      sid        = "CloudWatchLogsEncryptsOurLogGroups"
      principal  = { type = "Service", identifiers = ["logs.${region}.amazonaws.com"] }
      actions    = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      conditions = [{ test = "StringLike", variable = "kms:EncryptionContext:aws:logs:arn", values = ["arn:${local.partition}:logs:${region}:${local.account_id}:log-group:*"] }]
    }
  }

  # Secrets Manager appends "-" and six random characters to a secret's
  # name; the ARNs cannot be referenced (the secrets name this key).
  secret_arn_patterns = {
    for key, secret in local.secrets :
    key => "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:${local.name_prefix}/${secret.name}-??????"
  }

  # Built from the names (aws_iam_role.function), so that the plan shows
  # every principal of the key policy.
  function_role_arns = { for key, name in local.function_names : key => "arn:${local.partition}:iam::${local.account_id}:role/${name}" }

  secrets_manager_only = { test = "StringEquals", variable = "kms:ViaService", values = ["secretsmanager.${var.region}.amazonaws.com"] }

  # principal: { type = "Service" or "AWS", identifiers }.
  kms_key_statements = {
    main = [
      local.kms_log_groups_statement[var.region],
      {
        sid       = "CloudTrailEncryptsDynamodbTrail"
        principal = { type = "Service", identifiers = ["cloudtrail.amazonaws.com"] }
        actions   = ["kms:GenerateDataKey*"]
        conditions = [
          { test = "StringEquals", variable = "aws:SourceArn", values = [local.dynamodb_trail_arn] },
          { test = "StringLike", variable = "kms:EncryptionContext:aws:cloudtrail:arn", values = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"] },
        ]
      },
      {
        sid        = "CloudTrailDescribesKey"
        principal  = { type = "Service", identifiers = ["cloudtrail.amazonaws.com"] }
        actions    = ["kms:DescribeKey"]
        conditions = [{ test = "StringEquals", variable = "aws:SourceArn", values = [local.dynamodb_trail_arn] }]
      },
      {
        # Publishing to the encrypted trail_deliveries topic (cloudtrail.tf).
        sid        = "CloudTrailPublishesToEncryptedTopic"
        principal  = { type = "Service", identifiers = ["cloudtrail.amazonaws.com"] }
        actions    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        conditions = [{ test = "StringEquals", variable = "aws:SourceArn", values = [local.dynamodb_trail_arn] }]
      },
      {
        sid        = "CloudWatchAlarmsPublishToEncryptedTopic"
        principal  = { type = "Service", identifiers = ["cloudwatch.amazonaws.com"] }
        actions    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
      },
    ]
    # Each function decrypts only the secrets in its access entry (main.tf).
    # The operators' read-compare (GetSecretValue) decrypts, PutSecretValue
    # generates a data key.
    secrets = concat(
      [local.kms_account_administers],
      [
        for key, fn in local.functions : {
          sid       = "${join("", [for word in split("_", key) : title(word)])}DecryptsItsSecrets"
          principal = { type = "AWS", identifiers = [local.function_role_arns[key]] }
          actions   = ["kms:Decrypt"]
          conditions = [
            local.secrets_manager_only,
            { test = "StringLike", variable = "kms:EncryptionContext:SecretARN", values = [for secret in fn.access.secrets : local.secret_arn_patterns[secret]] },
          ]
        } if length(fn.access.secrets) > 0
      ],
      [
        for operators in [var.secrets_operator_role_arns] : {
          sid        = "OperatorsPutAndCompareSecrets"
          principal  = { type = "AWS", identifiers = operators }
          actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
          conditions = [local.secrets_manager_only]
        } if length(operators) > 0
      ],
    )
    waf_logs = [local.kms_log_groups_statement["us-east-1"]]
  }
}

data "aws_iam_policy_document" "kms_regional" {
  # checkov:skip=CKV_AWS_109: Key policy: Resource "*" means this key only; the root statement delegates to IAM as AWS documents.
  # checkov:skip=CKV_AWS_111: Key policy: Resource "*" means this key only; writes are limited to the account root (IAM) and to services and roles by condition.
  # checkov:skip=CKV_AWS_356: Key policy: a key policy can only name its own key, as "*".
  for_each = local.kms_regional_keys

  source_policy_documents = each.key == "secrets" ? [] : [data.aws_iam_policy_document.kms_account.json]

  dynamic "statement" {
    for_each = local.kms_key_statements[each.key]

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = statement.value.principal.type
        identifiers = statement.value.principal.identifiers
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

# The two keys of var.region; their policies are kms_regional above.
locals {
  kms_key_descriptions = {
    main    = "data at rest (DynamoDB, parameters, queues, topics, logs, Lambda environment)"
    secrets = "Secrets Manager secrets, decrypted only by the functions that read them and the operators"
  }
}

resource "aws_kms_key" "regional" {
  for_each = local.kms_key_descriptions

  description             = "${local.name_prefix}: ${each.value}"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.kms_regional[each.key].json

  # KMS rejects a key policy that names a role that does not exist yet (the
  # secrets key names the functions' roles).
  depends_on = [aws_iam_role.function]
}

resource "aws_kms_alias" "regional" {
  for_each = aws_kms_key.regional

  name          = "alias/${local.name_prefix}-${each.key}"
  target_key_id = each.value.key_id
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

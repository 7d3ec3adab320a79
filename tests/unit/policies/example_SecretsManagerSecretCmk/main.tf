# CKV_TTH_13: Secrets Manager secrets encrypted with a customer-managed KMS key.

# pass
resource "aws_secretsmanager_secret" "pass" {
  name       = "stripe-secret-key"
  kms_key_id = aws_kms_key.secrets.arn
}

# fail
resource "aws_secretsmanager_secret" "fail_default_key" {
  name = "webhook-secret"
}

resource "aws_secretsmanager_secret" "fail_aws_managed_alias" {
  name       = "partner-key"
  kms_key_id = "alias/aws/secretsmanager"
}

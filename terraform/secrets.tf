# Terraform creates the secrets (name, the secrets key, recovery window) and never their
# values: state is plain text. scripts/put_secrets.py puts the values out of
# band (see README.md). Functions get the ARN and read the value at run time.
# The partner's API key is a SecureString parameter (parameters.tf). The customer's
# e-mail and name are encrypted by KMS itself (iam.tf, access.pii): no key to keep here.

locals {
  secrets = {
    stripe_secret_key = {
      name        = "stripe-secret-key"
      description = "Stripe secret API key (sk_...), used to create PaymentIntents"
    }
    stripe_webhook_secret = {
      name        = "stripe-webhook-secret"
      description = "Stripe webhook endpoint signing secret (whsec_...)"
    }
  }
}

resource "aws_secretsmanager_secret" "runtime" {
  # checkov:skip=CKV2_AWS_57: Values are issued by Stripe, so no rotation Lambda can mint them; they are rolled in its dashboard and re-put with scripts/put_secrets.py (README: rotation).
  for_each = local.secrets

  name                    = "${local.name_prefix}/${each.value.name}"
  description             = each.value.description
  kms_key_id              = aws_kms_key.regional["secrets"].arn
  recovery_window_in_days = 30
}

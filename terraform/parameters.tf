# Non-secret configuration read by the functions under CONFIG_PARAMETER_PATH.
# Every value here is public or harmless (the publishable key is sent to
# every browser), so all are String as the contract fixes. Sensitive
# configuration is below (SecureString) or in secrets.tf.

locals {
  parameters = {
    "catalog"                  = jsonencode(var.catalog)
    "currency"                 = var.currency
    "fulfillment/api_base_url" = var.fulfillment_api_base_url
    "log_level"                = var.log_level
    "stripe/api_base_url"      = var.stripe_api_base_url
    "stripe/publishable_key"   = var.stripe_publishable_key
  }
}

resource "aws_ssm_parameter" "config" {
  # checkov:skip=CKV2_AWS_34: Public, non-secret configuration (catalog, currency, URLs, publishable key); the contract fixes String. Secrets live in Secrets Manager under the CMK.
  for_each = local.parameters

  name        = "${local.config_parameter_path}/${each.key}"
  description = "${local.name_prefix} configuration: ${each.key}"
  type        = "String"
  tier        = "Standard"
  value       = each.value
}

# SecureString parameters: sensitive configuration that no rotation Lambda
# could renew, so Secrets Manager's rotation (and its $0.40 a secret-month)
# would buy nothing. The fulfillment partner's API key is one: the partner
# issues it and it is rolled by hand (README, "Rotation"); only the
# fulfillment function reads it. Outside CONFIG_PARAMETER_PATH, so the other
# functions' recursive read of their configuration never returns it.
#
# Terraform owns the name, type, key and IAM (iam.tf), never the value:
# value_wo is write-only (Terraform >= 1.11), so the provider keeps no value
# in state, and the placeholder it creates the parameter with is overwritten
# by scripts/put_secrets.py. Until then the partner answers 401, which the
# fulfillment-auth-failed alarm reports.
locals {
  secure_parameter_path = "/${var.project}/${var.environment}-secure"

  secure_parameters = {
    fulfillment_api_key = {
      name        = "fulfillment-api-key"
      description = "Bearer key of the fulfillment partner API (value put by scripts/put_secrets.py)"
    }
  }
}

resource "aws_ssm_parameter" "secure" {
  for_each = local.secure_parameters

  name             = "${local.secure_parameter_path}/${each.value.name}"
  description      = "${local.name_prefix}: ${each.value.description}"
  type             = "SecureString"
  tier             = "Standard"
  key_id           = aws_kms_key.regional["main"].arn
  value_wo         = "unset: put the value with scripts/put_secrets.py"
  value_wo_version = 1
}

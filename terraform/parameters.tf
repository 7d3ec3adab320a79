# Non-secret configuration read by the functions under CONFIG_PARAMETER_PATH.
# Every value here is public or harmless (the publishable key is sent to
# every browser), so all are String as the contract fixes; anything
# sensitive belongs in secrets.tf instead, and a future sensitive parameter
# would be SecureString under aws_kms_key.main.

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

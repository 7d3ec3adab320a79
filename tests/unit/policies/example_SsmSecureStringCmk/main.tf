# CKV_TTH_14: SecureString parameters encrypted with a customer-managed KMS key.

# pass
resource "aws_ssm_parameter" "pass_secure" {
  name   = "/tickets-to-heaven/prod/secure"
  type   = "SecureString"
  value  = "x"
  key_id = aws_kms_key.config.arn
}

resource "aws_ssm_parameter" "pass_plain_string" {
  name  = "/tickets-to-heaven/prod/currency"
  type  = "String"
  value = "eur"
}

# fail
resource "aws_ssm_parameter" "fail_default_key" {
  name  = "/tickets-to-heaven/prod/a"
  type  = "SecureString"
  value = "x"
}

resource "aws_ssm_parameter" "fail_aws_managed_alias" {
  name   = "/tickets-to-heaven/prod/b"
  type   = "SecureString"
  value  = "x"
  key_id = "alias/aws/ssm"
}

# CKV_TTH_19: KMS keys rotate.

# pass
resource "aws_kms_key" "pass" {
  description         = "data"
  enable_key_rotation = true
}

# fail
resource "aws_kms_key" "fail_disabled" {
  description         = "off"
  enable_key_rotation = false
}

resource "aws_kms_key" "fail_default" {
  description = "default"
}

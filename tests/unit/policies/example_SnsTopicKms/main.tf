# CKV_TTH_17: SNS topics encrypted with a customer-managed KMS key.

# pass
resource "aws_sns_topic" "pass" {
  name              = "alarms"
  kms_master_key_id = aws_kms_key.messaging.id
}

# fail
resource "aws_sns_topic" "fail_unencrypted" {
  name = "plain"
}

resource "aws_sns_topic" "fail_aws_managed_alias" {
  name              = "managed"
  kms_master_key_id = "alias/aws/sns"
}

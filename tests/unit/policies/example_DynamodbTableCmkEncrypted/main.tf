# CKV_TTH_10: DynamoDB tables encrypted with a customer-managed KMS key.

# pass
resource "aws_dynamodb_table" "pass" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "order_id"
  attribute {
    name = "order_id"
    type = "S"
  }
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }
}

# fail
resource "aws_dynamodb_table" "fail_no_sse_block" {
  name         = "events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "event_id"
  attribute {
    name = "event_id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "fail_aws_managed_key" {
  name         = "idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "fail_disabled" {
  name         = "other"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  server_side_encryption {
    enabled     = false
    kms_key_arn = aws_kms_key.data.arn
  }
}

# CKV_TTH_18: Lambda environment variables encrypted with a customer-managed KMS key.

# pass
resource "aws_lambda_function" "pass" {
  function_name = "orders"
  role          = "arn:aws:iam::123456789012:role/orders"
  handler       = "orders.handler.lambda_handler"
  runtime       = "python3.13"
  filename      = "orders.zip"
  kms_key_arn   = aws_kms_key.lambda.arn
  environment {
    variables = { ORDERS_TABLE_NAME = "orders" }
  }
}

resource "aws_lambda_function" "pass_no_environment" {
  function_name = "noenv"
  role          = "arn:aws:iam::123456789012:role/noenv"
  handler       = "noenv.handler.lambda_handler"
  runtime       = "python3.13"
  filename      = "noenv.zip"
}

# fail
resource "aws_lambda_function" "fail" {
  function_name = "fulfillment"
  role          = "arn:aws:iam::123456789012:role/fulfillment"
  handler       = "fulfillment.handler.lambda_handler"
  runtime       = "python3.13"
  filename      = "fulfillment.zip"
  environment {
    variables = { ORDERS_TABLE_NAME = "orders" }
  }
}

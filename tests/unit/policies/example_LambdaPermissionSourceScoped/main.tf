# CKV_TTH_9: a Lambda permission for an AWS service principal names source_arn (or source_account).

# pass
resource "aws_lambda_permission" "pass" {
  action        = "lambda:InvokeFunction"
  function_name = "orders"
  principal     = "apigateway.amazonaws.com"
  source_arn    = "arn:aws:execute-api:us-east-2:123456789012:abc/*/POST/orders"
}

resource "aws_lambda_permission" "pass_account_principal" {
  action        = "lambda:InvokeFunction"
  function_name = "orders"
  principal     = "123456789012"
}

# fail
resource "aws_lambda_permission" "fail_service_unscoped" {
  action        = "lambda:InvokeFunction"
  function_name = "orders"
  principal     = "apigateway.amazonaws.com"
}

# CKV_TTH_22: API Gateway stages write access logs.

# pass
resource "aws_api_gateway_stage" "pass" {
  rest_api_id   = "abc"
  deployment_id = "dep"
  stage_name    = "prod"
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = jsonencode({ requestId = "$context.requestId" })
  }
}

# fail
resource "aws_api_gateway_stage" "fail" {
  rest_api_id   = "abc"
  deployment_id = "dep"
  stage_name    = "test"
}

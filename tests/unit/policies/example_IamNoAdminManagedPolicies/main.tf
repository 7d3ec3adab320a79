# CKV_TTH_7: no AWS managed administrator, power-user or *FullAccess policy attached.

# pass
resource "aws_iam_role_policy_attachment" "pass" {
  role       = "fn"
  policy_arn = "arn:aws:iam::123456789012:policy/tickets-to-heaven-prod-orders"
}

resource "aws_iam_role_policy_attachment" "pass_aws_managed_narrow" {
  role       = "apigw"
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# fail
resource "aws_iam_role_policy_attachment" "fail_admin" {
  role       = "fn"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_policy_attachment" "fail_power_user" {
  name       = "power"
  roles      = ["fn"]
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role" "fail_full_access" {
  name                = "fail_full_access"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"]
}

resource "aws_iam_role_policy_attachments_exclusive" "fail_iam_full_access" {
  role_name   = "fn"
  policy_arns = ["arn:aws:iam::aws:policy/IAMFullAccess"]
}

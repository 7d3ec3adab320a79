# Mocked AWS provider shared by every test file (mock_provider "aws" { source = "./tests/mocks" }).

# Policy documents are rendered by the real provider only; a valid empty
# policy keeps the resources that validate JSON happy. Tests assert on the
# documents' arguments (statements, conditions) instead.
mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = data.aws_partition.current
  values = { partition = "aws" }
}

# AWS's default concurrency quota; tests of the precondition override it.
override_data {
  target = data.aws_servicequotas_service_quota.lambda_concurrency
  values = { value = 1000 }
}

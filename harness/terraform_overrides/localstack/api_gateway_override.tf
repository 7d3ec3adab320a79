# LocalStack: a stage method setting for one route (method_path
# "api/webhooks/stripe/POST") is stored under a key the provider does not
# read back ("empty result" on apply), so the LocalStack run keeps only the
# "*/*" default. Production also sets the webhook's own throttle
# (api_gateway.tf, api_method_throttles); the plan-level test covers it, and
# the moto run applies it (harness/moto_apigateway.py stores it as AWS does).

resource "aws_api_gateway_method_settings" "route" {
  for_each = { all = local.api_method_throttles.all }
}

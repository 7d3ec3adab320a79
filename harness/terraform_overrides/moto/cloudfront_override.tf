# moto: emulator run only. With wait_for_deployment the provider sleeps a
# fixed 30 s (waitDistributionDeployed: Delay 30 s, then polls Status) before
# it reads anything; moto has no edge to deploy to, so the wait measures
# nothing. This is a provider-side setting, never sent to CloudFront: the
# distribution's configuration (what harness/cloudfront.py serves from) is
# unchanged. Production keeps the default (true): apply ends when the edge
# serves the new configuration.

resource "aws_cloudfront_distribution" "site" {
  wait_for_deployment = false
}

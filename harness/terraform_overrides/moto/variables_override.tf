# moto: the harness executes the deployed packages on this x86_64 host, so
# the emulator run deploys x86_64 packages (scripts/build_lambdas.py
# --target host). Production stays arm64 (variables.tf).

variable "lambda_architecture" {
  default = "x86_64"
}

# moto cannot issue an ACM certificate, so the emulator run serves the shop
# on the distribution's default name: the explicit opt-out production must
# not use (cloudfront.tf precondition).
variable "cloudfront_default_domain_allowed" {
  default = true
}

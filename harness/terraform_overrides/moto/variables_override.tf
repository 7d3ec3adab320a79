# moto: the harness executes the deployed packages on this x86_64 host, so
# the emulator run deploys x86_64 packages (scripts/build_lambdas.py
# --target host). Production stays arm64 (variables.tf).

variable "lambda_architecture" {
  default = "x86_64"
}

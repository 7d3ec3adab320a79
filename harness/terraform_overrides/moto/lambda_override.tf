# moto: Lambda accepts dead_letter_config and drops it on read, which would
# plan an update forever. The block is still sent on create (see lambda.tf);
# only the read-back is ignored in the emulator run.

resource "aws_lambda_function" "function" {
  lifecycle {
    ignore_changes = [dead_letter_config]
  }
}


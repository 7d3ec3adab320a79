# moto: delete secrets at once on destroy so the next run can create the same
# names (production keeps a 30-day recovery window, secrets.tf).

resource "aws_secretsmanager_secret" "runtime" {
  recovery_window_in_days = 0
}

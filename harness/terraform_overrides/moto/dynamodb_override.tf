# moto: the emulator stack is destroyed after every run; deletion protection
# would make that destroy fail. Production keeps it on (dynamodb.tf).

resource "aws_dynamodb_table" "shop" {
  deletion_protection_enabled = false
}

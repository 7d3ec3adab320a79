# moto: GetQueueAttributes never returns RedriveAllowPolicy, so the provider
# waits for it until its timeout. Not applied in the emulator run; nothing
# references the resource. Production keeps the DLQ restricted (sqs.tf).

resource "aws_sqs_queue_redrive_allow_policy" "fulfillment_dlq" {
  count = 0
}

# moto returns RedrivePolicy re-serialised with spaces, which the provider
# plans as an update forever. Sent on create, read-back ignored.
resource "aws_sqs_queue" "fulfillment" {
  lifecycle {
    ignore_changes = [redrive_policy]
  }
}

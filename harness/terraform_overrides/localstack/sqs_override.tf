# LocalStack: the provider deletes this resource by setting RedriveAllowPolicy
# to "" and waits until the attribute is gone; LocalStack keeps returning it,
# so destroy waits until its timeout. Not applied in the LocalStack run;
# nothing references the resource. Production keeps the DLQ restricted (sqs.tf).

resource "aws_sqs_queue_redrive_allow_policy" "fulfillment_dlq" {
  count = 0
}

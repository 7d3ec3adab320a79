# moto: a bucket policy that denies aws:SecureTransport = false makes moto
# refuse every object PUT/GET (it evaluates the condition without request
# values), so the emulator run keeps only the allow statements. Buckets are
# force-destroyed so a test run that uploaded the site can be destroyed.

data "aws_iam_policy_document" "logs_bucket" {
  source_policy_documents = [
    data.aws_iam_policy_document.logs_bucket_delivery.json,
    data.aws_iam_policy_document.cloudtrail_delivery["logs_bucket"].json,
  ]
}

data "aws_iam_policy_document" "site_bucket" {
  source_policy_documents = [data.aws_iam_policy_document.site_bucket_cloudfront_read.json]
}

resource "aws_s3_bucket" "logs" {
  force_destroy = true
}

resource "aws_s3_bucket" "site" {
  force_destroy = true
}

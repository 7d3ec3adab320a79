data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Tags every resource gets through the providers' default_tags.
  common_tags = merge(var.tags, {
    Project     = var.project
    Environment = var.environment
    Owner       = var.owner
    CostCenter  = var.cost_center
    ManagedBy   = "terraform"
    Repository  = "TicketsToHeaven"
  })

  # SSM path of the shop's configuration (CONFIG_PARAMETER_PATH).
  config_parameter_path = "/${var.project}/${var.environment}"

  # Cloud-side function names use hyphens (stripe_webhook -> ...-stripe-webhook).
  function_names = { for key in keys(local.functions) : key => "${local.name_prefix}-${replace(key, "_", "-")}" }

  # The partner call has its own timeout well below this; the fulfillment
  # queue's visibility timeout is derived from it (sqs.tf).
  fulfillment_timeout_seconds = 60
  # Worst case of one SQS record: a partner call that times out (3.05 + 10 s),
  # then a refund call that times out (3.05 + 8 s, no SDK retry), plus DynamoDB
  # (RECORD_BUDGET_MS in lambda_src/fulfillment/records.py, checked by a unit
  # test). The batch is sized so that it always fits in the function timeout.
  fulfillment_record_budget_seconds = 27
  fulfillment_batch_size            = max(1, floor(local.fulfillment_timeout_seconds / local.fulfillment_record_budget_seconds))

  lambda_packages_dir = coalesce(var.lambda_packages_dir, "${path.module}/../build/lambda/arm64")

  # Environment every function gets; local.function_environment below adds
  # only what each function reads. Values name resources, never secret values.
  lambda_common_environment = {
    CONFIG_PARAMETER_PATH        = local.config_parameter_path
    POWERTOOLS_LOG_LEVEL         = var.log_level
    POWERTOOLS_METRICS_NAMESPACE = "TicketsToHeaven"
  }

  # The catalogue of functions. Every per-function resource (package, log
  # group, role, function, policy, alarms) is a for_each over this map; only
  # the triggers (API routes, SQS mapping, schedule) are written per function,
  # and what it is told in local.function_environment. It names no resource.
  #
  # access: what the function's role may touch, one entry per statement
  # (iam.tf builds the policy from it; every function has every kind):
  #   tables     = { Sid = { table = key of aws_dynamodb_table.shop, actions } }
  #   queues     = { Sid = { queue = key of local.queue_arns, actions } }
  #   secrets    = [keys of aws_secretsmanager_secret.runtime]  (GetSecretValue)
  #   parameters = [keys of aws_ssm_parameter.secure]  (GetParameter + Decrypt via SSM)
  #   pii        = { Sid = { actions, fields } }  (KMS Encrypt/Decrypt of those PII fields on the main
  #                key, lambda_src/shop/crypto.py; only with the shop's encryption context)
  functions = {
    orders = {
      description = "Public shop API: configuration, placing and reading orders."
      handler     = "orders.handler.lambda_handler"
      memory_size = 512
      # Creating a PaymentIntent is the slowest step (Stripe round trip with
      # SDK retries); API Gateway gives up at 29 s anyway.
      timeout = 15
      # Caps concurrent PaymentIntent creations (Stripe's rate limit) and
      # table writes; leaves the rest of the account's pool free.
      reserved_concurrency = 50
      access = {
        tables = {
          ReadWriteOrders    = { table = "orders", actions = concat(local.dynamodb_item_read, local.dynamodb_item_write) }
          IdempotencyRecords = { table = "idempotency", actions = local.dynamodb_idempotency }
        }
        queues     = {}
        secrets    = ["stripe_secret_key"]
        parameters = []
        pii = {
          EncryptCustomerFields = { actions = ["kms:Encrypt"], fields = ["email", "name", "order_created"] }
          # An idempotent retry replays the cached 201 body; the customer's fields are never read back here.
          DecryptCachedOrder = { actions = ["kms:Decrypt"], fields = ["order_created"] }
        }
      }
    }
    stripe_webhook = {
      description          = "Stripe webhook: verifies the signature, records the event once, moves the order, enqueues fulfillment."
      handler              = "stripe_webhook.handler.lambda_handler"
      memory_size          = 256
      timeout              = 10
      reserved_concurrency = 20
      access = {
        tables = {
          MoveOrderState = { table = "orders", actions = concat(local.dynamodb_item_read, local.dynamodb_item_update) }
          # PutItem claims an event, UpdateItem completes it, DeleteItem releases
          # a claim whose processing failed (so Stripe's redelivery is processed,
          # not taken for a duplicate), GetItem tells a finished duplicate (200)
          # from one still in flight (409, so that Stripe retries it).
          RecordStripeEvents = { table = "events", actions = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"] }
        }
        queues = {
          EnqueueFulfillment = { queue = "fulfillment", actions = ["sqs:SendMessage"] }
        }
        secrets    = ["stripe_secret_key", "stripe_webhook_secret"]
        parameters = []
        pii        = {}
      }
    }
    fulfillment = {
      description = "SQS worker: orders tickets from the fulfillment partner for paid orders."
      handler     = "fulfillment.handler.lambda_handler"
      memory_size = 256
      timeout     = local.fulfillment_timeout_seconds
      # Protects the fulfillment partner's API from bursts.
      reserved_concurrency = var.fulfillment_reserved_concurrency
      access = {
        tables = {
          MoveOrderState     = { table = "orders", actions = concat(local.dynamodb_item_read, local.dynamodb_item_update) }
          IdempotencyRecords = { table = "idempotency", actions = local.dynamodb_idempotency }
        }
        queues = {
          # What the SQS event source mapping calls with the function's role.
          ConsumeFulfillmentQueue = {
            queue   = "fulfillment"
            actions = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
          }
          # Orders parked for review (auto_refund_failed_fulfillment = false) wait in the DLQ for a redrive.
          ParkForReview = { queue = "fulfillment_dlq", actions = ["sqs:SendMessage"] }
        }
        # The Stripe key refunds when fulfillment fails for good.
        secrets    = ["stripe_secret_key"]
        parameters = ["fulfillment_api_key"]
        # What the partner needs to issue the tickets.
        pii = {
          DecryptCustomerFields = { actions = ["kms:Decrypt"], fields = ["email", "name"] }
        }
      }
    }
    sweeper = {
      description = "Scheduled: re-enqueues paid orders past their state's bound, expires abandoned ones, counts the rest."
      handler     = "sweeper.handler.lambda_handler"
      memory_size = 256
      timeout     = 120
      # One sweep at a time: two would re-enqueue the same orders twice.
      reserved_concurrency = 1
      access = {
        # A filtered Scan and conditional UpdateItem of the orders table.
        tables = {
          SweepOrders = { table = "orders", actions = ["dynamodb:Scan", "dynamodb:UpdateItem"] }
        }
        queues = {
          ReenqueueFulfillment = { queue = "fulfillment", actions = ["sqs:SendMessage"] }
        }
        # Cancels the PaymentIntents of abandoned orders.
        secrets    = ["stripe_secret_key"]
        parameters = []
        pii        = {}
      }
    }
  }

  # What each function is told: resource names only (docs/contracts.md), on
  # top of lambda_common_environment. Kept apart from local.functions, which
  # names no resource, so key policies (kms.tf) can name the roles built from
  # it while those resources are encrypted with the keys.
  function_environment = {
    orders = {
      IDEMPOTENCY_TABLE_NAME      = aws_dynamodb_table.shop["idempotency"].name
      ORDERS_TABLE_NAME           = aws_dynamodb_table.shop["orders"].name
      PII_KMS_KEY_ID              = aws_kms_key.regional["main"].arn
      STRIPE_SECRET_KEY_SECRET_ID = aws_secretsmanager_secret.runtime["stripe_secret_key"].arn
    }
    stripe_webhook = {
      EVENTS_TABLE_NAME     = aws_dynamodb_table.shop["events"].name
      FULFILLMENT_QUEUE_URL = aws_sqs_queue.fulfillment.url
      ORDERS_TABLE_NAME     = aws_dynamodb_table.shop["orders"].name
      # Refund and dispute events carry no order id: the handler looks up the PaymentIntent.
      STRIPE_SECRET_KEY_SECRET_ID = aws_secretsmanager_secret.runtime["stripe_secret_key"].arn
      STRIPE_WEBHOOK_SECRET_ID    = aws_secretsmanager_secret.runtime["stripe_webhook_secret"].arn
    }
    fulfillment = {
      AUTO_REFUND_FAILED_FULFILLMENT = tostring(var.auto_refund_failed_fulfillment)
      FULFILLMENT_API_KEY_PARAMETER  = aws_ssm_parameter.secure["fulfillment_api_key"].name
      FULFILLMENT_DLQ_URL            = aws_sqs_queue.fulfillment_dlq.url
      FULFILLMENT_MAX_ATTEMPTS       = tostring(var.fulfillment_max_attempts)
      IDEMPOTENCY_TABLE_NAME         = aws_dynamodb_table.shop["idempotency"].name
      ORDERS_TABLE_NAME              = aws_dynamodb_table.shop["orders"].name
      PII_KMS_KEY_ID                 = aws_kms_key.regional["main"].arn
      # Refunds when fulfillment fails for good (auto_refund_failed_fulfillment).
      STRIPE_SECRET_KEY_SECRET_ID = aws_secretsmanager_secret.runtime["stripe_secret_key"].arn
      # A retry of the refund comes from SQS; an SDK retry would break the time budget.
      STRIPE_MAX_NETWORK_RETRIES = "0"
    }
    sweeper = {
      FULFILLMENT_QUEUE_URL = aws_sqs_queue.fulfillment.url
      ORDERS_TABLE_NAME     = aws_dynamodb_table.shop["orders"].name
      # Cancels the PaymentIntents of abandoned orders.
      STRIPE_SECRET_KEY_SECRET_ID = aws_secretsmanager_secret.runtime["stripe_secret_key"].arn
    }
  }
}

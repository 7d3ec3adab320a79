# Three tables rather than one single table: each has its own key schema
# and TTL attribute fixed by the contract (docs/contracts.md), the
# idempotency table's schema is the one Powertools expects, and separate
# tables let each function's role name exactly the tables it may touch (the
# orders API can't write Stripe events, the worker can't read them).
# On-demand billing: traffic is spiky (ticket drops) and low on average.

locals {
  tables = {
    # Only CANCELED orders get expires_at (the sweeper sets it 30 days ahead,
    # lambda_src/README.md); paid orders are kept.
    orders = {
      hash_key      = "order_id"
      ttl_attribute = "expires_at"
    }
    # Processed Stripe event ids, kept long enough to drop Stripe's retries
    # (Stripe retries for up to three days).
    events = {
      hash_key      = "event_id"
      ttl_attribute = "expires_at"
    }
    # Powertools idempotency records.
    idempotency = {
      hash_key      = "id"
      ttl_attribute = "expiration"
    }
  }
}

resource "aws_dynamodb_table" "shop" {
  for_each = local.tables

  name                        = "${local.name_prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  deletion_protection_enabled = true

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.regional["main"].arn
  }

  # Optional: the orders table keeps its items.
  dynamic "ttl" {
    for_each = each.value.ttl_attribute == null ? [] : [each.value.ttl_attribute]

    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }
}

################################################################################
# ---- general ----
################################################################################

variable "environment" {
  type        = string
  description = "Environment name, second part of every resource name (tickets-to-heaven-prod-...)."
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lower-case letters or digits, starting with a letter."
  }
}

variable "cost_center" {
  type        = string
  description = "CostCenter tag: the budget the stack's spend is booked to."
  default     = "shop"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$", var.cost_center))
    error_message = "cost_center must be 1-64 letters, digits, spaces, dots, underscores or hyphens."
  }
}

variable "owner" {
  type        = string
  description = "Owner tag: the team (or its address) answerable for the stack."
  default     = "shop-platform-team"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,127}$", var.owner))
    error_message = "owner must be 1-128 letters, digits, spaces or . _ @ + - characters."
  }
}

variable "project" {
  type        = string
  description = "Project name, first part of every resource name and of the SSM path."
  default     = "tickets-to-heaven"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,28}[a-z0-9]$", var.project))
    error_message = "project must be 3-30 characters: lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the stack (CloudFront-scoped pieces live in us-east-1 regardless)."
  default     = "us-east-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as us-east-2."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags added to every resource through the provider's default_tags (e.g. CostCenter, Owner)."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be at most 128 characters and not start with aws:, values at most 256 characters."
  }
}

################################################################################
# ---- api_gateway ----
################################################################################

variable "api_throttling_burst_limit" {
  type        = number
  description = "Stage-wide API Gateway burst limit (requests)."
  default     = 100

  validation {
    condition     = var.api_throttling_burst_limit >= 1 && var.api_throttling_burst_limit <= 5000 && floor(var.api_throttling_burst_limit) == var.api_throttling_burst_limit
    error_message = "api_throttling_burst_limit must be a whole number between 1 and 5000."
  }
}

variable "api_throttling_rate_limit" {
  type        = number
  description = "Stage-wide API Gateway steady-state rate limit (requests per second)."
  default     = 50

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be greater than 0 and at most 10000."
  }
}

variable "api_gateway_account_role_arn" {
  type        = string
  description = "CloudWatch role API Gateway already logs with in this account and region (aws apigateway get-account, cloudwatchRoleArn). Set it when other APIs share the account: the stack then leaves that account-wide setting alone. Null: the stack creates its own role and sets the account setting, which replaces any role other APIs use."
  default     = null

  validation {
    condition     = var.api_gateway_account_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.api_gateway_account_role_arn))
    error_message = "api_gateway_account_role_arn must be an IAM role ARN."
  }
}

variable "api_key_generations" {
  type        = list(string)
  description = "Generations of the API key CloudFront sends to API Gateway. CloudFront sends the last one; every one listed stays valid. Rotate without an outage: append a new generation and apply (the apply waits until CloudFront is deployed), then remove the old one and apply again."
  default     = ["1"]
  nullable    = false

  validation {
    condition     = length(var.api_key_generations) >= 1 && length(var.api_key_generations) <= 2 && length(distinct(var.api_key_generations)) == length(var.api_key_generations)
    error_message = "api_key_generations must list one or two distinct generations (two only while rotating)."
  }

  validation {
    condition     = alltrue([for g in var.api_key_generations : can(regex("^[a-z0-9-]{1,16}$", g))])
    error_message = "api_key_generations entries must be 1-16 lower-case letters, digits or hyphens (they end the key's name)."
  }
}

variable "stripe_webhook_throttling_burst_limit" {
  type        = number
  description = "Burst limit of POST /api/webhooks/stripe (requests), separate from the shop's routes so webhook traffic never throttles checkout."
  default     = 40

  validation {
    condition     = var.stripe_webhook_throttling_burst_limit >= 1 && var.stripe_webhook_throttling_burst_limit <= 5000 && floor(var.stripe_webhook_throttling_burst_limit) == var.stripe_webhook_throttling_burst_limit
    error_message = "stripe_webhook_throttling_burst_limit must be a whole number between 1 and 5000."
  }
}

variable "stripe_webhook_throttling_rate_limit" {
  type        = number
  description = "Steady-state rate limit of POST /api/webhooks/stripe (requests per second); Stripe retries throttled deliveries for up to three days."
  default     = 20

  validation {
    condition     = var.stripe_webhook_throttling_rate_limit > 0 && var.stripe_webhook_throttling_rate_limit <= 10000
    error_message = "stripe_webhook_throttling_rate_limit must be greater than 0 and at most 10000."
  }
}

################################################################################
# ---- cloudfront ----
################################################################################

variable "cloudfront_default_domain_allowed" {
  type        = bool
  description = "Serve the shop on its *.cloudfront.net name without site_domain_name. That certificate accepts TLSv1, so production must set a domain; this is the explicit opt-out for trials and the emulator."
  default     = false
  nullable    = false
}

variable "cloudfront_price_class" {
  type        = string
  description = "CloudFront price class (which edge locations serve the site)."
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.cloudfront_price_class)
    error_message = "cloudfront_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "site_certificate_arn" {
  type        = string
  description = "ARN of an issued ACM certificate in us-east-1 covering site_domain_name. Null serves the site on the *.cloudfront.net name."
  default     = null

  validation {
    condition     = var.site_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]{36}$", var.site_certificate_arn))
    error_message = "site_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there)."
  }
}

variable "site_domain_name" {
  type        = string
  description = "Custom domain of the shop (e.g. tickets.example.com). Set together with site_certificate_arn; DNS is managed outside this stack."
  default     = null

  validation {
    condition     = var.site_domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.site_domain_name))
    error_message = "site_domain_name must be a lower-case DNS name such as tickets.example.com."
  }
}

variable "waf_enabled" {
  type        = bool
  description = "Attach a WAF web ACL (AWS managed rule groups, Stripe source addresses for the webhook, per-IP rate limits) to the CloudFront distribution."
  default     = true
  nullable    = false
}

variable "waf_rate_limit" {
  type        = number
  description = "Requests per IP per 5-minute window before WAF blocks that IP (applies to all paths; /api/* gets a fifth of it)."
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit
    error_message = "waf_rate_limit must be a whole number between 100 and 2000000000 (WAF limits)."
  }
}

variable "stripe_webhook_source_cidrs" {
  type        = list(string)
  description = "Addresses Stripe sends webhooks from; the WAF admits /api/webhooks/stripe only from these. Default: Stripe's published list (docs.stripe.com/ips, \"Webhook notifications\"; machine-readable at stripe.com/files/ips/ips_webhooks.txt). Stripe's page itself could not be read when this was written: the 15 addresses are those of two public mirrors of that file (github.com/ConfigServerApps/service-blocklists, blocklists/privacy/stripe_webhooks.ipset, updated 2026-05-15; an older mirror, github.com/Aetherinox/blocklists of 2025-10-19, had 12: all but 3.69.109.8, 3.120.168.93, 35.157.207.129). Check it against Stripe's file before production (terraform/README.md) and when Stripe announces a change (seven days' notice on its api-announce list)."
  default = [
    "3.18.12.63/32",
    "3.69.109.8/32",
    "3.120.168.93/32",
    "3.130.192.231/32",
    "13.235.14.237/32",
    "13.235.122.149/32",
    "18.211.135.69/32",
    "35.154.171.200/32",
    "35.157.207.129/32",
    "52.15.183.38/32",
    "54.88.130.119/32",
    "54.88.130.237/32",
    "54.187.174.169/32",
    "54.187.205.235/32",
    "54.187.216.72/32",
  ]
  nullable = false

  validation {
    condition     = length(var.stripe_webhook_source_cidrs) >= 1 && alltrue([for c in var.stripe_webhook_source_cidrs : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c))])
    error_message = "stripe_webhook_source_cidrs must list at least one IPv4 CIDR block, e.g. 3.18.12.63/32."
  }
}

################################################################################
# ---- cloudwatch ----
################################################################################

variable "alarm_email" {
  type        = string
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail). Null subscribes nobody."
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[a-zA-Z]{2,}$", var.alarm_email))
    error_message = "alarm_email must be a single e-mail address."
  }
}

variable "log_level" {
  type        = string
  description = "Log level of the functions (Powertools), also published as an SSM parameter."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every CloudWatch log group, in days (a value CloudWatch Logs accepts; at least a year for audit)."
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value of at least 365: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

################################################################################
# ---- lambda ----
################################################################################

variable "auto_refund_failed_fulfillment" {
  type        = bool
  description = "Refund a paid order automatically when its fulfillment fails for good. Off: the order waits in FULFILLMENT_FAILED for review and its message goes to the DLQ, where a redrive (scripts/redrive.py) re-attempts the fulfillment."
  default     = true
  nullable    = false
}

variable "fulfillment_reserved_concurrency" {
  type        = number
  description = "Concurrent fulfillment executions (and SQS pollers): caps the load on the fulfillment partner's API."
  default     = 5

  validation {
    condition     = var.fulfillment_reserved_concurrency >= 2 && var.fulfillment_reserved_concurrency <= 100 && floor(var.fulfillment_reserved_concurrency) == var.fulfillment_reserved_concurrency
    error_message = "fulfillment_reserved_concurrency must be a whole number between 2 (SQS maximum_concurrency minimum) and 100."
  }
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of the functions; must match the wheels inside the packages (production: arm64)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_packages_dir" {
  type        = string
  description = "Directory holding orders.zip, stripe_webhook.zip and fulfillment.zip from scripts/build_lambdas.py. Null means ../build/lambda/arm64 next to this module."
  default     = null
}

################################################################################
# ---- parameters ----
################################################################################

variable "catalog" {
  type = list(object({
    sku           = string
    name          = string
    description   = string
    unit_amount   = number
    max_per_order = number
  }))
  description = "Ticket catalog published to SSM; unit_amount in minor units of var.currency (4500 = 45.00)."
  default = [
    {
      sku           = "GA-2027"
      name          = "General admission 2027"
      description   = "One general admission ticket."
      unit_amount   = 4500
      max_per_order = 10
    },
  ]
  nullable = false

  validation {
    condition     = length(var.catalog) >= 1 && length(var.catalog) <= 50
    error_message = "catalog must list between 1 and 50 products."
  }

  validation {
    condition     = length(distinct([for p in var.catalog : p.sku])) == length(var.catalog)
    error_message = "catalog SKUs must be unique."
  }

  validation {
    condition     = alltrue([for p in var.catalog : can(regex("^[A-Z0-9][A-Z0-9-]{1,31}$", p.sku))])
    error_message = "catalog SKUs must be 2-32 characters of upper-case letters, digits and hyphens."
  }

  validation {
    condition     = alltrue([for p in var.catalog : p.unit_amount >= 50 && p.unit_amount <= 1000000 && floor(p.unit_amount) == p.unit_amount])
    error_message = "catalog unit_amount must be a whole number of minor units between 50 (Stripe's minimum charge) and 1000000."
  }

  validation {
    condition     = alltrue([for p in var.catalog : p.max_per_order >= 1 && p.max_per_order <= 50 && floor(p.max_per_order) == p.max_per_order])
    error_message = "catalog max_per_order must be a whole number between 1 and 50."
  }

  validation {
    condition     = alltrue([for p in var.catalog : length(trimspace(p.name)) > 0 && length(p.name) <= 100 && length(p.description) <= 500])
    error_message = "catalog names must be 1-100 characters and descriptions at most 500."
  }

  validation {
    condition     = length(jsonencode(var.catalog)) <= 4096
    error_message = "catalog must fit a standard SSM parameter (4 KB of JSON)."
  }
}

variable "currency" {
  type        = string
  description = "ISO 4217 currency of every price, lower case (Stripe's convention)."
  default     = "eur"

  validation {
    condition     = can(regex("^[a-z]{3}$", var.currency))
    error_message = "currency must be a three-letter ISO 4217 code in lower case, e.g. eur."
  }
}

variable "fulfillment_api_base_url" {
  type        = string
  description = "Base URL of the fulfillment partner's API (https; plain http only for a loopback test server)."

  validation {
    condition     = can(regex("^(https://[a-z0-9.-]+(:[0-9]+)?|http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?)(/[A-Za-z0-9._~/-]*)?$", var.fulfillment_api_base_url))
    error_message = "fulfillment_api_base_url must be an https:// URL (http:// only for 127.0.0.1 or localhost)."
  }
}

variable "stripe_api_base_url" {
  type        = string
  description = "Stripe API base URL; only tests point it elsewhere (a local Stripe fake on the loopback)."
  default     = "https://api.stripe.com"

  validation {
    condition     = can(regex("^(https://[a-z0-9.-]+(:[0-9]+)?|http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?)$", var.stripe_api_base_url))
    error_message = "stripe_api_base_url must be an https:// origin without path (http:// only for 127.0.0.1 or localhost)."
  }
}

variable "stripe_publishable_key" {
  type        = string
  description = "Stripe publishable key (pk_live_... / pk_test_...): public by design, served to the browser."

  validation {
    condition     = can(regex("^pk_(live|test)_[A-Za-z0-9]{1,255}$", var.stripe_publishable_key))
    error_message = "stripe_publishable_key must look like pk_live_... or pk_test_... (never a secret sk_ key)."
  }
}

################################################################################
# ---- secrets ----
################################################################################

variable "secrets_operator_role_arns" {
  type        = list(string)
  description = "IAM roles (this account) of the operators who run scripts/put_secrets.py. The secrets key (kms.tf) lets only the functions that read a secret and these roles decrypt, and only through Secrets Manager: an operator not listed gets AccessDeniedException from put_secrets.py's read-compare. Empty: nobody but the functions can read or put a secret's value."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.secrets_operator_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", arn))]) && length(distinct(var.secrets_operator_role_arns)) == length(var.secrets_operator_role_arns)
    error_message = "secrets_operator_role_arns must list distinct IAM role ARNs (arn:aws:iam::<account>:role/<name>)."
  }
}

################################################################################
# ---- sqs ----
################################################################################

variable "fulfillment_max_attempts" {
  type        = number
  description = "Deliveries of a fulfillment message before it moves to the DLQ (redrive maxReceiveCount, FULFILLMENT_MAX_ATTEMPTS)."
  default     = 5

  validation {
    condition     = var.fulfillment_max_attempts >= 1 && var.fulfillment_max_attempts <= 20 && floor(var.fulfillment_max_attempts) == var.fulfillment_max_attempts
    error_message = "fulfillment_max_attempts must be a whole number between 1 and 20."
  }
}

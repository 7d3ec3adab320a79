"""The reviewed allow-lists and constants of the CKV_TTH checks: change them only in a reviewed pull request.

Every entry says why it is allowed. Helper module names start with ``tth_`` because checkov imports the files of
the external checks directory by bare name, so names must be unique across checkov's whole module tree.
"""

from __future__ import annotations

# ---- tagging (CKV_TTH_1) ----
REQUIRED_TAGS: tuple[str, ...] = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy")
# Tags whose values are enumerable: the value must be one of these.
ALLOWED_TAG_VALUES: dict[str, frozenset[str]] = {
    "Environment": frozenset({"prod"}),
    "ManagedBy": frozenset({"terraform"}),
}

# ---- least-privilege IAM (CKV_TTH_3) ----
# Actions that AWS authorises only against Resource "*" (they have no resource-level permissions), each with the
# reason. A statement may use Resource "*" only if every one of its actions is listed here.
STAR_RESOURCE_ACTIONS: dict[str, str] = {
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions for trace upload; AWS requires Resource *.",
    "xray:PutTelemetryRecords": "X-Ray daemon telemetry; no resource-level permissions exist.",
    "cloudwatch:PutMetricData": "PutMetricData has no resource type; scope it with the cloudwatch:namespace "
    "condition instead (Powertools EMF normally needs no permission at all: metrics go through logs).",
    "xray:GetSamplingRules": "X-Ray sampling rules are read account-wide; no resource-level permissions exist.",
    "xray:GetSamplingTargets": "X-Ray sampling targets; no resource-level permissions exist.",
    "logs:DescribeLogGroups": "Lists the account's log groups; no resource-level permissions exist (the API Gateway "
    "CloudWatch role calls it to find its group).",
}

# In a statement that carries a Principal (a resource-based policy: bucket, queue, topic, key, secret policy),
# "Resource": "*" cannot reach beyond the resource the policy is attached to (KMS key policies even require "*"),
# so CKV_TTH_3 and CKV_TTH_4 judge only identity statements (those without a Principal).

# ---- Principal "*" (CKV_TTH_6) ----
# Condition keys (lower case) that bind a public principal to our account, organisation, source resource or
# network path. Any one of them, with concrete values (not "*"), makes Principal "*" acceptable.
RESTRICTING_CONDITION_KEYS: frozenset[str] = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "kms:calleraccount",
        "kms:viaservice",
    }
)

# ---- managed policies (CKV_TTH_7) ----
# AWS managed policies that may never be attached: administrator, power user and every *FullAccess policy.
FORBIDDEN_MANAGED_POLICY_PATTERN = (
    r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?"
    r"(?:AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]*FullAccess)$"
)

# ---- Lambda trust (CKV_TTH_8) ----
LAMBDA_SERVICE_PRINCIPAL = "lambda.amazonaws.com"
# Condition keys (lower case) that pin who may make Lambda assume the execution role.
LAMBDA_TRUST_CONDITION_KEYS: frozenset[str] = frozenset({"aws:sourceaccount", "aws:sourcearn"})

# ---- encryption ----
# Minimum TLS policies accepted on a CloudFront distribution with its own certificate (CKV_TTH_21).
CLOUDFRONT_MIN_TLS_POLICIES: frozenset[str] = frozenset({"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"})
# Default-encryption algorithms accepted for S3 buckets (CKV_TTH_11).
S3_SSE_ALGORITHMS: frozenset[str] = frozenset({"aws:kms", "aws:kms:dsse", "AES256"})

# ---- parliament IAM lint (CKV_TTH_23) ----
# parliament issues that CKV_TTH_23 does not report, each with the reason. Everything else parliament finds fails.
PARLIAMENT_IGNORED_ISSUES: dict[str, str] = {
    "RESOURCE_STAR": "Resource * is judged by CKV_TTH_3 with its reviewed STAR_RESOURCE_ACTIONS; in a resource "
    "policy (KMS key policy) * is the resource itself.",
}
# Actions the stack uses that parliament's bundled IAM database (parliament 1.6.4) does not know yet, each with
# the reason it is a real action. CKV_TTH_23 leaves them out of the lint instead of failing UNKNOWN_ACTION; a unit
# test fails once parliament knows an entry, so the list never outlives its need.
ACTIONS_MISSING_FROM_PARLIAMENT: dict[str, str] = {}

"""What is left in the emulator after destroy: every kind of resource the stack creates, both regions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

# us-east-1 holds the CloudFront-scoped web ACL, its log group and the access-log delivery.
AUDITED_REGIONS = ("us-east-2", "us-east-1")

_REGIONAL: dict[str, dict[str, Callable[[Any], list[str]]]] = {
    "lambda": {
        "function": lambda c: [f["FunctionName"] for f in c.list_functions()["Functions"]],
        "event source mapping": lambda c: [m["UUID"] for m in c.list_event_source_mappings()["EventSourceMappings"]],
    },
    "dynamodb": {"table": lambda c: c.list_tables()["TableNames"]},
    "sqs": {"queue": lambda c: c.list_queues().get("QueueUrls", [])},
    "sns": {
        "topic": lambda c: [t["TopicArn"] for t in c.list_topics()["Topics"]],
        "subscription": lambda c: [s["SubscriptionArn"] for s in c.list_subscriptions()["Subscriptions"]],
    },
    "apigateway": {
        "rest api": lambda c: [a["name"] for a in c.get_rest_apis(limit=500)["items"]],
        "api key": lambda c: [k["name"] for k in c.get_api_keys(limit=500)["items"]],
        "usage plan": lambda c: [p["name"] for p in c.get_usage_plans(limit=500)["items"]],
    },
    "secretsmanager": {"secret": lambda c: [s["Name"] for s in c.list_secrets()["SecretList"]]},
    "ssm": {"parameter": lambda c: [p["Name"] for p in c.describe_parameters()["Parameters"]]},
    "logs": {
        "log group": lambda c: [g["logGroupName"] for g in c.describe_log_groups()["logGroups"]],
        "delivery source": lambda c: [s["name"] for s in c.describe_delivery_sources()["deliverySources"]],
        "delivery destination": lambda c: [
            d["name"] for d in c.describe_delivery_destinations()["deliveryDestinations"]
        ],
        "delivery": lambda c: [d["id"] for d in c.describe_deliveries()["deliveries"]],
    },
    "cloudwatch": {
        "alarm": lambda c: [a["AlarmName"] for a in c.describe_alarms()["MetricAlarms"]],
        "dashboard": lambda c: [d["DashboardName"] for d in c.list_dashboards()["DashboardEntries"]],
    },
    "kms": {
        "alias": lambda c: [
            a["AliasName"] for a in c.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")
        ],
        # Destroy schedules our keys for deletion, as AWS does; a key still enabled is left over.
        "key": lambda c: [
            k["KeyId"]
            for k in c.list_keys()["Keys"]
            if (meta := c.describe_key(KeyId=k["KeyId"])["KeyMetadata"])["KeyManager"] == "CUSTOMER"
            and meta["KeyState"] != "PendingDeletion"
        ],
    },
    "wafv2": {
        "regional web acl": lambda c: [a["Name"] for a in c.list_web_acls(Scope="REGIONAL")["WebACLs"]],
    },
}
_GLOBAL: dict[str, dict[str, Callable[[Any], list[str]]]] = {
    "s3": {"bucket": lambda c: [b["Name"] for b in c.list_buckets()["Buckets"]]},
    "iam": {"role": lambda c: [r["RoleName"] for r in c.list_roles()["Roles"] if not r["Path"].startswith("/aws-")]},
    "cloudfront": {
        "distribution": lambda c: [d["Id"] for d in (c.list_distributions()["DistributionList"].get("Items") or [])],
        "origin access control": lambda c: [
            o["Id"] for o in (c.list_origin_access_controls()["OriginAccessControlList"].get("Items") or [])
        ],
        "function": lambda c: [f["Name"] for f in (c.list_functions()["FunctionList"].get("Items") or [])],
        "response headers policy": lambda c: [
            p["ResponseHeadersPolicy"]["Id"]
            for p in (c.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"].get("Items") or [])
        ],
    },
    # CloudFront-scoped web ACLs live in us-east-1 (the session below is pinned there).
    "wafv2": {"cloudfront web acl": lambda c: [a["Name"] for a in c.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]]},
}


def leftovers(session: Any) -> list[str]:
    """``"<region> <service> <kind>: <name>"`` for everything still in the emulator."""
    found: list[str] = []
    for region in AUDITED_REGIONS:
        for service, kinds in _REGIONAL.items():
            client = session.client(service, region_name=region)
            for kind, list_names in kinds.items():
                found += [f"{region} {service} {kind}: {name}" for name in list_names(client)]
    for service, kinds in _GLOBAL.items():
        client = session.client(service, region_name="us-east-1")
        for kind, list_names in kinds.items():
            found += [f"global {service} {kind}: {name}" for name in list_names(client)]
    return found

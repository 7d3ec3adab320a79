"""harness.moto_cloudfront refuses to delete an enabled distribution, as CloudFront does, and
harness.deploy_steps.disable_distribution (the teardown's step before destroy) makes it deletable.

Runs in a child interpreter: installing the patch changes moto process-wide.
"""

from __future__ import annotations

import json
import subprocess
import sys

from harness.toolchain import REPO_ROOT

CHILD = """
import json
import boto3
from moto import mock_aws
from harness import moto_cloudfront
from harness.deploy_steps import disable_distribution

moto_cloudfront.install()
CONFIG = {
    "CallerReference": "test", "Comment": "", "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [
        {"Id": "site", "DomainName": "site.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}},
    ]},
    "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "https-only", "CachePolicyId": "p"},
}
found = {}
with mock_aws():
    session = boto3.session.Session(region_name="us-east-1")
    cloudfront = session.client("cloudfront")
    created = cloudfront.create_distribution(DistributionConfig=CONFIG)
    distribution_id = created["Distribution"]["Id"]
    try:
        cloudfront.delete_distribution(Id=distribution_id, IfMatch=created["ETag"])
        found["enabled_delete"] = "deleted"
    except cloudfront.exceptions.ClientError as error:
        response = error.response
        found["enabled_delete"] = [response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]]
    disable_distribution(session, distribution_id, timeout_s=10)
    after = cloudfront.get_distribution(Id=distribution_id)
    found["after_disable"] = [after["Distribution"]["DistributionConfig"]["Enabled"], after["Distribution"]["Status"]]
    disable_distribution(session, distribution_id, timeout_s=10)  # already disabled: no update, no error
    cloudfront.delete_distribution(Id=distribution_id, IfMatch=after["ETag"])
    found["left"] = cloudfront.list_distributions()["DistributionList"].get("Quantity")
    disable_distribution(session, distribution_id, timeout_s=10)  # gone: nothing to do
print(json.dumps(found))
"""


def test_enabled_distribution_is_refused_and_deleted_once_disabled() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["enabled_delete"] == ["DistributionNotDisabled", 409]
    assert found["after_disable"] == [False, "Deployed"]
    assert found["left"] == 0

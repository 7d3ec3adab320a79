"""No checkov skip is added to terraform/ without review: the skips there are exactly the reviewed ones.

A skip may move next to the resource it concerns (the count per check id is what is reviewed), and one
that is removed must be removed here too, so the list only shrinks.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

TERRAFORM = Path(__file__).resolve().parents[3] / "terraform"
SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+)")

#: check id -> how many blocks skip it (where today); each skip gives its reason next to it.
REVIEWED = {
    "CKV2_AWS_29": 1,  # api_gateway.tf
    "CKV2_AWS_34": 1,  # parameters.tf
    "CKV2_AWS_42": 1,  # cloudfront.tf
    "CKV2_AWS_47": 1,  # cloudfront.tf
    "CKV2_AWS_51": 1,  # api_gateway.tf
    "CKV2_AWS_57": 1,  # secrets.tf
    "CKV2_AWS_62": 2,  # s3.tf
    "CKV_AWS_109": 3,  # kms.tf
    "CKV_AWS_111": 3,  # kms.tf
    "CKV_AWS_117": 1,  # lambda.tf
    "CKV_AWS_120": 1,  # api_gateway.tf
    "CKV_AWS_144": 2,  # s3.tf
    "CKV_AWS_145": 1,  # s3.tf
    "CKV_AWS_174": 1,  # cloudfront.tf
    "CKV_AWS_18": 1,  # s3.tf
    "CKV_AWS_225": 1,  # api_gateway.tf
    "CKV_AWS_272": 1,  # lambda.tf
    "CKV_AWS_310": 1,  # cloudfront.tf
    "CKV_AWS_356": 3,  # kms.tf
    "CKV_AWS_374": 1,  # cloudfront.tf
    "CKV_AWS_86": 1,  # cloudfront.tf
}


def _skips() -> Counter[str]:
    found: Counter[str] = Counter()
    for path in sorted(TERRAFORM.glob("*.tf")):
        found.update(SKIP.findall(path.read_text(encoding="utf-8")))
    return found


def test_no_checkov_skip_is_added() -> None:
    added = {check: count - REVIEWED.get(check, 0) for check, count in _skips().items()}
    added = {check: extra for check, extra in added.items() if extra > 0}
    assert not added, f"new checkov skips in terraform/ (fix the finding instead, or review and list them): {added}"


def test_removed_skips_are_removed_from_the_list() -> None:
    found = _skips()
    stale = {check: count - found.get(check, 0) for check, count in REVIEWED.items() if found.get(check, 0) < count}
    assert not stale, f"REVIEWED lists skips that terraform/ no longer has; remove them: {stale}"

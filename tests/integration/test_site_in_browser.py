"""The customer site in Debian's Chromium against the deployed stack (the site's own Playwright specs).

The frontend suite runs these specs against its mock API; here the same specs buy tickets through
the local front door: site from the bucket, API through the deployed packages, localstripe, SQS.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from harness import fakes
from harness.toolchain import REPO_ROOT

if TYPE_CHECKING:
    from typing import Any

    from harness.stack import Stack


def test_purchase_specs_pass_against_the_deployed_stack(stack: Stack, partner: Any) -> None:
    # Given the deployed stack, with a partner that issues tickets
    partner.expect_request("/v1/ticket-orders", method="POST").respond_with_handler(fakes.issue_tickets)
    env = {**os.environ, "TTH_BASE_URL": stack.front.url, "CI": "true"}

    # When the site's purchase specs run in Chromium against it
    result = subprocess.run(
        ["npx", "playwright", "test", "tests/e2e/purchase.spec.ts", "--reporter=line"],
        cwd=REPO_ROOT / "frontend",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    # Then every spec passes (full purchase, declined card then success, reload on the status page)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout

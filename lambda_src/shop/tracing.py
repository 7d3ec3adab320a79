"""What X-Ray traces in every function."""

from __future__ import annotations

__all__ = ["TRACED_MODULES"]

# Only what the functions call: the AWS SDK, and requests (Stripe's HTTP client and the partner's).
# Tracer()'s default, patch_all(), also imports and patches every other library X-Ray supports, at
# every cold start.
TRACED_MODULES = ("botocore", "requests")

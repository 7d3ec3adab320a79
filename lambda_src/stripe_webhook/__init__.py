"""The ``stripe_webhook`` function: POST /api/webhooks/stripe."""

from __future__ import annotations

__all__: list[str] = []

"""Shared domain package for the TicketsToHeaven Lambda functions.

Small, typed modules used by the ``orders``, ``stripe_webhook`` and ``fulfillment``
function packages. Nothing in here sees a Lambda ``event`` or ``context``.
"""

from __future__ import annotations

__all__: list[str] = []

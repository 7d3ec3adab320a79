"""The ``orders`` function: GET /api/config, POST /api/orders, GET /api/orders/{orderId}."""

from __future__ import annotations

__all__: list[str] = []

"""Routers of the orders API, one module per resource."""

from __future__ import annotations

__all__ = ["config", "orders"]

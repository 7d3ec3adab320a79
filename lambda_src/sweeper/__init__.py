"""The ``sweeper`` function: finds orders past their state's bound (scheduled every 5 minutes)."""

from __future__ import annotations

__all__: list[str] = []

"""The ``fulfillment`` function: SQS consumer that issues tickets at the partner."""

from __future__ import annotations

__all__: list[str] = []

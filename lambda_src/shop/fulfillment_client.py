"""Client for the third-party ticket fulfillment API (contract: docs/fulfillment-api.yaml).

:class:`FulfillmentClient` is a Protocol; :class:`HttpFulfillmentClient` is the ``requests``
implementation. Only the partner's explicit rejection of the order (400, 409, 422 and other 4xx
not listed below) is permanent. Everything that may recover is retryable: 401/403 (an API key
rotation in progress), 404 (a misrouted base URL), 408/425/429, 5xx, timeouts, connection errors,
and a 2xx with an unreadable body (the replay is idempotent). ``Retry-After`` is passed on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote

import requests

from shop.domain import FulfillmentResult, Ticket
from shop.exceptions import FulfillmentPermanentError, FulfillmentRetryableError

__all__ = [
    "FULFILLMENT_TIMEOUT_SECONDS",
    "MAX_RETRY_AFTER_SECONDS",
    "FulfillmentClient",
    "FulfillmentRequest",
    "HttpFulfillmentClient",
    "retry_after_seconds",
]

#: (connect, read) timeouts in seconds.
FULFILLMENT_TIMEOUT_SECONDS = (3.05, 10.0)
RETRYABLE_STATUS = frozenset({401, 403, 404, 408, 425, 429})
#: Longest wait honoured (backoff or Retry-After): 15 min keeps FULFILLING inside its bound
#: (lambda_src/README.md, "Money invariant"); a partner asking for more is alarmed as orders past bound.
MAX_RETRY_AFTER_SECONDS = 900


def retry_after_seconds(value: str | None, *, now: float | None = None) -> int | None:
    """Parse ``Retry-After`` (delay-seconds or an HTTP date) into whole seconds, capped at 15 min."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = int(when.timestamp() - (time.time() if now is None else now) + 0.999)
    return max(0, min(seconds, MAX_RETRY_AFTER_SECONDS))


@dataclass(frozen=True, slots=True)
class FulfillmentRequest:
    """What the partner needs to issue tickets for one order."""

    order_reference: str
    email: str
    name: str
    items: tuple[tuple[str, int], ...]  # (sku, quantity)


class FulfillmentClient(Protocol):
    """Issues tickets at a fulfillment partner; must be idempotent per ``idempotency_key``."""

    def create_ticket_order(self, request: FulfillmentRequest, *, idempotency_key: str) -> FulfillmentResult:
        """Create (or replay) a ticket order.

        Raises
        ------
        FulfillmentRetryableError
            Transient failure; try again later.
        FulfillmentPermanentError
            The partner rejected the order.
        """
        ...

    def cancel_ticket_order(self, fulfillment_id: str, *, idempotency_key: str) -> None:
        """Cancel the tickets of a ticket order (idempotent).

        Raises
        ------
        FulfillmentRetryableError
            Transient failure; try again later.
        FulfillmentPermanentError
            The partner refused (e.g. tickets already used).
        """
        ...


class HttpFulfillmentClient:
    """``POST {base}/v1/ticket-orders`` with Bearer auth and an ``Idempotency-Key``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = FULFILLMENT_TIMEOUT_SECONDS,
    ) -> None:
        self._url = base_url.rstrip("/") + "/v1/ticket-orders"
        self._api_key = api_key
        self._session = session or requests.Session()
        self._timeout = timeout

    def create_ticket_order(self, request: FulfillmentRequest, *, idempotency_key: str) -> FulfillmentResult:
        """See :meth:`FulfillmentClient.create_ticket_order`."""
        body: dict[str, Any] = {
            "order_reference": request.order_reference,
            "customer": {"email": request.email, "name": request.name},
            "items": [{"sku": sku, "quantity": qty} for sku, qty in request.items],
        }
        return _parse_result(self._post(self._url, body, idempotency_key))

    def cancel_ticket_order(self, fulfillment_id: str, *, idempotency_key: str) -> None:
        """See :meth:`FulfillmentClient.cancel_ticket_order`."""
        url = f"{self._url}/{quote(fulfillment_id, safe='')}/cancellation"
        self._post(url, {}, idempotency_key)

    def _post(self, url: str, body: dict[str, Any], idempotency_key: str) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Idempotency-Key": idempotency_key,
            "Accept": "application/json",
        }
        try:
            response = self._session.post(url, json=body, headers=headers, timeout=self._timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise FulfillmentRetryableError(f"fulfillment API unreachable: {type(exc).__name__}") from exc
        if response.status_code in RETRYABLE_STATUS or response.status_code >= 500:
            raise FulfillmentRetryableError(
                f"fulfillment API answered {response.status_code}",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                status=response.status_code,
            )
        if response.status_code not in (200, 201):
            raise FulfillmentPermanentError(f"fulfillment API rejected the request ({response.status_code})")
        return response


def _parse_result(response: requests.Response) -> FulfillmentResult:
    try:
        data: Any = response.json()
        tickets = tuple(Ticket(reference=str(t["reference"]), sku=str(t["sku"])) for t in data.get("tickets", []))
        fulfillment_id = str(data["fulfillment_id"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # The partner may have issued the tickets; a replay with the same Idempotency-Key is safe.
        raise FulfillmentRetryableError("fulfillment API returned an unexpected body") from exc
    return FulfillmentResult(fulfillment_id=fulfillment_id, tickets=tickets)

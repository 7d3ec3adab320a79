"""Run localstripe (the stateful Stripe fake, GPL, test-only) bound to 127.0.0.1.

The stock CLI binds every interface and keeps its data in ``/tmp/localstripe.pickle``,
shared by every run on the machine. This entry point keeps the data in memory only
and listens on loopback: ``python -m harness.localstripe_server --port PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import stripe
from aiohttp import web
from localstripe import resources, webhooks

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

# Arguments our backend sends that real Stripe accepts and localstripe rejects as
# "Unexpected": accepted and kept on the object, so the fake stays strict on the rest.
_EXTRA_PAYMENT_INTENT_ARGS = ("receipt_email", "description")


def _accept_extra_payment_intent_args() -> None:
    original = resources.PaymentIntent.__init__

    def __init__(self: resources.PaymentIntent, **kwargs: object) -> None:
        extras = {name: kwargs.pop(name, None) for name in _EXTRA_PAYMENT_INTENT_ARGS}
        original(self, **kwargs)
        for name, value in extras.items():
            setattr(self, name, value)

    resources.PaymentIntent.__init__ = __init__


def _allow_retry_after_decline() -> None:
    """A new payment method on a declined PaymentIntent makes it confirmable again, as in Stripe.

    localstripe keeps the failed charge as ``latest_charge``, so the intent stays
    ``requires_payment_method`` and a second confirm (another card) is refused.
    """
    original = resources.PaymentIntent._api_update.__func__

    def _api_update(cls: type[resources.PaymentIntent], /, id: str, **data: object) -> resources.PaymentIntent:
        intent = original(cls, id, **data)
        charge = intent.latest_charge
        if "payment_method" in data and charge is not None and charge.status == "failed":
            intent.latest_charge = None
        return intent

    resources.PaymentIntent._api_update = classmethod(_api_update)


# Stripe retries a delivery that fails (no 2xx, a timeout, a refused connection) with an
# exponential backoff for up to three days and signs each attempt with its own timestamp;
# localstripe tries once, signed with the event's creation time. The same schedule, in seconds.
WEBHOOK_RETRY_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
WEBHOOK_TIMEOUT_S = 30.0  # longer than API Gateway's 29 s integration timeout: the shop answers first
_log = logging.getLogger("aiohttp.access")


async def _deliver(webhook: Any, event_type: str, payload: bytes) -> bool:
    """One event to one endpoint, retried as Stripe retries; True once it answered 2xx."""
    timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)
    for attempt, delay in enumerate((0.0, *WEBHOOK_RETRY_DELAYS_S), start=1):
        await asyncio.sleep(delay)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            # Signed now, as Stripe signs each attempt; the SDK's signer is the one the shop verifies against.
            "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(payload.decode(), webhook.secret),
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(webhook.url, data=payload, headers=headers) as reply,
            ):
                if 200 <= reply.status < 300:
                    _log.info('webhook "%s" successfully delivered (attempt %d)', event_type, attempt)
                    return True
                outcome = f"response code {reply.status}"
        except (aiohttp.ClientError, TimeoutError) as error:
            outcome = f"{type(error).__name__}: {error}"
        _log.info('webhook "%s" failed with %s (attempt %d)', event_type, outcome, attempt)
    _log.info('webhook "%s" given up after %d attempts', event_type, 1 + len(WEBHOOK_RETRY_DELAYS_S))
    return False


async def _send_webhook(event: Any) -> None:
    """localstripe's delivery (a second after the event, to every endpoint subscribed), with retries."""
    payload = json.dumps(event._export(), indent=2, sort_keys=True).encode()
    await asyncio.sleep(1)
    endpoints = [w for w in webhooks._webhooks.values() if w.events is None or event.type in w.events]
    await asyncio.gather(*(_deliver(webhook, event.type, payload) for webhook in endpoints))


_DELAY = {"seconds": 0.0}


@web.middleware
async def _delay(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer Stripe API calls after the configured delay: tests make the functions calling Stripe slow."""
    if request.path.startswith("/v1/") and _DELAY["seconds"] > 0:
        await asyncio.sleep(_DELAY["seconds"])
    return await handler(request)


async def _set_delay(request: web.Request) -> web.Response:
    """``POST /_config/tth_delay`` with ``seconds``: delay every later ``/v1/`` answer (0: none)."""
    form = await request.post()
    _DELAY["seconds"] = max(0.0, float(str(form.get("seconds", "0"))))
    return web.json_response(_DELAY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    from localstripe import server  # here, not at the top: importing it registers its routes (and warns)

    # No persistence: each run starts empty and nothing is written outside the run.
    resources.Store.try_load_from_disk = lambda self: None
    resources.Store.dump_to_disk = lambda self: None

    _accept_extra_payment_intent_args()
    _allow_retry_after_decline()
    webhooks._send_webhook = _send_webhook  # schedule_webhook looks it up at each event

    server.app.middlewares.append(_delay)
    server.app.router.add_post("/_config/tth_delay", _set_delay)

    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.INFO)
    access.addHandler(logging.StreamHandler())
    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=access, print=None)


if __name__ == "__main__":
    main()

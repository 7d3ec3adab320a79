"""The fake Stripe delivers a webhook as Stripe does: a failed delivery is retried, each attempt signed anew.

No stack: ``harness.localstripe_server``'s delivery against a local endpoint, the schedule shortened.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING

import stripe
from aiohttp import web

from harness import localstripe_server
from harness.net import LOOPBACK, free_port

if TYPE_CHECKING:
    import pytest

SECRET = "whsec_units"
PAYLOAD = b'{"id": "evt_units", "type": "payment_intent.succeeded"}'


async def _deliver_to(statuses: list[int]) -> tuple[bool, list[tuple[float, str]]]:
    """Deliver PAYLOAD to an endpoint answering ``statuses`` in turn (the last one from then on)."""
    received: list[tuple[float, str]] = []

    async def endpoint(request: web.Request) -> web.Response:
        body = await request.read()
        assert body == PAYLOAD
        received.append((time.time(), request.headers["Stripe-Signature"]))
        return web.Response(status=statuses[min(len(received), len(statuses)) - 1])

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, LOOPBACK, port).start()
    try:
        hook = SimpleNamespace(url=f"http://{LOOPBACK}:{port}/hook", secret=SECRET)
        delivered = await localstripe_server._deliver(hook, "payment_intent.succeeded", PAYLOAD)
    finally:
        await runner.cleanup()
    return delivered, received


def test_a_failed_delivery_is_retried_until_it_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Stripe's backoff, shortened
    monkeypatch.setattr(localstripe_server, "WEBHOOK_RETRY_DELAYS_S", (0.01, 1.1, 0.01))
    # When the endpoint answers 500, then 429, then 200
    delivered, received = asyncio.run(_deliver_to([500, 429, 200]))
    # Then the third attempt delivers it and no fourth is made
    assert delivered
    assert len(received) == 3
    # And every attempt carries a valid signature over its own (current) timestamp
    for at, header in received:
        stripe.WebhookSignature.verify_header(PAYLOAD.decode(), header, SECRET, tolerance=5)
        assert abs(int(header.split(",")[0].removeprefix("t=")) - at) <= 1
    assert received[2][1] != received[0][1]


def test_a_delivery_is_given_up_after_the_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localstripe_server, "WEBHOOK_RETRY_DELAYS_S", (0.01, 0.01))
    delivered, received = asyncio.run(_deliver_to([503]))
    assert not delivered
    assert len(received) == 3  # the first attempt and one per delay

"""DynamoDB access: orders (conditional state transitions) and processed Stripe events.

Every state change is a conditional ``UpdateItem`` whose condition lists the states the
target may be entered from (``models.ALLOWED_TRANSITIONS``): no transition goes backwards,
and a replay of a transition that already happened simply does not apply.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shop.domain import Order, OrderLine, OrderStatus, Ticket, sources_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = ["Claim", "ClaimState", "EventRepository", "OrderRepository", "OrderSummary", "utc_now_iso"]

EVENT_TTL_SECONDS = 30 * 24 * 3600
EVENT_LEASE_SECONDS = 120


def utc_now_iso() -> str:
    """Current UTC time, ISO 8601 with a ``Z`` suffix and millisecond precision."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_ddb(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items()}


def _from_ddb(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}


def _is_conditional_failure(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _order_from_item(item: dict[str, Any]) -> Order:
    return Order(
        order_id=str(item["order_id"]),
        status=OrderStatus(item["status"]),
        amount=int(item["amount"]),
        currency=str(item["currency"]),
        lines=tuple(
            OrderLine(sku=ln["sku"], name=ln["name"], quantity=int(ln["quantity"]), unit_amount=int(ln["unit_amount"]))
            for ln in item.get("lines", [])
        ),
        token_hash=str(item.get("token_hash", "")),
        email_enc=str(item.get("email_enc", "")),
        name_enc=str(item.get("name_enc", "")),
        created_at=str(item.get("created_at", "")),
        updated_at=str(item.get("updated_at", "")),
        payment_intent_id=item.get("payment_intent_id"),
        fulfillment_id=item.get("fulfillment_id"),
        tickets=tuple(Ticket(reference=t["reference"], sku=t["sku"]) for t in item.get("tickets", [])),
        flags=dict(item.get("flags", {})),
        tickets_canceled_at=item.get("tickets_canceled_at"),
    )


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """The attributes the sweeper reads (no PII, no lines)."""

    order_id: str
    status: OrderStatus
    updated_at: str
    payment_intent_id: str | None
    amount: int
    currency: str


class _Table:
    """Thin typed wrapper over the low-level DynamoDB client (cheaper to create than a resource)."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def put(self, item: dict[str, Any], **kwargs: Any) -> None:
        self.client.put_item(TableName=self.name, Item=_to_ddb(item), **kwargs)

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.name, Key=_to_ddb(key), ConsistentRead=True).get("Item")
        return _from_ddb(item) if item else None

    def update(self, key: dict[str, Any], values: dict[str, Any], **kwargs: Any) -> None:
        self.client.update_item(
            TableName=self.name, Key=_to_ddb(key), ExpressionAttributeValues=_to_ddb(values), **kwargs
        )

    def update_if(self, key: dict[str, Any], values: dict[str, Any], **kwargs: Any) -> bool:
        """``update`` with a ``ConditionExpression``: ``False`` when the condition does not hold."""
        try:
            self.update(key, values, **kwargs)
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def delete(self, key: dict[str, Any], **kwargs: Any) -> None:
        self.client.delete_item(TableName=self.name, Key=_to_ddb(key), **kwargs)


class OrderRepository:
    """Orders table (hash key ``order_id``).

    Parameters
    ----------
    client:
        A boto3 DynamoDB *client* (shared with the idempotency layer).
    table_name:
        The orders table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._table = _Table(client, table_name)

    def create(self, order: Order) -> None:
        """Insert a new order; fails if the id already exists."""
        item: dict[str, Any] = {
            "order_id": order.order_id,
            "status": order.status.value,
            "amount": order.amount,
            "currency": order.currency,
            "lines": [
                {"sku": ln.sku, "name": ln.name, "quantity": ln.quantity, "unit_amount": ln.unit_amount}
                for ln in order.lines
            ],
            "token_hash": order.token_hash,
            "email_enc": order.email_enc,
            "name_enc": order.name_enc,
            "created_at": order.created_at,
            "updated_at": order.updated_at,
            "flags": {},
        }
        self._table.put(item, ConditionExpression="attribute_not_exists(order_id)")

    def get(self, order_id: str) -> Order | None:
        """Return the order or ``None`` (strongly consistent read)."""
        item = self._table.get({"order_id": order_id})
        return _order_from_item(item) if item else None

    def scan_by_status(self, statuses: Iterable[OrderStatus]) -> Iterator[OrderSummary]:
        """Every order in one of ``statuses`` (paginated ``Scan`` with a filter and a projection)."""
        wanted = sorted(statuses)
        values = {f":s{i}": status.value for i, status in enumerate(wanted)}
        paginator = self._table.client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table.name,
            FilterExpression=f"#status IN ({', '.join(values)})",
            ProjectionExpression="order_id, #status, updated_at, payment_intent_id, amount, currency",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=_to_ddb(values),
        ):
            for raw in page.get("Items", []):
                item = _from_ddb(raw)
                yield OrderSummary(
                    order_id=str(item["order_id"]),
                    status=OrderStatus(item["status"]),
                    updated_at=str(item.get("updated_at", "")),
                    payment_intent_id=item.get("payment_intent_id"),
                    amount=int(item["amount"]),
                    currency=str(item["currency"]),
                )

    def set_payment_intent(self, order_id: str, payment_intent_id: str) -> None:
        """Remember the PaymentIntent created for an order (set once)."""
        self._table.update(
            {"order_id": order_id},
            {":pi": payment_intent_id, ":now": utc_now_iso()},
            UpdateExpression="SET payment_intent_id = :pi, updated_at = :now",
            ConditionExpression="attribute_exists(order_id) AND attribute_not_exists(payment_intent_id)",
        )

    def transition(
        self,
        order_id: str,
        target: OrderStatus,
        *,
        allowed_from: Iterable[OrderStatus] | None = None,
        attributes: dict[str, Any] | None = None,
        remove: Iterable[str] = (),
    ) -> bool:
        """Move an order to ``target`` if its current state allows it.

        Parameters
        ----------
        order_id:
            The order.
        target:
            New state.
        allowed_from:
            States to accept as current; defaults to every state that may enter ``target``
            (and is always intersected with them, so no backwards transition is possible).
        attributes:
            Extra attributes to set in the same write (e.g. ``fulfillment_id``).
        remove:
            Attributes to delete in the same write (e.g. the encrypted PII of an expired order).

        Returns
        -------
        bool
            ``True`` if the write applied, ``False`` if the order was missing or in another state.
        """
        legal = sources_of(target)
        sources = sorted(legal & set(allowed_from) if allowed_from is not None else legal)
        if not sources:
            return False
        names: dict[str, str] = {"#status": "status"}
        values: dict[str, Any] = {":target": target.value, ":now": utc_now_iso()}
        sets = ["#status = :target", "updated_at = :now"]
        placeholders = []
        for index, source in enumerate(sources):
            values[f":s{index}"] = source.value
            placeholders.append(f":s{index}")
        for index, (name, value) in enumerate(sorted((attributes or {}).items())):
            names[f"#a{index}"] = name
            values[f":a{index}"] = value
            sets.append(f"#a{index} = :a{index}")
        removals = []
        for index, name in enumerate(sorted(remove)):
            names[f"#r{index}"] = name
            removals.append(f"#r{index}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removals) if removals else "")
        return self._table.update_if(
            {"order_id": order_id},
            values,
            UpdateExpression=expression,
            ConditionExpression=f"attribute_exists(order_id) AND #status IN ({', '.join(placeholders)})",
            ExpressionAttributeNames=names,
        )

    def set_attributes(self, order_id: str, attributes: dict[str, Any]) -> bool:
        """Set attributes on an existing order without changing its state; ``False`` if it is missing."""
        names = {f"#a{i}": name for i, name in enumerate(sorted(attributes))}
        values = {f":a{i}": attributes[name] for i, name in enumerate(sorted(attributes))} | {":now": utc_now_iso()}
        sets = [f"#a{i} = :a{i}" for i in range(len(names))]
        return self._table.update_if(
            {"order_id": order_id},
            values,
            UpdateExpression="SET " + ", ".join([*sets, "updated_at = :now"]),
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeNames=names,
        )

    def set_flag(self, order_id: str, flag: str, value: Any) -> bool:
        """Set ``flags.<flag>`` on an existing order (e.g. a dispute); returns ``False`` if missing."""
        return self._table.update_if(
            {"order_id": order_id},
            {":v": value, ":now": utc_now_iso()},
            UpdateExpression="SET flags.#f = :v, updated_at = :now",
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeNames={"#f": flag},
        )


class ClaimState(StrEnum):
    """What :meth:`EventRepository.claim` found."""

    OWNED = "owned"  # this delivery processes the event
    IN_PROGRESS = "in_progress"  # another delivery holds a live lease
    DONE = "done"  # already processed


@dataclass(frozen=True, slots=True)
class Claim:
    """The result of a claim; ``token`` identifies the owner (release and complete check it)."""

    event_id: str
    state: ClaimState
    token: str = ""


class EventRepository:
    """Processed Stripe events (hash key ``event_id``, TTL attribute ``expires_at``).

    ``claim`` writes ``PROCESSING`` with a short lease and an owner token; ``complete`` marks
    ``DONE``; ``release`` deletes the owner's claim after a failure so Stripe's redelivery is
    processed. A crashed claim becomes claimable again when its lease expires.
    """

    def __init__(self, client: Any, table_name: str, *, clock: Any = time.time) -> None:
        self._table = _Table(client, table_name)
        self._clock = clock

    def claim(self, event_id: str, event_type: str) -> Claim:
        """Take the event for this delivery, or say who has it."""
        now = int(self._clock())
        token = uuid.uuid4().hex
        try:
            self._table.put(
                {
                    "event_id": event_id,
                    "event_type": event_type,
                    "state": "PROCESSING",
                    "claim_token": token,
                    "lease_until": now + EVENT_LEASE_SECONDS,
                    "expires_at": now + EVENT_TTL_SECONDS,
                },
                ConditionExpression="attribute_not_exists(event_id) OR (#state = :processing AND lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=_to_ddb({":processing": "PROCESSING", ":now": now}),
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            item = self._table.get({"event_id": event_id}) or {}
            state = ClaimState.DONE if item.get("state") == "DONE" else ClaimState.IN_PROGRESS
            return Claim(event_id, state)
        return Claim(event_id, ClaimState.OWNED, token)

    def complete(self, claim: Claim, outcome: str) -> None:
        """Mark an owned event as processed."""
        self._table.update(
            {"event_id": claim.event_id},
            {":done": "DONE", ":outcome": outcome, ":token": claim.token},
            UpdateExpression="SET #state = :done, outcome = :outcome REMOVE lease_until, claim_token",
            ConditionExpression="claim_token = :token",
            ExpressionAttributeNames={"#state": "state"},
        )

    def release(self, claim: Claim) -> bool:
        """Forget an owned claim after a processing failure.

        Returns ``False`` when the claim is no longer this delivery's (its lease expired and another
        delivery took it over); raises when DynamoDB fails.
        """
        try:
            self._table.delete(
                {"event_id": claim.event_id},
                ConditionExpression="claim_token = :token",
                ExpressionAttributeValues=_to_ddb({":token": claim.token}),
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

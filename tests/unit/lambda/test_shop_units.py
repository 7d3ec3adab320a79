"""Domain modules in isolation: config parsing, crypto, state machine, repository edges."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambda_helpers import ENV, plain_client, seed_order
from pydantic import TypeAdapter, ValidationError

from shop import config, crypto
from shop.exceptions import ConfigurationError, ShopError
from shop.models import ALLOWED_TRANSITIONS, OrderStatus, sources_of
from shop.repository import OrderRepository


def test_require_env_fails_fast_on_missing_or_blank() -> None:
    assert config.require_env("X", {"X": " v "}) == "v"
    with pytest.raises(ConfigurationError, match="Y"):
        config.require_env("Y", {"Y": "  "})
    with pytest.raises(ConfigurationError):
        config.require_env("Z", {})


@pytest.mark.parametrize(
    "raw",
    [
        {"currency": "eur"},
        {"catalog": "not json", "currency": "eur"},
        {"catalog": "[]", "currency": "eur"},
        {"catalog": json.dumps([{"sku": "A", "name": "A", "unit_amount": -1}]), "currency": "eur"},
        {"catalog": json.dumps([{"sku": "A", "name": "A", "unit_amount": 1}])},
    ],
)
def test_parse_parameters_rejects_bad_config(raw: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        config._parse_parameters(raw)


def test_parse_parameters_defaults() -> None:
    params = config._parse_parameters(
        {"catalog": json.dumps([{"sku": "A", "name": "A", "unit_amount": 100}]), "currency": "EUR"}
    )
    assert params.currency == "eur"
    assert params.stripe_api_base_url == "https://api.stripe.com"
    assert params.fulfillment_api_base_url == ""
    assert params.catalog[0].max_per_order == 10


def test_settings_are_read_without_the_catalog() -> None:
    # The webhook, the sweeper and fulfillment read the settings only: a catalog they never use does not fail them
    settings = config._parse_settings({"catalog": "not json", "currency": "EUR", "stripe/api_base_url": "http://s/"})
    assert (settings.currency, settings.stripe_api_base_url) == ("eur", "http://s")
    with pytest.raises(ConfigurationError, match="currency"):
        config._parse_settings({"catalog": "[]"})


def test_load_settings_and_parameters_read_one_path(aws: Any) -> None:
    settings = config.load_settings(ENV["CONFIG_PARAMETER_PATH"])
    params = config.load_parameters(ENV["CONFIG_PARAMETER_PATH"])
    assert params.currency == settings.currency and params.stripe_api_base_url == settings.stripe_api_base_url
    assert params.catalog and not hasattr(settings, "catalog")


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '"o-1"', "{}", '{"order_id": 1}', '{"order_id": ""}', '{"order_id": "o", "reason": 5}',
     json.dumps({"order_id": "x" * 65})],
)  # fmt: skip
def test_fulfillment_message_refuses_what_is_not_one(body: str) -> None:
    from shop.fulfillment_queue import FulfillmentMessage

    with pytest.raises(ValueError):
        FulfillmentMessage.from_json(body)


def test_fulfillment_message_reads_what_it_writes_and_ignores_unknown_keys() -> None:
    from shop.fulfillment_queue import FulfillmentMessage

    message = FulfillmentMessage(order_id="o-1", reason="partner rejected")
    assert FulfillmentMessage.from_json(message.to_json()) == message
    assert FulfillmentMessage.from_json('{"order_id": "o-2", "new": 1}') == FulfillmentMessage(order_id="o-2")


def test_missing_parameter_path_is_configuration_error(aws: Any) -> None:
    with pytest.raises(ConfigurationError):
        config.load_parameters("/nothing/here")


def test_secrets_errors_are_configuration_errors(aws: Any) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        config.get_secret_string("does-not-exist")
    aws.secrets.put_secret_value(SecretId=ENV["STRIPE_WEBHOOK_SECRET_ID"], SecretString=" ")
    with pytest.raises(ConfigurationError, match="empty"):
        config.get_secret_string(ENV["STRIPE_WEBHOOK_SECRET_ID"], max_age=0)


def test_secure_parameter_is_decrypted_and_errors_are_configuration_errors(aws: Any) -> None:
    name = ENV["FULFILLMENT_API_KEY_PARAMETER"]
    aws.ssm.put_parameter(Name=name, Value=" partner-key ", Type="SecureString", Overwrite=True)
    assert config.get_secure_parameter(name, max_age=0) == "partner-key"
    with pytest.raises(ConfigurationError, match="cannot read"):
        config.get_secure_parameter("/does/not/exist", max_age=0)
    aws.ssm.put_parameter(Name=name, Value=" ", Type="SecureString", Overwrite=True)
    with pytest.raises(ConfigurationError, match="empty"):
        config.get_secure_parameter(name, max_age=0)


def test_binary_secret_is_decoded(aws: Any) -> None:
    aws.secrets.create_secret(Name="binary-secret", SecretBinary=b"value")
    assert config.get_secret_string("binary-secret") == "value"


def test_encrypt_roundtrip_is_bound_to_order_and_field(aws: Any) -> None:
    pii = crypto.field_cipher(ENV["PII_KMS_KEY_ID"])
    sealed = pii.encrypt("ada@example.com", order_id="order-1", field=crypto.Field.EMAIL)
    assert sealed.startswith("v2:") and "ada" not in sealed
    assert pii.decrypt(sealed, order_id="order-1", field=crypto.Field.EMAIL) == "ada@example.com"
    assert sealed != pii.encrypt("ada@example.com", order_id="order-1", field=crypto.Field.EMAIL)
    with pytest.raises(ShopError, match="cannot decrypt"):
        pii.decrypt(sealed, order_id="order-2", field=crypto.Field.EMAIL)  # copied onto another order
    with pytest.raises(ShopError, match="cannot decrypt"):
        pii.decrypt(sealed, order_id="order-1", field=crypto.Field.NAME)  # moved into another field
    other_key = aws.kms.create_key()["KeyMetadata"]["Arn"]
    # KMS answers IncorrectKeyException (a ShopError here); moto answers AccessDeniedException.
    with pytest.raises((ShopError, ClientError)):
        crypto.FieldCipher(aws.kms, other_key).decrypt(sealed, order_id="order-1", field=crypto.Field.EMAIL)
    with pytest.raises(ShopError, match="unsupported"):
        pii.decrypt("v0:abc", order_id="order-1", field=crypto.Field.EMAIL)
    with pytest.raises(ShopError, match="cannot decrypt"):
        pii.decrypt("v2:***", order_id="order-1", field=crypto.Field.EMAIL)
    with pytest.raises(ShopError, match="too long"):
        pii.encrypt("x" * 4097, order_id="order-1", field=crypto.Field.NAME)


def test_values_of_the_retired_aes_gcm_scheme_are_refused_by_name(aws: Any) -> None:
    pii = crypto.field_cipher(ENV["PII_KMS_KEY_ID"])
    with pytest.raises(ShopError, match="retired v1 scheme"):
        pii.decrypt("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", order_id="order-1", field=crypto.Field.EMAIL)


def test_kms_errors_other_than_a_foreign_ciphertext_propagate() -> None:
    class Throttled:
        def decrypt(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Decrypt")

    with pytest.raises(ClientError, match="ThrottlingException"):  # retried by the caller, not a bad field
        crypto.FieldCipher(Throttled(), "key").decrypt("v2:AAAA", order_id="order-1", field=crypto.Field.EMAIL)


def test_token_matching() -> None:
    token = crypto.new_order_token()
    assert len(token) >= 43
    stored = crypto.hash_token(token)
    assert crypto.token_matches(token, stored)
    assert not crypto.token_matches(token + "x", stored)
    assert not crypto.token_matches(None, stored)
    assert not crypto.token_matches("", crypto.hash_token(""))
    assert not crypto.token_matches(token, None)
    # An empty stored hash (the default of a missing attribute) never matches, not even the dummy's preimage
    assert not crypto.token_matches("no-such-order", "")
    assert not crypto.token_matches(token, "")


def test_state_machine_has_no_backwards_transition() -> None:
    order = [OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.FULFILLING, OrderStatus.FULFILLED]
    for index, state in enumerate(order):
        for earlier in order[: index + 1]:
            assert earlier not in ALLOWED_TRANSITIONS[state]
    assert sources_of(OrderStatus.PENDING_PAYMENT) == frozenset()
    # REFUNDED is left only when Stripe reports the refund failed; CANCELED is final
    assert ALLOWED_TRANSITIONS[OrderStatus.REFUNDED] == frozenset({OrderStatus.REFUND_FAILED})
    assert ALLOWED_TRANSITIONS[OrderStatus.CANCELED] == frozenset()


def test_every_paid_state_can_reach_a_settled_state() -> None:
    from shop.models import SETTLED_STATES, UNSETTLED_PAID_STATES

    for state in UNSETTLED_PAID_STATES:
        reachable, frontier = {state}, [state]
        while frontier:
            for nxt in ALLOWED_TRANSITIONS[frontier.pop()]:
                if nxt not in reachable:
                    reachable.add(nxt)
                    frontier.append(nxt)
        assert reachable & SETTLED_STATES, state


def test_transition_to_state_without_legal_source_does_not_write(aws: Any) -> None:
    order_id = seed_order(aws.orders, status="PAID")
    repo = OrderRepository(plain_client(), aws.orders.name)
    assert repo.transition(order_id, OrderStatus.PENDING_PAYMENT) is False
    assert repo.transition(order_id, OrderStatus.FULFILLED, allowed_from={OrderStatus.PAID}) is False
    assert repo.get(order_id).status == OrderStatus.PAID  # type: ignore[union-attr]
    assert repo.set_flag("missing", "x", 1) is False
    assert repo.transition("missing", OrderStatus.FULFILLING) is False


def test_every_function_traces_only_the_shared_module_list() -> None:
    # Tracer() without patch_modules runs X-Ray's patch_all() at every cold start (shop/tracing.py): every function
    # makes its Tracer with shop.tracing.make_tracer, the one Tracer() call, which patches TRACED_AT_INIT.
    lambda_src = Path(__file__).resolve().parents[3] / "lambda_src"
    deps_modules = sorted(p for p in lambda_src.glob("*/deps.py") if p.parent.name != "shop")
    assert deps_modules

    def calls(path: Path, name: str) -> list[ast.Call]:
        return [
            node
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
        ]

    for path in deps_modules:
        assert not calls(path, "Tracer"), f"{path}: a Tracer of its own"
        assert len(calls(path, "make_tracer")) == 1, f"{path}: expected one make_tracer()"
    (tracer,) = calls(lambda_src / "shop" / "tracing.py", "Tracer")
    value = {kw.arg: kw.value for kw in tracer.keywords}.get("patch_modules")
    assert isinstance(value, ast.Name), "Tracer patches more than TRACED_AT_INIT"
    assert value.id == "TRACED_AT_INIT", "Tracer patches more than TRACED_AT_INIT"


def test_fulfillment_message_round_trips_through_the_queue(aws: Any) -> None:
    from shop.fulfillment_queue import FulfillmentMessage, FulfillmentQueue

    queue = FulfillmentQueue(None, aws.queue_url)  # as the webhook and the sweeper build it: client at first send
    queue.enqueue("order-1")
    queue.enqueue("order-2", reason="partner said 400")
    bodies = [m["Body"] for m in aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)["Messages"]]
    # The wire shape of docs/contracts.md, and what fulfillment's record model reads back
    assert sorted(json.loads(b)["order_id"] for b in bodies) == ["order-1", "order-2"]
    assert {"order_id": "order-1"} in [json.loads(b) for b in bodies]
    reader = TypeAdapter(FulfillmentMessage)  # as fulfillment's record model reads it
    read = sorted((reader.validate_json(b) for b in bodies), key=lambda m: m.order_id)
    assert [(m.order_id, m.reason) for m in read] == [("order-1", None), ("order-2", "partner said 400")]
    assert reader.validate_json('{"order_id": "order-3", "extra": 1}').order_id == "order-3"
    for bad in ("", "x" * 65):
        with pytest.raises(ValidationError):
            reader.validate_json(json.dumps({"order_id": bad}))
        with pytest.raises(ValueError, match="1 to 64"):
            queue.enqueue(bad)


def test_only_the_shared_queue_module_sends_sqs_messages() -> None:
    # The fulfillment message is built in one place (shop/fulfillment_queue.py), not once per function.
    lambda_src = Path(__file__).resolve().parents[3] / "lambda_src"
    senders = sorted(
        str(path.relative_to(lambda_src))
        for path in lambda_src.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("send_message", "send_message_batch")
    )
    assert senders == ["shop/fulfillment_queue.py"]

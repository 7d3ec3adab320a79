"""Field encryption (AWS KMS) and order access tokens.

A field is encrypted by KMS itself (``Encrypt``/``Decrypt``, no data key leaves KMS) under the shop's key
with the encryption context ``{"tth:order": <order id>, "tth:field": <field>}``: a value copied onto another
order or into another field does not decrypt, every use is a CloudTrail event naming the order, and IAM
grants each function only the fields it needs (the ``pii`` access entries in terraform/main.tf).
Ciphertexts are ``"v2:" + base64(CiphertextBlob)``. ``v1:`` values (AES-256-GCM under a key kept in
Secrets Manager, the scheme before this one) are refused with an error that says so (README: "PII
encryption"). Tokens are 256-bit random strings; only their SHA-256 hash is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from enum import StrEnum
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shop.exceptions import ShopError

__all__ = ["Field", "FieldCipher", "field_cipher", "hash_token", "new_order_token", "token_matches"]

_VERSION = "v2:"
_RETIRED_VERSION = "v1:"
# KMS Encrypt takes at most 4096 bytes of plaintext.
MAX_PLAINTEXT_BYTES = 4096
# What KMS answers for a ciphertext of another key or context (or a damaged one).
_NOT_DECRYPTABLE = {"InvalidCiphertextException", "IncorrectKeyException"}
# Compared against when no order exists, so a miss costs the same as a wrong token.
_DUMMY_HASH = hashlib.sha256(b"no-such-order").hexdigest()


class Field(StrEnum):
    """The encrypted fields; each is a value of the ``tth:field`` encryption context key."""

    EMAIL = "email"
    NAME = "name"
    #: The cached ``201`` body of an idempotent POST /api/orders (it holds the order token).
    ORDER_CREATED = "order_created"


class FieldCipher:
    """Encrypts and decrypts single fields with one KMS key, bound to an order and a field."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    @staticmethod
    def _context(order_id: str, field: Field) -> dict[str, str]:
        return {"tth:order": order_id, "tth:field": field.value}

    def encrypt(self, plaintext: str, *, order_id: str, field: Field) -> str:
        """Encrypt ``plaintext`` for ``field`` of ``order_id``.

        Raises
        ------
        ShopError
            When the value is longer than KMS encrypts directly (4096 bytes).
        """
        data = plaintext.encode("utf-8")
        if len(data) > MAX_PLAINTEXT_BYTES:
            raise ShopError(f"{field.value} is too long to encrypt ({len(data)} > {MAX_PLAINTEXT_BYTES} bytes)")
        sealed = self._kms.encrypt(KeyId=self._key_id, Plaintext=data, EncryptionContext=self._context(order_id, field))
        return _VERSION + base64.b64encode(sealed["CiphertextBlob"]).decode("ascii")

    def decrypt(self, token: str, *, order_id: str, field: Field) -> str:
        """Decrypt a value produced by :meth:`encrypt` for the same order and field.

        Raises
        ------
        ShopError
            When the value is malformed, of the retired ``v1`` scheme, or encrypted under another key,
            order or field. Other KMS errors (throttling, access) propagate like any AWS call's.
        """
        if token.startswith(_RETIRED_VERSION):
            raise ShopError("field was encrypted by the retired v1 scheme (README: PII encryption)")
        if not token.startswith(_VERSION):
            raise ShopError("unsupported ciphertext version")
        try:
            blob = base64.b64decode(token[len(_VERSION) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ShopError("cannot decrypt field") from exc
        try:
            # KeyId pins the key (AWS's advice for symmetric Decrypt); the IAM enforcement authorizes against it.
            plain = self._kms.decrypt(
                KeyId=self._key_id, CiphertextBlob=blob, EncryptionContext=self._context(order_id, field)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_DECRYPTABLE:
                raise ShopError("cannot decrypt field") from exc
            raise
        return bytes(plain["Plaintext"]).decode("utf-8")


@lru_cache(maxsize=1)
def field_cipher(key_id: str) -> FieldCipher:
    """The cipher of one key, its KMS client created on first use (only the paths that encrypt pay for it)."""
    return FieldCipher(boto3.client("kms"), key_id)


def new_order_token() -> str:
    """Return a fresh, unguessable order access token (43 url-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token (what the orders table stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, stored_hash: str | None) -> bool:
    """Compare a presented token with a stored hash in constant time.

    A missing or empty stored hash never matches (an item without ``token_hash`` reads back as ``""``).
    """
    presented = hash_token(token or "")
    expected = stored_hash or _DUMMY_HASH
    return hmac.compare_digest(presented, expected) and bool(token) and bool(stored_hash)

"""Field encryption (AES-256-GCM) and order access tokens.

Ciphertexts are ``"v1:" + base64(nonce || ciphertext || tag)`` with the order id as
associated data, so a field copied onto another order does not decrypt.
Tokens are 256-bit random strings; only their SHA-256 hash is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shop.exceptions import ShopError

__all__ = ["decrypt_field", "encrypt_field", "hash_token", "new_order_token", "token_matches"]

_VERSION = "v1:"
_NONCE_BYTES = 12
# Compared against when no order exists, so a miss costs the same as a wrong token.
_DUMMY_HASH = hashlib.sha256(b"no-such-order").hexdigest()


def encrypt_field(key: bytes, plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext`` with AES-256-GCM bound to ``context`` (the order id)."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt_field(key: bytes, token: str, *, context: str) -> str:
    """Decrypt a value produced by :func:`encrypt_field`.

    Raises
    ------
    ShopError
        When the value is malformed, was encrypted with another key, or for another context.
    """
    if not token.startswith(_VERSION):
        raise ShopError("unsupported ciphertext version")
    try:
        raw = base64.b64decode(token[len(_VERSION) :], validate=True)
        plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8"))
    except (InvalidTag, ValueError) as exc:
        raise ShopError("cannot decrypt field") from exc
    return plain.decode("utf-8")


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

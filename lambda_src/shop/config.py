"""Configuration: environment variables (read once, fail fast), SSM parameters and secrets.

Parameters and secrets go through Powertools' parameters utility, which caches values
in memory for ``max_age`` seconds per execution environment.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from shop.exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from shop.models import CatalogItem

__all__ = [
    "PARAMETER_MAX_AGE_SECONDS",
    "SECRET_MAX_AGE_SECONDS",
    "STRIPE_TIMEOUT_SECONDS",
    "ShopParameters",
    "ShopSettings",
    "env_flag",
    "get_secret_string",
    "get_secure_parameter",
    "load_parameters",
    "load_settings",
    "require_env",
]

PARAMETER_MAX_AGE_SECONDS = 300
#: (connect, read) timeouts towards Stripe: with one network retry the worst case (~23 s) stays inside
#: API Gateway's 29 s integration timeout. Here rather than in ``payments`` so that the fulfillment
#: worker can size its time budget without importing the Stripe SDK.
STRIPE_TIMEOUT_SECONDS = (3.05, 8.0)
SECRET_MAX_AGE_SECONDS = 300


def require_env(name: str, environ: Mapping[str, str] | None = None) -> str:
    """Return a required environment variable.

    Parameters
    ----------
    name:
        Variable name (see docs/contracts.md).
    environ:
        Mapping to read from; defaults to ``os.environ``.

    Raises
    ------
    ConfigurationError
        When the variable is unset or empty.
    """
    value = (environ if environ is not None else os.environ).get(name, "").strip()
    if not value:
        raise ConfigurationError(f"missing required environment variable {name}")
    return value


def env_flag(name: str, *, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Return a boolean environment variable (``true``/``false``, any case; ``default`` when unset).

    Raises
    ------
    ConfigurationError
        When the value is something else.
    """
    value = (environ if environ is not None else os.environ).get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("true", "false"):
        raise ConfigurationError(f"{name} must be true or false")
    return value == "true"


@dataclass(frozen=True, slots=True)
class ShopSettings:
    """The non-secret settings kept in SSM under ``CONFIG_PARAMETER_PATH``, without the catalog."""

    currency: str
    publishable_key: str
    stripe_api_base_url: str
    fulfillment_api_base_url: str


@dataclass(frozen=True, slots=True)
class ShopParameters(ShopSettings):
    """The settings and the catalog (only the orders function reads the catalog)."""

    catalog: tuple[CatalogItem, ...]

    def catalog_by_sku(self) -> dict[str, CatalogItem]:
        """Return the catalog keyed by SKU."""
        return {item.sku: item for item in self.catalog}


def _pick(raw: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = raw.get(name, default)
    if value is None or not value.strip():
        raise ConfigurationError(f"missing SSM parameter /{name}")
    return value.strip()


def _parse_settings(raw: Mapping[str, str]) -> ShopSettings:
    return ShopSettings(
        currency=_pick(raw, "currency").lower(),
        publishable_key=raw.get("stripe/publishable_key", "").strip(),
        stripe_api_base_url=_pick(raw, "stripe/api_base_url", "https://api.stripe.com").rstrip("/"),
        fulfillment_api_base_url=raw.get("fulfillment/api_base_url", "").strip().rstrip("/"),
    )


def _parse_parameters(raw: Mapping[str, str]) -> ShopParameters:
    settings = _parse_settings(raw)
    # The catalog's pydantic model is imported here, in the one function that reads a catalog: the webhook,
    # the sweeper and fulfillment read only the settings, and their packages carry no pydantic.
    from shop.models import CatalogItem

    try:
        catalog_json = json.loads(_pick(raw, "catalog"))
        catalog = tuple(CatalogItem.model_validate(entry) for entry in catalog_json)
    except (ValueError, TypeError) as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigurationError("SSM parameter /catalog is not a valid catalog") from exc
    if not catalog:
        raise ConfigurationError("SSM parameter /catalog is empty")
    return ShopParameters(**asdict(settings), catalog=catalog)


def _raw_parameters(path: str, max_age: int) -> dict[str, str]:
    """Every parameter below ``path``, keyed without slashes (one recursive SSM call, cached ``max_age`` s)."""
    try:
        raw = parameters.get_parameters(path, recursive=True, max_age=max_age)
    except GetParameterError as exc:
        raise ConfigurationError(f"cannot read SSM parameters under {path}") from exc
    return {key.strip("/"): value for key, value in raw.items()}


def load_settings(path: str, *, max_age: int = PARAMETER_MAX_AGE_SECONDS) -> ShopSettings:
    """Load and validate the settings below ``path``; the catalog is neither parsed nor checked.

    Raises
    ------
    ConfigurationError
        When SSM is unreachable or a required parameter is missing or malformed.
    """
    return _parse_settings(_raw_parameters(path, max_age))


def load_parameters(path: str, *, max_age: int = PARAMETER_MAX_AGE_SECONDS) -> ShopParameters:
    """Load and validate the settings and the catalog below ``path`` (the same cached SSM call).

    Raises
    ------
    ConfigurationError
        When SSM is unreachable or a required parameter is missing or malformed.
    """
    return _parse_parameters(_raw_parameters(path, max_age))


def _required_value(fetch: Callable[[], object], what: str) -> str:
    """The non-empty string ``fetch`` returns (bytes decoded), stripped; the value is never logged."""
    try:
        value = fetch()
    except GetParameterError as exc:
        raise ConfigurationError(f"cannot read a required {what}") from exc
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"a required {what} is empty")
    return value.strip()


def get_secret_string(secret_id: str, *, max_age: int = SECRET_MAX_AGE_SECONDS) -> str:
    """Return a Secrets Manager string value (cached for ``max_age`` seconds).

    Raises
    ------
    ConfigurationError
        When the secret cannot be read or is empty. The value is never logged.
    """
    return _required_value(lambda: parameters.get_secret(secret_id, max_age=max_age), "secret")


def get_secure_parameter(name: str, *, max_age: int = SECRET_MAX_AGE_SECONDS) -> str:
    """Return a SecureString parameter's decrypted value (cached for ``max_age`` seconds).

    Raises
    ------
    ConfigurationError
        When the parameter cannot be read or is empty. The value is never logged.
    """
    return _required_value(
        lambda: parameters.get_parameter(name, decrypt=True, max_age=max_age), "SecureString parameter"
    )

"""Make moto's API Gateway keep a stage method setting for any route, as the provider sends it.

``aws_api_gateway_method_settings`` patches a stage with paths ``/{method_path}/{setting}``, where
``method_path`` is ``{resource path without its leading slash}/{HTTP method}`` (for example
``/api/webhooks/stripe/POST/throttling/rateLimit``), and reads the setting back from
``GetStage``'s ``methodSettings[method_path]``. moto 5.2.5 splits the patch path at its first three
slashes, so only a one-segment method path (``*/*``, ``orders/GET``) is stored; a longer one is
dropped and the provider fails the apply with "empty result". Here the setting name is matched at
the end of the path instead (``~1``-escaped slashes are accepted too), and removing a method
setting (destroy) deletes it.

Imported by ``harness.moto_entry`` before the server starts.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway import models

# The stage-level patch paths moto handles itself (variables, cache cluster, deployment, logs, tracing).
_STAGE_PATHS = ("variables/", "/cacheClusterEnabled", "/cacheClusterSize", "/description", "/deploymentId")
_SETTINGS = (
    "metrics/enabled",
    "logging/loglevel",
    "logging/dataTrace",
    "throttling/burstLimit",
    "throttling/rateLimit",
    "caching/enabled",
    "caching/ttlInSeconds",
    "caching/dataEncrypted",
    "caching/requireAuthorizationForCacheControl",
    "caching/unauthorizedCacheControlHeaderStrategy",
)

_original_apply = models.Stage.apply_operations


def _method_path(path: str) -> str:
    """The key GetStage uses: the resource path unescaped, without its leading slash, then the method."""
    return path.replace("~1", "/").lstrip("/")


def method_setting_target(path: str) -> tuple[str, str] | None:
    """``(method path, setting)`` of a method-setting patch path, or None for any other path."""
    for setting in _SETTINGS:
        suffix = "/" + setting
        if path.endswith(suffix) and len(path) > len(suffix) + 1:
            method_path = _method_path(path[: -len(suffix)])
            if "/" in method_path:  # {resource path}/{HTTP method}
                return method_path, setting
    return None


def _apply_operations(self: models.Stage, patch_operations: list[dict[str, Any]]) -> models.Stage:
    rest = []
    for op in patch_operations:
        path = op.get("path", "")
        target = method_setting_target(path) if not any(p in path for p in _STAGE_PATHS) else None
        if op.get("op") == "replace" and target is not None:
            self._patch_method_setting(target[0], target[1], op["value"])
        elif op.get("op") == "remove" and _method_path(path) in self.method_settings:
            del self.method_settings[_method_path(path)]
        else:
            rest.append(op)
    return _original_apply(self, rest)


def install() -> None:
    """Patch moto's stage (idempotent)."""
    if getattr(models, "_tth_method_settings", False):
        return
    models.Stage.apply_operations = _apply_operations  # type: ignore[method-assign]
    models._tth_method_settings = True  # type: ignore[attr-defined]

"""What X-Ray traces in every function, and when it is patched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Tracer

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["TRACED_AT_INIT", "TRACED_MODULES", "TRACED_ON_IMPORT", "make_tracer"]

# Only what the functions call: the AWS SDK, and requests (Stripe's HTTP client and the partner's).
# Tracer()'s default, patch_all(), also imports and patches every other library X-Ray supports, at
# every cold start.
TRACED_AT_INIT = ("botocore",)
# Patched when something first imports it: patching imports the module, and only fulfillment needs requests
# at init (the others import it with the Stripe SDK, on the paths that call Stripe).
TRACED_ON_IMPORT = ("requests",)
TRACED_MODULES = (*TRACED_AT_INIT, *TRACED_ON_IMPORT)


def make_tracer() -> Tracer:
    """The function's Tracer: ``TRACED_AT_INIT`` patched now, each of ``TRACED_ON_IMPORT`` once imported.

    A module already imported is patched at once; a disabled Tracer patches nothing (``Tracer.patch``).
    """
    from wrapt import register_post_import_hook

    tracer = Tracer(patch_modules=TRACED_AT_INIT)

    def patch_on_import(module: ModuleType) -> None:
        tracer.patch(modules=[module.__name__])

    for name in TRACED_ON_IMPORT:
        register_post_import_hook(patch_on_import, name)
    return tracer

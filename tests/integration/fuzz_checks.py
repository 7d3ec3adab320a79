"""Schemathesis hooks for the contract fuzz run (loaded by the CLI through ``SCHEMATHESIS_HOOKS``).

Both read what the test found in the deployed stack from the environment, so the run is held to
the stack as deployed and not to a copy kept here.

**Undeclared methods.** Schemathesis's own ``unsupported_method`` check wants RFC 9110's 405 for a
method a path does not declare. The deployed front door answers it differently, and says so in
its configuration: CloudFront refuses a method its ``/api/*`` behaviour does not allow (and a GET
with a body), and API Gateway answers any other undeclared method with its
``MISSING_AUTHENTICATION_TOKEN`` gateway response (our Terraform renders it as ``404 NOT_FOUND``
in the contract's error shape). This check asserts exactly that answer, read back from the
emulator by the test (``TTH_FUZZ_FRONT_DOOR``), instead of 405: as strict, but against what
production does.

**The catalog.** ``POST /orders`` also checks the items against the catalog (a known SKU, each
once, at most its ``maxPerOrder``), a documented ``422`` that no JSON Schema can state because the
catalog is data. So that "schema-valid means accepted" can be checked on everything else, a
*positive* case's items are moved onto the deployed catalog (``TTH_FUZZ_CATALOG``, read from
``GET /config``). Likewise an ``Idempotency-Key`` reused with another body is a documented ``422``
across requests: a positive case's key gets the body's digest appended, so one key never names two
bodies. The customer fields, the rest of the headers and every negative case stay as generated.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

import schemathesis
from schemathesis import GenerationMode
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, HookContext, Response

FRONT_DOOR_ENV = "TTH_FUZZ_FRONT_DOOR"
CATALOG_ENV = "TTH_FUZZ_CATALOG"
# CloudFront's own refusals: 403 for a method outside the behaviour's allowed methods or a GET/HEAD
# with a body, 400 for a method it never supports (TRACE). Such a request never reaches the origin.
CLOUDFRONT_REFUSALS = frozenset({400, 403})


def _front_door() -> dict[str, Any]:
    return dict(json.loads(os.environ[FRONT_DOOR_ENV]))


@schemathesis.check
def undeclared_method_as_configured(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """An undeclared method gets the front door's configured answer, never a 5xx or a 2xx."""
    meta = case.meta
    if meta is None or not isinstance(meta.phase.data, CoveragePhaseData):
        return None
    if meta.phase.data.scenario != CoverageScenario.UNSPECIFIED_HTTP_METHOD:
        return None
    door = _front_door()
    method = str(response.request.method).upper()
    has_body = bool(response.request.body)
    if method not in door["cloudfront_allowed_methods"] or (method in ("GET", "HEAD") and has_body):
        if response.status_code not in CLOUDFRONT_REFUSALS:
            raise AssertionError(
                f"{method} (body: {has_body}) is refused by CloudFront's /api/* behaviour: "
                f"expected CloudFront's refusal {sorted(CLOUDFRONT_REFUSALS)}, got {response.status_code}"
            )
        return True
    expected = door["missing_route"]
    if response.status_code != expected["status"]:
        raise AssertionError(
            f"undeclared {method} {case.operation.path}: expected API Gateway's MISSING_AUTHENTICATION_TOKEN "
            f"gateway response {expected['status']} as deployed, got {response.status_code}: {response.text[:200]}"
        )
    try:
        body = json.loads(response.text)
    except ValueError as exc:
        raise AssertionError(f"undeclared {method}: body is not JSON: {response.text[:200]!r}") from exc
    if body != expected["body"]:
        raise AssertionError(
            f"undeclared {method}: body {body} is not the deployed gateway response {expected['body']}"
        )
    return True


@schemathesis.hook
def map_case(context: HookContext, case: Case) -> Case:
    """Move a positive ``createOrder`` case's items onto the deployed catalog (see the module doc)."""
    meta = case.meta
    if (
        context.operation is None
        or context.operation.definition.raw.get("operationId") != "createOrder"
        or meta is None
        or meta.generation.mode != GenerationMode.POSITIVE
        or not isinstance(case.body, dict)
        or not isinstance(case.body.get("items"), list)
    ):
        return case
    catalog = json.loads(os.environ[CATALOG_ENV])
    items = [item for item in case.body["items"] if isinstance(item, dict)][: len(catalog)]
    for index, item in enumerate(items):
        entry = catalog[index]
        item["sku"] = entry["sku"]
        if isinstance(item.get("quantity"), int):
            item["quantity"] = max(1, min(item["quantity"], entry["maxPerOrder"]))
    case.body["items"] = items
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and case.headers is not None:
        digest = hashlib.sha256(json.dumps(case.body, sort_keys=True).encode()).hexdigest()[:16]
        case.headers["Idempotency-Key"] = f"{key[:64]}-{digest}"
    return case

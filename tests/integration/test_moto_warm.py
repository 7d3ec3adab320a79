"""harness.moto_entry's warm start: every service the stack calls is created before its first request.

Runs in a child interpreter (importing moto_entry patches moto process-wide) and starts no emulator: the
integration env is the one with moto's server extras.
"""

from __future__ import annotations

import json
import subprocess
import sys

from harness.toolchain import REPO_ROOT

CHILD = """
import json
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from harness import moto_entry
from harness.terraform import ENDPOINT_SERVICES
app = DomainDispatcherApplication(create_backend_app)
moto_entry.warm(app)
print(json.dumps({
    "unknown": moto_entry.unknown_backends(),
    "warm": sorted(app.app_instances),
    "services": list(ENDPOINT_SERVICES),
}))
"""


def test_every_endpoint_service_is_warmed_under_its_moto_name() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["unknown"] == []
    moto_names = {"lambda": "awslambda"}
    expected = {moto_names.get(service, service) for service in found["services"]} | {"events"}
    assert set(found["warm"]) == expected

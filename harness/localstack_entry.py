"""Start LocalStack's runtime in host mode, with function execution left to the harness.

Run by the Python of LocalStack's own venv (``harness.localstack`` starts it; it imports nothing
from the harness). LocalStack's ``localstack start --host`` refuses a light install, so the runtime
is started directly, as its CLI does inside its container.

LocalStack marks a new function version Active only after its Docker executor prepared it (runtime
image present, runtime-init binary downloaded); without Docker the version goes to Failed and
Terraform's create fails. Here preparing a version only unpacks its code: the harness executes
the deployed package itself (``harness.lambda_runner``), as in the moto run.

An event source mapping's poller in LocalStack receives each message and invokes the function
in Docker; without Docker that invocation fails and the message comes back only after its
visibility timeout, so the function never sees it in time. Here the mappings keep their state
machine (created, listed as Enabled, deleted) but their poller finds nothing, as
``harness.moto_entry`` does for moto; ``harness.sqs_poller`` feeds the messages to the deployed
package, as the Lambda service polls a queue in AWS.
"""

from __future__ import annotations

from typing import Any

# LOCALSTACK_CLI=0 (set by harness.localstack) before localstack is imported: this is the runtime.
from localstack import config  # type: ignore[import-not-found]
from localstack.services.lambda_.event_source_mapping import esm_worker  # type: ignore[import-not-found]
from localstack.services.lambda_.invocation import docker_runtime_executor  # type: ignore[import-not-found]
from localstack.utils.bootstrap import start_infra_locally  # type: ignore[import-not-found]


class _HarnessDelivers:
    """A poller that never finds a message: the harness delivers them."""

    def poll_events(self) -> None:
        raise esm_worker.EmptyPollResultsException(service="sqs", source_arn="harness-delivers")

    def close(self) -> None:
        return None


_poller_loop = esm_worker.EsmWorker.poller_loop


def _poller_loop_without_polling(self: Any, *args: Any, **kwargs: Any) -> Any:
    self.poller = _HarnessDelivers()
    return _poller_loop(self, *args, **kwargs)


esm_worker.EsmWorker.poller_loop = _poller_loop_without_polling


def _prepare_version_without_docker(cls: Any, function_version: Any) -> None:
    if function_version.config.code:
        function_version.config.code.prepare_for_execution()


docker_runtime_executor.DockerRuntimeExecutor.prepare_version = classmethod(_prepare_version_without_docker)

if __name__ == "__main__":
    config.dirs = config.init_directories()
    start_infra_locally()

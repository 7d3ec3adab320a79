"""Run the Lambda packages that Terraform deployed, with the configuration read back from the emulator.

The emulator stores functions but cannot execute them without Docker. For each function this
module reads handler, runtime, timeout, memory and environment from ``GetFunction``, finds the
local zip whose SHA-256 equals the deployed ``CodeSha256`` (so it is byte for byte the package
Terraform uploaded), unpacks it, and keeps warm worker processes on the runtime's Python, each one Lambda
execution environment serving one invocation at a time.

Concurrency is as deployed: a function runs at most as many invocations at once as its reserved
concurrency, read back with ``GetFunctionConcurrency`` at each invocation (so a
``PutFunctionConcurrency`` applies to the next one). Functions without a reservation share the
account's unreserved pool: the account's concurrent-executions quota as the emulator's Service
Quotas serves it (``L-B99A9384``; ``DEFAULT_ACCOUNT_CONCURRENCY`` where it serves none) minus every
reservation. Environments are created on demand, as Lambda scales; beyond the bound the
invocation fails with Lambda's throttle (``ThrottledError``: ``TooManyRequestsException``, 429).
The function's output is shipped to its CloudWatch Logs group in the emulator, where tests read
it as they would in AWS.

Each function acts under its own execution role, as in Lambda: the runner assumes the role read
back from ``GetFunction`` (``sts:AssumeRole`` with the admin identity, session name = function
name) and gives the worker those credentials; log shipping uses them too (Lambda writes the logs
with the execution role). The emulator (``harness.iam.enforce``) checks every call made with them.

API for other parts of the harness (front doors, pollers, worker pools):

- ``LambdaRunner.invoke(name, event)``: one synchronous invocation; ``InvocationError`` on a
  function error (``InitError`` when the environment cannot start), ``ThrottledError`` when the
  function is at its concurrency limit;
- ``LambdaRunner.worker(name)``: the environment that most recently took an invocation (one is
  prepared if there is none);
- ``LambdaRunner.client(name, service)``: a boto3 client acting as the function's role (what an
  event source mapping or the Lambda service itself does with it);
- ``LambdaRunner.restart(name)``: discard the warm environment, so the next invocation starts
  cold (new credentials, init code runs again);
- ``FunctionWorker`` is one execution environment: ``start`` (init now), ``invoke``, ``stop``, ``cold_starts``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import processes, usage
from harness.emulator import REGION

if TYPE_CHECKING:
    from harness.emulator import Emulator

# Who acts with a function's role: its own code; the others are the Lambda service for it.
FUNCTION_CALLER = "function"
WORKER = Path(__file__).resolve().parent / "lambda_worker.py"
RUNTIME_REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements" / "lambda-runtime.txt"


#: The account's concurrent-executions quota where the emulator serves none (Lambda's default).
DEFAULT_ACCOUNT_CONCURRENCY = 1000
CONCURRENCY_QUOTA_CODE = "L-B99A9384"
#: How long a worker may take to import its handler before its start counts as failed.
INIT_TIMEOUT_S = 60
#: How much of a worker's output an init failure quotes.
INIT_LOG_TAIL_CHARS = 2000


class InvocationError(RuntimeError):
    """The function raised, timed out or could not start: Lambda's ``FunctionError``."""

    def __init__(self, function: str, error: dict[str, Any], detail: str = "") -> None:
        message = f"{function}: {error.get('errorType')}: {error.get('errorMessage')}"
        super().__init__(f"{message}\n{detail}" if detail else message)
        self.error = error


class InitError(InvocationError):
    """The execution environment did not start (the handler's import failed, or the worker died)."""


class ThrottledError(RuntimeError):
    """Lambda refused the invocation: the function is at its concurrency limit.

    What ``Invoke`` answers: HTTP 429 ``TooManyRequestsException`` with this body.
    """

    status = 429
    error_code = "TooManyRequestsException"

    def __init__(self, function: str, reason: str) -> None:
        super().__init__(f"{function}: {self.error_code}: Rate Exceeded. ({reason})")
        self.function = function
        self.reason = reason
        self.body = {"Reason": reason, "Type": "User", "message": "Rate Exceeded."}


@dataclass(frozen=True)
class ConcurrencyLimit:
    """How many invocations of a function may run at once, and which pool they draw from."""

    limit: int
    reserved: bool

    @property
    def reason(self) -> str:
        if self.reserved:
            return "ReservedFunctionConcurrentInvocationLimitExceeded"
        return "ConcurrentInvocationLimitExceeded"

    @classmethod
    def read(cls, lambda_client: Any, quotas_client: Any, name: str) -> ConcurrencyLimit:
        """The function's reservation, else what the account leaves unreserved (both read back)."""
        reserved = lambda_client.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
        if reserved is not None:
            return cls(int(reserved), reserved=True)
        return cls(account_concurrency(quotas_client) - reserved_total(lambda_client), reserved=False)


def account_concurrency(quotas_client: Any) -> int:
    """The account's concurrent-executions quota from Service Quotas; the default where it has none."""
    try:
        quota = quotas_client.get_service_quota(ServiceCode="lambda", QuotaCode=CONCURRENCY_QUOTA_CODE)
    except Exception:
        return DEFAULT_ACCOUNT_CONCURRENCY
    return int(quota["Quota"]["Value"])


def reserved_total(lambda_client: Any) -> int:
    """Every function's reserved concurrency, summed: what the unreserved pool cannot use."""
    names = [
        f["FunctionName"]
        for page in lambda_client.get_paginator("list_functions").paginate()
        for f in page["Functions"]
    ]
    return sum(
        int(lambda_client.get_function_concurrency(FunctionName=n).get("ReservedConcurrentExecutions") or 0)
        for n in names
    )


@dataclass(frozen=True)
class FunctionConfig:
    """A function's configuration as the emulator reports it."""

    name: str
    arn: str
    handler: str
    runtime: str
    timeout: int
    memory: int
    code_sha256: str
    environment: dict[str, str]
    log_group: str
    role: str

    @classmethod
    def read(cls, lambda_client: Any, name: str) -> FunctionConfig:
        config = lambda_client.get_function(FunctionName=name)["Configuration"]
        logging_config = config.get("LoggingConfig") or {}
        return cls(
            name=config["FunctionName"],
            arn=config["FunctionArn"],
            handler=config["Handler"],
            runtime=config["Runtime"],
            timeout=int(config.get("Timeout", 3)),
            memory=int(config.get("MemorySize", 128)),
            code_sha256=config["CodeSha256"],
            environment=dict((config.get("Environment") or {}).get("Variables") or {}),
            log_group=logging_config.get("LogGroup") or f"/aws/lambda/{config['FunctionName']}",
            role=config["Role"],
        )


@dataclass(frozen=True)
class RoleCredentials:
    """Temporary credentials of one assumed-role session."""

    role_arn: str
    session_name: str
    access_key_id: str
    secret_access_key: str
    session_token: str

    @classmethod
    def assume(cls, sts_client: Any, role_arn: str, session_name: str) -> RoleCredentials:
        """``sts:AssumeRole`` of ``role_arn`` as Lambda does for a function (session name = function name)."""
        found = sts_client.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64], DurationSeconds=3600)
        credentials = found["Credentials"]
        return cls(
            role_arn=role_arn,
            session_name=session_name,
            access_key_id=credentials["AccessKeyId"],
            secret_access_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
        )

    def env(self) -> dict[str, str]:
        """The variables Lambda sets for the execution role's credentials."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }

    def session(self, region: str) -> Any:
        """A boto3 session acting as this role."""
        import boto3

        return boto3.session.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            region_name=region,
        )


def code_sha256(path: Path) -> str:
    """Lambda's ``CodeSha256``: base64 of the SHA-256 of the zip file."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


class PackageStore:
    """Local zips by ``CodeSha256``, unpacked once into a cache directory."""

    def __init__(self, package_dirs: list[Path], cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()  # environments of one function start at once: unpack once
        self._by_sha = {code_sha256(zip_path): zip_path for d in package_dirs for zip_path in sorted(d.glob("*.zip"))}

    def unpacked(self, sha: str) -> Path:
        """Return the directory holding the package with this ``CodeSha256``."""
        zip_path = self._by_sha.get(sha)
        if zip_path is None:
            known = ", ".join(f"{p.name}={s[:12]}" for s, p in self._by_sha.items()) or "none"
            raise LookupError(f"no local package matches the deployed CodeSha256 {sha} (local: {known})")
        target = self.cache_dir / hashlib.sha256(sha.encode()).hexdigest()[:24]
        with self._lock:
            if not target.is_dir():
                self._unpack(zip_path, target)
        return target

    @staticmethod
    def _unpack(zip_path: Path, target: Path) -> None:
        partial = target.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(partial)
        partial.rename(target)


def runtime_python(runtime: str) -> str:
    """Return the interpreter for a Lambda runtime name such as ``python3.13``."""
    if not runtime.startswith("python"):
        raise ValueError(f"runtime {runtime} cannot run here")
    interpreter = shutil.which(runtime)
    if not interpreter:
        raise FileNotFoundError(f"{runtime} is not on PATH: run scripts/bootstrap")
    return interpreter


def runtime_libraries(interpreter: str, cache_dir: Path) -> Path:
    """Install, once, what the Lambda runtime provides (boto3) for this interpreter."""
    digest = hashlib.sha256(RUNTIME_REQUIREMENTS.read_bytes() + interpreter.encode()).hexdigest()[:16]
    target = cache_dir / f"runtime-{digest}"
    if (target / ".complete").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    # The cache may be shared by several runs at once: one installs, the others wait for it.
    with open(cache_dir / f"runtime-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [
                interpreter,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-compile",
                "--target",
                str(target),
                "-r",
                str(RUNTIME_REQUIREMENTS),
            ],
            check=True,
        )
        (target / ".complete").touch()
    return target


class FunctionWorker:
    """One warm execution environment for one function; one invocation at a time."""

    def __init__(
        self,
        config: FunctionConfig,
        package_dir: Path,
        runtime_dir: Path,
        emulator: Emulator,
        log_dir: Path,
        credentials: RoleCredentials,
        log_credentials: RoleCredentials,
    ) -> None:
        self.config = config
        self.credentials = credentials
        self.package_dir = package_dir
        self.runtime_dir = runtime_dir
        self.emulator = emulator
        self.log_path = log_dir / f"{config.name}.log"
        # Lambda writes the function's logs with its execution role.
        self.logs_client = log_credentials.session(REGION).client("logs", endpoint_url=emulator.endpoint)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._results: Any = None
        self._log_offset = 0
        self._stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.cold_starts = 0

    def _environment(self) -> dict[str, str]:
        # What the Lambda service sets (AWS Lambda developer guide, "Defined runtime environment
        # variables"; the task and runtime roots are this environment's), then the function's own
        # variables, then the emulator endpoint and the execution role's credentials. Libraries read
        # them: without LAMBDA_TASK_ROOT the X-Ray SDK believes it runs outside Lambda and builds its
        # sampling rule poller (two botocore clients) at import, which Lambda never does.
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "LAMBDA_TASK_ROOT": str(self.package_dir),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "_HANDLER": self.config.handler,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.config.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": self.config.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.config.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": self.config.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self._stream,
            "TTH_FUNCTION_ARN": self.config.arn,
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.config.environment,
            **self.emulator.client_env(),
            **self.credentials.env(),
        }

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - owned by the child
        self._process = subprocess.Popen(
            [
                runtime_python(self.config.runtime),
                "-I",
                str(WORKER),
                str(self.package_dir),
                str(self.runtime_dir),
                self.config.handler,
                str(write_fd),
            ],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            env=self._environment(),
            text=True,
            cwd=self.package_dir,
            start_new_session=True,
        )
        processes.register(self._process)
        log.close()
        os.close(write_fd)
        self._results = os.fdopen(read_fd, "r")
        self.cold_starts += 1

    def crash(self) -> bool:
        """Kill the environment's process now, as a crash mid-invocation would (fault injection).

        The invocation in progress fails with ``Runtime.ExitError``; False if no process runs.
        """
        process = self._process
        if process is None or process.poll() is not None:
            return False
        process.kill()
        return True

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._results:
            self._results.close()
        self._process, self._results = None, None

    def _read_reply(self, deadline: float) -> dict[str, Any] | None:
        reply: list[dict[str, Any]] = []

        def read() -> None:
            line = self._results.readline()
            if line:
                reply.append(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(max(0.0, deadline - time.time()))
        return reply[0] if reply else None

    def start(self) -> None:
        """Start the environment and run its init phase now, if it is not running (``InvocationError`` if it fails)."""
        with self._lock:
            self._init_if_stopped()

    def invoke(self, event: dict[str, Any]) -> Any:
        """Invoke the function synchronously; raise ``InvocationError`` for a function error."""
        with self._lock:
            self._init_if_stopped()
            deadline = time.time() + self.config.timeout
            request = {"event": event, "request_id": str(uuid.uuid4()), "deadline": deadline}
            assert self._process is not None and self._process.stdin is not None
            started = time.monotonic()
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            reply = self._read_reply(deadline)
            duration_ms = (time.monotonic() - started) * 1000
            if reply is None:
                exit_code = self._process.poll()
                self.stop()  # Lambda discards an environment whose invocation timed out or crashed
                if exit_code is None:
                    failure = {
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"Task timed out after {self.config.timeout} s",
                    }
                else:
                    failure = {
                        "errorType": "Runtime.ExitError",
                        "errorMessage": f"RequestId: {request['request_id']} Error: Runtime exited with {exit_code}",
                    }
                usage.record_invocation(
                    self.config.name,
                    event,
                    None,
                    self.config.memory,
                    duration_ms,
                    self.ship_logs(),
                    failure["errorType"],
                )
                raise InvocationError(self.config.name, failure)
            log_bytes = self.ship_logs()
            error = (reply.get("error") or {}).get("errorType") if "error" in reply else None
            usage.record_invocation(
                self.config.name, event, reply.get("result"), self.config.memory, duration_ms, log_bytes, error
            )
            if "error" in reply:
                raise InvocationError(self.config.name, reply["error"])
            return reply["result"]

    def _init_if_stopped(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self._init()

    def _init(self) -> None:
        """Start the environment and wait for its handler import: an error ends it at once, with its output."""
        started = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._start()
        # The worker answers as soon as the import is done or has failed; the pipe closes if it dies.
        ready = self._read_reply(time.time() + INIT_TIMEOUT_S)
        if ready and "error" not in ready:
            return
        alive = self._process is not None and self._process.poll() is None
        self.stop()
        self.ship_logs()
        error = (ready or {}).get("error") or {
            "errorType": "Runtime.Unknown" if not alive else "Sandbox.Timedout",
            "errorMessage": "the worker ended before it was ready"
            if not alive
            else f"the handler was not imported within {INIT_TIMEOUT_S} s",
        }
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            log.seek(started)
            tail = log.read()[-INIT_LOG_TAIL_CHARS:]
        raise InitError(self.config.name, error, f"worker output (last {INIT_LOG_TAIL_CHARS} chars):\n{tail}")

    def ship_logs(self) -> int:
        """Copy new output lines to the function's log group in the emulator; return their bytes."""
        if not self.log_path.exists():
            return 0
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            log.seek(self._log_offset)
            lines = log.read().splitlines()
            self._log_offset = log.tell()
        if not lines:
            return 0
        shipped = sum(len(line.encode()) for line in lines)
        now = int(time.time() * 1000)
        try:
            with contextlib.suppress(self.logs_client.exceptions.ResourceAlreadyExistsException):
                self.logs_client.create_log_stream(logGroupName=self.config.log_group, logStreamName=self._stream)
            events = [{"timestamp": now, "message": line} for line in lines]
            for start in range(0, len(events), 1000):
                self.logs_client.put_log_events(
                    logGroupName=self.config.log_group,
                    logStreamName=self._stream,
                    logEvents=events[start : start + 1000],
                )
        except self.logs_client.exceptions.ResourceNotFoundException:
            pass  # no log group (the stack is being destroyed): the local log file keeps the lines
        return shipped


class LambdaRunner:
    """Invoke deployed functions by name, each invocation in a free warm environment of its function."""

    def __init__(self, emulator: Emulator, session: Any, package_dirs: list[Path], run_dir: Path) -> None:
        self.emulator = emulator
        self.lambda_client = session.client("lambda")
        self.quotas_client = session.client("service-quotas")
        self.sts_client = session.client("sts")
        self.packages = PackageStore(package_dirs, run_dir / "packages")
        self.run_dir = run_dir
        # Keyed by the runtime requirements and interpreter, so it is kept across runs.
        cache = os.environ.get("TTH_CACHE_DIR")
        self.runtime_cache = Path(cache) / "lambda-runtime" if cache else run_dir.parent / "runtime"
        (run_dir / "logs").mkdir(parents=True, exist_ok=True)
        self._idle: dict[str, list[FunctionWorker]] = {}
        self._busy: dict[str, list[FunctionWorker | _Reserved | _Retired]] = {}
        self._latest: dict[str, FunctionWorker] = {}
        self._unreserved: set[str] = set()  # functions drawing from the account's unreserved pool
        self.throttles: dict[str, int] = {}
        self.peak_concurrency: dict[str, int] = {}
        self._credentials: dict[tuple[str, str, str], RoleCredentials] = {}
        self._credentials_lock = threading.Lock()
        self._lock = threading.Lock()

    def credentials(self, name: str, role_arn: str | None = None, caller: str = FUNCTION_CALLER) -> RoleCredentials:
        """The function's execution-role credentials for one caller (assumed once per function, role and caller).

        ``caller`` says who acts with the role: the function's code (``function``), or the Lambda
        service for it (``event-source-mapping``, ``logs``). It becomes part of the session name
        (``NAME@CALLER``), so the emulator's call record tells them apart.
        """
        role = role_arn or FunctionConfig.read(self.lambda_client, name).role
        key = (name, role, caller)
        with self._credentials_lock:
            if key not in self._credentials:
                session_name = name if caller == FUNCTION_CALLER else f"{name}@{caller}"
                self._credentials[key] = RoleCredentials.assume(self.sts_client, role, session_name)
            return self._credentials[key]

    def client(self, name: str, service: str, caller: str = FUNCTION_CALLER) -> Any:
        """A boto3 client for ``service`` acting as the function's execution role (see ``credentials``)."""
        session = self.credentials(name, caller=caller).session(REGION)
        return session.client(service, endpoint_url=self.emulator.endpoint)

    def concurrency(self, name: str) -> ConcurrencyLimit:
        """The function's concurrency bound as deployed now (see the module docstring)."""
        return ConcurrencyLimit.read(self.lambda_client, self.quotas_client, name)

    def restart(self, name: str) -> None:
        """Discard the function's idle environments; the next invocation is a cold start.

        Busy ones finish their invocation and are discarded then.
        """
        with self._lock:
            stale = self._idle.pop(name, [])
            self._latest.pop(name, None)
            self._busy[name] = [_retired(w) for w in self._busy.get(name, [])]
        for worker in stale:
            worker.stop()

    def _new_worker(self, config: FunctionConfig) -> FunctionWorker:
        interpreter = runtime_python(config.runtime)
        return FunctionWorker(
            config,
            self.packages.unpacked(config.code_sha256),
            runtime_libraries(interpreter, self.runtime_cache),
            self.emulator,
            self.run_dir / "logs",
            self.credentials(config.name, config.role),
            self.credentials(config.name, config.role, caller="logs"),
        )

    def _retire_stale(self, config: FunctionConfig) -> list[FunctionWorker]:
        """Drop idle environments of an older configuration (code or settings changed); caller holds the lock."""
        idle = self._idle.get(config.name, [])
        stale = [w for w in idle if w.config != config]
        self._idle[config.name] = [w for w in idle if w.config == config]
        latest = self._latest.get(config.name)
        if latest is not None and latest.config != config:
            del self._latest[config.name]
        return stale

    def worker(self, name: str) -> FunctionWorker:
        """The environment that took the latest invocation, else a prepared idle one (not started yet)."""
        config = FunctionConfig.read(self.lambda_client, name)
        with self._lock:
            stale = self._retire_stale(config)
            worker = self._latest.get(name)
        for old in stale:
            old.stop()
        if worker is not None:
            return worker
        worker = self._new_worker(config)
        with self._lock:
            self._idle.setdefault(name, []).append(worker)
            self._latest.setdefault(name, worker)
            return self._latest[name]

    def busy(self, name: str) -> list[FunctionWorker]:
        """The environments running an invocation of ``name`` right now (fault injection kills one mid-call)."""
        with self._lock:
            return [w for w in self._busy.get(name, []) if isinstance(w, FunctionWorker)]

    def _acquire(self, name: str) -> FunctionWorker:
        """A free environment for one invocation, within the function's concurrency bound."""
        config = FunctionConfig.read(self.lambda_client, name)
        bound = self.concurrency(name)
        worker: FunctionWorker | None = None
        slot = _Reserved(config)
        with self._lock:
            stale = self._retire_stale(config)
            busy = self._busy.setdefault(name, [])
            if bound.reserved:
                self._unreserved.discard(name)
                in_use = len(busy)
            else:
                self._unreserved.add(name)
                in_use = sum(len(self._busy.get(n, [])) for n in self._unreserved)
            if in_use >= bound.limit:
                self.throttles[name] = self.throttles.get(name, 0) + 1
                throttled = ThrottledError(name, bound.reason)
            else:
                throttled = None
                idle = self._idle.setdefault(name, [])
                worker = idle.pop() if idle else None
                busy.append(slot)  # holds the place while a new environment is prepared
        for old in stale:
            old.stop()
        if throttled is not None:
            raise throttled
        try:
            worker = worker or self._new_worker(config)
        except BaseException:
            with self._lock:
                self._busy[name].remove(slot)
            raise
        with self._lock:
            busy = self._busy.setdefault(name, [])
            busy[busy.index(slot)] = worker
            self._latest[name] = worker
            self.peak_concurrency[name] = max(self.peak_concurrency.get(name, 0), len(busy))
        return worker

    def _release(self, name: str, worker: FunctionWorker) -> None:
        with self._lock:
            busy = self._busy.get(name, [])
            retired = next((b for b in busy if isinstance(b, _Retired) and b.worker is worker), None)
            busy.remove(retired or worker)
            keep = retired is None and all(w.config == worker.config for w in self._idle.get(name, []))
            if keep:
                self._idle.setdefault(name, []).append(worker)
        if not keep:
            worker.stop()

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """One synchronous invocation: ``ThrottledError`` beyond the function's concurrency bound."""
        worker = self._acquire(name)
        try:
            return worker.invoke(event)
        finally:
            self._release(name, worker)

    def stop(self) -> None:
        with self._lock:
            workers: list[FunctionWorker | _Reserved] = [w for idle in self._idle.values() for w in idle]
            workers += [w.worker if isinstance(w, _Retired) else w for b in self._busy.values() for w in b]
            self._idle.clear()
            self._latest.clear()
            self._busy = {name: [_retired(w) for w in busy] for name, busy in self._busy.items()}
        for worker in workers:
            if isinstance(worker, FunctionWorker):
                worker.stop()  # an invocation in progress fails, as when Lambda discards its environment


@dataclass(frozen=True, eq=False)
class _Reserved:
    """A busy place taken while its environment is being prepared."""

    config: FunctionConfig


@dataclass(frozen=True, eq=False)
class _Retired:
    """A busy environment to discard when its invocation ends (restart or stop meanwhile)."""

    worker: FunctionWorker


def _retired(entry: FunctionWorker | _Reserved | _Retired) -> FunctionWorker | _Reserved | _Retired:
    return _Retired(entry) if isinstance(entry, FunctionWorker) else entry

"""Run the Lambda packages that Terraform deployed, with the configuration read back from the emulator.

The emulator stores functions but cannot execute them without Docker. For each function this
module reads handler, runtime, timeout, memory and environment from ``GetFunction``, finds the
local zip whose SHA-256 equals the deployed ``CodeSha256`` (so it is byte for byte the package
Terraform uploaded), unpacks it, and keeps one warm worker process per function on the
runtime's Python, as one Lambda execution environment. The function's output is shipped to its
CloudWatch Logs group in the emulator, where tests read it as they would in AWS.

Each function acts under its own execution role, as in Lambda: the runner assumes the role read
back from ``GetFunction`` (``sts:AssumeRole`` with the admin identity, session name = function
name) and gives the worker those credentials; log shipping uses them too (Lambda writes the logs
with the execution role). The emulator (``harness.iam.enforce``) checks every call made with them.

API for other parts of the harness (front doors, pollers, worker pools):

- ``LambdaRunner.invoke(name, event)``: one synchronous invocation; ``InvocationError`` on a
  function error;
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

from harness import usage
from harness.emulator import REGION

if TYPE_CHECKING:
    from harness.emulator import Emulator

# Who acts with a function's role: its own code; the others are the Lambda service for it.
FUNCTION_CALLER = "function"
WORKER = Path(__file__).resolve().parent / "lambda_worker.py"
RUNTIME_REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements" / "lambda-runtime.txt"


class InvocationError(RuntimeError):
    """The function raised, timed out or could not start: Lambda's ``FunctionError``."""

    def __init__(self, function: str, error: dict[str, Any]) -> None:
        super().__init__(f"{function}: {error.get('errorType')}: {error.get('errorMessage')}")
        self.error = error


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
        self._by_sha = {code_sha256(zip_path): zip_path for d in package_dirs for zip_path in sorted(d.glob("*.zip"))}

    def unpacked(self, sha: str) -> Path:
        """Return the directory holding the package with this ``CodeSha256``."""
        zip_path = self._by_sha.get(sha)
        if zip_path is None:
            known = ", ".join(f"{p.name}={s[:12]}" for s, p in self._by_sha.items()) or "none"
            raise LookupError(f"no local package matches the deployed CodeSha256 {sha} (local: {known})")
        target = self.cache_dir / hashlib.sha256(sha.encode()).hexdigest()[:24]
        if not target.is_dir():
            partial = target.with_suffix(".partial")
            shutil.rmtree(partial, ignore_errors=True)
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(partial)
            partial.rename(target)
        return target


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
        # What the Lambda service sets, then the function's own variables, then the emulator
        # endpoint and the execution role's credentials.
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
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
        log.close()
        os.close(write_fd)
        self._results = os.fdopen(read_fd, "r")
        self.cold_starts += 1

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
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self._start()
            ready = self._read_reply(time.time() + 60)  # init phase: imports
            if not ready or "error" in ready:
                self.stop()
                self.ship_logs()
                raise InvocationError(self.config.name, (ready or {}).get("error") or {"errorType": "InitError"})

    def invoke(self, event: dict[str, Any]) -> Any:
        """Invoke the function synchronously; raise ``InvocationError`` for a function error."""
        with self._lock:
            self._ensure_started()
            deadline = time.time() + self.config.timeout
            request = {"event": event, "request_id": str(uuid.uuid4()), "deadline": deadline}
            assert self._process is not None and self._process.stdin is not None
            started = time.monotonic()
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            reply = self._read_reply(deadline)
            duration_ms = (time.monotonic() - started) * 1000
            if reply is None:
                self.stop()  # Lambda discards an environment whose invocation timed out
                usage.record_invocation(
                    self.config.name, event, None, self.config.memory, duration_ms, self.ship_logs(), "Sandbox.Timedout"
                )
                raise InvocationError(
                    self.config.name,
                    {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {self.config.timeout} s"},
                )
            log_bytes = self.ship_logs()
            error = (reply.get("error") or {}).get("errorType") if "error" in reply else None
            usage.record_invocation(
                self.config.name, event, reply.get("result"), self.config.memory, duration_ms, log_bytes, error
            )
            if "error" in reply:
                raise InvocationError(self.config.name, reply["error"])
            return reply["result"]

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
    """Invoke deployed functions by name, each through its warm worker."""

    def __init__(self, emulator: Emulator, session: Any, package_dirs: list[Path], run_dir: Path) -> None:
        self.emulator = emulator
        self.lambda_client = session.client("lambda")
        self.sts_client = session.client("sts")
        self.packages = PackageStore(package_dirs, run_dir / "packages")
        self.run_dir = run_dir
        # Keyed by the runtime requirements and interpreter, so it is kept across runs.
        cache = os.environ.get("TTH_CACHE_DIR")
        self.runtime_cache = Path(cache) / "lambda-runtime" if cache else run_dir.parent / "runtime"
        (run_dir / "logs").mkdir(parents=True, exist_ok=True)
        self._workers: dict[str, FunctionWorker] = {}
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

    def restart(self, name: str) -> None:
        """Discard the function's warm environment; the next invocation is a cold start."""
        with self._lock:
            worker = self._workers.pop(name, None)
        if worker:
            worker.stop()

    def worker(self, name: str) -> FunctionWorker:
        with self._lock:
            worker = self._workers.get(name)
            config = FunctionConfig.read(self.lambda_client, name)
            if worker is None or worker.config != config:
                # New function, or its code or configuration changed: a fresh environment.
                if worker:
                    worker.stop()
                interpreter = runtime_python(config.runtime)
                worker = FunctionWorker(
                    config,
                    self.packages.unpacked(config.code_sha256),
                    runtime_libraries(interpreter, self.runtime_cache),
                    self.emulator,
                    self.run_dir / "logs",
                    self.credentials(name, config.role),
                    self.credentials(name, config.role, caller="logs"),
                )
                self._workers[name] = worker
            return worker

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        return self.worker(name).invoke(event)

    def stop(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                worker.stop()
            self._workers.clear()

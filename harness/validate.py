"""``terraform fmt -check``, ``validate``, ``test`` (plan-only, mocked providers), the graph and tflint, offline.

Validation runs in a scratch copy, so the repository never gets a ``.terraform/`` directory;
the copy is initialised from the provider mirror with ``-backend=false``.

The graph check covers what neither ``validate`` nor a mocked plan can see: the order
Terraform applies resources in. Each entry of ``REQUIRED_ORDER`` says resource A must wait
for resource B, and why.

tflint runs with ``.tflint.hcl`` and the terraform ruleset ``scripts/bootstrap`` built (pinned in
``versions.env``); it refuses to run on tflint's bundled copy of the ruleset, whose version is not ours.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.terraform import OVERRIDES_DIR, TERRAFORM_DIR
from harness.toolchain import REPO_ROOT, ToolchainMissing, cli_config, terraform_binary

REQUIRED_ORDER: list[tuple[str, str, str]] = [
    (
        "aws_api_gateway_deployment.api",
        "aws_api_gateway_gateway_response.error",
        "a deployment snapshots the API as it is; created before the gateway responses, "
        "the stage keeps AWS's default error bodies",
    ),
]

EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"')


def run(args: list[str], cwd: Path, *, capture: bool = False) -> str:
    print("$ terraform " + " ".join(args), flush=True)
    env = {"TF_CLI_CONFIG_FILE": cli_config(), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin"}
    done = subprocess.run([terraform_binary(), *args], cwd=cwd, env=env, check=True, capture_output=capture, text=True)
    return done.stdout if capture else ""


def order_violations(dot: str, required: list[tuple[str, str, str]]) -> list[str]:
    """The entries of ``required`` whose first resource does not (transitively) wait for the second in ``dot``."""
    waits_for: dict[str, set[str]] = {}
    for line in dot.splitlines():
        if match := EDGE.match(line):
            waits_for.setdefault(match[1], set()).add(match[2])
    problems = []
    for first, second, why in required:
        seen, todo = set(), [first]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(waits_for.get(node, ()))
        if second not in seen:
            problems.append(f"{first} must wait for {second}: {why}")
    return problems


def pinned(name: str) -> str:
    """The value of ``name`` in ``versions.env``, without the leading ``v``."""
    for line in (REPO_ROOT / "versions.env").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1].strip().removeprefix("v")
    raise ToolchainMissing(f"versions.env has no {name}")


def tflint() -> None:
    """Run tflint on the root module with the pinned terraform ruleset; raise CalledProcessError on findings."""
    binary, plugins = shutil.which("tflint"), os.environ.get("TTH_TFLINT_PLUGIN_DIR", "")
    if not binary or not Path(plugins, "tflint-ruleset-terraform").is_file():
        raise ToolchainMissing("no tflint or tflint-ruleset-terraform: run `scripts/bootstrap` and source its env.sh")
    env = {"TFLINT_PLUGIN_DIR": plugins, "PATH": "/usr/bin", "HOME": os.environ.get("HOME", "/nonexistent")}
    command = [binary, f"--chdir={TERRAFORM_DIR}", f"--config={REPO_ROOT / '.tflint.hcl'}"]
    version = subprocess.run([*command, "--version"], env=env, check=True, capture_output=True, text=True).stdout
    wanted = f"ruleset.terraform ({pinned('TFLINT_RULESET_TERRAFORM_VERSION')})"
    if pinned("TFLINT_VERSION") not in version.splitlines()[0] or wanted not in version:
        raise ToolchainMissing(f"tflint is not the pinned build (want {wanted}):\n{version}")
    print("$ tflint " + " ".join(command[1:]), flush=True)
    subprocess.run([*command, "--format=compact", "--no-color"], env=env, check=True)


def main() -> int:
    try:
        run(["fmt", "-check", "-diff", "-recursive", str(TERRAFORM_DIR), str(OVERRIDES_DIR)], TERRAFORM_DIR)
        with tempfile.TemporaryDirectory(prefix="tth-validate-") as scratch:
            copy = Path(scratch) / "terraform"
            shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
            run(["init", "-backend=false", "-input=false", "-no-color", "-lockfile=readonly"], copy)
            run(["validate", "-no-color"], copy)
            # Plan-only tests with mocked providers (terraform/tests/*.tftest.hcl).
            run(["test", "-no-color"], copy)
            problems = order_violations(run(["graph"], copy, capture=True), REQUIRED_ORDER)
            for problem in problems:
                print(f"apply order: {problem}", file=sys.stderr)
            if problems:
                return 1
        tflint()
    except subprocess.CalledProcessError as exc:
        print(f"terraform check failed: {' '.join(map(str, exc.cmd[1:3]))}", file=sys.stderr)
        return 1
    except ToolchainMissing as exc:
        print(f"terraform check failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""IAM enforcement inside the moto server, for requests signed by an assumed-role session.

``install()`` (called by ``harness.moto_entry``) wraps moto's ``BaseResponse.call_action``: a
request signed with credentials that ``sts:AssumeRole`` issued is mapped to its IAM actions and
resource ARNs (``harness.iam.actions``), evaluated against the role's policies and the target's
resource policy as they are stored in the emulator at that moment (``harness.iam.policy``), and
recorded. A denied request gets the error AWS returns (``AccessDeniedException``, or
``AccessDenied`` for SQS) and never reaches moto. Requests signed with any other key (the admin
identity of the harness, Terraform and the scripts) are left to moto as before.

With ``TTH_IAM_CALLS`` set, every evaluated call is appended to that file as one JSON line
(``harness.iam.recorder`` reads it).
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime
from typing import Any

from harness.iam.actions import Call, UnmappedCall, calls_for, database
from harness.iam.policy import Decision, Policy, PolicyError, Request, evaluate

_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_write_lock = threading.Lock()


class MotoState:
    """The deployed resources, read from moto's backends of one account and region (``actions.Deployed``)."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def _kms(self) -> Any:
        from moto.kms.models import kms_backends

        return kms_backends[self.account][self.region]

    def secret_arn(self, secret_id: str) -> str | None:
        from moto.secretsmanager.models import secretsmanager_backends

        secret = secretsmanager_backends[self.account][self.region].secrets.get(secret_id)
        return str(secret.arn) if secret is not None else None

    def key_arn(self, key_id: str) -> str | None:
        try:
            return str(self._kms().describe_key(key_id).arn)
        except Exception:
            return None

    def encryption_key(self, service: str, resource_arn: str) -> str | None:
        key_id = self._key_id_of(service, resource_arn)
        if not key_id or key_id.startswith("alias/aws/"):
            return None  # an AWS managed key: its policy is AWS's, not the stack's
        return self.key_arn(key_id)

    def _key_id_of(self, service: str, arn: str) -> str | None:
        name = arn.rsplit(":", 1)[-1]
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            queue = sqs_backends[self.account][self.region].queues.get(name)
            return getattr(queue, "kms_master_key_id", None) if queue else None
        if service == "dynamodb":
            from moto.dynamodb.models import dynamodb_backends

            table = dynamodb_backends[self.account][self.region].tables.get(arn.rsplit("/", 1)[-1])
            sse = (getattr(table, "sse_specification", None) or {}) if table else {}
            return sse.get("KMSMasterKeyId") if sse.get("Enabled", True) else None
        if service == "secretsmanager":
            from moto.secretsmanager.models import secretsmanager_backends

            secret = secretsmanager_backends[self.account][self.region].secrets.get(arn)
            return getattr(secret, "kms_key_id", None) if secret else None
        if service == "logs":
            from moto.logs.models import logs_backends

            group_name = arn.split(":log-group:", 1)[1].split(":log-stream:", 1)[0]
            group = logs_backends[self.account][self.region].groups.get(group_name)
            return getattr(group, "kms_key_id", None) if group else None
        if service == "ssm":
            from moto.ssm.models import ssm_backends

            parameter_name = "/" + arn.split(":parameter/", 1)[1]
            found = ssm_backends[self.account][self.region]._parameters.get(parameter_name)
            if not found:
                return None
            latest = found[-1]
            return (latest.keyid or "alias/aws/ssm") if latest.parameter_type == "SecureString" else None
        return None

    def identity_policies(self, role_name: str) -> list[Policy]:
        """The role's inline and attached policies, as stored now."""
        from moto.iam.models import iam_backends

        try:
            role = iam_backends[self.account]["aws"].get_role(role_name)
        except Exception:  # the role was deleted (e.g. during destroy): it allows nothing
            return []
        policies = [
            Policy.parse(f"inline policy {name} of role {role_name}", doc) for name, doc in role.policies.items()
        ]
        for arn, managed in role.managed_policies.items():
            [default] = [v for v in managed.versions if v.version_id == managed.default_version_id]
            policies.append(Policy.parse(f"managed policy {arn} attached to role {role_name}", default.document))
        return policies

    def resource_policy(self, call: Call) -> tuple[Policy | None, bool]:
        """The resource policy that applies to the call, and whether it is a KMS key policy."""
        service = call.action.split(":", 1)[0]
        if service == "kms" and call.resource.startswith("arn:"):
            key = self._kms().keys.get(call.resource.split(":key/", 1)[-1])
            if key is not None:
                return Policy.parse(f"key policy of {call.resource}", key.policy), True
        if service == "sqs" and call.resource.startswith("arn:"):
            from moto.sqs.models import sqs_backends

            queue = sqs_backends[self.account][self.region].queues.get(call.resource.rsplit(":", 1)[-1])
            if queue is not None and getattr(queue, "policy", None):
                return Policy.parse(f"queue policy of {call.resource}", queue.policy), False
        return None, False


def _params(response: Any) -> dict[str, Any]:
    raw = getattr(response, "raw_body", b"") or b""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if raw.strip().startswith("{"):
        return dict(json.loads(raw))
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in (response.querystring or {}).items()}


def _record(entry: dict[str, Any]) -> None:
    path = os.environ.get("TTH_IAM_CALLS")
    if not path:
        return
    line = json.dumps(entry, sort_keys=True) + "\n"
    with _write_lock, open(path, "a", encoding="utf-8") as out:
        out.write(line)


def _denied_response(signing_name: str, message: str) -> tuple[int, dict[str, str], str]:
    if signing_name == "sqs":
        # SQS (JSON protocol, query-compatible): botocore reads the code from this header.
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": "AccessDenied;Sender"}
        return (
            403,
            headers,
            json.dumps({"__type": "com.amazon.coral.service#AccessDeniedException", "message": message}),
        )
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    return 400, headers, json.dumps({"__type": "AccessDeniedException", "Message": message, "message": message})


def check(response: Any) -> tuple[int, dict[str, str], str] | None:
    """Authorize one moto request; return the error response when it is denied, else None."""
    match = _CREDENTIAL.search(response.headers.get("Authorization", "") or "")
    if not match:
        return None
    access_key, region, signing_name = match.groups()
    from moto.sts.models import sts_backends

    account = response.current_account
    session = sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key)
    if session is None:
        return None  # not an assumed-role session: the admin identity
    role_arn = session.role_arn
    role_name = role_arn.rsplit("/", 1)[-1]
    principal = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session.session_name}"
    operation = response._get_action()
    state = MotoState(account, region)
    function, _, caller = session.session_name.partition("@")
    entry: dict[str, Any] = {
        "function": function,
        "caller": caller or "function",
        "role_arn": role_arn,
        "service": signing_name,
        "operation": operation,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    try:
        calls = calls_for(signing_name, operation, _params(response), state, region, account)
    except (UnmappedCall, KeyError) as exc:
        entry.update(
            actions=[], resources=[], decision="deny", reason=f"harness cannot map this call: {exc}", checks=[]
        )
        _record(entry)
        return _denied_response(
            signing_name, f"{principal} is not authorized: the harness cannot map {operation}: {exc}"
        )
    checks = []
    denied: tuple[Call, Decision] | None = None
    identity = state.identity_policies(role_name)
    for call in calls:
        request = Request(
            principal=call.principal or role_arn,
            action=call.action,
            resource=call.resource,
            account=account,
            context={"aws:SecureTransport": "true", "aws:PrincipalArn": role_arn, "aws:PrincipalAccount": account}
            | call.context,
        )
        resource_policy, is_key_policy = state.resource_policy(call)
        try:
            decision = evaluate(
                request,
                [] if call.principal else identity,
                resource_policy,
                key_policy=is_key_policy,
                identity_owner=" or ".join(p.name for p in identity) or f"a policy of role {role_name}",
            )
        except PolicyError as exc:
            decision = Decision(False, f"harness cannot evaluate: {exc}", needs="a policy the harness can read")
        checks.append(
            {
                "action": call.action,
                "resource": call.resource,
                "principal": call.principal or role_arn,
                "implied_by": call.implied_by,
                "allowed": decision.allowed,
                "reason": decision.reason,
                "needs": decision.needs,
                "context": call.context,
                "allows": [
                    {"policy": m.policy, "sid": m.sid, "action": m.action, "resource": m.resource}
                    for m in decision.allows
                ],
            }
        )
        if not decision.allowed and denied is None:
            denied = (call, decision)
    entry.update(
        actions=[c.action for c in calls],
        resources=[c.resource for c in calls],
        decision="deny" if denied else "allow",
        checks=checks,
    )
    if denied:
        call, decision = denied
        entry["reason"] = decision.reason
        entry["needs"] = decision.needs
    _record(entry)
    if not denied:
        return None
    call, decision = denied
    needed_by = f" (needed by {call.implied_by})" if call.implied_by else ""
    message = (
        f"User: {principal} is not authorized to perform: {call.action} on resource: {call.resource}"
        f"{needed_by} because {decision.reason}"
    )
    return _denied_response(signing_name, message)


def install() -> None:
    """Wrap moto's request dispatch with ``check`` (idempotent)."""
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action
    if getattr(original, "_tth_enforced", False):
        return

    def call_action(self: BaseResponse) -> Any:
        denied = check(self)
        if denied is not None:
            return denied
        return original(self)

    call_action._tth_enforced = True  # type: ignore[attr-defined]
    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    # Load the IAM database (seconds) while Terraform applies, not on a function's first call.
    threading.Thread(target=database, name="iam-database", daemon=True).start()


__all__ = ["MotoState", "check", "install"]

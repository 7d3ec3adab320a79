"""Test and local-run harness: the AWS emulator, Terraform, and the deployed Lambda packages run locally.

The harness never talks to a real AWS account: every endpoint it uses is on 127.0.0.1,
or the emulator named by ``TTH_AWS_ENDPOINT``.
"""

from __future__ import annotations

__all__: list[str] = []

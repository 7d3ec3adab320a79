"""TicketsToHeaven policy-as-code: custom checkov checks (CKV_TTH_*) and the ``python -m policies`` runner.

checkov loads every ``*.py`` file of this directory by its bare file name (``--external-checks-dir policies``);
files starting with ``__`` are skipped by its loader, so this package's ``__main__`` is never imported as a check.
See README.md for the list of checks.
"""

__all__: list[str] = []

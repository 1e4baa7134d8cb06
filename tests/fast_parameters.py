"""Template parameter overrides for tests: small time limits so workflows finish fast.

Owned by the workflow engineer; tests/conftest.py deploys every test stack with these.
"""

from __future__ import annotations

FAST_PARAMETERS: dict[str, str] = {}

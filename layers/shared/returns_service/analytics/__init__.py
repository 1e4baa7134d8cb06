"""Return analytics (contract section 9): which goods come back too often, and why.

``returns.sql`` computes the figures from the raw records (order snapshots, the returns' and
cancellations' events) on Athena in AWS and on DuckDB locally; ``report`` shapes them exactly.
"""

from __future__ import annotations

from typing import Any

from returns_service.analytics.engines import Engine, from_environment
from returns_service.analytics.query import Request, bind, sql
from returns_service.analytics.report import shape


def returns_report(request: Request, engine: Engine | None = None) -> dict[str, Any]:
    """The section 9 answer for ``request`` (the engine of the environment unless given)."""
    text = sql()
    rows = (engine or from_environment()).run(text, bind(text, request.parameters()))
    return shape(request, rows)

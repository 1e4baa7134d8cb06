"""Return analytics (contract section 9): which goods come back too often, and why.

``returns.sql`` computes the figures from the latest compacted state and the raw records since
(order snapshots, the returns' and cancellations' events) on Athena in AWS and on DuckDB
locally; ``report`` shapes them exactly; ``compaction`` writes the state once a day.
"""

from __future__ import annotations

from typing import Any

from returns_service.analytics.engines import Engine, from_environment
from returns_service.analytics.query import Request, bind, sql
from returns_service.analytics.report import shape


def returns_report(request: Request, engine: Engine | None = None) -> dict[str, Any]:
    """The section 9 answer for ``request`` (the engine of the environment unless given)."""
    engine = engine or from_environment()
    text = sql()
    rows = engine.run(text, bind(text, request.parameters(engine.state_date())))
    return shape(request, rows)

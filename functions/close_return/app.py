"""Workflow step: the return ended; release the units not refunded and publish `Return Closed`.

Emits the ``ReturnsClosed`` metric by final status (how returns end is the service's health).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from returns_service import workflow
from returns_service.step_handlers import step


def close(return_id: str) -> dict[str, Any]:
    result = workflow.close_return(return_id)
    if result.get("closedNow"):
        with single_metric(name="ReturnsClosed", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="status", value=str(result["status"]))
    return result


handler = step(close)

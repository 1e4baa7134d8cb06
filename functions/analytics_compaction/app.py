"""Analytics compaction, on a schedule shortly after midnight UTC (template.yaml,
AnalyticsCompactionSchedule): the state of today, i.e. every day of records that is over,
merged into the previous state on Athena (UNLOAD to Parquet) so that the analytics query reads
the state and only the raw records since (returns_service/analytics/compaction.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.analytics.compaction import compact, today
from returns_service.analytics.engines import from_environment

logger = Logger()

# Each UNLOAD of a day's merge reads the state and one day of records: seconds; a first
# compaction (no state yet) reads every day kept, so a statement may take minutes.
STATEMENT_TIMEOUT_SECONDS = 240.0


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    written = compact(from_environment(timeout_seconds=STATEMENT_TIMEOUT_SECONDS), today())
    logger.info("analytics state", extra={"stateDate": written})
    return {"stateDate": written}

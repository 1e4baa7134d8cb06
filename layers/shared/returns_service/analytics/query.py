"""The analytics query: the one SQL file both engines run, its parameters, and the request it answers.

Parameters are bound by the engine (DuckDB's prepared statement, Athena's ExecutionParameters),
never pasted into the text: in ``returns.sql`` each ``?`` is followed by ``/*:name*/`` and
:func:`bind` lists the values in the order the placeholders appear. ``groupBy`` is one of a fixed
set and the SQL maps it to one of its column expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal, get_args

from returns_service.period import MAX_PERIOD_DAYS, Period, PeriodError, parse_date

__all__ = [
    "GROUP_BYS",
    "MAX_PERIOD_DAYS",
    "GroupBy",
    "PeriodError",
    "Request",
    "bind",
    "parse_date",
    "placeholders",
    "sql",
]

GroupBy = Literal["brand", "category", "sku", "sellerId", "reason"]
GROUP_BYS: tuple[str, ...] = get_args(GroupBy)
# Snapshots and returns of an order delivered on day D arrive from day D on; one day earlier is
# read as well, for an order system whose clock runs a little ahead of Firehose's.
RECORDS_SLACK = timedelta(days=1)
_PLACEHOLDER = re.compile(r"\?\s*/\*:([a-z_]+)\*/")


@dataclass(frozen=True)
class Request:
    """What is asked: the UTC delivery dates of the cohort (both ends included) and the rows' key."""

    start: date
    end: date
    group_by: GroupBy

    @classmethod
    def of(cls, start: str, end: str, group_by: str) -> Request:
        """From the route's or the command's text; PeriodError for a bad period or groupBy."""
        period = Period.of(start, end)
        if group_by not in GROUP_BYS:
            raise PeriodError(
                f"groupBy must be one of {', '.join(GROUP_BYS)}, got {group_by!r}",
                field="groupBy",
                malformed=False,
            )
        return cls(period.start, period.end, group_by)  # type: ignore[arg-type]

    def parameters(self) -> dict[str, str]:
        """The values of the SQL's named placeholders (dates as YYYY-MM-DD)."""
        return {
            "period_from": self.start.isoformat(),
            "period_to": self.end.isoformat(),
            "group_by": self.group_by,
            "records_from": (self.start - RECORDS_SLACK).isoformat(),
            "day_after_period": (self.end + timedelta(days=1)).isoformat(),
        }


@cache
def sql() -> str:
    """The text of ``returns.sql`` (shipped in the layer next to this module)."""
    return resources.files(__package__).joinpath("returns.sql").read_text(encoding="utf-8")


def placeholders(text: str) -> list[str]:
    """The names of the placeholders of ``text``, in order; every ``?`` must be named."""
    names = _PLACEHOLDER.findall(text)
    if text.count("?") != len(names):
        raise ValueError("every ? of the analytics SQL must be followed by /*:name*/")
    return names


def bind(text: str, values: dict[str, str]) -> list[str]:
    """The values in the order the engine binds them."""
    names = placeholders(text)
    missing = sorted(set(names) - set(values))
    if missing:
        raise KeyError(f"no value for the SQL parameters {missing}")
    return [values[name] for name in names]

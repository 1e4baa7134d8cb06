"""The analytics query: the one SQL file both engines run, its parameters, and the request it answers.

Parameters are bound by the engine (DuckDB's prepared statement, Athena's ExecutionParameters),
never pasted into the text: in ``returns.sql`` each ``?`` is followed by ``/*:name*/`` and
:func:`bind` lists the values in the order the placeholders appear. ``groupBy`` is one of a fixed
set and the SQL maps it to one of its column expressions. ``returns.sql`` includes the three
SELECTs the daily compaction writes as the state (``/*include state_orders.sql*/``): one text
of each, run by both engines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal, get_args

from returns_service.analytics.records import NO_STATE, StateTable
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
    "state_sql",
]

GroupBy = Literal["brand", "category", "sku", "sellerId", "reason"]
GROUP_BYS: tuple[str, ...] = get_args(GroupBy)
# Snapshots and returns of an order delivered on day D arrive from day D on; one day earlier is
# read as well, for an order system whose clock runs a little ahead of Firehose's.
RECORDS_SLACK = timedelta(days=1)
# The raw records after the state: every day from its own on (the query has no end day).
RAW_UNTIL = "9999-12-31"
EARLIEST = "0000-01-01"  # every raw day, when there is no state yet
_PLACEHOLDER = re.compile(r"\?\s*/\*:([a-z_]+)\*/")
_INCLUDE = re.compile(r"/\*include ([a-z_]+\.sql)\*/")


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

    def parameters(self, state_date: str | None = None) -> dict[str, str]:
        """The values of the SQL's named placeholders (dates as YYYY-MM-DD), reading the state of
        ``state_date`` (the first day it does not hold) and the raw records from that day on, or
        from the day before the period if that is later; with no state, the raw records alone.
        Records before the day before the period cannot change the period's figures (section on
        what the query reads in docs/ANALYTICS.md), so the state's older content is harmless."""
        records_from = (self.start - RECORDS_SLACK).isoformat()
        return {
            "period_from": self.start.isoformat(),
            "period_to": self.end.isoformat(),
            "group_by": self.group_by,
            "records_from": records_from,
            "day_after_period": (self.end + timedelta(days=1)).isoformat(),
            "state_date": state_date or NO_STATE,
            "raw_from": max(state_date, records_from) if state_date else records_from,
            "raw_until": RAW_UNTIL,
            "orders": "cohort",
        }


def state_parameters(previous: str | None, until: str) -> dict[str, str]:
    """The compaction's values: the state as of ``previous`` (none: every raw day) merged with the
    raw records of the days from it to before ``until``, the new state's day, keeping every order
    (the query keeps only the raw snapshots delivered near its period: ``orders``)."""
    return {
        "state_date": previous or NO_STATE,
        "raw_from": previous or EARLIEST,
        "raw_until": until,
        "orders": "every",
        "records_from": EARLIEST,
        "day_after_period": RAW_UNTIL,
    }


def _file(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _with_includes(name: str) -> str:
    return _INCLUDE.sub(lambda found: _file(found.group(1)), _file(name))


@cache
def sql() -> str:
    """The text of ``returns.sql`` with the state SELECTs it includes (shipped in the layer next to
    this module)."""
    return _with_includes("returns.sql")


@cache
def state_sql(table: StateTable) -> str:
    """The SELECT whose rows the compaction writes as ``table``'s next state."""
    return _with_includes(table.sql_file)


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

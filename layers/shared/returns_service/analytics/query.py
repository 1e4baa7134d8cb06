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

GroupBy = Literal["brand", "category", "sku", "sellerId", "reason"]
GROUP_BYS: tuple[str, ...] = get_args(GroupBy)
MAX_PERIOD_DAYS = 366
# Snapshots and returns of an order delivered on day D arrive from day D on; one day earlier is
# read as well, for an order system whose clock runs a little ahead of Firehose's.
RECORDS_SLACK = timedelta(days=1)
_PLACEHOLDER = re.compile(r"\?\s*/\*:([a-z_]+)\*/")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """The period or groupBy is malformed (``malformed``: 400) or not allowed (422); ``field``
    names the parameter (``from``, ``to``, ``groupBy``)."""

    def __init__(self, message: str, *, field: str, malformed: bool) -> None:
        super().__init__(message)
        self.field = field
        self.malformed = malformed


def parse_date(text: str, name: str) -> date:
    """A ``YYYY-MM-DD`` date; PeriodError (malformed) for anything else."""
    if not _DATE.match(text):
        raise PeriodError(f"{name} must be a date as YYYY-MM-DD, got {text!r}", field=name, malformed=True)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{name} is not a calendar date: {text!r}", field=name, malformed=True) from None


@dataclass(frozen=True)
class Request:
    """What is asked: the UTC delivery dates of the cohort (both ends included) and the rows' key."""

    start: date
    end: date
    group_by: GroupBy

    @classmethod
    def of(cls, start: str, end: str, group_by: str) -> Request:
        """From the route's or the command's text; PeriodError for a bad period or groupBy."""
        first, last = parse_date(start, "from"), parse_date(end, "to")
        if first > last:
            raise PeriodError(f"from ({first}) is after to ({last})", field="from", malformed=False)
        days = (last - first).days + 1
        if days > MAX_PERIOD_DAYS:
            raise PeriodError(
                f"the period has {days} days; at most {MAX_PERIOD_DAYS} (both ends counted)",
                field="to",
                malformed=False,
            )
        if group_by not in GROUP_BYS:
            raise PeriodError(
                f"groupBy must be one of {', '.join(GROUP_BYS)}, got {group_by!r}",
                field="groupBy",
                malformed=False,
            )
        return cls(first, last, group_by)  # type: ignore[arg-type]

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

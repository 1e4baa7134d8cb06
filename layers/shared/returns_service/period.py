"""A period of UTC dates as the CS routes take it (``from=YYYY-MM-DD&to=YYYY-MM-DD``, both ends
included): what is malformed (400) and what is not allowed (422), in one place for every route
that reads one (the return analytics of section 9, a seller's settlements of section 8)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_PERIOD_DAYS = 366
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """The period (or another parameter of its query) is malformed (``malformed``: 400) or not
    allowed (422); ``field`` names the parameter (``from``, ``to``, ...)."""

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
class Period:
    """UTC dates, both ends included, at most ``MAX_PERIOD_DAYS`` days."""

    start: date
    end: date

    @classmethod
    def of(cls, start: str, end: str) -> Period:
        """From the route's text; PeriodError: malformed dates, ``from`` after ``to``, too long."""
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
        return cls(first, last)

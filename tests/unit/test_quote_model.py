"""The whole quote against the unit-by-unit model: every amount of every quote, not just the refund.

tests/unit/quote_model.py answers a request unit by unit straight from contract sections 2-3; here
the engine's quotes (without descriptions, which are words) must equal it for random orders and
sequences of returns and cancellations, with and without ``refunded`` given. ``make bench`` times
the engine against the same model, so this also keeps that comparison honest.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from returns_core import quote_request
from tests.unit.quote_model import model_quote, without_descriptions
from tests.unit.test_properties import Step, sequences, step_request


@settings(max_examples=50, deadline=None)
@given(sequences())
def test_every_quote_is_the_models(case: tuple[dict[str, Any], list[Step], bool]) -> None:
    order, steps, _ = case
    for give_refunded in (True, False):
        done: list[tuple[Step, str]] = []
        for step in steps:
            request = step_request(order, done, step, give_refunded=give_refunded)
            engine = quote_request(request)
            assert without_descriptions(engine) == model_quote(request)
            done.append((step, str(engine["refundAmount"])))

"""Money on the wire is a decimal string with exactly the currency's ISO 4217 digits (contract intro)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core import money


@pytest.mark.parametrize(("currency", "digits"), [("CNY", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3)])
def test_exponent_is_the_iso_4217_minor_unit(currency: str, digits: int) -> None:
    assert money.exponent(currency) == digits
    assert money.is_currency(currency)


@pytest.mark.parametrize("code", ["RMB", "XXX", "cny", "", "US"])
def test_unknown_currency_is_refused_by_name(code: str) -> None:
    assert not money.is_currency(code)
    with pytest.raises(money.MoneyError, match="unknown currency"):
        money.exponent(code)
    with pytest.raises(money.MoneyError, match="unknown currency"):
        money.parse("1.00", code)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("100.00", "CNY", 10000),
        ("0.01", "CNY", 1),
        ("0.00", "CNY", 0),
        ("59.90", "CNY", 5990),
        ("1200", "JPY", 1200),
        ("0", "JPY", 0),
        ("1.500", "KWD", 1500),
        ("0.005", "KWD", 5),
        ("123456789012345.67", "USD", 12345678901234567),
    ],
)
def test_parse_gives_integer_minor_units(text: str, currency: str, minor: int) -> None:
    value = money.parse(text, currency)
    assert value == minor
    assert type(value) is int


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("100.0", "CNY"),  # too few decimals
        ("100", "CNY"),
        ("100.000", "CNY"),  # too many
        ("1200.00", "JPY"),  # JPY has none
        ("1200.0", "JPY"),
        ("1.50", "KWD"),  # KWD has three
        ("1.5000", "KWD"),
    ],
)
def test_wrong_number_of_digits_is_refused_and_says_so(text: str, currency: str) -> None:
    with pytest.raises(money.MoneyError, match=currency) as error:
        money.parse(text, currency)
    assert repr(text) in str(error.value)


MALFORMED = ["", " 1.00", "1.00 ", "1,00", "1.", ".50", "+1.00", "1e2", "abc", "1.0O", "--1.00"]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_amounts_are_refused(text: str) -> None:
    with pytest.raises(money.MoneyError):
        money.parse(text, "CNY")


@pytest.mark.parametrize("value", [1.0, 100, None, b"1.00"])
def test_non_strings_are_refused_so_floats_never_enter(value: object) -> None:
    with pytest.raises(money.MoneyError, match="decimal string"):
        money.parse(value, "CNY")  # type: ignore[arg-type]


def test_negative_amounts_only_where_allowed() -> None:
    with pytest.raises(money.MoneyError, match="negative"):
        money.parse("-1.00", "CNY", what="payments[PAY-1].amount")
    assert money.parse("-1.00", "CNY", allow_negative=True) == -100


def test_error_names_the_field() -> None:
    with pytest.raises(money.MoneyError, match=r"^shipping\.fee: "):
        money.parse("6", "CNY", what="shipping.fee")


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (10000, "CNY", "100.00"),
        (5, "CNY", "0.05"),
        (0, "CNY", "0.00"),
        (-5, "CNY", "-0.05"),
        (-5000, "CNY", "-50.00"),
        (1200, "JPY", "1200"),
        (-131, "JPY", "-131"),
        (0, "JPY", "0"),
        (1, "KWD", "0.001"),
        (1500, "KWD", "1.500"),
    ],
)
def test_format_has_exactly_the_currency_digits(minor: int, currency: str, text: str) -> None:
    assert money.format(minor, currency) == text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["CNY", "JPY", "KWD", "CLF"]))
def test_format_then_parse_is_the_identity(minor: int, currency: str) -> None:
    assert money.parse(money.format(minor, currency), currency, allow_negative=True) == minor


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(5, 2), 3),  # a half goes up
        (Fraction(3, 2), 2),
        (Fraction(249, 100), 2),
        (Fraction(251, 100), 3),
        (Fraction(0), 0),
        (Fraction(1, 2), 1),
        (Fraction(7), 7),
    ],
)
def test_round_half_up(value: Fraction, rounded: int) -> None:
    assert money.round_half_up(value) == rounded


@pytest.mark.parametrize(
    ("text", "fraction"),
    [("10", Fraction(1, 10)), ("12.5", Fraction(1, 8)), ("100", Fraction(1)), ("0.01", Fraction(1, 10000))],
)
def test_percent_is_exact(text: str, fraction: Fraction) -> None:
    assert money.parse_percent(text) == fraction


@pytest.mark.parametrize("text", ["0", "0.0", "100.01", "150", "-5", "abc", "1e1", "", " 10"])
def test_percent_outside_0_to_100_or_malformed_is_refused(text: str) -> None:
    with pytest.raises(money.MoneyError, match="percent"):
        money.parse_percent(text)


def test_many_amounts_parse_as_one_by_one_and_a_comma_is_refused() -> None:
    texts = ["0.01", "19.90", "1200.00"]
    assert money.parse_each(texts, "CNY", str) == tuple(money.parse(text, "CNY") for text in texts)
    with pytest.raises(money.MoneyError, match=r"^lines\[0\]: '19\.90,1\.00' is not a decimal amount$"):
        money.parse_each(["19.90,1.00"], "CNY", lambda i: f"lines[{i}]")

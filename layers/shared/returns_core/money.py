"""Money as integer minor units inside, decimal strings with the currency's exact digits outside.

Floats never appear: amounts are parsed digit by digit and every computation is on ints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from fractions import Fraction

# ISO 4217 minor-unit exponents of active currencies. Codes not listed here are refused.
_TWO = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL
HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD
SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS
VES WST XCD YER ZAR ZMW ZWG
"""
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"

# ISO 4217 minor-unit exponents of active currencies. Codes not listed here are refused.
_EXPONENTS: dict[str, int] = {
    code: digits
    for codes, digits in ((_TWO, 2), (_ZERO, 0), (_THREE, 3), (_FOUR, 4))
    for code in codes.split()
}

_AMOUNT = re.compile(r"^(-?)(\d+)(?:\.(\d+))?$")
# The usual case, a non-negative amount with exactly the currency's digits, in one match.
_PLAIN = {d: re.compile(rf"(\d+)\.(\d{{{d}}})" if d else r"(\d+)()") for d in (0, 2, 3, 4)}
_PLAIN_LIST = {
    d: re.compile(rf"(?:\d+\.\d{{{d}}},)*\d+\.\d{{{d}}}" if d else r"(?:\d+,)*\d+") for d in (0, 2, 3, 4)
}


class MoneyError(ValueError):
    """An amount or currency that cannot be used; the message says which and why."""


def exponent(currency: str) -> int:
    """The number of minor-unit digits of an ISO 4217 currency."""
    try:
        return _EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r} (expected an ISO 4217 code such as CNY)") from None


def is_currency(code: str) -> bool:
    return code in _EXPONENTS


def parse(text: str, currency: str, *, what: str = "amount", allow_negative: bool = False) -> int:
    """Parse a decimal string with exactly the currency's digits into minor units."""
    digits = exponent(currency)
    plain = _PLAIN[digits].fullmatch(text) if isinstance(text, str) else None
    if plain is not None:
        return int(plain[1] + plain[2])
    if not isinstance(text, str):
        raise MoneyError(f"{what}: expected a decimal string such as {format(0, currency)!r}, got {text!r}")
    match = _AMOUNT.match(text)
    if match is None:
        raise MoneyError(f"{what}: {text!r} is not a decimal amount")
    sign, whole, fraction = match.groups()
    fraction = fraction or ""
    if len(fraction) != digits:
        expected = "no decimals" if digits == 0 else f"exactly {digits} decimals"
        raise MoneyError(f"{what}: {text!r} must have {expected} for {currency}")
    value = int(whole + fraction)
    if sign:
        if not allow_negative:
            raise MoneyError(f"{what}: {text!r} must not be negative")
        value = -value
    return value


def parse_each(texts: Sequence[str], currency: str, what: Callable[[int], str]) -> tuple[int, ...]:
    """Parse many amounts; ``what(i)`` names the i-th in an error (built only for a refused one)."""
    if set(map(type, texts)) <= {str}:
        # One match over them all, joined by commas (none of them holding one): each is digits, a
        # point and exactly the currency's digits (or digits alone); drop the points and split.
        joined = ",".join(texts)
        if joined.count(",") == len(texts) - 1 and _PLAIN_LIST[exponent(currency)].fullmatch(joined):
            return tuple(map(int, joined.replace(".", "").split(",")))
    return tuple(parse(text, currency, what=what(i)) for i, text in enumerate(texts))


def format(minor: int, currency: str) -> str:
    """Format minor units as the currency's decimal string ("100.00", "1200", "1.500")."""
    digits = exponent(currency)
    sign = "-" if minor < 0 else ""
    text = str(abs(minor)).rjust(digits + 1, "0")
    if digits == 0:
        return sign + text
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact fraction to the nearest integer, halves up."""
    return (value.numerator * 2 + value.denominator) // (value.denominator * 2)


_PERCENT = re.compile(r"^\d+(?:\.\d+)?$")


def parse_percent(text: str) -> Fraction:
    """Parse a percentage such as "10" or "12.5" into an exact fraction of one (0.125)."""
    if not isinstance(text, str) or _PERCENT.match(text) is None:
        raise MoneyError(f"percent: {text!r} is not a decimal number such as '12.5'")
    whole, _, decimals = text.rstrip("\n").partition(".")
    numerator, denominator = int(whole + decimals), 100 * 10 ** len(decimals)
    if not 0 < numerator <= denominator:
        raise MoneyError(f"percent: {text!r} must be above 0 and at most 100")
    return Fraction(numerator, denominator)

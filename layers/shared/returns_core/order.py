"""The order snapshot (contract section 1) as validated models.

Amounts stay decimal strings on the wire; a validated snapshot also carries them as integer minor
units (the ``*_minor`` properties) so the engine never parses twice and never sees a float.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from itertools import repeat
from operator import itemgetter, mul
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from returns_core import money

if TYPE_CHECKING:
    from returns_core.refunds.allocation import OrderAllocation

OrderStatus = Literal["PLACED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]
Party = Literal["platform", "seller"]


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True, str_strip_whitespace=False)


class Line(_Model):
    lineId: str = Field(min_length=1)
    sku: str = ""
    title: str = ""
    brand: str = ""
    category: str = ""
    unitPrice: str
    quantity: int = Field(ge=1, le=1_000_000_000)
    packageId: str = ""
    returnable: bool = True


class Promotion(_Model):
    promotionId: str = Field(min_length=1)
    kind: Literal["threshold", "percentage"]
    lineIds: list[str] = Field(min_length=1)
    refundPolicy: Literal["reprice", "prorate"] = "reprice"
    title: str = ""
    threshold: str | None = None
    discount: str | None = None
    repeat: bool = False
    maxDiscount: str | None = None
    percent: str | None = None
    fundedBy: Party | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Who bears the discount; when absent, the seller on POP orders, the platform on B2C.",
    )

    @property
    def label(self) -> str:
        """The name a customer recognises: the title, or the id when there is none."""
        return self.title or self.promotionId


class Shipping(_Model):
    fee: str
    freeThreshold: str | None = None
    charged: str


class Payment(_Model):
    paymentId: str = Field(min_length=1)
    method: str = ""
    amount: str


class OrderSnapshot(_Model):
    """An order as the order system reports it; refused unless its numbers add up."""

    orderId: str = Field(min_length=1)
    customerId: str = Field(min_length=1)
    version: int = Field(ge=0)
    currency: str
    status: OrderStatus
    channel: Literal["B2C", "POP"] = "B2C"
    sellerId: str = ""
    fulfilledBy: Party | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Who ships; when absent, the platform on B2C orders, the seller on POP.",
    )
    placedAt: datetime | None = None
    deliveredAt: datetime | None = None
    lines: list[Line] = Field(min_length=1)
    promotions: list[Promotion] = Field(default_factory=list)
    shipping: Shipping
    payments: list[Payment] = Field(default_factory=list)

    _numbers: OrderNumbers | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> OrderSnapshot:
        shipping = self.shipping
        lines, payments = self.lines, self.payments
        self._numbers = check_order(
            order_id=self.orderId,
            currency=self.currency,
            status=self.status,
            channel=self.channel,
            seller_id=self.sellerId,
            line_ids=[line.lineId for line in lines],
            unit_prices=[line.unitPrice for line in lines],
            quantities=[line.quantity for line in lines],
            returnable=[line.returnable for line in lines],
            promotions=self.promotions,
            shipping=(shipping.fee, shipping.freeThreshold, shipping.charged),
            payment_ids=[p.paymentId for p in payments],
            payment_amounts=[p.amount for p in payments],
        )
        return self

    @property
    def numbers(self) -> OrderNumbers:
        """The snapshot's numbers as the engine reads them (built once, at validation)."""
        # Read from pydantic's documented store of private values: ``self._numbers`` would go
        # through BaseModel.__getattr__, which costs more than the engine's work on a small order.
        numbers: OrderNumbers | None = (self.__pydantic_private__ or {}).get("_numbers")
        if numbers is None:
            raise ValueError("the snapshot has not been validated")
        return numbers

    @property
    def fulfilment(self) -> Party:
        """Who ships the goods: ``fulfilledBy``, or the channel's default (section 1)."""
        if self.fulfilledBy is not None:
            return self.fulfilledBy
        return "seller" if self.channel == "POP" else "platform"

    # -- integer views, valid once the snapshot is validated -------------------------------
    @property
    def unit_prices_minor(self) -> tuple[int, ...]:
        return self.numbers.unit_prices

    @property
    def payments_minor(self) -> tuple[int, ...]:
        return self.numbers.payments

    @property
    def shipping_fee_minor(self) -> int:
        return self.numbers.fee

    @property
    def shipping_charged_minor(self) -> int:
        return self.numbers.charged

    @property
    def free_threshold_minor(self) -> int | None:
        return self.numbers.free_threshold

    @property
    def promotion_numbers(self) -> tuple[PromotionNumbers, ...]:
        return self.numbers.promotions

    @property
    def allocation(self) -> OrderAllocation:
        """Every promotion allocated over the units as bought (computed once, at validation)."""
        return self.numbers.allocation

    @property
    def paid_minor(self) -> int:
        return sum(self.numbers.payments)

    @property
    def paid_for_goods_minor(self) -> int:
        return sum(self.numbers.payments) - self.numbers.charged

    def line_index(self, line_id: str) -> int | None:
        return self.numbers.line_index.get(line_id)


@dataclass(frozen=True, slots=True)
class PromotionNumbers:
    """A promotion's amounts in minor units, and the indexes of its lines in order of the order.

    A plain dataclass: built from values the snapshot has already checked, once per promotion.
    """

    kind: Literal["threshold", "percentage"]
    prorate: bool
    platform_funded: bool
    """The platform bears the discount (``fundedBy``, defaulted by channel)."""
    line_indexes: tuple[int, ...]
    threshold: int = 0
    discount: int = 0
    repeat: bool = False
    max_discount: int | None = None
    percent: Fraction = Fraction(0)

    def discount_on(self, base: int) -> int:
        """The discount this promotion gives on an eligible amount ``base``, never above it."""
        if self.kind == "percentage":
            # round_half_up(base * percent), in integers: Fraction arithmetic costs more than the rest.
            percent = self.percent
            value = (base * percent.numerator * 2 + percent.denominator) // (percent.denominator * 2)
        elif base < self.threshold or base <= 0:
            value = 0
        elif self.repeat:
            value = (base // self.threshold) * self.discount
            if self.max_discount is not None:
                value = min(value, self.max_discount)
        else:
            value = self.discount
        return min(value, base)


@dataclass(frozen=True, slots=True)
class OrderNumbers:
    """A validated snapshot as the engine reads it: ids, minor units, indexes, allocation.

    One plain object, so the engine reads a snapshot with one attribute access, and a request
    given as plain JSON data is quoted without building a pydantic model of each line.
    """

    order_id: str
    currency: str
    status: str
    channel: str
    seller_id: str
    line_ids: tuple[str, ...]
    returnable: tuple[bool, ...]
    promotion_ids: tuple[str, ...]
    promotion_labels: tuple[str, ...]
    """The name a customer recognises: the title, or the id when there is none."""
    payment_ids: tuple[str, ...]
    unit_prices: tuple[int, ...]
    quantities: tuple[int, ...]
    payments: tuple[int, ...]
    fee: int
    charged: int
    free_threshold: int | None
    promotions: tuple[PromotionNumbers, ...]
    line_index: dict[str, int]
    allocation: OrderAllocation


def check_order(
    *,
    order_id: str,
    currency: str,
    status: str,
    channel: str,
    seller_id: str,
    line_ids: list[str],
    unit_prices: list[str],
    quantities: list[int],
    returnable: list[bool],
    promotions: Sequence[Promotion | PromotionTerms],
    shipping: tuple[str, str | None, str],
    payment_ids: list[str],
    payment_amounts: list[str],
) -> OrderNumbers:
    """The numbers of a snapshot whose fields have the right shapes; refused unless they add up.

    Shared by the pydantic model and by ``plain_order``: one set of rules, one set of messages.
    """
    cur = currency
    if channel == "POP" and not seller_id:
        raise ValueError("a POP order must name its seller (sellerId)")
    if not money.is_currency(cur):
        raise ValueError(f"unknown currency {cur!r} (expected an ISO 4217 code such as CNY)")
    _no_duplicates(line_ids, "lineId")
    _no_duplicates([p.promotionId for p in promotions], "promotionId")
    _no_duplicates(payment_ids, "paymentId")
    prices = money.parse_each(unit_prices, cur, lambda i: f"lines[{line_ids[i]}].unitPrice")
    paid = money.parse_each(payment_amounts, cur, lambda i: f"payments[{payment_ids[i]}].amount")
    fee_text, free_threshold_text, charged_text = shipping
    fee = money.parse(fee_text, cur, what="shipping.fee")
    charged = money.parse(charged_text, cur, what="shipping.charged")
    free_threshold = (
        None
        if free_threshold_text is None
        else money.parse(free_threshold_text, cur, what="shipping.freeThreshold")
    )
    index = {line_id: i for i, line_id in enumerate(line_ids)}
    default_funder: Party = "seller" if channel == "POP" else "platform"
    terms = tuple(_promotion_numbers(p, cur, index, p.fundedBy or default_funder) for p in promotions)
    counts = tuple(quantities)
    # Imported here: the engine depends on this module, not the other way round.
    from returns_core.refunds.allocation import allocate_order

    allocation = allocate_order(counts, prices, terms)
    if paid:
        goods = sum(map(mul, prices, counts))
        discounts = sum(allocation.discounts)
        expected = goods - discounts + charged
        if expected != sum(paid):
            raise ValueError(
                f"order numbers do not add up: lines {money.format(goods, cur)} less discounts "
                f"{money.format(discounts, cur)} plus shipping {money.format(charged, cur)} "
                f"is {money.format(expected, cur)}, but payments add up to {money.format(sum(paid), cur)}"
            )
    elif status != "PLACED":
        # Contract section 1: only an order not yet paid may come without payments.
        raise ValueError(f"an order with status {status} must list its payments")
    return OrderNumbers(
        order_id=order_id,
        currency=cur,
        status=status,
        channel=channel,
        seller_id=seller_id,
        line_ids=tuple(line_ids),
        returnable=tuple(returnable),
        promotion_ids=tuple([p.promotionId for p in promotions]),
        promotion_labels=tuple([p.title or p.promotionId for p in promotions]),
        payment_ids=tuple(payment_ids),
        unit_prices=prices,
        quantities=counts,
        payments=paid,
        fee=fee,
        charged=charged,
        free_threshold=free_threshold,
        promotions=terms,
        line_index=index,
        allocation=allocation,
    )


class PromotionTerms(NamedTuple):
    """A promotion's fields as plain data (``Promotion``'s, for a snapshot read without pydantic)."""

    promotionId: str
    kind: Literal["threshold", "percentage"]
    lineIds: list[str]
    refundPolicy: Literal["reprice", "prorate"]
    title: str
    threshold: str | None
    discount: str | None
    repeat: bool
    maxDiscount: str | None
    percent: str | None
    fundedBy: Party | None


def _promotion_numbers(
    p: Promotion | PromotionTerms, currency: str, index: dict[str, int], funder: Party
) -> PromotionNumbers:
    where = f"promotions[{p.promotionId}]"
    if not index.keys() >= set(p.lineIds):
        unknown = [line_id for line_id in p.lineIds if line_id not in index]
        raise ValueError(f"{where}.lineIds names unknown line(s) {', '.join(unknown)}")
    _no_duplicates(p.lineIds, f"{where}.lineIds entry")
    # Lines are taken in the order's own order: that order breaks allocation ties.
    line_indexes = tuple(sorted(map(index.__getitem__, p.lineIds)))
    if p.kind == "threshold":
        if p.threshold is None or p.discount is None:
            raise ValueError(f"{where}: a threshold promotion needs 'threshold' and 'discount'")
        if p.percent is not None:
            raise ValueError(f"{where}: 'percent' belongs to percentage promotions")
        threshold = money.parse(p.threshold, currency, what=f"{where}.threshold")
        if threshold <= 0:
            raise ValueError(f"{where}.threshold must be above zero")
        max_discount = None
        if p.maxDiscount is not None:
            if not p.repeat:
                raise ValueError(f"{where}: 'maxDiscount' goes with 'repeat': true only")
            max_discount = money.parse(p.maxDiscount, currency, what=f"{where}.maxDiscount")
        return PromotionNumbers(
            kind="threshold",
            prorate=p.refundPolicy == "prorate",
            platform_funded=funder == "platform",
            line_indexes=line_indexes,
            threshold=threshold,
            discount=money.parse(p.discount, currency, what=f"{where}.discount"),
            repeat=p.repeat,
            max_discount=max_discount,
        )
    if p.percent is None:
        raise ValueError(f"{where}: a percentage promotion needs 'percent'")
    if p.threshold is not None or p.discount is not None or p.maxDiscount is not None:
        raise ValueError(f"{where}: 'threshold', 'discount' and 'maxDiscount' belong to threshold promotions")
    return PromotionNumbers(
        kind="percentage",
        prorate=p.refundPolicy == "prorate",
        platform_funded=funder == "platform",
        line_indexes=line_indexes,
        percent=money.parse_percent(p.percent),
    )


def _no_duplicates(values: list[str], what: str) -> None:
    if len(set(values)) == len(values):
        return
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)


# -- reading a snapshot given as plain JSON data -----------------------------------------------

_STATUSES = frozenset(get_args(OrderStatus))
_OPTIONAL_LINE_TEXTS = frozenset({"sku", "title", "brand", "category", "packageId"})
_PROMOTION_TEXTS = ("threshold", "discount", "maxDiscount", "percent")
# RFC 3339 date-times, which pydantic takes too; anything else goes to pydantic to judge.
_PLAIN_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)?")
_LARGEST_INT = 2**63 - 1


def plain_order(data: object) -> OrderNumbers | None:
    """A snapshot given as plain JSON data, read without pydantic when it is plainly well formed.

    The fast path of ``quote_request``: every field is checked field by field for a shape that
    ``OrderSnapshot`` certainly accepts, with the same value (exact types, no coercion), and the
    numbers go through the same ``check_order``. Anything else gives ``None`` (or ``check_order``'s
    ValueError): the caller then validates with pydantic, so a refused snapshot's message is
    pydantic's own, word for word.
    """
    if type(data) is not dict:
        return None
    get = data.get
    order_id, currency, status = get("orderId"), get("currency", ""), get("status", "")
    channel, seller_id = get("channel", "B2C"), get("sellerId", "")
    version, customer_id = get("version"), get("customerId")
    if not (
        _texts([order_id, customer_id, currency, status, channel, seller_id])
        and order_id
        and customer_id
        and status in _STATUSES
        and channel in ("B2C", "POP")
        and type(version) is int
        and 0 <= version <= _LARGEST_INT
        and _party_or_none(get("fulfilledBy"))
        and _plain_datetime(get("placedAt"))
        and _plain_datetime(get("deliveredAt"))
    ):
        return None
    lines, promotions, payments = get("lines"), get("promotions", []), get("payments", [])
    shipping = get("shipping")
    if not (
        _records(lines) and lines and _records(promotions) and _records(payments) and type(shipping) is dict
    ):
        return None
    try:
        line_ids = list(map(itemgetter("lineId"), lines))
        unit_prices = list(map(itemgetter("unitPrice"), lines))
        quantities = list(map(itemgetter("quantity"), lines))
        payment_ids = list(map(itemgetter("paymentId"), payments))
        payment_amounts = list(map(itemgetter("amount"), payments))
        fee, charged = shipping["fee"], shipping["charged"]
    except KeyError:
        return None
    returnable = list(map(dict.get, lines, repeat("returnable"), repeat(True)))
    if not (
        _texts(line_ids)
        and all(line_ids)
        and _texts(unit_prices)
        and set(map(type, quantities)) == {int}
        and min(quantities) >= 1
        and max(quantities) <= 1_000_000_000
        and set(map(type, returnable)) == {bool}
        and all(
            _texts(list(map(dict.get, lines, repeat(key), repeat(""))))
            for key in _OPTIONAL_LINE_TEXTS.intersection(set().union(*lines))
        )
        and _texts(payment_ids)
        and all(payment_ids)
        and _texts(payment_amounts)
        and _texts(list(map(dict.get, payments, repeat("method"), repeat(""))))
        and _texts([fee, charged])
        and _text_or_none(shipping.get("freeThreshold"))
    ):
        return None
    terms = [_plain_promotion(p) for p in promotions]
    if None in terms:
        return None
    return check_order(
        order_id=order_id,
        currency=currency,
        status=status,
        channel=channel,
        seller_id=seller_id,
        line_ids=line_ids,
        unit_prices=unit_prices,
        quantities=quantities,
        returnable=returnable,
        promotions=[p for p in terms if p is not None],
        shipping=(fee, shipping.get("freeThreshold"), charged),
        payment_ids=payment_ids,
        payment_amounts=payment_amounts,
    )


def _plain_promotion(data: dict[str, Any]) -> PromotionTerms | None:
    get = data.get
    promotion_id, kind, line_ids = get("promotionId"), get("kind"), get("lineIds")
    policy, title, repeat_, funder = (
        get("refundPolicy", "reprice"),
        get("title", ""),
        get("repeat", False),
        get("fundedBy"),
    )
    texts = [get(key) for key in _PROMOTION_TEXTS]
    if not (
        _texts([promotion_id, kind, policy, title])
        and promotion_id
        and kind in ("threshold", "percentage")
        and policy in ("reprice", "prorate")
        and type(line_ids) is list
        and line_ids
        and _texts(line_ids)
        and type(repeat_) is bool
        and _party_or_none(funder)
        and all(map(_text_or_none, texts))
    ):
        return None
    threshold, discount, max_discount, percent = texts
    return PromotionTerms(
        promotionId=promotion_id,
        kind=kind,
        lineIds=line_ids,
        refundPolicy=policy,
        title=title,
        threshold=threshold,
        discount=discount,
        repeat=repeat_,
        maxDiscount=max_discount,
        percent=percent,
        fundedBy=funder,
    )


def _texts(values: list[Any]) -> bool:
    """Every value is a ``str`` itself (pydantic would coerce some others: pydantic judges them)."""
    return set(map(type, values)) <= {str}


def _party_or_none(value: object) -> bool:
    return value is None or (type(value) is str and value in ("platform", "seller"))


def _text_or_none(value: object) -> bool:
    return value is None or type(value) is str


def _records(values: object) -> bool:
    """A list of JSON objects (empty or not)."""
    return type(values) is list and set(map(type, values)) <= {dict}


def _plain_datetime(value: object) -> bool:
    """Absent, or an RFC 3339 date-time that Python reads too (so pydantic reads it alike)."""
    if value is None:
        return True
    if type(value) is not str or _PLAIN_DATETIME.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True

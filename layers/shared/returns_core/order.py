"""The order snapshot (contract section 1) as validated models.

Amounts stay decimal strings on the wire; a validated snapshot also carries them as integer minor
units (the ``*_minor`` properties) so the engine never parses twice and never sees a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from operator import mul
from typing import TYPE_CHECKING, Literal

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
        cur = self.currency
        if self.channel == "POP" and not self.sellerId:
            raise ValueError("a POP order must name its seller (sellerId)")
        if not money.is_currency(cur):
            raise ValueError(f"unknown currency {cur!r} (expected an ISO 4217 code such as CNY)")
        lines, payments, shipping = self.lines, self.payments, self.shipping
        line_ids = [line.lineId for line in lines]
        _no_duplicates(line_ids, "lineId")
        _no_duplicates([p.promotionId for p in self.promotions], "promotionId")
        _no_duplicates([p.paymentId for p in payments], "paymentId")
        unit_prices = money.parse_each(
            [line.unitPrice for line in lines], cur, lambda i: f"lines[{lines[i].lineId}].unitPrice"
        )
        paid = money.parse_each(
            [p.amount for p in payments], cur, lambda i: f"payments[{payments[i].paymentId}].amount"
        )
        fee = money.parse(shipping.fee, cur, what="shipping.fee")
        charged = money.parse(shipping.charged, cur, what="shipping.charged")
        free_threshold = (
            None
            if shipping.freeThreshold is None
            else money.parse(shipping.freeThreshold, cur, what="shipping.freeThreshold")
        )
        index = {line_id: i for i, line_id in enumerate(line_ids)}
        default_funder: Party = "seller" if self.channel == "POP" else "platform"
        promotions = tuple(
            _promotion_numbers(p, cur, index, p.fundedBy or default_funder) for p in self.promotions
        )
        quantities = tuple([line.quantity for line in lines])
        # Imported here: the engine depends on this module, not the other way round.
        from returns_core.refunds.allocation import allocate_order

        allocation = allocate_order(quantities, unit_prices, promotions)
        self._numbers = OrderNumbers(
            unit_prices=unit_prices,
            quantities=quantities,
            payments=paid,
            fee=fee,
            charged=charged,
            free_threshold=free_threshold,
            promotions=promotions,
            line_index=index,
            allocation=allocation,
        )
        if payments:
            goods = sum(map(mul, unit_prices, quantities))
            discounts = sum(allocation.discounts)
            expected = goods - discounts + charged
            if expected != sum(paid):
                raise ValueError(
                    f"order numbers do not add up: lines {money.format(goods, cur)} less discounts "
                    f"{money.format(discounts, cur)} plus shipping {money.format(charged, cur)} "
                    f"is {money.format(expected, cur)}, but payments add up to {money.format(sum(paid), cur)}"
                )
        elif self.status != "PLACED":
            # Contract section 1: only an order not yet paid may come without payments.
            raise ValueError(f"an order with status {self.status} must list its payments")
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
    """A validated snapshot's numbers as the engine reads them: minor units, indexes, allocation.

    One plain object, so the engine reads a snapshot's numbers with one attribute access.
    """

    unit_prices: tuple[int, ...]
    quantities: tuple[int, ...]
    payments: tuple[int, ...]
    fee: int
    charged: int
    free_threshold: int | None
    promotions: tuple[PromotionNumbers, ...]
    line_index: dict[str, int]
    allocation: OrderAllocation


def _promotion_numbers(p: Promotion, currency: str, index: dict[str, int], funder: Party) -> PromotionNumbers:
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

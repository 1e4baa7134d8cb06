"""Finance's view of a seller's POP refunds (contract section 8): the settlement records of a
period, a page at a time, with the period's totals per currency.

The totals cover the whole period on every page, so every page reads the period's records: one
Query of the ``SettlementsBySeller`` index, which projects only what this route gives (about 200
bytes a refund: some 5,000 refunds per 1 MB read). The page is cut from the same read, after the
``paidKey`` its signed ``nextToken`` carries.
"""

from __future__ import annotations

from returns_core import money
from returns_service import page_tokens
from returns_service.api.models import SettlementItem, SettlementsPage, SettlementTotal
from returns_service.errors import BadRequest, Unprocessable
from returns_service.period import Period, PeriodError
from returns_service.store import settlements as store
from returns_service.store.settlements import SettlementRecord

_TOKEN_KEY = ("paidKey",)


def _period(start: str, end: str) -> Period:
    try:
        return Period.of(start, end)
    except PeriodError as refused:
        details = [{"location": "query", "field": refused.field, "issue": str(refused)}]
        raise (BadRequest if refused.malformed else Unprocessable)(str(refused), details) from None


def _item(record: SettlementRecord) -> SettlementItem:
    case = {"returnId" if record.case_kind == "return" else "cancellationId": record.case_id}
    return SettlementItem.model_validate(
        {
            "refundId": record.refund_id,
            "orderId": record.order_id,
            **case,
            "currency": record.currency,
            "refundAmount": record.refund_amount,
            "sellerDebit": record.seller_debit,
            "platformShare": record.platform_share,
            "paidAt": record.paid_at,
        }
    )


def seller_settlements(
    seller_id: str, start: str, end: str, limit: int, next_token: str | None
) -> SettlementsPage:
    """A page of the seller's settlements paid within ``start``..``end`` (UTC dates, both ends
    included), oldest first, and the period's totals. 400 for a malformed date or a token this
    service did not give for this seller and period; 422 for ``from`` after ``to`` or a period
    over 366 days."""
    period = _period(start, end)
    query = {"sellerId": seller_id, "from": period.start.isoformat(), "to": period.end.isoformat()}
    after = page_tokens.decode(next_token, query, _TOKEN_KEY)["paidKey"] if next_token else None
    debits: dict[str, int] = {}
    shares: dict[str, int] = {}
    page: list[SettlementRecord] = []
    more = False
    for record in store.paid_within(seller_id, period):
        currency = record.currency
        debits[currency] = debits.get(currency, 0) + money.parse(
            record.seller_debit, currency, allow_negative=True
        )
        shares[currency] = shares.get(currency, 0) + money.parse(
            record.platform_share, currency, allow_negative=True
        )
        if after is not None and record.paid_key <= after:
            continue
        if len(page) < limit:
            page.append(record)
        else:
            more = True
    totals = [
        SettlementTotal(
            currency=currency,
            sellerDebit=money.format(debits[currency], currency),
            platformShare=money.format(shares[currency], currency),
        )
        for currency in sorted(debits)
    ]
    token = page_tokens.encode({"paidKey": page[-1].paid_key}, query) if more and page else None
    return SettlementsPage(items=[_item(record) for record in page], totals=totals, nextToken=token)

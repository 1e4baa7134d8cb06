"""A stored return as the routes give it (contract section 4): never the token or internals."""

from __future__ import annotations

from returns_core import money
from returns_core.lifecycle import Return
from returns_service.models import HistoryEntry, ProposalView, RefundView, ReturnView, Shipment


def to_view(ret: Return) -> ReturnView:
    return ReturnView(
        returnId=ret.returnId,
        orderId=ret.orderId,
        customerId=ret.customerId,
        status=ret.status,
        lines=ret.lines,
        reason=ret.reason,
        reasonDetail=ret.reasonDetail,
        method=ret.method,
        quote=ret.quote,
        refund=None if ret.refund is None else _refund(ret),
        createdAt=ret.createdAt,
        updatedAt=ret.updatedAt,
        history=[HistoryEntry.model_validate(entry.model_dump(mode="json")) for entry in ret.history],
        shipment=None if ret.shipment is None else Shipment.model_validate(ret.shipment.model_dump()),
        proposal=None
        if ret.proposal is None
        else ProposalView(
            kind=ret.proposal.kind,
            amount=money.format(ret.proposal.amount, ret.currency),
            note=ret.proposal.note,
            expiresAt=ret.proposal.expiresAt,
        ),
    )


def _refund(ret: Return) -> RefundView:
    """Contract section 4's refund: ``{refundId, refundAmount, payments, paidAt}``, and a POP
    refund's ``settlement`` (section 8; null on B2C)."""
    refund = ret.refund
    assert refund is not None
    return RefundView(
        refundId=refund.refundId,
        refundAmount=refund.refundAmount,
        payments=[{"paymentId": p.paymentId, "amount": p.amount} for p in refund.payments],
        paidAt=refund.paidAt,
        settlement=refund.settlement,
    )

"""Contract section 5a's time limit over HTTP, on the real state machine in moto: a fee nobody
answered cancels the return and frees its units; a deduction nobody answered applies.

One stack for the module with a short ``CustomerAnswerTimeoutSeconds`` (a definition
substitution: the wait's TimeoutSeconds); review and receipt limits stay long.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.client import AGENT, Api, new_return, one, shared_stack
from tests.api.test_api_proposals import FEE, order_copy, received_damaged

ANSWER_SECONDS = 2


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with shared_stack(parameters={"CustomerAnswerTimeoutSeconds": str(ANSWER_SECONDS)}) as shared:
        yield shared


def test_a_fee_nobody_answers_cancels_the_return_and_frees_its_units(api: Api) -> None:
    order = order_copy(api, "O-SEED-1", "O-SEED-FEE-SILENT")
    created = api.created(new_return(order["orderId"], one("L2")))
    return_id = str(created["returnId"])
    api.wait_status(return_id, "PENDING_REVIEW")
    assert api.review(return_id, FEE).status == 200
    cancelled = api.wait_status(return_id, "CANCELLED", timeout=ANSWER_SECONDS + 15)
    assert cancelled["proposal"] is None and cancelled["history"][-1]["actor"] == "system"
    answered = api.wait_event("Return Proposal Answered", return_id)
    assert answered["decision"] == "none" and answered["actor"] == "system"
    assert api.wait_event("Return Closed", return_id)["status"] == "CANCELLED"
    again = api.create(new_return(order["orderId"], one("L2")))
    assert again.status == 201, again.text  # the unit is free again


def test_a_deduction_nobody_answers_applies(api: Api) -> None:
    order = order_copy(api, "O-POP-4", "O-POP-DED-SILENT")
    return_id = received_damaged(api, order["orderId"])
    body = {"decision": "deduct", "inspectionDeduction": "9.00", "note": "scratched"}
    response = api.call("POST", f"/cs/returns/{return_id}/damage-review", body=body, claims=AGENT)
    assert response.status == 200 and response.json["status"] == "AWAITING_CUSTOMER", response.text
    done = api.wait_status(return_id, "REFUNDED", timeout=ANSWER_SECONDS + 15)
    assert done["refund"]["refundAmount"] == "30.00"  # 39.00 less the 9.00 deduction
    assert any(h["actor"] == "system" and "did not answer" in h["note"] for h in done["history"])

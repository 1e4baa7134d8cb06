"""Template parameter overrides for tests: small time limits so workflows finish fast.

tests/conftest.py deploys every test stack with these. The review, receipt, fulfilment-stop and
interception limits are seconds, for the tests that wait them out (workflow tests marked
``short_time_limits``); tests that decide, receive or answer themselves deploy with long limits
instead (tests/workflow/conftest.py, tests/api/client.py), so a loaded machine cannot race them.
Retries sleep for real in moto, so intervals are 1 s (the ASL minimum) and the refund is tried 3
times (1 + 2 retries) before REFUND_FAILED.
"""

from __future__ import annotations

FAST_PARAMETERS: dict[str, str] = {
    "ReviewTimeoutSeconds": "3",
    "ReceiptTimeoutSeconds": "3",
    "FulfilmentStopTimeoutSeconds": "3",
    "InterceptionTimeoutSeconds": "3",
    "StepRetryIntervalSeconds": "1",
    "RefundRetryIntervalSeconds": "1",
    "RefundRetryMaxAttempts": "2",
    "RefundRetryBackoffRate": "1",
    "CallbackBaseUrl": "https://returns.test",
}

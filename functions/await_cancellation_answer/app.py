"""Cancellation workflow (.waitForTaskToken): park the token on the cancellation and publish the
signed URL fulfilment (`Cancellation Requested`) or delivery (`Interception Requested`) answers on.

The time limits are the states' TimeoutSeconds; when one passes, cancellation_time_limit runs."""

from returns_service.cancellations.handlers import waiting
from returns_service.cancellations.steps.await_answer import await_answer

handler = waiting(lambda event: await_answer(event.cancellationId, event.taskToken, event.waitingFor))

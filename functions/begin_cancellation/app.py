"""Cancellation workflow, first step: by the order's status when the request came in, an unpaid
order's cancellation completes at once (nothing to refund); a paid one asks fulfilment to stop the
units; a parcel the platform ships is to be intercepted by its delivery."""

from returns_service.cancellations.handlers import step
from returns_service.cancellations.steps.begin import begin

handler = step(lambda event: begin(event.cancellationId))

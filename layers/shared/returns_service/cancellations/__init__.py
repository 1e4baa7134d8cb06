"""Cancellations before delivery (售前取消, contract section 7): the customer's and CS's requests,
the workflow's steps and the signed answers of fulfilment and delivery. Each loads a cancellation,
asks the rules of ``returns_core.lifecycle.cancellation`` and saves the change with its events
(``returns_service.store.cancellations``)."""

"""DynamoDB access, designed from the access patterns.

OrdersTable (``orderId`` + ``sk``):
  ``ORDER``  the latest snapshot (replaced only by a higher version) and the reservation counters
             ``reserved:<lineId>``: units held by live returns plus units refunded;
  ``LEDGER`` the order's refund ledger: a version bumped by every refund recorded, and one entry per
             refunded return (lines accepted, reason, fees, refunded) in the order they were recorded.
ReturnsTable (``returnId``), with GSIs ``ByCustomer`` (customerId, createdKey) for a customer's returns
and ``ByStatus`` (status, createdKey) for the CS queue, oldest first. ``createdKey`` is
``<createdAt>#<returnId>``: time-ordered and unique.
"""

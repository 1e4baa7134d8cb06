-- Where each return stands, from all its events (max needs no deduplication, so the state's row
-- and the raw events since merge by max as well): its order, reason and creation (Return
-- Requested with lines), whether it ended (a final status: REJECTED, CANCELLED, EXPIRED or
-- RETURNED_TO_CUSTOMER), whether a receipt exists (Return Received with lines), when its refund
-- was paid. Every return, ended or not: returns.sql keeps those that count. The state as of
-- `state_date` with the raw events of the days from `raw_from` to before `raw_until` (see
-- state_orders.sql).
SELECT
  r.return_id,
  max(r.order_id) AS order_id,
  max(r.reason) AS reason,
  max(r.created_at) AS created_at,
  max(r.ended) AS ended,
  max(r.received) AS received,
  max(r.paid_at) AS paid_at
FROM (
  SELECT s.return_id, s.order_id, s.reason, s.created_at, s.ended, s.received, s.paid_at
  FROM return_state AS s
  WHERE s.state_date = ? /*:state_date*/
  UNION ALL
  SELECT
    e.detail.returnId AS return_id,
    CASE WHEN e.detailType = 'Return Requested' AND cardinality(e.detail.lines) > 0 THEN e.detail.orderId END AS order_id,
    CASE WHEN e.detailType = 'Return Requested' AND cardinality(e.detail.lines) > 0 THEN e.detail.reason END AS reason,
    CASE WHEN e.detailType = 'Return Requested' AND cardinality(e.detail.lines) > 0 THEN e.detail.createdAt END AS created_at,
    CAST(CASE WHEN e.detail.status IN ('REJECTED', 'CANCELLED', 'EXPIRED', 'RETURNED_TO_CUSTOMER') THEN 1 ELSE 0 END AS BIGINT) AS ended,
    CAST(CASE WHEN e.detailType = 'Return Received' AND cardinality(e.detail.received) > 0 THEN 1 ELSE 0 END AS BIGINT) AS received,
    CASE WHEN e.detailType = 'Refund Issued' AND cardinality(e.detail.lines) > 0 THEN e.detail.paidAt END AS paid_at
  FROM return_events AS e
  WHERE e.dt >= ? /*:raw_from*/ AND e.dt < ? /*:raw_until*/ AND e.detail.returnId IS NOT NULL
) AS r
GROUP BY r.return_id

-- Return analytics (contract section 9), computed from the raw records alone: the order
-- snapshots (`order_updates`, the latest version of an order wins), the returns' events
-- (`return_events`, deduplicated on eventId) and the completed cancellations
-- (`cancellation_events`, deduplicated on eventId). The same text runs on Athena (Trino) in
-- AWS and on DuckDB locally; tests run it on DuckDB and parse it as Trino.
--
-- Parameters are bound by the engine, never pasted into the text: each placeholder is followed
-- by a comment naming it, and the runner passes the values in that order (analytics/query.py).
-- The functions outside the common subset are Trino's (cardinality, sequence,
-- from_iso8601_timestamp); the DuckDB engine defines them as macros, and makes `/` of two
-- integers an integer division as in Trino (used once: the floor of a refund's share).
--
-- The result is one row per (scope, key) of kind 'units' (units sold, returned units per
-- reason, the middle values of the hours to refund) and one per (scope, key, currency) of kind
-- 'refund'; scope 'overall' (key NULL) is the whole cohort. Rates, medians, the flag and the
-- special case of groupBy=reason are shaped in Python with exact fractions (analytics/report.py).
WITH
params AS (
  SELECT
    CAST(? /*:period_from*/ AS DATE) AS period_from,
    CAST(? /*:period_to*/ AS DATE) AS period_to,
    CAST(? /*:group_by*/ AS VARCHAR) AS group_by
),

-- Orders: the latest snapshot of each order. Snapshots older than the day before the period
-- cannot be the latest of an order delivered in it, so older partitions are not read.
order_versions AS (
  SELECT
    o.detail.orderId AS order_id,
    o.detail.channel AS channel,
    o.detail.sellerId AS seller_id,
    o.detail.deliveredAt AS delivered_at,
    o.detail.lines AS lines,
    row_number() OVER (PARTITION BY o.detail.orderId ORDER BY o.detail.version DESC, o.id) AS recency
  FROM order_updates AS o
  WHERE o.dt >= ? /*:records_from*/
),
cohort_orders AS (
  SELECT
    v.order_id,
    CASE WHEN v.channel = 'POP' AND v.seller_id IS NOT NULL THEN v.seller_id ELSE 'platform' END AS seller,
    v.lines
  FROM order_versions AS v
  CROSS JOIN params AS p
  WHERE v.recency = 1
    AND v.delivered_at IS NOT NULL
    AND CAST(from_iso8601_timestamp(v.delivered_at) AT TIME ZONE 'UTC' AS DATE)
      BETWEEN p.period_from AND p.period_to
),
cohort_lines AS (
  SELECT
    c.order_id,
    c.seller,
    c.lines[i].lineId AS line_id,
    coalesce(c.lines[i].sku, '') AS sku,
    coalesce(c.lines[i].brand, '') AS brand,
    coalesce(c.lines[i].category, '') AS category,
    c.lines[i].quantity AS quantity
  FROM cohort_orders AS c
  CROSS JOIN UNNEST(sequence(1, greatest(cardinality(c.lines), 1))) AS u (i)
  WHERE i <= cardinality(c.lines)
),

-- Cancellations completed for those orders take their units out of what was sold. They happen
-- before delivery, at any time after the order was placed: every partition is read.
cancellation_copies AS (
  SELECT
    e.detail.orderId AS order_id,
    e.detail.lines AS lines,
    row_number() OVER (PARTITION BY coalesce(e.detail.eventId, e.id) ORDER BY e.id) AS copy
  FROM cancellation_events AS e
  WHERE e.detailType = 'Cancellation Completed'
),
cancelled AS (
  SELECT x.order_id, x.lines[i].lineId AS line_id, sum(x.lines[i].quantity) AS units
  FROM cancellation_copies AS x
  CROSS JOIN UNNEST(sequence(1, greatest(cardinality(x.lines), 1))) AS u (i)
  WHERE x.copy = 1 AND i <= cardinality(x.lines)
  GROUP BY x.order_id, x.lines[i].lineId
),
sold_lines AS (
  SELECT l.*, l.quantity - coalesce(x.units, 0) AS sold
  FROM cohort_lines AS l
  LEFT JOIN cancelled AS x ON x.order_id = l.order_id AND x.line_id = l.line_id
),

-- The returns' events, each once. A return is made after delivery: older partitions are not read.
event_copies AS (
  SELECT
    e.detailType AS detail_type,
    e.detail.returnId AS return_id,
    e.detail.orderId AS order_id,
    e.detail.status AS status,
    e.detail.reason AS reason,
    e.detail.createdAt AS created_at,
    e.detail.paidAt AS paid_at,
    e.detail.refundAmount AS refund_amount,
    e.detail.currency AS currency,
    e.detail.lines AS lines,
    e.detail.received AS received,
    row_number() OVER (PARTITION BY coalesce(e.detail.eventId, e.id) ORDER BY e.id) AS copy
  FROM return_events AS e
  WHERE e.dt >= ? /*:records_from*/
),
events AS (
  SELECT * FROM event_copies WHERE copy = 1 AND return_id IS NOT NULL
),
-- A return counts unless it ended REJECTED, CANCELLED, EXPIRED or RETURNED_TO_CUSTOMER: those
-- statuses are final, so any event that carries one settles it.
ended AS (
  SELECT DISTINCT return_id
  FROM events
  WHERE status IN ('REJECTED', 'CANCELLED', 'EXPIRED', 'RETURNED_TO_CUSTOMER')
),
requested AS (
  SELECT return_id, order_id, reason, created_at, lines
  FROM (
    SELECT
      e.*,
      row_number() OVER (PARTITION BY e.return_id ORDER BY e.created_at) AS nth
    FROM events AS e
    WHERE e.detail_type = 'Return Requested'
  ) AS r
  WHERE r.nth = 1
),
counted AS (
  SELECT r.*
  FROM requested AS r
  LEFT JOIN ended AS x ON x.return_id = r.return_id
  WHERE x.return_id IS NULL
),
receipts AS (
  SELECT return_id, received
  FROM (
    SELECT e.return_id, e.received, row_number() OVER (PARTITION BY e.return_id) AS nth
    FROM events AS e
    WHERE e.detail_type = 'Return Received'
  ) AS r
  WHERE r.nth = 1
),
-- A return's units: what was received (every condition) once a receipt exists, else what was
-- asked for.
return_units AS (
  SELECT c.return_id, c.order_id, c.reason, c.created_at, q.line_id, sum(q.units) AS units
  FROM counted AS c
  INNER JOIN (
    SELECT rc.return_id, rc.received[i].lineId AS line_id, rc.received[i].quantity AS units
    FROM receipts AS rc
    CROSS JOIN UNNEST(sequence(1, greatest(cardinality(rc.received), 1))) AS u (i)
    WHERE i <= cardinality(rc.received)
    UNION ALL
    SELECT a.return_id, a.lines[i].lineId AS line_id, a.lines[i].quantity AS units
    FROM counted AS a
    LEFT JOIN receipts AS rc ON rc.return_id = a.return_id
    CROSS JOIN UNNEST(sequence(1, greatest(cardinality(a.lines), 1))) AS u (i)
    WHERE rc.return_id IS NULL AND i <= cardinality(a.lines)
  ) AS q ON q.return_id = c.return_id
  GROUP BY c.return_id, c.order_id, c.reason, c.created_at, q.line_id
),
returned_lines AS (
  SELECT r.return_id, r.reason, r.created_at, r.units, l.line_id, l.sku, l.brand, l.category, l.seller
  FROM return_units AS r
  INNER JOIN sold_lines AS l ON l.order_id = r.order_id AND l.line_id = r.line_id
  WHERE r.units > 0
),

-- Refunds of those returns, each split over the refund's lines in proportion to their
-- paidAmount by largest remainder, ties to the earlier line (equal weights if all are zero).
-- Amounts carry exactly the currency's minor digits, so dropping the point gives minor units.
refunds AS (
  SELECT return_id, currency, amount, paid_at, lines
  FROM (
    SELECT
      e.return_id,
      e.currency,
      CAST(replace(e.refund_amount, '.', '') AS BIGINT) AS amount,
      e.paid_at,
      e.lines,
      row_number() OVER (PARTITION BY e.return_id ORDER BY e.paid_at) AS nth
    FROM events AS e
    WHERE e.detail_type = 'Refund Issued'
  ) AS f
  WHERE f.nth = 1
),
refund_lines AS (
  SELECT
    f.return_id,
    f.currency,
    f.amount,
    i AS line_no,
    f.lines[i].lineId AS line_id,
    CAST(replace(f.lines[i].paidAmount, '.', '') AS BIGINT) AS paid
  FROM refunds AS f
  CROSS JOIN UNNEST(sequence(1, greatest(cardinality(f.lines), 1))) AS u (i)
  WHERE i <= cardinality(f.lines)
),
refund_weights AS (
  SELECT
    w.*,
    sum(w.weight) OVER (PARTITION BY w.return_id) AS total
  FROM (
    SELECT
      r.*,
      CASE WHEN sum(r.paid) OVER (PARTITION BY r.return_id) = 0 THEN 1 ELSE r.paid END AS weight
    FROM refund_lines AS r
  ) AS w
),
refund_floors AS (
  SELECT
    w.*,
    w.amount * w.weight / w.total AS floor_share,
    mod(w.amount * w.weight, w.total) AS remainder
  FROM refund_weights AS w
),
refund_shares AS (
  SELECT
    f.return_id,
    f.currency,
    f.line_id,
    f.floor_share + CASE
      WHEN row_number() OVER (PARTITION BY f.return_id ORDER BY f.remainder DESC, f.line_no)
        <= f.amount - sum(f.floor_share) OVER (PARTITION BY f.return_id)
      THEN 1 ELSE 0
    END AS share
  FROM refund_floors AS f
),

-- Every fact goes to its row (the key groupBy picks) and to the overall scope (key NULL).
scopes AS (
  SELECT * FROM (VALUES ('row'), ('overall')) AS s (scope)
),
sold_facts AS (
  SELECT
    s.scope,
    CASE WHEN s.scope = 'overall' THEN NULL ELSE
      CASE p.group_by
        WHEN 'brand' THEN l.brand
        WHEN 'category' THEN l.category
        WHEN 'sku' THEN l.sku
        WHEN 'sellerId' THEN l.seller
      END
    END AS key,
    l.sold
  FROM sold_lines AS l
  CROSS JOIN params AS p
  CROSS JOIN scopes AS s
),
returned_facts AS (
  SELECT
    s.scope,
    CASE WHEN s.scope = 'overall' THEN NULL ELSE
      CASE p.group_by
        WHEN 'brand' THEN r.brand
        WHEN 'category' THEN r.category
        WHEN 'sku' THEN r.sku
        WHEN 'sellerId' THEN r.seller
        WHEN 'reason' THEN r.reason
      END
    END AS key,
    r.return_id,
    r.reason,
    r.units
  FROM returned_lines AS r
  CROSS JOIN params AS p
  CROSS JOIN scopes AS s
),
refund_facts AS (
  SELECT
    s.scope,
    CASE WHEN s.scope = 'overall' THEN NULL ELSE
      CASE p.group_by
        WHEN 'brand' THEN l.brand
        WHEN 'category' THEN l.category
        WHEN 'sku' THEN l.sku
        WHEN 'sellerId' THEN l.seller
        WHEN 'reason' THEN c.reason
      END
    END AS key,
    f.currency,
    f.share
  FROM refund_shares AS f
  INNER JOIN counted AS c ON c.return_id = f.return_id
  INNER JOIN sold_lines AS l ON l.order_id = c.order_id AND l.line_id = f.line_id
  CROSS JOIN params AS p
  CROSS JOIN scopes AS s
),
units AS (
  SELECT
    scope,
    key,
    sum(sold) AS units_sold,
    sum(CASE WHEN reason = 'quality_issue' THEN units ELSE 0 END) AS quality_issue,
    sum(CASE WHEN reason = 'not_as_described' THEN units ELSE 0 END) AS not_as_described,
    sum(CASE WHEN reason = 'wrong_item' THEN units ELSE 0 END) AS wrong_item,
    sum(CASE WHEN reason = 'damaged_in_transit' THEN units ELSE 0 END) AS damaged_in_transit,
    sum(CASE WHEN reason = 'no_longer_needed' THEN units ELSE 0 END) AS no_longer_needed,
    sum(CASE WHEN reason = 'size_or_fit' THEN units ELSE 0 END) AS size_or_fit,
    sum(CASE WHEN reason = 'other' THEN units ELSE 0 END) AS other
  FROM (
    SELECT scope, key, sold, CAST(NULL AS VARCHAR) AS reason, 0 AS units FROM sold_facts
    UNION ALL
    SELECT scope, key, 0 AS sold, reason, units FROM returned_facts
  ) AS facts
  WHERE scope = 'overall' OR key IS NOT NULL
  GROUP BY scope, key
),

-- Hours from a return's creation to its refund, over the refunded returns with a unit in the
-- row: the middle one or two values (in milliseconds), whose mean is the median.
refund_times AS (
  SELECT
    t.scope,
    t.key,
    date_diff('millisecond', from_iso8601_timestamp(c.created_at), from_iso8601_timestamp(f.paid_at)) AS ms
  FROM (SELECT DISTINCT scope, key, return_id FROM returned_facts) AS t
  INNER JOIN counted AS c ON c.return_id = t.return_id
  INNER JOIN refunds AS f ON f.return_id = t.return_id
  WHERE t.scope = 'overall' OR t.key IS NOT NULL
),
middles AS (
  SELECT scope, key, sum(ms) AS median_ms_sum, count(*) AS median_ms_count
  FROM (
    SELECT
      r.*,
      row_number() OVER (PARTITION BY r.scope, r.key ORDER BY r.ms) AS position,
      count(*) OVER (PARTITION BY r.scope, r.key) AS n
    FROM refund_times AS r
  ) AS ranked
  WHERE 2 * position IN (n, n + 1, n + 2)  -- the middle one (n odd) or two (n even)
  GROUP BY scope, key
)

SELECT
  'units' AS kind,
  u.scope,
  u.key,
  CAST(NULL AS VARCHAR) AS currency,
  u.units_sold,
  u.quality_issue,
  u.not_as_described,
  u.wrong_item,
  u.damaged_in_transit,
  u.no_longer_needed,
  u.size_or_fit,
  u.other,
  CAST(NULL AS BIGINT) AS refunded,
  m.median_ms_sum,
  m.median_ms_count
FROM units AS u
LEFT JOIN middles AS m ON m.scope = u.scope AND m.key IS NOT DISTINCT FROM u.key
UNION ALL
SELECT
  'refund' AS kind,
  scope,
  key,
  currency,
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  sum(share),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT)
FROM refund_facts
WHERE scope = 'overall' OR key IS NOT NULL
GROUP BY scope, key, currency

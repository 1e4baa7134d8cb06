-- Return analytics (contract section 9), computed from the raw records alone: the order
-- snapshots (`order_updates`, the latest version of an order wins), the returns' events
-- (`return_events`) and the completed cancellations (`cancellation_events`), each event counted
-- once however often it was delivered (deduplicated on eventId). The same text runs on Athena
-- (Trino) in AWS and on DuckDB locally; tests run it on DuckDB and parse it as Trino.
--
-- Parameters are bound by the engine, never pasted into the text: each placeholder is followed
-- by a comment naming it, and the runner passes the values in that order (analytics/query.py).
-- The functions outside the common subset are Trino's (cardinality, sequence,
-- from_iso8601_timestamp); the DuckDB engine defines them as macros, and makes `/` of two
-- integers an integer division as in Trino (used once: the floor of a refund's share).
--
-- How it stays fast on both: arrays of lines are unnested right where they are read, through a
-- column of their indexes (`idx`; Trino would expand an array of rows into one column per field
-- and DuckDB into one struct column, while both unnest a plain array column alike), and
-- everything after that is flat rows. An event's copies are flat rows that agree on everything,
-- its eventId included, so DISTINCT keeps one. max_by only ever takes values that are never
-- NULL (DuckDB's skips a NULL value where Trino's returns it).
--
-- The result has one row per key and one for the whole cohort (`overall` = 1, key NULL) of kind
-- 'units' (units sold, returned units per reason, the middle values of the times to refund), and
-- one per key and currency of kind 'refund'. Rates, medians, the flag and the special case of
-- groupBy=reason are shaped in Python with exact fractions (analytics/report.py).
WITH
-- Orders. Snapshots older than the day before the period cannot be the latest of an order
-- delivered in it, so older partitions are not read.
order_lines AS (
  SELECT
    s.record_id,
    s.order_id,
    s.seller,
    s.lines[i].lineId AS line_id,
    coalesce(s.lines[i].sku, '') AS sku,
    coalesce(s.lines[i].brand, '') AS brand,
    coalesce(s.lines[i].category, '') AS category,
    s.lines[i].quantity AS quantity
  FROM (
    SELECT
      o.id AS record_id,
      o.detail.orderId AS order_id,
      CASE
        WHEN o.detail.channel = 'POP' AND o.detail.sellerId IS NOT NULL THEN o.detail.sellerId
        ELSE 'platform'
      END AS seller,
      o.detail.lines AS lines,
      CASE WHEN cardinality(o.detail.lines) > 0 THEN sequence(1, cardinality(o.detail.lines)) END AS idx
    FROM order_updates AS o
    WHERE o.dt >= ? /*:records_from*/
  ) AS s
  CROSS JOIN UNNEST(s.idx) AS u (i)
),
-- The latest snapshot of each order: the record of its highest version (on a tie any one: they
-- are the same snapshot). The cohort: those delivered in the period (UTC dates).
latest_orders AS (
  SELECT
    o.detail.orderId AS order_id,
    max_by(o.id, o.detail.version) AS record_id,
    max_by(coalesce(o.detail.deliveredAt, ''), o.detail.version) AS delivered_at
  FROM order_updates AS o
  WHERE o.dt >= ? /*:records_from*/
  GROUP BY o.detail.orderId
),
cohort_records AS (
  SELECT l.order_id, l.record_id
  FROM latest_orders AS l
  -- The local date of an RFC 3339 time is within a day of its UTC date: a local date strictly
  -- inside the period is in it, one outside the period widened by a day is not, and only the
  -- days at its edges need the time converted.
  WHERE CASE
    WHEN substr(l.delivered_at, 1, 10) > ? /*:period_from*/ AND substr(l.delivered_at, 1, 10) < ? /*:period_to*/
      THEN true
    WHEN substr(l.delivered_at, 1, 10) BETWEEN ? /*:records_from*/ AND ? /*:day_after_period*/
      THEN CAST(from_iso8601_timestamp(l.delivered_at) AT TIME ZONE 'UTC' AS DATE)
        BETWEEN CAST(? /*:period_from*/ AS DATE) AND CAST(? /*:period_to*/ AS DATE)
    ELSE false
  END
),
-- Completed cancellations take their units out of what was sold. They happen before delivery,
-- at any time after the order was placed: every partition is read.
cancelled AS (
  SELECT c.order_id, c.line_id, sum(c.quantity) AS units
  FROM (
    SELECT DISTINCT s.event_key, s.order_id, i AS line_no, s.lines[i].lineId AS line_id, s.lines[i].quantity AS quantity
    FROM (
      SELECT
        coalesce(e.detail.eventId, e.id) AS event_key,
        e.detail.orderId AS order_id,
        e.detail.lines AS lines,
        CASE WHEN cardinality(e.detail.lines) > 0 THEN sequence(1, cardinality(e.detail.lines)) END AS idx
      FROM cancellation_events AS e
      WHERE e.detailType = 'Cancellation Completed'
    ) AS s
    CROSS JOIN UNNEST(s.idx) AS u (i)
  ) AS c
  GROUP BY c.order_id, c.line_id
),
sold_lines AS (
  SELECT
    l.order_id,
    l.seller,
    l.line_id,
    l.sku,
    l.brand,
    l.category,
    l.quantity - coalesce(x.units, 0) AS sold
  FROM order_lines AS l
  INNER JOIN cohort_records AS c ON c.record_id = l.record_id
  LEFT JOIN cancelled AS x ON x.order_id = l.order_id AND x.line_id = l.line_id
),

-- The returns' events. A return is made after delivery: older partitions are not read.
-- A return counts unless it ended REJECTED, CANCELLED, EXPIRED or RETURNED_TO_CUSTOMER: those
-- statuses are final, so any event that carries one settles it.
ended AS (
  SELECT DISTINCT e.detail.returnId AS return_id
  FROM return_events AS e
  WHERE e.dt >= ? /*:records_from*/
    AND e.detail.returnId IS NOT NULL
    AND e.detail.status IN ('REJECTED', 'CANCELLED', 'EXPIRED', 'RETURNED_TO_CUSTOMER')
),
requested_lines AS (
  SELECT DISTINCT
    s.event_key,
    s.return_id,
    s.order_id,
    s.reason,
    s.created_at,
    i AS line_no,
    s.lines[i].lineId AS line_id,
    s.lines[i].quantity AS quantity
  FROM (
    SELECT
      coalesce(e.detail.eventId, e.id) AS event_key,
      e.detail.returnId AS return_id,
      e.detail.orderId AS order_id,
      e.detail.reason AS reason,
      e.detail.createdAt AS created_at,
      e.detail.lines AS lines,
      CASE WHEN cardinality(e.detail.lines) > 0 THEN sequence(1, cardinality(e.detail.lines)) END AS idx
    FROM return_events AS e
    WHERE e.dt >= ? /*:records_from*/
      AND e.detailType = 'Return Requested'
      AND e.detail.returnId IS NOT NULL
  ) AS s
  CROSS JOIN UNNEST(s.idx) AS u (i)
),
counted AS (
  SELECT DISTINCT r.return_id, r.order_id, r.reason, r.created_at
  FROM requested_lines AS r
  LEFT JOIN ended AS x ON x.return_id = r.return_id
  WHERE x.return_id IS NULL
    AND r.order_id IN (SELECT order_id FROM cohort_records)
),
received_lines AS (
  SELECT DISTINCT s.event_key, s.return_id, i AS line_no, s.received[i].lineId AS line_id, s.received[i].quantity AS quantity
  FROM (
    SELECT
      coalesce(e.detail.eventId, e.id) AS event_key,
      e.detail.returnId AS return_id,
      e.detail.received AS received,
      CASE WHEN cardinality(e.detail.received) > 0 THEN sequence(1, cardinality(e.detail.received)) END AS idx
    FROM return_events AS e
    WHERE e.dt >= ? /*:records_from*/
      AND e.detailType = 'Return Received'
      AND e.detail.returnId IS NOT NULL
  ) AS s
  CROSS JOIN UNNEST(s.idx) AS u (i)
),
-- A return's units: what was received (every condition) once a receipt exists, else what was
-- asked for.
return_units AS (
  SELECT q.return_id, q.line_id, sum(q.quantity) AS units
  FROM (
    SELECT r.return_id, r.line_id, r.quantity
    FROM received_lines AS r
    UNION ALL
    SELECT a.return_id, a.line_id, a.quantity
    FROM requested_lines AS a
    LEFT JOIN (SELECT DISTINCT return_id FROM received_lines) AS r ON r.return_id = a.return_id
    WHERE r.return_id IS NULL
  ) AS q
  GROUP BY q.return_id, q.line_id
),
returned_lines AS (
  SELECT c.return_id, c.reason, r.units, l.line_id, l.sku, l.brand, l.category, l.seller
  FROM return_units AS r
  INNER JOIN counted AS c ON c.return_id = r.return_id
  INNER JOIN sold_lines AS l ON l.order_id = c.order_id AND l.line_id = r.line_id
  WHERE r.units > 0
),

-- Refunds of those returns, each split over the refund's lines in proportion to their
-- paidAmount by largest remainder, ties to the earlier line (equal weights if all are zero).
-- Amounts carry exactly the currency's minor digits, so dropping the point gives minor units.
refund_lines AS (
  SELECT DISTINCT
    s.event_key,
    s.return_id,
    s.currency,
    s.amount,
    s.paid_at,
    i AS line_no,
    s.lines[i].lineId AS line_id,
    CAST(replace(s.lines[i].paidAmount, '.', '') AS BIGINT) AS paid
  FROM (
    SELECT
      coalesce(e.detail.eventId, e.id) AS event_key,
      e.detail.returnId AS return_id,
      e.detail.currency AS currency,
      CAST(replace(e.detail.refundAmount, '.', '') AS BIGINT) AS amount,
      e.detail.paidAt AS paid_at,
      e.detail.lines AS lines,
      CASE WHEN cardinality(e.detail.lines) > 0 THEN sequence(1, cardinality(e.detail.lines)) END AS idx
    FROM return_events AS e
    WHERE e.dt >= ? /*:records_from*/
      AND e.detailType = 'Refund Issued'
      AND e.detail.returnId IS NOT NULL
  ) AS s
  CROSS JOIN UNNEST(s.idx) AS u (i)
),
refund_weights AS (
  SELECT
    r.*,
    sum(r.paid) OVER (PARTITION BY r.event_key) AS total_paid,
    count(*) OVER (PARTITION BY r.event_key) AS line_count
  FROM refund_lines AS r
),
refund_floors AS (
  SELECT
    q.event_key,
    q.return_id,
    q.currency,
    q.amount,
    q.line_no,
    q.line_id,
    q.amount * q.weight / q.total AS floor_share,
    mod(q.amount * q.weight, q.total) AS remainder
  FROM (
    SELECT
      w.*,
      CASE WHEN w.total_paid = 0 THEN 1 ELSE w.paid END AS weight,
      CASE WHEN w.total_paid = 0 THEN w.line_count ELSE w.total_paid END AS total
    FROM refund_weights AS w
  ) AS q
),
refund_shares AS (
  SELECT
    f.return_id,
    f.currency,
    f.line_id,
    f.floor_share + CASE
      WHEN row_number() OVER (PARTITION BY f.event_key ORDER BY f.remainder DESC, f.line_no)
        <= f.amount - sum(f.floor_share) OVER (PARTITION BY f.event_key)
      THEN 1 ELSE 0
    END AS share
  FROM refund_floors AS f
),

-- Every fact goes to its row (the key groupBy picks) and to the whole cohort.
unit_facts AS (
  SELECT
    CASE CAST(? /*:group_by*/ AS VARCHAR)
      WHEN 'brand' THEN l.brand
      WHEN 'category' THEN l.category
      WHEN 'sku' THEN l.sku
      WHEN 'sellerId' THEN l.seller
    END AS key,
    l.sold,
    CAST(NULL AS VARCHAR) AS reason,
    0 AS units
  FROM sold_lines AS l
  UNION ALL
  SELECT
    CASE CAST(? /*:group_by*/ AS VARCHAR)
      WHEN 'brand' THEN r.brand
      WHEN 'category' THEN r.category
      WHEN 'sku' THEN r.sku
      WHEN 'sellerId' THEN r.seller
      WHEN 'reason' THEN r.reason
    END AS key,
    0 AS sold,
    r.reason,
    r.units
  FROM returned_lines AS r
),
units AS (
  SELECT
    grouping(key) AS overall,
    key,
    sum(sold) AS units_sold,
    sum(CASE WHEN reason = 'quality_issue' THEN units ELSE 0 END) AS quality_issue,
    sum(CASE WHEN reason = 'not_as_described' THEN units ELSE 0 END) AS not_as_described,
    sum(CASE WHEN reason = 'wrong_item' THEN units ELSE 0 END) AS wrong_item,
    sum(CASE WHEN reason = 'damaged_in_transit' THEN units ELSE 0 END) AS damaged_in_transit,
    sum(CASE WHEN reason = 'no_longer_needed' THEN units ELSE 0 END) AS no_longer_needed,
    sum(CASE WHEN reason = 'size_or_fit' THEN units ELSE 0 END) AS size_or_fit,
    sum(CASE WHEN reason = 'other' THEN units ELSE 0 END) AS other
  FROM unit_facts
  GROUP BY GROUPING SETS ((key), ())
),
refunded AS (
  SELECT grouping(s.key) AS overall, s.key, s.currency, sum(s.share) AS amount
  FROM (
    SELECT
      CASE CAST(? /*:group_by*/ AS VARCHAR)
        WHEN 'brand' THEN l.brand
        WHEN 'category' THEN l.category
        WHEN 'sku' THEN l.sku
        WHEN 'sellerId' THEN l.seller
        WHEN 'reason' THEN c.reason
      END AS key,
      f.currency,
      f.share
    FROM refund_shares AS f
    INNER JOIN counted AS c ON c.return_id = f.return_id
    INNER JOIN sold_lines AS l ON l.order_id = c.order_id AND l.line_id = f.line_id
  ) AS s
  GROUP BY GROUPING SETS ((s.key, s.currency), (s.currency))
),

-- Time from a return's creation to its refund, over the refunded returns with a unit in the
-- row: the middle one or two values (in milliseconds), whose mean is the median.
refund_times AS (
  SELECT
    f.return_id,
    date_diff('millisecond', from_iso8601_timestamp(c.created_at), from_iso8601_timestamp(f.paid_at)) AS ms
  FROM (SELECT DISTINCT event_key, return_id, paid_at FROM refund_lines) AS f
  INNER JOIN counted AS c ON c.return_id = f.return_id
),
ranked_times AS (
  SELECT
    0 AS overall,
    k.key,
    t.ms,
    row_number() OVER (PARTITION BY k.key ORDER BY t.ms) AS position,
    count(*) OVER (PARTITION BY k.key) AS n
  FROM (
    SELECT DISTINCT
      r.return_id,
      CASE CAST(? /*:group_by*/ AS VARCHAR)
        WHEN 'brand' THEN r.brand
        WHEN 'category' THEN r.category
        WHEN 'sku' THEN r.sku
        WHEN 'sellerId' THEN r.seller
        WHEN 'reason' THEN r.reason
      END AS key
    FROM returned_lines AS r
  ) AS k
  INNER JOIN refund_times AS t ON t.return_id = k.return_id
  UNION ALL
  SELECT
    1 AS overall,
    CAST(NULL AS VARCHAR) AS key,
    t.ms,
    row_number() OVER (ORDER BY t.ms) AS position,
    count(*) OVER () AS n
  FROM refund_times AS t
),
middles AS (
  SELECT overall, key, sum(ms) AS median_ms_sum, count(*) AS median_ms_count
  FROM ranked_times
  WHERE 2 * position IN (n, n + 1, n + 2)  -- the middle one (n odd) or two (n even)
  GROUP BY overall, key
)

SELECT
  'units' AS kind,
  CASE WHEN u.overall = 1 THEN 'overall' ELSE 'row' END AS scope,
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
LEFT JOIN middles AS m ON m.overall = u.overall AND m.key IS NOT DISTINCT FROM u.key
WHERE u.overall = 1 OR u.key IS NOT NULL
UNION ALL
SELECT
  'refund' AS kind,
  CASE WHEN r.overall = 1 THEN 'overall' ELSE 'row' END AS scope,
  r.key,
  r.currency,
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT),
  r.amount,
  CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT)
FROM refunded AS r
WHERE r.overall = 1 OR r.key IS NOT NULL

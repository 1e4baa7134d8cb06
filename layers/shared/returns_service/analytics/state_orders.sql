-- Each order's latest snapshot as flat line rows (a snapshot without lines keeps one row,
-- line_no 0, so that it still supersedes the older versions delivered later): the state as of
-- the start of `state_date` (every record of an earlier day) merged with the raw snapshots of
-- the days from `raw_from` to before `raw_until` (for the query, the raw ones delivered from
-- `records_from` to `day_after_period` only). A raw snapshot wins over the state's when its
-- version is higher, or equal with a smaller record id (the order returns.sql has always used:
-- version descending, then id), so a copy of the state's own record delivered again changes
-- nothing. The daily compaction writes this SELECT's rows as the next state (state_date the
-- previous one, the raw records of the days since); returns.sql reads it with the state of the
-- latest compaction and the raw records since (analytics/compaction.py).
SELECT
  s.order_id, s.version, s.id, s.delivered_at, s.seller, s.line_no, s.line_id, s.sku, s.brand,
  s.category, s.quantity
FROM (
  SELECT s.*
  FROM order_state AS s
  WHERE s.state_date = ? /*:state_date*/
) AS s
LEFT JOIN (
  -- the state's orders a raw snapshot supersedes
  SELECT r.order_id
  FROM (
    SELECT
      o.id,
      o.detail.orderId AS order_id,
      o.detail.version AS version,
      row_number() OVER (PARTITION BY o.detail.orderId ORDER BY o.detail.version DESC, o.id) AS recency
    FROM order_updates AS o
    WHERE o.dt >= ? /*:raw_from*/ AND o.dt < ? /*:raw_until*/
  ) AS r
  INNER JOIN (
    SELECT s.order_id, s.version, s.id
    FROM order_state AS s
    WHERE s.state_date = ? /*:state_date*/ AND s.line_no <= 1
  ) AS s ON s.order_id = r.order_id
  WHERE r.recency = 1 AND (r.version > s.version OR (r.version = s.version AND r.id < s.id))
) AS w ON w.order_id = s.order_id
WHERE w.order_id IS NULL
UNION ALL
SELECT
  o.order_id,
  o.version,
  o.id,
  o.delivered_at,
  o.seller,
  u.i AS line_no,
  CASE WHEN u.i > 0 THEN o.lines[u.i].lineId END AS line_id,
  CASE WHEN u.i > 0 THEN o.lines[u.i].sku END AS sku,
  CASE WHEN u.i > 0 THEN o.lines[u.i].brand END AS brand,
  CASE WHEN u.i > 0 THEN o.lines[u.i].category END AS category,
  CASE WHEN u.i > 0 THEN o.lines[u.i].quantity END AS quantity
FROM (
  -- the latest raw snapshot of each order, unless the state's is later
  SELECT r.*
  FROM (
    SELECT
      o.id,
      o.detail.orderId AS order_id,
      o.detail.version AS version,
      CASE
        WHEN o.detail.channel = 'POP' AND o.detail.sellerId IS NOT NULL THEN o.detail.sellerId
        ELSE 'platform'
      END AS seller,
      coalesce(o.detail.deliveredAt, '') AS delivered_at,
      o.detail.lines AS lines,
      CASE
        WHEN cardinality(o.detail.lines) > 0 THEN sequence(1, cardinality(o.detail.lines))
        ELSE ARRAY[CAST(0 AS BIGINT)]
      END AS idx,
      row_number() OVER (PARTITION BY o.detail.orderId ORDER BY o.detail.version DESC, o.id) AS recency
    FROM order_updates AS o
    WHERE o.dt >= ? /*:raw_from*/ AND o.dt < ? /*:raw_until*/
  ) AS r
  LEFT JOIN (
    SELECT s.order_id, s.version, s.id
    FROM order_state AS s
    WHERE s.state_date = ? /*:state_date*/ AND s.line_no <= 1
  ) AS s ON s.order_id = r.order_id
  WHERE r.recency = 1 AND (s.order_id IS NULL OR r.version > s.version OR (r.version = s.version AND r.id < s.id))
    -- The query needs only the cohort's orders (delivered within a day of its period, the
    -- widest test returns.sql applies), so it drops the others before their lines are
    -- unnested; the compaction keeps every order (orders = 'every').
    AND (
      CAST(? /*:orders*/ AS VARCHAR) = 'every'
      OR substr(r.delivered_at, 1, 10) BETWEEN ? /*:records_from*/ AND ? /*:day_after_period*/
    )
) AS o
CROSS JOIN UNNEST(o.idx) AS u (i)

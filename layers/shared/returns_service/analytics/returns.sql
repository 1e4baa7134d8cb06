-- Return analytics (contract section 9): the order snapshots (`order_updates`, the latest version
-- of an order wins), the returns' events (`return_events`) and the completed cancellations
-- (`cancellation_events`), each event counted once however often it was delivered (deduplicated
-- on eventId). Once a day the compaction (analytics/compaction.py) writes the resolved state as
-- of the start of that day: each order's latest lines, where each return stands, each event's
-- lines (state_orders.sql, state_returns.sql, state_event_lines.sql, the same SELECTs this query
-- includes where it says `include`). The query reads the latest state (`state_date`) and merges
-- it with the raw records since (`raw_from`: the state's day, or the day before the period if
-- that is later), with the same SELECTs; with no state yet (a fresh stack) the state tables are
-- empty and every figure comes from the raw records alone. The figures are the same either way
-- (tests/analytics/test_state.py). The same text runs on Athena (Trino) in AWS and on DuckDB
-- locally; tests run it on DuckDB and parse it as Trino.
--
-- Parameters are bound by the engine, never pasted into the text: each placeholder is followed
-- by a comment naming it, and the runner passes the values in that order (analytics/query.py).
-- The functions outside the common subset are Trino's (cardinality, sequence,
-- from_iso8601_timestamp); the DuckDB engine defines them as macros, and makes `/` of two
-- integers an integer division as in Trino (the floor of a refund's share, the middle of a list).
--
-- How it stays cheap on both. Trino (Athena) does not materialise WITH queries: it inlines one
-- wherever it is named, and each inlined copy reads its tables again (and Athena bills every
-- read). sold_lines is named twice, so order_updates is read four times (its two halves read the
-- raw days since the state only), order_state six times, cancellation_events twice;
-- return_events three times (the raw days since the state), return_state once, event_line_state
-- twice (tests/analytics/test_sql.py holds these counts). The state is Parquet, read by column.
-- A window's sum is cast to BIGINT: Trino's sum of bigints is a bigint already, DuckDB's a
-- HUGEINT (128 bits), whose division and remainder in the refund split cost it about 7 %.
-- Arrays of lines are unnested right where they are read, through a column of their indexes
-- (`idx`; Trino would expand an array of rows into one column per field and DuckDB into one
-- struct column, while both unnest a plain array column alike), and a snapshot is picked (its
-- order's latest) before its lines are unnested. An event's copies agree on everything, so
-- grouping its lines on (eventId, position) keeps one copy; max and max_by need no
-- deduplication and only ever take values that are never NULL where it matters (DuckDB's max_by
-- skips a NULL value where Trino's returns it). No window runs over more than the raw days'
-- snapshots and refunds' lines.
--
-- The result has one row per key and one for the whole cohort (scope 'overall', key NULL) of kind
-- 'units' (units sold, returned units per reason, the middle values of the times to refund), and
-- one per key and currency of kind 'refund'. Rates, medians, the flag and the special case of
-- groupBy=reason are shaped in Python with exact fractions (analytics/report.py).
WITH
-- The cohort's lines: each order's latest lines delivered in the period (UTC dates), less the
-- units of completed cancellations, each line with the key groupBy picks (NULL for
-- groupBy=reason). Cancellations happen before delivery, at any time after the order was placed:
-- every partition of theirs is read (they are few).
sold_lines AS (
  SELECT
    s.order_id,
    s.line_no,
    s.line_id,
    CASE CAST(? /*:group_by*/ AS VARCHAR)
      WHEN 'brand' THEN coalesce(s.brand, '')
      WHEN 'category' THEN coalesce(s.category, '')
      WHEN 'sku' THEN coalesce(s.sku, '')
      WHEN 'sellerId' THEN s.seller
    END AS key,
    s.quantity - coalesce(x.units, 0) AS sold
  FROM (
    /*include state_orders.sql*/
  ) AS s
  LEFT JOIN (
    SELECT c.order_id, c.line_id, sum(c.quantity) AS units
    FROM (
      SELECT DISTINCT s.event_key, s.order_id, u.i AS line_no, s.lines[u.i].lineId AS line_id, s.lines[u.i].quantity AS quantity
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
  ) AS x ON x.order_id = s.order_id AND x.line_id = s.line_id
  -- The local date of an RFC 3339 time is within a day of its UTC date: a local date strictly
  -- inside the period is in it, one outside the period widened by a day is not, and only the
  -- days at its edges need the time converted. A snapshot without lines (line_no 0) is dropped
  -- where the units are counted (figures), not here: DuckDB pushes a filter on the unnested
  -- index into the unnest, which turns it into a correlated (DELIM) join about twice as costly
  -- (no line of it has a line_id, so it meets no return's line).
  WHERE CASE
      WHEN substr(s.delivered_at, 1, 10) > ? /*:period_from*/ AND substr(s.delivered_at, 1, 10) < ? /*:period_to*/
        THEN true
      WHEN substr(s.delivered_at, 1, 10) BETWEEN ? /*:records_from*/ AND ? /*:day_after_period*/
        THEN CAST(from_iso8601_timestamp(s.delivered_at) AT TIME ZONE 'UTC' AS DATE)
          BETWEEN CAST(? /*:period_from*/ AS DATE) AND CAST(? /*:period_to*/ AS DATE)
      ELSE false
    END
),
-- The returns that count: not ended, with a Return Requested; the hours to refund in ms.
returns_state AS (
  SELECT
    r.return_id,
    r.order_id,
    r.reason,
    r.received,
    date_diff('millisecond', from_iso8601_timestamp(r.created_at), from_iso8601_timestamp(r.paid_at)) AS ms
  FROM (
    /*include state_returns.sql*/
  ) AS r
  WHERE r.ended = 0 AND r.order_id IS NOT NULL
),
-- Each event's lines, once (kind 1 asked for, 2 received, 3 a refund's share).
event_lines AS (
  /*include state_event_lines.sql*/
),
-- Each counted return's part of each row its lines fall in (a line of the cohort): its units
-- (what was received once a receipt exists, else what was asked for), its refund's shares, and
-- the hours to refund (for a row: those of a return with a unit in it; for the whole cohort: one
-- per refund, carried by the refund's first line).
keyed AS (
  SELECT
    f.return_id,
    f.key,
    arbitrary(f.reason) AS reason,
    f.refund,
    f.currency,
    sum(f.units) AS units,
    sum(f.share) AS share,
    max(f.ms) AS ms,
    max(CASE WHEN f.first_line = 1 THEN f.ms END) AS first_line_ms
  FROM (
    SELECT
      e.return_id,
      e.refund,
      CASE CAST(? /*:group_by*/ AS VARCHAR) WHEN 'reason' THEN e.reason ELSE l.key END AS key,
      e.reason,
      e.units,
      e.currency,
      e.share,
      e.ms,
      e.first_line
    FROM (
      -- The counted returns' lines, added up per return, line and kind before they meet the
      -- cohort's lines: the grouping keeps a planner from joining the event lines to the
      -- cohort's on the line id alone (every order has an L1), a product of millions.
      SELECT
        e.return_id,
        r.order_id,
        e.line_id,
        CASE WHEN e.kind = 3 THEN 1 ELSE 0 END AS refund,
        e.currency,
        arbitrary(r.reason) AS reason,
        arbitrary(r.ms) AS ms,
        sum(e.units) AS units,
        sum(e.share) AS share,
        max(CASE WHEN e.line_no = 1 THEN 1 ELSE 0 END) AS first_line
      FROM event_lines AS e
      INNER JOIN returns_state AS r ON r.return_id = e.return_id
      WHERE e.kind = 3 OR e.kind = 2 OR (e.kind = 1 AND r.received = 0)
      GROUP BY e.return_id, r.order_id, e.line_id, CASE WHEN e.kind = 3 THEN 1 ELSE 0 END, e.currency
    ) AS e
    INNER JOIN sold_lines AS l ON l.order_id = e.order_id AND l.line_id = e.line_id
  ) AS f
  GROUP BY f.return_id, f.key, f.refund, f.currency
),
-- Every figure in one aggregation: units per key and overall, refunds per key and currency and
-- per currency; the times to refund are collected, sorted, and their middle one or two picked.
figures AS (
  SELECT
    grouping(t.key) AS overall,
    1 - grouping(t.currency) AS by_currency,
    t.key,
    t.currency,
    sum(t.unit_row) AS unit_rows,
    sum(t.refund_row) AS refund_rows,
    sum(t.sold) AS units_sold,
    sum(CASE WHEN t.reason = 'quality_issue' THEN t.units ELSE 0 END) AS quality_issue,
    sum(CASE WHEN t.reason = 'not_as_described' THEN t.units ELSE 0 END) AS not_as_described,
    sum(CASE WHEN t.reason = 'wrong_item' THEN t.units ELSE 0 END) AS wrong_item,
    sum(CASE WHEN t.reason = 'damaged_in_transit' THEN t.units ELSE 0 END) AS damaged_in_transit,
    sum(CASE WHEN t.reason = 'no_longer_needed' THEN t.units ELSE 0 END) AS no_longer_needed,
    sum(CASE WHEN t.reason = 'size_or_fit' THEN t.units ELSE 0 END) AS size_or_fit,
    sum(CASE WHEN t.reason = 'other' THEN t.units ELSE 0 END) AS other,
    sum(t.share) AS refunded,
    array_agg(t.key_ms) FILTER (WHERE t.key_ms IS NOT NULL) AS key_times,
    array_agg(t.all_ms) FILTER (WHERE t.all_ms IS NOT NULL) AS all_times
  FROM (
    SELECT
      l.key,
      CAST(NULL AS VARCHAR) AS currency,
      1 AS unit_row,
      0 AS refund_row,
      sum(l.sold) AS sold,
      CAST(NULL AS VARCHAR) AS reason,
      0 AS units,
      CAST(NULL AS BIGINT) AS share,
      CAST(NULL AS BIGINT) AS key_ms,
      CAST(NULL AS BIGINT) AS all_ms
    FROM sold_lines AS l
    WHERE l.line_no > 0
    GROUP BY l.key
    UNION ALL
    SELECT
      k.key,
      k.currency,
      CASE WHEN k.refund = 0 AND k.units > 0 THEN 1 ELSE 0 END AS unit_row,
      k.refund AS refund_row,
      0 AS sold,
      k.reason,
      k.units,
      k.share,
      CASE WHEN k.refund = 0 AND k.units > 0 THEN k.ms END AS key_ms,
      CASE WHEN k.refund = 1 THEN k.first_line_ms END AS all_ms
    FROM keyed AS k
  ) AS t
  GROUP BY GROUPING SETS ((t.key), (), (t.key, t.currency), (t.currency))
)

SELECT
  CASE WHEN f.by_currency = 0 THEN 'units' ELSE 'refund' END AS kind,
  CASE WHEN f.overall = 1 THEN 'overall' ELSE 'row' END AS scope,
  f.key,
  f.currency,
  CASE WHEN f.by_currency = 0 THEN f.units_sold END AS units_sold,
  CASE WHEN f.by_currency = 0 THEN f.quality_issue END AS quality_issue,
  CASE WHEN f.by_currency = 0 THEN f.not_as_described END AS not_as_described,
  CASE WHEN f.by_currency = 0 THEN f.wrong_item END AS wrong_item,
  CASE WHEN f.by_currency = 0 THEN f.damaged_in_transit END AS damaged_in_transit,
  CASE WHEN f.by_currency = 0 THEN f.no_longer_needed END AS no_longer_needed,
  CASE WHEN f.by_currency = 0 THEN f.size_or_fit END AS size_or_fit,
  CASE WHEN f.by_currency = 0 THEN f.other END AS other,
  CASE WHEN f.by_currency = 1 THEN f.refunded END AS refunded,
  CASE
    WHEN f.by_currency = 1 THEN NULL
    WHEN cardinality(f.times) % 2 = 1 THEN f.times[(cardinality(f.times) + 1) / 2]
    WHEN cardinality(f.times) % 2 = 0 THEN f.times[cardinality(f.times) / 2] + f.times[cardinality(f.times) / 2 + 1]
  END AS median_ms_sum,
  CASE
    WHEN f.by_currency = 1 THEN NULL
    WHEN cardinality(f.times) % 2 = 1 THEN 1
    WHEN cardinality(f.times) % 2 = 0 THEN 2
  END AS median_ms_count
FROM (
  SELECT f.*, array_sort(CASE WHEN f.overall = 1 THEN f.all_times ELSE f.key_times END) AS times
  FROM figures AS f
) AS f
WHERE (f.overall = 1 OR f.key IS NOT NULL)
  AND CASE WHEN f.by_currency = 0 THEN f.overall = 1 OR f.unit_rows > 0 ELSE f.refund_rows > 0 END

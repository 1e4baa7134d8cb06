-- The lines of the returns' events, each event once: the units asked for (kind 1) and received
-- (kind 2), and each refund (kind 3) split over its lines in proportion to their paidAmount by
-- largest remainder, ties to the earlier line (equal weights if all are zero). Amounts carry
-- exactly the currency's minor digits, so dropping the point gives minor units. An event is
-- complete in itself, so its lines are final once computed: the state's lines as of
-- `state_date`, and those of the raw events of the days from `raw_from` to before `raw_until`
-- whose event (eventId, position) the state does not hold (a copy delivered after the boundary
-- counts once). See state_orders.sql.
SELECT s.event_key, s.line_no, s.return_id, s.kind, s.line_id, s.units, s.currency, s.share
FROM event_line_state AS s
WHERE s.state_date = ? /*:state_date*/
UNION ALL
SELECT n.event_key, n.line_no, n.return_id, n.kind, n.line_id, n.units, n.currency, n.share
FROM (
  SELECT
    s.event_key,
    u.i AS line_no,
    arbitrary(s.return_id) AS return_id,
    CAST(arbitrary(s.kind) AS BIGINT) AS kind,
    arbitrary(CASE s.kind WHEN 2 THEN s.received[u.i].lineId ELSE s.lines[u.i].lineId END) AS line_id,
    arbitrary(CASE s.kind WHEN 2 THEN s.received[u.i].quantity ELSE s.lines[u.i].quantity END) AS units,
    CAST(NULL AS VARCHAR) AS currency,
    CAST(NULL AS BIGINT) AS share
  FROM (
    SELECT
      coalesce(e.detail.eventId, e.id) AS event_key,
      CASE e.detailType WHEN 'Return Requested' THEN 1 ELSE 2 END AS kind,
      e.detail.returnId AS return_id,
      e.detail.lines AS lines,
      e.detail.received AS received,
      CASE
        WHEN e.detailType = 'Return Received' AND cardinality(e.detail.received) > 0 THEN sequence(1, cardinality(e.detail.received))
        WHEN e.detailType = 'Return Requested' AND cardinality(e.detail.lines) > 0 THEN sequence(1, cardinality(e.detail.lines))
      END AS idx
    FROM return_events AS e
    WHERE e.dt >= ? /*:raw_from*/ AND e.dt < ? /*:raw_until*/ AND e.detail.returnId IS NOT NULL AND e.detailType IN ('Return Requested', 'Return Received')
  ) AS s
  CROSS JOIN UNNEST(s.idx) AS u (i)
  GROUP BY s.event_key, u.i
  UNION ALL
  SELECT
    f.event_key,
    f.line_no,
    f.return_id,
    CAST(3 AS BIGINT) AS kind,
    f.line_id,
    CAST(0 AS BIGINT) AS units,
    f.currency,
    CAST(f.floor_share + CASE
      WHEN row_number() OVER (PARTITION BY f.event_key ORDER BY f.remainder DESC, f.line_no)
        <= f.amount - CAST(sum(f.floor_share) OVER (PARTITION BY f.event_key) AS BIGINT)
      THEN 1 ELSE 0
    END AS BIGINT) AS share
  FROM (
    SELECT
      w.*,
      w.amount * w.weight / w.total AS floor_share,
      mod(w.amount * w.weight, w.total) AS remainder
    FROM (
      SELECT
        r.*,
        CASE WHEN r.total_paid = 0 THEN 1 ELSE r.paid END AS weight,
        CASE WHEN r.total_paid = 0 THEN r.line_count ELSE r.total_paid END AS total
      FROM (
        SELECT
          r.*,
          CAST(sum(r.paid) OVER (PARTITION BY r.event_key) AS BIGINT) AS total_paid,
          count(*) OVER (PARTITION BY r.event_key) AS line_count
        FROM (
          SELECT
            s.event_key,
            u.i AS line_no,
            arbitrary(s.return_id) AS return_id,
            arbitrary(s.currency) AS currency,
            arbitrary(s.amount) AS amount,
            arbitrary(s.lines[u.i].lineId) AS line_id,
            arbitrary(CAST(replace(s.lines[u.i].paidAmount, '.', '') AS BIGINT)) AS paid
          FROM (
            SELECT
              coalesce(e.detail.eventId, e.id) AS event_key,
              e.detail.returnId AS return_id,
              e.detail.currency AS currency,
              CAST(replace(e.detail.refundAmount, '.', '') AS BIGINT) AS amount,
              e.detail.lines AS lines,
              CASE WHEN cardinality(e.detail.lines) > 0 THEN sequence(1, cardinality(e.detail.lines)) END AS idx
            FROM return_events AS e
            WHERE e.dt >= ? /*:raw_from*/ AND e.dt < ? /*:raw_until*/ AND e.detail.returnId IS NOT NULL AND e.detailType = 'Refund Issued'
          ) AS s
          CROSS JOIN UNNEST(s.idx) AS u (i)
          GROUP BY s.event_key, u.i
        ) AS r
      ) AS r
    ) AS w
  ) AS f
) AS n
LEFT JOIN (
  SELECT k.event_key, k.line_no
  FROM event_line_state AS k
  WHERE k.state_date = ? /*:state_date*/
) AS k ON k.event_key = n.event_key AND k.line_no = n.line_no
WHERE k.event_key IS NULL

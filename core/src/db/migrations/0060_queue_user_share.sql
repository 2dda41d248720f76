-- Fair shares between users inside one queue.  A queue listed in
-- queue_user_share runs at most N jobs of one user at once, N being the
-- user's plan feature `feature` (an integer) or `default_limit` when the
-- plan does not set it.  The workflows queue is listed, with the plan
-- feature workflow_concurrency (default 1): one user's slow runs cannot
-- hold every worker while another user's run waits.
CREATE TABLE queue_user_share (
    queue         text PRIMARY KEY,
    feature       text NOT NULL,
    default_limit integer NOT NULL,
    CONSTRAINT queue_user_share_default CHECK (default_limit >= 1)
);

INSERT INTO queue_user_share (queue, feature, default_limit)
VALUES ('workflows', 'workflow_concurrency', 1);

UPDATE plans SET features = features || '{"workflow_concurrency":2}'
WHERE name = 'Career Pro' AND NOT features ? 'workflow_concurrency';

-- The share of p_user in p_queue: the current plan's feature (an active,
-- past-due or trialing subscription), else the queue's default.
CREATE FUNCTION queue_user_share_limit(p_queue text, p_user bigint)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT greatest(1, coalesce(
        (SELECT CASE WHEN jsonb_typeof(p.features -> s.feature) = 'number'
                     THEN (p.features ->> s.feature)::numeric::integer END
         FROM subscriptions sub JOIN plans p ON p.id = sub.plan_id
         WHERE sub.user_id = p_user
           AND sub.status IN ('active', 'past_due', 'trialing')
         ORDER BY sub.id DESC LIMIT 1),
        s.default_limit))
    FROM queue_user_share s WHERE s.queue = p_queue
$$;

-- queue_claim of 0021 plus the shares: a candidate of a shared queue is
-- picked only while its user's running jobs in that queue, plus the
-- user's candidates ranked before it in the same queue, stay under the
-- share.
CREATE OR REPLACE FUNCTION queue_claim(
    p_worker text, p_now_ms bigint, p_queues text[], p_max integer,
    p_scan integer, p_per_user integer, p_limit_names text[],
    p_limit_values integer[])
RETURNS TABLE (id bigint, kind text, queue text, user_id bigint,
               payload text, attempts integer, max_attempts integer,
               timeout_ms bigint, priority integer, run_at_ms bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_now timestamptz := to_timestamp(p_now_ms / 1000.0);
    v_paused text[];
    v_busy bigint[];
    v_full text[];
BEGIN
    -- "hawkclm" in ASCII; also used by nothing else
    PERFORM pg_advisory_xact_lock(29400447574502765);
    SELECT coalesce(array_agg(p.queue), '{}') INTO v_paused
        FROM queue_paused p;
    IF p_per_user > 0 THEN
        SELECT coalesce(array_agg(b.user_id), '{}') INTO v_busy
        FROM (SELECT r.user_id FROM queue_jobs r
              WHERE r.state = 'running' AND r.user_id IS NOT NULL
              GROUP BY r.user_id HAVING count(*) >= p_per_user) b;
    ELSE
        v_busy := '{}';
    END IF;
    -- (user, queue) pairs at their share already: left out of the scan,
    -- so one user's backlog cannot fill the scan window.
    SELECT coalesce(array_agg(f.user_id::text || ':' || f.queue), '{}')
        INTO v_full
    FROM (SELECT r.user_id, r.queue, count(*) AS n
          FROM queue_jobs r JOIN queue_user_share s ON s.queue = r.queue
          WHERE r.state = 'running' AND r.user_id IS NOT NULL
          GROUP BY r.user_id, r.queue) f
    WHERE f.n >= queue_user_share_limit(f.queue, f.user_id);
    RETURN QUERY
    WITH cand AS (
        SELECT j.id, j.queue, j.user_id, j.priority, j.run_at
        FROM queue_jobs j
        WHERE j.state = 'queued'
          AND j.run_at <= v_now
          AND (p_queues IS NULL OR j.queue = ANY (p_queues))
          AND NOT (j.queue = ANY (v_paused))
          AND (j.user_id IS NULL OR NOT (j.user_id = ANY (v_busy)))
          AND (j.user_id IS NULL
               OR NOT ((j.user_id::text || ':' || j.queue) = ANY (v_full)))
        ORDER BY j.priority DESC, j.run_at, j.id
        LIMIT p_scan
        FOR UPDATE SKIP LOCKED
    ), ranked AS (
        SELECT c.*,
            row_number() OVER (PARTITION BY c.user_id
                ORDER BY c.priority DESC, c.run_at, c.id) AS urank,
            row_number() OVER (PARTITION BY c.queue
                ORDER BY c.priority DESC, c.run_at, c.id) AS qrank,
            row_number() OVER (PARTITION BY c.user_id, c.queue
                ORDER BY c.priority DESC, c.run_at, c.id) AS uqrank
        FROM cand c
    ), qlim AS (
        SELECT l.name, l.lim,
            (SELECT count(*) FROM queue_jobs r
             WHERE r.state = 'running' AND r.queue = l.name) AS running
        FROM unnest(p_limit_names, p_limit_values) AS l(name, lim)
    ), ushare AS (
        SELECT DISTINCT r.user_id, r.queue,
            queue_user_share_limit(r.queue, r.user_id) AS lim,
            (SELECT count(*) FROM queue_jobs x
             WHERE x.state = 'running' AND x.queue = r.queue
               AND x.user_id = r.user_id) AS running
        FROM ranked r JOIN queue_user_share s ON s.queue = r.queue
        WHERE r.user_id IS NOT NULL
    ), picked AS (
        SELECT r.id FROM ranked r LEFT JOIN qlim q ON q.name = r.queue
            LEFT JOIN ushare sh ON sh.user_id = r.user_id
                              AND sh.queue = r.queue
        WHERE (r.user_id IS NULL OR p_per_user <= 0
               OR r.urank + (SELECT count(*) FROM queue_jobs x
                             WHERE x.state = 'running'
                               AND x.user_id = r.user_id) <= p_per_user)
          AND (q.name IS NULL OR r.qrank + q.running <= q.lim)
          AND (sh.queue IS NULL OR r.uqrank + sh.running <= sh.lim)
        ORDER BY r.priority DESC, r.run_at, r.id
        LIMIT p_max
    )
    UPDATE queue_jobs j SET state = 'running', attempts = j.attempts + 1,
        started_at = v_now, heartbeat_at = v_now, worker = p_worker,
        progress = 0, progress_message = NULL
    FROM picked WHERE j.id = picked.id
    RETURNING j.id, j.kind, j.queue, j.user_id, j.payload::text, j.attempts,
        j.max_attempts, j.timeout_ms, j.priority,
        (extract(epoch FROM j.run_at) * 1000)::bigint;
END
$$;

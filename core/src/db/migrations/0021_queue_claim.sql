-- 0021_queue_claim: claiming jobs in one round trip.
--
-- queue_claim() takes the transaction-level claim lock, reads the paused
-- queues, and claims up to p_max runnable jobs, all inside the caller's
-- single statement.  Being VOLATILE, each statement in it runs with a
-- fresh snapshot, so the running counts read after the lock include every
-- claim committed before it: per-user and per-queue limits hold exactly
-- across all workers on all nodes.
--
-- Order: priority DESC, run_at, id.  Users already at p_per_user running
-- jobs are skipped before the scan (so one user's backlog cannot hide
-- everyone else's jobs); within the batch, row ranks keep each user and
-- each limited queue under its limit.  p_scan bounds how far past skipped
-- jobs the scan looks.
CREATE FUNCTION queue_claim(
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
    RETURN QUERY
    WITH cand AS (
        SELECT j.id, j.queue, j.user_id, j.priority, j.run_at
        FROM queue_jobs j
        WHERE j.state = 'queued'
          AND j.run_at <= v_now
          AND (p_queues IS NULL OR j.queue = ANY (p_queues))
          AND NOT (j.queue = ANY (v_paused))
          AND (j.user_id IS NULL OR NOT (j.user_id = ANY (v_busy)))
        ORDER BY j.priority DESC, j.run_at, j.id
        LIMIT p_scan
        FOR UPDATE SKIP LOCKED
    ), ranked AS (
        SELECT c.*,
            row_number() OVER (PARTITION BY c.user_id
                ORDER BY c.priority DESC, c.run_at, c.id) AS urank,
            row_number() OVER (PARTITION BY c.queue
                ORDER BY c.priority DESC, c.run_at, c.id) AS qrank
        FROM cand c
    ), qlim AS (
        SELECT l.name, l.lim,
            (SELECT count(*) FROM queue_jobs r
             WHERE r.state = 'running' AND r.queue = l.name) AS running
        FROM unnest(p_limit_names, p_limit_values) AS l(name, lim)
    ), picked AS (
        SELECT r.id FROM ranked r LEFT JOIN qlim q ON q.name = r.queue
        WHERE (r.user_id IS NULL OR p_per_user <= 0
               OR r.urank + (SELECT count(*) FROM queue_jobs x
                             WHERE x.state = 'running'
                               AND x.user_id = r.user_id) <= p_per_user)
          AND (q.name IS NULL OR r.qrank + q.running <= q.lim)
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

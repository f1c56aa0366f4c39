-- v_feed_health: one row per configured feed, so a missing outlet is noticed the next morning.
-- last_failure_* come from the feed row when its last check failed, else from the latest
-- rejection recorded against the feed URL. Articles are counted through feed_entries (the
-- entries a feed produced); "nights" are calendar dates in Asia/Kolkata (the nightly run's zone).
-- stale: no success in the last 36 hours (or never), i.e. last night's run got nothing from it;
-- never for a retired feed (feed_retirements), which keeps its history and stops alarming.
CREATE OR REPLACE VIEW v_feed_health AS
WITH feed_articles AS (
    SELECT fe.feed_url, a.article_id, a.fetched_at, a.first_run_id,
           CAST(timezone('Asia/Kolkata', a.fetched_at) AS DATE) AS night
    FROM feed_entries fe
    JOIN articles a ON a.article_id = fe.article_id
),
last_run AS (
    SELECT run_id FROM ingest_runs ORDER BY started_at DESC LIMIT 1
),
counts AS (
    SELECT feed_url,
           count(DISTINCT article_id) AS articles_total,
           count(DISTINCT article_id) FILTER (WHERE first_run_id IN (SELECT run_id FROM last_run))
               AS articles_last_run,
           count(DISTINCT article_id) FILTER (WHERE fetched_at >= now() - INTERVAL 24 HOUR)
               AS articles_24h,
           count(DISTINCT article_id) FILTER (WHERE fetched_at >= now() - INTERVAL 7 DAY)
               AS articles_7d,
           max(fetched_at) AS last_article_at
    FROM feed_articles
    GROUP BY feed_url
),
per_night AS (
    SELECT feed_url, list({'night': night, 'articles': n} ORDER BY night DESC) AS nights
    FROM (
        SELECT feed_url, night, count(DISTINCT article_id) AS n
        FROM feed_articles
        WHERE night >= CAST(timezone('Asia/Kolkata', now()) AS DATE) - INTERVAL 7 DAY
        GROUP BY feed_url, night
    )
    GROUP BY feed_url
),
last_rejection AS (
    SELECT source_ref AS feed_url,
           arg_max("at", "at") AS rejected_at,
           arg_max(reason || coalesce(': ' || detail, ''), "at") AS rejected_reason
    FROM rejections
    GROUP BY source_ref
)
SELECT
    f.feed_url,
    coalesce(f.name, f.outlet, f.feed_url) AS feed,
    f.outlet,
    f.country,
    f.last_status,
    f.last_http_status,
    f.last_checked_at,
    f.last_success_at,
    CASE
        WHEN f.last_status IS NOT NULL AND f.last_status NOT IN ('ok', 'not_modified', 'unchanged')
            THEN greatest(f.last_checked_at, r.rejected_at)
        ELSE r.rejected_at
    END AS last_failure_at,
    CASE
        WHEN f.last_status IS NOT NULL AND f.last_status NOT IN ('ok', 'not_modified', 'unchanged')
            THEN f.last_status
                 || coalesce(' ' || CAST(f.last_http_status AS VARCHAR), '')
                 || coalesce(': ' || f.last_note, '')
        ELSE r.rejected_reason
    END AS last_failure_reason,
    coalesce(f.consecutive_failures, 0) AS consecutive_failures,
    f.next_check_at,
    coalesce(c.articles_total, 0) AS articles_total,
    coalesce(c.articles_last_run, 0) AS articles_last_run,
    coalesce(c.articles_24h, 0) AS articles_24h,
    coalesce(c.articles_7d, 0) AS articles_7d,
    c.last_article_at,
    coalesce(n.nights, []) AS nights,
    rt.feed_url IS NOT NULL AS retired,
    rt.retired_at,
    rt.feed_url IS NULL
        AND (f.last_success_at IS NULL OR f.last_success_at < now() - INTERVAL 36 HOUR) AS stale
FROM feeds f
LEFT JOIN counts c USING (feed_url)
LEFT JOIN per_night n USING (feed_url)
LEFT JOIN last_rejection r USING (feed_url)
LEFT JOIN feed_retirements rt USING (feed_url);

-- chains: one row per duplicate chain (the first copy and every copy of it), with analysts'
-- corrections applied over the machine's labels. Count and chart from here to count each
-- report once. The latest correction of a field on any article of the chain wins;
-- *_source says where each label came from: 'analyst' or 'machine'.
-- Corrections: relevance 0/1/2 (relevant when >= 1; relevance = value / 2), tone on the
-- warehouse's -1..+1 scale (a migration converted older -2..+2 rows once), topics a JSON list.
CREATE OR REPLACE VIEW chains AS
WITH corrections AS NOT MATERIALIZED (
    -- the latest correction of each field on any article of the chain
    SELECT coalesce(a.duplicate_of, a.article_id) AS chain_id,
        arg_max(c.value, c."at") FILTER (WHERE c.field = 'relevance') AS relevance,
        arg_max(c.value, c."at") FILTER (WHERE c.field = 'tone') AS tone,
        arg_max(c.value, c."at") FILTER (WHERE c.field = 'topics') AS topics
    FROM label_corrections c JOIN articles a USING (article_id)
    GROUP BY ALL
),
copies AS NOT MATERIALIZED (
    SELECT duplicate_of AS chain_id, count(*) AS n_copies,
        list_sort(list_distinct(list(outlet) FILTER (WHERE outlet IS NOT NULL))) AS copy_outlets
    FROM articles WHERE duplicate_of IS NOT NULL
    GROUP BY ALL
),
machine_topics AS NOT MATERIALIZED (
    SELECT article_id, list(topic ORDER BY score DESC, topic) AS topics
    FROM article_topics GROUP BY ALL
)
SELECT
    a.article_id AS chain_id,
    a.article_id,
    a.story_id,
    a.outlet,
    a.outlet_country,
    a.title,
    coalesce(a.title, left(split_part(trim(a.body), chr(10), 1), 120)) AS headline,
    a.url,
    a.published_at,
    coalesce(a.published_date, try_cast(try_cast(a.published_at AS TIMESTAMPTZ) AS DATE))
        AS published_date,
    a.fetched_at,
    coalesce(copies.n_copies, 0) AS n_copies,
    coalesce(copies.copy_outlets, []) AS copy_outlets,
    coalesce(CAST(k.relevance AS DOUBLE) / 2, a.relevance) AS relevance,
    coalesce(CAST(k.relevance AS DOUBLE) >= 1, a.is_relevant) AS is_relevant,
    CASE WHEN k.relevance IS NULL THEN 'machine' ELSE 'analyst' END AS relevance_source,
    coalesce(CAST(k.tone AS DOUBLE), a.tone) AS tone,
    CASE WHEN k.tone IS NULL THEN 'machine' ELSE 'analyst' END AS tone_source,
    coalesce(from_json(k.topics, '["VARCHAR"]'), mt.topics, []) AS topics,
    CASE WHEN k.topics IS NULL THEN 'machine' ELSE 'analyst' END AS topics_source,
    a.relevance AS machine_relevance,
    a.tone AS machine_tone,
    coalesce(mt.topics, []) AS machine_topics
FROM articles a
LEFT JOIN copies ON copies.chain_id = a.article_id
LEFT JOIN corrections k ON k.chain_id = a.article_id
LEFT JOIN machine_topics mt ON mt.article_id = a.article_id
WHERE a.duplicate_of IS NULL

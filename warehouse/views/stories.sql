-- stories: one row per story_id over articles (a view, recomputed on read).
-- n_reports counts articles that are not duplicates and wire_agencies lists the agencies
-- credited, so a syndicated wire story can be counted once. first_published/last_published use
-- publication dates only (NULL when no article of the story has one); first_seen/last_seen fall
-- back to the ingest time for articles without a parseable publication date.
CREATE OR REPLACE VIEW stories AS
WITH dated AS (
    SELECT *,
        try_cast(published_at AS TIMESTAMPTZ) AS published_ts,
        coalesce(try_cast(published_at AS TIMESTAMPTZ), fetched_at) AS seen_at
    FROM articles
    WHERE story_id IS NOT NULL
),
per_story AS (
    SELECT
        story_id,
        min(seen_at) AS first_seen,
        max(seen_at) AS last_seen,
        min(published_ts) AS first_published,
        max(published_ts) AS last_published,
        arg_min(coalesce(title, left(body, 120)), seen_at)
            AS headline,
        count(*) AS n_articles,
        count(*) FILTER (WHERE duplicate_of IS NULL) AS n_reports,
        count(DISTINCT outlet) AS n_outlets,
        list_sort(list_distinct(list(outlet_country) FILTER (WHERE outlet_country IS NOT NULL)))
            AS outlet_countries,
        count(DISTINCT outlet_country) AS n_countries,
        list_sort(list_distinct(list(outlet) FILTER (WHERE outlet IS NOT NULL))) AS outlets,
        bool_or(is_relevant) AS any_relevant,
        avg(tone) FILTER (WHERE duplicate_of IS NULL) AS mean_tone
    FROM dated
    GROUP BY story_id
),
wire AS (
    SELECT a.story_id, list_sort(list_distinct(list(w.agency))) AS wire_agencies
    FROM article_wire w JOIN articles a USING (article_id)
    GROUP BY a.story_id
),
topics AS (
    -- topics of the story's articles, the most frequent first
    SELECT story_id, list(topic ORDER BY n DESC, topic) AS topics
    FROM (
        SELECT a.story_id, t.topic, count(*) AS n
        FROM article_topics t JOIN articles a USING (article_id)
        WHERE a.story_id IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY story_id
)
SELECT per_story.*, coalesce(topics.topics, []) AS topics, wire.wire_agencies
FROM per_story
LEFT JOIN wire USING (story_id)
LEFT JOIN topics USING (story_id)

-- stories: one row per story_id over articles (a view, recomputed on read).
-- n_reports counts articles that are not duplicates and wire_agencies lists the agencies
-- credited, so a syndicated wire story can be counted once.
CREATE OR REPLACE VIEW stories AS
WITH dated AS (
    -- published_at is text as published; a value that does not parse falls back to fetched_at
    SELECT *, coalesce(try_cast(published_at AS TIMESTAMPTZ), fetched_at) AS seen_at
    FROM articles
    WHERE story_id IS NOT NULL
),
per_story AS (
    SELECT
        story_id,
        min(seen_at) AS first_seen,
        max(seen_at) AS last_seen,
        arg_min(coalesce(title, left(body, 120)), seen_at)
            AS headline,
        count(*) AS n_articles,
        count(*) FILTER (WHERE duplicate_of IS NULL) AS n_reports,
        count(DISTINCT outlet) AS n_outlets,
        list_sort(list_distinct(list(outlet_country) FILTER (WHERE outlet_country IS NOT NULL)))
            AS outlet_countries,
        list_sort(list_distinct(list(outlet) FILTER (WHERE outlet IS NOT NULL))) AS outlets,
        bool_or(is_relevant) AS any_relevant
    FROM dated
    GROUP BY story_id
),
wire AS (
    SELECT a.story_id, list_sort(list_distinct(list(w.agency))) AS wire_agencies
    FROM article_wire w JOIN articles a USING (article_id)
    GROUP BY a.story_id
)
SELECT per_story.*, wire.wire_agencies
FROM per_story LEFT JOIN wire USING (story_id)

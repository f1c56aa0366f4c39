-- stories: one row per story_id over articles (a view, recomputed on read).
-- n_reports counts articles that are not duplicates, n_wire_stories counts distinct wire
-- agencies credited, so a syndicated wire story counts once.
CREATE OR REPLACE VIEW stories AS
SELECT
    a.story_id,
    min(coalesce(a.published_at, a.fetched_at)) AS first_seen,
    max(coalesce(a.published_at, a.fetched_at)) AS last_seen,
    arg_min(coalesce(a.title, left(a.body, 120)), coalesce(a.published_at, a.fetched_at))
        AS headline,
    count(*) AS n_articles,
    count(*) FILTER (WHERE a.duplicate_of IS NULL) AS n_reports,
    count(DISTINCT a.outlet) AS n_outlets,
    list_sort(list_distinct(list(a.outlet_country) FILTER (WHERE a.outlet_country IS NOT NULL)))
        AS outlet_countries,
    list_sort(list_distinct(list(a.outlet) FILTER (WHERE a.outlet IS NOT NULL))) AS outlets,
    (SELECT list_sort(list_distinct(list(w.agency))) FROM article_wire w
     WHERE w.article_id IN (SELECT b.article_id FROM articles b WHERE b.story_id = a.story_id))
        AS wire_agencies,
    bool_or(a.is_relevant) AS any_relevant
FROM articles a
WHERE a.story_id IS NOT NULL
GROUP BY a.story_id

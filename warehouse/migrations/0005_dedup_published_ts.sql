-- 0005_dedup_published_ts: the publication time of each fingerprinted article, in seconds
-- since 1970-01-01 UTC (issue 5, order independence). A duplicate chain's root and a story's
-- id come from the earliest member by (published time, article_id). With only the day, two
-- copies published hours apart were ordered by id. NULL on rows written before this
-- migration and for undated articles, where the index then falls back to the start of story_day.
ALTER TABLE dedup_signatures ADD COLUMN IF NOT EXISTS published_ts BIGINT

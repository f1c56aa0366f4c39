-- The biggest stories by how many outlets and countries covered them, with their topics and
-- first publication date (NULL when no report of the story gave one).
SELECT headline,
       n_outlets,
       n_countries,
       outlet_countries,
       n_reports,
       CAST(first_published AS DATE) AS first_published,
       topics[1:3]                   AS top_topics,
       round(mean_tone, 2)           AS mean_tone
FROM stories
WHERE any_relevant
ORDER BY n_outlets DESC, n_countries DESC, first_published
LIMIT 20

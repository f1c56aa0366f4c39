-- The latest relevant articles (originals only), with their topics, strongest first.
SELECT a.title,
       a.published_at,
       round(a.relevance, 2) AS relevance,
       round(a.tone, 2)      AS tone,
       string_agg(t.topic, ', ' ORDER BY t.score DESC) AS topics
FROM articles a
LEFT JOIN article_topics t USING (article_id)
WHERE a.is_relevant AND a.duplicate_of IS NULL
GROUP BY ALL
ORDER BY a.published_at DESC NULLS LAST, a.title
LIMIT 20

-- How many relevant articles carry each topic, and their average tone.
SELECT t.topic,
       count(*)                 AS articles,
       round(avg(a.tone), 2)    AS avg_tone
FROM article_topics t
JOIN articles a USING (article_id)
WHERE a.is_relevant AND a.duplicate_of IS NULL
GROUP BY t.topic
ORDER BY articles DESC, t.topic

-- Relevant reports per topic and week (copies counted once), one column per topic.
PIVOT (
    SELECT CAST(date_trunc('week', published_date) AS DATE) AS week, unnest(topics) AS topic
    FROM chains
    WHERE is_relevant AND published_date IS NOT NULL
) ON topic USING count(*)
GROUP BY week
ORDER BY week

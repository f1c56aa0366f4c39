-- Tone by month and by side, each report counted once (the chains view folds copies into their
-- first copy and applies analysts' corrections). Publication dates only.
SELECT CAST(date_trunc('month', published_date) AS DATE)        AS month,
       CASE WHEN outlet_country IN ('IN', 'PK') THEN outlet_country
            ELSE 'other' END                                      AS side,
       count(*)                                                   AS reports,
       round(avg(tone), 2)                                        AS mean_tone,
       count(*) FILTER (WHERE tone_source = 'analyst')            AS corrected
FROM chains
WHERE is_relevant AND published_date IS NOT NULL
GROUP BY ALL
ORDER BY month, side

-- Both sides: stories reported by Indian and by Pakistani outlets, each side's mean tone and
-- its earliest headline, the widest gap in tone first.
SELECT story_id,
       min(published_date)                                                 AS first_published,
       arg_min(headline, coalesce(published_date, DATE '9999-12-31')) FILTER (WHERE outlet_country = 'IN') AS indian_headline,
       arg_min(headline, coalesce(published_date, DATE '9999-12-31')) FILTER (WHERE outlet_country = 'PK') AS pakistani_headline,
       round(avg(tone) FILTER (WHERE outlet_country = 'IN'), 2)              AS tone_in,
       round(avg(tone) FILTER (WHERE outlet_country = 'PK'), 2)              AS tone_pk,
       count(*) FILTER (WHERE outlet_country = 'IN')                        AS reports_in,
       count(*) FILTER (WHERE outlet_country = 'PK')                        AS reports_pk
FROM chains
WHERE is_relevant AND story_id IS NOT NULL
GROUP BY story_id
HAVING count(*) FILTER (WHERE outlet_country = 'IN') > 0
   AND count(*) FILTER (WHERE outlet_country = 'PK') > 0
ORDER BY abs(coalesce(tone_in, 0) - coalesce(tone_pk, 0)) DESC, first_published
LIMIT 20

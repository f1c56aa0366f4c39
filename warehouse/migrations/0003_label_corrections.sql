-- 0003: analysts' corrections of classifier labels. The latest correction per article and
-- field wins; `ipwire corrections` exports them in the evaluation label format, so later
-- evaluations measure the classifier against what analysts decided.
CREATE TABLE label_corrections (
    article_id  VARCHAR NOT NULL,
    field       VARCHAR NOT NULL,      -- relevance | topics | tone
    value       JSON NOT NULL,         -- relevance 0/1/2, a list of topics, tone -2..+2
    note        VARCHAR,
    analyst     VARCHAR,
    "at"        TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
CREATE INDEX label_corrections_article ON label_corrections (article_id);

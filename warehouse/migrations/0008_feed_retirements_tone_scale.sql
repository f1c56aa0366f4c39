-- Feeds an operator retired (`ipwire feeds retire URL`, or `retired = true` in a [[feeds]]
-- entry): kept with their history, no longer fetched, never reported STALE. Removing the row
-- (`ipwire feeds unretire URL`) brings the feed back.
CREATE TABLE feed_retirements (
    feed_url    VARCHAR PRIMARY KEY,
    retired_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    note        VARCHAR,
    retired_by  VARCHAR NOT NULL    -- 'cli:<analyst>' or 'config:<file>'
);

-- Tone corrections move to the warehouse's scale, [-1, 1] (they were stored as the labelling
-- guideline's -2..+2 integers); `ipwire corrections` converts back when it exports labels.
UPDATE label_corrections
SET value = to_json(CAST(value AS DOUBLE) / 2)
WHERE field = 'tone';

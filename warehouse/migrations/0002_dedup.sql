-- 0002_dedup: what the dedup stage keeps so that a new article is compared with the whole
-- warehouse without rescanning it (layers 2-4 of issue 5, and wire credits).
-- A row per stored article in dedup_signatures, its lookup keys in dedup_keys and its
-- agency credits in article_wire. Rows are written by ipwire.tasks.dedup.persist.

CREATE SEQUENCE IF NOT EXISTS dedup_seq START 1;

-- One row per article whose text has been fingerprinted. seq orders rows by insertion so an
-- in-memory index can catch up with "seq greater than the last one seen".
CREATE TABLE IF NOT EXISTS dedup_signatures (
    seq BIGINT NOT NULL DEFAULT nextval('dedup_seq'),
    article_id VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,     -- normalised-text hash (layer 2)
    params VARCHAR NOT NULL,           -- fingerprint settings the row was built with
    n_shingles INTEGER NOT NULL,       -- size of the word-shingle set (for containment)
    minhash BLOB NOT NULL,             -- num_perm little-endian uint32 values (layer 3)
    n_story_keys INTEGER NOT NULL,     -- how many story keys the article has (layer 4)
    root_id VARCHAR NOT NULL,          -- first copy: duplicate_of, or the article itself
    story_id VARCHAR,                  -- story it was assigned to
    story_day INTEGER,                 -- days since 1970-01-01 of published_at, when known
    is_relevant BOOLEAN,               -- classifier decision when assigned, NULL if unknown
    topic_mask INTEGER,                -- bit per topic of the classifier, NULL if unknown
    persisted_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE INDEX IF NOT EXISTS dedup_signatures_article_idx ON dedup_signatures (article_id);

-- Lookup keys: kind 1 = exact hash, 2 = LSH band, 3 = sentence hash, 4 = entity, 5 = number,
-- 6 = quote window. key is a 64-bit hash, seq points at dedup_signatures.seq. No index on key:
-- lookups go through an in-memory sorted copy loaded once per process (see tasks/dedup.py).
CREATE TABLE IF NOT EXISTS dedup_keys (
    key BIGINT NOT NULL,
    kind TINYINT NOT NULL,
    seq BIGINT NOT NULL
);

-- Agency credit lines found in an article (PTI, ANI, IANS, APP, Reuters, AP, AFP ...), so that
-- a report can count a wire story once.
CREATE TABLE IF NOT EXISTS article_wire (
    article_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    evidence VARCHAR
);

CREATE INDEX IF NOT EXISTS article_wire_article_idx ON article_wire (article_id)

-- 0004_dedup_merges: merges of duplicate chains and stories (issue 5, order independence).
-- The root of a duplicate chain is its earliest member by (published day, article_id), and a
-- story's id comes from its earliest member. When an article arrives that is earlier than a
-- chain's root, or that links two chains or two stories, the later id is replaced: stored
-- rows of articles and dedup_signatures are re-pointed by ipwire.tasks.dedup.persist in the
-- loader's transaction, and one row here records each replacement so that in-memory indexes
-- of other processes catch up (seq comes from dedup_seq, like dedup_signatures.seq).
CREATE TABLE IF NOT EXISTS dedup_merges (
    seq BIGINT NOT NULL DEFAULT nextval('dedup_seq'),
    layer VARCHAR NOT NULL,            -- root (duplicate chains) | story
    old_id VARCHAR NOT NULL,           -- the id that was replaced
    new_id VARCHAR NOT NULL,           -- the id now used by its members
    via_article VARCHAR NOT NULL,      -- the article whose arrival caused the merge
    merged_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

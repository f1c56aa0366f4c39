-- 0001: the core warehouse of ipwire. See warehouse/COLUMNS.md for every column.

CREATE TABLE ingest_runs (
    run_id        VARCHAR PRIMARY KEY,
    flow_run_id   VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- running | completed | failed
    sources       VARCHAR[],
    n_seen        INTEGER DEFAULT 0,
    n_new         INTEGER DEFAULT 0,
    n_duplicate   INTEGER DEFAULT 0,
    n_updated     INTEGER DEFAULT 0,
    n_unchanged   INTEGER DEFAULT 0,
    n_rejected    INTEGER DEFAULT 0,
    note          VARCHAR
);

CREATE TABLE raw_documents (
    raw_id        VARCHAR PRIMARY KEY,
    source_kind   VARCHAR NOT NULL,
    source_ref    VARCHAR NOT NULL,
    url           VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    content_type  VARCHAR,
    sha256        VARCHAR NOT NULL,
    content       BLOB,
    hints         JSON,
    run_id        VARCHAR
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,
    raw_id            VARCHAR,
    source_kind       VARCHAR NOT NULL,
    source_ref        VARCHAR NOT NULL,
    url               VARCHAR,
    canonical_url     VARCHAR,
    outlet            VARCHAR,
    outlet_country    VARCHAR,
    title             VARCHAR,
    author            VARCHAR,
    published_at      VARCHAR,             -- ISO 8601 as published, offset kept
    published_date    DATE,                -- the calendar date of published_at, for grouping
    fetched_at        TIMESTAMPTZ NOT NULL,
    language          VARCHAR,
    body              VARCHAR NOT NULL,
    word_count        INTEGER NOT NULL,
    content_hash      VARCHAR NOT NULL,
    extraction_method VARCHAR,
    revision          INTEGER NOT NULL DEFAULT 1,
    duplicate_of      VARCHAR,
    dup_reason        VARCHAR,
    dup_similarity    DOUBLE,
    story_id          VARCHAR,
    wire              VARCHAR[],
    relevance         DOUBLE,
    is_relevant       BOOLEAN,
    relevance_reason  VARCHAR,
    tone              DOUBLE,
    classifier_version VARCHAR,
    first_run_id      VARCHAR,
    last_run_id       VARCHAR
);
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_canonical_url ON articles (canonical_url);

CREATE TABLE article_revisions (
    article_id    VARCHAR NOT NULL,
    revision      INTEGER NOT NULL,
    raw_id        VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    title         VARCHAR,
    body          VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    diff          VARCHAR,                 -- unified diff from the previous revision
    run_id        VARCHAR,
    PRIMARY KEY (article_id, revision)
);

CREATE TABLE article_topics (
    article_id    VARCHAR NOT NULL,
    topic         VARCHAR NOT NULL,
    score         DOUBLE NOT NULL,
    evidence      VARCHAR[],
    PRIMARY KEY (article_id, topic)
);

CREATE TABLE article_actors (
    article_id    VARCHAR NOT NULL,
    actor         VARCHAR NOT NULL,
    kind          VARCHAR,
    mentions      INTEGER NOT NULL,
    PRIMARY KEY (article_id, actor)
);

CREATE TABLE article_evidence (
    article_id    VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,        -- relevance | tone
    ord           INTEGER NOT NULL,
    sentence      VARCHAR NOT NULL,
    PRIMARY KEY (article_id, label, ord)
);

CREATE TABLE stripped_blocks (
    article_id    VARCHAR NOT NULL,
    ord           INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    PRIMARY KEY (article_id, ord)
);

CREATE TABLE rejections (
    run_id        VARCHAR NOT NULL,
    source_ref    VARCHAR NOT NULL,
    stage         VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    detail        VARCHAR,
    "at"          TIMESTAMPTZ NOT NULL,
    raw_id        VARCHAR
);

CREATE TABLE feeds (
    feed_url              VARCHAR PRIMARY KEY,
    name                  VARCHAR,
    outlet                VARCHAR,
    country               VARCHAR,
    language              VARCHAR,
    etag                  VARCHAR,
    last_modified         VARCHAR,
    last_hash             VARCHAR,
    last_checked_at       TIMESTAMPTZ,
    last_success_at       TIMESTAMPTZ,
    last_status           VARCHAR,         -- ok | not_modified | unchanged | soft | hard | temporary | refused | parse_error
    last_http_status      INTEGER,
    last_note             VARCHAR,
    consecutive_failures  DOUBLE DEFAULT 0,
    next_check_at         TIMESTAMPTZ
);

CREATE TABLE feed_entries (
    feed_url      VARCHAR NOT NULL,
    entry_key     VARCHAR NOT NULL,        -- canonical link, else guid
    guid          VARCHAR,
    link          VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL,
    article_id    VARCHAR,
    PRIMARY KEY (feed_url, entry_key)
);

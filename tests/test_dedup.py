"""Dedup stage: exact (layer 2), near (layer 3), stories (layer 4), wire credits, persistence.

Layer 1 (same canonical URL -> revision) is the loader's and is tested with it. Each test
builds a minimal ``articles`` table plus the dedup migrations (0002, 0004, 0005) in a
temporary DuckDB file and writes the rows itself.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from ipwire.ids import canonical_url, content_hash, outlet_from_url, stable_id
from ipwire.records import Article, Classification, TopicScore
from ipwire.tasks import dedup

FIXTURES = Path(__file__).parent / "fixtures" / "dedup"
MIGRATIONS = [
    Path(__file__).resolve().parents[1] / "warehouse" / "migrations" / name
    for name in ("0002_dedup.sql", "0004_dedup_merges.sql", "0005_dedup_published_ts.sql")
]
ARTICLES_DDL = """
CREATE TABLE articles (
    article_id VARCHAR PRIMARY KEY, source_kind VARCHAR, source_ref VARCHAR, url VARCHAR,
    canonical_url VARCHAR, outlet VARCHAR, outlet_country VARCHAR, title VARCHAR,
    published_at TIMESTAMPTZ, fetched_at TIMESTAMPTZ, language VARCHAR, body VARCHAR,
    word_count INTEGER, content_hash VARCHAR, duplicate_of VARCHAR, dup_reason VARCHAR,
    dup_similarity DOUBLE, story_id VARCHAR, relevance DOUBLE, is_relevant BOOLEAN,
    tone DOUBLE, classifier_version VARCHAR, first_run_id VARCHAR, last_run_id VARCHAR)
"""
CHROME_TOP = "Home | World | Business | Sport\nSubscribe to our newsletter\n\n"
CHROME_BOTTOM = (
    "\n\nRelated Stories\nGold prices rise for a third day as the rupee weakens\n"
    "Five phones under Rs 20,000 you can buy this month\n© 2025 All rights reserved"
)


def text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text()


def make_article(url: str, body: str, published_at: str | None = "2025-03-14") -> Article:
    return Article(
        article_id=stable_id("article", canonical_url(url)),
        raw_id=stable_id("raw", url),
        source_kind="file",
        source_ref=url,
        url=url,
        canonical_url=canonical_url(url),
        outlet=outlet_from_url(url),
        title=None,
        author=None,
        published_at=published_at,
        fetched_at="2025-03-15T00:00:00+00:00",
        language="en",
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
    )


def classify(article: Article, relevant: bool, topics: list[str]) -> None:
    article.classification = Classification(
        relevance=1.0 if relevant else 0.0,
        is_relevant=relevant,
        reason="test",
        topics=[TopicScore(t, 1.0) for t in topics],
    )


def fresh_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A new DuckDB file with the articles table and the dedup migrations applied."""
    connection = duckdb.connect(str(path))
    connection.execute(ARTICLES_DDL)
    for statement in ";".join(m.read_text() for m in MIGRATIONS).split(";"):
        if statement.strip():
            connection.execute(statement)
    return connection


def make_stale(conn: duckdb.DuckDBPyConnection, art: Article) -> None:
    """Give an article a story of its own, as if it had been clustered with other key weights,
    and drop the in-memory index so the change is read back."""
    stale = stable_id("story", art.article_id)
    for table in ("articles", "dedup_signatures"):
        conn.execute(
            f"UPDATE {table} SET story_id = ? WHERE article_id = ?", [stale, art.article_id]
        )
    dedup.clear_cache()


@pytest.fixture
def conn(tmp_path: Path):
    dedup.clear_cache()
    connection = fresh_warehouse(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()
    dedup.clear_cache()


def load(conn: duckdb.DuckDBPyConnection, batch: list[Article], classified: bool = True) -> None:
    """What the flow and loader do with one batch: dedup, classify, stories, write, persist."""
    dedup.find_duplicates(conn, batch)
    for article in batch:
        if classified and article.classification is None:
            classify(article, True, ["people", "diplomacy"])
    dedup.assign_stories(conn, batch)
    conn.execute("BEGIN")
    for a in batch:
        conn.execute(
            "INSERT OR REPLACE INTO articles (article_id, url, canonical_url, outlet, "
            "published_at, body, content_hash, duplicate_of, dup_reason, dup_similarity, "
            "story_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                a.article_id,
                a.url,
                a.canonical_url,
                a.outlet,
                a.published_at,
                a.body,
                a.content_hash,
                a.duplicate_of,
                a.dup_reason,
                a.dup_similarity,
                a.story_id,
            ],
        )
    dedup.persist(conn, batch)
    conn.execute("COMMIT")


def story_of(conn: duckdb.DuckDBPyConnection, article: Article) -> str:
    """The stored story id (a later article may have merged the story the object holds)."""
    return conn.execute(
        "SELECT story_id FROM articles WHERE article_id = ?", [article.article_id]
    ).fetchone()[0]


def test_same_words_with_other_case_and_spacing_is_an_exact_duplicate(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"))
    copy = make_article("https://b.example/kartarpur", "  " + text("base_report").upper() + "\n")
    load(conn, [original])
    load(conn, [copy])
    assert copy.duplicate_of == original.article_id
    assert copy.dup_reason == "exact"
    assert copy.dup_similarity == 1.0


def test_text_with_menu_and_related_links_around_it_is_a_near_duplicate(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"))
    chrome = make_article("https://b.example/k", CHROME_TOP + text("base_report") + CHROME_BOTTOM)
    load(conn, [original, chrome])
    assert chrome.duplicate_of == original.article_id
    assert chrome.dup_reason == "near"
    assert chrome.dup_similarity >= 0.9


def test_syndicated_copy_in_a_later_run_points_at_the_first_copy(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-13")
    load(conn, [original])
    dedup.clear_cache()  # a new process: the index is rebuilt from DuckDB
    chrome = make_article("https://c.example/k", CHROME_TOP + text("base_report"))
    load(conn, [chrome])
    syndicated = make_article("https://b.example/kartarpur-pti", text("syndicated_copy"))
    load(conn, [syndicated])
    assert chrome.duplicate_of == original.article_id
    assert syndicated.duplicate_of == original.article_id  # the root, not the chrome copy
    assert syndicated.dup_reason == "near"
    assert syndicated.story_id == original.story_id


def test_earlier_copy_arriving_later_becomes_the_root_and_stored_rows_follow(conn):
    later = make_article("https://c.example/k", CHROME_TOP + text("base_report"), "2025-03-14")
    copy = make_article("https://b.example/kartarpur-pti", text("syndicated_copy"), "2025-03-15")
    load(conn, [later, copy])
    assert copy.duplicate_of == later.article_id
    dedup.clear_cache()
    earliest = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-13")
    load(conn, [earliest])
    assert earliest.duplicate_of is None
    rows = dict(conn.execute("SELECT article_id, duplicate_of FROM articles ORDER BY 1").fetchall())
    assert rows[later.article_id] == earliest.article_id
    assert rows[copy.article_id] == earliest.article_id
    stories = {r[0] for r in conn.execute("SELECT DISTINCT story_id FROM articles").fetchall()}
    assert stories == {dedup.stable_id("story", earliest.article_id)}
    merges = conn.execute("SELECT layer, new_id FROM dedup_merges ORDER BY seq").fetchall()
    assert ("root", earliest.article_id) in merges
    # a new process sees the merged chain: a further copy points at the earliest one
    dedup.clear_cache()
    again = make_article("https://d.example/kp", text("base_report") + " ", "2025-03-16")
    load(conn, [again])
    assert again.duplicate_of == earliest.article_id


def test_unrelated_report_is_neither_duplicate_nor_same_story(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"))
    other = make_article("https://d.example/karachi-rain", text("unrelated_report"))
    load(conn, [original, other])
    assert other.duplicate_of is None
    assert other.story_id != original.story_id


def test_rewrite_with_same_names_numbers_and_quote_joins_the_story_not_the_copies(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"))
    load(conn, [original])
    rewrite = make_article("https://e.example/pilgrims", text("rewrite_same_story"))
    load(conn, [rewrite])
    assert rewrite.duplicate_of is None
    assert rewrite.story_id == story_of(conn, original)


def test_rewrite_more_than_window_days_later_starts_a_new_story(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    load(conn, [original])
    late = make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-06-01")
    load(conn, [late])
    assert late.story_id != original.story_id


def test_undated_rewrite_with_a_late_dateline_date_starts_a_new_story(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    load(conn, [original])
    body = "LAHORE, June 1, 2025: " + text("rewrite_same_story")
    late = make_article("https://e.example/pilgrims", body, None)
    load(conn, [late])
    assert late.story_id != story_of(conn, original)


def test_undated_rewrite_with_a_dateline_in_the_window_joins_the_story(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    load(conn, [original])
    body = "LAHORE, March 16, 2025: " + text("rewrite_same_story")
    rewrite = make_article("https://e.example/pilgrims", body, None)
    load(conn, [rewrite])
    assert rewrite.story_id == story_of(conn, original)


def test_relevance_near_the_cut_counts_as_untopical():
    article = make_article("https://a.example/kartarpur", text("base_report"))
    settings = dedup.DedupSettings()
    article.classification = Classification(0.55, True, "test", [TopicScore("sport", 1.0)])
    assert dedup._labels(article, settings) == (True, 0)
    article.classification = Classification(0.9, True, "test", [TopicScore("sport", 1.0)])
    assert dedup._labels(article, settings) == (True, 1 << dedup.TOPICS.index("sport"))


def test_story_is_joined_only_when_the_mean_score_over_its_members_is_high_enough():
    settings = dedup.DedupSettings(story_mean_threshold=0.2)
    members = [(0, 1), (0, 2), (1, 0)]
    # one strong link to one member of three is a chain, not a match with the story
    assert not dedup._linked(members, {(0, 1): 0.5}, settings)
    assert dedup._linked(members, {(0, 1): 0.5, (1, 0): 0.3}, settings)


def test_relevant_and_not_relevant_reports_that_share_little_wording_never_share_a_story(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"))
    classify(original, True, ["people"])
    load(conn, [original])
    rewrite = make_article("https://e.example/pilgrims", text("rewrite_same_story"))
    classify(rewrite, False, [])
    load(conn, [rewrite])
    assert rewrite.story_id != original.story_id


def test_wire_credit_lines_are_recorded_and_mentions_are_not(conn):
    credited = make_article("https://a.example/kartarpur", text("base_report"))
    load(conn, [credited])
    assert credited.wire == ["PTI"]
    rows = conn.execute(
        "SELECT agency FROM article_wire WHERE article_id = ?", [credited.article_id]
    ).fetchall()
    assert rows == [("PTI",)]
    assert dedup.wire_credits("The minister told Reuters on Monday that talks would resume.") == []
    assert [a for a, _ in dedup.wire_credits("ISLAMABAD, Feb 26 (APP): Talks began.")] == ["APP"]


def test_shuffled_batch_gives_the_same_clusters(conn, tmp_path):
    def batch() -> list[Article]:
        return [
            make_article("https://a.example/kartarpur", text("base_report")),
            make_article("https://b.example/kartarpur-pti", text("syndicated_copy")),
            make_article("https://c.example/k", CHROME_TOP + text("base_report")),
            make_article("https://e.example/pilgrims", text("rewrite_same_story")),
            make_article("https://d.example/karachi-rain", text("unrelated_report")),
        ]

    first = batch()
    load(conn, first)
    other = fresh_warehouse(tmp_path / "second.duckdb")
    second = batch()
    random.Random(3).shuffle(second)
    load(other, second)
    by_id = {a.article_id: a for a in second}
    for a in first:
        b = by_id[a.article_id]
        assert (a.duplicate_of, a.dup_reason, a.story_id) == (
            b.duplicate_of,
            b.dup_reason,
            b.story_id,
        )
    other.close()


def test_persisting_the_same_articles_twice_writes_nothing_new(conn):
    batch = [
        make_article("https://a.example/kartarpur", text("base_report")),
        make_article("https://b.example/kartarpur-pti", text("syndicated_copy")),
    ]
    load(conn, batch)
    before = conn.execute(
        "SELECT (SELECT count(*) FROM dedup_signatures), (SELECT count(*) FROM dedup_keys), "
        "(SELECT max(seq) FROM dedup_signatures)"
    ).fetchone()
    dedup.persist(conn, batch)
    after = conn.execute(
        "SELECT (SELECT count(*) FROM dedup_signatures), (SELECT count(*) FROM dedup_keys), "
        "(SELECT max(seq) FROM dedup_signatures)"
    ).fetchone()
    assert before == after


def test_article_is_not_its_own_duplicate_when_seen_again(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"))
    load(conn, [original])
    again = make_article("https://a.example/kartarpur", text("base_report"))
    dedup.find_duplicates(conn, [again])
    assert again.duplicate_of is None


def test_earlier_report_arriving_later_names_the_story_and_stored_members_follow(conn):
    rewrite = make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-03-15")
    load(conn, [rewrite])
    assert story_of(conn, rewrite) == stable_id("story", rewrite.article_id)
    dedup.clear_cache()
    earlier = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    load(conn, [earlier])
    assert story_of(conn, rewrite) == stable_id("story", earlier.article_id)
    assert earlier.story_id == story_of(conn, rewrite)
    merges = conn.execute("SELECT layer, old_id FROM dedup_merges").fetchall()
    assert ("member", rewrite.article_id) in merges


def test_one_article_per_batch_in_any_order_gives_the_same_stories(tmp_path):
    def articles() -> list[Article]:
        return [
            make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14"),
            make_article("https://b.example/kp-pti", text("syndicated_copy"), "2025-03-15"),
            make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-03-16"),
            make_article("https://d.example/karachi-rain", text("unrelated_report"), "2025-03-14"),
        ]

    partitions = []
    for seed in range(4):
        dedup.clear_cache()
        db = fresh_warehouse(tmp_path / f"w{seed}.duckdb")
        arts = articles()
        random.Random(seed).shuffle(arts)
        for a in arts:
            load(db, [a])
        partitions.append({a.article_id: story_of(db, a) for a in arts})
        db.close()
    assert all(p == partitions[0] for p in partitions)
    assert len(set(partitions[0].values())) == 2


def test_copy_is_found_whichever_of_the_two_texts_arrives_last(tmp_path):
    short = " ".join(text("base_report").split()[:80])
    filler = " ".join(
        f"Item {n} on the municipal agenda covered drainage ward {n * 7} and budget line {n * 13}."
        for n in range(40)
    )
    long = short + "\n\n" + filler  # keeps far more sampled shingles than the short text
    for first_short in (True, False):
        dedup.clear_cache()
        db = fresh_warehouse(tmp_path / f"w{first_short}.duckdb")
        a = make_article("https://a.example/short", short)
        b = make_article("https://b.example/long", long)
        load(db, [a] if first_short else [b])
        load(db, [b] if first_short else [a])
        roots = dict(db.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
        db.close()
        assert {roots[a.article_id], roots[b.article_id]} - {None} != set()


def test_run_end_recluster_repoints_a_stale_story_and_logs_the_move(conn):
    base = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    rewrite = make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-03-15")
    load(conn, [base, rewrite])
    joined = story_of(conn, base)
    assert story_of(conn, rewrite) == joined
    make_stale(conn, rewrite)
    assert dedup.recluster_touched(conn, [base.article_id]) == 1
    assert story_of(conn, rewrite) == joined
    signature = conn.execute(
        "SELECT story_id FROM dedup_signatures WHERE article_id = ?", [rewrite.article_id]
    ).fetchone()[0]
    assert signature == joined
    merges = conn.execute("SELECT layer, old_id, new_id FROM dedup_merges").fetchall()
    assert ("member", rewrite.article_id, joined) in merges


def test_run_end_recluster_of_settled_stories_writes_nothing(conn):
    arts = [
        make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14"),
        make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-03-15"),
        make_article("https://d.example/karachi-rain", text("unrelated_report"), "2025-03-14"),
    ]
    load(conn, arts)
    before = conn.execute("SELECT count(*) FROM dedup_merges").fetchone()[0]
    assert dedup.recluster_touched(conn, [a.article_id for a in arts]) == 0
    assert conn.execute("SELECT count(*) FROM dedup_merges").fetchone()[0] == before


def test_same_texts_under_other_addresses_cluster_the_same_way(tmp_path):
    # Y links to X (weakly) and to Z (strongly); X and Z share nothing. Average linkage then
    # depends on whether X or Z is taken first, so that order must come from the texts (day,
    # content), not from article ids that follow the URLs.
    a_names = ["Aarav", "Bhavesh"]
    b_names = [
        f"{w}ton" for w in "Dal Eld Fen Gor Hal Ivr Jon Kel Lom Mor Nel Orm Pel Qin Rav".split()
    ]
    x = " ".join(f"the envoy {n} spoke on trade here." for n in a_names)
    z = " ".join(f"we later heard that {n} left early." for n in b_names)
    y = " ".join(f"a minister named {n} was present too." for n in a_names + b_names)
    partitions = set()
    for host in ("a", "b", "c", "d", "e", "f"):
        dedup.clear_cache()
        db = fresh_warehouse(tmp_path / f"{host}.duckdb")
        arts = [make_article(f"https://{host}.example/{n}", t) for n, t in enumerate((x, y, z))]
        load(db, arts)
        stories = [story_of(db, a) for a in arts]
        partitions.add(tuple(stories.index(s) for s in stories))
        db.close()
    assert len(partitions) == 1


def _partition(groups: dict[str, str]) -> frozenset[frozenset[str]]:
    """Groups of article ids, whatever the group ids are."""
    out: dict[str, set[str]] = {}
    for aid, group in groups.items():
        out.setdefault(group, set()).add(aid)
    return frozenset(frozenset(members) for members in out.values())


def test_two_runs_in_either_order_give_the_same_partitions_and_roots(tmp_path):
    def articles() -> list[Article]:
        return [
            make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14"),
            make_article("https://b.example/kp-pti", text("syndicated_copy"), "2025-03-14"),
            make_article("https://c.example/kp", CHROME_TOP + text("base_report"), "2025-03-15"),
            make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-03-16"),
            make_article("https://d.example/karachi-rain", text("unrelated_report"), "2025-07-08"),
            make_article("https://f.example/rain", text("rain_rewrite"), "2025-07-08"),
            make_article(
                "https://g.example/rain", text("unrelated_report") + CHROME_BOTTOM, "2025-07-09"
            ),
            make_article("https://h.example/indus", text("water_talks"), "2025-03-17"),
        ]

    results = set()
    for seed in range(4):
        dedup.clear_cache()
        db = fresh_warehouse(tmp_path / f"w{seed}.duckdb")
        arts = articles()
        random.Random(seed).shuffle(arts)
        for run in (arts[:4], arts[4:]):  # two runs of two batches of two
            for k in range(0, len(run), 2):
                load(db, run[k : k + 2])
            dedup.recluster_run(db, [a.article_id for a in run])
        rows = db.execute("SELECT article_id, duplicate_of, story_id FROM articles").fetchall()
        db.close()
        roots = {aid: dup or aid for aid, dup, _ in rows}
        results.add(
            (
                _partition({aid: story for aid, _, story in rows}),
                _partition(roots),
                frozenset(roots.items()),
            )
        )
    assert len(results) == 1
    stories, _chains, roots = results.pop()
    assert len(stories) == 3  # Kartarpur, Karachi rain, Indus talks
    by_url = {a.url: a.article_id for a in articles()}
    root = dict(roots)
    # same-day copies: the smaller article id is the root; a day later: the earlier copy
    first = min(by_url["https://a.example/kartarpur"], by_url["https://b.example/kp-pti"])
    assert root[by_url["https://a.example/kartarpur"]] == first
    assert root[by_url["https://c.example/kp"]] == first
    assert root[by_url["https://g.example/rain"]] == by_url["https://d.example/karachi-rain"]


def test_run_end_pass_on_a_small_warehouse_repoints_stories_the_run_did_not_reach(conn):
    base = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    rewrite = make_article("https://e.example/pilgrims", text("rewrite_same_story"), "2025-03-15")
    rain = make_article("https://d.example/karachi-rain", text("unrelated_report"), "2025-07-08")
    load(conn, [base, rewrite])
    load(conn, [rain])
    joined = story_of(conn, base)
    make_stale(conn, rewrite)
    assert dedup.recluster_run(conn, [rain.article_id]) == 1
    assert story_of(conn, rewrite) == joined


def test_copy_published_earlier_in_the_day_is_the_root_whatever_its_id(conn):
    one = make_article("https://a.example/kartarpur", text("base_report"))
    two = make_article("https://c.example/kp", CHROME_TOP + text("base_report"))
    small, large = sorted([one, two], key=lambda a: a.article_id)
    small.published_at = "2025-03-14T15:00:00+05:00"
    large.published_at = "2025-03-14T09:00:00+05:00"  # six hours earlier, larger id
    load(conn, [small])
    load(conn, [large])
    roots = dict(conn.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    assert roots == {small.article_id: large.article_id, large.article_id: None}


def test_content_hash_ignores_case_punctuation_and_every_kind_of_whitespace():
    import hashlib
    import re

    from ipwire.ids import normalise_text

    text = "  India,\u00a0PAKISTAN\u2009resume\u3000talks!\n\x1c(Reuters)\t "
    assert normalise_text(text) == "india pakistan resume talks reuters"
    # the same as collapsing regex whitespace runs, which stored hashes were made with
    collapsed = re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()
    assert normalise_text(text) == collapsed
    expected = hashlib.sha256(b"india pakistan resume talks reuters").hexdigest()
    assert content_hash(text) == expected


# A joint statement that two outlets quote in full inside reports of their own words.
JOINT_STATEMENT = (
    '"The two sides reviewed the implementation of the Indus Waters Treaty, agreed to hold '
    "the next meeting of the Permanent Indus Commission in Lahore in May, and resolved to "
    "share flood data from the Chenab and Jhelum rivers in a timely manner during the "
    'monsoon season," the joint statement said.\n\n'
    '"Both commissioners expressed satisfaction with the exchange of information on planned '
    "projects on the western rivers and agreed that tours of inspection by the two sides "
    "would be resumed at the earliest, including visits to the sites of the Pakal Dul, "
    'Lower Kalnai and Kiru hydroelectric plants," it added.'
)
OUTLET_ONE = (
    "India, Pakistan water commissioners end two-day talks in New Delhi\n\n"
    "NEW DELHI: Indian and Pakistani water officials wrapped up two days of talks at the "
    "headquarters of the Central Water Commission on Wednesday, the first such meeting in "
    "more than a year, with both delegations describing the atmosphere as cordial.\n\n"
    + JOINT_STATEMENT
    + "\n\nThe Indian delegation was led by Indus Commissioner Pradeep Kumar Saxena while "
    "Pakistan's side was headed by Syed Mehr Ali Shah. Officials said the Kishanganga and "
    "Ratle projects were raised by the visitors, who repeated long-standing objections to "
    "the design of both plants. India maintains the projects comply with the treaty, "
    "the ministry said in Delhi."
)
OUTLET_TWO = (
    "Pakistan raises Kishanganga objections as Indus talks conclude\n\n"
    "ISLAMABAD: Pakistan's Indus Waters Commissioner Syed Mehr Ali Shah returned from New "
    "Delhi on Thursday after what the foreign office called constructive talks, saying "
    "Islamabad had pressed its case on the Kishanganga and Ratle hydropower projects.\n\n"
    + JOINT_STATEMENT
    + "\n\nShah told reporters at Wagah that Pakistan wanted a neutral expert to settle the "
    "dispute if the commission could not. He said India's commissioner Pradeep Kumar "
    "Saxena had agreed to consider sending an inspection team to the Chenab basin before "
    "the Lahore meeting. Farmers' groups in Punjab province have warned that reduced flows "
    "in the sowing season would hurt wheat and rice crops, Shah said."
)


def test_same_wording_published_a_year_apart_is_neither_duplicate_nor_same_story(conn):
    # a yearly notice (list exchange, pilgrim visas) repeats last year's wording word for word
    last_year = make_article("https://a.example/kartarpur-2024", text("base_report"), "2024-03-14")
    load(conn, [last_year])
    this_year = make_article("https://a.example/kartarpur-2025", text("base_report"), "2025-03-14")
    load(conn, [this_year])
    assert this_year.duplicate_of is None
    assert story_of(conn, this_year) != story_of(conn, last_year)


def test_undated_copy_of_two_years_notices_joins_only_one_of_them(conn):
    notices = [
        make_article("https://a.example/kp-2024", text("base_report"), "2024-03-14"),
        make_article("https://a.example/kp-2025", text("base_report"), "2025-03-14"),
    ]
    load(conn, notices)
    undated = make_article("https://u.example/kp", CHROME_TOP + text("base_report"), None)
    load(conn, [undated])
    roots = dict(conn.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    assert roots[notices[0].article_id] is None and roots[notices[1].article_id] is None
    assert undated.duplicate_of == notices[0].article_id  # the earliest, and only one chain


def test_syndicated_copy_on_the_same_day_is_a_duplicate(conn):
    original = make_article("https://a.example/kartarpur", text("base_report"), "2025-03-14")
    load(conn, [original])
    copy = make_article("https://b.example/kp-pti", text("syndicated_copy"), "2025-03-14")
    load(conn, [copy])
    assert copy.duplicate_of == original.article_id
    assert copy.dup_reason == "near"
    assert story_of(conn, copy) == story_of(conn, original)


def test_two_outlets_reports_of_one_statement_are_story_siblings_not_copies(conn):
    one = make_article("https://in.example/indus-talks", OUTLET_ONE, "2025-03-14")
    two = make_article("https://pk.example/indus-talks", OUTLET_TWO, "2025-03-14")
    for article in (one, two):
        classify(article, True, ["water", "diplomacy"])
    load(conn, [one])
    load(conn, [two])
    assert one.duplicate_of is None and two.duplicate_of is None
    assert story_of(conn, one) == story_of(conn, two)


def test_borderline_copy_is_decided_on_the_exact_wording_without_shared_chrome():
    settings = dedup.DedupSettings()
    from ipwire.tasks.dedup.matching import _copy_containment, _lines

    one, two = _lines(CHROME_TOP + OUTLET_ONE), _lines(CHROME_TOP + OUTLET_TWO)
    assert _copy_containment(one, two, settings) < settings.near_threshold
    syndicated = _lines(text("syndicated_copy"))
    assert _copy_containment(_lines(text("base_report")), syndicated, settings) >= 0.5


FINAL_AGENCY_ONE = (
    "Chennai Super Kings beat Gujarat Titans by five wickets in the Indian Premier League "
    "final at Ahmedabad on Monday night. Ravindra Jadeja hit the winning runs off Mohit Sharma "
    "from the last ball. Sai Sudharsan made 96 as Gujarat Titans posted 214 for four. Devon "
    "Conway scored 47 for Chennai Super Kings, whose target was cut to 171 in 15 overs after "
    "rain at the Narendra Modi Stadium. MS Dhoni lifted a fifth title for the franchise. "
    "The match had been pushed to a reserve day after a washout, and the crowd that came back "
    "waited past midnight for a result that was decided on the final delivery of the chase."
)
FINAL_AGENCY_TWO = (
    "A fifth title for MS Dhoni: after rain at the Narendra Modi Stadium in Ahmedabad, "
    "Chennai Super Kings needed 171 in 15 overs and got there with Devon Conway making 47 and "
    "Ravindra Jadeja taking ten off the last two balls bowled by Mohit Sharma. Earlier, 96 "
    "from Sai Sudharsan had carried Gujarat Titans to 214 for four on Monday night in the "
    "Indian Premier League final, which Chennai Super Kings won by five wickets. Fans had "
    "returned for a second evening after the scheduled day was lost to storms, and many of "
    "them stayed in their seats well after one in the morning to watch the trophy handed over."
)


def test_two_agencies_own_reports_of_an_untopical_event_are_not_one_story(conn):
    # same names and figures, none of the sentences: two reports, not a report and its rewrite
    fillers = [
        make_article(f"https://f.example/{name}", text(name))
        for name in ("unrelated_report", "water_talks", "base_report")
    ]
    load(conn, fillers)
    one = make_article("https://au.example/ipl-final", FINAL_AGENCY_ONE)
    two = make_article("https://in.example/ipl-final", FINAL_AGENCY_TWO)
    for article in (one, two):
        classify(article, False, [])
    load(conn, [one, two])
    assert one.duplicate_of is None and two.duplicate_of is None
    assert story_of(conn, one) != story_of(conn, two)


def test_an_untopical_rewrite_keeping_the_sentences_joins_its_report(conn):
    fillers = [
        make_article(f"https://f.example/{name}", text(name))
        for name in ("unrelated_report", "water_talks", "base_report")
    ]
    load(conn, fillers)
    one = make_article("https://au.example/ipl-final", FINAL_AGENCY_ONE)
    rewrite = make_article(
        "https://in.example/ipl-final",
        FINAL_AGENCY_TWO.split(". Earlier")[0] + ". " + FINAL_AGENCY_ONE.split(". ", 3)[3],
    )
    for article in (one, rewrite):
        classify(article, False, [])
    load(conn, [one, rewrite])
    assert rewrite.duplicate_of is None
    assert story_of(conn, one) == story_of(conn, rewrite)


def test_a_rewrite_joins_its_report_whatever_topics_the_classifier_gave_each(conn):
    # a quarter of the wording and the names in common: one report, even when the classifier
    # gave the two texts disjoint topics (it guesses each text on its own)
    original = make_article("https://a.example/kartarpur", text("base_report"))
    classify(original, True, ["people"])
    load(conn, [original])
    second = text("base_report").split("\n\n")[2]
    rewrite = make_article(
        "https://e.example/pilgrims", text("rewrite_same_story") + "\n\n" + second
    )
    classify(rewrite, True, ["sport"])
    load(conn, [rewrite])
    assert rewrite.duplicate_of is None
    assert story_of(conn, rewrite) == story_of(conn, original)


def test_a_member_that_no_longer_matches_its_story_as_a_whole_is_taken_out():
    # 1 joined 0, then 2 joined on its strong score with 1; 0 and 2 share nothing, so 0 is
    # left matching the story it started at a mean of 0.1: a chain, not one story
    from ipwire.tasks.dedup.stories import _trimmed

    scores = {(0, 1): 0.2, (1, 2): 0.5, (0, 2): 0.0}

    def unit_score(i: int, j: int) -> tuple[float, bool, bool]:
        x = scores[(min(i, j), max(i, j))]
        return x, x >= 0.22, False

    settings = dedup.DedupSettings()
    assert sorted(_trimmed([[0, 1, 2]], unit_score, settings)) == [[0], [1, 2]]
    scores[(0, 2)] = 0.15
    assert _trimmed([[0, 1, 2]], unit_score, settings) == [[0, 1, 2]]


LISTS_2023 = (
    "India and Pakistan on Sunday exchanged, through diplomatic channels simultaneously at "
    "New Delhi and Islamabad, the lists of civilian prisoners and fishermen in each other's "
    "custody and of nuclear installations and facilities. Under the provisions of the 2008 "
    "Agreement on Consular Access, the lists are exchanged on 1 January and 1 July every "
    "year. The list of nuclear installations is exchanged under the agreement on the "
    "prohibition of attack against nuclear installations and facilities, which entered into "
    "force in 1992. This is the consecutive exchange of such lists between the two countries, "
    "the ministry of external affairs said, and it called for the early release of civilian "
    "prisoners and fishermen who have completed their sentences."
)


def test_the_same_annual_exchange_in_different_years_is_not_a_duplicate(conn):
    # undated texts: only the weekday of the exchange tells this year's from last year's
    last_year = make_article("https://a.example/lists-2023", LISTS_2023, None)
    load(conn, [last_year])
    this_year = make_article(
        "https://b.example/lists-2024",
        LISTS_2023.replace("on Sunday", "on Monday").replace("This is the", "This is the 33rd"),
        None,
    )
    load(conn, [this_year])
    assert this_year.duplicate_of is None
    copy = make_article("https://c.example/lists-2023", CHROME_TOP + LISTS_2023, None)
    load(conn, [copy])
    roots = dict(conn.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    roots = {aid: dup or aid for aid, dup in roots.items()}
    assert roots[copy.article_id] == roots[last_year.article_id] != roots[this_year.article_id]

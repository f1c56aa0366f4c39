"""Dedup stage copies: exact and near duplicates, roots, content hashes, wire credits."""

from __future__ import annotations

# ruff: noqa: F811
from dedup_cases import (
    CHROME_BOTTOM,
    CHROME_TOP,
    OUTLET_ONE,
    OUTLET_TWO,
    conn,  # noqa: F401
    fresh_warehouse,
    load,
    make_article,
    story_of,
    text,
)

from ipwire.ids import content_hash
from ipwire.tasks import dedup


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


def test_borderline_copy_is_decided_on_the_exact_wording_without_shared_chrome():
    settings = dedup.DedupSettings()
    from ipwire.tasks.dedup.matching import _copy_containment, _lines

    one, two = _lines(CHROME_TOP + OUTLET_ONE), _lines(CHROME_TOP + OUTLET_TWO)
    assert _copy_containment(one, two, settings) < settings.near_threshold
    syndicated = _lines(text("syndicated_copy"))
    assert _copy_containment(_lines(text("base_report")), syndicated, settings) >= 0.5


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


class _CommitsMidway:
    """A connection whose warehouse gains a committed copy of its first signature row (as
    another writer of a lake commits) right after the index has read how far the rows go."""

    def __init__(self, conn) -> None:
        self.conn, self.done = conn, False

    def execute(self, sql: str, params=None):
        result = self.conn.execute(sql, params) if params is not None else self.conn.execute(sql)
        if not self.done and "max(seq), count(*)" in sql:
            self.done = True
            other = self.conn.cursor()  # its own transaction, committed at once
            top = other.execute("SELECT max(seq) FROM dedup_signatures").fetchone()[0]
            for table in ("dedup_signatures", "dedup_keys"):
                extra = ", 'other-writer' AS article_id" if table == "dedup_signatures" else ""
                other.execute(
                    f"INSERT INTO {table} SELECT * REPLACE ({top} + 1 AS seq{extra}) "
                    f"FROM {table} WHERE seq = {top}"
                )
            other.close()
        return result


def test_a_row_another_writer_commits_while_the_stored_index_loads_waits_for_the_next_call(conn):
    first = make_article("https://a.example/kartarpur", text("base_report"))
    load(conn, [first])
    dedup.clear_cache()
    index = dedup.warehouse_index(_CommitsMidway(conn), dedup.DedupSettings())
    assert index.n_rows == 1  # the row committed meanwhile is not half-read
    assert dedup.warehouse_index(conn, dedup.DedupSettings()).n_rows == 2  # caught up next time


def test_the_stored_index_read_inside_a_batch_transaction_leaves_it_usable(conn):
    first = make_article("https://a.example/kartarpur", text("base_report"))
    load(conn, [first])
    dedup.clear_cache()
    conn.execute("BEGIN TRANSACTION")
    assert dedup.warehouse_index(conn, dedup.DedupSettings()).n_rows == 1
    conn.execute("DELETE FROM dedup_keys WHERE seq < 0")  # the transaction still takes writes
    conn.execute("COMMIT")

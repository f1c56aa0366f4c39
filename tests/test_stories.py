"""Dedup stage stories: joins, windows and datelines, untopical reports, reclustering, order."""

from __future__ import annotations

import random

# ruff: noqa: F811
from dedup_cases import (
    CHROME_BOTTOM,
    CHROME_TOP,
    OUTLET_ONE,
    OUTLET_TWO,
    _partition,
    classify,
    conn,  # noqa: F401
    fresh_warehouse,
    load,
    make_article,
    make_stale,
    story_of,
    text,
)

from ipwire.ids import stable_id
from ipwire.records import Article, Classification, TopicScore
from ipwire.tasks import dedup


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


def test_two_outlets_reports_of_one_statement_are_story_siblings_not_copies(conn):
    one = make_article("https://in.example/indus-talks", OUTLET_ONE, "2025-03-14")
    two = make_article("https://pk.example/indus-talks", OUTLET_TWO, "2025-03-14")
    for article in (one, two):
        classify(article, True, ["water", "diplomacy"])
    load(conn, [one])
    load(conn, [two])
    assert one.duplicate_of is None and two.duplicate_of is None
    assert story_of(conn, one) == story_of(conn, two)


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


def _load_fillers(conn) -> None:
    """Three unrelated reports, so names shared by two test texts weigh as rare."""
    fillers = [
        make_article(f"https://f.example/{name}", text(name))
        for name in ("unrelated_report", "water_talks", "base_report")
    ]
    load(conn, fillers)


def test_two_agencies_own_reports_of_an_untopical_event_are_not_one_story(conn):
    # same names and figures, none of the sentences: two reports, not a report and its rewrite
    _load_fillers(conn)
    one = make_article("https://au.example/ipl-final", FINAL_AGENCY_ONE)
    two = make_article("https://in.example/ipl-final", FINAL_AGENCY_TWO)
    for article in (one, two):
        classify(article, False, [])
    load(conn, [one, two])
    assert one.duplicate_of is None and two.duplicate_of is None
    assert story_of(conn, one) != story_of(conn, two)


def test_an_untopical_rewrite_keeping_the_sentences_joins_its_report(conn):
    _load_fillers(conn)
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


SQUAD = (
    "Pakistan squad:\n\n"
    "Imam-ul-Haq, Abdullah Shafique, Babar Azam (C), Mohammad Rizwan (WK), Saud Shakeel, "
    "Iftikhar Ahmed, Mohammad Nawaz, Hasan Ali, Usama Mir, Shaheen Afridi, Haris Rauf."
)


def test_two_match_reports_printing_one_squad_list_are_not_one_story(conn):
    # a squad list names a team, not an event: every report of its matches repeats it
    _load_fillers(conn)
    first = make_article(
        "https://a.example/pak-ned",
        "Pakistan beat the Netherlands by 81 runs in Hyderabad on Friday after a shaky start "
        "with the bat. Bas de Leede took four wickets for the Dutch side.\n\n" + SQUAD,
        "2023-10-06",
    )
    second = make_article(
        "https://b.example/afg-pak",
        "Afghanistan chased down 283 in Chennai on Monday to beat Pakistan for the first time "
        "in a one-day international. Rahmanullah Gurbaz made 65 at the top.\n\n" + SQUAD,
        "2023-10-23",
    )
    for article in (first, second):
        classify(article, False, ["sport"])
    load(conn, [first])
    load(conn, [second])
    assert story_of(conn, first) != story_of(conn, second)


def test_a_sentence_naming_players_still_gives_story_keys():
    settings = dedup.DedupSettings()
    line = SQUAD.split("\n\n")[1]
    assert dedup.story_keys("Pakistan squad.", settings)
    assert len(dedup.story_keys("Pakistan squad. " + line, settings)) == 1
    told = "Babar Azam, Shaheen Afridi and Hasan Ali trained in Hyderabad on Wednesday."
    assert len(dedup.story_keys(told, settings)) >= 5

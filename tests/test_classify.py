"""Classify stage: relevance, topics, tone, actors and their evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_scripts import load as load_bench_script

from ipwire.tasks.classify import (
    CLASSIFIER_VERSION,
    DEFAULT_TAXONOMY,
    TaxonomyError,
    classification_to_json,
    classify,
    classify_many,
    load_taxonomy,
    split_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "classify"
LABELS = ROOT.parent / "shared" / "eval" / "labels" / "dev.jsonl"


def _seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _all_evidence(c) -> list[str]:
    return [*c.evidence, *c.tone_evidence, *(e for t in c.topics for e in t.evidence)]


def test_seed_000_is_relevant_with_diplomacy_and_kashmir():
    c = classify(_seed("000"))
    assert c.is_relevant and c.reason == "bilateral"
    topics = {t.topic for t in c.topics}
    assert {"diplomacy", "kashmir"} <= topics


def test_seed_004_is_relevant_with_diplomacy():
    c = classify(_seed("004"))
    assert c.is_relevant
    assert "diplomacy" in {t.topic for t in c.topics}


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_evidence_sentences_are_real_sentences_of_the_input(prefix):
    text = _seed(prefix)
    c = classify(text)
    sentences = set(split_sentences(text))
    evidence = _all_evidence(c)
    assert evidence
    for sentence in evidence:
        assert sentence in text
        assert sentence in sentences


def test_title_evidence_comes_from_the_title():
    title = "India and Pakistan agree to resume talks"
    c = classify("Officials in New Delhi and Islamabad confirmed the date.", title)
    for sentence in _all_evidence(c):
        assert (
            sentence in title
            or sentence in "Officials in New Delhi and Islamabad confirmed the date."
        )


def test_related_link_line_does_not_make_domestic_article_relevant():
    text = (FIXTURES / "domestic_budget_with_related_link.txt").read_text(encoding="utf-8")
    c = classify(text)
    assert not c.is_relevant
    # the teaser is skipped, so what is left is one country's domestic news
    assert c.reason == "domestic"
    assert c.tone is None and c.topics == []


_TEASERS = (
    "Also read: India, Pakistan agree to resume composite dialogue after talks in Islamabad",
    "RELATED | Pakistan summons Indian envoy over ceasefire violations on the LoC",
    "READ MORE: Modi and Sharif shake hands at SAARC summit as India-Pakistan thaw",
    "Don't miss: India vs Pakistan in Asia Cup final as tensions run high",
)


def test_related_story_teasers_naming_both_states_do_not_make_an_article_relevant():
    body = (FIXTURES / "pakistan_domestic_politics.txt").read_text(encoding="utf-8")
    with_teasers = body.rstrip() + "\n\n" + "\n\n".join(_TEASERS) + "\n"
    c = classify(with_teasers)
    assert not c.is_relevant
    assert c.relevance == classify(body).relevance
    assert not any(t in e for t in _TEASERS for e in c.evidence)


def test_teasers_leave_a_relevant_article_relevant_with_the_same_score():
    body = _seed("000")
    c = classify(body.rstrip() + "\n\n" + "\n\n".join(_TEASERS) + "\n")
    assert c.is_relevant
    assert c.relevance == classify(body).relevance


def test_prose_starting_with_related_is_not_taken_for_a_teaser():
    text = (
        "Related to the talks, India and Pakistan agreed to resume trade across the border. "
        "Officials of the two countries said the agreement was signed in Islamabad."
    )
    assert classify(text).is_relevant


def test_domestic_news_of_one_country_is_not_relevant():
    text = (FIXTURES / "pakistan_domestic_politics.txt").read_text(encoding="utf-8")
    c = classify(text)
    assert not c.is_relevant
    assert c.reason == "domestic"


def test_paragraph_on_occupied_kashmir_makes_a_domestic_rally_relevant():
    # "occupied Kashmir" states one side's claim against the other: a paragraph using it
    # is about the dispute, though the text never names India
    text = (FIXTURES / "solidarity_rally_occupied_kashmir.txt").read_text(encoding="utf-8")
    c = classify(text)
    assert c.is_relevant
    assert any("occupied" in e for e in c.evidence)


def test_neutral_name_of_indian_administered_kashmir_is_not_a_bilateral_marker():
    text = (FIXTURES / "indian_administered_kashmir_weather.txt").read_text(encoding="utf-8")
    assert not classify(text).is_relevant


def test_regional_list_naming_both_states_is_not_relevant():
    text = (FIXTURES / "regional_heatwave_list.txt").read_text(encoding="utf-8")
    assert not classify(text).is_relevant


def test_agreed_ceasefire_is_positive():
    c = classify(
        "India and Pakistan agreed to a ceasefire along the Line of Control on Thursday. "
        "The two armies said the ceasefire was holding."
    )
    assert c.is_relevant and c.tone is not None and c.tone > 0.3


def test_cross_border_shelling_is_negative():
    c = classify(
        "Pakistani troops opened fire on Indian posts along the LoC, killing two soldiers. "
        "India retaliated with heavy shelling."
    )
    assert c.is_relevant and c.tone is not None and c.tone < -0.3


def test_talks_that_did_not_resume_are_not_positive():
    c = classify(
        "Talks between India and Pakistan did not resume this week. "
        "Officials in New Delhi and Islamabad said there was no meeting planned."
    )
    assert c.is_relevant and c.tone is not None and c.tone <= 0


def test_resumed_talks_are_positive():
    c = classify(
        "India and Pakistan resumed talks in Islamabad. The two sides held talks on trade."
    )
    assert c.tone is not None and c.tone > 0


def test_strain_that_a_meeting_sets_out_to_ease_is_not_read_as_strain():
    from ipwire.tasks.classify.sentences import _analyse

    tax = load_taxonomy()
    (s,) = _analyse(
        "Officials of India and Pakistan met in Dubai to calm tensions and break the deadlock.",
        None,
        tax,
    )
    assert s.tone_hits and all(v > 0 for v, _ in s.tone_hits)
    (s,) = _analyse("Tensions between India and Pakistan rose after the meeting.", None, tax)
    assert any(v < 0 for v, cue in s.tone_hits if cue == "Tensions")


def test_a_taxonomy_without_relievers_is_still_read(tmp_path):
    text = DEFAULT_TAXONOMY.read_text(encoding="utf-8")
    start = text.index("relievers = [")
    end = text.index("]", start) + 1
    path = tmp_path / "taxonomy.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_taxonomy(path).relievers == frozenset()


def test_cricket_attack_is_not_read_as_hostility():
    c = classify(
        "India beat Pakistan by six wickets in the Asia Cup match in Dubai. "
        "India's bowling attack restricted Pakistan to 241 in the clash of the arch-rivals."
    )
    assert c.is_relevant and "sport" in {t.topic for t in c.topics}
    assert c.tone is not None and c.tone > -0.3


def test_a_clash_in_a_match_report_is_a_metaphor_even_outside_the_cricket_sentences():
    from ipwire.tasks.classify.sentences import _analyse

    tax = load_taxonomy()
    report = (
        "India and Pakistan clash again in Johor Bahru on Tuesday.\n\n"
        "The hockey teams of India and Pakistan played the match to a draw in the tournament. "
        "Players of both teams shook hands after the match."
    )
    first = _analyse(report, None, tax)[0]
    assert first.tone_hits and all(v > -0.5 for v, _ in first.tone_hits)
    news = "India and Pakistan clash over the border fence.\n\nTroops fired along the LoC."
    first = _analyse(news, None, tax)[0]
    assert any(v <= -1.0 for v, _ in first.tone_hits)


def test_actors_are_counted_with_kinds():
    c = classify(_seed("000"))
    kinds = {a.actor: (a.kind, a.mentions) for a in c.actors}
    assert kinds["Research and Analysis Wing"] == ("agency", 2)  # heading + sentence
    assert kinds["Inter-Services Intelligence"][0] == "agency"
    assert kinds["India"][1] >= 3


def test_classify_many_matches_classify():
    items = [(_seed("000"), None), ("Weather in Lahore stays hot.", "Heat")]
    batch = classify_many(items)
    assert [b.to_dict() for b in batch] == [classify(t, h).to_dict() for t, h in items]


def test_json_line_has_the_design_keys():
    line = classification_to_json("a1", classify(_seed("000")))
    assert {"id", "relevance", "is_relevant", "topics", "tone", "actors", "evidence"} <= set(line)
    assert line["id"] == "a1" and line["classifier_version"] == CLASSIFIER_VERSION
    assert all(set(t) == {"topic", "score"} for t in line["topics"])
    json.dumps(line)


def test_version_follows_the_taxonomy_file(tmp_path):
    edited = tmp_path / "taxonomy.toml"
    edited.write_text(
        DEFAULT_TAXONOMY.read_text(encoding="utf-8") + "\n# analyst note\n", encoding="utf-8"
    )
    tax = load_taxonomy(edited)
    assert load_taxonomy().version == CLASSIFIER_VERSION
    assert tax.version != CLASSIFIER_VERSION
    assert classify(_seed("000"), taxonomy=tax).classifier_version == tax.version


def _topics(text: str) -> set[str]:
    return {t.topic for t in classify(text).topics}


def test_jaishankar_is_not_read_as_jaish_e_mohammed():
    text = (
        "Jaishankar says India will talk to Pakistan only bilaterally.\n\n"
        "India's External Affairs Minister S Jaishankar said talks with Pakistan on the "
        "foreign secretaries' dialogue would resume only bilaterally. Jaishankar told his "
        "Pakistani counterpart that diplomacy needed calm. Jaishankar met the envoy."
    )
    c = classify(text)
    assert c.is_relevant
    assert "terrorism" not in {t.topic for t in c.topics}


def test_a_past_attack_named_as_setting_does_not_make_terrorism():
    setting = (
        "India and Pakistan meet in the Asia Cup final.\n\n"
        "India and Pakistan play the Asia Cup cricket final in Dubai on Sunday, after the "
        "Pahalgam terror attack. The Indian captain and the Pakistan skipper did not shake "
        "hands at the toss of the match. The cricket boards of India and Pakistan named "
        "their squads for the tournament final, and the match is sold out."
    )
    subject = setting.replace("after the Pahalgam terror attack", "the Pahalgam terror attack")
    assert "terrorism" not in _topics(setting)
    assert "terrorism" in _topics(subject)


def test_a_cricket_board_counts_as_third_party_only_when_appealed_to():
    base = (
        "India and Pakistan meet in the ICC World Cup.\n\n"
        "India play Pakistan in the ICC World Cup in Ahmedabad on Saturday. The Pakistan "
        "cricket squad arrived in India for the tournament. The match between India and "
        "Pakistan is the biggest fixture of the ICC event, with both teams in form."
    )
    appeal = base + (
        " The Pakistan Cricket Board lodged a complaint with the ICC against India's "
        "captain. Pakistan also wrote to the ICC about the India match referee."
    )
    assert "third_party" not in _topics(base)
    assert "third_party" in _topics(appeal)


def test_prisoner_freed_as_a_gesture_of_peace_is_diplomacy_and_people():
    text = (
        "Pakistan frees captured Indian pilot in a gesture of peace.\n\n"
        "Pakistan handed over the captured Indian pilot to India at the Wagah border on "
        "Friday in a gesture of peace, aimed at de-escalation between the two countries. "
        "Pakistan Prime Minister Imran Khan said the pilot was freed as a peace gesture."
    )
    assert {"diplomacy", "people"} <= _topics(text)


def test_background_factor_outside_zero_to_one_is_rejected(tmp_path):
    path = _broken(tmp_path, "background_factor = 0.5\n", "background_factor = 1.5\n")
    with pytest.raises(TaxonomyError, match=r"\[topics\.\w+\] background_factor"):
        load_taxonomy(path)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_TAXONOMY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "taxonomy.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_unknown_topic_name_is_rejected_with_valid_names(tmp_path):
    path = _broken(tmp_path, "[topics.water]", "[topics.waters]")
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    msg = str(err.value)
    assert str(path) in msg and "[topics.waters]" in msg and "unknown topic" in msg
    assert "water" in msg.split("valid topics:")[1]


def test_weight_that_is_not_a_number_is_rejected(tmp_path):
    path = _broken(tmp_path, '"backchannel" = 2.0', '"backchannel" = "high"')
    with pytest.raises(TaxonomyError, match=r"\[topics\.diplomacy\] terms 'backchannel'.*number"):
        load_taxonomy(path)


def test_tone_cue_outside_the_scale_is_rejected(tmp_path):
    path = _broken(tmp_path, '"shelling" = -2.0', '"shelling" = -5.0')
    with pytest.raises(TaxonomyError, match=r"\[tone\]\.cues 'shelling'.*between -2.0 and 2.0"):
        load_taxonomy(path)


def test_unknown_key_is_rejected(tmp_path):
    path = _broken(tmp_path, "threshold = 0.5\n", "threshold = 0.5\nthreshhold = 0.6\n")
    with pytest.raises(TaxonomyError, match=r"\[relevance\].*unknown key 'threshhold'"):
        load_taxonomy(path)


def test_unknown_actor_kind_is_rejected(tmp_path):
    path = _broken(tmp_path, 'kind = "armed_group"', 'kind = "militia"')
    with pytest.raises(TaxonomyError, match=r"\[actors\..*\] kind.*unknown kind 'militia'"):
        load_taxonomy(path)


def test_missing_taxonomy_file_is_named(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "nope.toml")


def _eval_module():
    return load_bench_script("eval_classify")


@pytest.mark.skipif(not LABELS.exists(), reason="labelled dev set not available")
def test_dev_set_figures_stay_above_floors():
    ev = _eval_module()
    rows = ev.load_labels(LABELS)
    m = ev.score(rows, ev.predict(rows))
    # floors a little below the whole-set figures of the shipped model on the 487 texts, which
    # it was fitted on (P 0.971 / F1 0.981 / topic micro-F1 0.874, macro 0.893 / tone rho
    # 0.902 / sign 0.954); held out on 5 story folds the same fit gives P 0.971 / F1 0.980 /
    # topic 0.853, macro 0.871 / rho 0.820 / sign 0.930 (bench/eval_classify.py). The rule
    # prior (weights.RulePrior) costs fitted rho (0.915 without it) but not held-out rho.
    assert m["precision"] >= 0.965
    assert m["f1"] >= 0.975
    assert m["topic_f1"] >= 0.87
    assert m["topic_macro"] >= 0.89
    assert m["tone_spearman"] >= 0.898
    assert m["tone_sign"] >= 0.945


def test_matcher_finds_a_term_added_after_a_scan_and_prefers_longest_then_exact():
    from ipwire.tasks.classify.matcher import _Matcher

    m = _Matcher()
    m.add("topic:water", "water", "Indus", 1.0, "t")
    forms = m.forms("The Indus Waters Treaty was held in abeyance".split())
    assert [(h[0], h[1]) for h in m.scan(forms)] == [(1, 2)]
    m.add("topic:water", "water", "Indus Waters Treaty", 2.0, "t")
    m.add("topic:water", "water", "abeyan*", 0.5, "t")
    m.add("topic:diplomacy", "diplomacy", "abeyance", 1.5, "t")
    m.add("topic:diplomacy", "diplomacy", "abey*", 0.1, "t")
    hits = m.scan(forms)
    assert (1, 4, "topic:water", "water", 2.0) in hits  # the longest key, not 'Indus' alone
    assert (1, 2, "topic:water", "water", 1.0) not in hits
    assert (7, 8, "topic:water", "water", 0.5) in hits  # a wildcard key
    assert (7, 8, "topic:diplomacy", "diplomacy", 1.5) in hits  # exact before wildcard
    assert (7, 8, "topic:diplomacy", "diplomacy", 0.1) not in hits


def test_a_case_kept_wildcard_key_matches_its_endings_in_that_case_only():
    from ipwire.tasks.classify.matcher import _Matcher

    m = _Matcher()
    m.add("topic:military", "military", "DGMO*", 2.0, "t")
    forms = m.forms("The DGMOs spoke after the DGMO call and dgmos".split())
    assert [h[0] for h in m.scan(forms)] == [1, 5]


def test_an_unchanged_taxonomy_file_is_built_once_and_an_edit_is_seen_at_once(tmp_path):
    path = tmp_path / "taxonomy.toml"
    path.write_text(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8")
    first = load_taxonomy(path)
    assert load_taxonomy(path) is first
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = load_taxonomy(path)
    assert edited is not first
    assert edited.version != first.version


def test_passing_mention_of_the_other_country_in_domestic_news_is_not_relevant():
    text = (
        "Mumbai civic body approves record budget for roads and schools.\n\n"
        "The Brihanmumbai Municipal Corporation on Tuesday approved a budget of Rs 59,000 "
        "crore for the coming year, with the largest share going to roads, schools and "
        "hospitals in India's financial capital. The commissioner said the coastal road "
        "would be finished by December. Opposition corporators criticised the rise in "
        "property tax. Officials said the city's water supply projects would also get more "
        "money. One councillor compared the city's drainage with that of Karachi in "
        "Pakistan, saying both cities flood every monsoon. The budget now goes to the state "
        "government for approval."
    )
    c = classify(text)
    assert not c.is_relevant
    assert c.tone is None and c.topics == []


def test_a_dateline_city_is_not_a_mention_of_its_state():
    body = (
        "China will deliver 25 fighter jets to Pakistan within weeks, officials said on "
        "Tuesday. The jets are part of a deal signed by Beijing and Islamabad last year. "
        "Pakistan's air force will receive the first batch in March."
    )
    c = classify("NEW DELHI: " + body)
    assert "India" not in {a.actor for a in c.actors}
    assert not c.is_relevant
    inside = classify(body + " India said it was watching the deal closely.")
    assert "India" in {a.actor for a in inside.actors}


def _copy_with_model(tmp_path: Path) -> tuple[Path, Path]:
    from ipwire.tasks.classify.weights import MODEL_FILE

    tax = tmp_path / "taxonomy.toml"
    tax.write_bytes(DEFAULT_TAXONOMY.read_bytes())
    model = tmp_path / MODEL_FILE
    model.write_bytes(DEFAULT_TAXONOMY.with_name(MODEL_FILE).read_bytes())
    return tax, model


def test_the_model_file_weights_change_the_classifier_version(tmp_path):
    tax_path, model_path = _copy_with_model(tmp_path)
    same = load_taxonomy(tax_path)
    assert same.version == CLASSIFIER_VERSION  # same bytes, same version
    data = json.loads(model_path.read_text(encoding="utf-8"))
    data["relevance"]["weights"][0] += 0.5
    model_path.write_text(json.dumps(data), encoding="utf-8")
    changed = load_taxonomy(tax_path)
    assert changed.version != CLASSIFIER_VERSION
    assert changed.version.split(".m")[0] == CLASSIFIER_VERSION.split(".m")[0]
    assert classify(_seed("000"), taxonomy=changed).classifier_version == changed.version
    model_path.unlink()
    rules_only = load_taxonomy(tax_path)
    assert rules_only.model is None and ".m" not in rules_only.version


def test_a_model_file_whose_weights_do_not_align_is_rejected(tmp_path):
    tax_path, model_path = _copy_with_model(tmp_path)
    data = json.loads(model_path.read_text(encoding="utf-8"))
    data["topics"]["kashmir"]["weights"].pop()
    model_path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"topics\.kashmir.*align"):
        load_taxonomy(tax_path)


def test_learned_relevance_still_gives_evidence_sentences_of_the_input():
    text = _seed("000")
    c = classify(text)
    assert load_taxonomy().model is not None
    assert c.is_relevant and c.evidence
    assert all(e in split_sentences(text) for e in _all_evidence(c))


def _fit_module():
    return load_bench_script("fit_classify")


def _label(ident: str, text: str, relevance: int, topics: list[str], tone: int | None) -> str:
    row = {"id": ident, "story": ident, "text": text, "relevance": relevance}
    return json.dumps({**row, "topics": topics, "tone": tone, "note": ""})


def test_extra_label_files_are_read_by_the_fit_and_later_files_win(tmp_path):
    fit = _fit_module()
    first = tmp_path / "labels.jsonl"
    talks = "India and Pakistan resumed talks in Islamabad on trade and visas."
    shelling = "Pakistani troops shelled Indian posts on the LoC, killing two soldiers."
    budget = "The Lahore budget raised spending on schools."
    first.write_text(
        "\n".join(
            [
                _label("t1", talks, 2, ["diplomacy"], 1),
                _label("t2", shelling, 2, ["military"], -2),
                _label("t3", budget, 0, [], None),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text(
        _label("t1", talks, 2, ["diplomacy", "trade_economy"], 2)
        + "\n"
        + _label("t4", "Pakistan's cabinet met on fuel prices.", 0, [], None)
        + "\n",
        encoding="utf-8",
    )
    rows = fit.read_label_files([first, corrections])
    assert [r["id"] for r in rows] == ["t1", "t2", "t3", "t4"]
    assert rows[0]["tone"] == 2 and "trade_economy" in rows[0]["topics"]
    out = tmp_path / "model.json"
    assert fit.main(["--labels", str(first), "--labels", str(corrections), "--folds", "2",
                     "--write", "--out", str(out)]) == 0  # fmt: skip
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["fitted_on"] == {
        "texts": 4,
        "label_files": ["labels.jsonl", "corrections.jsonl"],
    }
    assert set(written["topics"]) == {t for t in written["topics"]} and written["relevance"]


_CEASEFIRE = (
    "India and Pakistan agreed to a ceasefire along the Line of Control on Thursday. "
    "The two armies said the ceasefire was holding."
)
_ATTACK_SUBJECT = (
    "India and Pakistan meet in the Asia Cup final.\n\n"
    "India and Pakistan play the Asia Cup cricket final in Dubai on Sunday, the Pahalgam "
    "terror attack. The Indian captain and the Pakistan skipper did not shake hands at the "
    "toss of the match. The cricket boards of India and Pakistan named their squads for the "
    "tournament final, and the match is sold out."
)


def test_the_rule_prior_keeps_clear_rule_calls_the_heads_alone_would_soften(tmp_path):
    # the heads alone drift to the base rate on these short texts; the prior is what keeps
    # the rules' plain calls (a model file without one is read as the heads alone)
    tax_path, model_path = _copy_with_model(tmp_path)
    data = json.loads(model_path.read_text(encoding="utf-8"))
    assert data["rule_prior"]["topic_cut"] < 1.0 and data["rule_prior"]["tone_share"] > 0.0
    del data["rule_prior"]
    model_path.write_text(json.dumps(data), encoding="utf-8")
    heads_only = load_taxonomy(tax_path)
    assert heads_only.version != CLASSIFIER_VERSION
    with_prior, alone = classify(_CEASEFIRE), classify(_CEASEFIRE, taxonomy=heads_only)
    assert with_prior.tone is not None and alone.tone is not None
    assert 0 < alone.tone < with_prior.tone
    assert "terrorism" in {t.topic for t in classify(_ATTACK_SUBJECT).topics}
    assert "terrorism" not in {
        t.topic for t in classify(_ATTACK_SUBJECT, taxonomy=heads_only).topics
    }


def test_the_rule_prior_never_turns_the_learned_tone_or_adds_a_topic_the_rules_miss():
    from ipwire.tasks.classify.weights import LinearHead, Model, RulePrior, keeps_topic

    level = LinearHead(("x",), (0.0,), (1.0,), (1.0,), 0.0)
    model = Model("", None, {}, level, None, RulePrior(0.4, 0.75, 0.3))
    assert model.tone_of({"x": 0.1, "rule_tone": 0.8}) == pytest.approx(0.6)  # agree: kept
    assert model.tone_of({"x": -0.1, "rule_tone": 0.8}) == pytest.approx(-0.1)  # disagree
    assert model.tone_of({"x": 0.1, "rule_tone": 0.2}) == pytest.approx(0.1)  # rule unclear
    assert model.tone_of({"x": 0.9, "rule_tone": 0.8}) == pytest.approx(0.9)  # never softer
    head = LinearHead(("x",), (0.0,), (1.0,), (1.0,), 0.0, threshold=0.6)  # prob(0) = 0.5
    assert keeps_topic(head, {"x": 0.0, "rule": 1.0}, RulePrior(topic_cut=0.4))
    assert not keeps_topic(head, {"x": 0.0, "rule": 0.0}, RulePrior(topic_cut=0.4))
    assert not keeps_topic(head, {"x": 0.0, "rule": 1.0}, RulePrior())  # off by default


def test_a_firm_rule_tone_sets_the_sign_where_the_learned_tone_disagrees():
    from ipwire.tasks.classify.weights import LinearHead, Model, RulePrior

    level = LinearHead(("x",), (0.0,), (1.0,), (1.0,), 0.0)
    model = Model("", None, {}, level, None, RulePrior(0.4, 0.75, 0.3, tone_firm=0.5))
    assert model.tone_of({"x": -0.1, "rule_tone": 0.8}) == pytest.approx(0.6)  # firm: turned
    assert model.tone_of({"x": -0.1, "rule_tone": 0.4}) == pytest.approx(-0.1)  # not firm
    assert model.tone_of({"x": 0.1, "rule_tone": -0.6}) == pytest.approx(-0.45)


def test_a_model_file_with_a_rule_prior_out_of_range_is_rejected(tmp_path):
    tax_path, model_path = _copy_with_model(tmp_path)
    data = json.loads(model_path.read_text(encoding="utf-8"))
    data["rule_prior"]["topic_cut"] = 1.5
    model_path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="rule_prior"):
        load_taxonomy(tax_path)

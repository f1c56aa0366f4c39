"""The HTML extractor's balanced retry when recall mode kept little, and teaser cards that
sibling recovery leaves out."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from ipwire.tasks.clean.html import (
    KEPT_LITTLE_CHARS,
    WIDER_GAIN,
    _kept_little,
    _wider,
)
from ipwire.tasks.clean.rules import default_rules

_RULES = default_rules()
REPO = Path(__file__).resolve().parents[1]

_LEDE = "The council approved the new budget on Monday after a long debate."
_MORE = (
    "Councillors argued for hours over the cost of the bridge repairs and the new library. "
    "The mayor said the plan keeps taxes flat for a third year and funds two more buses. "
)


def test_wider_text_that_holds_the_recall_text_replaces_it():
    wide = _LEDE + "\n" + _MORE * 4
    assert len(wide) > WIDER_GAIN * len(_LEDE)
    assert _wider(_LEDE, wide, _RULES) == wide


def test_wider_text_that_drops_the_recall_text_is_another_block():
    # a gallery or teaser list found by the retry: much longer, but without the lede
    gallery = "Police take up positions outside the station on Thursday.\n" * 10
    assert _wider(_LEDE, gallery, _RULES) == _LEDE


def test_wider_text_is_taken_though_it_leaves_out_the_recall_texts_chrome():
    # recall mode kept a lede and a rail of "Recommended:" links; the balanced text holds the
    # whole article but not the rail, which the line rules would strip from either text
    rail = [f"Recommended: Best {x} classes and certificates in NYC" for x in ("design", "coding")]
    narrow = "\n".join([_LEDE, *rail])
    wide = _LEDE + "\n" + _MORE * 6
    assert _wider(narrow, wide, _RULES) == wide
    # the same rail as article lines of its own would hold the recall text back
    plain = "\n".join([_LEDE, *(r.removeprefix("Recommended: ") for r in rail)])
    assert _wider(plain, wide, _RULES) == plain


def test_wider_text_holds_the_recall_texts_list_items_without_their_dashes():
    # recall mode writes "- item", the balanced mode "item": the same list, held
    items = [f"Mid-Market Firms: ${n}0 to ${n}5 per hour for the {n}th tier." for n in range(2, 8)]
    narrow = "\n".join([_LEDE, *(f"- {x}" for x in items)])
    wide = "\n".join([_LEDE, *items, *(_MORE.strip() for _ in range(8))])
    assert len(wide) > WIDER_GAIN * len(narrow)
    assert _wider(narrow, wide, _RULES) == wide


def test_wider_text_only_a_little_longer_is_not_taken():
    wide = _LEDE + "\n" + _MORE[:80]
    assert len(wide) <= WIDER_GAIN * len(_LEDE)
    assert _wider(_LEDE, wide, _RULES) == _LEDE


def _page(paragraphs: int) -> object:
    body = "".join(f"<p>{_MORE}</p>" for _ in range(paragraphs))
    return lxml_html.document_fromstring(f"<html><body><div>{body}</div></body></html>")


def test_short_text_on_a_long_page_kept_little():
    tree = _page(40)
    assert _kept_little(_LEDE, tree)
    # the measure reads a copy: the page itself is left as it was
    assert len(tree.xpath("//p")) == 40


def test_text_that_is_most_of_the_page_or_long_did_not_keep_little():
    assert not _kept_little(_MORE, _page(1))
    assert not _kept_little("", _page(40))
    assert not _kept_little("x" * KEPT_LITTLE_CHARS, _page(400))


def test_a_text_twice_trafilaturas_short_mark_on_a_long_page_kept_little():
    # trafilatura escalates under 3,000 characters; a 3,035-character FAQ kept from a
    # 26,000-character price guide is as little of that page
    faq = ("How much does it cost? " + _MORE) * 17
    assert 3000 < len(faq) < KEPT_LITTLE_CHARS
    assert _kept_little(faq, _page(150))


_MINIFIED = (
    "<html><head><style>p{color:red}</style></head><body>"
    "<nav><ul><li>Home</li><li>World</li></ul></nav>"
    "<div>one</div><div>two</div><p>three\u00a0four</p><span>five</span>six"
    "<script>var x = 'a long script the page text never shows';</script>tail"
    "<aside>Related: more</aside><footer>\u00a9 2024 Site</footer>"
    "<table><tr><td>a</td><td>b</td></tr></table>"
    "</body></html>"
)


def test_page_text_bound_is_never_under_the_page_text_it_stands_for():
    from trafilatura import html2txt

    from ipwire.tasks.clean.html import _page_text_bound
    from ipwire.tasks.clean.render import _parse

    article = (REPO / "tests" / "fixtures" / "extract" / "article.html").read_text(encoding="utf-8")
    pages = [
        _MINIFIED,
        article,
        "<html><body><p>" + _MORE * 30 + "</p></body></html>",
        "<html><body>" + "<div>word</div>" * 50 + "</body></html>",
    ]
    for html in pages:
        tree = _parse(html)
        exact = len(html2txt(tree))
        bound = _page_text_bound(tree)
        assert bound is not None and exact <= bound
    # block elements run together in a minified page: the spaces html2txt puts between
    # them count, and the script's text does not
    tree = _parse(_MINIFIED)
    assert len(html2txt(tree)) <= _page_text_bound(tree) < len(tree.find(".//body").text_content())


def test_kept_little_reads_the_same_with_and_without_the_bound(monkeypatch):
    import ipwire.tasks.clean.html as extractor

    texts = [_LEDE, _MORE, _MORE * 3, "x" * 200]
    pages = [_page(n) for n in (1, 2, 5, 40)]
    with_bound = [_kept_little(t, p) for t in texts for p in pages]
    monkeypatch.setattr(extractor, "_page_text_bound", lambda tree: None)
    assert [_kept_little(t, p) for t in texts for p in pages] == with_bound
    assert any(with_bound) and not all(with_bound)


def _recover(gap: list[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """What sibling recovery keeps of a run of blocks, and what it strips (kind, text)."""
    from ipwire.tasks.clean.siblings import _recovered

    stripped: list = []
    kept = list(_recovered(gap, default_rules(), stripped))
    return kept, [(s.kind, s.text) for s in stripped]


def test_recovered_teaser_card_cut_off_with_an_ellipsis_is_stripped():
    gap = [
        ("p", "The bridge reopens in May, the council said, once the inspectors sign off."),
        ("p", "Wussten Sie, dass in rosa gestrichenen Räumen der Blutdruck sinkt? Oder dass…"),
        ("p", "Lila ist beliebt, Lila wird geliebt, Lila wird gehasst und verspottet..."),
    ]
    kept, stripped = _recover(gap)
    assert kept == [gap[0][1]]
    assert [kind for kind, _ in stripped] == ["related-links", "related-links"]


def test_recovered_teaser_closing_with_its_story_link_leaves_with_the_heading_over_it():
    # the post-filter's teaser rule holds for blocks that sibling recovery brings back, and a
    # heading whose only block under it left is a heading over nothing
    gap = [
        ("h3", "Related Topics"),
        ("p", "The best and worst of the cricket season in 2014. Full Article"),
        ("h3", "Flood season"),
        ("p", "The bridge reopens in May, the council said, once the inspectors sign off."),
    ]
    kept, stripped = _recover(gap)
    assert kept == ["Flood season", gap[3][1]]
    assert stripped == [("related-links", gap[1][1])]


def test_extractor_takes_the_balanced_text_when_recall_kept_little(monkeypatch):
    import ipwire.tasks.clean.html as html_mod

    wide = "\n".join([_LEDE, *(_MORE.strip() for _ in range(6))])
    calls: list[bool] = []

    def fake(tree, url, *, recall):
        calls.append(recall)
        return _LEDE if recall else wide

    monkeypatch.setattr(html_mod, "_trafilatura", fake)
    page = "<html><body>" + "".join(f"<p>{_MORE}</p>" for _ in range(40)) + "</body></html>"
    text = html_mod.extract_from_html(page).text
    assert calls == [True, False]
    assert "Councillors argued" in text and _LEDE in text

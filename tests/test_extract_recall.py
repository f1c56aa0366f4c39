"""The recall pass gives trafilatura's own recall-mode text, with fewer tree copies."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import prune_unwanted_nodes

import ipwire.tasks.clean.recall as recall
import ipwire.tasks.clean.walks as walks
from ipwire.tasks.clean.render import _parse

REPO = Path(__file__).resolve().parents[1]

_PARA = (
    "<p>Officials from both countries met in Dubai on Monday to discuss trade across the "
    "border at Wagah, the first such talks in four years, according to a joint statement.</p>"
)
_READERS = (
    "<p>Readers wrote that the talks at Wagah should go on through the winter and the spring, "
    "and that traders on both sides would gain the most.</p>"
)
_MENU = "<nav><ul>" + "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(12))
_MENU += "</ul></nav>"
_COMMENTS = (
    "<div id='comments' class='comments'><h3>3 comments</h3>"
    + "<div class='comment'><p>Great piece, thanks for the report from the border.</p></div>" * 3
    + "</div>"
)


def _page(body: str) -> str:
    head = "<html><head><title>Talks</title></head>"
    return f"{head}<body>{_MENU}{body}<footer>© 2025</footer></body></html>"


PAGES = {
    # long text: trafilatura skips its comparison with readability and justext
    "long article": _page("<article>" + _PARA * 20 + "</article>" + _COMMENTS),
    # short text (at most ten times trafilatura's minimum): the comparison runs
    "short article": _page("<article>" + _PARA * 3 + "</article>" + _COMMENTS),
    # shorter than trafilatura's minimum: its baseline may take over
    "tiny article": _page("<div><p>Talks resume at Wagah on Monday.</p></div>"),
    "list page": _page(
        "<div class='content'><ul>"
        + "".join(f"<li>{i}. Delegation member number {i} from Lahore</li>" for i in range(30))
        + "</ul></div>"
    ),
    "no text": _page(""),
    # text the two prunes take out, which trafilatura would otherwise keep
    "comments holding prose": _page(
        "<article>" + _PARA * 4 + "<div id='comments'>" + _READERS * 6 + "</div></article>"
    ),
    "a list of comments": _page(
        "<article>" + _PARA * 4 + "<ul id='comments'><li>" + _READERS * 3 + "</li></ul></article>"
    ),
    "appended articles": _page(
        "<article>"
        + _PARA * 4
        + "<div class='infinite-scroll'>"
        + _READERS * 6
        + "</div></article>"
    ),
    # a forum thread (its JSON-LD says so): its posts are content, not comments to prune
    "forum thread": _page(
        '<script type=\'application/ld+json\'>{"@type": "DiscussionForumPosting", '
        '"headline": "Talks"}</script><div class=\'thread\'>'
        + "<div class='comment'>"
        + _PARA * 2
        + "</div>" * 4
        + "</div>"
    ),
    "fixture": (REPO / "tests" / "fixtures" / "extract" / "article.html").read_text("utf-8"),
}


def _bare(tree) -> str:
    doc = bare_extraction(tree, include_comments=False, with_metadata=False, favor_recall=True)
    return (doc.text if doc is not None else "") or ""


@pytest.mark.parametrize("name", PAGES)
def test_the_recall_pass_returns_trafilaturas_recall_text_and_leaves_the_tree_alone(name: str):
    tree = _parse(PAGES[name])
    before = etree.tostring(tree)
    assert recall.recall_text(tree) == _bare(_parse(PAGES[name]))
    assert etree.tostring(tree) == before


def test_the_recall_pass_repeats_the_steps_of_the_installed_trafilatura():
    # the steps are those of one version's code: a new trafilatura takes the public call
    # until they are read again (and this test says so)
    assert trafilatura.__version__ == recall.STEPS_OF
    assert recall._steps_source() == recall.STEPS_SOURCE_SHA256
    assert recall._steps_ready()


def test_input_that_is_no_parsed_tree_gets_what_bare_extraction_gives():
    assert recall.recall_text(None) == ""
    html = PAGES["long article"]
    assert recall.recall_text(html) == _bare(html) != ""


def test_a_page_with_a_short_text_runs_trafilaturas_comparison(monkeypatch):
    calls = []
    real = recall.compare_extraction

    def spy(*args):
        calls.append(len(args[3]))
        return real(*args)

    monkeypatch.setattr(recall, "compare_extraction", spy)
    recall.recall_text(_parse(PAGES["short article"]))
    recall.recall_text(_parse(PAGES["long article"]))
    assert len(calls) == 1 and calls[0] <= 2500


def test_under_another_trafilatura_the_recall_pass_is_the_public_call(monkeypatch):
    monkeypatch.setattr(recall, "_steps_ready", lambda: False)
    monkeypatch.setattr(recall, "extract_content", None)  # the steps are not run
    for html in PAGES.values():
        assert recall.recall_text(_parse(html)) == _bare(_parse(html))


_PRUNE_PAGE = (
    "<html><body><h1>Talks resume</h1>"
    "<div id='main'><p>Article text.</p>tail one"
    "<div class='infinite-scroll'><h2>Next story</h2><p>Appended.</p></div>tail two"
    "<section id='infinitescroll-box'><h1>The page's own headline</h1></section>"
    "<aside class='mvp-post-add-box'><h1>Appended headline</h1></aside>"
    "<div class='elementor-share-buttons x'><a>Share</a></div>"
    "<div id='comments'><p>A comment.</p><div class='comment-body'>nested</div></div>tail three"
    "<div id='commentary'><p>An analyst's commentary stays.</p></div>"
    "<div class='post-comments'>Reader comments</div>"
    "<ul id='comol'><li>listed comment</li></ul>"
    "<ul class='menu'><li>Comments policy</li></ul>"
    "<ol id='disqus_thread'><li>an ol only a div id test names</li></ol>"
    "<details class='Comment-form'>form</details>"
    "<span class='comment'>a span is no container</span>"
    "</div></body></html>"
)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (walks.prune_raw, walks.RAW_TREE_PRUNE_XPATH),
        (walks.prune_comments, walks.REMOVE_COMMENTS_AND_LISTS_XPATH),
    ],
)
def test_the_python_prunes_delete_what_trafilaturas_xpaths_delete(ours, theirs):
    assert walks.ready()
    mine, reference = _parse(_PRUNE_PAGE), _parse(_PRUNE_PAGE)
    ours(mine)
    prune_unwanted_nodes(reference, theirs)
    assert etree.tostring(mine) == etree.tostring(reference)
    assert etree.tostring(mine) != etree.tostring(_parse(_PRUNE_PAGE))  # something went


# id and class words the two prunes test for, near misses and neighbours
_PRUNE_TOKENS = (
    "comment Comment comments commentary Commentary comol disqus_thread dsq-comments "
    "article-comments post-comments xcomment infinite-scroll infinitescroll infinite_scroll "
    "mvp-post-add-box mvp-post-add-wrap mvp-post-add elementor-share-buttons "
    "elementor-share x y"
).split()
_PRUNE_TAGS = ("div", "section", "aside", "ol", "ul", "details", "list", "p", "h1", "article")


def _generated_prune_page(rnd: random.Random) -> str:
    def value() -> str:
        picked = [rnd.choice(_PRUNE_TOKENS) for _ in range(rnd.randint(1, 2))]
        return rnd.choice([" ", "-", ""]).join(picked)

    def element(depth: int) -> str:
        tag = rnd.choice(_PRUNE_TAGS)
        attrs = " ".join(f'{k}="{value()}"' for k in rnd.sample(("id", "class"), rnd.randint(0, 2)))
        inner = "".join(element(depth + 1) for _ in range(rnd.randint(0, 3))) if depth < 4 else "x"
        return f"<{tag} {attrs}>{inner}</{tag}>tail{depth}"

    return "<html><body>" + "".join(element(0) for _ in range(4)) + "</body></html>"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (walks.prune_raw, walks.RAW_TREE_PRUNE_XPATH),
        (walks.prune_comments, walks.REMOVE_COMMENTS_AND_LISTS_XPATH),
    ],
)
def test_the_python_prunes_agree_with_the_xpaths_on_generated_pages(ours, theirs):
    rnd = random.Random(11)
    changed = 0
    for _ in range(300):
        page = _generated_prune_page(rnd)
        mine, reference = _parse(page), _parse(page)
        ours(mine)
        prune_unwanted_nodes(reference, theirs)
        assert etree.tostring(mine) == etree.tostring(reference), page
        changed += etree.tostring(reference) != etree.tostring(_parse(page))
    assert changed > 100  # the pages give the prunes something to delete


def test_the_python_prunes_stand_aside_when_trafilaturas_xpaths_change(monkeypatch):
    changed = [etree.XPath(".//*[self::div][contains(@class, 'comments-area')]")]
    given = [
        walks.OVERALL_DISCARD_XPATH,
        walks.BODY_XPATH,
        walks.RAW_TREE_PRUNE_XPATH,
        walks.REMOVE_COMMENTS_AND_LISTS_XPATH,
    ]
    assert walks.read_from(*given)
    for i in (2, 3):  # either prune's XPaths changed, or only re-indented (the hash sees it)
        assert not walks.read_from(*given[:i], changed, *given[i + 1 :])
        spaced = [etree.XPath(x.path.replace(" or ", "  or ", 1)) for x in given[i]]
        assert walks._sources(spaced) == walks._sources(given[i])
        assert not walks.read_from(*given[:i], spaced, *given[i + 1 :])
    # standing aside, each prune is trafilatura's own, reading whatever XPaths it has
    monkeypatch.setattr(walks, "REMOVE_COMMENTS_AND_LISTS_XPATH", changed)
    monkeypatch.setattr(walks, "RAW_TREE_PRUNE_XPATH", changed)
    monkeypatch.setattr(walks, "ready", lambda: False)
    for prune in (walks.prune_comments, walks.prune_raw):
        tree = _parse(_page("<div class='comments-area'><p>A comment.</p></div><p>Text.</p>"))
        prune(tree)
        assert "A comment." not in etree.tostring(tree, encoding="unicode")

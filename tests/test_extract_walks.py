"""trafilatura's container search and section prune read in Python find what its XPaths
find, and stand in for them only inside ipwire's own trafilatura passes."""

from __future__ import annotations

import gzip
import random
from copy import copy
from pathlib import Path

import pytest
from lxml import etree
from trafilatura import main_extractor
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

import ipwire.tasks.clean.walks as walks
from ipwire.tasks.clean.render import _parse

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "extraction"

# every clause of the two XPaths, the attribute orders their "@id|@class" unions read, and
# what must not match (a comment and a processing instruction, an empty id, "cookie" in a
# second attribute, a class that only looks like one)
_PAGE = (
    "<html><body><div id='root'>"
    "<div class='share-box'><p>Share</p></div>"
    "<p id='newsletter-signup'>Sign up</p>"
    "<section role='Navigation'><span>Home</span></section>"
    "<span data-lp-replacement-content=''>x</span>"
    "<div data-component='MostPopularStories'>Most read</div>"
    "<div id='x1' class='cookie-note'>ids first: cookie in the class is not read</div>"
    "<div class='cookie-note' id='x2'>classes first: cookie read</div>"
    "<div class='x' id='cookie-banner'>ids second: cookie not read, but id is read alone</div>"
    "<div class='intro with ad here'>ad in the middle of a class</div>"
    "<div class='loaded' id=''><p>empty id</p></div>"
    "<!-- a comment --><?pi target?>"
    "<b class='reply-link'>reply</b>"
    "<i id='main' class='reply-x'>id first, not a reply</i>"
    "<i class='reply-x' id='main'>class first, a reply</i>"
    "<em style='color: red' id='hidden-part'>style first: not hidden</em>"
    "<em id='hidden-part' style='color: red'>id first: hidden</em>"
    "<u style='display:none'>gone</u><u style='display: none'>gone too</u>"
    "<a aria-hidden='true'>icon</a><a aria-hidden='false'>shown</a>"
    "<h3 class='comments-title'>3 comments</h3>"
    "<div class='article-body'><p class='lead'>Talks resume at Wagah.</p></div>"
    "</div></body></html>"
)


def _same(found: list, expected: list) -> bool:
    return len(found) == len(expected) and all(a is b for a, b in zip(found, expected, strict=True))


def _first(found: list):
    """What trafilatura reads of a container expression's result: its first element."""
    return next((el for el in found if el is not None), None)


# the content containers, each expression's clauses, before and after the one it should find
_CONTAINERS = [
    "<div class='x'><section class='post'>post</section><div class='post'>second</div></div>",
    "<div><span class='post-content'>a span is no container</span>"
    "<div class='wrap'><div class='td-post-content'>found by its class</div></div></div>",
    "<main><div id='articleContent'>by id</div><article itemprop='articleBody'>b</article></main>",
    "<div id='story'>story</div><div role='article'>role</div>",
    "<div class='FullText-wrap'>ignoring case</div><div class='text'>exact class</div>",
    "<div class='article body'>not '^article '</div><div class='article body x'>x</div>",
    "<section id='primary-column'>primary</section>",
    "<div id='Main-Content'>translated</div><div class='PAGE-content'>not all capitals</div>",
    "<div class='wp-Page-content'>page</div><div id='content'>content</div>",
    "<div class='content__body'>body</div>",
    "<article>an article element</article>",
    "<div class='mainframe'>main by class</div><main>a main element</main>",
    "<div><p>no container at all</p></div>",
]


def test_the_container_walks_find_the_element_trafilatura_would_take():
    assert walks.ready()
    for body in _CONTAINERS:
        for tree in _trees(f"<html><body>{body}</body></html>"):
            for xpath, walk in zip(walks.BODY_XPATH, walks._BODIES, strict=True):
                assert _first(walk(tree)) is _first(xpath(tree)), body
    found = {
        _first(walk(_parse(f"<html><body>{body}</body></html>"))) is not None
        for body in _CONTAINERS
        for walk in walks._BODIES
    }
    assert found == {True, False}


def _trees(html: str) -> list:
    """The raw tree's root element and trafilatura's cleaned, converted tree (where the
    prune runs, with its ``list`` and ``item`` elements)."""
    tree = _parse(html)
    options = Extractor(output_format="python", recall=True, comments=False)
    return [tree, convert_tags(tree_cleaning(copy(tree), options), options)]


def test_the_prune_walks_find_the_elements_trafilaturas_xpaths_find_in_their_order():
    assert walks.ready()
    for tree in _trees(_PAGE):
        for xpath, walk in zip(walks.OVERALL_DISCARD_XPATH, walks._WALKS, strict=True):
            assert _same(walk(tree), xpath(tree))
    found = {el.text for el in walks.sections_to_discard(_parse(_PAGE)) if el.text}
    assert "classes first: cookie read" in found
    assert "ids first: cookie in the class is not read" not in found
    hidden = {el.text for el in walks.hidden_to_discard(_parse(_PAGE)) if el.text}
    assert {"class first, a reply", "id first: hidden", "gone", "icon"} <= hidden
    assert not {"id first, not a reply", "style first: not hidden", "shown"} & hidden


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared evaluation data not present")
@pytest.mark.parametrize("pack", ["wcxb-dev", "trafeval", "newspaper"])
def test_the_walks_find_what_the_xpaths_find_on_real_pages(pack: str):
    pages = sorted((SHARED / pack / "html").glob("*.html.gz"))[::12]
    assert pages
    for page in pages:
        html = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
        if _parse(html) is None:
            continue
        for tree in _trees(html):
            for xpath, walk in zip(walks.OVERALL_DISCARD_XPATH, walks._WALKS, strict=True):
                assert _same(walk(tree), xpath(tree)), page.name
            for xpath, walk in zip(walks.BODY_XPATH, walks._BODIES, strict=True):
                assert _first(walk(tree)) is _first(xpath(tree)), page.name


def test_the_walks_stand_in_only_inside_ipwires_passes():
    prunes, bodies = main_extractor.OVERALL_DISCARD_XPATH, main_extractor.BODY_XPATH
    assert prunes is walks.OVERALL_DISCARD_XPATH and bodies is walks.BODY_XPATH
    with walks.python_walks():
        assert main_extractor.OVERALL_DISCARD_XPATH is walks._WALKS
        assert main_extractor.BODY_XPATH is walks._BODIES
    assert main_extractor.OVERALL_DISCARD_XPATH is prunes and main_extractor.BODY_XPATH is bodies
    with pytest.raises(RuntimeError), walks.python_walks():
        raise RuntimeError("a pass that fails")
    assert main_extractor.OVERALL_DISCARD_XPATH is prunes and main_extractor.BODY_XPATH is bodies


def test_the_walks_stand_aside_when_trafilaturas_xpaths_change(monkeypatch):
    changed = [etree.XPath(".//*[self::div][contains(@class, 'share')]")]
    prunes = walks.RAW_TREE_PRUNE_XPATH, walks.REMOVE_COMMENTS_AND_LISTS_XPATH
    assert walks.read_from(walks.OVERALL_DISCARD_XPATH, walks.BODY_XPATH, *prunes)
    assert not walks.read_from(changed, walks.BODY_XPATH, *prunes)
    assert not walks.read_from(walks.OVERALL_DISCARD_XPATH, changed, *prunes)
    assert not walks.read_from(None, None, None, None)
    # white space inside a quoted pattern is a different XPath
    spaced = [etree.XPath(x.path.replace("| ad |", "|  ad |")) for x in walks.OVERALL_DISCARD_XPATH]
    assert not walks.read_from(spaced, walks.BODY_XPATH, *prunes)
    # the code that reads the results is part of what the walks were read from
    assert walks.ready() and walks._readers_source() is not None
    monkeypatch.setattr(walks, "_readers_source", lambda: "def _extract(tree): ...")
    walks.ready.cache_clear()
    try:
        assert not walks.ready()
        with walks.python_walks():
            assert main_extractor.OVERALL_DISCARD_XPATH is walks.OVERALL_DISCARD_XPATH
            assert main_extractor.BODY_XPATH is walks.BODY_XPATH
    finally:
        walks.ready.cache_clear()


def test_the_walks_put_back_whatever_lists_were_in_place():
    custom = list(walks.BODY_XPATH)
    main_extractor.BODY_XPATH = custom
    try:
        with walks.python_walks():
            assert main_extractor.BODY_XPATH is walks._BODIES
        assert main_extractor.BODY_XPATH is custom
    finally:
        main_extractor.BODY_XPATH = walks.BODY_XPATH


# words the XPaths test for, in other cases and with neighbours, for generated pages
_TOKENS = (
    "share Shar social cookie Cookie nav Navigation menu bar ad ad-x x-ad-y post entry "
    "post-content article-body articleBody fulltext FullText story primary main Main-Content "
    "content page-content PAGE-CONTENT content__body text cell hidden hide-x reply-x "
    "comments-title display:none color:red true false yin meta footer related x"
).split()
_ATTRS = ("id", "class", "style", "role", "aria-hidden", "itemprop", "data-component", "href")
_TAGS = ("div", "section", "article", "main", "p", "span", "li", "ul", "b", "aside")


def _generated_page(rnd: random.Random) -> str:
    def value() -> str:
        picked = [rnd.choice(_TOKENS) for _ in range(rnd.randint(1, 3))]
        return rnd.choice([" ", "-", "_", ""]).join(picked) if rnd.random() < 0.9 else ""

    def element(depth: int) -> str:
        tag = rnd.choice(_TAGS)
        attrs = " ".join(f'{k}="{value()}"' for k in rnd.sample(_ATTRS, rnd.randint(0, 4)))
        inner = "".join(element(depth + 1) for _ in range(rnd.randint(0, 3))) if depth < 4 else "x"
        return f"<{tag} {attrs}>{inner}</{tag}>"

    return "<html><body>" + "".join(element(0) for _ in range(5)) + "</body></html>"


def test_the_walks_agree_with_the_xpaths_on_generated_pages():
    rnd = random.Random(7)
    for _ in range(150):
        tree = _parse(_generated_page(rnd))
        for xpath, walk in zip(walks.OVERALL_DISCARD_XPATH, walks._WALKS, strict=True):
            assert _same(walk(tree), xpath(tree))
        for xpath, walk in zip(walks.BODY_XPATH, walks._BODIES, strict=True):
            assert _first(walk(tree)) is _first(xpath(tree))

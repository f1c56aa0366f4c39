"""The post-filter over trafilatura's blocks: the text-paste line rules applied to HTML output.

Lines that are chrome wherever they stand, photo-credit captions, trailing
"Related"/"Don't Miss" sections (only when little prose follows the marker), short blocks
the line model is sure are chrome, and repeated paragraphs. Peeling short low-scored lines
off the two edges (``html_peel_edges``) is off by default: on packs nobody tuned on, those
lines were closing credits and sign-offs about as often as chrome.
"""

from __future__ import annotations

import re

from ipwire.records import Stripped
from ipwire.tasks.clean.decisions import decide
from ipwire.tasks.clean.features import score_lines
from ipwire.tasks.clean.html_meta import bare_title
from ipwire.tasks.clean.lines import (
    Line,
    QuoteAwareEnd,
    _is_prose,
    is_credit_line,
    low_tokens,
    split_lines,
)
from ipwire.tasks.clean.patterns import _fold, fold_space
from ipwire.tasks.clean.rules import BoilerplateRules
from ipwire.tasks.clean.words import EUROPEAN_STOPWORDS

# A paragraph at least this long that repeats one already kept is a second copy of the
# same block (pages that ship the article once per screen size, repeated teasers); chosen
# on the fit half of the dev pack, where shorter repeats (list bullets, "Read more") vary.
DUPLICATE_MIN_WORDS = 12


# A section marker ("Related", "Read more", a comment heading) closes trafilatura's output
# only when little prose follows it: trafilatura already stops at most trailing boxes, so a
# marker with several prose paragraphs after it is an inline link or a subheading. Chosen
# on the fit half (fit-half F1 0.9443, 0.9437, 0.9427 for 2, 3, 5).
CUT_MAX_PROSE_AFTER = 2


_CODE_CHARS = re.compile(r"[=<>{};_]")


def _prose_after(lines: list[Line], start: int, rules: BoilerplateRules) -> int:
    """Prose paragraphs after line ``start`` (counting stops at the cap)."""
    n = 0
    for ln in lines[start + 1 :]:
        if _is_prose(ln, rules):
            n += 1
            if n >= CUT_MAX_PROSE_AFTER:
                break
    return n


def _filter_blocks(
    raw: str, rules: BoilerplateRules, title: str | None
) -> tuple[str, list[Stripped]]:
    """Drop chrome blocks trafilatura kept, with the same line rules as text pastes.

    Long paragraphs trafilatura returns twice are kept once: the second copy adds no
    article words and doubles whatever block it belongs to.
    """
    body, stripped, _ = _filter_blocks_cut(raw, rules, title)
    return body, stripped


def _filter_blocks_cut(
    raw: str, rules: BoilerplateRules, title: str | None
) -> tuple[str, list[Stripped], bool]:
    """``_filter_blocks``, also telling whether a section marker or thread closed the text."""
    lines: list[Line] = split_lines(raw.replace("\n", "\n\n"))
    if not lines:
        return "", [], False
    decision = decide(lines, rules)
    cut_at = decision.cut_at
    if cut_at is not None:
        if rules.marker_for(lines[cut_at].text) is None:
            # a run of name+date headed items (comments, dated teasers) closes the article,
            # unless the "date" lines are code (a WHERE clause with a date literal)
            if cut_at + 1 < len(lines) and _CODE_CHARS.search(lines[cut_at + 1].text):
                cut_at = None
        elif _prose_after(lines, cut_at, rules) >= CUT_MAX_PROSE_AFTER:
            cut_at = None
    # the line model reads languages whose function words it knows: on a page in another
    # script its low score is no evidence, and a line trafilatura kept stays unless a rule
    # names it
    model_reads: bool | None = None  # worked out the first time a line needs it
    probs = _whole_sentence_probs(lines, decision.probs, rules)
    kinds: list[str | None] = []
    title_norm = fold_space(title or "")
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        kind = chrome_line_kind(ln.text, ln.words, rules)
        drop_kind = None
        if kind:
            drop_kind = kind
        elif cut_at is not None and i >= cut_at:
            drop_kind = decision.cut_kind or "related-links"
        elif not _SENTENCE_END.search(ln.text) and (heading := rules.heading_kind(ln.text)):
            drop_kind = heading  # a section's heading whose section trafilatura left out
        elif i == 0 and title_norm and fold_space(bare_title(ln.text)) == title_norm:
            # the page's headline opening the text leaves it whatever the line model says,
            # and the audit says where it went
            drop_kind = "title"
        elif (
            probs[i] < rules.html_threshold
            and not _is_table_row(ln.text)
            and not is_credit_line(ln.text)
            and not (rules.html_nav_max_words and ln.words > rules.html_nav_max_words)
            and (
                model_reads
                if model_reads is not None
                else (model_reads := _known_word_share(lines) >= KNOWN_WORDS_MIN_SHARE)
            )
        ):
            drop_kind = "navigation"
        else:
            norm = fold_space(ln.text)
            if norm in seen:
                drop_kind = "duplicate"
            elif norm.count(" ") + 1 >= DUPLICATE_MIN_WORDS:
                seen.add(norm)
        kinds.append(drop_kind)
    if rules.html_peel_edges:
        _peel_edges(lines, kinds, decision.probs)
    _drop_trailing_markers(lines, kinds, rules)
    stripped = [Stripped(k, ln.text) for ln, k in zip(lines, kinds, strict=True) if k]
    body = "\n\n".join(ln.text for ln, k in zip(lines, kinds, strict=True) if not k)
    return body, stripped, cut_at is not None


# A piece of a sentence broken across lines (a <br>, an inline element trafilatura set on
# its own line) has at least this many words: menu items run one to three.
BROKEN_SENTENCE_MIN_WORDS = 3
# the post-filter's line ends may close with quotes and round brackets (no square ones)
_QUOTES_AND_PARENS = r"\"'”’»«›‹)」』）"
# what closes a sentence or a clause, so that the next line starts afresh
_CLAUSE_END = QuoteAwareEnd(".!?…:;。！？।۔؟", closers=_QUOTES_AND_PARENS)
# a label opening a line ("by: Ziyi Xu", "tags: …"), not a sentence going on
_LABEL_OPENING = re.compile(r"^\W*\w+\s*:")


def _sentence_piece(ln: Line, rules: BoilerplateRules) -> bool:
    """A line that may be one piece of a broken sentence: a few words, no address, no chrome
    phrase or kind."""
    low = ln.text.lower()
    return (
        ln.words >= BROKEN_SENTENCE_MIN_WORDS
        and "://" not in low
        and "www." not in low
        and not rules.has_chrome_phrase(low)
        and rules.line_kind(ln.text) is None
    )


def _goes_on(ln: Line, nxt: Line, rules: BoilerplateRules) -> bool:
    """Whether ``nxt`` carries on the sentence ``ln`` left open: lower case after no stop."""
    if _CLAUSE_END.search(ln.text) or _LABEL_OPENING.match(nxt.text):
        return False
    first = nxt.text.lstrip("–—-•·»\"'„“‚‘( ")[:1]
    return first.islower() and _sentence_piece(ln, rules) and _sentence_piece(nxt, rules)


def _whole_sentence_probs(
    lines: list[Line], probs: list[float], rules: BoilerplateRules
) -> list[float]:
    """The line model's scores, with each piece of a sentence broken across lines ("Die bumm
    film GmbH bietet" / "für Kino, TV, Musik, Visual Effects, Web und Live-Entertainment")
    scored as the whole sentence too, keeping the higher score: read alone, a piece looks
    like short chrome. The whole sentence must score as the span search counts article text
    (``span_threshold``): pieces of a chrome sentence still score low."""
    runs: list[list[int]] = []
    for i in range(len(lines) - 1):
        if probs[i] < 1.0 and _goes_on(lines[i], lines[i + 1], rules):
            if runs and runs[-1][-1] == i:
                runs[-1].append(i + 1)
            else:
                runs.append([i, i + 1])
    runs = [r for r in runs if min(probs[j] for j in r) < rules.html_threshold]
    if not runs:
        return probs
    # the page again, each broken sentence on one line, scored in the same context
    first = {r[0]: r for r in runs}
    inside = {j for r in runs for j in r[1:]}
    texts, where = [], []
    for i in range(len(lines)):
        if i in inside:
            continue
        run = first.get(i, [i])
        where.append(run)
        texts.append(" ".join(lines[j].text for j in run))
    joined = split_lines("\n\n".join(texts))
    if len(joined) != len(texts):
        return probs  # a piece split or vanished on re-reading: no whole-sentence score
    rescored = score_lines(joined, rules)
    out = list(probs)
    for run, p in zip(where, rescored, strict=True):
        # the whole sentence counts when it scores as article text does in the span search
        if len(run) > 1 and p >= rules.span_threshold:
            for j in run:
                out[j] = max(out[j], p)
    return out


# A section heading that ends the text heads nothing ipwire kept ("Das könnte Sie auch
# interessieren" above a teaser rail trafilatura left out); a heading is short (at most
# ``rules.marker_max_words``) and has no sentence-final punctuation. Unlike
# ``lines._SENT_END``, a colon ends a heading ("Also read:"), not a sentence.
_SENTENCE_END = QuoteAwareEnd(".!?…。！？।۔؟", closers=_QUOTES_AND_PARENS)


def _drop_trailing_markers(
    lines: list[Line], kinds: list[str | None], rules: BoilerplateRules
) -> None:
    """Section markers left as the last kept lines are dropped with their marker's kind."""
    kept = [i for i, k in enumerate(kinds) if not k]
    for i in reversed(kept[1:]):  # the only kept line is never a trailing heading
        ln = lines[i]
        kind = None
        if ln.words <= rules.marker_max_words and not _SENTENCE_END.search(ln.text):
            kind = rules.marker_kind(ln.text)
        if kind is None:
            return
        kinds[i] = kind


# Share of known function words (words.EUROPEAN_STOPWORDS: English and the main European
# languages, the ones the line model was fitted on) among a text's words at or above which
# the line model's scores count as evidence: prose in those languages runs near 0.3-0.5;
# Chinese, Japanese, Korean or Arabic text near 0.
KNOWN_WORDS_MIN_SHARE = 0.2


def _known_word_share(lines: list[Line]) -> float:
    """Share of the words of ``lines`` that are function words the line model knows; 1.0 for
    a text too short to tell (a menu of a few words is no sign of another language)."""
    if sum(len(ln.text) for ln in lines) < 100:
        return 1.0
    words = [w for ln in lines for w in low_tokens(ln)]
    return sum(map(EUROPEAN_STOPWORDS.__contains__, words)) / len(words) if words else 1.0


# An image caption trafilatura kept: a line that ends in a photo credit.
_PHOTO_CREDIT = re.compile(
    r"(?:\b(?:photo|image|picture|photograph)?\s*credits?\s*:\s*"
    r"|\b(?:photo|image|picture|photograph)s?\s*:\s*"
    r"|\b(?:photos?|images?|pictures?) (?:by|via|courtesy(?: of)?)\s+)"
    r"(?:[\w&.'’-]+\s*){1,6}\)?$",
    re.IGNORECASE,
)
_PHOTO_WORDS = ("credit", "photo", "image", "picture")


def _is_photo_credit(text: str) -> bool:
    """``_PHOTO_CREDIT`` searched only when one of the words every match holds is there."""
    folded = _fold(text)
    return any(w in folded for w in _PHOTO_WORDS) and _PHOTO_CREDIT.search(text) is not None


# A teaser closing with its link to the story, which trafilatura's recall mode keeps from a
# rail of them: "Search teams battle rough weather in hunt for AirAsia wreck Full Article",
# "… Einblicke. Hier weiterlesen.", "… beängstigenden... Mehr lesen ...", "… w Polsce.
# [czytaj więcej]", "… was David Granger.... more". The link follows a sentence's end or an
# ellipsis, or is capitalised as a button is ("… wreck Full Article"): "… base fares don't
# tell the full story." and "… wanted to read more" are sentences. In pastes the line model
# already reads such rails (there the pattern moved as many pages down as up).
_STORY_LINK_TAIL = re.compile(
    r"^(?:\S+\s+){3}.*(?:"
    r"(?:[.!?…\"”»)]|\.\.\.)\s*\[?(?:read more|continue reading"
    r"|read (?:the )?full (?:story|article)|weiterlesen|mehr lesen|lire la suite"
    r"|leer más|seguir leyendo|leggi tutto"
    r"|continua a leggere|lees meer|verder lezen|czytaj (?:więcej|dalej)|leia mais"
    r"|continue lendo|more)"
    r"|(?-i:\s(?:Read [Mm]ore|Continue [Rr]eading|Full (?:Article|Coverage)|Weiterlesen"
    r"|Mehr lesen|Lire la suite|Leer más|Czytaj więcej))"
    r"|\s(?:hier|jetzt|gleich) weiterlesen"
    r")\s*(?:[»›→>]+|\.{2,3}|…|\])?\s*\.?\s*$",
    re.IGNORECASE,
)
_LINK_TAIL_WORDS = tuple(
    "more reading article coverage lesen suite más leyendo tutto leggere meer lezen więcej "
    "dalej mais lendo".split()
)


def _is_teaser_with_link(text: str) -> bool:
    """``_STORY_LINK_TAIL``, searched only when the line's last 16 characters hold one of the
    words every link ends with."""
    tail = text[-16:].lower()
    return any(w in tail for w in _LINK_TAIL_WORDS) and _STORY_LINK_TAIL.match(text) is not None


# a caption or teaser is short: a longer block is never dropped for its credit or link
_CHROME_LINE_MAX_WORDS = 60


def chrome_line_kind(text: str, words: int, rules: BoilerplateRules) -> str | None:
    """The kind of a block of ``words`` words that is chrome wherever it stands in an HTML
    text, trafilatura's or brought back from the page: a chrome line by the rules, a photo
    credit's caption, a teaser closing with its story link."""
    kind = rules.line_kind(text)
    if kind or words > _CHROME_LINE_MAX_WORDS:
        return kind
    if _is_photo_credit(text):
        return "caption"
    if _is_teaser_with_link(text):
        return "related-links"
    return None


def _is_table_row(text: str) -> bool:
    """A row of a table trafilatura kept ("| cell | cell |").

    The line model, trained on pastes, reads short cell rows as menus; inside trafilatura's
    output they are the article's tables (dev pack: 141 such rows were article text, 14 not).
    """
    return text.startswith("|") and text.count("|") >= 3


# trafilatura's output often starts or ends with a short chrome line it took for part of
# the article (a disclosure, "Get started today", "Follow us", a read-time line): the
# first and last few kept lines are dropped, from the edge inwards, while the line model
# rates them below EDGE_THRESHOLD and they are short.
EDGE_LINES = 3
EDGE_THRESHOLD = 0.3
EDGE_MAX_WORDS = 20


def _peel_edges(lines: list[Line], kinds: list[str | None], probs: list[float]) -> None:
    kept = [i for i, k in enumerate(kinds) if not k]
    if len(kept) <= 2 * EDGE_LINES:
        return
    for order in (kept[:EDGE_LINES], kept[::-1][:EDGE_LINES]):
        for i in order:
            if probs[i] >= EDGE_THRESHOLD or lines[i].words > EDGE_MAX_WORDS:
                break
            kinds[i] = "navigation"

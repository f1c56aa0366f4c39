"""Decisions: keep or drop each line, the article span, and where a trailing section cuts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipwire.tasks.clean.dates import _is_date_line, is_any_date_line
from ipwire.tasks.clean.ends import keep_cut_off_end, keep_unmarked_tail
from ipwire.tasks.clean.features import best_span, score_lines
from ipwire.tasks.clean.lines import (
    _SENT_END,
    Line,
    _introduces_prose,
    _is_cut_off_sentence,
    _is_prose,
    _is_running_text,
    _is_short_sentence,
    _is_subheading,
    _opens_byline,
    _reads_as_chrome,
    _teaser_shaped,
    _title_candidate,
    byline_kind,
    is_writer_bio,
)
from ipwire.tasks.clean.passes import (
    _drop_deck,
    _drop_head_stamps,
    _drop_stray_headings,
    _drop_tail_bio,
    _drop_twins,
    _fill_blocks,
    _is_head_dateline,
    _keep_credits,
    _keep_inner_prose,
    _keep_inner_sentences,
    _keep_lede,
    _keep_sandwiched_sentences,
)
from ipwire.tasks.clean.rules import BoilerplateRules
from ipwire.tasks.clean.stamps import is_place_and_stamp, is_published_stamp, is_stamp
from ipwire.tasks.clean.threads import (
    THREAD_MIN_WORDS_BEFORE,
    _comment_thread_starts,
    _is_dated_head,
)


def _is_clean_document(lines: list[Line], prose: list[bool], rules: BoilerplateRules) -> bool:
    """Already-clean article text (a JSON record's ``text``, a note, a wire item).

    A page paste carries dozens of menu, teaser and footer lines around its prose; clean text
    has prose plus at most a handful of other lines (headline, dateline, byline, a credit).
    Prose is article by default, so such a document keeps its prose whatever the line model,
    trained on whole-page pastes, makes of its unusual shape.
    """
    n_prose = sum(prose)
    if not n_prose:
        return False
    first_prose = prose.index(True)
    other = sum(
        1
        for i in range(len(lines))
        if not prose[i]
        and not _introduces_prose(lines, prose, i, rules)
        and not _expected_in_clean_text(lines, i, first_prose, rules)
    )
    return other <= min(3 + n_prose // 4, 8)


def _expected_in_clean_text(
    lines: list[Line], i: int, first_prose: int, rules: BoilerplateRules
) -> bool:
    """Lines an article's own text carries besides its paragraphs: sentences too short to be
    prose, bare list dashes, the first line's headline and a dateline or byline above the body.
    They say nothing about page chrome around the text."""
    ln = lines[i]
    if ln.words == 0 or _is_short_sentence(ln, rules):
        return True
    if i >= first_prose:
        return False
    return (
        (i == 0 and _title_candidate(ln, rules))
        or _is_date_line(ln.text, ln.words)
        or _opens_byline(ln, rules)
    )


def _keep_clean(
    lines: list[Line], prose: list[bool], probs: list[float], rules: BoilerplateRules
) -> list[bool]:
    """Keep/drop in a clean document: everything but chrome lines and the header's date/byline."""
    first_prose = prose.index(True)
    last_prose = len(prose) - 1 - prose[::-1].index(True)
    keep = []
    for i, ln in enumerate(lines):
        drop = rules.line_kind(ln.text) is not None
        if not prose[i] and not drop:
            drop = (
                (i < first_prose and is_any_date_line(ln.text, ln.words))
                # after the text's last paragraph a "Published …" stamp is a teaser's or the
                # page's ("- Published30 October 2012" under each related story)
                or (i > last_prose and is_published_stamp(ln.text))
                or (ln.words <= 15 and _reads_as_chrome(ln, rules) and probs[i] < 0.5)
                # a site name or a "Powered by" credit around the text, which the model
                # is sure of; headlines and sentences stay
                or (
                    not first_prose <= i <= last_prose
                    and probs[i] < 0.1
                    and ln.words < 3
                    and not _is_short_sentence(ln, rules)
                )
                or (
                    i > last_prose
                    and probs[i] < 0.1
                    and not _is_short_sentence(ln, rules)
                    and not _is_running_text(ln, rules)
                    and not (
                        # the text stops mid-sentence right after a kept line
                        i == len(lines) - 1 and keep[-1] and _is_cut_off_sentence(ln, rules)
                    )
                )
            )
        keep.append(not drop)
    return keep


def _best_prose_run(lines: list[Line], prose: list[bool]) -> tuple[int, int]:
    """The run of lines between prose lines (gaps of at most two lines) with most prose words."""
    best, best_lo, best_hi = -1, 0, -1
    i, n = 0, len(lines)
    while i < n:
        if not prose[i]:
            i += 1
            continue
        lo = hi = i
        words = lines[i].words
        j = i + 1
        while j < n:
            if prose[j]:
                hi, words = j, words + lines[j].words
                j += 1
            elif j + 1 < n and prose[j + 1]:
                j += 1
            elif j + 2 < n and prose[j + 2]:
                j += 2
            else:
                break
        if words > best:
            best, best_lo, best_hi = words, lo, hi
        i = hi + 1
    return best_lo, best_hi


# When the model kept no prose and the prose net steps in, the model's kept lines more
# than this many lines below the net's run are dropped.
NET_REACH = 10
# A line this long is a paragraph: teaser snippets and menu items are cut far shorter.
NET_MIN_WORDS = 25


# A short post's paragraph: this many words at least, in two sentences or more.
NET_SENTENCES_MIN_WORDS = 12
# a sentence's end after a word of three letters or more ("online. Wie", not "Dr. Smith" or
# "U.S. Geological"), then a capital (Latin, Greek, Cyrillic)
_SENTENCE_BREAK = re.compile(
    r"(?:[^\W\d_]{3}|\d)[.!?…]\s+[\"'“‘(]?[A-ZÀ-ÖØ-Þ\u0391-\u03a9\u0410-\u042f]"
)


def _several_sentences(ln: Line, rules: BoilerplateRules) -> bool:
    """Two sentences or more that end as a sentence ends, with no chrome kind, marker or
    chrome reading: a language's function words are not needed to see them."""
    return (
        ln.words >= NET_SENTENCES_MIN_WORDS
        and _SENT_END.search(ln.text) is not None
        and not ln.text.endswith((":", ";"))
        and _SENTENCE_BREAK.search(ln.text) is not None
        and rules.line_kind(ln.text) is None
        and rules.marker_for(ln.text) is None
        and not _reads_as_chrome(ln, rules)
    )


def _paragraph_net(lines: list[Line], rules: BoilerplateRules) -> list[bool]:
    """The last resort when the line model kept nothing: the richest run of paragraph-long
    lines that no chrome rule names (a one-paragraph news text above "Leave a Reply" and a
    teaser rail; an article in a language whose prose the English features do not see)."""
    net = [ln.words >= NET_MIN_WORDS and rules.line_kind(ln.text) is None for ln in lines]
    if not any(net):
        # no paragraph that long: a short post of whole sentences ("Chapter 121 is online
        # now. As always ... Chapter 122 follows on Friday.") is still not to be lost
        net = [_several_sentences(ln, rules) for ln in lines]
    keep = [False] * len(lines)
    if any(net):
        lo, hi = _best_prose_run(lines, net)
        for i in range(lo, hi + 1):
            keep[i] = net[i]
    return keep


def _extend_span(
    lines: list[Line], keep: list[bool], lo: int, hi: int, rules: BoilerplateRules
) -> tuple[int, int]:
    """Grow the article span over adjacent prose (and subheadings that introduce prose).

    The model is shy at the very top and bottom of a paste; a paste with no chrome at all
    (seed 000) must keep every line, and prose touching the article is part of it.
    """
    kept = [i for i in range(lo, hi + 1) if keep[i]]
    if not kept:
        return lo, hi
    lo, hi = kept[0], kept[-1]
    n = len(lines)
    j = hi + 1
    while j < n:
        if _is_prose(lines[j], rules):
            keep[j] = True
            j += 1
        elif j + 1 < n and _is_subheading(lines[j], rules) and _is_prose(lines[j + 1], rules):
            keep[j] = keep[j + 1] = True
            j += 2
        else:
            break
    hi = j - 1
    j = lo - 1
    while j >= 0:
        if _is_prose(lines[j], rules):
            keep[j] = True
            j -= 1
        else:
            break
    lo = j + 1
    # subheadings inside the span that introduce kept prose belong to the article
    for i in range(lo, hi):
        if (
            not keep[i]
            and keep[i + 1]
            and _is_subheading(lines[i], rules)
            and _is_prose(lines[i + 1], rules)
        ):
            keep[i] = True
    return lo, hi


# A teaser's excerpt: a line cut off after a word or number with a bracketed ellipsis ("…
# die Stadt selbst, die von Fotografen bei Nacht […]", "… für Frühjahr/Sommer 2015 […]"), as
# a blog or news site prints another post
_EXCERPT = re.compile(r"\S.{29,}\w[,;:.!?\"“”»]?\s\[(?:…|\.\.\.)\]")
# A paste prints teasers in a list: this many such lines at least. One alone is as often a
# quotation the article elides the end of ("… Inspiration und Lähmung […]").
EXCERPTS_MIN = 2


def _is_excerpt(text: str) -> bool:
    """A line cut off as a teaser's excerpt (the ending is checked first: the pattern is
    only matched, from the line's start, on the few lines that end so)."""
    return text.endswith(("[…]", "[...]")) and _EXCERPT.fullmatch(text) is not None


def _teaser_excerpts(lines: list[Line]) -> set[int]:
    """The lines of a paste that are teasers' excerpts, when it holds a list of them."""
    found = {i for i, ln in enumerate(lines) if _is_excerpt(ln.text)}
    return found if len(found) >= EXCERPTS_MIN else set()


# The words that name a stripped line a share or subscribe prompt: whole words in a line of
# text (a caption of "a picture shared by ... on Twitter" is no share row), anywhere in a
# short one (a glued row of buttons, "TwitterFacebookWhatsApp", a "Shares" counter).
_SHARE_WORDS = re.compile(
    r"\b(?:share|tweet|whatsapp|facebook|(?:un)?subscribe[dr]?s?|e?newsletters?)\b"
)
_SHARE_PARTS = re.compile(r"share|tweet|whatsapp|facebook|subscribe|newsletter")


def _kind_for(line: Line, rules: BoilerplateRules, after_article: bool) -> str:
    kind = rules.line_kind(line.text) or rules.marker_kind(line.text)
    if kind:
        return kind
    low = line.text.lower()
    if _is_date_line(line.text, line.words) or is_stamp(line.text) or is_place_and_stamp(line.text):
        return "dateline"  # in any month language the stamp reader knows
    if _SHARE_WORDS.search(low) or (line.words <= 3 and _SHARE_PARTS.search(low)):
        return "share-subscribe"
    if "©" in line.text or "copyright" in low or "all rights reserved" in low:
        return "footer"
    if "comment" in low and line.words <= 8:
        return "comments"
    if _is_excerpt(line.text):
        return "related-links"  # another post's excerpt, cut off with "[…]"
    if after_article and is_writer_bio(line.text):
        return "byline"  # the writer's bio under the article
    if after_article:
        return "related-links"  # a dated line down there is a teaser's stamp
    if _is_head_dateline(line):
        return "dateline"  # "Amritsar, June 3" above the article
    # a byline or stamp in a language the line reader knows ("Von Benjamin Fischer")
    return byline_kind(line.text) or "navigation"


def _inline_box_end(
    lines: list[Line],
    probs: list[float],
    prose: list[bool],
    i: int,
    hi: int,
    rules: BoilerplateRules,
) -> int | None:
    """Where a teaser box that starts at marker line ``i`` ends, when article prose follows.

    A "You May Also Like" box in the middle of an article is a few short teaser lines, then
    the article goes on with confident prose; a trailing related section is not followed by
    a run of such prose. None when the marker closes the article.
    """
    limit = rules.inline_box_max_lines
    if not limit:
        return None
    end = min(hi + 1, len(lines))
    for j in range(i + 1, min(i + 1 + limit, end)):
        if prose[j] and probs[j] >= 0.8:
            after = [k for k in range(j, min(j + 6, end)) if prose[k] and probs[k] >= 0.8]
            return j if len(after) >= 3 else None
    return None


def _model_reads_on(
    lines: list[Line], probs: list[float], i: int, hi: int, rules: BoilerplateRules
) -> bool:
    """The line model is confident the text after marker ``i`` is still the article.

    "Popular distribution channels to consider:" or "Subscribe now" can open a section of
    the article itself; when the lines after it, to the article's end, score on average
    (by words) at least ``marker_override_score``, the marker does not close the article.
    """
    score = rules.marker_override_score
    if score >= 1.0:
        return False
    after = range(i + 1, hi + 1)
    words = sum(lines[j].words + 1 for j in after)
    if not words:
        return False
    return sum(probs[j] * (lines[j].words + 1) for j in after) / words >= score


# "Read more: Taxes on inheritance …", ">> Related: What Is ISP Throttling?": a marker with
# its story's title after the colon is one link standing in the article
_TITLE_AFTER_COLON = re.compile(r"[:：]\s*\S+\s+\S+")
# "More on that in a follow-up post about V8's performance.": a sentence that opens with a
# marker's words is the article's own
SENTENCE_MARKER_MIN_WORDS = 6


def _one_teaser(text: str) -> bool:
    """Whether a related-links marker line is a single inline link or a sentence of the
    article, which close nothing: a list's head stands alone ("Related articles")."""
    if _TITLE_AFTER_COLON.search(text):
        return True
    stripped = text.rstrip()
    return stripped.endswith((".", "!", "?")) and len(stripped.split()) >= SENTENCE_MARKER_MIN_WORDS


def _sign_up_box(
    lines: list[Line], prose: list[bool], keep: list[bool], i: int, rules: BoilerplateRules
) -> bool:
    """Whether the share or subscribe prompt at line ``i`` closes a box inside the article:
    at least as many words of paragraph-long prose follow it, before the next marker or
    footer, as the kept article holds above it."""
    before = sum(
        ln.words for ln, k, p in zip(lines[:i], keep[:i], prose[:i], strict=True) if k and p
    )
    after = 0
    for j in range(i + 1, len(lines)):
        ln = lines[j]
        if rules.marker_for(ln.text) is not None or rules.line_kind(ln.text) == "footer":
            break
        if prose[j] and ln.words >= NET_MIN_WORDS:
            after += ln.words
    return after >= max(before, 2 * NET_MIN_WORDS)


def _closes_nothing(
    lines: list[Line],
    prose: list[bool],
    keep: list[bool],
    i: int,
    kind: str,
    rules: BoilerplateRules,
) -> bool:
    """Whether the section marker at line ``i`` of a paste stands inside the article: a link
    to one story or a sentence (in HTML, the body trafilatura chose ends where such a link
    stands), a lead-in naming what the article lists next ("Recommended courses:", where a
    list's own head is the marker phrase alone), or the prompt of a sign-up box."""
    text = lines[i].text
    if kind == "related-links":
        return _one_teaser(text) or (
            text.rstrip().endswith((":", "：")) and rules.marker_by_prefix(text)
        )
    return kind == "share-subscribe" and _sign_up_box(lines, prose, keep, i, rules)


@dataclass
class LineDecision:
    """What the text extractor decided; used by the HTML extractor too."""

    keep: list[bool]
    probs: list[float]
    span: tuple[int, int]
    cut_at: int | None
    cut_kind: str | None
    clean: bool = False
    # the model believed no line of the paste: what is kept are its sentences and prose
    unsure: bool = False


def _keep_when_unsure(
    lines: list[Line],
    probs: list[float],
    prose: list[bool],
    keep: list[bool],
    rules: BoilerplateRules,
) -> tuple[int, int] | None:
    """Where the model believes no line of a paste, keep (in place) the sentences it does not
    judge chrome and the paste's richest run of prose; return the kept span, or None (and
    leave ``keep`` alone) when no sentence passes.

    A span of lines nobody believes is no evidence of where the article is: on such pastes
    it was one line of a consent box or a footer's blurb about as often as the article.
    Headlines, dates and labels are left to the title and metadata readers; the line rules,
    section markers and duplicate check that follow still strip what they know.
    """
    sentence = [_is_running_text(ln, rules) or _is_short_sentence(ln, rules) for ln in lines]
    believed = [p >= rules.unsure_keep and s for p, s in zip(probs, sentence, strict=True)]
    if not any(believed):
        return None
    keep[:] = believed
    kept = [i for i, k in enumerate(keep) if k]
    lo, hi = kept[0], kept[-1]
    if any(prose):
        a, b = _best_prose_run(lines, prose)
        for i in range(a, b + 1):
            keep[i] = keep[i] or prose[i]
        lo, hi = min(lo, a), max(hi, b)
    return lo, hi


def decide(lines: list[Line], rules: BoilerplateRules, *, paste: bool = False) -> LineDecision:
    """Keep/drop for each line: model score, the article span and trailing section markers.

    ``paste`` turns on the rules tuned for whole-page pastes (the HTML post-filter leaves it
    off): inside the article, a line between kept lines needs only
    ``inner_keep_threshold`` (list items, "Pros"/"Cons", short subheads), and a section
    marker whose teaser box is followed by more article prose drops only the box.
    """
    probs = score_lines(lines, rules, paste=paste)
    if not lines:
        return LineDecision([], [], (0, -1), None, None)
    prose = [_is_prose(ln, rules) for ln in lines]
    excerpts = _teaser_excerpts(lines) if paste else set()
    for i in excerpts:
        # another post's excerpt: no evidence of this one's article, whatever its words
        probs[i], prose[i] = 0.0, False
    if not any(prose) and len(lines) <= 4:
        # a note or wire snippet of short sentences: its sentences are the article
        prose = [_is_short_sentence(ln, rules) for ln in lines]
    clean = _is_clean_document(lines, prose, rules)
    unsure = False
    if not clean:
        # clean text cut off mid-sentence (a feed summary, the opening of an article, one
        # long line): its last line is prose without the closing punctuation
        running = prose[:-1] + [_is_running_text(lines[-1], rules)]
        if running != prose and _is_clean_document(lines, running, rules):
            prose, clean = running, True
    if clean:
        keep = _keep_clean(lines, prose, probs, rules)
        if paste:
            keep_cut_off_end(lines, keep, rules)
        kept = [i for i, k in enumerate(keep) if k]
        lo, hi = (kept[0], kept[-1]) if kept else (0, -1)
    else:
        lo, hi = best_span(lines, probs, rules.span_threshold)
        keep = [lo <= i <= hi and p >= rules.keep_threshold for i, p in enumerate(probs)]
        if paste and max(probs) < rules.unsure_below:
            span = _keep_when_unsure(lines, probs, prose, keep, rules)
            if span is not None:
                (lo, hi), unsure = span, True
        if not any(k and pr for k, pr in zip(keep, prose, strict=True)):
            # the model never drops the only prose there is: keep the richest prose run,
            # or, when no line ends like prose, the richest run of running text
            net = prose if any(prose) else [_is_running_text(ln, rules) for ln in lines]
            if any(net):
                lo, hi = _best_prose_run(lines, net)
                for i in range(lo, hi + 1):
                    keep[i] = keep[i] or net[i]
                # what the model kept far below that prose (a teaser rail it half-trusted) is
                # not the article the prose belongs to
                for i in range(len(lines)):
                    if keep[i] and i > hi + NET_REACH:
                        keep[i] = False
        lo, hi = _extend_span(lines, keep, lo, hi, rules)
        if paste:
            lo = _keep_lede(lines, keep, probs, lo, rules)
            keep_cut_off_end(lines, keep, rules)
            keep_unmarked_tail(lines, keep, probs, rules)
        if paste and rules.inner_keep_threshold < rules.keep_threshold:
            _fill_blocks(lines, keep, probs, rules)
            _keep_sandwiched_sentences(lines, keep, probs, rules)
            _keep_inner_prose(lines, keep, probs, rules)
            _keep_inner_sentences(lines, keep, probs, (lo, hi), rules)
        if paste and rules.deck_max_lines:
            _drop_deck(lines, keep, rules)
        if paste and rules.drop_twin_lines:
            _drop_twins(lines, keep)
        if paste:
            _drop_head_stamps(lines, keep, prose)
    if paste:
        _keep_credits(lines, keep)
    seen_long: set[str] = set()
    for i, ln in enumerate(lines):
        if keep[i] and (rules.line_kind(ln.text) or i in excerpts):
            keep[i] = False
        if ln.words >= 12 and keep[i]:
            # a paragraph repeated verbatim (teaser above the body, sticky summary) counts
            # once: the first copy kept stays, a copy the model dropped blocks nothing
            key = ln.text.lower()
            if key in seen_long:
                keep[i] = False
            seen_long.add(key)
    # A standalone section marker after most of the article, followed by teaser-shaped lines,
    # closes the article: "Don't Miss" as body text (inside a sentence, or as a subheading
    # followed by prose, or early in the piece) does not. "Most" counts the kept prose only:
    # a teaser list or an archive of dates the model half-keeps below the marker is not
    # article the marker stands early in.
    cut_at, cut_kind = None, None
    span_words = sum(ln.words for ln, k, p in zip(lines, keep, prose, strict=True) if k and p) or 1
    before = 0
    for i in range(lo, hi + 1):
        ln = lines[i]
        marker = rules.marker_for(ln.text)
        if (
            paste
            and marker is not None
            and _closes_nothing(lines, prose, keep, i, marker.kind, rules)
        ):
            marker = None
        kind = marker.kind if marker else None
        if marker is None and _comment_thread_starts(lines, i, hi):
            kind = "comments"
        if (
            kind
            and (
                before / span_words >= rules.marker_min_share_before
                # a thread of dated "… wrote:" heads is its own evidence: its replies are
                # prose too, and a long thread outweighs the article above it
                or (marker is None and _is_dated_head(ln) and before >= THREAD_MIN_WORDS_BEFORE)
            )
            # in clean text a "Related Topics" list with article prose after it is inline
            and not (clean and any(prose[i + 1 : hi + 1]))
            and (
                marker is None or not marker.needs_teasers or _teaser_shaped(lines[i + 1 : hi + 1])
            )
            and not (kind == "share-subscribe" and _heads_article(lines, prose, i, hi, rules))
        ):
            # a thread of dated "… wrote:" heads: its replies are confident prose, so it is
            # never an inline box, and the model reading on through it says nothing
            thread = marker is None and _is_dated_head(ln)
            box_end = (
                _inline_box_end(lines, probs, prose, i, hi, rules) if paste and not thread else None
            )
            if box_end is not None:
                # a teaser box inside the article: drop the box, read on after it
                for j in range(i, box_end):
                    keep[j] = False
                continue
            if thread or not (paste and _model_reads_on(lines, probs, i, hi, rules)):
                cut_at, cut_kind = i, kind
                for j in range(i, len(lines)):
                    keep[j] = False
                break
        if keep[i] and prose[i]:
            before += ln.words
    if paste:
        _drop_stray_headings(lines, keep, prose, rules)
    _drop_tail_bio(lines, keep)
    return LineDecision(keep, probs, (lo, hi), cut_at, cut_kind, clean, unsure)


# A share row within this many lines under a byline or a "published on" stamp is the
# article head's share row ...
SHARE_UNDER_BYLINE_LINES = 3
# ... when prose follows within this many lines (its copy-link and print buttons between):
# under a byline at the article's foot ("Written by …", then "Share this post") come teasers.
SHARE_ROW_BODY_WITHIN = 5


def _heads_article(
    lines: list[Line], prose: list[bool], i: int, hi: int, rules: BoilerplateRules
) -> bool:
    """Whether the share row at line ``i`` is the article head's ("Von Tim Ehlers /
    Veröffentlicht am 26. Oktober 2023 / Artikel teilen"), not a row that closes the
    article: a byline or a "published on" stamp just above it, and prose just below (within
    the span, which ends at ``hi``). A bare date is no evidence: teasers carry theirs."""
    return any(
        is_published_stamp(ln.text) or rules.line_kind(ln.text) == "byline"
        for ln in lines[max(0, i - SHARE_UNDER_BYLINE_LINES) : i]
    ) and any(prose[i + 1 : min(hi + 1, i + 1 + SHARE_ROW_BODY_WITHIN)])

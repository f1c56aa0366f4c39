"""The end of a pasted text: whether the lines after the last kept one are the article's.

The line model learned from whole-page pastes, whose last lines are nearly always chrome, so
it doubts whatever ends a paste. A paste that stops mid-sentence, or ends in the article's
own list, timeline or closing section without any chrome signal, keeps that end.
"""

from __future__ import annotations

from ipwire.tasks.clean.lines import (
    _SENT_END,
    CLIPPED_ENDS,
    Line,
    _is_cut_off_sentence,
    _is_running_text,
    _is_sentence,
    _is_subheading,
    _names_chrome,
    _reads_as_chrome,
)
from ipwire.tasks.clean.rules import BoilerplateRules

# A paste cut off mid-sentence reaches back this many lines to the last kept one: the
# sentences of its own paragraph, under at most CUT_OFF_HEADS short lines (a subheading, an
# inline picture's heading and caption) that stand between it and the body above.
CUT_OFF_REACH = 3
CUT_OFF_HEADS = 2


def keep_cut_off_end(lines: list[Line], keep: list[bool], rules: BoilerplateRules) -> None:
    """A text that stops mid-sentence (an article's opening, a feed summary, a paste cut
    short) ends in the article's own paragraph: its last line, running text without closing
    punctuation, is kept whatever the model makes of it, with the sentences just above it and
    a subheading or a picture's caption pair between them and the last kept line. A teaser's
    summary, clipped with an ellipsis, is no such sentence."""
    last = len(lines) - 1
    if last < 1 or keep[last]:
        return
    ln = lines[last]
    if _SENT_END.search(ln.text) or not (
        _is_running_text(ln, rules) or _is_cut_off_sentence(ln, rules)
    ):
        return
    heads = 0
    j = last - 1
    while not keep[j]:
        above = lines[j]
        if last - j > CUT_OFF_REACH or j == 0:
            return
        if above.text.rstrip().endswith(CLIPPED_ENDS):
            return  # a teaser's clipped summary
        if _is_sentence(above, rules):
            if heads:
                return  # sentences above a heading there: another block, not this paragraph
        elif _is_subheading(above, rules):
            heads += 1
            if heads > CUT_OFF_HEADS:
                return
        else:
            return
        j -= 1
    for i in range(j + 1, last + 1):
        keep[i] = True


# A page's trailing chrome is seldom this short without naming itself somewhere.
TAIL_MAX_LINES = 12
# ... and a paste with menus above the article is a page's, whose end is chrome too
TAIL_HEAD_MAX_LINES = 3
TAIL_LABEL_MAX_WORDS, TAIL_LABEL_MAX_PROB = 3, 0.03


def keep_unmarked_tail(
    lines: list[Line], keep: list[bool], probs: list[float], rules: BoilerplateRules
) -> None:
    """A paste that ends in the article keeps its end: a short run of lines after the last
    kept one is the article's own list, timeline or closing section when none of them reads
    as chrome (a chrome phrase as a whole word in a short line, twice, or among its first
    two words: a caption that names Twitter in passing is the article's), holds a section
    marker, a link, a path, a date or a shouted label, and none is a short label the model
    is sure of. A page's trailing chrome names itself ("Related", "©", "Privacy", "Share");
    a paste with menus above its article is a page's, and its end is left to the model."""
    kept = [i for i, k in enumerate(keep) if k]
    if not kept or kept[0] > TAIL_HEAD_MAX_LINES:
        return
    tail = range(kept[-1] + 1, len(lines))
    if not tail or len(tail) > TAIL_MAX_LINES:
        return
    for i in tail:
        ln = lines[i]
        if (
            _names_chrome(ln, rules)
            or _reads_as_chrome(ln, rules)
            or (" " not in ln.text.strip() and "/" in ln.text)  # a path
            # a button or link label the model is sure of ("Give Feedback", "Ausgabe kaufen")
            or (ln.words <= TAIL_LABEL_MAX_WORDS and probs[i] < TAIL_LABEL_MAX_PROB)
        ):
            return
    for i in tail:
        keep[i] = True

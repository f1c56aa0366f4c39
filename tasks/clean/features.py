"""Features of the line model and the line scores: stage 1, stage 2 and the tree rows."""

from __future__ import annotations

import math
import re
from typing import Any

from ipwire.tasks.clean.dates import _is_date_line
from ipwire.tasks.clean.lines import (
    _BULLET,
    _SENT_END,
    _SEPARATORS,
    _SYMBOL,
    STOPWORDS,
    Line,
    _is_prose,
    _is_urlish,
)
from ipwire.tasks.clean.model import FEATURES1, FEATURES2, FEATURES3
from ipwire.tasks.clean.rules import BoilerplateRules
from ipwire.tasks.clean.words import _DIGIT, words_of


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def line_features(lines: list[Line], rules: BoilerplateRules) -> list[list[float]]:
    """Stage-1 features of each line (see FEATURES1 for the names), one row per line."""
    return line_matrix(lines, rules).tolist()


_COMMAS = (",", "，", "、", "،")
# The ASCII characters ``_DIGIT`` matches and those ``_SYMBOL`` does not, taken from the
# patterns themselves: on an ASCII line (most lines) a bytes translate that deletes them
# counts the digits or symbols at a fraction of the cost of a regex finding each one.
_ASCII_DIGITS = bytes(c for c in range(128) if _DIGIT.match(chr(c)))
_ASCII_NOT_SYMBOLS = bytes(c for c in range(128) if not _SYMBOL.match(chr(c)))


def line_matrix(lines: list[Line], rules: BoilerplateRules) -> Any:
    """:func:`line_features` as a float array, filled a column at a time.

    Every line of every page passes here, so each feature takes its cheapest exact form:
    C-level ``map`` over the lines where a column allows it, counts via token first
    letters, and the URL and date searches only when the literal text each of their
    matches needs is present. Divisions of whole counts give the same floats as Python's.
    """
    import numpy as np

    n = len(lines)
    x = np.empty((n, len(FEATURES1)))
    if n == 0:
        return x
    texts = [line.text for line in lines]
    lows = list(map(str.lower, texts))
    words = [line.words for line in lines]
    toks = [line.toks if line.toks is not None else words_of(line.text) for line in lines]
    counts: dict[str, int] = {}
    for key in lows:
        counts[key] = counts.get(key, 0) + 1
    block_sizes: dict[int, list[int]] = {}
    for line in lines:
        block_sizes.setdefault(line.block, []).append(line.words)
    block_mean = {b: sum(math.log1p(w) for w in ws) / len(ws) for b, ws in block_sizes.items()}
    log_blocks = {b: math.log(len(ws)) for b, ws in block_sizes.items()}
    stop = STOPWORDS.__contains__
    nw = np.maximum(np.fromiter(map(len, toks), dtype=float, count=n), 1.0)
    nchar = np.maximum(np.fromiter(map(len, texts), dtype=float, count=n), 1.0)
    w = np.array(words, dtype=float)
    # first letters of tokens that start with a letter; capitalised = upper-case ones
    firsts = ["".join(filter(str.isalpha, [t[0] for t in ts])) for ts in toks]
    last = max(n - 1, 1)
    pos = np.array([line.idx / last for line in lines])
    x[:, 0] = 1.0
    x[:, 1] = list(map(math.log1p, words))
    x[:, 2] = w >= 15
    x[:, 3] = w <= 3
    x[:, 4] = [sum(map(stop, map(str.lower, ts))) for ts in toks]
    x[:, 4] /= nw
    x[:, 5] = [_SENT_END.search(t) is not None for t in texts]
    # commas, with the Chinese, Japanese and Arabic-script ones on lines that can hold them
    x[:, 6] = [t.count(",") if t.isascii() else sum(map(t.count, _COMMAS)) for t in texts]
    x[:, 6] = np.minimum(x[:, 6] / nw, 1.0)
    x[:, 7] = [sum(map(str.isupper, f)) / max(len(f), 1) for f in firsts]
    ascii_bytes = [t.encode() if t.isascii() else None for t in texts]
    x[:, 8] = [
        len(t) - len(b.translate(None, _ASCII_DIGITS)) if b is not None else len(_DIGIT.findall(t))
        for t, b in zip(texts, ascii_bytes, strict=True)
    ]
    x[:, 8] /= nchar
    x[:, 9] = [
        len(b.translate(None, _ASCII_NOT_SYMBOLS)) if b is not None else len(_SYMBOL.findall(t))
        for t, b in zip(texts, ascii_bytes, strict=True)
    ]
    x[:, 9] /= nchar
    x[:, 10] = [log_blocks[line.block] for line in lines]
    x[:, 11] = [block_mean[line.block] for line in lines]
    x[:, 12] = [counts[low] > 1 and k < 12 for low, k in zip(lows, words, strict=True)]
    x[:, 13] = [
        k <= 15 and rules.has_chrome_phrase(low) for low, k in zip(lows, words, strict=True)
    ]
    x[:, 14] = [rules.marker_for(t) is not None for t in texts]
    x[:, 15] = [rules.line_kind(t) is not None for t in texts]
    x[:, 16] = pos
    x[:, 17] = pos * pos
    x[:, 18] = list(map(_is_date_line, texts, words))
    x[:, 19] = [low.startswith("by ") and k <= 8 for low, k in zip(lows, words, strict=True)]
    x[:, 20] = list(map(_is_urlish, texts))
    x[:, 21] = [_BULLET.match(t) is not None for t in texts]
    x[:, 22] = [len(found) >= 2 for found in map(_SEPARATORS.findall, texts)]
    x[:, 23] = [t.isupper() and k >= 1 for t, k in zip(texts, words, strict=True)]
    return x


def best_span(lines: list[Line], probs: list[float], threshold: float) -> tuple[int, int]:
    """The contiguous run of lines with the largest word-weighted sum of (p - threshold).

    Articles are contiguous; chrome that happens to look like prose (teasers, bios) sits
    apart from them, so the best-scoring run is a robust anchor.
    """
    best, best_lo, best_hi = 0.0, 0, -1
    cur, lo = 0.0, 0
    for i, (line, p) in enumerate(zip(lines, probs, strict=True)):
        gain = (p - threshold) * (line.words + 1)
        if cur <= 0:
            cur, lo = gain, i
        else:
            cur += gain
        if cur > best:
            best, best_lo, best_hi = cur, lo, i
    return best_lo, best_hi


def stage2_features(
    lines: list[Line], logits: list[float], span_threshold: float
) -> list[list[float]]:
    """Stage-2 features: own stage-1 logit plus the neighbourhood's stage-1 scores."""
    return stage2_matrix(lines, logits, span_threshold).tolist()


# The neighbourhood windows of stage 2: (first, last + 1) offsets from the line.
_WINDOWS = ((-3, 0), (1, 4), (-10, 0), (1, 11))


def stage2_matrix(lines: list[Line], logits: list[float], span_threshold: float) -> Any:
    """:func:`stage2_features` as a float array, filled a column at a time. A window's word
    count comes from running sums (whole numbers, exact); its score is summed in line order,
    as the rows always were, so the floats are the same."""
    import numpy as np

    n = len(lines)
    x = np.empty((n, len(FEATURES2)))
    if n == 0:
        return x
    probs = [_sigmoid(z) for z in logits]
    w = [ln.words + 1 for ln in lines]
    good = [p * wi for p, wi in zip(probs, w, strict=True)]
    total_good = sum(good) or 1.0
    cum = [0.0]
    for g in good:
        cum.append(cum[-1] + g)
    words_before = [0]
    for wi in w:
        words_before.append(words_before[-1] + wi)
    by_block: dict[int, list[float]] = {}
    for ln, p in zip(lines, probs, strict=True):
        by_block.setdefault(ln.block, []).append(p)
    block_mean = {b: sum(ps) / len(ps) for b, ps in by_block.items()}
    lo, hi = best_span(lines, probs, span_threshold)
    x[:, 0] = 1.0
    x[:, 1] = logits
    x[0, 2] = 0.0
    x[1:, 2] = probs[:-1]
    x[:-1, 3] = probs[1:]
    x[-1, 3] = 0.0
    for col, (da, db) in enumerate(_WINDOWS, start=4):
        values = []
        for i in range(n):
            a, b = max(i + da, 0), min(i + db, n)
            values.append(sum(good[a:b]) / (words_before[b] - words_before[a]) if a < b else 0.0)
        x[:, col] = values
    x[:, 8] = [block_mean[ln.block] for ln in lines]
    running = np.array(cum)
    x[:, 9] = running[:-1] / total_good
    x[:, 10] = (total_good - running[1:]) / total_good
    x[:, 11] = [lo <= i <= hi for i in range(n)]
    return x


# An author-bio line: "Name Surname is/writes ...", "... is a reporter ...", "follow her".
_BIO_LEAD = re.compile(
    r"(?:[A-Z][\w.'’-]+\s+){1,4}(?:is|was|has been|writes|covers|reports|joined)\b"
)
_BIO_ROLE = re.compile(
    r"\b(?:is|was) an? (?:[\w-]+ ){0,3}(?:writer|reporter|journalist|editor|correspondent|"
    r"columnist|author|contributor|analyst|producer)\b"
)
_BIO_CONTACT = re.compile(
    r"\b(?:follow (?:him|her|them)|email (?:him|her|them)|reach (?:him|her|them))\b"
)


def _is_bio(text: str) -> bool:
    """The three bio shapes, each searched only when its fixed words are in the line."""
    return bool(
        _BIO_LEAD.match(text)
        or (("is a" in text or "was a" in text) and _BIO_ROLE.search(text))
        or (
            ("follow " in text or "email " in text or "reach " in text)
            and _BIO_CONTACT.search(text)
        )
    )


_CTA = re.compile(
    r"^(?:sign up|subscribe|click|tap|join|follow|download|get (?:the|our)|support|donate|"
    r"read more|learn more|share|watch|listen|sponsored|advertisement|don't miss|never miss)\b",
    re.IGNORECASE,
)


def tree_features(
    lines: list[Line],
    rules: BoilerplateRules,
    feats1: list[list[float]],
    feats2: list[list[float]],
    logits2: list[float],
) -> list[list[float]]:
    """Features of the boosted-tree scorer: stage-1 and stage-2 rows (bias dropped) plus the
    page-shape features of FEATURES3 (runs of short lines, distance to the article span,
    section markers passed, neighbours, author-bio and call-to-action shapes)."""
    import numpy as np

    if not lines:
        return []
    return tree_matrix(
        lines, rules, np.asarray(feats1, dtype=float), np.asarray(feats2, dtype=float), logits2
    ).tolist()


def tree_matrix(
    lines: list[Line],
    rules: BoilerplateRules,
    f1: Any,
    f2: Any,
    logits2: list[float],
    read: frozenset[int] | None = None,
) -> Any:
    """:func:`tree_features` as a float array, filled a column at a time: the scorer runs on
    every line of every page, and whole columns (neighbours are shifted stage-1 columns)
    cost far less than a Python list per line. Same values as the rows, bit for bit.

    ``read`` names the columns the trees in use ever test; a column of a line-by-line search
    they never read (the title repeat, the bio shape, the question mark) is left at zero."""
    import numpy as np

    n = len(lines)
    k1, k2 = f1.shape[1] - 1, f2.shape[1] - 1
    x = np.zeros((n, k1 + k2 + len(FEATURES3)))
    if n == 0:
        return x
    x[:, :k1] = f1[:, 1:]
    x[:, k1 : k1 + k2] = f2[:, 1:]
    col = k1 + k2
    probs2 = [_sigmoid(z) for z in logits2]
    lo, hi = best_span(lines, probs2, rules.span_threshold)
    prose = [float(_is_prose(ln, rules)) for ln in lines]
    words = [ln.words for ln in lines]
    total_words = sum(words) or 1
    run = [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and words[j] <= 4:
            j += 1
        for k in range(i, j):
            run[k] = j - i
        i = j + 1 if j == i else j
    block_prose: dict[int, list[float]] = {}
    for ln, pr in zip(lines, prose, strict=True):
        block_prose.setdefault(ln.block, []).append(pr)
    block_share = {b: sum(v) / len(v) for b, v in block_prose.items()}
    to_prose = [float(n)] * n
    last = None
    for i in range(n):
        if prose[i]:
            last = i
        if last is not None:
            to_prose[i] = i - last
    last = None
    for i in range(n - 1, -1, -1):
        if prose[i]:
            last = i
        if last is not None:
            to_prose[i] = min(to_prose[i], last - i)
    texts = [ln.text for ln in lines]
    lows = [t.lower() for t in texts]
    head = set(lows[:6])
    counts: dict[str, int] = {}
    for low in lows:
        counts[low] = counts.get(low, 0) + 1
    markers, seen = [], 0
    for i, text in enumerate(texts):
        if i > lo and rules.marker_for(text) is not None:
            seen += 1
        markers.append(float(min(seen, 3)))
    cum, acc = [], 0
    for w in words:
        cum.append(acc / total_words)
        acc += w
    chrome = f1[:, FEATURES1.index("chrome_phrase")]
    x[:, col] = logits2
    x[:, col + 1] = cum
    x[:, col + 2] = prose
    x[:, col + 3] = [math.log1p(r) for r in run]
    x[:, col + 4] = [block_share[ln.block] for ln in lines]
    x[:, col + 5] = [math.log1p(max(lo - i, 0)) for i in range(n)]
    x[:, col + 6] = [math.log1p(max(i - hi, 0)) for i in range(n)]
    x[:, col + 7] = markers
    # neighbours: log_words, stopword_ratio, sentence_end of the line before and after
    for off, j in ((8, 1), (10, 4), (12, 5)):
        x[1:, col + off] = f1[:-1, j]
        x[:-1, col + off + 1] = f1[1:, j]
    if read is None or col + 14 in read:
        x[:, col + 14] = [
            float(w >= 3 and counts[low] > 1 and low in head)
            for w, low in zip(words, lows, strict=True)
        ]
    if read is None or col + 15 in read:
        x[:, col + 15] = [float(_is_bio(t)) for t in texts]
    # stage 1 already searched the chrome phrases of lines up to 15 words
    x[:, col + 16] = [
        float(
            bool(_CTA.match(t))
            or (chrome[i] > 0 if words[i] <= 15 else rules.has_chrome_phrase(lows[i]))
        )
        for i, t in enumerate(texts)
    ]
    x[:, col + 17] = [min(len(t) / max(w, 1), 20.0) for t, w in zip(texts, words, strict=True)]
    x[:, col + 18] = [float(t[:1].islower()) for t in texts]
    if read is None or col + 19 in read:
        x[:, col + 19] = [float(t.rstrip().endswith("?")) for t in texts]
    x[:, col + 20] = math.log1p(n)
    x[:, col + 21] = [math.log1p(t) for t in to_prose]
    return x


def score_lines(lines: list[Line], rules: BoilerplateRules, *, paste: bool = False) -> list[float]:
    """Probability that each line belongs to the article.

    ``paste`` scores with the paste trees (``model.paste_trees_file``) when there are any:
    whole-page pastes get their own, larger tree model, and the HTML post-filter keeps the
    shared one. A text of fewer than ``paste_trees_min_lines`` lines is no whole page (a
    news text with a caption or two) and keeps the shared, smoother trees.
    """
    if not lines:
        return []
    import numpy as np

    f1 = line_matrix(lines, rules)
    w1 = np.array([rules.weights1[name] for name in FEATURES1])
    logits = (f1 @ w1).tolist()
    f2 = stage2_matrix(lines, logits, rules.span_threshold)
    w2 = np.array([rules.weights2[name] for name in FEATURES2])
    logits2 = (f2 @ w2).tolist()
    trees, shared_share = rules.trees, 0.0
    if paste and rules.paste_trees is not None and len(lines) >= rules.paste_trees_min_lines:
        trees = rules.paste_trees
        if rules.trees is not None:
            shared_share = 1.0 - rules.paste_trees_blend
    if trees is None:
        return [_sigmoid(z) for z in logits2]
    read = trees.read if shared_share == 0 else trees.read | rules.trees.read  # type: ignore[union-attr]
    rows = tree_matrix(lines, rules, f1, f2, logits2, read)
    z = trees.logits(rows)
    if shared_share > 0:
        # the paste trees fit one half of the pages closely; averaging their logit with the
        # shared trees' keeps the decision smoother on pages unlike those
        zs = rules.trees.logits(rows)
        z = [(1 - shared_share) * a + shared_share * b for a, b in zip(z, zs, strict=True)]
    return [_sigmoid(v) for v in z]

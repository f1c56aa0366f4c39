"""Sentences of an article: splitting, and what each sentence names, cues and mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ipwire.tasks.classify.matcher import _WORD, _strip_possessive
from ipwire.tasks.classify.taxonomy import Taxonomy

_SENT_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|No|Jr|Sr|Prof|Rev|vs|U\.S|U\.N)\.$"
)
# A link to another story left over from the page ("Also read: India, Pakistan ...",
# "RELATED | ..."): it names the other story's subject, not this one's, so it is skipped.
_TEASER = re.compile(
    r"^\W*(?:also\s+(?:read|see|watch|check(?:\s+out)?)|read\s+(?:more|also|next|this)"
    r"|related(?:\s+(?:stories|story|news|articles?|coverage|content|links?))?"
    r"|recommended(?:\s+(?:stories|for\s+you))?|don['’]?t\s+miss|must\s+read|trending(?:\s+now)?"
    r"|more\s+(?:from|on|stories)\b[^:|]{0,30}|you\s+may\s+(?:also\s+)?like|watch(?:\s+video)?"
    r"|top\s+stories|latest\s+news|editor['’]?s\s+picks?)\s*[:|»>\-–—]",
    re.IGNORECASE,
)

# A dateline ("NEW DELHI: ", "ISLAMABAD (AP) - ", "New Delhi, Feb 21 (IANS)") says where the
# reporter filed from, not who acts: a state named only there is no mention of that state.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"(?:^|(?<=\s\s))(?:[A-Z][A-Z.]+(?:[ /][A-Z][A-Z.]+){0,2}(?:,\s*"
    + _MONTH
    + r"\s+\d{1,2})?(?:\s*\([A-Za-z]+\))?\s*[:\-–—]\s"
    + r"|[A-Z][a-z]+(?: [A-Z][a-z]+)?,\s+"
    + _MONTH
    + r"\s+\d{1,2}(?:,? \d{4})?\s*\([A-Za-z]+\)\s*[:\-–—]?\s)"
)


def _dateline_words(text: str) -> set[int]:
    """Indexes of the words (as `_WORD` finds them) that sit in a dateline of the sentence."""
    spans = [m.span() for m in _DATELINE.finditer(text)]
    if not spans:
        return set()
    return {
        i for i, w in enumerate(_WORD.finditer(text)) if any(a <= w.start() < b for a, b in spans)
    }


@dataclass
class _Sentence:
    text: str
    index: int
    headline: bool
    lower_words: list[str]
    india: int = 0
    pakistan: int = 0
    marker: int = 0
    third: int = 0
    peer: int = 0
    listed: bool = False
    tone_hits: list[tuple[float, str]] = field(default_factory=list)
    topic_hits: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    actors: dict[str, int] = field(default_factory=dict)

    @property
    def both(self) -> bool:
        return (self.india > 0 and self.pakistan > 0 and not self.listed) or self.marker > 0

    @property
    def side(self) -> bool:
        return self.india > 0 or self.pakistan > 0 or self.marker > 0


def split_sentences(text: str) -> list[str]:
    """Sentences as they appear in the text (paragraphs first, then sentence ends)."""
    out: list[str] = []
    for para in re.split(r"\n+", text):
        para = para.strip()
        if not para:
            continue
        start = 0
        for m in _SENT_END.finditer(para):
            candidate = para[start : m.start()].rstrip()
            if _ABBREV.search(candidate):
                continue
            if candidate:
                out.append(candidate)
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


def _looks_like_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.rstrip().endswith((".", ":", ";", ","))


def _analyse(text: str, title: str | None, tax: Taxonomy) -> list[_Sentence]:
    matcher = tax.matcher
    actors = tax.actors
    topics = tax.topics
    negators = tax.negators
    hedges = tax.hedges
    window = tax.tone["negation_window"]
    after = tax.tone["negation_after"]
    auxiliaries = set(tax.tone["auxiliaries"])
    neg_factor = tax.tone["negation_factor"]
    hedge_factor = tax.tone["hedge_factor"]
    background = set(tax.tone["background"])
    background_factor = tax.tone["background_factor"]
    metaphor_topics = tax.tone["metaphor_topics"]
    metaphor_factor = tax.tone["metaphor_factor"]
    metaphor_below = tax.tone["metaphor_below"]
    appeals = set(tax.tone["appeals"])
    appeal_factor = tax.tone["appeal_factor"]
    relievers = tax.relievers
    list_countries = tax.list_countries
    list_min = tax.relevance["list_min_others"]

    raw: list[tuple[str, bool]] = []
    if title and title.strip():
        raw.append((title.strip(), True))
    body_sents = split_sentences(text)
    if not raw and body_sents:
        first_line = text.strip().split("\n", 1)[0].strip()
        if body_sents[0] == first_line and _looks_like_headline(first_line):
            raw.append((body_sents.pop(0), True))
    raw.extend((s, False) for s in body_sents)

    sentences: list[_Sentence] = []
    for idx, (sent_text, is_head) in enumerate(raw):
        if _TEASER.match(sent_text):
            sentences.append(_Sentence(sent_text, idx, False, []))
            continue
        words = [_strip_possessive(w) for w in _WORD.findall(sent_text)]
        lower = [w.lower() for w in words]
        s = _Sentence(sent_text, idx, is_head, lower)
        forms = matcher.forms(words)
        # "talks did not resume": a negated main verb turns the positive cues before it
        clause_neg = 0
        for j, w in enumerate(lower):
            if (w.endswith("n't") and w[:-3] in auxiliaries) or (
                w == "not" and j > 0 and lower[j - 1] in auxiliaries
            ):
                clause_neg = j
                break
        # a cue after the first background word ("after", "amid") is setting, not subject
        first_bg = next((j for j, w in enumerate(lower) if w in background), len(lower))
        dateline = _dateline_words(sent_text) if idx < 4 else set()
        for start, _end, section, label, weight in matcher.scan(forms):
            if section == "actor":
                if start in dateline:
                    continue
                actor = actors[label]
                s.actors[label] = s.actors.get(label, 0) + 1
                if actor.side == "india":
                    s.india += 1
                elif actor.side == "pakistan":
                    s.pakistan += 1
                elif actor.side == "both":
                    s.marker += 1
                elif actor.side == "third":
                    s.third += 1
            elif section == "peer":
                s.peer += 1
            elif section == "tone":
                value = weight
                lo = max(0, start - window)
                if value < 0 and any(w in relievers for w in lower[lo:start]):
                    # "to calm tensions", "break the deadlock": the strain is what is eased
                    value *= neg_factor
                scope = lower[lo:start] + lower[_end : _end + after]
                if any(w in negators or w.endswith("n't") for w in scope) or (
                    value > 0 and start < clause_neg
                ):
                    value *= neg_factor
                if start > first_bg:
                    value *= background_factor
                s.tone_hits.append((value, " ".join(words[start:_end])))
            else:
                factor = topics[label].background_factor
                if factor != 1.0 and start > first_bg:
                    weight *= factor
                s.topic_hits.setdefault(label, []).append((" ".join(forms[start:_end]), weight))
        if s.tone_hits and any(w in hedges for w in lower):
            s.tone_hits = [(v * hedge_factor, cue) for v, cue in s.tone_hits]
        if s.tone_hits and any(w in appeals for w in lower):
            # "the UK urged dialogue": a call for talks is made because there are none
            s.tone_hits = [(v * appeal_factor if v > 0 else v, c) for v, c in s.tone_hits]
        if s.tone_hits and any(t in s.topic_hits for t in metaphor_topics):
            # "clash", "attack", "aggression" in a match report are not hostilities, but
            # "rejected" or "ruled out" a series is still strain
            s.tone_hits = [
                (v * metaphor_factor if v <= metaphor_below else v, c) for v, c in s.tone_hits
            ]
        if s.india and s.pakistan and not s.marker:
            others = sum(1 for w in set(lower) if w in list_countries)
            if others >= list_min and _is_list(lower):
                s.listed = True
        sentences.append(s)
    if metaphor_topics and _leading_topic(sentences) in metaphor_topics:
        # a match report's "clash" or "attack" outside the sentences naming the game
        for s in sentences:
            if s.tone_hits and not any(t in s.topic_hits for t in metaphor_topics):
                s.tone_hits = [
                    (v * metaphor_factor if v <= metaphor_below else v, c) for v, c in s.tone_hits
                ]
    # "its neighbour", "the two countries": the other state, once the text names both
    if any(s.india for s in sentences) and any(s.pakistan for s in sentences):
        for s in sentences:
            if s.peer and not s.listed:
                if s.india and not s.pakistan:
                    s.pakistan = s.peer
                elif s.pakistan and not s.india:
                    s.india = s.peer
                elif not s.india and not s.pakistan:
                    s.india = s.pakistan = s.peer
    return sentences


def _leading_topic(sentences: list[_Sentence]) -> str | None:
    """The topic with the most cue weight in the text (None: no topic cue)."""
    mass: dict[str, float] = {}
    for s in sentences:
        for label, hits in s.topic_hits.items():
            mass[label] = mass.get(label, 0.0) + sum(w for _, w in hits)
    return max(sorted(mass), key=lambda k: mass[k]) if mass else None


def _is_list(lower: list[str]) -> bool:
    """A sentence that enumerates countries rather than relating two of them."""
    return lower.count("and") + lower.count("or") >= 1

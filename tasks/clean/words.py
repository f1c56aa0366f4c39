"""Words of a line: the tokens and the function words the shape tests count."""

from __future__ import annotations

import re

# Function words: a sentence of running prose is full of them, a menu or a headline is not.
# English first (the corpus is English news), plus the commonest words of a few neighbours.
EUROPEAN_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself said says one two new may might must shall us many much even still yet however
    der die das und ist nicht ein eine mit von zu den des sich auf für le la les et est un une
    des du dans pour que qui pas el los las y es en una por con para del se lo il che di non
    per de het een van op""".split()
)

# Chinese and Japanese do not space their words: each character (or kana) counts as one, as
# word processors count them. Their function characters (particles, "of", "is", "and")
# stand beside the European function words above: a Japanese sentence is near half
# particles, a Chinese one near a seventh.
_CJK_CHARS = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_FUNCTION_CHARS = frozenset(
    "的了在是和与也就都而及着对为从把被将这那其之于以并但或等我他她们你有不个到说要会能可已又"
    "还很让给向由所此该のにはをがでともたてしないるれからだすませんうこそや"
)
# The commonest function words of Hindi and Urdu, the languages of much India–Pakistan news
# beside English: postpositions, "and", "is", "that". (Arabic's and Russian's were tried too:
# the headline ranker, fitted where such lines had none, then took a date line or a
# subheading for the headline on trafeval's Arabic and Russian pages.)
HINDI_URDU_STOPWORDS = frozenset(
    """का की के में है हैं और से को ने पर यह वह था थे थी भी कि एक लिए तो ही नहीं गया गई किया
    इस उस कर रहा रही रहे हो होने अपने साथ बाद
    کا کی کے میں ہے ہیں اور سے کو نے پر یہ وہ تھا تھے تھی بھی کہ ایک لیے تو ہی نہیں گیا کیا
    اس کر رہا رہی رہے ہو اپنے ساتھ بعد""".split()
)
STOPWORDS = EUROPEAN_STOPWORDS | CJK_FUNCTION_CHARS | HINDI_URDU_STOPWORDS

_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(f"[{_CJK_CHARS}]")
# Vowel signs and other combining marks are not \w: "मंत्रियों" would fall apart into
# "म", "त", "र", "य". They stay inside their word: combining accents, Hebrew points, Arabic
# harakat, and the marks of the Indic scripts from Devanagari to Sinhala (whose blocks are
# letters, marks and digits, bar the danda "।" and double danda "॥").
_MARKS = "\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0963\u0966-\u0dff"
_NEEDS_CARE = re.compile(f"[{_MARKS}{_CJK_CHARS}]")
_CAREFUL_WORD = re.compile(rf"(?:[^\W{_CJK_CHARS}]|[{_MARKS}])+|[{_CJK_CHARS}]")


def words_of(text: str) -> list[str]:
    """The ``\\w+`` words of ``text``, each Chinese character or kana a word of its own, and a
    word's combining marks (Hindi vowel signs, Arabic harakat) inside it.

    A paragraph of Chinese is one ``\\w+`` run: counted so, it would look like a one-word
    menu entry; Hindi would count each word as three or four. The cheap tests come first, so
    a line without such characters costs one scan.
    """
    if text.isascii() or _NEEDS_CARE.search(text) is None:
        return _WORD.findall(text)
    return _CAREFUL_WORD.findall(text)


def word_count(text: str, toks: list[str]) -> int:
    """How many words ``toks`` (``words_of(text)``) make, two Chinese or Japanese characters
    to a word: their words run one to two characters, so the length tests written for
    spaced words (a headline of a dozen, a paragraph of 40) hold for them too."""
    if text.isascii() or len(toks) == 0 or _CJK.search(text) is None:
        return len(toks)
    cjk = sum(1 for t in toks if len(t) == 1 and _CJK.match(t) is not None)
    return len(toks) - cjk // 2


_DIGIT = re.compile(r"\d")


def content_words(text: str) -> set[str]:
    """A text's lower-cased words of three letters or more that are no function words: what
    it names, for comparing a line with another (a headline with its body)."""
    return {t for t in _WORD.findall(text.lower()) if len(t) > 2 and t not in STOPWORDS}

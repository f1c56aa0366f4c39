"""Words of a line: the tokens and the function words the shape tests count."""

from __future__ import annotations

import re

# Function words: a sentence of running prose is full of them, a menu or a headline is not.
# English first (the corpus is English news), plus the commonest words of a few neighbours.
STOPWORDS = frozenset(
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

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")

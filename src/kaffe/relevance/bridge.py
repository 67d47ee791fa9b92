"""How the trends notebook reads topics (:mod:`kaffe.topics.trends`): the en <-> da
lexicon (:class:`kaffe.relevance.lexicon.Lexicon`, numpy-free, so a daemon without feeds
groups its topics too without loading numpy, issue 14) and, when asked, the Danish
compound splitter. Nothing is held at module level.
"""

from __future__ import annotations

from kaffe.relevance.lexicon import Lexicon
from kaffe.topics.trends import Analysis


def theme_analysis(compounds: bool) -> Analysis:
    """How :mod:`kaffe.topics.trends` reads topics: stems and the lexicon, and with
    ``compounds`` Danish compounds split too. kaffe splits them when feeds are configured
    (the relevance index loads numpy and the word table anyway), so that `kaffe trends`,
    the prep brief and the follow-up group alike under one config."""
    split = None
    if compounds:
        from kaffe.relevance.background import Background
        from kaffe.relevance.compounds import Splitter

        split = Splitter(Background.load()).split
    return Analysis(Lexicon.load(), split)

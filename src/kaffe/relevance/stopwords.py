"""Curated stop words for English and Danish.

Small on purpose: function words only (articles, pronouns, auxiliaries,
prepositions, conjunctions, common adverbs). Content words such as "data" or
"health" must stay matchable, so nothing topical belongs here. Based on the
Snowball project's lists, trimmed and lower-cased.
"""

from __future__ import annotations

ENGLISH = frozenset(
    """
    a about above after again against all am an and any are aren't as at be
    because been before being below between both but by can cannot could did
    do does doing don't down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is isn't
    it its itself just let me more most my myself no nor not now of off on
    once only or other ought our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself
    yourselves also may might must shall us via per yet s t ll re ve d m
    """.split()
)

DANISH = frozenset(
    """
    af alle andet andre at blev blive bliver da de dem den denne der deres det
    dette dig din dine disse dit dog du efter eller en end er et for fra ham
    han hans har havde have hende hendes her hos hun hvad hvis hvor i ikke ind
    jeg jer jo kunne man mange med meget men mig min mine mit mod må ned noget
    nogle nu når og også om op os over på sig sin sine sit skal skulle som
    sådan thi til ud under var vi vil ville vor vores være været blevet kan
    nok lige bare hvordan hvorfor hvornår hvilke hvilken hvilket dens
    """.split()
)

STOP_WORDS: dict[str, frozenset[str]] = {"en": ENGLISH, "da": DANISH}
ALL = ENGLISH | DANISH

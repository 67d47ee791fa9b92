"""Small Danish articles written for these tests (no Danish feed exists in the corpus).

Each is a short, plain news-style text, the way a Danish trade or news feed
would summarise a story. The ``topic`` key labels what it is about, so the
tests can say which articles a contact should get.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kaffe.model import Article

PUBLISHED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

# (id, label, title, summary)
SAMPLES: tuple[tuple[str, str, str, str], ...] = (
    ("da-vind-1", "vind", "Nye vindmøller skal stå i Nordsøen",
     "Regeringen har udpeget tre områder, hvor der kan bygges havvindmøller. Hver vindmølle "
     "kan levere strøm til flere tusinde husstande, og projektet er en vigtig del af den "
     "grønne omstilling."),
    ("da-vind-2", "vind", "Lokal modstand mod vindmølle ved Ringkøbing",
     "Naboerne frygter støj fra den planlagte vindmølle. Kommunen peger på, at "
     "vindenergi er nødvendig for at nå klimamålene."),
    ("da-gron-1", "grøn", "Virksomheder halter efter i den grønne omstilling",
     "En ny analyse viser, at kun hver tredje mellemstore virksomhed har en plan for at "
     "reducere sit CO2-udslip. Omstillingen kræver investeringer i energi og transport."),
    ("da-data-1", "data", "Sådan flytter I jeres dataplatform til skyen",
     "Mange organisationer er i gang med at migrere deres dataplatform. Erfaringen er, at "
     "migreringen går bedst, når data, adgangsstyring og rapporter flyttes i etaper."),
    ("da-data-2", "data", "Dataplatforme giver kommunerne bedre overblik",
     "Flere kommuner samler nu deres data på én dataplatform, så sagsbehandlere og "
     "ledere kan følge nøgletal uden at bestille udtræk fra IT-afdelingen."),
    ("da-rekrut-1", "rekruttering", "Rekruttering af udviklere er blevet sværere",
     "Virksomhederne melder om lange forløb, når de skal ansætte udviklere. Rekruttering "
     "via netværk og praktikforløb vinder frem, mens stillingsopslag giver færre ansøgere."),
    ("da-rekrut-2", "rekruttering", "Sådan lykkes onboarding af nye medarbejdere",
     "God rekruttering slutter ikke ved kontrakten. En struktureret onboarding får nye "
     "medarbejdere til at blive længere i virksomheden."),
    ("da-ai-1", "ai", "AI i sundhedsvæsenet: algoritme finder brud på røntgenbilleder",
     "Et hospital har testet kunstig intelligens, der hjælper radiologer med at finde brud. "
     "AI-værktøjet skal nu afprøves i hele regionen, og patienterne får svar hurtigere."),
    ("da-ai-2", "ai", "Sundhedsvæsenet vil bruge AI til at forudsige indlæggelser",
     "Regionerne vil bruge data og AI til at forudsige, hvilke patienter der risikerer "
     "genindlæggelse, så lægerne kan sætte ind tidligere."),
    ("da-fodbold-1", "andet", "FCK vandt derbyet efter sent mål",
     "Et mål i overtiden sikrede sejren på Parken. Træneren roste holdets kampgejst, "
     "mens fansene fejrede til langt ud på aftenen."),
    ("da-opskrift-1", "andet", "Opskrift: Æblekage med makroner",
     "Bag en klassisk dansk æblekage med æblemos, makroner og flødeskum. Kagen kan "
     "laves dagen før og samles lige inden servering."),
    ("da-vejr-1", "andet", "Sne og glatte veje i Jylland",
     "DMI varsler snebyger og glatte veje i hele Jylland i nat. Bilisterne opfordres til "
     "at køre forsigtigt og tjekke trafikinformationen."),
)


def danish_articles(declare_language: bool = True) -> list[Article]:
    """The samples as articles; without a declared language they must be guessed."""
    return [
        Article(id=aid, feed="dansk-test", url=f"https://example.dk/{aid}", title=title,
                summary=summary, published=PUBLISHED,
                language="da" if declare_language else "")
        for aid, _label, title, summary in SAMPLES
    ]


def labelled(label: str) -> set[str]:
    """Ids of the Danish samples about ``label``."""
    return {aid for aid, lab, _t, _s in SAMPLES if lab == label}

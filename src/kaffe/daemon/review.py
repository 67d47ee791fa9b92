"""Read what you are about to send (issue 16): the drafts in your mailbox addressed to
someone you met for coffee, judged by the guard.

Each cycle: one listing of the drafts (ids and versions); the headers of the versions
not seen before; the text of those addressed to a coffee contact, capped at
``[guard] review_max_chars``, without the mail they quote. Each version read is stored
with a hash of its text and the verdict, never the text. A version that reads like a
job ask becomes a :class:`~kaffe.model.DraftFinding` for this cycle's snapshot, and
:mod:`kaffe.rules.review` plans the note to yourself; until that note exists the
version is read again each cycle (its sentence is not stored). Nothing here changes,
moves or deletes a draft: :class:`~kaffe.connectors.base.DraftReader` has no such call.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime

from kaffe.config.schema import Config, GuardConfig
from kaffe.connectors.base import DraftReader
from kaffe.connectors.mailbody import BodyText
from kaffe.errors import KaffeError
from kaffe.kinds import PREP, REVIEW
from kaffe.model import DONE, DraftFinding, DraftHead, LedgerEntry
from kaffe.relevance.stopwords import DANISH, ENGLISH
from kaffe.store import Store
from kaffe.store.reviews import ASK, OK, UNJUDGED, Review

log = logging.getLogger(__name__)

# What the guard says of one text: None (it reads fine) or (sentence, why); ``why`` is
# stored and logged, so it must not quote the text.
Judge = Callable[[str], "tuple[str, str] | None"]

_WORD = re.compile(r"[^\W\d_]+")
# Function words of the languages the guard cannot judge, that English and Danish do
# not share: a text with several of them is not judged (measured on
# tests/data/language/short.jsonl: no en or da text of 4+ words is taken for one).
_FOREIGN = {
    "sv": frozenset("och att jag är inte för hur vad också eller från mycket tack ett "
                    "någon något kommer skulle bara här vill kunde varit blir blev "
                    "eftersom även".split()) - ENGLISH - DANISH,
    "nb": frozenset("ikke hva noe kanskje veldig takk meg deg seg fikk gjøre nå blitt "
                    "noen bare hilsen mvh".split()) - ENGLISH - DANISH,
    "de": frozenset("und ich nicht ist das die der den dem des ein eine einen wir sie sind "
                    "mit für auf auch wie was noch nur über bei von zu haben hat wird "
                    "vielen dank grüße bitte".split()) - ENGLISH - DANISH,
}
_NAMES = {"sv": "Swedish", "nb": "Norwegian", "de": "German"}


def foreign_language(text: str) -> str:
    """"sv", "nb" or "de" when ``text`` is clearly in a language the guard has no model
    for; "" when it is English, Danish or cannot be told."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4:
        return ""
    own = sum(w in ENGLISH or w in DANISH for w in words)
    counts = {lang: sum(w in marks for w in words) for lang, marks in _FOREIGN.items()}
    best = max(counts, key=lambda lang: counts[lang])
    hits = counts[best]
    if (hits >= 2 and hits * 4 >= own) or (own == 0 and len(words) >= 6 and hits):
        return best
    return ""


def guard_judge(config: GuardConfig) -> Judge:
    """The guard as the review asks it: the sentence that blocked, and why."""
    from kaffe.compose.guard import check

    def judge(text: str) -> tuple[str, str] | None:
        verdict = check(text, config)
        if not verdict.blocked:
            return None
        # the reason is stored and logged: it names the pattern or the model's score,
        # never your words (the model's top features can be words of the draft)
        if verdict.score is None:
            why = f"it matches the job-ask pattern {verdict.pattern}"
        else:
            score = verdict.score
            why = (f"the job-ask model scores it {score.score:.2f} "
                   f"(blocks from {score.threshold:.2f}, {score.language})")
        return (verdict.sentence or verdict.phrase).strip(), why
    return judge


def review_key(sink: str, version: str, checked: str) -> str:
    """The key of the note about one draft version: once per version read."""
    return f"{REVIEW}:{hashlib.sha256(f'{sink}|{version}|{checked}'.encode()).hexdigest()[:16]}"


def fingerprint(text: BodyText) -> str:
    """SHA-256 of the text judged: what is stored instead of it."""
    return hashlib.sha256(text.text.encode("utf-8", "surrogatepass")).hexdigest()


def review_drafts(store: Store, reader: DraftReader, contacts: Collection[str],
                  ledger: Mapping[str, LedgerEntry], judge: Judge, now: datetime,
                  config: Config, *, record: bool = True) -> tuple[DraftFinding, ...]:
    """The drafts to ``contacts`` (addresses, lower case) that read like a job ask and
    have no note yet; every version read is recorded in the store (unless not
    ``record``: ``kaffe plan`` changes nothing it can avoid)."""
    if not config.guard.review_drafts or not config.guard.enabled:
        return ()
    sink = reader.name
    versions = reader.draft_versions()
    known = {version: r for (_sink, version), r in store.reviews(sink).items()}
    fresh = [i for i, v in versions.items() if v not in known]
    unnoted = [r.draft_id for v, r in known.items() if r.verdict == ASK
               and versions.get(r.draft_id) == v and not _noted(ledger, sink, r)]
    heads = {h.id: h for h in reader.draft_heads([*fresh, *unnoted])}
    own = {a.lower() for a in config.me.addresses}
    wanted = {h.id for h in heads.values() if _for_review(h, contacts, own)}
    texts = reader.draft_texts(wanted, cap=config.guard.review_max_chars)
    reviews, findings = [], []
    for head in heads.values():
        if head.id in texts:
            review, finding = _judged(sink, head, texts[head.id], judge, now)
            if finding is not None and not _noted(ledger, sink, review):
                findings.append(finding)
        else:  # not to a coffee contact, kaffe's note to you, or gone since the listing
            review = Review(sink, head.version, head.id, "", OK, now, "not reviewed: " + (
                "not to anyone you met for coffee" if head.id not in wanted else "unreadable"),
                tuple(r.email for r in head.to), head.subject)
        if head.version not in known or known[head.version].verdict != review.verdict:
            reviews.append(review)
    if record:
        store.record_reviews(sink, reviews, versions.values())
    for finding in findings if record else ():  # names the draft, never what it says
        log.warning("%s: draft %s to %s reads like a job ask (%s); a note to you follows",
                    sink, finding.draft.id, ", ".join(r.email for r in finding.draft.to),
                    finding.why)
    return tuple(findings)


def _for_review(head: DraftHead, contacts: Collection[str], own: set[str]) -> bool:
    if head.kaffe_key.startswith((f"{REVIEW}:", f"{PREP}:")):
        return False  # kaffe's notes to you
    return any(r.email in contacts and r.email not in own for r in head.to)


def _noted(ledger: Mapping[str, LedgerEntry], sink: str, review: Review) -> bool:
    entry = ledger.get(review_key(sink, review.version, review.checked))
    return entry is not None and entry.state == DONE


def _judged(sink: str, head: DraftHead, text: BodyText, judge: Judge, now: datetime
            ) -> tuple[Review, DraftFinding | None]:
    checked = fingerprint(text)
    to = tuple(r.email for r in head.to)
    base = (sink, head.version, head.id, checked)
    foreign = foreign_language(text.text)
    if foreign:
        detail = f"written in {_NAMES[foreign]}, which the guard cannot judge"
        return Review(*base, UNJUDGED, now, detail, to, head.subject), None
    try:
        found = judge(f"{head.subject}\n{text.text}")
    except KaffeError as exc:
        log.error("%s: draft %s could not be judged: %s", sink, head.id, exc)
        return Review(*base, UNJUDGED, now, "the guard failed", to, head.subject), None
    notes = ("; HTML only" if text.html_only else "") + (
        "; only its start was read" if text.truncated else "")
    if found is None:
        return Review(*base, OK, now, "reads fine" + notes, to, head.subject), None
    sentence, why = found
    review = Review(*base, ASK, now, why + notes, to, head.subject)
    return review, DraftFinding(key=review_key(sink, head.version, checked), draft=head,
                                sentence=sentence, why=why, edited=bool(head.kaffe_key),
                                sink=sink)

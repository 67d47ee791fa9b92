"""Frozen domain objects. Connectors normalise into these at the boundary;
Google JSON, MIME objects and feedparser dicts never travel further.

All datetimes are timezone-aware and in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# Attendee response states, as Google names them (ICS PARTSTAT is mapped onto these).
ACCEPTED = "accepted"
DECLINED = "declined"
TENTATIVE = "tentative"
NEEDS_ACTION = "needsAction"


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str  # lower-cased, stripped
    name: str = ""
    response: str = NEEDS_ACTION
    is_self: bool = False
    organizer: bool = False
    optional: bool = False
    resource: bool = False  # rooms and equipment are not people


@dataclass(frozen=True, slots=True, weakref_slot=True)  # weak keys: kaffe.identity
class Event:
    """One calendar occurrence (recurring series arrive expanded into instances)."""

    id: str  # unique within its calendar; instance ids for recurring events
    calendar: str  # calendar key, e.g. "google:primary"
    summary: str
    start: datetime
    end: datetime
    uid: str = ""  # iCalUID: merges the same meeting seen through several sources
    status: str = "confirmed"  # confirmed | tentative | cancelled
    all_day: bool = False
    description: str = ""
    location: str = ""
    attendees: tuple[Attendee, ...] = ()
    organizer: str = ""  # e-mail address
    event_type: str = "default"  # Google eventType: default, outOfOffice, focusTime, ...
    recurring_event_id: str = ""
    original_start: datetime | None = None  # recurring instances: the slot in the series
    updated: datetime | None = None
    html_link: str = ""
    thread_id: str = ""  # invitations by mail: the thread the invitation arrived in
    # Google's attendeesOmitted: the guest list is hidden or trimmed, so its size is unknown
    attendees_omitted: bool = False

    @property
    def key(self) -> str:
        """Globally unique key: calendar plus event id."""
        return f"{self.calendar}/{self.id}"

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class CalendarBatch:
    """What one sync of one calendar returned.

    ``full`` means the events are the complete content of the sync window and
    replace what the store holds for that calendar; otherwise they are changes
    (a cancelled event has ``status == "cancelled"``).
    """

    calendar: str
    events: tuple[Event, ...]
    cursor: str | None
    full: bool
    removed: tuple[str, ...] = ()  # event ids cancelled/deleted in an incremental delta
    # What could not be read (see kaffe.daemon.problems): shown by plan, status and doctor.
    problems: tuple[str, ...] = ()
    # UIDs of events a full batch could not read: their stored meetings are kept, not
    # wiped (one broken DTSTART must not delete what an earlier read stored).
    unread: tuple[str, ...] = ()
    # A full batch that lost events it cannot name (no UID): it deletes nothing.
    incomplete: bool = False


# Message directions, seen from you.
SENT = "sent"
RECEIVED = "received"


@dataclass(frozen=True, slots=True)
class Message:
    """One mail message, normalised from Gmail metadata (or IMAP headers).

    Bodies are not kept: kaffe only needs who, when, which thread and why.
    """

    id: str  # the source's message id (Gmail id, IMAP UID)
    account: str  # mail account key, e.g. "gmail"
    thread_id: str
    date: datetime
    direction: str  # sent | received
    sender: Recipient
    to: tuple[Recipient, ...] = ()  # To and Cc
    subject: str = ""
    message_id: str = ""  # RFC 5322 Message-ID, with its angle brackets
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    bulk: str = ""  # non-empty: why this is not personal mail (List-Id, no-reply sender, ...)
    kaffe_key: str = ""  # X-Kaffe-Key: the message was a kaffe draft
    labels: tuple[str, ...] = ()
    # The first words of the text (Gmail's snippet, IMAP: the start of the first text
    # part), only so that sync can judge the language of received mail: never stored.
    sample: str = field(default="", compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.account}/{self.id}"


@dataclass(frozen=True)
class MailBatch:
    """What one sync of one mailbox returned (see CalendarBatch for ``full``)."""

    account: str
    messages: tuple[Message, ...]
    cursor: str | None
    full: bool
    removed: tuple[str, ...] = ()  # message ids deleted since the cursor
    invitations: tuple[Event, ...] = ()  # meetings from text/calendar parts and .ics files
    problems: tuple[str, ...] = ()  # invitations that could not be read (kaffe.daemon.problems)


@dataclass(frozen=True, slots=True)
class Interaction:
    """One message between you and a contact, from the contact's side of the ledger."""

    contact: str  # the contact's address
    direction: str  # sent (you wrote to them) | received (they wrote to you)
    at: datetime
    message_key: str
    thread_id: str = ""
    subject: str = ""
    message_id: str = ""
    references: tuple[str, ...] = ()
    kaffe_key: str = ""


@dataclass(frozen=True, slots=True)
class LanguageVerdict:
    """The language a contact wrote one received message in, judged once at sync from
    its subject and first words (the text itself is not kept)."""

    message_key: str
    at: datetime
    language: str  # two-letter code
    confidence: float  # 0.5 (a guess between two) .. 1.0


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """What a reply needs to join a thread: Gmail wants all four."""

    thread_id: str
    in_reply_to: str
    references: tuple[str, ...]
    subject: str


@dataclass(frozen=True, slots=True)
class Article:
    """One feed entry, normalised: plain text only, a canonical link."""

    id: str  # stable: derived from the canonical link (else the entry id)
    feed: str  # the feed's name (or URL)
    url: str  # canonical link, tracking parameters stripped
    title: str
    summary: str = ""  # plain text, no HTML
    published: datetime | None = None
    language: str = ""  # two-letter code, "" = unknown
    tags: tuple[str, ...] = ()  # from the feed's config entry and the entry's categories


@dataclass(frozen=True)
class FeedBatch:
    """What one fetch of one feed returned."""

    feed: str
    articles: tuple[Article, ...]
    cursor: str | None  # opaque: ETag / Last-Modified for the next conditional GET
    not_modified: bool = False  # 304: nothing was parsed
    problems: tuple[str, ...] = ()  # entries that could not be read (kaffe.daemon.problems)


@dataclass(frozen=True, slots=True)
class Topic:
    """Something you talked about with a contact, with where kaffe learnt it."""

    contact: str
    text: str  # e.g. "data platform migration"
    source: str  # e.g. "event:google:primary/abc", "note", "notes:ana.md", "mail:<thread>"
    at: datetime


@dataclass(frozen=True, slots=True)
class Mention:
    """One person who raised a theme: their latest topic on it, as they said it."""

    contact: str
    text: str
    at: datetime
    name: str = ""


@dataclass(frozen=True, slots=True)
class Theme:
    """Topics of several people that say the same thing (stems, en <-> da), with who
    raised it (one :class:`Mention` per person, latest first) and its rank's score."""

    label: str  # the wording most people used
    texts: tuple[str, ...]  # every wording, most used first
    mentions: tuple[Mention, ...]
    score: float

    @property
    def latest(self) -> datetime:
        return self.mentions[0].at

    def mention_of(self, contact: str) -> Mention | None:
        return next((m for m in self.mentions if m.contact == contact), None)


@dataclass(frozen=True, slots=True)
class Match:
    """An article relevant to a contact's topics, with the terms that matched."""

    contact: str
    article_id: str
    score: float
    terms: tuple[str, ...]  # matched words as they appear in the topic
    topic: str  # the topic that matched best


@dataclass(frozen=True, slots=True)
class Target:
    """Someone you would like to meet (issue 17): a row of ``[outreach] targets_file``,
    or a referral in your notes. Only the address and the name are required."""

    email: str  # lower-cased
    name: str = ""
    company: str = ""
    role: str = ""
    theme: str = ""  # what to talk about; "" = trends in their company's field
    offer: str = ""  # what you bring them; "" = the best match of [me] offer
    introduced_by: str = ""  # the address of who referred them to you
    language: str = ""  # two-letter code; "" = decide as for anyone else
    where: str = ""  # where it was read: "targets.csv:4", "notes:ana@x.dk.md:12"
    why: str = ""  # a referral's reason, as the note says it


@dataclass(frozen=True, slots=True)
class Contact:
    email: str
    name: str = ""
    language: str = ""  # "" = decide from config and context


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature that moved a detection score, so a user can see and tune why."""

    feature: str  # machine name, e.g. "keyword.title"
    detail: str  # human text, e.g. 'title mentions "coffee"'
    points: float = 0.0

    def __str__(self) -> str:
        sign = "+" if self.points >= 0 else ""
        return f"{self.detail} ({sign}{self.points:g})" if self.points else self.detail


@dataclass(frozen=True, slots=True)
class Verdict:
    is_coffee: bool
    score: float
    reasons: tuple[Reason, ...]
    veto: str = ""  # a hard exclusion ("declined by you", "all-day", ...) wins over any score


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str = ""


# States of a planned action.
DUE = "due"  # should be drafted now
WAITING = "waiting"  # will be due at ``due_at``
SKIPPED = "skipped"  # will never be drafted; ``reason`` says why
DONE = "done"  # already drafted (ledger says so)


@dataclass(frozen=True, slots=True)
class Action:
    """A planned draft, with an idempotency key and a human-readable reason.

    Rules produce actions; compose renders ``template`` with ``context`` into a
    :class:`Draft`; the executor turns DUE actions into drafts exactly once.
    """

    kind: str  # one of kaffe.kinds.KINDS
    key: str  # idempotency key, e.g. "followup:google:primary/abc123"
    state: str
    reason: str
    to: tuple[Recipient, ...] = ()
    language: str = "en"
    language_reason: str = ""  # why ``language``, e.g. "en: 3 of their last 3 mails ..."
    template: str = ""
    event_key: str = ""
    due_at: datetime | None = None
    thread: ThreadRef | None = None  # reply in this thread instead of starting a new one
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Draft:
    """A fully rendered draft, ready to be turned into MIME."""

    key: str  # stamped as the X-Kaffe-Key header
    sender: Recipient
    to: tuple[Recipient, ...]
    subject: str
    body: str
    language: str = "en"
    thread_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    date: datetime | None = None  # the Date header: the executor sets the cycle's `now`


# Ledger states.
PENDING = "pending"
FAILED = "failed"


class OutcomeState(StrEnum):
    """What happened to one action in a cycle (the executor's ``Outcome.state``).
    Members equal their strings: ``OutcomeState.DONE == "done"``."""

    DONE = "done"  # the draft was created now
    RECOVERED = "recovered"  # a draft made earlier was found and recorded, not made again
    UNCHANGED = "unchanged"  # the ledger already records it drafted or skipped
    SKIPPED = "skipped"  # recorded as never to be drafted (the action's reason says why)
    BLOCKED = "blocked"  # the guard stopped the rendered draft; not recorded, tried again
    FAILED = "failed"  # this draft failed alone (given up on after MAX_ATTEMPTS)
    AUTH = "auth"  # sign-in or permission: the cycle stops drafting
    TRANSIENT = "transient"  # an outage or rate limit: the cycle stops drafting


@dataclass(frozen=True, slots=True)
class DraftHead:
    """A draft in your mailbox, before its text is read: one kaffe made (which you may
    have edited since) or one you wrote yourself (issue 16: what you are about to send)."""

    id: str  # the sink's draft id
    version: str  # changes whenever the draft does (Gmail: its message id; IMAP: its UID)
    to: tuple[Recipient, ...] = ()  # To and Cc
    subject: str = ""
    kaffe_key: str = ""  # X-Kaffe-Key: kaffe made it
    size: int = 0  # bytes, as the server counts them (0: not told)


@dataclass(frozen=True, slots=True)
class DraftFinding:
    """A draft in your mailbox that reads like a job ask (issue 16). Lives for one
    cycle: the sentence is what you wrote and is never stored."""

    key: str  # "review:<hash of the version read>": one note per version
    draft: DraftHead
    sentence: str  # the sentence that reads like a job ask, as you wrote it
    why: str  # the guard's reason ("pattern …", "the classifier's score …")
    edited: bool  # a kaffe draft you edited (else one you wrote yourself)
    sink: str = ""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    key: str
    kind: str
    state: str  # pending | done | failed | skipped
    updated: datetime
    draft_id: str = ""
    detail: str = ""
    attempts: int = 0
    contact: str = ""  # the first recipient, for cadence and reply tracking


@dataclass(frozen=True)
class Snapshot:
    """Everything the rules look at: a consistent, read-only view of the store."""

    events: tuple[Event, ...] = ()
    contacts: dict[str, Contact] = field(default_factory=dict, compare=False, hash=False)
    ledger: dict[str, LedgerEntry] = field(default_factory=dict, compare=False, hash=False)
    # contact address -> interactions, oldest first
    interactions: dict[str, tuple[Interaction, ...]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # contact address -> topics, oldest first
    topics: dict[str, tuple[Topic, ...]] = field(default_factory=dict, compare=False, hash=False)
    # recent articles by id, and per contact the relevant ones, best first
    articles: dict[str, Article] = field(default_factory=dict, compare=False, hash=False)
    matches: dict[str, tuple[Match, ...]] = field(default_factory=dict, compare=False, hash=False)
    # `kaffe plan` only (None: not looked for): per contact met with topics but no match,
    # the best fresh articles scoring below the threshold, to say how near they came
    near: dict[str, tuple[Match, ...]] | None = field(default=None, compare=False, hash=False)
    # drafts in your mailbox that read like a job ask, found this cycle (daemon/review.py)
    findings: tuple[DraftFinding, ...] = field(default=(), compare=False, hash=False)
    # the people you would like to meet, in the targets file's order, then referrals
    targets: tuple[Target, ...] = field(default=(), compare=False, hash=False)
    # calendars and mailboxes that could not be read this cycle: who you are in touch
    # with is not known for sure, so nobody new is written to (rules/outreach.py)
    unread: tuple[str, ...] = ()
    # contact address -> the languages their last few received mails are in, oldest
    # first, "" for one too short or unclear to tell (kaffe.store.languages.written)
    languages: dict[str, tuple[str, ...]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # the themes across everyone's topics, best first (kaffe.topics.trends): what the
    # prep brief says others told you, and a follow-up's one insight
    themes: tuple[Theme, ...] = field(default=(), compare=False, hash=False)

"""Typed, frozen configuration objects. Defaults here are the documented defaults
of ``config/kaffe.example.toml``; keep the two in step (a test checks it).

Each field's ``metadata`` tells the validator (:mod:`kaffe.config.validate`) what
else to check beyond the type: ``check`` names a checker for a string or for
every item of a list, ``keys``/``values`` name checkers for a table's keys and
values, ``min``/``max`` bound a number. Fields without metadata are checked by
type alone, so a new field needs nothing more than its annotation and default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from kaffe import timeutil

DEFAULT_KEYWORDS: tuple[str, ...] = (
    "coffee",
    "kaffe",
    "kaffemøde",
    "kaffeaftale",
    "fika",
    "catch-up",
    "catch up",
    "catchup",
    "café",
    "cafe",
    "espresso",
    "latte",
    "cappuccino",
    "brunch",
)
DEFAULT_VENUE_WORDS: tuple[str, ...] = (
    "café",
    "cafe",
    "coffee",
    "kaffe",
    "kaffebar",
    "espresso",
    "roastery",
    "bakery",
    "bageri",
    "starbucks",
    "joe & the juice",
)
DEFAULT_EXCLUDE_WORDS: tuple[str, ...] = (
    "stand-up",
    "standup",
    "interview",
    "all hands",
    "all-hands",
    "sprint",
    "retro",
    "board meeting",
)


def rule(**checks: Any) -> dict[str, Any]:
    """Validator metadata for a field, e.g. ``field(default=3, metadata=rule(min=0))``."""
    return checks


def _weight(default: float) -> Any:
    return field(default=default, metadata=rule(min=-100, max=100))


def _words(default: tuple[str, ...]) -> Any:
    return field(default=default, metadata=rule(check="nonempty"))


@dataclass(frozen=True)
class MeConfig:
    name: str = ""
    addresses: tuple[str, ...] = field(default=(), metadata=rule(check="email"))  # lower-cased
    # your own organisation(s); lower-cased
    domains: tuple[str, ...] = field(default=(), metadata=rule(check="domain"))
    language: str = field(default="en", metadata=rule(check="language"))
    # an IANA name like "Europe/Copenhagen"; "" = the system's (the loader fills it in)
    timezone: str = field(default="", metadata=rule(check="timezone"))
    # who you are, in one line, for the people you have not met ("" = your name only)
    about: str = ""
    # the same line in other languages, by language code: { da = "Jeg ..." }
    about_in: dict[str, str] = field(default_factory=dict, metadata=rule(keys="language"))
    # what you can give: experiences, skills, introductions (outreach names the best match
    # among those written in the draft's language)
    offer: tuple[str, ...] = field(default=(), metadata=rule(check="nonempty"))

    @property
    def zone(self) -> tzinfo:
        """The zone every date a person reads is shown in; UTC when none is set."""
        return timeutil.zone(self.timezone)


@dataclass(frozen=True)
class GoogleConfig:
    client_secret_file: Path | None = None
    token_file: Path | None = None  # None: <data dir>/google-token.json
    # "" = Google; e.g. "http://127.0.0.1:8765" for the emulator
    api_endpoint: str = field(default="", metadata=rule(check="url"))
    # "" = Google's, or api_endpoint + "/token" with the emulator
    token_uri: str = field(default="", metadata=rule(check="url"))
    calendar_ids: tuple[str, ...] = field(default=("primary",), metadata=rule(check="nonempty"))
    num_retries: int = field(default=3, metadata=rule(min=0, max=20))


@dataclass(frozen=True)
class DetectConfig:
    keywords: tuple[str, ...] = _words(DEFAULT_KEYWORDS)
    venue_words: tuple[str, ...] = _words(DEFAULT_VENUE_WORDS)
    exclude_words: tuple[str, ...] = _words(DEFAULT_EXCLUDE_WORDS)
    threshold: float = field(default=3.0, metadata=rule(min=0, max=100))
    weight_title: float = _weight(3.0)  # a coffee word in the title
    weight_location: float = _weight(2.0)  # a café or coffee word in the location
    weight_description: float = _weight(1.0)  # a coffee word in the description
    weight_external: float = _weight(1.0)  # someone outside your own domains attends
    weight_small: float = _weight(1.0)  # one-to-one-ish: at most ``max_attendees``
    weight_duration: float = _weight(0.5)  # duration within bounds
    # people including you; more is a "large meeting" and never counts
    max_attendees: int = field(default=3, metadata=rule(min=2, max=1000))
    require_external: bool = True  # no one from outside your domains: never counts
    min_minutes: int = field(default=15, metadata=rule(min=0, max=1440))
    max_minutes: int = field(default=150, metadata=rule(min=1, max=1440))
    lookback_days: int = field(default=30, metadata=rule(min=0, max=3650))  # sync window back
    lookahead_days: int = field(default=14, metadata=rule(min=0, max=3650))  # and ahead


@dataclass(frozen=True)
class FollowupConfig:
    enabled: bool = True
    # due this long after the meeting ended
    delay_hours: float = field(default=2.0, metadata=rule(min=0, max=24))
    # later than this after the end: skipped as stale
    max_age_days: float = field(default=7.0, metadata=rule(min=0, max=365))
    # reply in the latest thread with the contact from this many days before the meeting
    thread_days: int = field(default=30, metadata=rule(min=0, max=3650))
    # Domain or TLD -> language, e.g. {"dk": "da", "example.se": "sv"}
    languages: dict[str, str] = field(
        default_factory=lambda: {"dk": "da"}, metadata=rule(keys="domain", values="language")
    )
    # Address -> language, for single contacts
    contact_languages: dict[str, str] = field(
        default_factory=dict, metadata=rule(keys="email", values="language")
    )


@dataclass(frozen=True)
class MailboxesConfig:
    """``[mailboxes]``: how much of every mailbox is read, the Gmail one and each
    ``[[mail]]`` entry alike (these two keys were ``[gmail]``'s before: see
    :mod:`.legacy`)."""

    window_days: int = field(default=180, metadata=rule(min=1, max=3650))  # first sync
    # invitations (text/calendar parts) are looked for in mail this recent
    invite_days: int = field(default=60, metadata=rule(min=0, max=3650))


@dataclass(frozen=True)
class GmailConfig:
    """``[gmail]``: what only the Gmail API mailbox and its quota use."""

    enabled: bool = True  # read the mailbox (needs the gmail.readonly scope)
    # Gmail search terms added to every listing ("" = none), e.g. "-category:promotions"
    # (checked at load: Gmail's documented operators only, groups and quotes closed)
    query: str = field(default="-in:chats", metadata=rule(check="gmail_query"))
    # Gmail's per-user quota (units a minute; Google's quota page: 6,000) and the share
    # of it kaffe spends: the rest is left to your other apps on the same project
    quota_per_minute: int = field(default=6000, metadata=rule(min=100, max=100_000_000))
    quota_share: float = field(default=0.8, metadata=rule(min=0.05, max=1))
    # inbox tabs a first sync reads only as far back as [mailboxes] invite_days (() = all):
    # kaffe counts their mail as bulk (never a contact), and reads no older invitation
    skip_tabs: tuple[str, ...] = field(default=("promotions", "social", "updates", "forums"),
                                       metadata=rule(check="gmail_tab"))


@dataclass(frozen=True)
class FeedConfig:
    """One ``[[feeds]]`` entry."""

    url: str = field(default="", metadata=rule(check="feed_url"))  # http(s) URL or a file path
    name: str = ""  # "" = the URL
    # "" = what the feed says
    language: str = field(default="", metadata=rule(check="optional_language"))
    # words that describe the feed, matched like article words
    tags: tuple[str, ...] = field(default=(), metadata=rule(check="tag"))


# The largest ICS calendar read: a Google calendar used for 15 years is tens of MB
# (100,000 events of ~500 bytes is ~50 MB); it is spooled to disk and read in the
# sync window only, so the cap bounds download and disk, not memory.
CALENDAR_MAX_BYTES = 100_000_000

# Where a password may come from; exactly one where one is needed, never inline.
PASSWORD_KEYS: tuple[str, ...] = ("password_file", "password_env", "password_keyring")


@dataclass(frozen=True)
class CalendarEntryConfig:
    """One ``[[calendars]]`` entry: a Google calendar, an ICS URL or file, or CalDAV."""

    type: str = field(default="", metadata=rule(check="calendar_type"))
    name: str = ""  # unique among [[calendars]]; keys the calendar's saved state
    url: str = ""  # ics: http(s) URL, file:// URL or path; caldav: the server's URL
    username: str = ""  # caldav
    password_file: Path | None = None
    password_env: str = field(default="", metadata=rule(check="env_name"))
    password_keyring: str = field(default="", metadata=rule(check="keyring_ref"))
    calendar: str = ""  # caldav: a calendar's name or URL; "" = every calendar
    calendar_id: str = field(default="primary", metadata=rule(check="nonempty"))  # google
    # ics: the largest calendar read, in bytes (its own cap; [feed_options] is for feeds)
    max_bytes: int = field(default=CALENDAR_MAX_BYTES, metadata=rule(min=10_000, max=2_000_000_000))


@dataclass(frozen=True)
class MailEntryConfig:
    """One ``[[mail]]`` entry: the Gmail API mailbox, or an IMAP account."""

    type: str = field(default="", metadata=rule(check="mail_type"))
    name: str = ""  # unique among [[mail]]; keys the mailbox's saved state
    host: str = ""  # imap
    port: int = field(default=993, metadata=rule(min=1, max=65535))  # 143 with starttls/none
    tls: str = field(default="ssl", metadata=rule(check="tls"))  # "none": localhost only
    username: str = ""
    password_file: Path | None = None
    password_env: str = field(default="", metadata=rule(check="env_name"))
    password_keyring: str = field(default="", metadata=rule(check="keyring_ref"))
    # your address on this account; "" = the user name when it is an address
    address: str = field(default="", metadata=rule(check="optional_email"))
    drafts_folder: str = ""  # "" = found by SPECIAL-USE (\Drafts)
    sent_folder: str = ""  # "" = found by SPECIAL-USE (\Sent)
    drafts: bool = False  # drafts go here; exactly one entry (none set: the first)


@dataclass(frozen=True)
class FeedOptionsConfig:
    timeout_seconds: float = field(default=20.0, metadata=rule(min=1, max=300))
    max_bytes: int = field(default=5_000_000, metadata=rule(min=10_000, max=200_000_000))
    # a failing feed waits 1, 2, 4, ... hours, at most this long, before the next try
    max_backoff_hours: float = field(default=24.0, metadata=rule(min=0, max=720))
    keep_days: int = field(default=90, metadata=rule(min=1, max=3650))  # articles kept


@dataclass(frozen=True)
class TopicsConfig:
    notes_dir: Path | None = None  # markdown notes, one file per contact (see the example)
    from_mail: bool = False  # also learn topics from the subjects of your threads


@dataclass(frozen=True)
class RelevanceConfig:
    # 10 x the share of a topic's weight an article holds (bench/relevance.py: set A)
    threshold: float = field(default=8.0, metadata=rule(min=0, max=1000))
    min_terms: int = field(default=1, metadata=rule(min=1, max=20))  # distinct matched words
    # related concepts (kaffe.relevance.concepts): "venture capital" finds "seed round"
    concepts: bool = True


@dataclass(frozen=True)
class DripConfig:
    enabled: bool = True
    min_gap_days: int = field(default=30, metadata=rule(min=1, max=3650))
    max_per_year: int = field(default=6, metadata=rule(min=0, max=365))
    max_unanswered: int = field(default=2, metadata=rule(min=1, max=100))
    horizon_days: int = field(default=365, metadata=rule(min=1, max=3650))
    max_article_age_days: int = field(default=14, metadata=rule(min=1, max=365))
    daily_cap: int = field(default=3, metadata=rule(min=0, max=100))


@dataclass(frozen=True)
class CheckinConfig:
    enabled: bool = True
    after_days: int = field(default=120, metadata=rule(min=7, max=3650))


DEFAULT_QUESTIONS: tuple[str, ...] = (
    "What are you working on that excites you most right now?",
    "What is the hardest problem on your desk this quarter?",
    "What trends do you see in your field over the next year or two?",
    "Who else should I talk to about this?",
    "How can I be useful to you?",
)


@dataclass(frozen=True)
class PrepConfig:
    enabled: bool = True
    lead_hours: float = field(default=24.0, metadata=rule(min=1, max=336))
    questions: tuple[str, ...] = DEFAULT_QUESTIONS


@dataclass(frozen=True)
class OutreachConfig:
    """``[outreach]``: meeting requests to the people in your targets file (issue 17)."""

    enabled: bool = True
    # CSV (UTF-8, header row): name,email[,company,role,theme,offer,introduced_by,language];
    # relative to the config file's folder; None = no targets file (referrals still count)
    targets_file: Path | None = None
    # at most this many new outreach drafts in any 7 days, in file order
    per_week: int = field(default=3, metadata=rule(min=0, max=100))
    # one nudge in the same thread when nothing came back this many days after you sent it
    nudge_after_days: int = field(default=8, metadata=rule(min=1, max=365))


@dataclass(frozen=True)
class GuardConfig:
    enabled: bool = True
    # extra regular expressions that block a draft
    patterns: tuple[str, ...] = field(default=(), metadata=rule(check="regex"))
    # regular expressions that un-block a phrase a pattern caught or a sentence the
    # classifier flagged, when they overlap it
    allow: tuple[str, ...] = field(default=(), metadata=rule(check="regex"))
    # each cycle, read the drafts in your mailbox addressed to someone you met for coffee
    # (kaffe's that you edited, and your own) and, when one reads like a job ask, say so
    # in a short draft to yourself; your draft is never changed
    review_drafts: bool = True
    # characters of one draft that are read and judged (the rest is not read)
    review_max_chars: int = field(default=20_000, metadata=rule(min=500, max=1_000_000))


@dataclass(frozen=True)
class SafetyConfig:
    # at most this many drafts in one cycle, and in any 24 hours, of all kinds together
    max_drafts_per_cycle: int = field(default=10, metadata=rule(min=1, max=1000))
    max_drafts_per_day: int = field(default=25, metadata=rule(min=1, max=10000))


@dataclass(frozen=True)
class ScheduleConfig:
    interval_minutes: int = field(default=15, metadata=rule(min=1, max=1440))


@dataclass(frozen=True)
class TemplatesConfig:
    dir: Path | None = None  # user templates override the shipped ones by name


@dataclass(frozen=True)
class StorageConfig:
    database: Path | None = None  # None: <data dir>/kaffe.db


@dataclass(frozen=True)
class Config:
    me: MeConfig = field(default_factory=MeConfig)
    google: GoogleConfig = field(default_factory=GoogleConfig)
    detect: DetectConfig = field(default_factory=DetectConfig)
    followup: FollowupConfig = field(default_factory=FollowupConfig)
    mailboxes: MailboxesConfig = field(default_factory=MailboxesConfig)
    gmail: GmailConfig = field(default_factory=GmailConfig)
    feeds: tuple[FeedConfig, ...] = ()  # [[feeds]]
    calendars: tuple[CalendarEntryConfig, ...] = ()  # [[calendars]]; () = [google] calendar_ids
    mail: tuple[MailEntryConfig, ...] = ()  # [[mail]]; () = Gmail, as [gmail] enabled says
    feed_options: FeedOptionsConfig = field(default_factory=FeedOptionsConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    relevance: RelevanceConfig = field(default_factory=RelevanceConfig)
    drip: DripConfig = field(default_factory=DripConfig)
    checkin: CheckinConfig = field(default_factory=CheckinConfig)
    prep: PrepConfig = field(default_factory=PrepConfig)
    outreach: OutreachConfig = field(default_factory=OutreachConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)
    safety: SafetyConfig = field(default_factory=SafetyConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    # the file this was loaded from; not a section
    source: Path | None = field(default=None, metadata=rule(internal=True))

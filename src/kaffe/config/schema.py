"""Typed, frozen configuration objects. Defaults here are the documented defaults
of ``config/kaffe.example.toml``; keep the two in step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class MeConfig:
    name: str = ""
    addresses: tuple[str, ...] = ()  # lower-cased
    domains: tuple[str, ...] = ()  # your own organisation(s); lower-cased
    language: str = "en"


@dataclass(frozen=True)
class GoogleConfig:
    client_secret_file: Path | None = None
    token_file: Path | None = None  # None: <data dir>/google-token.json
    api_endpoint: str = ""  # "" = Google; e.g. "http://127.0.0.1:8765" for the emulator
    token_uri: str = ""  # "" = Google's, or api_endpoint + "/token" with the emulator
    calendar_ids: tuple[str, ...] = ("primary",)
    num_retries: int = 3


@dataclass(frozen=True)
class DetectConfig:
    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    venue_words: tuple[str, ...] = DEFAULT_VENUE_WORDS
    exclude_words: tuple[str, ...] = DEFAULT_EXCLUDE_WORDS
    threshold: float = 3.0
    weight_title: float = 3.0  # a coffee word in the title
    weight_location: float = 2.0  # a café or coffee word in the location
    weight_description: float = 1.0  # a coffee word in the description
    weight_external: float = 1.0  # someone outside your own domains attends
    weight_small: float = 1.0  # one-to-one-ish: at most ``max_attendees``
    weight_duration: float = 0.5  # duration within bounds
    max_attendees: int = 3  # people including you; more is a "large meeting" and never counts
    require_external: bool = True  # no one from outside your domains: never counts
    min_minutes: int = 15
    max_minutes: int = 150
    lookback_days: int = 30  # sync window into the past
    lookahead_days: int = 14  # and into the future


@dataclass(frozen=True)
class FollowupConfig:
    enabled: bool = True
    delay_hours: float = 2.0  # due this long after the meeting ended
    max_age_days: float = 7.0  # later than this after the end: skipped as stale
    # Domain or TLD -> language, e.g. {"dk": "da", "example.se": "sv"}
    languages: dict[str, str] = field(default_factory=lambda: {"dk": "da"})
    # Address -> language, for single contacts
    contact_languages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduleConfig:
    interval_minutes: int = 15


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
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    source: Path | None = None  # the file this was loaded from

"""Table-driven validation of parsed TOML into the dataclasses of :mod:`.schema`.

The field's type picks a parser from :data:`PARSERS`; the field's metadata adds
checks (see :mod:`.checks`). Every problem is collected, none stops the rest.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kaffe.config import accounts, checks, legacy
from kaffe.config.checks import Context, Invalid, show
from kaffe.config.schema import CalendarEntryConfig, Config, FeedConfig, MailEntryConfig


def _str(raw: Any, ctx: Context) -> str:
    if not isinstance(raw, str):
        raise Invalid(f"expected a string, got {show(raw)}")
    return raw


def _int(raw: Any, ctx: Context) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise Invalid(f"expected a whole number, got {show(raw)}")
    return raw


def _float(raw: Any, ctx: Context) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise Invalid(f"expected a number, got {show(raw)}")
    # TOML allows nan and inf; no setting of kaffe means either, and nan slips
    # through every range check (all its comparisons are false).
    if not math.isfinite(raw):
        raise Invalid(f"expected a finite number, got {show(raw)}")
    return float(raw)


def _bool(raw: Any, ctx: Context) -> bool:
    if not isinstance(raw, bool):
        raise Invalid(f"expected true or false, got {show(raw)}")
    return raw


def _path(raw: Any, ctx: Context) -> Path:
    text = _str(raw, ctx).strip()
    if not text:
        raise Invalid("expected a path, got an empty string")
    return (ctx.base_dir / Path(text).expanduser()).resolve()


def _optional_path(raw: Any, ctx: Context) -> Path | None:
    """An empty string means "not set": the documented default applies."""
    return None if _str(raw, ctx).strip() == "" else _path(raw, ctx)


def _str_tuple(raw: Any, ctx: Context) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise Invalid(f'expected a list of strings like ["a", "b"], got {show(raw)}')
    return tuple(raw)


def _str_map(raw: Any, ctx: Context) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise Invalid(f'expected a table of strings like {{ key = "value" }}, got {show(raw)}')
    return dict(raw)


# Field type -> parser. A new field type needs one entry here.
PARSERS: dict[object, Callable[[Any, Context], Any]] = {
    str: _str,
    int: _int,
    float: _float,
    bool: _bool,
    Path: _path,
    Path | None: _optional_path,
    tuple[str, ...]: _str_tuple,
    dict[str, str]: _str_map,
}


def _apply(check: str, value: str) -> str:
    return checks.CHECKERS[check](value)


def _check_items(items: tuple[str, ...], check: str) -> tuple[str, ...]:
    out, errors = [], []
    for number, item in enumerate(items, start=1):
        try:
            out.append(_apply(check, item))
        except Invalid as exc:
            errors.append(f"item {number}: {exc}")
    if errors:
        raise Invalid("; ".join(errors))
    return tuple(out)


def _check_map(table: dict[str, str], meta: dict[str, Any]) -> dict[str, str]:
    out, errors = {}, []
    for key, value in table.items():
        try:
            new_key = _apply(meta["keys"], key) if "keys" in meta else key
            out[new_key] = _apply(meta["values"], value) if "values" in meta else value
        except Invalid as exc:
            errors.append(f"{show(key)}: {exc}")
    if errors:
        raise Invalid("; ".join(errors))
    return out


def _check_range(value: float, meta: dict[str, Any]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if not math.isfinite(value):  # whatever the parser: nan compares false to any bound
        raise Invalid(f"expected a finite number, got {show(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise Invalid(f"must be between {low} and {high}, got {show(value)}")
        bound = f"at least {low}" if low is not None else f"at most {high}"
        raise Invalid(f"must be {bound}, got {show(value)}")


def check_value(value: Any, meta: dict[str, Any]) -> Any:
    """Apply the metadata checks of one field to its parsed ``value``."""
    if "check" in meta and isinstance(value, tuple):
        value = _check_items(value, meta["check"])
    elif "check" in meta and isinstance(value, str):
        value = _apply(meta["check"], value)
    if isinstance(value, dict):
        value = _check_map(value, meta)
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_range(value, meta)
    return value


def parse_value(hint: object, meta: dict[str, Any], raw: Any, ctx: Context) -> Any:
    """Parse ``raw`` by the field type ``hint``, then check it; raises :class:`Invalid`."""
    parser = PARSERS.get(hint)
    if parser is None:
        raise TypeError(f"no config parser for fields of type {hint!r}")
    return check_value(parser(raw, ctx), meta)


def _suggest(name: str, known: list[str], fmt: str = '"{}"') -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {fmt.format(close[0])}?)" if close else ""


def _settable(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}


# Keys refused in every section with a message of their own rather than "unknown key".
REFUSED_KEYS: dict[str, str] = {"password": accounts.NO_INLINE_PASSWORD}


def build_section(
    cls: type, section: str, table: dict[str, Any], ctx: Context, index: int | None = None
) -> Any:
    """Build one section dataclass from its TOML table, reporting every bad key.

    ``index`` is the 1-based position of the table in an array of tables
    (``[[feeds]]``), so problems read ``[feeds][2] url: ...``.
    """
    fields, hints = _settable(cls), typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in fields:
            message = REFUSED_KEYS.get(key) or "unknown key" + _suggest(key, list(fields))
            ctx.report(section, key, message, index)
            continue
        try:
            values[key] = parse_value(hints[key], dict(fields[key].metadata), raw, ctx)
        except Invalid as exc:
            ctx.report(section, key, str(exc), index)
    return cls(**values)


def entry_class(hint: object) -> type | None:
    """The dataclass of an array-of-tables field (``tuple[FeedConfig, ...]``), else None."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        return item if isinstance(item, type) and dataclasses.is_dataclass(item) else None
    return None


def _build_array(cls: type, name: str, raw: Any, ctx: Context) -> tuple[Any, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        message = f"expected [[{name}]] entries (an array of tables), got {show(raw)}"
        ctx.report(name, "", message)
        return ()
    finish = ENTRY_FINISHERS.get(cls, lambda entry, table, index, ctx: entry)
    return tuple(
        finish(build_section(cls, name, item, ctx, index), item, index, ctx)
        for index, item in enumerate(raw, start=1)
    )


def _build_entry(hint: Any, name: str, raw: Any, ctx: Context) -> Any:
    item_class = entry_class(hint)
    if item_class is not None:
        return _build_array(item_class, name, raw, ctx)
    if isinstance(raw, dict):
        return build_section(hint, name, raw, ctx)
    ctx.report(name, "", f"expected a table [{name}], got {show(raw)}")
    return hint()


def _finish_feed(feed: FeedConfig, table: dict[str, Any], index: int, ctx: Context) -> FeedConfig:
    """Require a URL; make a local path absolute (against the config file's folder)."""
    if "url" not in table:
        ctx.report("feeds", "url", "missing: every [[feeds]] entry needs a url", index)
    if not feed.url:
        return feed
    return dataclasses.replace(feed, url=accounts.local_location(feed.url, ctx.base_dir))


# Array-of-tables entry class -> what completes one entry once its keys are checked.
Finisher = Callable[[Any, dict[str, Any], int, Context], Any]
ENTRY_FINISHERS: dict[type, Finisher] = {
    FeedConfig: _finish_feed,
    CalendarEntryConfig: accounts.finish_calendar,
    MailEntryConfig: accounts.finish_mail,
}


def _report_unknown_top_level(
    name: str, raw: Any, sections: dict[str, dataclasses.Field[Any]], ctx: Context
) -> None:
    if isinstance(raw, dict):
        suggestion = _suggest(name, list(sections), "[{}]")
        ctx.report("", "", f"unknown section [{name}]{suggestion}")
        return
    hints = typing.get_type_hints(Config)
    owners = [
        section
        for section in sections
        if name in _settable(entry_class(hints[section]) or hints[section])
    ]
    where = f" (did you mean to put it under [{owners[0]}]?)" if owners else ""
    ctx.report("", name, f"unknown key: settings belong in a section{where}")


def build_config(data: dict[str, Any], ctx: Context) -> Config:
    """Build a :class:`Config` from parsed TOML; problems are left in ``ctx``."""
    sections, hints = _settable(Config), typing.get_type_hints(Config)
    data, moved = legacy.split_moved(data, ctx)
    values: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in sections:
            _report_unknown_top_level(name, raw, sections, ctx)
            continue
        values[name] = _build_entry(hints[name], name, raw, ctx)
    config = _with_moved(Config(**values), moved, ctx)
    for check in CROSS_CHECKS:
        check(config, ctx)
    return accounts.default_drafts_account(config)


def _with_moved(config: Config, moved: legacy.Moved, ctx: Context) -> Config:
    """Keys written at their old place, checked there (a problem names the section the
    file wrote) and put where they live now."""
    for (old, key), (new, raw) in moved.items():
        section = getattr(config, new)
        built = build_section(type(section), old, {key: raw}, ctx)
        section = dataclasses.replace(section, **{key: getattr(built, key)})
        config = dataclasses.replace(config, **{new: section})
    return config


def _minutes_in_order(config: Config, ctx: Context) -> None:
    detect = config.detect
    if detect.min_minutes > detect.max_minutes:
        ctx.report("detect", "min_minutes", f"must not exceed max_minutes ({detect.max_minutes})")


def _followup_window(config: Config, ctx: Context) -> None:
    followup = config.followup
    if followup.delay_hours >= followup.max_age_days * 24:
        message = f"must be shorter than max_age_days ({followup.max_age_days:g} days)"
        ctx.report("followup", "delay_hours", message)


def _feed_names_unique(config: Config, ctx: Context) -> None:
    # The name keys the feed's cursor and backoff state: two feeds must not share one.
    seen: dict[str, int] = {}
    for index, feed in enumerate(config.feeds, start=1):
        name = feed.name or feed.url
        if name and name in seen:
            message = f"{show(name)} is already used by [[feeds]] entry {seen[name]}"
            ctx.report("feeds", "name" if feed.name else "url", message, index)
        seen.setdefault(name, index)


# Checks that involve more than one key, run on the built config.
CROSS_CHECKS: tuple[Callable[[Config, Context], None], ...] = (
    _minutes_in_order,
    _followup_window,
    _feed_names_unique,
    accounts.names_unique,
    accounts.one_google_mailbox,
    accounts.one_drafts_account,
)

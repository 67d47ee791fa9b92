"""The people you would like to meet (issue 17): ``[outreach] targets_file`` and the
referrals in your notes folder, read into :class:`~kaffe.model.Target` objects.

The targets file is CSV, UTF-8, with a header row naming its columns (any order):
``name,email,company,role,theme,offer,introduced_by,language``; only ``name`` and
``email`` are required. A column kaffe does not know is an error naming the file and
the column (the whole file is then not read: a typo must not shift the columns). A
bad row (no address, a duplicate, a colleague's domain from ``[me] domains``,
yourself) is reported with ``file:line`` and skipped; the other rows are read.

A referral is a line ``Referral: Name <email> — why`` in a notes file, or a bullet
``- Name <email> — why`` under a ``## Referrals`` heading: it makes the person a
target introduced by the contact the note is about. The targets file wins where
both name the same person (its empty cells are filled from the referral).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from kaffe.config.schema import Config, MeConfig
from kaffe.errors import EX_CONFIG, KaffeError
from kaffe.model import Target
from kaffe.topics.notes import (
    MAX_NOTE_BYTES,
    NoteError,
    is_address,
    note_contact,
    split_front_matter,
)
from kaffe.topics.private import is_private_note, public_text

log = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = ("name", "email", "company", "role", "theme", "offer",
                            "introduced_by", "language")
REQUIRED: tuple[str, ...] = ("name", "email")
MAX_TARGETS_BYTES = 5_000_000
_LANGUAGE = re.compile(r"^[a-z]{2}$")
# "Referral: Ana Silva <ana@x.dk> — knows the port" (a dash, en or em dash, or a colon)
_REFERRAL_LINE = re.compile(r"^\s*(?:[-*+]\s+)?(?:referral|henvisning)\s*:\s*(.+)$", re.I)
_PERSON = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*(?:[—–:-]+\s*)?(?P<why>.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s*(.*?)\s*#*\s*$")
_REFERRAL_HEADINGS = ("referrals", "referral", "henvisninger", "introductions")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")


class TargetsError(KaffeError):
    """The targets file cannot be read at all (unknown column, not UTF-8, missing):
    located like a config error, and a config error's exit status."""

    exit_code = EX_CONFIG


@dataclass(frozen=True)
class TargetsRead:
    """What reading the targets found: the targets, and the rows and files skipped."""

    targets: tuple[Target, ...] = ()
    problems: tuple[str, ...] = ()  # "targets.csv:4: no address: ..." one per skipped row


def _why_bad(target: Target, seen: set[str], me: MeConfig) -> str:
    """Why ``target`` cannot be one ("" when it can)."""
    if not target.email:
        return "no address"
    if not is_address(target.email):
        return f"{target.email!r} is not an e-mail address"
    if target.email in seen:
        return f"{target.email} is listed already"
    if target.email in me.addresses:
        return f"{target.email} is you ([me] addresses)"
    domain = target.email.rpartition("@")[2]
    if any(domain == d or domain.endswith("." + d) for d in me.domains):
        return f"{target.email} is a colleague ([me] domains has {domain})"
    return ""


def parse_targets(text: str, name: str, me: MeConfig) -> TargetsRead:
    """The targets in CSV ``text`` read from the file ``name`` (as errors name it).
    Raises :class:`TargetsError` on a header kaffe cannot read."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header):
        raise TargetsError(f"{name}:1: no header row; the first line names the columns, "
                           f"e.g. {','.join(COLUMNS)}")
    columns = [cell.strip().lower() for cell in header]
    for number, column in enumerate(columns, start=1):
        if column not in COLUMNS:
            raise TargetsError(f"{name}:1: unknown column {column or '(empty)'!r} "
                               f"(column {number}); known: {', '.join(COLUMNS)}")
    if len(set(columns)) != len(columns):
        twice = next(c for c in columns if columns.count(c) > 1)
        raise TargetsError(f"{name}:1: column {twice!r} appears twice")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise TargetsError(f"{name}:1: no {' or '.join(repr(c) for c in missing)} column; "
                           f"{' and '.join(REQUIRED)} are required")
    targets: list[Target] = []
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(columns)}
        target, problem = _target(values, f"{name}:{line}", seen, me)
        if problem:
            problems.append(f"{name}:{line}: {problem}")
        if target is not None:
            targets.append(target)
            seen.add(target.email)
    return TargetsRead(tuple(targets), tuple(problems))


def _target(values: dict[str, str], where: str, seen: set[str], me: MeConfig
            ) -> tuple[Target | None, str]:
    """The row's target (None: skipped) and what was wrong with it ("" if nothing)."""
    known = {f.name for f in fields(Target)}
    target = Target(**{k: v for k, v in values.items() if k in known}, where=where)
    target = replace(target, email=target.email.lower(),
                     introduced_by=target.introduced_by.lower())
    bad = _why_bad(target, seen, me)
    if bad:
        return None, f"skipped: {bad}"
    if not target.name:
        return None, "skipped: no name"
    ignored = []
    if target.introduced_by and not is_address(target.introduced_by):
        ignored.append(f"introduced_by {target.introduced_by!r} is not an e-mail address")
        target = replace(target, introduced_by="")
    language = target.language.lower().split("-")[0].split("_")[0]
    if language and not _LANGUAGE.match(language):
        ignored.append(f"language {target.language!r} is not a two-letter code like en or da")
        language = ""
    return replace(target, language=language), "; ".join(ignored) + (
        "; ignored" if ignored else "")


def read_targets(path: Path, me: MeConfig) -> TargetsRead:
    """The targets file at ``path``; :class:`TargetsError` when it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TargetsError(f"{path}: file not found",
                           hint="`kaffe targets add NAME EMAIL` creates it") from None
    except OSError as exc:
        raise TargetsError(f"{path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_TARGETS_BYTES:
        raise TargetsError(f"{path}: {len(data)} bytes, more than the {MAX_TARGETS_BYTES} "
                           "a targets file may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TargetsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                           "save it as UTF-8") from exc
    return parse_targets(text, str(path), me)


def parse_referrals(text: str, file_name: str) -> list[Target]:
    """The referrals in one notes file: ``Referral:`` lines anywhere, and the bullets
    under a ``## Referrals`` heading. ``introduced_by`` is the note's contact.
    Raises :class:`~kaffe.topics.notes.NoteError` as reading its topics does."""
    header, body = split_front_matter(text)
    contact = note_contact(file_name, header)
    if is_private_note(header):
        return []  # a private note names nobody to anyone
    skip = len(text.lstrip("\ufeff").splitlines()) - len(body.splitlines())
    body = public_text(body)  # keeps the line count: the numbers still point at the file
    found: list[Target] = []
    under = False
    for number, line in enumerate(body.splitlines(), start=skip + 1):
        heading = _HEADING.match(line)
        if heading is not None:
            under = heading.group(1).strip().lower() in _REFERRAL_HEADINGS
            continue
        said = _REFERRAL_LINE.match(line)
        bullet = _BULLET.match(line) if under else None
        text_of = said.group(1) if said else bullet.group(1) if bullet else ""
        person = _PERSON.match(text_of) if text_of else None
        if person is None:
            continue
        found.append(Target(
            email=person.group("email").strip().lower(),
            name=person.group("name").strip().strip("\"'"),
            introduced_by=contact,
            where=f"notes:{file_name}:{number}",
            why=(person.group("why") or "").strip(),
        ))
    return found


def read_referrals(folder: Path) -> list[Target]:
    """Every referral in the notes folder, file by file in name order; a file that
    cannot be read is skipped (reading its topics reports it)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        return []
    found: list[Target] = []
    for path in sorted(folder.glob("*.md")):
        try:
            if path.stat().st_size > MAX_NOTE_BYTES:
                continue
            found += parse_referrals(path.read_bytes().decode("utf-8"), path.name)
        except (OSError, UnicodeDecodeError, NoteError) as exc:
            log.debug("no referrals read from %s: %s", path.name, exc)
    return found


def merge_referrals(listed: Sequence[Target], referrals: Iterable[Target], me: MeConfig
                    ) -> TargetsRead:
    """``listed`` (the targets file's), each with the empty cells a referral of the same
    person fills, then the referred people not listed, in the notes' order."""
    by_email: dict[str, Target] = {}
    problems: list[str] = []
    for referral in referrals:
        if referral.email in by_email:
            continue  # the first note that names them wins
        bad = _why_bad(referral, set(), me)
        if bad or referral.email == referral.introduced_by:
            problems.append(f"{referral.where}: skipped: {bad or 'refers to the note itself'}")
            continue
        by_email[referral.email] = referral
    listed_emails = {t.email for t in listed}
    merged = [_fill(t, by_email[t.email]) if t.email in by_email else t for t in listed]
    extra = [r for r in by_email.values() if r.email not in listed_emails]
    return TargetsRead((*merged, *extra), tuple(problems))


def _fill(listed: Target, referral: Target) -> Target:
    """The targets file's row, with its empty cells taken from the referral."""
    return replace(listed, **{f.name: getattr(referral, f.name) for f in fields(Target)
                              if not getattr(listed, f.name) and getattr(referral, f.name)})


def load_targets(config: Config) -> TargetsRead:
    """The targets of ``config``: the targets file (when set) merged with the referrals
    in ``[topics] notes_dir``. A targets file that cannot be read is one problem."""
    listed = TargetsRead()
    if config.outreach.targets_file is not None:
        try:
            listed = read_targets(config.outreach.targets_file, config.me)
        except TargetsError as exc:
            listed = TargetsRead(problems=(str(exc),))
    referrals = (read_referrals(config.topics.notes_dir)
                 if config.topics.notes_dir is not None else [])
    merged = merge_referrals(listed.targets, referrals, config.me)
    return TargetsRead(merged.targets, listed.problems + merged.problems)


def target_files(config: Config) -> tuple[tuple[str, int, int], ...]:
    """What :func:`load_targets` reads, as (path, mtime_ns, size) per file: while this
    stays the same, so do the targets."""
    paths: list[Path] = []
    if config.outreach.targets_file is not None:
        paths.append(config.outreach.targets_file)
    if config.topics.notes_dir is not None and Path(config.topics.notes_dir).is_dir():
        paths += sorted(Path(config.topics.notes_dir).expanduser().glob("*.md"))
    found = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            found.append((str(path), -1, -1))
        else:
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def add_target(path: Path, target: Target, me: MeConfig) -> Path:
    """Append ``target`` to the targets file at ``path`` (created with a full header
    when missing). Refuses a bad address, yourself, a colleague and a duplicate."""
    existing = read_targets(path, me) if path.exists() else None
    seen = {t.email for t in existing.targets} if existing else set()
    bad = _why_bad(target, seen, me)
    if bad:
        raise KaffeError(f"not added: {bad}", hint=f"the targets file is {path}")
    if not target.name.strip():
        raise KaffeError("not added: a target needs a name")
    if existing is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        columns: list[str] = list(COLUMNS)
        prefix = ",".join(COLUMNS) + "\n"
    else:
        text = path.read_text(encoding="utf-8")
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        columns = [c.strip().lower() for c in header]
        prefix = "" if text.endswith("\n") or not text else "\n"
    values = {f.name: getattr(target, f.name) for f in fields(Target)}
    lost = [c for c in COLUMNS if values.get(c) and c not in columns]
    if lost:
        raise KaffeError(f"not added: {path} has no {', '.join(lost)} column",
                         hint=f"add the column to its header line: {','.join(COLUMNS)}")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([values.get(c, "") for c in columns])
    with path.open("a", encoding="utf-8", newline="") as file:
        file.write(prefix + out.getvalue())
    return path

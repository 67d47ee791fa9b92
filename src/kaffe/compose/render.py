"""Render actions into drafts with Jinja2 templates (user templates override shipped ones)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

import jinja2

from kaffe.compose.filters import FILTERS
from kaffe.errors import KaffeError
from kaffe.model import Action, Draft, Recipient

log = logging.getLogger(__name__)

SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "templates"
FALLBACK_LANGUAGE = "en"
_SUBJECT = "Subject:"


class Composer:
    """Turns an :class:`Action` into a :class:`Draft`.

    Templates live at ``<lang>/<template>.j2``; one in ``templates_dir`` wins
    over the shipped one of the same name. A language without a template falls
    back to English.
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        search = [str(templates_dir)] if templates_dir is not None else []
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*search, str(SHIPPED_TEMPLATES)]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain-text mail, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(FILTERS)

    def render(self, action: Action, sender: Recipient) -> Draft:
        """Render ``action`` (its template and context) into a draft from ``sender``."""
        template, language = self.template_for(action.template, action.language)
        text = _render(template, {**action.context, "language": language})
        subject, body = split_subject(text, template.filename or template.name or "")
        thread = action.thread
        return Draft(
            key=action.key,
            sender=sender,
            to=action.to,
            # A reply keeps the thread's subject: Gmail threads only on the same subject.
            subject=thread.subject if thread else subject,
            body=body,
            language=language,
            thread_id=thread.thread_id if thread else "",
            in_reply_to=thread.in_reply_to if thread else "",
            references=thread.references if thread else (),
        )

    def template_for(self, name: str, language: str) -> tuple[jinja2.Template, str]:
        """The template ``<language>/<name>.j2``, or the English one when there is none."""
        try:
            return self._load(f"{language}/{name}.j2"), language
        except jinja2.TemplateNotFound:
            if language == FALLBACK_LANGUAGE:
                raise KaffeError(f"no template {name!r} in any templates folder") from None
        log.info("no %r template in language %r; using %r", name, language, FALLBACK_LANGUAGE)
        return self.template_for(name, FALLBACK_LANGUAGE)

    def _load(self, path: str) -> jinja2.Template:
        try:
            return self.env.get_template(path)
        except jinja2.TemplateSyntaxError as exc:
            where = exc.filename or exc.name or path
            raise KaffeError(
                f"{where}, line {exc.lineno}: {exc.message}",
                hint="fix the template; Jinja2 syntax is described at jinja.palletsprojects.com",
            ) from exc


def _render(template: jinja2.Template, context: dict[str, object]) -> str:
    try:
        return template.render(context)
    except jinja2.TemplateError as exc:
        filename = template.filename or template.name or "?"
        line = _template_line(sys.exc_info()[2], filename)
        raise KaffeError(
            f"{filename}, line {line}: {exc}",
            hint="a template may only use the values kaffe provides (see the shipped templates)",
        ) from exc


def _template_line(tb: TracebackType | None, filename: str) -> int | str:
    """The template line an error was raised on; Jinja2 rewrites tracebacks so that
    frames of a template carry its file name and line."""
    line: int | str = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def split_subject(text: str, source: str) -> tuple[str, str]:
    """Split rendered text into the ``Subject:`` line and the body after the blank line."""
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.startswith(_SUBJECT):
        raise KaffeError(
            f"{source}, line 1: the first line must be 'Subject: ...', got {first[:40]!r}"
        )
    body = rest.lstrip("\n").rstrip()  # a body never starts with blank lines
    return first[len(_SUBJECT) :].strip(), body + "\n"

"""What the terminal is shown of text kaffe did not write itself: event titles,
names, subjects, source names and error messages. Secrets are redacted
(:mod:`kaffe.redact`) and the text is one line without control or bidi
characters, as a draft's headers are (:func:`kaffe.compose.mime.clean_header`):
a title must not reorder, split or forge the lines of ``kaffe plan``."""

from __future__ import annotations

from kaffe.compose.mime import clean_header
from kaffe.redact import redact_text


def shown(text: object) -> str:
    """``text`` safe to print as (part of) one line."""
    return clean_header(redact_text(str(text)))


def shown_lines(text: object) -> str:
    """Several lines (a config error, a cycle report), each made safe as by
    :func:`shown`; each line's indentation is kept."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    return "\n".join(line[: len(line) - len(line.lstrip(" "))] + shown(line) for line in lines)

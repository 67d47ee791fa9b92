"""What you wrote in a draft, as text (issue 16): text/plain first, else HTML as words,
quoted mail left out, capped; and it survives real mail nobody here wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kaffe.connectors.google.messages import payload_text
from kaffe.connectors.mailbody import html_to_text, raw_body_text, readable, unquoted


def test_plain_wins_over_html() -> None:
    found = readable("Hi Bo, thanks!", "<p>Other words</p>")
    assert (found.text, found.html_only) == ("Hi Bo, thanks!", False)


def test_an_empty_plain_part_falls_back_to_the_html() -> None:
    found = readable("  \n", "<p>Hej <b>Bo</b></p><p>Tak for i dag.</p>")
    assert found.html_only and found.text == "Hej Bo\n\nTak for i dag."


@pytest.mark.parametrize("attribution", [
    "On Tue, 3 Mar 2026 at 10:00, Carl Berg <carl@fjord.example> wrote:",
    "Den tir. 3. mar. 2026 kl. 10.00 skrev Carl Berg <carl@fjord.example>:",
    "-----Original Message-----",
    "---------- Forwarded message ---------",
])
def test_everything_from_the_attribution_on_is_quoted(attribution: str) -> None:
    text = f"Thanks, Carl!\n\n{attribution}\nWe are hiring two analysts.\n"
    assert unquoted(text).strip() == "Thanks, Carl!"


def test_quote_lines_are_left_out_and_the_rest_kept_in_order() -> None:
    text = "Good point.\n> are you hiring?\nI agree.\n  >> nested\nBye"
    assert unquoted(text) == "Good point.\nI agree.\nBye"


def test_a_sentence_that_merely_mentions_writing_is_not_an_attribution() -> None:
    text = "On Monday I wrote: a short note about grids.\nIt went well."
    assert unquoted(text) == text  # "wrote:" not at the end of the line


def test_html_blocks_are_lines_and_scripts_quotes_entities_are_handled() -> None:
    markup = ("<div>First&nbsp;line</div><script>alert(1)</script><ul><li>one</li>"
              "<li>two &amp; three</li></ul><blockquote>quoted</blockquote>"
              "<div class='gmail_quote x'>their <div>nested</div> mail</div><p>last</p>")
    lines = [line for line in html_to_text(markup).split("\n") if line]
    assert lines == ["First line", "one", "two & three", "last"]


def test_the_cap_keeps_the_start_and_says_so() -> None:
    found = readable("x" * 50, None, cap=10)
    assert (found.text, found.truncated) == ("x" * 10, True)
    assert raw_body_text(b"Subject: s\r\n\r\nhello", cap=10, truncated=True).truncated


def test_a_raw_message_cut_in_its_middle_is_still_read() -> None:
    raw = (b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej S\xc3\xb8ren, tak for kaffen.\r\n"
           b"--b\r\nContent-Type: text/html\r\n\r\n<p>Hej")  # cut by a partial FETCH
    found = raw_body_text(raw, truncated=True)
    assert found.text == "Hej Søren, tak for kaffen." and found.truncated


def _gmail(corpus: Path, name: str) -> dict:
    return json.loads((corpus / "gmail_json" / name).read_text(encoding="utf-8"))


def test_real_gmail_full_payloads(corpus: Path) -> None:
    html = payload_text(_gmail(corpus, "nango__messages_get_full_html_iso8859_qp_newsletter.json")
                        ["payload"])
    assert html.html_only and html.text and "<" not in html.text
    for name in ("nango__messages_get_full_multipart_mixed_attachments.json",
                 "nango__messages_get_full_reply_with_attachment.json"):
        found = payload_text(_gmail(corpus, name)["payload"])
        assert found.text and not found.html_only  # the plain part; attachments skipped
        assert ".PNG" not in found.text


def test_every_real_eml_reads_without_error(corpus: Path) -> None:
    files = sorted((corpus / "eml").glob("*.eml"))
    assert files
    for path in files:
        found = raw_body_text(path.read_bytes(), cap=5000)
        assert isinstance(found.text, str) and len(found.text) <= 5000, path.name
        cut = raw_body_text(path.read_bytes()[:600], cap=5000, truncated=True)
        assert cut.truncated, path.name

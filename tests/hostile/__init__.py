"""Hostile input: kaffe reads calendars, mail and feeds that strangers wrote.

What is covered, and where (issue 6, item 4):

* Fuzzing with hypothesis -- only a result or kaffe's per-item error, never
  another exception:
  - ICS (the reading path of ICS/CalDAV sources and of invitations by mail):
    ``test_ics_fuzz.py`` (line mutations of every corpus file, hostile property
    values, hostile recurrence rules, the same calendars inside a mail).
    Random bytes and byte-span cuts: ``tests/connectors/ical/test_ical.py``.
  - MIME (Gmail metadata, IMAP headers, invitation extraction):
    ``test_mime_fuzz.py`` (mutated corpus .eml, encoded words with CRLF, huge
    headers, bad charsets, nested multiparts). Random bytes:
    ``tests/connectors/ical/test_invites.py``.
  - Feeds (feeds.parse + feeds.text): ``test_feed_fuzz.py`` (mutated corpus feeds,
    generated hostile XML). Random bytes: ``tests/connectors/feeds/test_feeds_corpus.py``.
* Every corpus file through the parser for its kind: ICS in
  ``tests/connectors/ical/test_ical.py`` and ``test_ics_source.py``; feeds in
  ``tests/connectors/feeds/test_feeds_corpus.py``; .eml invitations in
  ``tests/connectors/ical/test_invites.py``; Calendar JSON in
  ``tests/connectors/google/test_normalize.py``; .eml through the IMAP and
  Gmail header paths and Gmail JSON messages in ``test_corpus.py`` here.
* Injection, end to end through the rules, the composer and ``to_raw``:
  ``test_injection.py`` (titles, names, feed fields with CR/LF, ``Bcc:``,
  U+2028, NUL, bidi overrides, long words; feed HTML with script, style,
  tracking pixels, frames, handlers and ``javascript:`` links). The MIME
  header property over arbitrary text: ``tests/compose/test_mime_properties.py``.
* Bounds in time and memory: ``test_bounds.py`` (XML entity bomb and XXE into
  the feed parser and the ICS-by-mail path, recurrence bombs, deep multipart
  nesting, a server that never answers). A 50 MB feed and a slow drip:
  ``tests/connectors/test_feeds_http.py``.
* What the fuzzing found, one plain test per bug: ``test_found.py``.
"""

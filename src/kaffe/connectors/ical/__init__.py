"""iCalendar (RFC 5545) read into kaffe Events: the format, not a source.

Shared by the ICS-URL source (``connectors/ics_source.py``), CalDAV
(``connectors/caldav_source.py``) and invitations found in mail (``invites``, used by
the Gmail and IMAP sources). ``parse`` is the entry point (``parse_calendar``,
``parse_calendar_stream``); ``sniff`` refuses what is not a calendar, ``window``
streams a big document and keeps what can touch the sync window (``span``), ``read``
turns components into checked parts, ``address``/``sequence`` mend real-world
ORGANIZER/ATTENDEE and SEQUENCE values, ``limits`` bounds the work per document.
"""

"""Sources and sinks: the only modules that talk to the outside world.

The map (each source returns frozen :mod:`kaffe.model` objects; library shapes
never leave its package)::

    base.py          the capability Protocols: CalendarSource, MailSource, DraftSink, FeedSource
    registry.py      config ``type`` -> connector, imported only when an entry needs it
    secrets.py       passwords from a file, an environment variable or the keyring
    deadline.py      Watch: a wall-clock limit on one exchange, and Cancelled on stop
    plaintext.py     one_line / printable: strangers' text made safe to store and print
    mailheaders.py   RFC 5322 headers -> Message fields, bulk and invitation checks (Gmail + IMAP)
    google/          OAuth, the HTTP layer and retries, Calendar, Gmail source and drafts
    imap/            IMAP mail source (INBOX, Sent) and Drafts sink, stdlib imaplib
    ical/            the iCalendar format: parse, stream a window, invitations in MIME
    ics_source.py    calendar from an ICS URL or file (feeds.fetch + ical)
    caldav_source.py calendar over CalDAV (the ``caldav`` library + ical)
    feeds/           RSS/Atom sources, and the document fetcher ics_source reuses

Who may import whom: ``mailheaders``, ``ical`` and ``feeds.fetch`` are shared
ground; ``imap/`` never imports ``google/``; no connector imports the emulator
(``tests/test_layering.py`` checks both).

Errors: every library exception is translated at the boundary, ``raise ... from
exc``, into one of :mod:`kaffe.errors` (the cycle logs it, the source is retried
next cycle; ``AuthError`` and ``ConnectorError`` carry a fix-it ``hint``)::

    library exception                                     kaffe error
    ----------------------------------------------------  ----------------------------
    any, after a Watch deadline fired (deadline.py)       TransientError
    any, after a stop request (SIGTERM)                   Cancelled
    googleapiclient HttpError 429, 5xx, 403 rate reasons  TransientError (retry_after)
      401, 403 auth reasons                               AuthError (re-authorise)
      403 insufficientPermissions                         permissions.refused (scope)
      410 (Calendar), 404 (Gmail history)                 SyncTokenExpired
      403 accessNotConfigured, any other                  ConnectorError
    google.auth RefreshError invalid_grant / other        AuthError
      RefreshError marked retryable                       TransientError
    google.auth TransportError, httplib2, OSError         TransientError
    imaplib.IMAP4.error at LOGIN                          AuthError
      IMAP4.error (NO/BAD answer) after it                ConnectorError
    imaplib.IMAP4.abort, OSError, TimeoutError            TransientError
    ssl.SSLCertVerificationError (IMAP)                   ConnectorError
    caldav AuthorizationError                             AuthError
      RateLimitError, DAVError status >= 500              TransientError
      other DAVError, NotFoundError (no such calendar)    ConnectorError
    OSError under caldav: certificate / other             ConnectorError / TransientError
    httpx TimeoutException, NetworkError, ProxyError      TransientError
      other httpx.HTTPError, InvalidURL                   ConnectorError
    HTTP 429, 5xx (feeds, ICS)                            TransientError (Retry-After)
      other 4xx (404 and 410 hint: check the url)         ConnectorError
    a body past max_bytes, not a feed, not a calendar     ConnectorError
    OSError reading a local feed or calendar file         ConnectorError
    a password file, variable or keyring entry missing    AuthError

A single unreadable item (a message, an event, an entry) is not an error: it
becomes a reading problem in the batch (``kaffe.daemon.problems``).
"""

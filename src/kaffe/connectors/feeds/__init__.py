"""RSS and Atom feeds, and the document fetcher the ICS calendar source reuses.

``fetch`` gets one document (HTTP with a conditional, streamed, capped GET under a
deadline, or a local file), ``parse`` runs feedparser on its bytes, ``text`` cleans
titles, summaries and URLs, ``source`` joins them into the feed sources. How long a
failing feed waits is the daemon's call (``kaffe.daemon.sync.next_attempt``).
"""

"""One API client, and so one httplib2.Http, per thread."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from kaffe.connectors.google import GoogleConnection


def test_each_thread_gets_its_own_http_and_both_work(
    google: GoogleConnection, now: datetime
) -> None:
    source = google.calendars[0]
    seen: dict[str, object] = {}
    failures: list[BaseException] = []

    def work(name: str) -> None:
        try:
            source.sync(None, window_start=now - timedelta(days=1), window_end=now)
            seen[name] = source.service._http
        except BaseException as exc:  # surfaced in the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len({id(http) for http in seen.values()}) == 3

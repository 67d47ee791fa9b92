"""The one redactor: secret URLs, query credentials, passwords and tokens never
reach a log line, an error or a line of output; what is not secret stays readable."""

from __future__ import annotations

import pytest

from kaffe.redact import has_credentials, is_credential_name, redact_text, redact_url


@pytest.mark.parametrize(("url", "shown"), [
    # Google's secret iCal address: the address and the private token go
    ("https://calendar.google.com/calendar/ical/ana%40gmail.com/private-0123abcd/basic.ics",
     "https://calendar.google.com/calendar/ical/…/private-…/basic.ics"),
    # Outlook's published calendar: the mailbox id and the token go
    ("https://outlook.office365.com/owa/calendar/5f1c9e2a7b@contoso.com/"
     "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6/calendar.ics",
     "https://outlook.office365.com/owa/calendar/…/…/calendar.ics"),
    ("https://outlook.live.com/owa/calendar/00000000-0000-0000-0000-000000000000/"
     "5c1d8e3f-2a4b-4c6d-8e0f-1a2b3c4d5e6f/cid-0123456789ABCDEF/calendar.ics",
     "https://outlook.live.com/owa/calendar/…/…/…/calendar.ics"),
    # iCloud's published calendar (webcal, base64 token)
    ("webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1NjtUaGlzSXNBVG9rZW4",
     "webcal://p52-caldav.icloud.com/published/2/…"),
    ("webcals://cal.example/feed.ics?token=s3cr3t", "webcals://cal.example/feed.ics?token=…"),
    # user info, query credentials of every spelling, harmless parameters kept
    ("https://ana:pw@cal.example/feed.ics?token=s3cr3t", "https://…@cal.example/feed.ics?token=…"),
    ("https://ana@cal.example/feed.ics", "https://…@cal.example/feed.ics"),
    ("https://feeds.example/rss?apikey=K3Y&lang=da", "https://feeds.example/rss?apikey=…&lang=da"),
    ("https://feeds.example/rss?api_key=K&API-KEY=K&key=K&access_token=T&sig=S&secret=X"
     "&password=P&client_secret=C&X-Amz-Signature=A&X-Amz-Credential=B&auth=Z",
     "https://feeds.example/rss?api_key=…&API-KEY=…&key=…&access_token=…&sig=…&secret=…"
     "&password=…&client_secret=…&X-Amz-Signature=…&X-Amz-Credential=…&auth=…"),
    ("https://feeds.example/rss?u=ana&id=8f3e2a9c41b7d6e05a2f", "https://feeds.example/rss?u=ana&id=…"),
    ("https://a.example/cb#access_token=ya29.x&state=1", "https://a.example/cb#access_token=…&state=1"),
    # a path segment that looks like a token, and one that is a slug of words
    ("https://feeds.example/u/9f8e7d6c5b4a3928/rss", "https://feeds.example/u/…/rss"),
    ("https://blog.example/2024/05/why-coffee-meetings-matter-for-your-career/",
     "https://blog.example/2024/05/why-coffee-meetings-matter-for-your-career/"),
    # ports, IPv6 hosts and public calendars stay as they are
    ("https://cal.example:8443/team/public.ics", "https://cal.example:8443/team/public.ics"),
    ("http://[::1]:8080/feed.xml?apikey=K", "http://[::1]:8080/feed.xml?apikey=…"),
    ("http://127.0.0.1:43755/feed.xml", "http://127.0.0.1:43755/feed.xml"),
    # a local path or file URL holds no secret
    ("/home/ana/calendar.ics", "/home/ana/calendar.ics"),
    ("file:///home/ana/calendar.ics", "file:///home/ana/calendar.ics"),
    # a URL that cannot even be parsed is hidden whole
    ("http://[::1/private-abc", "http://…"),
])
def test_redact_url_hides_secrets_and_keeps_the_rest(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(("text", "shown"), [
    ('HTTP Request: GET https://x.example/feed.xml?apikey=K3Y "HTTP/1.1 200 OK"',
     'HTTP Request: GET https://x.example/feed.xml?apikey=… "HTTP/1.1 200 OK"'),
    # urllib3 and access logs write the request target without the host
    ('https://calendar.google.com:443 "GET /calendar/ical/a%40b/private-0a1b2c/basic.ics HTTP/1.1"',
     'https://calendar.google.com:443 "GET /calendar/ical/…/private-…/basic.ics HTTP/1.1"'),
    ('"GET /?state=abc&code=4/0AX4XfWh HTTP/1.1" 200', '"GET /?state=abc&code=… HTTP/1.1" 200'),
    # httpx's own error words quote the URL
    ("Client error '404 Not Found' for url 'https://cal.example/x.ics?token=T'",
     "Client error '404 Not Found' for url 'https://cal.example/x.ics?token=…'"),
    ("feed:http://a.example/rss?key=K: ok.", "feed:http://a.example/rss?key=…: ok."),
    # dumps of headers and form bodies
    ("{'Authorization': 'Basic YW5hOnB3', 'Accept': '*/*'}",
     "{'Authorization': '…', 'Accept': '*/*'}"),
    ("[(b'Authorization', b'Bearer ya29.a0Af'), (b'Host', b'x')]",
     "[(b'Authorization', b'…'), (b'Host', b'x')]"),
    ('{"access_token": "ya29.a0Af", "expires_in": 3599}',
     '{"access_token": "…", "expires_in": 3599}'),
    ("refresh_token=1//0gAbc&client_secret=GOCSPX-x&grant_type=refresh_token",
     "refresh_token=…&client_secret=…&grant_type=refresh_token"),
    ("Authorization: Bearer ya29.a0Af; next", "Authorization: Bearer …; next"),
    ("sending with bearer ya29.a0AfH6SMB", "sending with bearer …"),
    # words kaffe writes itself are left alone
    ("[calendars][1] password_file: expected a path, got \"x\"",
     "[calendars][1] password_file: expected a path, got \"x\""),
    ("export KAFFE_IMAP_PASSWORD=... where kaffe runs",
     "export KAFFE_IMAP_PASSWORD=... where kaffe runs"),
    ("connect_tcp.started host='127.0.0.1' port=8080 timeout=20.0",
     "connect_tcp.started host='127.0.0.1' port=8080 timeout=20.0"),
    ("event ics:home/a1@x: score 5.5, veto ''", "event ics:home/a1@x: score 5.5, veto ''"),
    ("", ""),
])
def test_redact_text_finds_secrets_anywhere_in_a_line(text: str, shown: str) -> None:
    assert redact_text(text) == shown


@pytest.mark.parametrize(("name", "secret"), [
    ("token", True), ("access_token", True), ("pageToken", True), ("apikey", True),
    ("api-key", True), ("X-API-Key", True), ("key", True), ("sig", True), ("signature", True),
    ("password", True), ("passwd", True), ("client_secret", True), ("authorization", True),
    ("auth", True), ("session_id", True), ("code", True),
    ("author", False), ("lang", False), ("page", False), ("q", False), ("utm_source", False),
    ("id", False), ("format", False),
])
def test_credential_names(name: str, secret: bool) -> None:
    assert is_credential_name(name) is secret


@pytest.mark.parametrize(("url", "private"), [
    ("https://feeds.example/rss?apikey=K", True),
    ("https://ana:pw@blog.example/post", True),
    ("https://calendar.google.com/calendar/ical/a/private-0a1b/basic.ics", True),
    ("https://a.example/post#access_token=T", True),
    ("https://blog.example/2024/05/coffee?author=ana&page=2#comments", False),
    ("https://news.example/item?id=8f3e2a9c41b7d6e05a2f", False),
])
def test_has_credentials_says_whether_a_link_is_anyone_elses_to_open(
    url: str, private: bool
) -> None:
    assert has_credentials(url) is private

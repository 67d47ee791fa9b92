"""The demo's small campaign (issue 17): what the demo's user and the people they write
to do between kaffe's cycles, played through the emulator's control endpoints over HTTP.

The user sends kaffe's outreach and nudge drafts from Gmail a few hours after they
appear (``POST /_emulator/drafts/<id>/send``). Each target has a script: a reply some
days after the request was sent (``POST /_emulator/messages``, in the request's thread)
and, for some, an accepted invitation to a coffee (``POST
/_emulator/calendars/primary/events``); a target without a script stays silent. kaffe
sees all of it only as any mailbox would show it: nothing here talks to kaffe.
"""

from __future__ import annotations

import base64
import email
import json
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from email import policy
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING, Any, TextIO

from kaffe.kinds import NUDGE, OUTREACH
from kaffe.timeutil import local

if TYPE_CHECKING:
    from kaffe.daemon.cycle import CycleReport
    from kaffe.emulator import Emulator

ME = "alex@example.com"


@dataclass(frozen=True)
class Script:
    """What one target does once your request reached them."""

    name: str
    reply_after: timedelta  # after the request was sent
    reply: str
    coffee_after: timedelta | None = None  # after the reply: the day of the coffee
    place: str = ""


# The targets file's people, and Freja (a referral in Johan's note). Sofie says nothing.
SCRIPTS = {
    "daniel.okafor@brightgrid.example": Script(
        "Daniel Okafor", timedelta(days=2, hours=4),
        "Hi Alex,\n\nHappy to. Thursday next week at Café Norden, 10:00? I'll send an "
        "invitation.\n\nDaniel", timedelta(days=8), "Café Norden, Østerbrogade 68"),
    "lea.marchetti@cargoloop.example": Script(
        "Lea Marchetti", timedelta(days=1, hours=2),
        "Hi Alex,\n\nThanks for thinking of me. The next months are packed with our "
        "launch; could we pick this up after the summer?\n\nLea"),
    "freja.holm@vindkraft.example": Script(
        "Freja Holm", timedelta(days=2),
        "Hej Alex,\n\nJohan har nævnt dig. Kaffe lyder godt; jeg sender en invitation til "
        "næste uge.\n\nFreja", timedelta(days=6), "Democratic Coffee, Krystalgade 15"),
}


@dataclass
class _Pending:
    at: datetime  # when they reply
    email: str
    request: Any  # the request as sent: an email.message.EmailMessage


class Campaign:
    """The scripted user and targets; call :meth:`after_cycle` after each cycle and
    :meth:`before_cycle` before the next."""

    def __init__(self, emu: Emulator, zone: tzinfo, out: TextIO) -> None:
        self.emu, self.zone, self.out = emu, zone, out
        self.pending: list[_Pending] = []
        self.sent: dict[str, int] = {}  # kind -> drafts the user sent

    def after_cycle(self, report: CycleReport, now: datetime, send_at: datetime,
                    set_clock: Any) -> None:
        """The user sends the outreach and nudges this cycle made, at ``send_at``."""
        for outcome in report.created:
            kind = outcome.action.kind
            if kind not in (OUTREACH, NUDGE) or outcome.draft is None:
                continue
            set_clock(send_at)
            raw = self._send(outcome.draft_id)
            self.sent[kind] = self.sent.get(kind, 0) + 1
            request = email.message_from_bytes(raw, policy=policy.default)
            to = outcome.draft.to[0]
            self.out.write(f"\n--- you send the {kind} to {to.name or to.email} from Gmail "
                           f"at {self._at(send_at)}\n")
            script = SCRIPTS.get(to.email)
            if kind == OUTREACH and script is not None:
                self.pending.append(_Pending(send_at + script.reply_after, to.email, request))

    def before_cycle(self, now: datetime, set_clock: Any) -> None:
        """Everything the targets do up to ``now``, in time order."""
        due = sorted((p for p in self.pending if p.at <= now), key=lambda p: p.at)
        for item in due:
            self.pending.remove(item)
            set_clock(item.at)
            script = SCRIPTS[item.email]
            self._reply(item, script)
            if script.coffee_after is not None:  # their invitation follows the reply
                self._coffee(item, script, item.at + script.coffee_after)

    # -- what happens in the mailbox and the calendar -----------------------------------
    def _send(self, draft_id: str) -> bytes:
        (raw,) = [d["raw"] for d in self.emu.drafts() if d["id"] == draft_id]
        self._post(f"drafts/{draft_id}/send", None)
        return bytes(raw)

    def _reply(self, item: _Pending, script: Script) -> None:
        request = item.request
        reply = email.message.EmailMessage()
        reply["From"] = f"{script.name} <{item.email}>"
        reply["To"] = f"Alex Morgan <{ME}>"
        subject = str(request["Subject"])
        reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        reply["Date"] = format_datetime(item.at)
        reply["Message-ID"] = make_msgid(domain=item.email.split("@")[1])
        reply["In-Reply-To"] = str(request["Message-ID"])
        reply["References"] = str(request["Message-ID"])
        reply.set_content(script.reply + "\n")
        self._post("messages", {"raw": base64.urlsafe_b64encode(reply.as_bytes()).decode(),
                                "labelIds": ["INBOX", "UNREAD"]})
        self.out.write(f"\n--- {script.name} replies at {self._at(item.at)}\n")

    def _coffee(self, item: _Pending, script: Script, day: datetime) -> None:
        start = local(day, self.zone).replace(hour=10, minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=1)
        first = script.name.split()[0]
        self._post("calendars/primary/events", {
            "id": f"demo0coffee{first.lower()}",
            "summary": f"Coffee with {first} / Alex", "location": script.place,
            "start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()},
            "organizer": {"email": item.email, "displayName": script.name},
            "attendees": [
                {"email": item.email, "displayName": script.name, "organizer": True,
                 "responseStatus": "accepted"},
                {"email": ME, "self": True, "responseStatus": "accepted"}]})
        self.out.write(f"\n--- you accept {first}'s invitation: coffee at {script.place}, "
                       f"{self._at(start)}\n")

    def _post(self, path: str, body: Any) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(f"{self.emu.url}/_emulator/{path}", data, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def _at(self, moment: datetime) -> str:
        return local(moment, self.zone).strftime("%a %Y-%m-%d %H:%M %Z")

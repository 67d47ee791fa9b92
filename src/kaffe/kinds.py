"""Every extension point of kaffe, in one place: what a new kind of draft or a new
source has to be added to.

**Action kinds** (below): each rule in ``rules/`` makes actions of one kind; the kind
names the Jinja2 template (``compose/templates/<lang>/<template>.j2``) and begins the
idempotency key (``<kind>:...``) the ledger and the ``X-Kaffe-Key`` header carry.
A new kind needs a rule module, a template per language and an entry here.

**Sources and sinks**: the ``type`` of a ``[[calendars]]`` or ``[[mail]]`` entry
picks a factory in :mod:`kaffe.connectors.registry`:
``CALENDAR_FACTORIES`` (calendar sources: ``google``, ``ics``, ``caldav``),
``MAIL_FACTORIES`` (mail sources: ``google``, ``imap``) and ``SINK_FACTORIES``
(draft sinks: ``google``, ``imap``); each answers one Protocol of
:mod:`kaffe.connectors.base`. RSS/Atom feeds (``[[feeds]]``) have one type.

**Templates**: ``[templates] dir`` overrides any shipped template by its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FOLLOWUP: Final = "followup"
DRIP: Final = "drip"
CHECKIN: Final = "checkin"
PREP: Final = "prep"
REVIEW: Final = "review"
OUTREACH: Final = "outreach"
NUDGE: Final = "nudge"
THANKS: Final = "thanks"


@dataclass(frozen=True)
class ActionKind:
    """One kind of draft: its name, template and idempotency key."""

    name: str
    template: str
    key: str  # the form of its idempotency key
    what: str

    @property
    def prefix(self) -> str:
        """How every key of this kind begins."""
        return f"{self.name}:"


ACTION_KINDS: Final = (
    ActionKind(FOLLOWUP, "followup", "followup:<meeting-id>",
               "the thank-you after a coffee meeting (rules/followup.py)"),
    ActionKind(DRIP, "drip", "drip:<contact>:<article-id>",
               "an article matching what you talked about (rules/drip.py)"),
    ActionKind(CHECKIN, "checkin", "checkin:<contact>:<YYYY-mm-dd silence began>",
               "a light check-in after a long silence (rules/checkin.py)"),
    ActionKind(PREP, "prep", "prep:<meeting-id>",
               "a brief to yourself before an upcoming coffee meeting (rules/prep.py)"),
    ActionKind(REVIEW, "review", "review:<hash of the draft version read>",
               "a note to yourself: a draft you are about to send reads like a job ask "
               "(daemon/review.py reads your drafts, rules/review.py)"),
    ActionKind(OUTREACH, "outreach", "outreach:<target>",
               "a short meeting request to someone in your targets file (rules/outreach.py)"),
    ActionKind(NUDGE, "nudge", "nudge:<target>",
               "one friendly nudge in the same thread when an outreach got no answer "
               "(rules/outreach.py)"),
    ActionKind(THANKS, "thanks", "thanks:<introducer>:<referral>",
               "a thank-you to who referred you, once you met the person (rules/outreach.py)"),
)
KINDS: Final = tuple(kind.name for kind in ACTION_KINDS)  # in the demo's and report's order
CAPPED: Final = (DRIP, CHECKIN)  # reach out between meetings: count against the caps
# a draft to the contact: starts the gap
TOUCHES: Final = (FOLLOWUP, DRIP, CHECKIN, THANKS)


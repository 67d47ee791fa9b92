"""A note to yourself when a draft you are about to send reads like a job ask (issue 16).

The findings come from :mod:`kaffe.daemon.review`, which reads your drafts; this rule
only decides: one note per finding (its key names the draft version read, so a version
is reported once), to your own address, in your language. Already drafted: DONE.
"""

from __future__ import annotations

from kaffe.config.schema import Config
from kaffe.kinds import REVIEW
from kaffe.model import DONE, DUE, Action, Recipient, Snapshot


def review_actions(snapshot: Snapshot, config: Config) -> tuple[Action, ...]:
    """One REVIEW action per finding in ``snapshot``; none without an address of yours."""
    if not config.me.addresses:
        return ()
    me = (Recipient(config.me.addresses[0], config.me.name),)
    actions = []
    for finding in snapshot.findings:
        entry = snapshot.ledger.get(finding.key)
        done = entry is not None and entry.state == DONE
        to = ", ".join(r.email for r in finding.draft.to)
        whose = "kaffe's draft you edited" if finding.edited else "your draft"
        reason = f"{whose} to {to} reads like a job ask ({finding.why})"
        actions.append(Action(
            kind=REVIEW, key=finding.key, state=DONE if done else DUE,
            reason=("noted already: " if done else "") + reason,
            to=me, language=config.me.language, template=REVIEW,
            context={"recipients": [r.name or r.email for r in finding.draft.to],
                     "addresses": [r.email for r in finding.draft.to],
                     "draft_subject": finding.draft.subject, "sentence": finding.sentence,
                     "why": finding.why, "edited": finding.edited}))
    return tuple(actions)

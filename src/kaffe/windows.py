"""The windows of time kaffe keeps and looks at, all moving with ``now``: the calendar
window the sync keeps in the store, the snapshot's bounds, and how far in the future
an article's date may lie before it is taken for clock skew."""

from __future__ import annotations

from datetime import datetime, timedelta

from kaffe.config.schema import Config

# An article dated in the future is clock skew or a feed bug: it waits until then.
SKEW = timedelta(hours=1)


def sync_window(now: datetime, config: Config) -> tuple[datetime, datetime]:
    """The calendar window kept in the store: back far enough for stale follow-ups,
    and for the coffee meetings that drips and check-ins build on."""
    history = max(config.drip.horizon_days, config.checkin.after_days + 30)
    back = max(config.detect.lookback_days, config.followup.max_age_days + 1, history)
    return now - timedelta(days=back), now + timedelta(days=config.detect.lookahead_days)


def snapshot_window(now: datetime, config: Config) -> tuple[datetime, datetime, datetime, datetime]:
    """The snapshot's bounds at ``now``: events overlapping ``[start, end)``, mail from
    ``since``, articles from ``recent``."""
    start, end = sync_window(now, config)
    since = min(start, now - timedelta(days=config.mailboxes.window_days))
    recent = now - timedelta(days=config.drip.max_article_age_days)
    return start, end, since, recent

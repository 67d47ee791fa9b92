"""Forget old articles: ``[feed_options] keep_days`` made true, once a day.

The store refuses an entry published before the last prune's horizon, so an
article a feed still serves after its row went is not taken for a new one (and
never dripped again; the drip ledger, keyed by article id, is not pruned either).
An undated article is aged by when it was fetched; one a feed still serves comes
back after its row went, fetched anew, but an undated article is never fresh
(:func:`kaffe.rules.cadence.is_fresh`), so it is never dripped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from kaffe.config.schema import Config
from kaffe.store import Store
from kaffe.store.codec import dt_from_text, dt_to_text

log = logging.getLogger(__name__)

PRUNED_META = "articles.pruned_at"  # when articles were last pruned
PRUNE_EVERY = timedelta(days=1)


def prune_due(last: str | None, now: datetime) -> bool:
    """True when no prune ran in the day before ``now`` (or the clock went back past it)."""
    if not last:
        return True
    try:
        since = now - dt_from_text(last)
    except ValueError:
        return True
    return not timedelta(0) <= since < PRUNE_EVERY


def prune_articles(store: Store, now: datetime, config: Config) -> int:
    """Delete articles older than ``keep_days`` if a day has passed since the last
    prune; returns how many went (0 when it was not time)."""
    if not prune_due(store.get_meta(PRUNED_META), now):
        return 0
    pruned = store.prune_articles(now - timedelta(days=config.feed_options.keep_days))
    store.set_meta(PRUNED_META, dt_to_text(now))
    if pruned:
        log.info("forgot %d articles older than %d days ([feed_options] keep_days)",
                 pruned, config.feed_options.keep_days)
    return pruned
